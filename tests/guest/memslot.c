// SPDX-License-Identifier: GPL-2.0
/*
 * memslot.c - memslots created, moved and deleted at run time by testdev:
 * fresh slots read 0x5A, contents follow a move, memory a slot left reads
 * all-ones and drops writes, overlapping slots are refused with -EEXIST.
 * Read-only slots are in memslot_ro.c so that a backend without them
 * skips that test alone.
 */
#include "kit.h"

#define EEXIST		17

/* Inside the 4 GiB identity map, well above any RAM size tests use. */
#define GPA_A		0x40000000ull
#define GPA_B		0x48000000ull
#define SLOT_SIZE	0x10000ull
#define SLOT		3

static uint64_t pattern(uint64_t i)
{
	return 0x0123456789abcdefull ^ (i * 0x9e3779b97f4a7c15ull);
}

static void check_fill(uint64_t gpa, uint64_t size, uint8_t byte)
{
	uint64_t want = 0x0101010101010101ull * byte;
	uint64_t off;

	/* Sparse but covering both ends and every page. */
	for (off = 0; off < size; off += 0x1000 - 8) {
		uint64_t v = mmio_read64(gpa + off);

		if (v != want)
			exit_fail("0x%llx reads 0x%llx, expected 0x%llx",
				  (unsigned long long)(gpa + off),
				  (unsigned long long)v, (unsigned long long)want);
	}
	ASSERT_EQ(mmio_read8(gpa + size - 1), byte);
	ASSERT_EQ(mmio_read32(gpa + size - 4), (uint32_t)want);
}

static void write_pattern(uint64_t gpa, uint64_t size)
{
	volatile uint64_t *p = (volatile uint64_t *)gpa;
	uint64_t i;

	for (i = 0; i < size / 8; i++)
		p[i] = pattern(i);
}

static void check_pattern(uint64_t gpa, uint64_t size)
{
	volatile uint64_t *p = (volatile uint64_t *)gpa;
	uint64_t i;

	for (i = 0; i < size / 8; i++)
		if (p[i] != pattern(i))
			exit_fail("pattern at 0x%llx: 0x%llx, expected 0x%llx",
				  (unsigned long long)(gpa + 8 * i),
				  (unsigned long long)p[i],
				  (unsigned long long)pattern(i));
}

static int add(int id, uint64_t gpa, uint64_t size)
{
	return testdev_cmd(TESTDEV_MEMSLOT_ADD, id, gpa, size, 0);
}

int main(const char *cmdline)
{
	int r;

	testdev_require();

	/* Nothing there yet. */
	check_fill(GPA_A, SLOT_SIZE, 0xff);

	ASSERT_EQ(add(SLOT, GPA_A, SLOT_SIZE), 0);
	check_fill(GPA_A, SLOT_SIZE, 0x5a);
	write_pattern(GPA_A, SLOT_SIZE);
	check_pattern(GPA_A, SLOT_SIZE);
	printf("memslot: added at 0x%llx, 0x5A fill, pattern written\n",
	       GPA_A);

	/* Overlaps: inside, straddling either end, and over guest RAM. */
	ASSERT_EQ(add(SLOT + 1, GPA_A + 0x1000, 0x1000), -EEXIST);
	ASSERT_EQ(add(SLOT + 1, GPA_A - 0x1000, 0x2000), -EEXIST);
	ASSERT_EQ(add(SLOT + 1, GPA_A + SLOT_SIZE - 0x1000, 0x2000), -EEXIST);
	ASSERT_EQ(add(SLOT + 1, GPA_A - 0x1000, SLOT_SIZE + 0x2000), -EEXIST);
	ASSERT_EQ(add(SLOT + 1, 0x100000, 0x1000), -EEXIST);
	/* The refused adds changed nothing. */
	check_pattern(GPA_A, SLOT_SIZE);

	r = testdev_cmd(TESTDEV_MEMSLOT_MOVE, SLOT, GPA_B);
	ASSERT_EQ(r, 0);
	check_pattern(GPA_B, SLOT_SIZE);
	check_fill(GPA_A, SLOT_SIZE, 0xff);
	mmio_write64(GPA_A, 0);
	ASSERT_EQ(mmio_read64(GPA_A), ~0ull);
	printf("memslot: moved to 0x%llx, contents followed\n", GPA_B);

	/* Touching but not overlapping is fine. */
	ASSERT_EQ(add(SLOT + 1, GPA_B + SLOT_SIZE, 0x1000), 0);
	ASSERT_EQ(mmio_read64(GPA_B + SLOT_SIZE), 0x5a5a5a5a5a5a5a5aull);
	check_pattern(GPA_B, SLOT_SIZE);
	ASSERT_EQ(testdev_cmd(TESTDEV_MEMSLOT_DEL, SLOT + 1), 0);
	check_fill(GPA_B + SLOT_SIZE, 0x1000, 0xff);

	ASSERT_EQ(testdev_cmd(TESTDEV_MEMSLOT_DEL, SLOT), 0);
	check_fill(GPA_B, SLOT_SIZE, 0xff);
	mmio_write32(GPA_B + 8, 0);
	ASSERT_EQ(mmio_read32(GPA_B + 8), 0xffffffffu);

	/* The backing was freed: a new slot starts from 0x5A again. */
	ASSERT_EQ(add(SLOT, GPA_B, SLOT_SIZE), 0);
	check_fill(GPA_B, SLOT_SIZE, 0x5a);
	ASSERT_EQ(testdev_cmd(TESTDEV_MEMSLOT_DEL, SLOT), 0);
	printf("memslot: deleted, re-added fresh\n");
	return 0;
}
