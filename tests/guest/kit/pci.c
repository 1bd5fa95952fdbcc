// SPDX-License-Identifier: GPL-2.0
/*
 * pci.c - the kit's PCI enumerator, virtio driver core and ACPI lookup
 * (pci.h).  Bus 0 only, no locking: BSP use.
 */
#include "pci.h"

#define CF8_ENABLE	0x80000000u

static uint32_t cf8_addr(unsigned int dev, unsigned int fn, unsigned int off)
{
	return CF8_ENABLE | (dev << 11) | (fn << 8) | (off & 0xfc);
}

uint32_t pci_cf8_read32(unsigned int dev, unsigned int fn, unsigned int off)
{
	outl(0xcf8, cf8_addr(dev, fn, off));
	return inl(0xcfc);
}

void pci_cf8_write32(unsigned int dev, unsigned int fn, unsigned int off,
		     uint32_t v)
{
	outl(0xcf8, cf8_addr(dev, fn, off));
	outl(0xcfc, v);
}

static uint64_t ecam(unsigned int dev, unsigned int fn, unsigned int off)
{
	return PCI_ECAM_BASE + ((uint64_t)dev << 15) + ((uint64_t)fn << 12) +
	       off;
}

uint32_t pci_ecam_read32(unsigned int dev, unsigned int fn, unsigned int off)
{
	return mmio_read32(ecam(dev, fn, off & ~3u));
}

void pci_ecam_write32(unsigned int dev, unsigned int fn, unsigned int off,
		      uint32_t v)
{
	mmio_write32(ecam(dev, fn, off & ~3u), v);
}

uint16_t pci_read16(unsigned int dev, unsigned int off)
{
	return (uint16_t)(pci_cf8_read32(dev, 0, off) >> (8 * (off & 2)));
}

void pci_write16(unsigned int dev, unsigned int off, uint16_t v)
{
	outl(0xcf8, cf8_addr(dev, 0, off));
	outw(0xcfc + (off & 2), v);
}

int pci_find(uint16_t vendor, uint16_t device)
{
	unsigned int dev;
	uint32_t id;

	for (dev = 0; dev < 32; dev++) {
		id = pci_cf8_read32(dev, 0, 0);
		if ((id & 0xffff) == vendor && (id >> 16) == device)
			return (int)dev;
	}
	return -1;
}

unsigned int pci_find_cap(unsigned int dev, uint8_t id, unsigned int from)
{
	unsigned int off, n;

	if (!(pci_read16(dev, 0x06) & 0x10))
		return 0;
	off = from ? (pci_cf8_read32(dev, 0, from) >> 8) & 0xfc :
		     pci_cf8_read32(dev, 0, 0x34) & 0xfc;
	/* Bounded walk: a looping list must not hang the test. */
	for (n = 0; off && n < 48; n++) {
		uint32_t hdr = pci_cf8_read32(dev, 0, off);

		if ((hdr & 0xff) == id)
			return off;
		off = (hdr >> 8) & 0xfc;
	}
	return 0;
}

uint64_t pci_bar_size(unsigned int dev, int bar, bool *is64)
{
	unsigned int off = 0x10 + 4 * (unsigned int)bar;
	uint32_t lo = pci_cf8_read32(dev, 0, off), hi = 0, slo, shi = 0;
	uint16_t cmd = pci_read16(dev, 0x04);
	uint64_t mask;

	*is64 = !(lo & 1) && ((lo >> 1) & 3) == 2;
	/* Decode off while the BAR holds the probe pattern. */
	pci_write16(dev, 0x04, cmd & ~3);
	pci_cf8_write32(dev, 0, off, 0xffffffff);
	slo = pci_cf8_read32(dev, 0, off);
	pci_cf8_write32(dev, 0, off, lo);
	if (*is64) {
		hi = pci_cf8_read32(dev, 0, off + 4);
		pci_cf8_write32(dev, 0, off + 4, 0xffffffff);
		shi = pci_cf8_read32(dev, 0, off + 4);
		pci_cf8_write32(dev, 0, off + 4, hi);
	}
	pci_write16(dev, 0x04, cmd);
	if (lo & 1)
		mask = (uint64_t)(slo & ~3u) | 0xffffffff00000000ull;
	else
		mask = ((uint64_t)shi << 32 | (slo & ~0xfu)) |
		       (*is64 ? 0 : 0xffffffff00000000ull);
	return mask ? ~mask + 1 : 0;
}

