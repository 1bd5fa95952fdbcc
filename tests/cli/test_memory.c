// SPDX-License-Identifier: GPL-2.0
/*
 * test_memory.c - guest RAM layout and the bounds checks on guest
 * addresses: the 3-4 GiB hole, region edges and wrap-around.  RAM is
 * never touched here, so a 5 GiB guest costs nothing.
 */
#include <stdio.h>

#include "vmm/memory.h"

static int failures;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			failures++;					\
		}							\
	} while (0)

int main(void)
{
	struct guest_mem m;
	uint8_t *p;

	CHECK(!guest_mem_init(&m, 128ull << 20));
	CHECK(m.ram.nr == 1 && m.ram.region[0].size == 128ull << 20);
	CHECK(guest_mem_low_end(&m) == 128ull << 20);
	p = guest_mem_ptr(&m, 0, 1);
	CHECK(p == m.host);
	CHECK(guest_mem_ptr(&m, (128ull << 20) - 8, 8) == p + (128ull << 20) - 8);
	CHECK(!guest_mem_ptr(&m, (128ull << 20) - 8, 9));
	CHECK(!guest_mem_ptr(&m, 128ull << 20, 1));
	CHECK(!guest_mem_ptr(&m, 16, UINT64_MAX));
	CHECK(!guest_mem_ptr(&m, UINT64_MAX, 2));
	CHECK(guest_mem_overlaps(&m, (128ull << 20) - 1, 100));
	CHECK(!guest_mem_overlaps(&m, 128ull << 20, 4096));
	/* A range running off the top is clamped, not wrapped to 0. */
	CHECK(!guest_mem_overlaps(&m, UINT64_MAX - 10, 100));
	guest_mem_release(&m);

	/* 5 GiB: 3 GiB low, hole, 2 GiB from 4 GiB, backed contiguously. */
	CHECK(!guest_mem_init(&m, 5ull << 30));
	CHECK(m.ram.nr == 2);
	CHECK(guest_mem_low_end(&m) == 3ull << 30);
	CHECK(m.ram.region[1].gpa == 4ull << 30 && m.ram.region[1].size == 2ull << 30);
	CHECK(guest_mem_ptr(&m, (3ull << 30) - 1, 1) == m.host + (3ull << 30) - 1);
	CHECK(!guest_mem_ptr(&m, (3ull << 30) - 1, 2));
	CHECK(!guest_mem_ptr(&m, 0xFEB00000, 4));
	CHECK(guest_mem_ptr(&m, 4ull << 30, 1) == m.host + (3ull << 30));
	CHECK(guest_mem_ptr(&m, (6ull << 30) - 4096, 4096) != NULL);
	CHECK(!guest_mem_ptr(&m, (6ull << 30) - 4096, 4097));
	CHECK(!guest_mem_overlaps(&m, 3ull << 30, 1ull << 30));
	CHECK(guest_mem_overlaps(&m, 3ull << 30, (1ull << 30) + 1));
	guest_mem_release(&m);

	if (failures) {
		printf("%d check(s) failed\n", failures);
		return 1;
	}
	printf("memory: all checks passed\n");
	return 0;
}
