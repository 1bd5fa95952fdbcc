// SPDX-License-Identifier: GPL-2.0
/*
 * mmio.c - testdev's 8-byte MMIO scratch register at 0xFEB00000: widths 1,
 * 2, 4 and 8 at every offset 0..7 where they fit, checked through every
 * width; the rest of the testdev page reads zero and ignores writes; an
 * address nobody claims reads all-ones.
 */
#include "kit.h"

#define BASE	TESTDEV_MMIO_BASE
#define SIZE	8
/*
 * Unclaimed by cvisor's machine (between testdev's page and the IOAPIC);
 * overridable with unclaimed=ADDR for a VMM with another layout.
 */
#define UNCLAIMED_DEFAULT	0xFEB80000ull

static uint8_t shadow[SIZE];

static void wr(uint64_t a, int w, uint64_t v)
{
	switch (w) {
	case 1: mmio_write8(a, v); break;
	case 2: mmio_write16(a, v); break;
	case 4: mmio_write32(a, v); break;
	default: mmio_write64(a, v); break;
	}
}

static uint64_t rd(uint64_t a, int w)
{
	switch (w) {
	case 1: return mmio_read8(a);
	case 2: return mmio_read16(a);
	case 4: return mmio_read32(a);
	default: return mmio_read64(a);
	}
}

static uint64_t expect(int off, int w)
{
	uint64_t v = 0;
	int i;

	for (i = w - 1; i >= 0; i--)
		v = (v << 8) | shadow[off + i];
	return v;
}

static uint64_t mask(int w)
{
	return w == 8 ? ~0ull : (1ull << (8 * w)) - 1;
}

int main(const char *cmdline)
{
	static const int widths[] = { 1, 2, 4, 8 };
	uint64_t unclaimed = cmdline_u64("unclaimed", UNCLAIMED_DEFAULT);
	unsigned int wi, ri;
	int off, ro, i;

	testdev_require();

	for (i = 0; i < SIZE; i++) {
		wr(BASE + i, 1, 0xB0 + i);
		shadow[i] = 0xB0 + i;
	}
	ASSERT_EQ(rd(BASE, 8), 0xB7B6B5B4B3B2B1B0ull);

	for (wi = 0; wi < ARRAY_SIZE(widths); wi++) {
		int w = widths[wi];

		for (off = 0; off + w <= SIZE; off++) {
			uint64_t v = (0x0807060504030201ull * (uint64_t)(off + 1) +
				      0x1010101010101010ull * (uint64_t)w) &
				     mask(w);

			wr(BASE + off, w, v);
			for (i = 0; i < w; i++)
				shadow[off + i] = v >> (8 * i);
			for (ri = 0; ri < ARRAY_SIZE(widths); ri++) {
				int rw = widths[ri];

				for (ro = 0; ro + rw <= SIZE; ro++) {
					uint64_t got = rd(BASE + ro, rw);

					if (got != expect(ro, rw))
						exit_fail("after write width %d at "
							  "+%d (0x%llx): read width "
							  "%d at +%d = 0x%llx, "
							  "expected 0x%llx", w, off,
							  (unsigned long long)v, rw,
							  ro, (unsigned long long)got,
							  (unsigned long long)expect(ro, rw));
				}
			}
		}
	}

	/* Beyond the register: reads zero, writes ignored. */
	wr(BASE + 8, 8, 0x1122334455667788ull);
	ASSERT_EQ(rd(BASE + 8, 8), 0);
	wr(BASE + 0x800, 4, 0xdeadbeef);
	ASSERT_EQ(rd(BASE + 0x800, 4), 0);
	ASSERT_EQ(rd(BASE + 0xFF8, 8), 0);
	ASSERT_EQ(rd(BASE, 8), expect(0, 8));

	/* Unclaimed MMIO: all-ones at every width, writes dropped. */
	for (wi = 0; wi < ARRAY_SIZE(widths); wi++)
		ASSERT_EQ(rd(unclaimed, widths[wi]), mask(widths[wi]));
	wr(unclaimed, 4, 0);
	ASSERT_EQ(rd(unclaimed, 4), 0xffffffffu);
	printf("mmio: widths 1, 2, 4, 8 at every offset OK\n");
	return 0;
}
