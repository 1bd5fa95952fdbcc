// SPDX-License-Identifier: GPL-2.0
/*
 * exceptions.c - #DE, #UD, #GP (non-canonical) and #PF (CR2 + error code)
 * in long mode: each raised, caught with the right vector, error code and
 * RIP, and execution resumes.  #BP is in bp.c: this host's nested KVM
 * cannot emulate INT3 in long mode, and that must not hide these results.
 */
#include "kit.h"

/* Labels placed in the asm below so the test knows the exact RIPs. */
extern const char de_insn[], ud_insn[], gp_insn[], pf_insn[], pfw_insn[];

static void __attribute__((noipa)) raise_de(void *arg)
{
	/* div by a zero register: the divisor comes from asm, not C UB. */
	__asm__ __volatile__("xorl %%ecx, %%ecx\n\t"
			     "movl $1, %%eax\n\t"
			     "xorl %%edx, %%edx\n"
			     "de_insn:\n\t"
			     "divl %%ecx" ::: "rax", "rcx", "rdx");
}

static void __attribute__((noipa)) raise_ud(void *arg)
{
	__asm__ __volatile__("ud_insn:\n\tud2");
}

#define NONCANONICAL	0x8000000000000000ull

static void __attribute__((noipa)) raise_gp(void *arg)
{
	__asm__ __volatile__("gp_insn:\n\tmovq (%0), %%rax"
			     :: "r"(NONCANONICAL) : "rax", "memory");
}

/* Just above the 4 GiB identity map: PDPT[4] is not present. */
#define UNMAPPED	0x100000000ull

static void __attribute__((noipa)) raise_pf_read(void *arg)
{
	__asm__ __volatile__("pf_insn:\n\tmovq (%0), %%rax"
			     :: "r"(UNMAPPED + 0x1238) : "rax", "memory");
}

static void __attribute__((noipa)) raise_pf_write(void *arg)
{
	__asm__ __volatile__("pfw_insn:\n\tmovl %%eax, (%0)"
			     :: "r"(UNMAPPED + 0x7ffc), "a"(0) : "memory");
}

static void nothing(void *arg)
{
}

static void check(const char *name, int vec, void (*fn)(void *),
		  uint64_t rip, uint64_t err)
{
	struct exc_info info;

	if (!catch_exception(vec, fn, NULL, &info))
		exit_fail("%s: no exception", name);
	ASSERT_EQ(info.vector, vec);
	ASSERT_EQ(info.rip, rip);
	ASSERT_EQ(info.error_code, err);
	printf("%s: caught, RIP 0x%llx error code 0x%llx\n", name,
	       (unsigned long long)info.rip,
	       (unsigned long long)info.error_code);
}

int main(const char *cmdline)
{
	struct exc_info info;
	volatile int after = 0;

	/* catch_exception() itself: no exception means false. */
	ASSERT(!catch_exception(UD_VECTOR, nothing, NULL, &info));
	ASSERT_EQ(info.vector, -1);

	check("#DE", DE_VECTOR, raise_de, (uintptr_t)de_insn, 0);
	check("#UD", UD_VECTOR, raise_ud, (uintptr_t)ud_insn, 0);
	check("#GP", GP_VECTOR, raise_gp, (uintptr_t)gp_insn, 0);

	/* #PF error code: bit 0 P=0 (not present), bit 1 W/R, bit 2 U/S=0. */
	check("#PF read", PF_VECTOR, raise_pf_read, (uintptr_t)pf_insn, 0);
	ASSERT(catch_exception(PF_VECTOR, raise_pf_read, NULL, &info));
	ASSERT_EQ(info.cr2, UNMAPPED + 0x1238);
	check("#PF write", PF_VECTOR, raise_pf_write, (uintptr_t)pfw_insn, 2);
	ASSERT(catch_exception(PF_VECTOR, raise_pf_write, NULL, &info));
	ASSERT_EQ(info.cr2, UNMAPPED + 0x7ffc);

	/* Everything still works after all that: stack, registers, IRETQ. */
	after = 1;
	ASSERT_EQ(after, 1);
	ASSERT(!catch_exception(GP_VECTOR, nothing, NULL, &info));
	return 0;
}
