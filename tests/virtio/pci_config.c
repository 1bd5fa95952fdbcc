// SPDX-License-Identifier: GPL-2.0
/*
 * pci_config.c - PCI bus model: host bridge, CF8/CFC with byte and word
 * accesses, ECAM, read-only and RW1C bits, BAR sizing for 32-bit memory,
 * I/O and 64-bit BARs, BAR moves and decode enable through the owner's
 * callback, capability lists, MSI-X function mask and pending bits, INTx
 * sharing and masking, virtio's PCI_CFG access window.
 */
#include <errno.h>
#include <string.h>

#include "driver.h"
#include "lib/compiler.h"

struct toy {
	struct pci_dev pci;
	unsigned int hits;
	uint32_t last;
};

static void toy_access(struct pci_dev *d, int bar, uint64_t off,
		       uint8_t *data, unsigned int len, bool is_write)
{
	struct toy *t = container_of(d, struct toy, pci);

	t->hits++;
	if (is_write)
		t->last = (uint32_t)bus_get_le(data, len);
	else
		bus_put_le(data, len, 0x1000 + off + (uint64_t)bar);
}

static const struct pci_bar_ops toy_ops = { .access = toy_access };

static void test_host_and_cf8(struct vt *t)
{
	uint32_t v;

	CHECK(cfg_r(t, 0, PCI_VENDOR_ID, 2) == PCI_HOST_VENDOR);
	CHECK(cfg_r(t, 0, PCI_DEVICE_ID, 2) == PCI_HOST_DEVICE);
	CHECK(cfg_r(t, 0, PCI_CLASS_DEVICE, 2) == 0x0600);
	CHECK(cfg_r(t, 0, PCI_HEADER_TYPE, 1) == 0);
	/* Absent function. */
	CHECK(cfg_r(t, PCI_DEVFN(31, 7), PCI_VENDOR_ID, 4) == 0xffffffff);
	CHECK(cfg_r(t, PCI_DEVFN(31, 7), PCI_VENDOR_ID, 2) == 0xffff);
	/* The latch reads back; a disabled latch reads all-ones data. */
	{
		uint8_t b[4] = { 0x04, 0x01, 0x00, 0x80 };

		bus_access(&t->bus, BUS_PIO, 0xcf8, b, 4, true, &t->ctx);
		memset(b, 0, 4);
		bus_access(&t->bus, BUS_PIO, 0xcf8, b, 4, false, &t->ctx);
		CHECK(bus_get_le(b, 4) == 0x80000104);
		b[3] = 0;
		bus_access(&t->bus, BUS_PIO, 0xcf8, b, 4, true, &t->ctx);
		bus_access(&t->bus, BUS_PIO, 0xcfc, b, 4, false, &t->ctx);
		CHECK(bus_get_le(b, 4) == 0xffffffff);
	}
	/* Byte and word accesses inside the data window. */
	v = cfg_r(t, 0, 0, 4);
	CHECK(cfg_r(t, 0, 1, 1) == ((v >> 8) & 0xff));
	CHECK(cfg_r(t, 0, 2, 2) == v >> 16);
	CHECK(cfg_r(t, 0, 3, 1) == v >> 24);
	/* ECAM sees the same space; bus 0 only. */
	CHECK(mmio_r(t, T_ECAM_BASE, 4) == v);
	CHECK(mmio_r(t, T_ECAM_BASE + 2, 2) == v >> 16);
	CHECK(mmio_r(t, T_ECAM_BASE + 0x100, 4) == 0);	/* no ext caps */
	CHECK(mmio_r(t, T_ECAM_BASE + (31 << 15), 4) == 0xffffffff);
	/* Read-only identity, RW1C status. */
	cfg_w(t, 0, PCI_VENDOR_ID, 4, 0x12345678);
	CHECK(cfg_r(t, 0, 0, 4) == v);
	cfg_w(t, 0, PCI_STATUS, 2, 0xffff);
	CHECK(cfg_r(t, 0, PCI_STATUS, 2) == 0);
	/* Interrupt line is scratch for the OS. */
	cfg_w(t, 0, PCI_INTERRUPT_LINE, 1, 0x0b);
	CHECK(cfg_r(t, 0, PCI_INTERRUPT_LINE, 1) == 0x0b);
}

