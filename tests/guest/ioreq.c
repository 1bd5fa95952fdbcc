// SPDX-License-Identifier: GPL-2.0
/*
 * ioreq.c - every request type served by an out-of-process device model
 * (cvisor-dm iotest, run with --device-model iotest): port I/O of width
 * 1, 2 and 4, MMIO of width 1, 2, 4 and 8, REP STOS and REP MOVS to and
 * from MMIO with DF clear and set, and PCI config cycles through CF8/CFC
 * and ECAM, each checked against a shadow copy; the device's own request
 * counter proves the accesses left the VMM.
 */
#include "kit.h"
#include "pci.h"

#define PIO_BASE	0x5a0
#define PIO_COUNT	0x5a8
#define MMIO_BASE	0xfeb10000ull
#define MMIO_SIZE	4096
#define SLOT		16

static uint8_t pio_shadow[8];
static uint8_t mmio_shadow[MMIO_SIZE];
static uint8_t ram[256];

static uint64_t shadow_get(const uint8_t *s, int w)
{
	uint64_t v = 0;

	while (w--)
		v = v << 8 | s[w];
	return v;
}

static void shadow_put(uint8_t *s, int w, uint64_t v)
{
	int i;

	for (i = 0; i < w; i++, v >>= 8)
		s[i] = (uint8_t)v;
}

static void test_pio(void)
{
	static const int widths[] = { 1, 2, 4 };
	uint32_t before = inl(PIO_COUNT), v;
	int wi, off, n = 0;

	for (wi = 0; wi < 3; wi++) {
		int w = widths[wi];

		for (off = 0; off + w <= 8; off++) {
			v = 0x9e3779b9u * (uint32_t)(off + 8 * w);
			switch (w) {
			case 1: outb(PIO_BASE + off, v); break;
			case 2: outw(PIO_BASE + off, v); break;
			default: outl(PIO_BASE + off, v); break;
			}
			shadow_put(pio_shadow + off, w, v);
			n++;
			for (int rw = 0; rw < 3; rw++) {
				int r = widths[rw], ro;

				for (ro = 0; ro + r <= 8; ro++) {
					uint32_t got = r == 1 ? inb(PIO_BASE + ro) :
						       r == 2 ? inw(PIO_BASE + ro) :
						       inl(PIO_BASE + ro);

					n++;
					ASSERT_EQ(got, (uint32_t)shadow_get(
						pio_shadow + ro, r));
				}
			}
		}
	}
	/* +1 for the counter read itself. */
	ASSERT_EQ(inl(PIO_COUNT) - before, (uint32_t)n + 1);
	/* Just past the device's ranges: nobody's, all-ones. */
	ASSERT_EQ(inb(0x5c0), 0xff);
	printf("ioreq: PIO widths 1/2/4: %d requests out of process\n", n);
}

static uint64_t mmio_rd(uint64_t a, int w)
{
	switch (w) {
	case 1: return mmio_read8(a);
	case 2: return mmio_read16(a);
	case 4: return mmio_read32(a);
	default: return mmio_read64(a);
	}
}

static void mmio_wr(uint64_t a, int w, uint64_t v)
{
	switch (w) {
	case 1: mmio_write8(a, v); break;
	case 2: mmio_write16(a, v); break;
	case 4: mmio_write32(a, v); break;
	default: mmio_write64(a, v); break;
	}
}

static void test_mmio(void)
{
	static const int widths[] = { 1, 2, 4, 8 };
	int wi, ri, off;

	for (wi = 0; wi < 4; wi++) {
		for (off = 0; off < 16; off++) {
			int w = widths[wi];
			uint64_t v = 0x0123456789abcdefull * (uint64_t)(off + 1) +
				     (uint64_t)w;

			mmio_wr(MMIO_BASE + 64 + off, w, v);
			shadow_put(mmio_shadow + 64 + off, w, v);
			for (ri = 0; ri < 4; ri++) {
				int r = widths[ri];

				ASSERT_EQ(mmio_rd(MMIO_BASE + 64 + off, r),
					  shadow_get(mmio_shadow + 64 + off, r));
			}
		}
	}
	/* The last bytes of the page, then one page past it: unclaimed. */
	mmio_wr(MMIO_BASE + MMIO_SIZE - 8, 8, 0x1122334455667788ull);
	ASSERT_EQ(mmio_rd(MMIO_BASE + MMIO_SIZE - 8, 8), 0x1122334455667788ull);
	shadow_put(mmio_shadow + MMIO_SIZE - 8, 8, 0x1122334455667788ull);
	ASSERT_EQ(mmio_rd(MMIO_BASE + MMIO_SIZE, 4), 0xffffffffull);
	printf("ioreq: MMIO widths 1/2/4/8\n");
}

/* REP STOS of @count elements of width @w at @dst, DF = @df. */
static void rep_stos(uint64_t dst, int w, uint64_t v, uint64_t count, int df)
{
	void *d = (void *)dst;

	if (df)
		asm volatile("std");
	switch (w) {
	case 1: asm volatile("rep stosb" : "+D"(d), "+c"(count) : "a"(v) : "memory"); break;
	case 2: asm volatile("rep stosw" : "+D"(d), "+c"(count) : "a"(v) : "memory"); break;
	case 4: asm volatile("rep stosl" : "+D"(d), "+c"(count) : "a"(v) : "memory"); break;
	default: asm volatile("rep stosq" : "+D"(d), "+c"(count) : "a"(v) : "memory"); break;
	}
	asm volatile("cld");
}