void pci_bar_place(unsigned int dev, int bar, uint64_t addr)
{
	unsigned int off = 0x10 + 4 * (unsigned int)bar;
	bool is64;

	pci_bar_size(dev, bar, &is64);
	pci_cf8_write32(dev, 0, off, (uint32_t)addr);
	if (is64)
		pci_cf8_write32(dev, 0, off + 4, (uint32_t)(addr >> 32));
	/* Memory decode and bus master (virtio DMA). */
	pci_write16(dev, 0x04, pci_read16(dev, 0x04) | 0x6);
}

/* ---------------------------------------------------------------- virtio */

#define CAP_COMMON	1
#define CAP_NOTIFY	2
#define CAP_ISR		3
#define CAP_DEVICE	4

#define CC_DFSELECT	0x00
#define CC_DF		0x04
#define CC_GFSELECT	0x08
#define CC_GF		0x0c
#define CC_MSIX_CONFIG	0x10
#define CC_NUM_QUEUES	0x12
#define CC_STATUS	0x14
#define CC_Q_SELECT	0x16
#define CC_Q_SIZE	0x18
#define CC_Q_MSIX	0x1a
#define CC_Q_ENABLE	0x1c
#define CC_Q_NOTIFY_OFF	0x1e
#define CC_Q_DESC	0x20
#define CC_Q_DRIVER	0x28
#define CC_Q_DEVICE	0x30

uint8_t virtio_status(struct virtio *v)
{
	return mmio_read8(v->common + CC_STATUS);
}

static void virtio_set_status(struct virtio *v, uint8_t s)
{
	mmio_write8(v->common + CC_STATUS, s);
}

void virtio_probe(struct virtio *v, uint16_t device, uint64_t bar_addr)
{
	unsigned int cap = 0;
	int dev = pci_find(VIRTIO_VENDOR, device);
	uint32_t f;

	if (dev < 0)
		exit_fail("no virtio device %04x:%04x on bus 0", VIRTIO_VENDOR,
			  device);
	memset(v, 0, sizeof(*v));
	v->dev = (unsigned int)dev;
	pci_bar_place(v->dev, 0, bar_addr);
	v->bar = bar_addr;
	while ((cap = pci_find_cap(v->dev, 0x09, cap))) {
		uint32_t w0 = pci_cf8_read32(v->dev, 0, cap);
		uint32_t w1 = pci_cf8_read32(v->dev, 0, cap + 4);
		uint32_t off = pci_cf8_read32(v->dev, 0, cap + 8);
		uint64_t addr = bar_addr + off;

		if ((w1 & 0xff) != 0)
			continue;	/* everything of ours is in BAR 0 */
		switch (w0 >> 24) {
		case CAP_COMMON: v->common = addr; break;
		case CAP_ISR: v->isr = addr; break;
		case CAP_DEVICE: v->devcfg = addr; break;
		case CAP_NOTIFY:
			v->notify = addr;
			v->notify_mult = pci_cf8_read32(v->dev, 0, cap + 16);
			break;
		}
	}
	/* Device-specific config is optional: virtio-rng has none. */
	if (!v->common || !v->notify || !v->isr)
		exit_fail("virtio capabilities incomplete: common %llx notify %llx isr %llx device %llx",
			  (unsigned long long)v->common,
			  (unsigned long long)v->notify,
			  (unsigned long long)v->isr,
			  (unsigned long long)v->devcfg);
	v->msix_cap = pci_find_cap(v->dev, 0x11, 0);
	if (v->msix_cap)
		v->msix_table = pci_cf8_read32(v->dev, 0, v->msix_cap + 4) &
				~7u;

	virtio_set_status(v, 0);
	if (virtio_status(v))
		exit_fail("virtio reset: status stays 0x%x", virtio_status(v));
	virtio_set_status(v, VIRTIO_ST_ACK);
	virtio_set_status(v, VIRTIO_ST_ACK | VIRTIO_ST_DRIVER);
	mmio_write32(v->common + CC_DFSELECT, 1);
	f = mmio_read32(v->common + CC_DF);
	if (!(f & 1))
		exit_fail("device does not offer VIRTIO_F_VERSION_1 (features[63:32] 0x%x)",
			  f);
	mmio_write32(v->common + CC_GFSELECT, 0);
	mmio_write32(v->common + CC_GF, 0);
	mmio_write32(v->common + CC_GFSELECT, 1);
	mmio_write32(v->common + CC_GF, 1);	/* VERSION_1 */
	virtio_set_status(v, VIRTIO_ST_ACK | VIRTIO_ST_DRIVER |
			  VIRTIO_ST_FEATURES_OK);
	if (!(virtio_status(v) & VIRTIO_ST_FEATURES_OK))
		exit_fail("device refused FEATURES_OK (status 0x%x)",
			  virtio_status(v));
}

