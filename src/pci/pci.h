/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pci.h - PCI bus 0: config space per function, BARs, capability lists,
 * MSI-X, INTx routing, the host bridge at 00:00.0, config mechanism #1
 * (0xCF8/0xCFC) and ECAM.
 *
 * The bus knows nothing about the VMM: it reaches the outside world only
 * through struct pci_host_ops (BAR (un)mapping, GSI levels, MSI messages),
 * so it can be driven alone by a test.  The VMM glue is:
 *
 *   pci_bus_init(&bus, &host_ops, vm);
 *   bus_register(vmbus, BUS_PIO, PCI_CF8_PORT, PCI_CF8_LEN,
 *                &pci_cf8_bus_ops, &bus);
 *   bus_register(vmbus, BUS_MMIO, ecam_base, PCI_ECAM_SIZE,
 *                &pci_ecam_bus_ops, &bus);                  (optional)
 *   host_ops.bar_map(): bus_register(vmbus, io ? BUS_PIO : BUS_MMIO,
 *                addr, size, &pci_bar_bus_ops, bar) on map,
 *                bus_unregister() on unmap.
 *
 * Threads: config accesses come from any vCPU thread and are serialized by
 * pci_bus.lock (one CF8 latch per bus, as on real chipsets).  bar_map() is
 * called with that lock held, so it must not re-enter the PCI config path.
 * INTx levels may be set from any thread (pci_bus.irq_lock); MSI-X state has
 * its own lock.  Lock order: pci_bus.lock > device lock > msix/irq locks.
 */
#ifndef CVISOR_PCI_PCI_H
#define CVISOR_PCI_PCI_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/sbuf.h"
#include "bus/bus.h"

/* ------------------------------------------------------ config space map */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define  PCI_COMMAND_IO		0x0001
#define  PCI_COMMAND_MEMORY	0x0002
#define  PCI_COMMAND_MASTER	0x0004
#define  PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS		0x06
#define  PCI_STATUS_INTERRUPT	0x0008
#define  PCI_STATUS_CAP_LIST	0x0010
#define PCI_REVISION_ID		0x08
#define PCI_CLASS_PROG		0x09
#define PCI_CLASS_DEVICE	0x0a
#define PCI_HEADER_TYPE		0x0e
#define PCI_BASE_ADDRESS_0	0x10
#define  PCI_BAR_IO		0x01
#define  PCI_BAR_MEM_64		0x04
#define  PCI_BAR_PREFETCH	0x08
#define PCI_SUBSYSTEM_VENDOR_ID	0x2c
#define PCI_SUBSYSTEM_ID	0x2e
#define PCI_ROM_ADDRESS		0x30
#define PCI_CAPABILITY_LIST	0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d

#define PCI_CAP_ID_MSIX		0x11
#define PCI_CAP_ID_VNDR		0x09

#define PCI_CFG_SIZE		256
#define PCI_CFG_EXT_SIZE	4096
#define PCI_NUM_BARS		6
#define PCI_DEVFN(slot, fn)	((uint8_t)(((slot) << 3) | (fn)))

/* Config mechanism #1: address latch at 0xCF8, data window 0xCFC-0xCFF. */
#define PCI_CF8_PORT		0xcf8
#define PCI_CF8_LEN		8
/* ECAM for bus 0 only: 32 devices x 8 functions x 4 KiB. */
#define PCI_ECAM_SIZE		(1u << 20)

/* Host bridge identity (generic PCIe host bridge IDs Linux has no quirk for). */
#define PCI_HOST_VENDOR		0x1b36
#define PCI_HOST_DEVICE		0x0008

struct pci_dev;
struct pci_bus;

enum pci_bar_type {
	PCI_BAR_NONE = 0,
	PCI_BAR_MEM32,
	PCI_BAR_MEM64,		/* takes this BAR and the next */
	PCI_BAR_IOPORT,
};

/* What happens inside a BAR (same shape as bus_dev_ops.access). */
struct pci_bar_ops {
	void (*access)(struct pci_dev *dev, int bar, uint64_t offset,
		       uint8_t *data, unsigned int len, bool is_write);
};

