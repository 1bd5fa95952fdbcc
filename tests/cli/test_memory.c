// SPDX-License-Identifier: GPL-2.0
/*
 * test_memory.c - guest RAM layout and the bounds checks on guest
 * addresses: the 3-4 GiB hole, region edges and wrap-around.  RAM is
 * never touched here, so a 5 GiB guest costs nothing.
 */
#include <stdio.h>

#include "vmm/memory.h"
#include "../check.h"


int main(void)
{
	struct guest_mem m;
	uint8_t *p;

	EXPECT(!guest_mem_init(&m, 128ull << 20));
	EXPECT(m.ram.nr == 1 && m.ram.region[0].size == 128ull << 20);
	EXPECT(guest_mem_low_end(&m) == 128ull << 20);
	p = guest_mem_ptr(&m, 0, 1);
	EXPECT(p == m.host);
	EXPECT(guest_mem_ptr(&m, (128ull << 20) - 8, 8) == p + (128ull << 20) - 8);
	EXPECT(!guest_mem_ptr(&m, (128ull << 20) - 8, 9));
	EXPECT(!guest_mem_ptr(&m, 128ull << 20, 1));
	EXPECT(!guest_mem_ptr(&m, 16, UINT64_MAX));
	EXPECT(!guest_mem_ptr(&m, UINT64_MAX, 2));
	EXPECT(guest_mem_overlaps(&m, (128ull << 20) - 1, 100));
	EXPECT(!guest_mem_overlaps(&m, 128ull << 20, 4096));
	/* A range running off the top is clamped, not wrapped to 0. */
	EXPECT(!guest_mem_overlaps(&m, UINT64_MAX - 10, 100));
	guest_mem_release(&m);

	/* 5 GiB: 3 GiB low, hole, 2 GiB from 4 GiB, backed contiguously. */
	EXPECT(!guest_mem_init(&m, 5ull << 30));
	EXPECT(m.ram.nr == 2);
	EXPECT(guest_mem_low_end(&m) == 3ull << 30);
	EXPECT(m.ram.region[1].gpa == 4ull << 30 && m.ram.region[1].size == 2ull << 30);
	EXPECT(guest_mem_ptr(&m, (3ull << 30) - 1, 1) == m.host + (3ull << 30) - 1);
	EXPECT(!guest_mem_ptr(&m, (3ull << 30) - 1, 2));
	EXPECT(!guest_mem_ptr(&m, 0xFEB00000, 4));
	EXPECT(guest_mem_ptr(&m, 4ull << 30, 1) == m.host + (3ull << 30));
	EXPECT(guest_mem_ptr(&m, (6ull << 30) - 4096, 4096) != NULL);
	EXPECT(!guest_mem_ptr(&m, (6ull << 30) - 4096, 4097));
	EXPECT(!guest_mem_overlaps(&m, 3ull << 30, 1ull << 30));
	EXPECT(guest_mem_overlaps(&m, 3ull << 30, (1ull << 30) + 1));
	guest_mem_release(&m);

	if (check_failures) {
		printf("%d check(s) failed\n", check_failures);
		return 1;
	}
	printf("memory: all checks passed\n");
	return 0;
}
