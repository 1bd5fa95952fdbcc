/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pci.h - the kit's tiny PCI enumerator and virtio 1.x (modern PCI)
 * driver: enough for guest tests of cvisor's PCI host, virtio transport
 * and devices.  Bus 0 only; BARs are assigned by the kit from the
 * machine's 32-bit window (there is no firmware to do it).
 */
#ifndef CVISOR_GUEST_PCI_H
#define CVISOR_GUEST_PCI_H

#include "kit.h"

#define PCI_ECAM_BASE		0xE0000000ull
#define PCI_MMIO_WINDOW		0xC0000000ull

/* Config space through mechanism #1 (0xCF8/0xCFC). */
uint32_t pci_cf8_read32(unsigned int dev, unsigned int fn, unsigned int off);
void pci_cf8_write32(unsigned int dev, unsigned int fn, unsigned int off,
		     uint32_t v);
/* The same through ECAM (bus 0). */
uint32_t pci_ecam_read32(unsigned int dev, unsigned int fn, unsigned int off);
void pci_ecam_write32(unsigned int dev, unsigned int fn, unsigned int off,
		      uint32_t v);
uint16_t pci_read16(unsigned int dev, unsigned int off);
void pci_write16(unsigned int dev, unsigned int off, uint16_t v);

/* Slot of the first function 0 with @vendor:@device, or -1. */
int pci_find(uint16_t vendor, uint16_t device);
/* Offset of the first capability with @id after @from (0: start), or 0. */
unsigned int pci_find_cap(unsigned int dev, uint8_t id, unsigned int from);
/*
 * Size BAR @bar (all-ones probe, value restored): returns the size, sets
 * *is64 for a 64-bit memory BAR.  0 if not implemented.
 */
uint64_t pci_bar_size(unsigned int dev, int bar, bool *is64);
/* Place memory BAR @bar at @addr and enable memory decode + bus master. */
void pci_bar_place(unsigned int dev, int bar, uint64_t addr);

/* ------------------------------------------------------------ virtio */

#define VIRTIO_VENDOR		0x1AF4
#define VIRTIO_DEV_BLK		0x1042
#define VIRTIO_DEV_RNG		0x1044

#define VIRTIO_ST_ACK		0x01
#define VIRTIO_ST_DRIVER	0x02
#define VIRTIO_ST_DRIVER_OK	0x04
#define VIRTIO_ST_FEATURES_OK	0x08
#define VIRTIO_ST_NEEDS_RESET	0x40
#define VIRTIO_ST_FAILED	0x80

#define VQ_SIZE			8
#define VQ_DESC_F_NEXT		1
#define VQ_DESC_F_WRITE		2

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct vq {
	struct vq_desc desc[VQ_SIZE] __aligned(16);
	struct {
		uint16_t flags, idx, ring[VQ_SIZE], used_event;
	} avail __aligned(2);
	struct {
		uint16_t flags, idx;
		struct { uint32_t id, len; } ring[VQ_SIZE];
		uint16_t avail_event;
	} used __aligned(4);
	uint16_t last_used;
};

struct virtio {
	unsigned int dev;	/* PCI slot */
	uint64_t bar;		/* BAR 0 address */
	uint64_t common, isr, devcfg, notify;
	uint32_t notify_mult;
	unsigned int msix_cap;
	uint32_t msix_table;	/* offset in BAR 0 */
};

/*
 * Find @device, place BAR 0 at @bar_addr, walk the virtio capabilities,
 * reset, negotiate VERSION_1 only and leave status at FEATURES_OK.
 * exit_fail()s with the step that went wrong.
 */
void virtio_probe(struct virtio *v, uint16_t device, uint64_t bar_addr);
/* Queue @q on @vq with @msix_vector (0xffff: none); enable. */
void virtio_queue_setup(struct virtio *v, unsigned int q, struct vq *vq,
			uint16_t msix_vector);
void virtio_driver_ok(struct virtio *v);
/* MSI-X entry @vec -> fixed @vector to APIC @apic_id; enables MSI-X. */
void virtio_msix_setup(struct virtio *v, unsigned int vec, uint8_t vector,
		       uint8_t apic_id);
void virtio_notify(struct virtio *v, unsigned int q);
uint8_t virtio_status(struct virtio *v);

/* ------------------------------------------------------------- ACPI */

/* RSDP found by the BIOS-area scan (0xE0000-0xFFFFF), or NULL. */
const uint8_t *acpi_find_rsdp(void);
/* Table with @sig through the XSDT, checksum verified, or NULL. */
const uint8_t *acpi_find_table(const char sig[4]);
uint8_t acpi_sum(const void *p, size_t len);

static inline uint32_t get32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t get64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

#endif
