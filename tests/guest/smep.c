// SPDX-License-Identifier: GPL-2.0
/*
 * smep.c - CR4.SMEP: ring 0 may not fetch from a user page.  A page of
 * code mapped at 512 GiB with U set on every level runs from ring 0
 * without SMEP; with SMEP the call is a #PF with error code P|I (0x11)
 * and CR2 = the address, and clearing SMEP lets it run again.
 */
#include "kit.h"

#define CR4_SMEP	(1ull << 20)
#define PTE_P		1ull
#define PTE_W		2ull
#define PTE_U		4ull
#define USER_VA		0x8000000000ull		/* PML4 slot 1 */

static uint64_t pdpt[512] __aligned(4096);
static uint64_t pd[512] __aligned(4096);
static uint64_t pt[512] __aligned(4096);
static uint8_t code[4096] __aligned(4096);

static void call_user_code(void *arg)
{
	((void (*)(void))USER_VA)();
}

int main(const char *cmdline)
{
	uint64_t *pml4 = (uint64_t *)(read_cr3() & ~0xfffull);
	struct exc_info info;

	if (!(cpuid_count(7, 0).b & (1u << 7)))
		exit_skip("SMEP: not in this backend's CPUID");
	code[0] = 0xc3;				/* ret */
	pt[0] = (uintptr_t)code | PTE_P | PTE_W | PTE_U;
	pd[0] = (uintptr_t)pt | PTE_P | PTE_W | PTE_U;
	pdpt[0] = (uintptr_t)pd | PTE_P | PTE_W | PTE_U;
	pml4[1] = (uintptr_t)pdpt | PTE_P | PTE_W | PTE_U;
	write_cr3(read_cr3());

	ASSERT(!catch_exception(PF_VECTOR, call_user_code, NULL, &info));
	write_cr4(read_cr4() | CR4_SMEP);
	ASSERT(catch_exception(PF_VECTOR, call_user_code, NULL, &info));
	ASSERT_EQ(info.error_code, 0x11);
	ASSERT_EQ(info.cr2, USER_VA);
	ASSERT_EQ(info.rip, USER_VA);
	write_cr4(read_cr4() & ~CR4_SMEP);
	ASSERT(!catch_exception(PF_VECTOR, call_user_code, NULL, &info));
	pml4[1] = 0;
	write_cr3(read_cr3());
	printf("SMEP: ring-0 fetch from a user page is #PF(P|I)\n");
	return 0;
}
