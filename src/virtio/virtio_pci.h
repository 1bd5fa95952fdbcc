/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio_pci.h - virtio 1.x PCI transport (modern only), the API the VMM
 * uses to create virtio devices and wire them to its bus and event loop.
 *
 *   vp = virtio_pci_create("virtio-blk", &pci_bus, -1, &mem_ops, mem,
 *                          &args, err, sizeof(err));
 *
 * BAR 0 (64-bit memory) holds everything: common config, ISR, device
 * config, notify area, MSI-X table and PBA.  The PCI bus reports BAR
 * placement through pci_host_ops.bar_map; after it, for each queue q:
 *
 *   fd  = virtio_pci_kick_fd(vp, q);              eventfd owned by vp
 *   gpa = virtio_pci_notify_addr(vp, q);          0 while BAR 0 unmapped
 *   hv_ioeventfd(vm, {.addr = gpa, .len = 0, .fd = fd})   (optional)
 *   vm_loop_add(vm, fd, EPOLLIN, -> virtio_pci_handle_kick(vp, q))
 *
 * A notify write that reaches the MMIO handler (no ioeventfd, or the
 * backend lacks it) signals the same eventfd, so the queue is always
 * processed on the event-loop thread, never on the vCPU.  Each queue has
 * its own notify address (notify_off_multiplier 4), so no datamatch is
 * needed.  Interrupts leave through pci_host_ops.send_msi (MSI-X) or
 * set_gsi (INTx + ISR); the VMM may implement those with irqfds.
 *
 * Host-side input (tap fd for net): watch virtio_pci_host_fd() with
 * EPOLLIN|EPOLLET and call virtio_pci_host_event(); the console's input is
 * whatever cons_read reads, reported the same way.
 *
 * Threads: BAR and config accesses from vCPU threads, everything else from
 * the event-loop thread; virtio_dev.lock serializes them.
 */
#ifndef CVISOR_VIRTIO_VIRTIO_PCI_H
#define CVISOR_VIRTIO_VIRTIO_PCI_H

#include <stddef.h>
#include <stdint.h>

#include "pci/pci.h"
#include "virtio/virtio.h"

#define VIRTIO_PCI_VENDOR	0x1af4
#define VIRTIO_PCI_DEVICE_BASE	0x1040	/* + virtio device ID: modern */

/* virtio 1.x 4.1.4: capability cfg_type values. */
#define VIRTIO_PCI_CAP_COMMON_CFG	1
#define VIRTIO_PCI_CAP_NOTIFY_CFG	2
#define VIRTIO_PCI_CAP_ISR_CFG		3
#define VIRTIO_PCI_CAP_DEVICE_CFG	4
#define VIRTIO_PCI_CAP_PCI_CFG		5

/* Layout of BAR 0. */
#define VIRTIO_PCI_BAR			0
#define VIRTIO_PCI_COMMON_OFF		0x0000
#define VIRTIO_PCI_ISR_OFF		0x1000
#define VIRTIO_PCI_DEVICE_OFF		0x2000
#define VIRTIO_PCI_NOTIFY_OFF		0x3000
#define VIRTIO_PCI_MSIX_TABLE_OFF	0x4000
#define VIRTIO_PCI_MSIX_PBA_OFF		0x5000
#define VIRTIO_PCI_BAR_SIZE		0x8000
#define VIRTIO_PCI_NOTIFY_MULT		4
#define VIRTIO_PCI_MAX_QUEUES		64

struct virtio_pci_cap {
	uint8_t cap_vndr, cap_next, cap_len, cfg_type;
	uint8_t bar, id, padding[2];
	uint32_t offset, length;
};
_Static_assert(sizeof(struct virtio_pci_cap) == 16, "virtio_pci_cap");

struct virtio_pci_notify_cap {
	struct virtio_pci_cap cap;
	uint32_t notify_off_multiplier;
};
_Static_assert(sizeof(struct virtio_pci_notify_cap) == 20,
	       "virtio_pci_notify_cap");

struct virtio_pci_cfg_cap {
	struct virtio_pci_cap cap;
	uint8_t pci_cfg_data[4];
};
_Static_assert(sizeof(struct virtio_pci_cfg_cap) == 20, "virtio_pci_cfg_cap");

