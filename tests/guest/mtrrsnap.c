// SPDX-License-Identifier: GPL-2.0
/*
 * mtrrsnap.c - the memory type MSRs survive a snapshot and a restore into
 * a new process (tests/snapshot/mtrr.py): the guest gives PAT, the MTRR
 * default type, every fixed range and two variable ranges values no
 * power-on state has, prints READY and waits for "go" on COM1 (sent to
 * the restored VM), then reads them all back.  MTRRCAP is read-only and
 * must read the same as before.
 *
 * The ranges describe addresses without RAM (the PCI hole), so the
 * guest's own memory stays write-back while the test runs.
 */
#include "kit.h"

#define MSR_MTRRCAP		0xfe
#define MSR_PAT			0x277
#define MSR_MTRR_DEF_TYPE	0x2ff
#define MSR_MTRR_PHYSBASE0	0x200
#define CPUID_1_EDX_MTRR	(1u << 12)
#define CPUID_1_EDX_PAT		(1u << 16)
#define MTRR_VALID		(1ull << 11)
#define MTRR_DEF_E_FE_WB	0xc06ull	/* enabled, fixed on, WB */

struct msr_val {
	uint32_t index;
	uint64_t val;
};

static struct msr_val vals[32];
static unsigned int nr_vals;

static void set(uint32_t index, uint64_t val)
{
	wrmsr(index, val);
	ASSERT_EQ(rdmsr(index), val);
	vals[nr_vals++] = (struct msr_val){ index, val };
}

/* Eight valid memory types, one per byte (UC WC WT WP WB UC-). */
static uint64_t types(uint8_t a, uint8_t b)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)(i & 1 ? b : a) << (8 * i);
	return v;
}

int main(const char *cmdline)
{
	static const uint32_t fix4k[] = {
		0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f,
	};
	uint32_t edx = cpuid(1).d, maxphy;
	uint64_t cap, mask;
	unsigned int i;

	if (!(edx & CPUID_1_EDX_MTRR) || !(edx & CPUID_1_EDX_PAT))
		exit_fail("the CPU model has no MTRRs or PAT");
	maxphy = cpuid(0x80000008).a & 0xff;
	mask = ((1ull << maxphy) - 1) & ~0xfffull;
	cap = rdmsr(MSR_MTRRCAP);
	ASSERT(cap & (1u << 8));	/* fixed ranges */
	ASSERT((cap & 0xff) >= 2);	/* two variable ranges at least */

	set(MSR_PAT, 0x0001050406070401ull);
	set(0x250, types(6, 6));		/* 0-0x7ffff: WB */
	set(0x258, types(6, 4));		/* 0x80000-0x9ffff */
	set(0x259, types(1, 0));		/* VGA: WC / UC */
	for (i = 0; i < 8; i++)			/* 0xc0000-0xfffff */
		set(fix4k[i], types(5, (uint8_t)(i & 1 ? 4 : 6)));
	/* 0xc0000000 + 256 MiB UC, 0xd0000000 + 64 MiB WC: no RAM there. */
	set(MSR_MTRR_PHYSBASE0, 0xc0000000ull | 0);
	set(MSR_MTRR_PHYSBASE0 + 1, (mask & ~0xfffffffull) | MTRR_VALID);
	set(MSR_MTRR_PHYSBASE0 + 2, 0xd0000000ull | 1);
	set(MSR_MTRR_PHYSBASE0 + 3, (mask & ~0x3ffffffull) | MTRR_VALID);
	set(MSR_MTRR_DEF_TYPE, MTRR_DEF_E_FE_WB);
	printf("READY: %u MSRs set, MTRRCAP 0x%llx\n", nr_vals,
	       (unsigned long long)cap);

	while (!serial_go())
		pause();
	ASSERT_EQ(rdmsr(MSR_MTRRCAP), cap);
	for (i = 0; i < nr_vals; i++)
		if (rdmsr(vals[i].index) != vals[i].val)
			exit_fail("MSR 0x%x: 0x%llx after the restore, 0x%llx before",
				  vals[i].index,
				  (unsigned long long)rdmsr(vals[i].index),
				  (unsigned long long)vals[i].val);
	printf("MTRR: all %u MSRs as before the snapshot\n", nr_vals);
	return 0;
}