struct pci_bar {
	struct pci_dev *dev;
	int index;
	enum pci_bar_type type;
	bool prefetch;
	uint64_t size;		/* power of two; 0 = BAR not implemented */
	const struct pci_bar_ops *ops;
	/* Effective decode (guarded by pci_bus.lock). */
	bool mapped;
	uint64_t addr;
};

/*
 * Host hooks.  Every pointer may be NULL (ignored).
 * bar_map: the guest moved, enabled or disabled a BAR: unmap the old range
 * if @old_mapped, map [addr, addr + size) if @map.  A failure to map
 * (overlap) leaves the BAR unmapped, as real hardware would decode nothing
 * useful there either.
 * set_gsi: level of a GSI wired to INTx (shared pins are OR-ed by the bus).
 * send_msi: deliver one MSI message; @devid is the requester's devfn.
 * send_msix: if set, used instead of send_msi for MSI-X vector @vec of
 *   @dev (so the host can deliver through a per-vector irqfd).  Called
 *   with the device's msix.lock held.
 * msix_update: the guest wrote MSI-X table entry @vec of @dev (address,
 *   data or mask); called with msix.lock held, before anything the write
 *   makes deliverable is sent, so a host that caches routes (irqfd GSI
 *   routes) can update them first.  Must not call back into the device.
 * reset_control: a byte write of @val to port 0xCF9, the chipset's reset
 *   control register (bit 2 starts a reset; 0x06 = hard reset).
 * cfg_forward: a config cycle (CF8/CFC or ECAM, @len <= 4) for a devfn
 *   with no device on this bus; return true if the host served it (a
 *   read's value in *val), false for the usual all-ones.  Called with
 *   pci_bus.lock held, from the accessing vCPU (@ctx).
 */
struct pci_host_ops {
	int (*bar_map)(void *opaque, struct pci_bar *bar, bool old_mapped,
		       uint64_t old_addr, bool map);
	void (*set_gsi)(void *opaque, uint32_t gsi, int level);
	void (*send_msi)(void *opaque, uint64_t addr, uint32_t data,
			 uint32_t devid);
	void (*send_msix)(void *opaque, struct pci_dev *dev, unsigned int vec,
			  uint64_t addr, uint32_t data);
	void (*msix_update)(void *opaque, struct pci_dev *dev,
			    unsigned int vec, uint64_t addr, uint32_t data,
			    bool masked);
	void (*reset_control)(void *opaque, uint8_t val);
	bool (*cfg_forward)(void *opaque, const struct bus_ctx *ctx,
			    uint8_t devfn, uint32_t reg, unsigned int len,
			    bool is_write, uint32_t *val);
};

/* Optional device hooks around config accesses (pci_bus.lock held). */
struct pci_dev_ops {
	/* Called after the generic write semantics were applied. */
	void (*cfg_write)(struct pci_dev *dev, uint32_t off, unsigned int len,
			  uint32_t val);
	/* Called before a read: may refresh dev->cfg. */
	void (*cfg_read)(struct pci_dev *dev, uint32_t off, unsigned int len);
};

/* ------------------------------------------------------------ MSI-X */
#define PCI_MSIX_MAX_VECTORS	2048
#define PCI_MSIX_ENTRY_SIZE	16
#define PCI_MSIX_NO_VECTOR	0xffff

struct pci_msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

struct pci_msix {
	pthread_mutex_t lock;
	unsigned int nr;
	uint8_t cap;		/* offset of the capability in config space */
	int bar;
	uint32_t table_off, pba_off;
	bool enabled, fmask;	/* mirror of the message control register */
	struct pci_msix_entry *table;
	uint64_t *pba;
};

/*
 * One of the device's BARs moved, was enabled or disabled, after the
 * host's bar_map(): @map is whether it is mapped now (at bar->addr).
 * Called with pci_bus.lock held, like bar_map().
 */