struct virtio_pci_common_cfg {
	uint32_t device_feature_select;	/* 0x00 */
	uint32_t device_feature;	/* 0x04 RO */
	uint32_t driver_feature_select;	/* 0x08 */
	uint32_t driver_feature;	/* 0x0c */
	uint16_t config_msix_vector;	/* 0x10 */
	uint16_t num_queues;		/* 0x12 RO */
	uint8_t device_status;		/* 0x14 */
	uint8_t config_generation;	/* 0x15 RO */
	uint16_t queue_select;		/* 0x16 */
	uint16_t queue_size;		/* 0x18 */
	uint16_t queue_msix_vector;	/* 0x1a */
	uint16_t queue_enable;		/* 0x1c */
	uint16_t queue_notify_off;	/* 0x1e RO */
	uint64_t queue_desc;		/* 0x20 */
	uint64_t queue_driver;		/* 0x28 */
	uint64_t queue_device;		/* 0x30 */
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_pci_common_cfg) == 56,
	       "virtio_pci_common_cfg");

struct virtio_pci {
	struct pci_dev pci;
	struct virtio_dev vdev;
	uint32_t dfselect, gfselect;
	uint16_t queue_sel;
	uint16_t config_vector;
	uint8_t isr;
	uint8_t cfg_cap;	/* offset of the VIRTIO_PCI_CAP_PCI_CFG cap */
};

/*
 * Create a device of type @type ("virtio-blk", "virtio-rng",
 * "virtio-console", "virtio-net") at @devfn (-1: next free slot) on @bus.
 * DMA goes through @mem; errors give one line in @err.  With @bus NULL
 * the device is left off any bus: its host registers vp->pci itself
 * (a device behind vmm/devsvc.h has no bus pointer) and then calls
 * virtio_pci_placed(), which names it after its slot for messages.
 */
int virtio_pci_create(const char *type, struct pci_bus *bus, int devfn,
		      const struct guest_mem_ops *mem, void *mem_opaque,
		      const struct virtio_dev_args *args,
		      struct virtio_pci **out, char *err, size_t err_len);
void virtio_pci_placed(struct virtio_pci *vp);
/* Unregister from the bus (unmapping BARs), free everything. */
void virtio_pci_destroy(struct virtio_pci *vp);

unsigned int virtio_pci_nr_queues(const struct virtio_pci *vp);
int virtio_pci_kick_fd(const struct virtio_pci *vp, unsigned int q);
/*
 * Guest-physical notify address of queue @q, 0 if BAR 0 is not mapped.
 * Takes pci_bus.lock: inside bar_map() use bar->addr +
 * virtio_pci_notify_offset(q) instead.
 */
uint64_t virtio_pci_notify_addr(struct virtio_pci *vp, unsigned int q);
/* Offset of queue @q's notify register inside BAR 0. */
uint64_t virtio_pci_notify_offset(unsigned int q);
/* The virtio device behind a BAR (from bar_map()), or NULL. */
struct virtio_pci *virtio_pci_from_bar(struct pci_bar *bar);

/* Event loop: queue @q's eventfd is readable. */
void virtio_pci_handle_kick(struct virtio_pci *vp, unsigned int q);
/* Event loop: the host fd (tap) is readable or console input is ready. */
void virtio_pci_host_event(struct virtio_pci *vp);
/* Host fd to watch, or -1. */
int virtio_pci_host_fd(struct virtio_pci *vp);
/* Tests and simple loops: handle every queue whose eventfd is signalled. */
void virtio_pci_poll(struct virtio_pci *vp);
/*
 * Device reset, as a driver writing status 0 does; vdev.lock held.
 * Snapshot state of the transport, its queues and the device config
 * (virtio_pci_state.c): a load validates the image against this device
 * and refuses one from another configuration.  No vCPU or event loop may
 * run meanwhile.
 */
void virtio_pci_reset_locked(struct virtio_pci *vp);
void virtio_pci_reset(struct virtio_pci *vp);
void virtio_pci_save(struct virtio_pci *vp, struct sbuf *out);
int virtio_pci_load(struct virtio_pci *vp, struct sbuf *in);
/* Current device status byte (for tests and diagnostics). */
uint8_t virtio_pci_status(struct virtio_pci *vp);

#endif
