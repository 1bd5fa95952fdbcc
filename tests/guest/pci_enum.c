// SPDX-License-Identifier: GPL-2.0
/*
 * pci_enum.c - PCI bus 0 as the guest sees it: the host bridge at 00:00.0
 * (vendor 1B36:0008, class 06:00:00), config mechanism #1 and ECAM
 * returning the same bytes for every present function, BAR 0 of a virtio
 * device sized by the all-ones probe (64-bit memory, 32 KiB), placed and
 * answering at its new address, and absent slots reading all-ones.
 * Run with one virtio device (--rng).
 */
#include "pci.h"

#define VIRTIO_DEV_RNG	0x1044

int main(const char *cmdline)
{
	unsigned int dev, off, present = 0;
	uint64_t size, bar = PCI_MMIO_WINDOW + 0x200000;
	bool is64;
	int rng;

	ASSERT_EQ(pci_cf8_read32(0, 0, 0x00), 0x00081b36);
	ASSERT_EQ(pci_cf8_read32(0, 0, 0x08) >> 8, 0x060000);
	ASSERT_EQ(pci_cf8_read32(0, 0, 0x0c) >> 16 & 0x7f, 0);	/* type 0 */

	for (dev = 0; dev < 32; dev++) {
		uint32_t id = pci_cf8_read32(dev, 0, 0);

		ASSERT_EQ(pci_ecam_read32(dev, 0, 0), id);
		if (id == 0xffffffff)
			continue;
		present++;
		for (off = 0; off < 0x40; off += 4)
			if (pci_ecam_read32(dev, 0, off) !=
			    pci_cf8_read32(dev, 0, off))
				exit_fail("00:%02x.0 offset 0x%x: ECAM 0x%x, CF8 0x%x",
					  dev, off, pci_ecam_read32(dev, 0, off),
					  pci_cf8_read32(dev, 0, off));
		printf("00:%02x.0 %04x:%04x class %06x\n", dev, id & 0xffff,
		       id >> 16, pci_cf8_read32(dev, 0, 8) >> 8);
	}
	ASSERT_EQ(present, 2);		/* host bridge + virtio-rng */

	rng = pci_find(VIRTIO_VENDOR, VIRTIO_DEV_RNG);
	ASSERT(rng > 0);
	size = pci_bar_size((unsigned int)rng, 0, &is64);
	ASSERT(is64);
	ASSERT_EQ(size, 0x8000);
	/* A write through ECAM is seen through CF8 (one config space). */
	pci_ecam_write32((unsigned int)rng, 0, 0x10, (uint32_t)bar);
	pci_ecam_write32((unsigned int)rng, 0, 0x14, 0);
	ASSERT_EQ(pci_cf8_read32((unsigned int)rng, 0, 0x10) & ~0xfu,
		  (uint32_t)bar);
	pci_bar_place((unsigned int)rng, 0, bar);
	/* Common config: device_feature_select reads back what we write. */
	mmio_write32(bar, 1);
	ASSERT_EQ(mmio_read32(bar), 1);
	/* Decode off: the BAR no longer answers. */
	pci_write16((unsigned int)rng, 0x04, 0);
	ASSERT_EQ(mmio_read32(bar), 0xffffffff);
	/* Byte access at 0xCF9 is not the latch: CF8 keeps its value. */
	outl(0xcf8, 0x80000000);
	ASSERT_EQ(inb(0xcf9), 0);
	ASSERT_EQ(inl(0xcf8), 0x80000000);
	return 0;
}
