// SPDX-License-Identifier: GPL-2.0
/*
 * dmsnap.c - a guest whose devices live out of process (cvisor-dm iotest
 * in slot 16, virtio-blk in slot 17) and that must carry on when the VM
 * is snapshotted and restored, or migrated (tests/snapshot/dm.py): the
 * device models' state travels with the VM.
 *
 * Before "READY" it programs what must survive: a pattern in iotest's
 * 4 KiB MMIO scratch and 8-byte PIO scratch, a PCI config scratch byte,
 * INTA raised at a masked IOAPIC pin, and virtio-blk's BAR 0 and PCI
 * command register.  Then it rewrites the MMIO pattern round after round
 * (checking the last round's first), until "go" arrives on COM1.  Then
 * it checks every piece, unmasks the pin and needs the interrupt the
 * restored device model raised again.
 */
#include "kit.h"
#include "pci.h"

#define IOTEST_MMIO	0xfeb10000ull
#define IOT_PIO		0x5a0
#define IOT_COUNT	0x5a8
#define IOT_INTX	0x5ac
#define IOT_SLOT	16
#define BLK_SLOT	17
#define INTX_GSI	(16 + IOT_SLOT % 4)
#define INTX_VEC	0x50
#define RTE_LEVEL	(1u << 15)
#define RTE_LOW		(1u << 13)
#define RTE_MASKED	(1u << 16)
#define BLK_BAR_ADDR	0xc1000000ull
#define COM1		0x3f8

static volatile unsigned int intx_hits;

static void intx_handler(struct frame *f)
{
	intx_hits++;
	outb(IOT_INTX, 0);
	apic_eoi();
}

static uint64_t pattern(uint64_t round, uint64_t i)
{
	uint64_t x = (round + 7) * 0x9e3779b97f4a7c15ull ^ (i * 0xbf58476d1ce4e5b9ull);

	return x ^ (x >> 29);
}

static void mmio_round(uint64_t r)
{
	uint64_t i, v;

	for (i = 0; i < 4096 / 8; i++) {
		if (r) {
			v = mmio_read64(IOTEST_MMIO + 8 * i);
			if (v != pattern(r - 1, i))
				exit_fail("iotest MMIO word %llu: 0x%llx, round %llu wrote 0x%llx",
					  (unsigned long long)i,
					  (unsigned long long)v,
					  (unsigned long long)(r - 1),
					  (unsigned long long)pattern(r - 1, i));
		}
		mmio_write64(IOTEST_MMIO + 8 * i, pattern(r, i));
	}
}

int main(const char *cmdline)
{
	uint32_t blk_id, blk_bar, count, c2;
	uint64_t r, t0;

	apic_enable();
	set_handler(INTX_VEC, intx_handler);
	ASSERT_EQ(pci_cf8_read32(IOT_SLOT, 0, 0), 0x00051b36u);
	blk_id = pci_cf8_read32(BLK_SLOT, 0, 0);
	ASSERT_EQ(blk_id, 0x10421af4u);	/* virtio-blk, modern */
	pci_bar_place(BLK_SLOT, 0, BLK_BAR_ADDR);	/* + memory, master */
	blk_bar = pci_cf8_read32(BLK_SLOT, 0, 0x10);
	ASSERT_EQ(blk_bar & ~0xfu, (uint32_t)BLK_BAR_ADDR);
	outl(IOT_PIO, 0xc0ffee01);
	outl(IOT_PIO + 4, 0x5eed5eed);
	pci_cf8_write32(IOT_SLOT, 0, 0x40, 0xfeedf00d);
	ioapic_route(INTX_GSI, INTX_VEC | RTE_LEVEL | RTE_LOW | RTE_MASKED);
	outb(IOT_INTX, 1);
	sti();
	mmio_round(0);
	count = inl(IOT_COUNT);
	printf("READY\n");

	t0 = rdtsc();
	for (r = 1; !serial_go(); r++) {
		mmio_round(r);
		if (!(r % 64))
			printf("round %llu\n", (unsigned long long)r);
		c2 = inl(IOT_COUNT);
		/* Served requests only grow: a restored device kept its count. */
		ASSERT(c2 > count);
		count = c2;
		if (rdtsc() - t0 > (1ull << 40))
			exit_fail("no \"go\" on COM1");
	}
	mmio_round(r);
	printf("got go after %llu rounds\n", (unsigned long long)r);
	ASSERT_EQ(inl(IOT_PIO), 0xc0ffee01u);
	ASSERT_EQ(inl(IOT_PIO + 4), 0x5eed5eedu);
	ASSERT_EQ(pci_cf8_read32(IOT_SLOT, 0, 0x40), 0xfeedf00du);
	ASSERT_EQ(pci_cf8_read32(BLK_SLOT, 0, 0), blk_id);
	ASSERT_EQ(pci_cf8_read32(BLK_SLOT, 0, 0x10), blk_bar);
	ASSERT_EQ(pci_read16(BLK_SLOT, 0x04) & 0x6, 0x6);
	/* INTA is still high: the unmasked pin delivers it. */
	ASSERT_EQ(inb(IOT_INTX), 1);
	ASSERT_EQ(intx_hits, 0);
	ioapic_route(INTX_GSI, INTX_VEC | RTE_LEVEL | RTE_LOW);
	t0 = rdtsc();
	while (!intx_hits && rdtsc() - t0 < (1ull << 30))
		pause();
	ASSERT(intx_hits >= 1);
	ASSERT_EQ(inb(IOT_INTX), 0);
	printf("device models carried on\n");
	return 0;
}
