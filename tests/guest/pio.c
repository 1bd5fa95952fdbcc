// SPDX-License-Identifier: GPL-2.0
/*
 * pio.c - testdev's 8-byte PIO scratch register at 0xE0..0xE7: writes and
 * reads of width 1, 2 and 4 at every offset where they fit, checked both
 * through the same width and byte by byte, so that byte order, width and
 * offset mistakes in the VMM's port I/O path show.
 */
#include "kit.h"

#define BASE	TESTDEV_PIO_BASE
#define SIZE	8

static uint8_t shadow[SIZE];

static void pio_write(int off, int w, uint32_t v)
{
	int i;

	switch (w) {
	case 1: outb(BASE + off, v); break;
	case 2: outw(BASE + off, v); break;
	case 4: outl(BASE + off, v); break;
	}
	for (i = 0; i < w; i++)
		shadow[off + i] = v >> (8 * i);
}

static uint32_t pio_read(int off, int w)
{
	switch (w) {
	case 1: return inb(BASE + off);
	case 2: return inw(BASE + off);
	default: return inl(BASE + off);
	}
}

static uint32_t expect(int off, int w)
{
	uint32_t v = 0;
	int i;

	for (i = w - 1; i >= 0; i--)
		v = (v << 8) | shadow[off + i];
	return v;
}

/* Every byte of the register against the shadow, read one by one. */
static void check_bytes(const char *what, int off, int w)
{
	int i;

	for (i = 0; i < SIZE; i++) {
		uint8_t b = inb(BASE + i);

		if (b != shadow[i])
			exit_fail("after %s width %d at 0x%x: byte 0x%x reads "
				  "0x%02x, expected 0x%02x", what, w,
				  BASE + off, BASE + i, b, shadow[i]);
	}
}

int main(const char *cmdline)
{
	static const int widths[] = { 1, 2, 4 };
	unsigned int wi;
	int off, i;

	testdev_require();

	/* Known start: all bytes distinct. */
	for (i = 0; i < SIZE; i++)
		pio_write(i, 1, 0xA0 + i);
	check_bytes("init", 0, 1);

	for (wi = 0; wi < ARRAY_SIZE(widths); wi++) {
		int w = widths[wi];

		for (off = 0; off + w <= SIZE; off++) {
			/* Distinct bytes, varying with offset and width. */
			uint32_t v = 0x04030201u * (uint32_t)(off + 1) +
				     0x10101010u * (uint32_t)w;
			uint32_t mask = w == 4 ? ~0u : (1u << (8 * w)) - 1;
			uint32_t got;

			v &= mask;
			pio_write(off, w, v);
			got = pio_read(off, w);
			if (got != v)
				exit_fail("width %d at 0x%x: wrote 0x%x, read "
					  "0x%x", w, BASE + off, v, got);
			check_bytes("write", off, w);
			/* And the other widths reading back what fits. */
			for (i = 0; i < (int)ARRAY_SIZE(widths); i++) {
				int rw = widths[i], ro;

				for (ro = 0; ro + rw <= SIZE; ro++) {
					got = pio_read(ro, rw);
					if (got != expect(ro, rw))
						exit_fail("read width %d at 0x%x: "
							  "0x%x, expected 0x%x",
							  rw, BASE + ro, got,
							  expect(ro, rw));
				}
			}
		}
	}
	printf("pio: widths 1, 2, 4 at every offset OK\n");
	return 0;
}