void virtio_queue_setup(struct virtio *v, unsigned int q, struct vq *vq,
			uint16_t msix_vector)
{
	uint16_t max;

	memset(vq, 0, sizeof(*vq));
	if (q >= mmio_read16(v->common + CC_NUM_QUEUES))
		exit_fail("virtio: queue %u does not exist", q);
	mmio_write16(v->common + CC_Q_SELECT, (uint16_t)q);
	max = mmio_read16(v->common + CC_Q_SIZE);
	if (max < VQ_SIZE)
		exit_fail("virtio: queue %u holds only %u entries", q, max);
	mmio_write16(v->common + CC_Q_SIZE, VQ_SIZE);
	mmio_write16(v->common + CC_Q_MSIX, msix_vector);
	if (mmio_read16(v->common + CC_Q_MSIX) != msix_vector)
		exit_fail("virtio: queue %u refused MSI-X vector %u", q,
			  msix_vector);
	mmio_write64(v->common + CC_Q_DESC, (uint64_t)vq->desc);
	mmio_write64(v->common + CC_Q_DRIVER, (uint64_t)&vq->avail);
	mmio_write64(v->common + CC_Q_DEVICE, (uint64_t)&vq->used);
	mmio_write16(v->common + CC_Q_ENABLE, 1);
}

void virtio_driver_ok(struct virtio *v)
{
	virtio_set_status(v, VIRTIO_ST_ACK | VIRTIO_ST_DRIVER |
			  VIRTIO_ST_FEATURES_OK | VIRTIO_ST_DRIVER_OK);
}

void virtio_msix_setup(struct virtio *v, unsigned int vec, uint8_t vector,
		       uint8_t apic_id)
{
	uint64_t e = v->bar + v->msix_table + 16ull * vec;

	if (!v->msix_cap)
		exit_fail("virtio device has no MSI-X capability");
	mmio_write32(e + 0, 0xFEE00000u | ((uint32_t)apic_id << 12));
	mmio_write32(e + 4, 0);
	mmio_write32(e + 8, vector);	/* fixed, edge */
	mmio_write32(e + 12, 0);	/* unmasked */
	pci_write16(v->dev, v->msix_cap + 2,
		    (pci_read16(v->dev, v->msix_cap + 2) & 0x3fff) | 0x8000);
}

void virtio_notify(struct virtio *v, unsigned int q)
{
	uint16_t off;

	mmio_write16(v->common + CC_Q_SELECT, (uint16_t)q);
	off = mmio_read16(v->common + CC_Q_NOTIFY_OFF);
	mmio_write16(v->notify + (uint64_t)off * v->notify_mult, (uint16_t)q);
}

/* ------------------------------------------------------------------ ACPI */

uint8_t acpi_sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (len--)
		s += *b++;
	return s;
}

const uint8_t *acpi_find_rsdp(void)
{
	uint64_t a;

	/* The RSDP is 16-byte aligned in the BIOS read-only area. */
	for (a = 0xE0000; a < 0x100000; a += 16)
		if (!memcmp((const void *)a, "RSD PTR ", 8) &&
		    !acpi_sum((const void *)a, 20))
			return (const uint8_t *)a;
	return NULL;
}

const uint8_t *acpi_find_table(const char sig[4])
{
	const uint8_t *rsdp = acpi_find_rsdp(), *xsdt, *t;
	uint32_t len, i;

	if (!rsdp || rsdp[15] < 2)
		return NULL;
	xsdt = (const uint8_t *)get64(rsdp + 24);
	len = get32(xsdt + 4);
	if (memcmp(xsdt, "XSDT", 4) || len < 36 || acpi_sum(xsdt, len))
		return NULL;
	for (i = 36; i + 8 <= len; i += 8) {
		t = (const uint8_t *)get64(xsdt + i);
		if (!memcmp(t, sig, 4))
			return acpi_sum(t, get32(t + 4)) ? NULL : t;
	}
	return NULL;
}