static void test_bars(struct vt *t)
{
	struct toy toy;
	uint8_t fn;
	unsigned int maps;
	int cap1, cap2;

	pci_dev_init(&toy.pci, 0x1234, 0x5678, 0xff0000, 2, 0x1234, 1);
	toy.hits = 0;
	CHECK(pci_dev_add_bar(&toy.pci, 0, PCI_BAR_MEM32, false, 0x1000, &toy_ops) == 0);
	CHECK(pci_dev_add_bar(&toy.pci, 1, PCI_BAR_IOPORT, false, 32, &toy_ops) == 0);
	CHECK(pci_dev_add_bar(&toy.pci, 2, PCI_BAR_MEM64, true, 1ull << 33, &toy_ops) == 0);
	CHECK(pci_dev_add_bar(&toy.pci, 3, PCI_BAR_MEM32, false, 0x1000, &toy_ops) == -EBUSY);
	CHECK(pci_dev_add_bar(&toy.pci, 4, PCI_BAR_MEM32, false, 0x1001, &toy_ops) == -EINVAL);
	cap1 = pci_cap_add(&toy.pci, 0x05, 10);
	cap2 = pci_cap_add(&toy.pci, 0x10, 3);
	CHECK(cap1 == 0x40 && cap2 == 0x4c);
	CHECK(pci_dev_register(&t->pci, &toy.pci, PCI_DEVFN(3, 0)) == 0);
	CHECK(pci_dev_register(&t->pci, &toy.pci, PCI_DEVFN(3, 0)) == -EBUSY);
	fn = PCI_DEVFN(3, 0);

	/* Capability list. */
	CHECK(cfg_r(t, fn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	CHECK(cfg_r(t, fn, PCI_CAPABILITY_LIST, 1) == 0x40);
	CHECK(cfg_r(t, fn, 0x41, 1) == 0x4c && cfg_r(t, fn, 0x4c, 1) == 0x10);
	CHECK(cfg_r(t, fn, 0x4d, 1) == 0);

	/* Sizing. */
	cfg_w(t, fn, 0x10, 4, 0xffffffff);
	CHECK(cfg_r(t, fn, 0x10, 4) == 0xfffff000);
	cfg_w(t, fn, 0x14, 4, 0xffffffff);
	CHECK(cfg_r(t, fn, 0x14, 4) == 0xffffffe1);
	cfg_w(t, fn, 0x18, 4, 0xffffffff);
	cfg_w(t, fn, 0x1c, 4, 0xffffffff);
	CHECK(cfg_r(t, fn, 0x18, 4) == 0x0000000c);
	CHECK(cfg_r(t, fn, 0x1c, 4) == 0xfffffffe);
	CHECK(cfg_r(t, fn, 0x20, 4) == 0 && cfg_r(t, fn, PCI_ROM_ADDRESS, 4) == 0);

	/* Place, then enable decode: the owner maps ranges. */
	maps = t->bar_maps;
	cfg_w(t, fn, 0x10, 4, 0xd0000000);
	cfg_w(t, fn, 0x14, 4, 0xc000);
	cfg_w(t, fn, 0x18, 4, 0);
	cfg_w(t, fn, 0x1c, 4, 0x4);
	CHECK(t->bar_maps == maps);	/* decode still off */
	CHECK(mmio_r(t, 0xd0000000, 4) == 0xffffffff);
	cfg_w(t, fn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	CHECK(t->bar_maps == maps + 3);
	CHECK(mmio_r(t, 0xd0000010, 4) == 0x1010);
	{
		uint8_t b[2];

		bus_access(&t->bus, BUS_PIO, 0xc004, b, 2, false, &t->ctx);
		CHECK(bus_get_le(b, 2) == 0x1005);
	}
	CHECK(mmio_r(t, 0x400000008ull, 4) == 0x100a);
	mmio_w(t, 0xd0000000, 0xabcd, 2);
	CHECK(toy.last == 0xabcd);
	/* Move BAR 0: the old range is gone, the new one works. */
	cfg_w(t, fn, 0x10, 4, 0xd0100000);
	CHECK(mmio_r(t, 0xd0000000, 4) == 0xffffffff);
	CHECK(mmio_r(t, 0xd0100000, 4) == 0x1000);
	/* Memory decode off unmaps memory BARs, keeps I/O. */
	cfg_w(t, fn, PCI_COMMAND, 2, PCI_COMMAND_IO);
	CHECK(mmio_r(t, 0xd0100000, 4) == 0xffffffff);
	CHECK(!toy.pci.bars[0].mapped && toy.pci.bars[1].mapped);
	/* A BAR left at 0 is never decoded. */
	cfg_w(t, fn, 0x10, 4, 0);
	cfg_w(t, fn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	CHECK(!toy.pci.bars[0].mapped && toy.pci.bars[2].mapped);
	pci_dev_unregister(&toy.pci);
	CHECK(cfg_r(t, fn, 0, 2) == 0xffff);
	CHECK(mmio_r(t, 0x400000008ull, 4) == 0xffffffff);
	pci_dev_cleanup(&toy.pci);
}

static void test_msix_intx(struct vt *t)
{
	struct toy a, b;
	uint8_t fa = PCI_DEVFN(1, 0), fb = PCI_DEVFN(5, 0);
	uint32_t gsi;
	uint64_t tbl;
	int cap;

	pci_dev_init(&a.pci, 0x1234, 1, 0xff0000, 0, 0, 0);
	pci_dev_init(&b.pci, 0x1234, 2, 0xff0000, 0, 0, 0);
	pci_dev_set_intx_pin(&a.pci, 1);
	pci_dev_set_intx_pin(&b.pci, 1);
	CHECK(pci_dev_add_bar(&a.pci, 0, PCI_BAR_MEM32, false, 0x2000, &toy_ops) == 0);
	CHECK(pci_msix_init(&a.pci, 4, 0, 0x1000, 0x1800) == 0);
	cap = a.pci.msix.cap;
	CHECK(pci_dev_register(&t->pci, &a.pci, fa) == 0);
	CHECK(pci_dev_register(&t->pci, &b.pci, fb) == 0);

	/* Slots 1 and 5 share a swizzled pin: the GSI is their OR. */
	gsi = pci_intx_gsi(&t->pci, 1, 1);
	CHECK(gsi == pci_intx_gsi(&t->pci, 5, 1));
	CHECK(cfg_r(t, fa, PCI_INTERRUPT_LINE, 1) == gsi);
	pci_intx_set(&a.pci, true);
	pci_intx_set(&b.pci, true);
	CHECK(t->gsi[gsi] == 1);
	pci_intx_set(&a.pci, false);
	CHECK(t->gsi[gsi] == 1);
	pci_intx_set(&b.pci, false);
	CHECK(t->gsi[gsi] == 0);
	/* INTx disable masks; re-enabling re-asserts a pending level. */
	cfg_w(t, fa, PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE);
	pci_intx_set(&a.pci, true);
	CHECK(t->gsi[gsi] == 0);
	CHECK(cfg_r(t, fa, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	cfg_w(t, fa, PCI_COMMAND, 2, 0);
	CHECK(t->gsi[gsi] == 1);
	pci_intx_set(&a.pci, false);

	/* MSI-X: capability fields, table, function mask, pending bits. */
	CHECK(cfg_r(t, fa, cap, 1) == PCI_CAP_ID_MSIX);
	CHECK(cfg_r(t, fa, cap + 2, 2) == 3);
	CHECK(cfg_r(t, fa, cap + 4, 4) == 0x1000);
	CHECK(cfg_r(t, fa, cap + 8, 4) == 0x1800);
	cfg_w(t, fa, 0x10, 4, 0xd0200000);
	cfg_w(t, fa, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	tbl = 0xd0201000;
	CHECK(mmio_r(t, tbl + 12, 4) == 1);	/* masked at reset */
	CHECK(!pci_msix_notify(&a.pci, 0));	/* MSI-X disabled */
	mmio_w(t, tbl + 16 * 2, T_MSI_ADDR, 4);
	mmio_w(t, tbl + 16 * 2 + 8, T_MSI_DATA0 + 9, 4);
	mmio_w(t, tbl + 16 * 2 + 12, 0, 4);
	mmio_w(t, tbl + 16 * 2 + 1, 0x55, 1);	/* byte access: ignored */
	CHECK(mmio_r(t, tbl + 16 * 2, 4) == T_MSI_ADDR);
	cfg_w(t, fa, cap + 2, 2, 0xc000);	/* enable + function mask */
	CHECK(pci_msix_notify(&a.pci, 2));
	CHECK(!pci_msix_notify(&a.pci, 4));	/* out of range */
	CHECK(t->msi[9] == 0);
	CHECK(mmio_r(t, 0xd0201800, 8) == 4);
	cfg_w(t, fa, cap + 2, 2, 0x8000);	/* function unmask: deliver */
	CHECK(t->msi[9] == 1);
	CHECK(mmio_r(t, 0xd0201800, 8) == 0);
	CHECK(pci_msix_notify(&a.pci, 2));
	CHECK(t->msi[9] == 2);
	mmio_w(t, 0xd0201800, ~0ull, 8);	/* PBA is read-only */
	CHECK(mmio_r(t, 0xd0201800, 8) == 0);

	pci_dev_unregister(&a.pci);
	pci_dev_unregister(&b.pci);
	pci_dev_cleanup(&a.pci);
	pci_dev_cleanup(&b.pci);
}

static void test_virtio_cfg_window(struct vt *t)
{
	struct virtio_dev_args args = { .tap_fd = -1 };
	struct vdrv d;
	uint8_t p, fn;
	int found = 0;

	drv_create(&d, t, "virtio-rng", &args);
	fn = d.devfn;
	CHECK(cfg_r(t, fn, PCI_DEVICE_ID, 2) == 0x1044);
	CHECK(cfg_r(t, fn, PCI_REVISION_ID, 1) >= 1);
	for (p = (uint8_t)cfg_r(t, fn, PCI_CAPABILITY_LIST, 1); p;
	     p = (uint8_t)cfg_r(t, fn, p + 1, 1)) {
		if (cfg_r(t, fn, p, 1) != PCI_CAP_ID_VNDR ||
		    cfg_r(t, fn, p + 3, 1) != VIRTIO_PCI_CAP_PCI_CFG)
			continue;
		found = 1;
		/* num_queues (common cfg 0x12) through the window. */
		cfg_w(t, fn, p + 4, 1, 0);
		cfg_w(t, fn, p + 8, 4, VIRTIO_PCI_COMMON_OFF + 0x12);
		cfg_w(t, fn, p + 12, 4, 2);
		CHECK((cfg_r(t, fn, p + 16, 4) & 0xffff) == 1);
		/* device_status write through the window. */
		cfg_w(t, fn, p + 8, 4, VIRTIO_PCI_COMMON_OFF + 0x14);
		cfg_w(t, fn, p + 12, 4, 1);
		cfg_w(t, fn, p + 16, 1, VIRTIO_STATUS_ACKNOWLEDGE);
		CHECK(drv_status(&d) == VIRTIO_STATUS_ACKNOWLEDGE);
		/* A bogus window does nothing. */
		cfg_w(t, fn, p + 12, 4, 3);
		cfg_w(t, fn, p + 16, 4, 0);
		CHECK(drv_status(&d) == VIRTIO_STATUS_ACKNOWLEDGE);
	}
	CHECK(found);
	drv_destroy(&d);
}

int main(void)
{
	struct vt t;

	vt_init(&t);
	test_host_and_cf8(&t);
	test_bars(&t);
	test_msix_intx(&t);
	test_virtio_cfg_window(&t);
	vt_fini(&t);
	printf("pci_config: ok\n");
	return 0;
}
