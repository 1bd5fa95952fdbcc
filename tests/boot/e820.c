// SPDX-License-Identifier: GPL-2.0
/* e820.c - the guest memory map for small, 3 GiB-crossing and bad layouts. */
#include "boottest.h"

#define MB	(1ull << 20)
#define GB	(1ull << 30)

static void expect(const struct e820_table *t, unsigned int i, uint64_t addr,
		   uint64_t size, uint32_t type)
{
	EXPECT(i < t->nr && t->entry[i].addr == addr &&
	      t->entry[i].size == size && t->entry[i].type == type,
	      "entry %u: want 0x%llx+0x%llx type %u, have 0x%llx+0x%llx type %u",
	      i, (unsigned long long)addr, (unsigned long long)size, type,
	      (unsigned long long)t->entry[i].addr,
	      (unsigned long long)t->entry[i].size, t->entry[i].type);
}

static void dump(const struct e820_table *t)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		printf("  0x%012llx-0x%012llx %s\n",
		       (unsigned long long)t->entry[i].addr,
		       (unsigned long long)(t->entry[i].addr + t->entry[i].size - 1),
		       t->entry[i].type == E820_RAM ? "RAM" : "reserved");
}

int main(void)
{
	struct machine_layout l;
	struct e820_table t;
	char err[256];
	uint64_t a;
	int ret;

	machine_layout_default(&l, 256 * MB);
	ret = e820_build(&l, &t, err, sizeof(err));
	EXPECT(ret == 0, "%s", err);
	printf("256 MiB:\n");
	dump(&t);
	EXPECT(t.nr == 6, "6 entries");
	expect(&t, 0, 0, 0x9fc00, E820_RAM);
	expect(&t, 1, 0x9fc00, 0x100000 - 0x9fc00, E820_RESERVED);
	expect(&t, 2, MB, 255 * MB, E820_RAM);
	expect(&t, 3, LAYOUT_ECAM_BASE, LAYOUT_ECAM_SIZE, E820_RESERVED);
	expect(&t, 4, LAYOUT_IOAPIC_BASE, 0x1000, E820_RESERVED);
	expect(&t, 5, LAYOUT_LAPIC_BASE, 0x1000, E820_RESERVED);
	EXPECT(e820_is_ram(&t, MB, 255 * MB), "RAM");
	EXPECT(!e820_is_ram(&t, MB, 256 * MB), "past the end");
	EXPECT(!e820_is_ram(&t, 0x9f000, 0x2000), "into the EBDA");
	EXPECT(!e820_is_ram(&t, UINT64_MAX, 2), "wrap");
	EXPECT(e820_find_high(&t, MB, 4096, MB, UINT64_MAX, 16 * MB, 64 * MB,
			     &a) == 0 && a == 255 * MB, "find high");
	EXPECT(e820_find_high(&t, 20 * MB, 4096, MB, 64 * MB, 16 * MB, 60 * MB,
			     &a) == -ENOSPC, "no room around the avoided range");
	EXPECT(e820_find_high(&t, 10 * MB, 4096, MB, 64 * MB, 16 * MB, 60 * MB,
			     &a) == 0 && a == 6 * MB, "below the avoided range");

	machine_layout_default(&l, 4 * GB);
	ret = e820_build(&l, &t, err, sizeof(err));
	EXPECT(ret == 0, "%s", err);
	printf("4 GiB:\n");
	dump(&t);
	expect(&t, 2, MB, 3 * GB - MB, E820_RAM);
	expect(&t, 6, 4 * GB, 1 * GB, E820_RAM);

	machine_layout_default(&l, MB);
	ret = e820_build(&l, &t, err, sizeof(err));
	EXPECT_LOAD_ERR(ret, -EINVAL, err, "at least 2 MiB");
	machine_layout_default(&l, 256 * MB + 1);
	ret = e820_build(&l, &t, err, sizeof(err));
	EXPECT_LOAD_ERR(ret, -EINVAL, err, "multiple of 4 KiB");
	machine_layout_default(&l, 8 * GB);
	l.low_ram_end = 0xF0000000;
	ret = e820_build(&l, &t, err, sizeof(err));
	EXPECT_LOAD_ERR(ret, -EINVAL, err, "ECAM window");
	machine_layout_default(&l, UINT64_MAX & ~0xfffull);
	ret = e820_build(&l, &t, err, sizeof(err));
	EXPECT_LOAD_ERR(ret, -EINVAL, err, "too large");
	machine_layout_default(&l, 8 * GB);
	l.ecam_base = 0xFEC00000;
	l.ecam_size = 0x100000;
	ret = e820_build(&l, &t, err, sizeof(err));
	EXPECT_LOAD_ERR(ret, -EINVAL, err, "overlap");
	return test_result("e820");
}
