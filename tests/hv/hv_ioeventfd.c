// SPDX-License-Identifier: GPL-2.0
/*
 * hv_ioeventfd: a PIO write with a matching datamatch and an MMIO write
 * signal their eventfds instead of exiting; a non-matching value still
 * exits; deassign restores the exit.
 */
#include <sys/eventfd.h>
#include <unistd.h>

#include "hvtest.h"

#define MMIO_GPA	0x20000u

static const uint8_t guest[] = {
	0xb0, 0x07,			/* mov al, 7 */
	0xe6, 0xe5,			/* out 0xe5, al   (matches: no exit) */
	0x26, 0xa2, 0x00, 0x00,		/* mov [es:0], al (no exit) */
	0xb0, 0x08,			/* mov al, 8 */
	0xe6, 0xe5,			/* out 0xe5, al   (no match: exit) */
	0xf4,				/* hlt */
	0xb0, 0x07,			/* mov al, 7 */
	0xe6, 0xe5,			/* out 0xe5, al   (deassigned: exit) */
	0xf4,				/* hlt */
};

static uint64_t count(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

int main(void)
{
	struct kvm_ioeventfd pio = {
		.datamatch = 7, .addr = 0xe5, .len = 1,
		.flags = KVM_IOEVENTFD_FLAG_PIO | KVM_IOEVENTFD_FLAG_DATAMATCH,
	};
	struct kvm_ioeventfd mmio = { .addr = MMIO_GPA, .len = 1 };
	struct kvm_sregs sregs;
	struct hv_exit *e;
	struct hvt t;

	hvt_setup(&t, guest, sizeof(guest), false);
	hvt_require_cap(t.hv, HV_CAP_IOEVENTFD);
	pio.fd = eventfd(0, EFD_NONBLOCK);
	mmio.fd = eventfd(0, EFD_NONBLOCK);
	CHECK_OK(hv_ioeventfd(t.vm, &pio));
	CHECK_OK(hv_ioeventfd(t.vm, &mmio));
	CHECK_ERRNO(hv_ioeventfd(t.vm, &pio), EEXIST);
	CHECK_OK(hv_vcpu_get_sregs(t.vcpu, &sregs));
	sregs.es.base = MMIO_GPA;
	sregs.es.selector = MMIO_GPA >> 4;
	CHECK_OK(hv_vcpu_set_sregs(t.vcpu, &sregs));

	e = hvt_run_io(&t, 0xe5, HV_EXIT_IO_OUT, 1);
	CHECK(hvt_io_value(e) == 8, "first exit carried %llu, want 8",
		  (unsigned long long)hvt_io_value(e));
	CHECK(count(pio.fd) == 1, "PIO ioeventfd not signalled once");
	CHECK(count(mmio.fd) == 1, "MMIO ioeventfd not signalled once");
	hvt_run(&t, HV_EXIT_HLT);

	pio.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
	CHECK_OK(hv_ioeventfd(t.vm, &pio));
	e = hvt_run_io(&t, 0xe5, HV_EXIT_IO_OUT, 1);
	CHECK(hvt_io_value(e) == 7, "after deassign exit carried %llu",
		  (unsigned long long)hvt_io_value(e));
	CHECK(count(pio.fd) == 0, "deassigned ioeventfd still signalled");
	hvt_run(&t, HV_EXIT_HLT);

	close(pio.fd);
	close(mmio.fd);
	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
