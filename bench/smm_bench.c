// SPDX-License-Identifier: GPL-2.0
/*
 * smm_bench - cost of one SMI round trip (SMI -> handler -> RSM) on emu.
 *
 * A flat 32-bit guest sends itself N SMIs through the LAPIC's ICR (delivery
 * mode SMI, shorthand self) in a loop; the SMI handler at SMBASE + 0x8000
 * is a lone RSM.  The same loop writing the TPR instead of the ICR (one
 * LAPIC MMIO store, no SMI) is the baseline, so
 *   round trip = (t(SMI loop) - t(TPR loop)) / N
 * is what the SMI itself costs: entry (state save into SMRAM, view switch),
 * the RSM (restore, view switch back) and the event path that takes it.
 * No exit to the VMM happens inside the loop.
 * Usage: smm_bench [iterations] (default 20000); prints one line per
 * backend that has SMM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../tests/hv/hvtest.h"

#define SMBASE		0x20000u
#define SMRAM_SIZE	0x10000u
#define MSR_SMBASE	0x9e

/* mov dword [0xfee00000 + reg], val; dec ecx; jnz; out 0x10, al; hlt */
static void make_loop(uint8_t *p, uint32_t reg, uint32_t val)
{
	const uint8_t tail[] = {
		0x49,				/* dec ecx */
		0x75, 0xf3,			/* jnz back to the store */
		0xe6, 0x10,			/* out 0x10, al */
		0xf4,				/* hlt */
	};
	uint32_t addr = 0xfee00000u + reg;

	p[0] = 0xc7;				/* mov dword [disp32], imm32 */
	p[1] = 0x05;
	memcpy(p + 2, &addr, 4);
	memcpy(p + 6, &val, 4);
	memcpy(p + 10, tail, sizeof(tail));
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Run the loop once with @iters iterations; returns its time in ns. */
static uint64_t time_loop(enum hv_accel accel, uint32_t reg, uint32_t val,
			  uint32_t iters, uint64_t *smm_entries)
{
	struct hv_memslot s = { .guest_memfd = -1 };
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} msr = { .h.nmsrs = 1, .e.index = MSR_SMBASE, .e.data = SMBASE };
	struct hv_vcpu_stats st;
	struct kvm_regs regs;
	struct hv_exit *e;
	struct hv_vcpu *vcpu;
	struct hv_vm *vm;
	struct hv *hv;
	uint8_t *ram, *smram;
	uint64_t t0, t;
	char why[256];

	if (hv_open(accel, &hv, why, sizeof(why)))
		return 0;
	if (hv_check_cap(hv, HV_CAP_X86_SMM) <= 0 ||
	    hv_vm_create(hv, NULL, &vm)) {
		hv_close(hv);
		return 0;
	}
	ram = hvt_alloc(HVT_RAM_SIZE);
	smram = hvt_alloc(SMRAM_SIZE);
	make_loop(ram + HVT_CODE, reg, val);
	smram[0x8000] = 0x0f;			/* rsm */
	smram[0x8001] = 0xaa;
	HVT_OK(hv_create_irqchip(vm));
	s.memory_size = HVT_RAM_SIZE;
	s.userspace_addr = ram;
	HVT_OK(hv_set_memslot(vm, &s));
	s.as_id = HV_AS_SMM;
	HVT_OK(hv_set_memslot(vm, &s));
	s.slot = 1;
	s.guest_phys_addr = SMBASE;
	s.memory_size = SMRAM_SIZE;
	s.userspace_addr = smram;
	HVT_OK(hv_set_memslot(vm, &s));
	HVT_OK(hv_vcpu_create(vm, 0, &vcpu));
	HVT_CHECK(hv_vcpu_set_msrs(vcpu, &msr.h) == 1, "SMBASE");
	hvt_flat32(vcpu, HVT_CODE, 0, 0);
	HVT_OK(hv_vcpu_get_regs(vcpu, &regs));
	regs.rcx = iters;
	HVT_OK(hv_vcpu_set_regs(vcpu, &regs));

	e = hv_vcpu_exit(vcpu);
	t0 = now_ns();
	HVT_OK(hv_vcpu_run(vcpu));
	t = now_ns() - t0;
	HVT_CHECK(e->reason == HV_EXIT_IO && e->io.port == 0x10,
		  "loop ended with exit %u", e->reason);
	*smm_entries = hv_vcpu_get_stats(vcpu, &st) ? 0 : st.smm_entries;

	hv_vcpu_destroy(vcpu);
	hv_vm_destroy(vm);
	munmap(ram, HVT_RAM_SIZE);
	munmap(smram, SMRAM_SIZE);
	hv_close(hv);
	return t;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const struct { enum hv_accel accel; const char *name; } be[] = {
		{ HV_ACCEL_KVM, "kvm" }, { HV_ACCEL_EMU, "emu" },
	};
	uint32_t iters = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 20000;
	enum { RUNS = 5 };

	if (!iters)
		iters = 1;
	for (size_t b = 0; b < 2; b++) {
		uint64_t smi[RUNS], base[RUNS], n = 0, nb = 0;
		double rt;

		for (int r = 0; r < RUNS; r++) {
			/* ICR: vector 0, SMI, assert, shorthand self. */
			smi[r] = time_loop(be[b].accel, 0x300, 0x44200, iters,
					   &n);
			base[r] = time_loop(be[b].accel, 0x80, 0, iters, &nb);
		}
		if (!smi[0] || !base[0]) {
			printf("%-4s no SMM\n", be[b].name);
			continue;
		}
		if (n && n != iters) {
			printf("%-4s FAIL: %llu SMM entries for %u SMIs\n",
			       be[b].name, (unsigned long long)n, iters);
			return 1;
		}
		qsort(smi, RUNS, sizeof(smi[0]), cmp_u64);
		qsort(base, RUNS, sizeof(base[0]), cmp_u64);
		rt = ((double)smi[RUNS / 2] - (double)base[RUNS / 2]) / iters;
		printf("%-4s SMI round trip %8.0f ns  (%u SMIs: loop median "
		       "%.2f ms, TPR-store baseline %.2f ms, %d runs)\n",
		       be[b].name, rt, iters, smi[RUNS / 2] / 1e6,
		       base[RUNS / 2] / 1e6, RUNS);
	}
	return 0;
}