typedef void (*pci_bar_listener_fn)(void *opaque, struct pci_bar *bar,
				    bool old_mapped, uint64_t old_addr,
				    bool map);

struct pci_dev {
	struct pci_bus *bus;
	uint8_t devfn;
	bool present;
	unsigned int cfg_size;	/* 256 or 4096 */
	const struct pci_dev_ops *ops;
	void *opaque;		/* the device model */
	uint8_t cfg[PCI_CFG_EXT_SIZE];
	uint8_t wmask[PCI_CFG_EXT_SIZE];	/* guest-writable bits */
	uint8_t w1cmask[PCI_CFG_EXT_SIZE];	/* write-one-to-clear bits */
	uint8_t cap_end;	/* capability builder: next free offset */
	uint8_t cap_last;	/* offset of the last capability, 0 = none */
	struct pci_bar bars[PCI_NUM_BARS];
	struct pci_msix msix;	/* msix.nr == 0: no MSI-X */
	/* INTx state, guarded by pci_bus.irq_lock. */
	bool intx_level, intx_disabled;
	/* Mirror of the bus master bit, read by DMA paths on other threads. */
	_Atomic bool master;
	/* pci_dev_set_bar_listener(), guarded by pci_bus.lock. */
	pci_bar_listener_fn bar_listener;
	void *bar_listener_opaque;
};

#define PCI_INTX_PINS	4


struct pci_bus {
	pthread_mutex_t lock;
	uint32_t cf8;
	_Atomic uint8_t rcr;	/* 0xCF9 reset control, last value written */
	struct pci_dev *devs[256];
	const struct pci_host_ops *ops;
	void *opaque;
	pthread_mutex_t irq_lock;
	uint32_t intx_gsi[PCI_INTX_PINS];	/* GSI of (swizzled) INTA-D */
	unsigned int intx_count[PCI_INTX_PINS];
	/* Lines driven from outside (device models): a bit per slot. */
	uint32_t intx_ext[PCI_INTX_PINS];
	struct pci_dev host;	/* 00:00.0 */
};

/*
 * Set up bus 0 with the host bridge at 00:00.0.  INTA..INTD after the
 * standard swizzle ((slot + pin - 1) mod 4) go to GSIs 16..19 unless
 * pci_bus_set_intx_gsi() says otherwise; ACPI's _PRT must agree
 * (pci_intx_gsi()).
 */
int pci_bus_init(struct pci_bus *bus, const struct pci_host_ops *ops,
		 void *opaque);
/* Unmaps nothing (the VMM tears its bus down itself); frees bus state. */
void pci_bus_destroy(struct pci_bus *bus);
void pci_bus_set_intx_gsi(struct pci_bus *bus, const uint32_t gsi[4]);
/*
 * INTx pin @pin (1-4) of slot @slot driven by a function that lives
 * outside this bus (an out-of-process device model): shared with the
 * bus's own functions on the same GSI, level by level.  -EBUSY if the
 * slot holds one of our functions.
 */
int pci_bus_intx_external(struct pci_bus *bus, unsigned int slot,
			  unsigned int pin, bool level);
/* GSI used by slot @slot's pin @pin (1 = INTA .. 4 = INTD). */
uint32_t pci_intx_gsi(const struct pci_bus *bus, unsigned int slot,
		      unsigned int pin);

/*
 * Device construction (before pci_dev_register()): identity, BARs, caps.
 * @class is the 24-bit class code (class << 16 | subclass << 8 | prog-if).
 */
void pci_dev_init(struct pci_dev *dev, uint16_t vendor, uint16_t device,
		  uint32_t class, uint8_t revision, uint16_t subsys_vendor,
		  uint16_t subsys);
/* @size: power of two (>= 16 memory, >= 4 I/O). */
int pci_dev_add_bar(struct pci_dev *dev, int bar, enum pci_bar_type type,
		    bool prefetch, uint64_t size, const struct pci_bar_ops *ops);
