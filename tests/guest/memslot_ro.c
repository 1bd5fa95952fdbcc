// SPDX-License-Identifier: GPL-2.0
/*
 * memslot_ro.c - a read-only memslot (testdev MEMSLOT_ADD flags=1): reads
 * see the 0x5A fill, writes of every width leave memory unchanged and do
 * not stop the VM.  Skipped when the backend has no read-only memslots;
 * MEMSLOT_ADD and HAS_CAP(READONLY_MEM) must agree on that.
 */
#include "kit.h"

#define EOPNOTSUPP	95
#define GPA		0x40000000ull
#define SLOT_SIZE	0x4000ull
#define SLOT		4

int main(const char *cmdline)
{
	uint64_t fill = 0x5a5a5a5a5a5a5a5aull;
	int cap, r;

	testdev_require();

	cap = testdev_has_cap(HV_CAP_READONLY_MEM);
	r = testdev_cmd(TESTDEV_MEMSLOT_ADD, SLOT, GPA, SLOT_SIZE, 1);
	if (r == -EOPNOTSUPP) {
		if (cap > 0)
			exit_fail("MEMSLOT_ADD read-only: -EOPNOTSUPP but "
				  "HAS_CAP(READONLY_MEM) = %d", cap);
		exit_skip("read-only memslots: not supported by this backend");
	}
	ASSERT_EQ(r, 0);
	ASSERT(cap > 0);

	ASSERT_EQ(mmio_read64(GPA), fill);
	ASSERT_EQ(mmio_read64(GPA + SLOT_SIZE - 8), fill);

	mmio_write8(GPA + 1, 0x11);
	mmio_write16(GPA + 0x102, 0x2222);
	mmio_write32(GPA + 0x1004, 0x33333333);
	mmio_write64(GPA + SLOT_SIZE - 8, 0x4444444444444444ull);

	ASSERT_EQ(mmio_read64(GPA), fill);
	ASSERT_EQ(mmio_read64(GPA + 0x100), fill);
	ASSERT_EQ(mmio_read64(GPA + 0x1000), fill);
	ASSERT_EQ(mmio_read64(GPA + SLOT_SIZE - 8), fill);
	ASSERT_EQ(mmio_read8(GPA + 1), 0x5a);

	ASSERT_EQ(testdev_cmd(TESTDEV_MEMSLOT_DEL, SLOT), 0);
	ASSERT_EQ(mmio_read64(GPA), ~0ull);
	printf("memslot_ro: reads see the fill, writes were dropped\n");
	return 0;
}
