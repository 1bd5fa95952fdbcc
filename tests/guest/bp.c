// SPDX-License-Identifier: GPL-2.0
/*
 * bp.c - #BP from INT3 (0xCC) and INT 3 (0xCD 0x03) in long mode: both are
 * traps, so the saved RIP is the next instruction, and execution resumes.
 * Separate from exceptions.c because a nested KVM that emulates guest
 * kernel code (this project's host) cannot emulate software interrupts in
 * long mode: cvisor then stops with an emulation failure, which
 * run-guest reports as a skip for the kvm backend.
 */
#include "kit.h"

extern const char int3_next[], int_3_next[];

static void __attribute__((noipa)) raise_int3(void *arg)
{
	__asm__ __volatile__(".byte 0xcc\nint3_next:");
}

static void __attribute__((noipa)) raise_int_3(void *arg)
{
	/* Spelled as bytes: GNU as turns "int $3" into the one-byte 0xCC. */
	__asm__ __volatile__(".byte 0xcd, 0x03\nint_3_next:");
}

static int bp_count;

static void bp_handler(struct frame *f)
{
	bp_count++;
}

int main(const char *cmdline)
{
	struct exc_info info;

	ASSERT(catch_exception(BP_VECTOR, raise_int3, NULL, &info));
	ASSERT_EQ(info.vector, BP_VECTOR);
	ASSERT_EQ(info.rip, (uintptr_t)int3_next);
	ASSERT_EQ(info.error_code, 0);
	printf("#BP (int3): caught, RIP 0x%llx\n", (unsigned long long)info.rip);

	ASSERT(catch_exception(BP_VECTOR, raise_int_3, NULL, &info));
	ASSERT_EQ(info.rip, (uintptr_t)int_3_next);
	printf("#BP (int 3): caught, RIP 0x%llx\n", (unsigned long long)info.rip);

	/* A handler that returns: execution continues after the INT3. */
	set_handler(BP_VECTOR, bp_handler);
	raise_int3(NULL);
	raise_int3(NULL);
	ASSERT_EQ(bp_count, 2);
	return 0;
}
