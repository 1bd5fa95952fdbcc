// SPDX-License-Identifier: GPL-2.0
/*
 * hv_memslot_ro: a read-only memslot reads like memory and turns writes
 * into MMIO exits carrying the data, leaving the backing untouched.
 */
#include "hvtest.h"

#define RO_GPA	0x20000u
#define PAGE	0x1000u

static const uint8_t guest[] = {
	0x66, 0xb8, 0xef, 0xbe, 0xad, 0xde,	/* mov eax, 0xdeadbeef */
	0x66, 0x26, 0xa3, 0x04, 0x00,		/* mov [es:4], eax */
	0x66, 0x26, 0xa1, 0x00, 0x00,		/* mov eax, [es:0] */
	0x66, 0xe7, 0xe1,			/* out 0xe1, eax */
	0xf4,					/* hlt */
};

int main(void)
{
	struct kvm_sregs sregs;
	struct hv_exit *e;
	uint32_t *buf, v;
	struct hvt t;

	hvt_setup(&t, guest, sizeof(guest), false);
	hvt_require_cap(t.hv, HV_CAP_READONLY_MEM);
	buf = hvt_alloc(PAGE);
	buf[0] = 0x600dcafe;
	buf[1] = 0x12345678;
	hvt_add_slot(t.vm, 1, RO_GPA, PAGE, buf, HV_MEM_READONLY);
	CHECK_OK(hv_vcpu_get_sregs(t.vcpu, &sregs));
	sregs.es.base = RO_GPA;
	sregs.es.selector = RO_GPA >> 4;
	CHECK_OK(hv_vcpu_set_sregs(t.vcpu, &sregs));

	e = hvt_run(&t, HV_EXIT_MMIO);
	memcpy(&v, e->mmio.data, 4);
	CHECK(e->mmio.is_write && e->mmio.phys_addr == RO_GPA + 4 &&
		  e->mmio.len == 4 && v == 0xdeadbeef,
		  "write to read-only slot: MMIO %s at 0x%llx len %u data 0x%x",
		  e->mmio.is_write ? "write" : "read",
		  (unsigned long long)e->mmio.phys_addr, e->mmio.len, v);
	v = hvt_io_value(hvt_run_io(&t, 0xe1, HV_EXIT_IO_OUT, 4));
	CHECK(v == 0x600dcafe, "read from read-only slot gave 0x%x", v);
	CHECK(buf[1] == 0x12345678, "read-only backing was written");
	hvt_run(&t, HV_EXIT_HLT);

	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
