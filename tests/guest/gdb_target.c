// SPDX-License-Identifier: GPL-2.0
/*
 * gdb_target.c - the guest a GDB session debugs (tests/gdb/gdb-session):
 * it calls gdb_bp_func() gdb_rounds times, each call storing the round in
 * gdb_watched, and passes if every call happened.  The debugger sets a
 * breakpoint on gdb_bp_func, single-steps, reads registers and memory, and
 * watches gdb_watched; none of that may change what the guest computes.
 */
#include "kit.h"

volatile uint32_t gdb_watched;
volatile uint32_t gdb_calls;

void __attribute__((noipa, aligned(16))) gdb_bp_func(uint32_t round)
{
	gdb_calls++;
	gdb_watched = round;
}

int main(const char *cmdline)
{
	uint32_t rounds = (uint32_t)cmdline_u64("rounds", 5);

	for (uint32_t i = 1; i <= rounds; i++)
		gdb_bp_func(i);
	ASSERT_EQ(gdb_calls, rounds);
	ASSERT_EQ(gdb_watched, rounds);
	printf("gdb_target: %u calls\n", gdb_calls);
	return 0;
}