static void rep_movs(uint64_t dst, uint64_t src, int w, uint64_t count, int df)
{
	void *d = (void *)dst;
	const void *s = (const void *)src;

	if (df)
		asm volatile("std");
	switch (w) {
	case 1: asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(count) :: "memory"); break;
	case 2: asm volatile("rep movsw" : "+D"(d), "+S"(s), "+c"(count) :: "memory"); break;
	case 4: asm volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(count) :: "memory"); break;
	default: asm volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(count) :: "memory"); break;
	}
	asm volatile("cld");
}

static void check_mmio_window(int from, int len)
{
	int i;

	for (i = from; i < from + len; i++)
		if (mmio_read8(MMIO_BASE + i) != mmio_shadow[i])
			exit_fail("MMIO byte 0x%x: 0x%x, expected 0x%x", i,
				  mmio_read8(MMIO_BASE + i), mmio_shadow[i]);
}

static void test_rep(void)
{
	static const int widths[] = { 1, 2, 4, 8 };
	int wi, df, i, k;

	for (wi = 0; wi < 4; wi++) {
		int w = widths[wi];

		for (df = 0; df < 2; df++) {
			int base = 0x400 + 0x100 * (wi * 2 + df);
			/* With DF set the first element is the highest. */
			int first = df ? base + 7 * w : base;
			uint64_t v = 0xa5c3e1f00f1e3c5aull ^ (uint64_t)(w + df);

			rep_stos(MMIO_BASE + first, w, v, 8, df);
			for (i = 0; i < 8; i++)
				shadow_put(mmio_shadow + base + i * w, w, v);
			check_mmio_window(base - 8, 8 * w + 16);

			/* RAM -> MMIO. */
			for (i = 0; i < 8 * w; i++)
				ram[i] = (uint8_t)(i * 7 + w + df);
			rep_movs(MMIO_BASE + first, (uint64_t)ram + (df ? 7 * w : 0),
				 w, 8, df);
			memcpy(mmio_shadow + base, ram, 8 * w);
			check_mmio_window(base - 8, 8 * w + 16);

			/* MMIO -> RAM. */
			memset(ram, 0, sizeof(ram));
			rep_movs((uint64_t)ram + 16 + (df ? 7 * w : 0),
				 MMIO_BASE + first, w, 8, df);
			for (k = 0; k < 8 * w; k++)
				ASSERT_EQ(ram[16 + k], mmio_shadow[base + k]);
			ASSERT_EQ(ram[15], 0);
			ASSERT_EQ(ram[16 + 8 * w], 0);
		}
	}
	printf("ioreq: REP STOS/MOVS widths 1/2/4/8, DF=0 and DF=1\n");
}

static uint32_t cf8_read(unsigned int off, int w)
{
	outl(0xcf8, 0x80000000u | SLOT << 11 | (off & 0xfc));
	switch (w) {
	case 1: return inb(0xcfc + (off & 3));
	case 2: return inw(0xcfc + (off & 2));
	default: return inl(0xcfc);
	}
}

static void cf8_write(unsigned int off, int w, uint32_t v)
{
	outl(0xcf8, 0x80000000u | SLOT << 11 | (off & 0xfc));
	switch (w) {
	case 1: outb(0xcfc + (off & 3), v); break;
	case 2: outw(0xcfc + (off & 2), v); break;
	default: outl(0xcfc, v); break;
	}
}

static void test_pci(void)
{
	uint64_t ecam = PCI_ECAM_BASE + ((uint64_t)SLOT << 15);

	ASSERT_EQ(cf8_read(0, 4), 0x00051b36u);
	ASSERT_EQ(cf8_read(2, 2), 0x0005u);
	ASSERT_EQ(cf8_read(0, 1), 0x36u);
	ASSERT_EQ(cf8_read(0x0b, 1), 0xffu);
	ASSERT_EQ(pci_ecam_read32(SLOT, 0, 0), 0x00051b36u);
	/* Function 1 is nobody's. */
	ASSERT_EQ(pci_ecam_read32(SLOT, 1, 0), 0xffffffffu);
	/* Scratch at 0x40..0x7f: widths 1/2/4, both mechanisms. */
	cf8_write(0x40, 4, 0xdeadbeef);
	ASSERT_EQ(cf8_read(0x40, 4), 0xdeadbeefu);
	cf8_write(0x42, 2, 0x1234);
	ASSERT_EQ(cf8_read(0x40, 4), 0x1234beefu);
	cf8_write(0x41, 1, 0x56);
	ASSERT_EQ(mmio_read32(ecam + 0x40), 0x123456efu);
	mmio_write16(ecam + 0x44, 0xabcd);
	mmio_write8(ecam + 0x47, 0x99);
	ASSERT_EQ(cf8_read(0x44, 4), 0x9900abcdu);
	/* Read-only outside the scratch window. */
	cf8_write(0, 4, 0);
	ASSERT_EQ(cf8_read(0, 4), 0x00051b36u);
	printf("ioreq: PCI config through CF8/CFC and ECAM\n");
}

int main(const char *cmdline)
{
	test_pio();
	test_mmio();
	test_rep();
	test_pci();
	return 0;
}
