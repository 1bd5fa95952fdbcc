// SPDX-License-Identifier: GPL-2.0
/*
 * modes.c - run the mode tour of kit/modes.S from low memory and check
 * what it measured in each mode: the default operand size CS.D/CS.L give
 * PUSH and CALL (8 in 64-bit mode, 4 in compatibility and 32-bit
 * protected mode, 2 in 16-bit protected and real mode; a 66 prefix
 * flips 4 <-> 2), EFER.LMA following CR0.PG, CR0.PE off in real mode,
 * real-mode segment arithmetic, and 32-bit and PAE paging switched on
 * and off in legacy protected mode (a read through an alias mapping).
 */
#include "sys.h"
#include "modes_result.h"

#define EFER_LME_BIT	(1u << 8)

extern const char modes_tramp[], modes_tramp_end[];

static uint32_t slot(int off)
{
	return *(volatile uint32_t *)(uintptr_t)(MODES_DATA + off);
}

static void set_slot(int off, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(MODES_DATA + off) = v;
}

int main(const char *cmdline)
{
	uint64_t *pae_pd = (uint64_t *)MODES_PAE_PD, *pdpt = (uint64_t *)MODES_PDPT;
	uint32_t *pd32 = (uint32_t *)MODES_PD32;
	struct __attribute__((packed)) { uint16_t limit; uint32_t base; } *gdtr;
	size_t len = modes_tramp_end - modes_tramp;
	int round;

	/* The 16-bit segments 0x28/0x30 live in the sys GDT. */
	sys_setup();
	ASSERT(len < 0x1000);
	memcpy((void *)MODES_BASE, modes_tramp, len);

	memset(pd32, 0, 4096);
	pd32[0] = 0x83;				/* 4 MiB at 0: P, W, PS */
	pd32[ALIAS_VA >> 22] = 0x83;
	memset(pae_pd, 0, 4096);
	pae_pd[0] = 0x83;			/* 2 MiB at 0 */
	memset(pdpt, 0, 32);
	/* PAE PDPTEs take only P (and PWT/PCD): W would be reserved. */
	pdpt[0] = MODES_PAE_PD | 1;
	pdpt[ALIAS_VA >> 30] = MODES_PAE_PD | 1;

	for (round = 0; round < 2; round++) {
		memset((void *)MODES_DATA, 0, 0x100);
		set_slot(MR_MAGIC, 0xC0DE5A5A + round);
		set_slot(MR_PD32, MODES_PD32);
		set_slot(MR_PDPT_PAE, MODES_PDPT);
		set_slot(MR_CR3, (uint32_t)read_cr3());
		set_slot(MR_CR4, (uint32_t)read_cr4());
		gdtr = (void *)(MODES_DATA + MR_GDTR);
		gdtr->limit = sizeof(sys_gdt) - 1;
		gdtr->base = (uint32_t)(uintptr_t)sys_gdt;

		((void (*)(void))MODES_BASE)();
		printf("round %d: back in 64-bit mode\n", round);

		CHECK_EQ("64-bit: PUSH bytes", slot(MR_PUSH64), 8);
		CHECK_EQ("64-bit: CALL bytes", slot(MR_CALL64), 8);
		CHECK_EQ("compat: PUSH bytes", slot(MR_PUSH_COMPAT), 4);
		CHECK_EQ("compat: CALL bytes", slot(MR_CALL_COMPAT), 4);
		CHECK_EQ("compat: EFER.LME|LMA", slot(MR_EFER_COMPAT) &
			 (EFER_LME_BIT | EFER_LMA), EFER_LME_BIT | EFER_LMA);
		CHECK_EQ("legacy 32: EFER.LME|LMA", slot(MR_EFER_LEGACY) &
			 (EFER_LME_BIT | EFER_LMA), 0);
		CHECK_EQ("legacy 32: CR0.PG|PE", slot(MR_CR0_LEGACY) &
			 0x80000001u, 1);
		CHECK_EQ("legacy 32: PUSH bytes", slot(MR_PUSH32), 4);
		CHECK_EQ("legacy 32: CALL bytes", slot(MR_CALL32), 4);
		CHECK_EQ("legacy 32: 66 PUSH bytes", slot(MR_PUSH32_66), 2);
		CHECK_EQ("32-bit paging, 4 MiB alias", slot(MR_ALIAS32),
			 0xC0DE5A5A + round);
		CHECK_EQ("PAE paging, 2 MiB alias", slot(MR_ALIASPAE),
			 0xC0DE5A5A + round);
		CHECK_EQ("16-bit PM: PUSH bytes", slot(MR_PUSH16), 2);
		CHECK_EQ("16-bit PM: CALL bytes", slot(MR_CALL16), 2);
		CHECK_EQ("16-bit PM: 66 PUSH bytes", slot(MR_PUSH16_66), 4);
		CHECK_EQ("real: PUSH bytes", slot(MR_PUSHREAL), 2);
		CHECK_EQ("real: CALL bytes", slot(MR_CALLREAL), 2);
		CHECK_EQ("real: CR0.PE", slot(MR_CR0_REAL) & 1, 0);
		CHECK_EQ("real: FS:offset read", slot(MR_MAGIC_REAL),
			 0xC0DE5A5A + round);
		CHECK_EQ("32-bit PM again: PUSH bytes", slot(MR_PUSH32B), 4);
		CHECK_EQ("compat again: EFER.LMA", slot(MR_EFER_COMPAT2) &
			 EFER_LMA, EFER_LMA);
		CHECK_EQ("compat again: PUSH bytes", slot(MR_PUSH_COMPAT2), 4);
		CHECK_EQ("64-bit again: PUSH bytes", slot(MR_PUSH64B), 8);
	}
	/* The kit's world is intact: an exception still works. */
	ASSERT_EQ(rdmsr(MSR_EFER) & EFER_LMA, EFER_LMA);
	return 0;
}
