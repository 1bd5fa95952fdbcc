/* SPDX-License-Identifier: GPL-2.0 */
/*
 * driver.h - a fake guest for PCI/virtio tests: a buffer as guest RAM, the
 * VMM's real bus for PIO/MMIO dispatch, CF8/CFC config accesses, BAR
 * sizing and placement, capability walk, feature negotiation, split
 * virtqueue setup and request submission.  Single-threaded: the test plays
 * both the vCPU and the event loop (virtio_pci_poll()).
 */
#ifndef CVISOR_TESTS_VIRTIO_DRIVER_H
#define CVISOR_TESTS_VIRTIO_DRIVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "pci/pci.h"
#include "virtio/virtio_pci.h"
#include "bus/bus.h"
#include "../check.h"

#define T_RAM_SIZE	(16u << 20)
/* A "private" hole in guest RAM: translate() must refuse it. */
#define T_HOLE_START	(8u << 20)
#define T_HOLE_END	(9u << 20)
#define T_MMIO_BASE	0xe0000000ull
#define T_ECAM_BASE	0xb0000000ull
#define T_MSI_ADDR	0xfee00000u
#define T_MSI_DATA0	0x40

struct vt {
	uint8_t *ram;
	struct bus bus;
	struct pci_bus pci;
	struct bus_ctx ctx;
	uint64_t brk;		/* bump allocator for guest memory */
	uint64_t mmio_next;
	unsigned int msi[64];	/* MSIs received, by data - T_MSI_DATA0 */
	int gsi[32];		/* INTx line levels */
	unsigned int bar_maps;
};

#define T_MAX_QUEUES	4

struct tq {
	uint16_t size;
	uint64_t desc, avail, used;
	uint16_t avail_idx;	/* driver's next avail idx */
	uint16_t used_seen;
	uint16_t next_desc;	/* next free descriptor (round robin) */
	uint64_t indirect;	/* size x 16 indirect entries scratch */
};

struct vdrv {
	struct vt *t;
	struct virtio_pci *vp;
	uint8_t devfn;
	uint64_t bar;		/* BAR 0 guest address */
	uint64_t common, isr, device, notify;
	uint32_t notify_mult;
	uint32_t device_len;
	uint8_t msix_cap;
	uint64_t features;
	struct tq q[T_MAX_QUEUES];
};

struct tseg {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

void vt_init(struct vt *t);
void vt_fini(struct vt *t);
void *gpa_ptr(struct vt *t, uint64_t gpa);
uint64_t galloc(struct vt *t, uint64_t size, uint64_t align);

uint64_t mmio_r(struct vt *t, uint64_t addr, unsigned int len);
void mmio_w(struct vt *t, uint64_t addr, uint64_t v, unsigned int len);
uint32_t cfg_r(struct vt *t, uint8_t devfn, uint32_t off, unsigned int len);
void cfg_w(struct vt *t, uint8_t devfn, uint32_t off, unsigned int len,
	   uint32_t v);

/* Create a device and do the PCI part: BAR placement, caps, MSI-X on. */
void drv_create(struct vdrv *d, struct vt *t, const char *type,
		const struct virtio_dev_args *args);
void drv_destroy(struct vdrv *d);
uint8_t drv_status(struct vdrv *d);
void drv_set_status(struct vdrv *d, uint8_t s);
/* Reset, negotiate @want & offered (VERSION_1 added), FEATURES_OK. */
bool drv_negotiate(struct vdrv *d, uint64_t want);
/* Set up queue @q with @size entries and MSI-X vector @q + 1; enable. */
void drv_queue_setup(struct vdrv *d, unsigned int q, uint16_t size);
/* Program queue registers without enabling (for misbehaviour tests). */
void drv_queue_program(struct vdrv *d, unsigned int q, uint16_t size,
		       uint64_t desc, uint64_t avail, uint64_t used);
void drv_queue_enable(struct vdrv *d, unsigned int q);
void drv_driver_ok(struct vdrv *d);
/* Full bring-up: negotiate, all queues of @size, DRIVER_OK. */
void drv_up(struct vdrv *d, uint64_t want, uint16_t size);
void drv_notify(struct vdrv *d, unsigned int q);

/*
 * Put a chain of @n segments on queue @q (indirect table if asked),
 * notify, poll the device.  Returns the used length, or -1 if nothing was
 * used.
 */
long drv_submit(struct vdrv *d, unsigned int q, const struct tseg *segs,
		unsigned int n, bool indirect);
/* Post a chain without notifying/polling; returns the head. */
uint16_t drv_post(struct vdrv *d, unsigned int q, const struct tseg *segs,
		  unsigned int n, bool indirect);
/* Next used element if any: returns true and fills @id/@len. */
bool drv_used(struct vdrv *d, unsigned int q, uint32_t *id, uint32_t *len);

static inline struct virtq_desc *tq_desc(struct vdrv *d, unsigned int q)
{
	return gpa_ptr(d->t, d->q[q].desc);
}

static inline uint16_t *tq_avail(struct vdrv *d, unsigned int q)
{
	return gpa_ptr(d->t, d->q[q].avail);
}

#endif
