// SPDX-License-Identifier: GPL-2.0
/*
 * hv_mmio: MMIO exits of widths 1, 2, 4 and 8, writes carrying the data
 * and reads completed through hv_exit.mmio.data (echoed back by the
 * guest).  Real mode; ES is based at the unbacked MMIO_BASE.  Width 8
 * uses the MMX MOVQ, which real mode can execute without any setup.
 */
#include "hvtest.h"

#define MMIO_BASE	0x10000u

static const uint8_t guest[] = {
	0x26, 0xc6, 0x06, 0x00, 0x00, 0x12,	/* mov byte [es:0], 0x12 */
	0x26, 0xc7, 0x06, 0x08, 0x00, 0x56, 0x34,
						/* mov word [es:8], 0x3456 */
	0x66, 0x26, 0xc7, 0x06, 0x10, 0x00, 0xde, 0xbc, 0x9a, 0x78,
						/* mov dword [es:0x10], 0x789abcde */
	0x0f, 0x6f, 0x06, 0x00, 0x20,		/* movq mm0, [0x2000] */
	0x26, 0x0f, 0x7f, 0x06, 0x18, 0x00,	/* movq [es:0x18], mm0 */
	0x26, 0xa0, 0x20, 0x00,			/* mov al, [es:0x20] */
	0xe6, 0xe1,				/* out 0xe1, al */
	0x26, 0xa1, 0x22, 0x00,			/* mov ax, [es:0x22] */
	0xe7, 0xe1,				/* out 0xe1, ax */
	0x66, 0x26, 0xa1, 0x24, 0x00,		/* mov eax, [es:0x24] */
	0x66, 0xe7, 0xe1,			/* out 0xe1, eax */
	0x26, 0x0f, 0x6f, 0x0e, 0x28, 0x00,	/* movq mm1, [es:0x28] */
	0x0f, 0x7f, 0x0e, 0x08, 0x20,		/* movq [0x2008], mm1 */
	0xf4,					/* hlt */
};

static struct hv_exit *run_mmio(struct hvt *t, uint64_t off, uint32_t len,
				bool write)
{
	struct hv_exit *e = hvt_run(t, HV_EXIT_MMIO);

	CHECK(e->mmio.phys_addr == MMIO_BASE + off && e->mmio.len == len &&
		  !!e->mmio.is_write == write,
		  "MMIO exit at 0x%llx len %u write %u, want 0x%llx len %u write %u",
		  (unsigned long long)e->mmio.phys_addr, e->mmio.len,
		  e->mmio.is_write, (unsigned long long)(MMIO_BASE + off), len,
		  write);
	return e;
}

int main(void)
{
	static const struct { uint32_t off, len; uint64_t val; } writes[] = {
		{ 0x00, 1, 0x12 }, { 0x08, 2, 0x3456 }, { 0x10, 4, 0x789abcde },
		{ 0x18, 8, 0x0123456789abcdefull },
	};
	static const struct { uint32_t off, len; uint64_t val; } reads[] = {
		{ 0x20, 1, 0xa5 }, { 0x22, 2, 0xbeef }, { 0x24, 4, 0xfeedf00d },
	};
	const uint64_t read8 = 0xfedcba9876543210ull;
	struct kvm_sregs sregs;
	struct hv_exit *e;
	struct hvt t;
	uint64_t v;

	hvt_setup(&t, guest, sizeof(guest), false);
	memcpy(t.ram + 0x2000, &writes[3].val, 8);
	CHECK_OK(hv_vcpu_get_sregs(t.vcpu, &sregs));
	sregs.es.base = MMIO_BASE;
	sregs.es.selector = MMIO_BASE >> 4;
	CHECK_OK(hv_vcpu_set_sregs(t.vcpu, &sregs));

	for (size_t i = 0; i < 4; i++) {
		e = run_mmio(&t, writes[i].off, writes[i].len, true);
		v = 0;
		memcpy(&v, e->mmio.data, writes[i].len);
		CHECK(v == writes[i].val,
			  "MMIO write%u carried 0x%llx, want 0x%llx",
			  writes[i].len * 8, (unsigned long long)v,
			  (unsigned long long)writes[i].val);
	}
	for (size_t i = 0; i < 3; i++) {
		e = run_mmio(&t, reads[i].off, reads[i].len, false);
		memcpy(e->mmio.data, &reads[i].val, reads[i].len);
		e = hvt_run_io(&t, 0xe1, HV_EXIT_IO_OUT, reads[i].len);
		CHECK(hvt_io_value(e) == reads[i].val,
			  "MMIO read%u completed with 0x%llx, guest saw 0x%llx",
			  reads[i].len * 8,
			  (unsigned long long)reads[i].val,
			  (unsigned long long)hvt_io_value(e));
	}
	e = run_mmio(&t, 0x28, 8, false);
	memcpy(e->mmio.data, &read8, 8);
	hvt_run(&t, HV_EXIT_HLT);
	memcpy(&v, t.ram + 0x2008, 8);
	CHECK(v == read8, "MMIO read64 completed with 0x%llx, guest saw 0x%llx",
		  (unsigned long long)read8, (unsigned long long)v);

	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