/* Device uses INTx pin 1..4 (0 = none). */
void pci_dev_set_intx_pin(struct pci_dev *dev, unsigned int pin);
/*
 * Append a capability of @len bytes (header included) with ID @id to the
 * list; returns its config offset or -ENOSPC.  The caller fills the body
 * and sets wmask bits for fields the guest may write.
 */
int pci_cap_add(struct pci_dev *dev, uint8_t id, uint8_t len);
/* Add the MSI-X capability; table and PBA live in @bar at the offsets. */
int pci_msix_init(struct pci_dev *dev, unsigned int nr_vectors, int bar,
		  uint32_t table_off, uint32_t pba_off);
/* Place @dev at @devfn (-1: the first free slot, function 0). */
int pci_dev_register(struct pci_bus *bus, struct pci_dev *dev, int devfn);
void pci_dev_unregister(struct pci_dev *dev);
/*
 * Follow @dev's BAR moves (virtio's ioeventfds follow their notify
 * registers); NULL stops.  Any time, from any thread but a listener.
 */
void pci_dev_set_bar_listener(struct pci_dev *dev, pci_bar_listener_fn fn,
			      void *opaque);
void pci_dev_cleanup(struct pci_dev *dev);

/* Little-endian config helpers (device model side, no locking). */
static inline void pci_cfg_set8(struct pci_dev *d, uint32_t off, uint8_t v)
{
	d->cfg[off] = v;
}

static inline void pci_cfg_set16(struct pci_dev *d, uint32_t off, uint16_t v)
{
	bus_put_le(&d->cfg[off], 2, v);
}

static inline void pci_cfg_set32(struct pci_dev *d, uint32_t off, uint32_t v)
{
	bus_put_le(&d->cfg[off], 4, v);
}

static inline uint32_t pci_cfg_get(const struct pci_dev *d, uint32_t off,
				   unsigned int len)
{
	return (uint32_t)bus_get_le(&d->cfg[off], len);
}

/* Guest-side config accesses (what CF8/CFC and ECAM decode into). */
uint32_t pci_cfg_read(struct pci_bus *bus, uint8_t devfn, uint32_t off,
		      unsigned int len);
void pci_cfg_write(struct pci_bus *bus, uint8_t devfn, uint32_t off,
		   unsigned int len, uint32_t val);

/* INTx: set the device's level (routed, shared and masked by the bus). */
void pci_intx_set(struct pci_dev *dev, bool level);
/* Bus master enabled?  Devices must not DMA otherwise. */
bool pci_dev_bus_master(const struct pci_dev *dev);

/*
 * MSI-X: send vector @vec, or set its pending bit if masked.  Returns
 * false if MSI-X is disabled or @vec is out of range (caller falls back).
 */
bool pci_msix_notify(struct pci_dev *dev, unsigned int vec);
bool pci_msix_enabled(struct pci_dev *dev);
/* Table/PBA accesses routed from the owning BAR handler. */
bool pci_msix_bar_access(struct pci_dev *dev, int bar, uint64_t off,
			 uint8_t *data, unsigned int len, bool is_write);

/* One access inside a BAR (MSI-X structures first, then the device). */
void pci_bar_dispatch(struct pci_bar *bar, uint64_t offset, uint8_t *data,
		      unsigned int len, bool is_write);

/*
 * Snapshot state of the whole bus (pci_state.c): CF8 latch, and per
 * function config space, MSI-X table and pending bits, INTx level.  A
 * load validates the image against the functions this bus has and
 * applies only guest-writable config bits.  No vCPU may run meanwhile.
 */
void pci_bus_save(struct pci_bus *bus, struct sbuf *out);
int pci_bus_load(struct pci_bus *bus, struct sbuf *in);
void pci_bus_reset(struct pci_bus *bus);

/* bus_dev_ops for the VMM bus: opaque is struct pci_bus * / pci_bar *. */
extern const struct bus_dev_ops pci_cf8_bus_ops;
extern const struct bus_dev_ops pci_ecam_bus_ops;
extern const struct bus_dev_ops pci_bar_bus_ops;

#endif
