// SPDX-License-Identifier: GPL-2.0
/*
 * hv_irqfd: an eventfd bound with hv_irqfd() raises GSI 5, which the
 * in-backend 8259 delivers to a real-mode guest sleeping in HLT; the
 * handler reports on port 0xe1.  After deassign, signalling the eventfd
 * delivers nothing (a kick from a timer thread ends that run instead).
 */
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hvtest.h"

#define HANDLER	0x1100u

/* Each pair below is mov al, imm8; out imm8, al. */
static const uint8_t guest[] = {
	0xb0, 0x11, 0xe6, 0x20,		/* ICW1: edge, ICW4 follows */
	0xb0, 0x20, 0xe6, 0x21,		/* ICW2: vector base 0x20 */
	0xb0, 0x04, 0xe6, 0x21,		/* ICW3 */
	0xb0, 0x01, 0xe6, 0x21,		/* ICW4: 8086 mode */
	0xb0, 0xdf, 0xe6, 0x21,		/* OCW1: only IRQ5 */
	0xe6, 0xe0,			/* out 0xe0, al: ready */
	0xfb,				/* sti */
	0xf4,				/* 1: hlt */
	0xeb, 0xfd,			/* jmp 1b */
};

static const uint8_t handler[] = {
	0xb0, 0x20, 0xe6, 0x20,		/* mov al, 0x20; out 0x20, al (EOI) */
	0xb0, 0x55, 0xe6, 0xe1,		/* mov al, 0x55; out 0xe1, al */
	0xcf,				/* iret */
};

static void *late_kick(void *arg)
{
	usleep(300000);
	hv_vcpu_kick(arg);
	return NULL;
}

int main(void)
{
	struct kvm_irqfd irqfd = { .gsi = 5 };
	uint64_t one = 1;
	struct hv_exit *e;
	pthread_t th;
	struct hvt t;
	int ret;

	hvt_setup(&t, guest, sizeof(guest), true);
	hvt_require_cap(t.hv, HV_CAP_IRQFD);
	memcpy(t.ram + HANDLER, handler, sizeof(handler));
	/* IVT entry of vector 0x25: 0000:HANDLER */
	t.ram[0x25 * 4] = HANDLER & 0xff;
	t.ram[0x25 * 4 + 1] = HANDLER >> 8;

	hvt_lint0_extint(t.vcpu);
	irqfd.fd = eventfd(0, EFD_CLOEXEC);
	CHECK_OK(hv_irqfd(t.vm, &irqfd));
	hvt_run_io(&t, 0xe0, HV_EXIT_IO_OUT, 1);

	if (write(irqfd.fd, &one, sizeof(one)) != sizeof(one))
		check_fail("eventfd write");
	pthread_create(&th, NULL, late_kick, t.vcpu);
	ret = hv_vcpu_run(t.vcpu);
	CHECK(ret == 0, "irqfd: no interrupt delivered (run %d, exit %s)",
		  ret, hvt_reason(t.exit->reason));
	e = t.exit;
	CHECK(e->reason == HV_EXIT_IO && e->io.port == 0xe1 &&
		  hvt_io_value(e) == 0x55,
		  "irqfd: unexpected exit %s", hvt_reason(e->reason));
	pthread_join(th, NULL);
	/* The late kick may have landed after the exit: consume it. */
	ret = hv_vcpu_run(t.vcpu);
	if (ret != -EINTR) {
		pthread_create(&th, NULL, late_kick, t.vcpu);
		ret = hv_vcpu_run(t.vcpu);
		pthread_join(th, NULL);
	}
	CHECK(ret == -EINTR, "idle guest: run returned %d exit %s", ret,
		  hvt_reason(t.exit->reason));

	irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
	CHECK_OK(hv_irqfd(t.vm, &irqfd));
	if (write(irqfd.fd, &one, sizeof(one)) != sizeof(one))
		check_fail("eventfd write");
	pthread_create(&th, NULL, late_kick, t.vcpu);
	ret = hv_vcpu_run(t.vcpu);
	pthread_join(th, NULL);
	CHECK(ret == -EINTR && t.exit->reason == HV_EXIT_INTR,
		  "deassigned irqfd still injected (run %d exit %s)", ret,
		  hvt_reason(t.exit->reason));

	close(irqfd.fd);
	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
