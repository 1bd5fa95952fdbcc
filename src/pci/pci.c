// SPDX-License-Identifier: GPL-2.0
/*
 * pci.c - PCI bus 0: config space semantics, BAR decode, INTx routing, the
 * host bridge, config mechanism #1 and ECAM.
 *
 * Threads: config accesses (CF8/CFC, ECAM) arrive on vCPU threads and are
 * serialized by pci_bus.lock, which also guards BAR decode state.  INTx
 * levels change on the event-loop thread under pci_bus.irq_lock.  Guest
 * values are untrusted: every offset is bounded by the function's config
 * size and writes only ever touch bits set in wmask/w1cmask.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/compiler.h"
#include "pci/internal.h"
#include "pci/pci.h"

static bool range_hits(uint32_t off, unsigned int len, uint32_t start,
		       uint32_t end)
{
	return off < end && off + len > start;
}

void pci_dev_init(struct pci_dev *dev, uint16_t vendor, uint16_t device,
		  uint32_t class, uint8_t revision, uint16_t subsys_vendor,
		  uint16_t subsys)
{
	int i;

	memset(dev, 0, sizeof(*dev));
	dev->cfg_size = PCI_CFG_SIZE;
	pci_cfg_set16(dev, PCI_VENDOR_ID, vendor);
	pci_cfg_set16(dev, PCI_DEVICE_ID, device);
	pci_cfg_set8(dev, PCI_REVISION_ID, revision);
	pci_cfg_set8(dev, PCI_CLASS_PROG, class & 0xff);
	pci_cfg_set16(dev, PCI_CLASS_DEVICE, (class >> 8) & 0xffff);
	pci_cfg_set8(dev, PCI_HEADER_TYPE, 0);
	pci_cfg_set16(dev, PCI_SUBSYSTEM_VENDOR_ID, subsys_vendor);
	pci_cfg_set16(dev, PCI_SUBSYSTEM_ID, subsys);

	/* Command: I/O, memory, bus master, INTx disable are implemented. */
	bus_put_le(&dev->wmask[PCI_COMMAND], 2,
		   PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		   PCI_COMMAND_INTX_DISABLE);
	/* Status error bits are RW1C (we never set them, but clearing works). */
	bus_put_le(&dev->w1cmask[PCI_STATUS], 2, 0xf900);
	dev->wmask[0x0c] = 0xff;	/* cache line size: scratch for the OS */
	dev->wmask[0x0d] = 0xff;	/* latency timer */
	dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
	dev->cap_end = 0x40;
	for (i = 0; i < PCI_NUM_BARS; i++) {
		dev->bars[i].dev = dev;
		dev->bars[i].index = i;
	}
}

int pci_dev_add_bar(struct pci_dev *dev, int bar, enum pci_bar_type type,
		    bool prefetch, uint64_t size, const struct pci_bar_ops *ops)
{
	struct pci_bar *b;
	uint32_t off, flags;
	uint64_t mask;

	if (bar < 0 || bar >= PCI_NUM_BARS || !size || (size & (size - 1)))
		return -EINVAL;
	if (type == PCI_BAR_MEM64 && bar == PCI_NUM_BARS - 1)
		return -EINVAL;
	if (type == PCI_BAR_IOPORT ? (size < 4 || size > 256) : size < 16)
		return -EINVAL;
	if (type == PCI_BAR_MEM32 && size > (1ull << 31))
		return -EINVAL;
	b = &dev->bars[bar];
	if (b->type != PCI_BAR_NONE ||
	    (bar > 0 && dev->bars[bar - 1].type == PCI_BAR_MEM64) ||
	    (type == PCI_BAR_MEM64 && dev->bars[bar + 1].type != PCI_BAR_NONE))
		return -EBUSY;
	b->type = type;
	b->prefetch = prefetch;
	b->size = size;
	b->ops = ops;

	/*
	 * Sizing falls out of the write mask: address bits below the size
	 * are read-only zero, so writing all-ones reads back ~(size - 1)
	 * plus the read-only type bits.
	 */
	off = PCI_BASE_ADDRESS_0 + 4 * bar;
	mask = ~(size - 1);
	if (type == PCI_BAR_IOPORT) {
		flags = PCI_BAR_IO;
		bus_put_le(&dev->wmask[off], 4, (uint32_t)mask & ~3u);
	} else {
		flags = (type == PCI_BAR_MEM64 ? PCI_BAR_MEM_64 : 0) |
			(prefetch ? PCI_BAR_PREFETCH : 0);
		bus_put_le(&dev->wmask[off], 4, (uint32_t)mask & ~0xfu);
		if (type == PCI_BAR_MEM64) {
			bus_put_le(&dev->wmask[off + 4], 4,
				   (uint32_t)(mask >> 32));
			dev->bars[bar + 1].type = PCI_BAR_NONE;
		}
	}
	pci_cfg_set32(dev, off, flags);
	return 0;
}

int pci_cap_add(struct pci_dev *dev, uint8_t id, uint8_t len)
{
	unsigned int off = ALIGN_UP((unsigned int)dev->cap_end, 4u);

	if (len < 2 || off + len > PCI_CFG_SIZE)
		return -ENOSPC;
	dev->cfg[off] = id;
	dev->cfg[off + 1] = 0;
	if (dev->cap_last)
		dev->cfg[dev->cap_last + 1] = (uint8_t)off;
	else
		dev->cfg[PCI_CAPABILITY_LIST] = (uint8_t)off;
	dev->cap_last = (uint8_t)off;
	dev->cap_end = (uint8_t)(off + len > 0xff ? 0xff : off + len);
	bus_put_le(&dev->cfg[PCI_STATUS], 2,
		   pci_cfg_get(dev, PCI_STATUS, 2) | PCI_STATUS_CAP_LIST);
	return (int)off;
}

void pci_dev_set_intx_pin(struct pci_dev *dev, unsigned int pin)
{
	dev->cfg[PCI_INTERRUPT_PIN] = pin <= 4 ? (uint8_t)pin : 0;
}

bool pci_dev_bus_master(const struct pci_dev *dev)
{
	return atomic_load_explicit(&dev->master, memory_order_acquire);
}

/* ------------------------------------------------------------------ INTx */

uint32_t pci_intx_gsi(const struct pci_bus *bus, unsigned int slot,
		      unsigned int pin)
{
	return bus->intx_gsi[(slot + pin - 1) % PCI_INTX_PINS];
}

/* Caller holds irq_lock.  Applies a change of the effective level. */
static void intx_update(struct pci_dev *dev, bool was)
{
	struct pci_bus *bus = dev->bus;
	bool now = dev->intx_level && !dev->intx_disabled;
	unsigned int pin = dev->cfg[PCI_INTERRUPT_PIN];
	unsigned int idx;

	if (was == now || !bus || pin < 1 || pin > 4)
		return;
	idx = ((dev->devfn >> 3) + pin - 1) % PCI_INTX_PINS;
	if (now) {
		if (bus->intx_count[idx]++ == 0 && bus->ops->set_gsi)
			bus->ops->set_gsi(bus->opaque, bus->intx_gsi[idx], 1);
	} else {
		if (--bus->intx_count[idx] == 0 && bus->ops->set_gsi)
			bus->ops->set_gsi(bus->opaque, bus->intx_gsi[idx], 0);
	}
}

void pci_intx_set(struct pci_dev *dev, bool level)
{
	struct pci_bus *bus = dev->bus;
	bool was;

	if (!bus)
		return;
	pthread_mutex_lock(&bus->irq_lock);
	was = dev->intx_level && !dev->intx_disabled;
	dev->intx_level = level;
	intx_update(dev, was);
	pthread_mutex_unlock(&bus->irq_lock);
}

void pci_intx_set_disabled(struct pci_dev *dev, bool disabled)
{
	struct pci_bus *bus = dev->bus;
	bool was;

	pthread_mutex_lock(&bus->irq_lock);
	was = dev->intx_level && !dev->intx_disabled;
	dev->intx_disabled = disabled;
	intx_update(dev, was);
	pthread_mutex_unlock(&bus->irq_lock);
}

int pci_bus_intx_external(struct pci_bus *bus, unsigned int slot,
			  unsigned int pin, bool level)
{
	unsigned int idx;
	uint32_t bit;
	bool busy;

	if (slot > 31 || pin < 1 || pin > PCI_INTX_PINS)
		return -EINVAL;
	bit = 1u << slot;
	idx = (slot + pin - 1) % PCI_INTX_PINS;
	/*
	 * Not bus->lock: a vCPU holds it around a config cycle forwarded to
	 * the very device model that may now be raising its line.  Functions
	 * are registered before vCPUs run and removed after they stop, so
	 * the slot's occupant cannot change under us.
	 */
	pthread_mutex_lock(&bus->irq_lock);
	/* A slot of our own functions is not someone else's to drive. */
	busy = bus->devs[slot << 3] && bus->devs[slot << 3]->present;
	if (busy) {
		pthread_mutex_unlock(&bus->irq_lock);
		return -EBUSY;
	}
	if (level && !(bus->intx_ext[pin - 1] & bit)) {
		bus->intx_ext[pin - 1] |= bit;
		if (bus->intx_count[idx]++ == 0 && bus->ops->set_gsi)
			bus->ops->set_gsi(bus->opaque, bus->intx_gsi[idx], 1);
	} else if (!level && (bus->intx_ext[pin - 1] & bit)) {
		bus->intx_ext[pin - 1] &= ~bit;
		if (--bus->intx_count[idx] == 0 && bus->ops->set_gsi)
			bus->ops->set_gsi(bus->opaque, bus->intx_gsi[idx], 0);
	}
	pthread_mutex_unlock(&bus->irq_lock);
	return 0;
}

/* ------------------------------------------------------------ BAR decode */

static void bar_decode(struct pci_dev *dev, struct pci_bar *b, bool *map,
		       uint64_t *addr)
{
	uint16_t cmd = (uint16_t)pci_cfg_get(dev, PCI_COMMAND, 2);
	uint32_t off = PCI_BASE_ADDRESS_0 + 4 * b->index;
	uint64_t a = pci_cfg_get(dev, off, 4);
	uint64_t limit;

	*map = false;
	if (b->type == PCI_BAR_IOPORT) {
		a &= ~3ull;
		*map = (cmd & PCI_COMMAND_IO) != 0;
		limit = 0x10000;
	} else {
		a &= ~0xfull;
		if (b->type == PCI_BAR_MEM64)
			a |= (uint64_t)pci_cfg_get(dev, off + 4, 4) << 32;
		*map = (cmd & PCI_COMMAND_MEMORY) != 0;
		/* Beyond any plausible physical address width: not decoded. */
		limit = 1ull << 52;
	}
	*addr = a;
	/* Address 0 means "unassigned" to every OS; never decode it. */
	if (!a || a >= limit || b->size > limit - a)
		*map = false;
}

/* Caller holds bus->lock. */
void pci_bars_update(struct pci_dev *dev)
{
	struct pci_bus *bus = dev->bus;
	int i;

	for (i = 0; i < PCI_NUM_BARS; i++) {
		struct pci_bar *b = &dev->bars[i];
		bool old_mapped = b->mapped, map;
		uint64_t old_addr = b->addr, addr;

		if (b->type == PCI_BAR_NONE || !b->size)
			continue;
		bar_decode(dev, b, &map, &addr);
		if (map == old_mapped && (!map || addr == old_addr))
			continue;
		b->addr = addr;
		b->mapped = map;
		if (!bus || !bus->ops->bar_map)
			continue;
		if (bus->ops->bar_map(bus->opaque, b, old_mapped, old_addr,
				      map) < 0)
			b->mapped = false;
		if (dev->bar_listener)
			dev->bar_listener(dev->bar_listener_opaque, b,
					  old_mapped, old_addr, b->mapped);
	}
}

/* ------------------------------------------------------------- MSI-X */

static void msix_fire(struct pci_dev *dev, unsigned int vec)
{
	struct pci_msix_entry *e = &dev->msix.table[vec];
	struct pci_bus *bus = dev->bus;

	if (bus && bus->ops->send_msix)
		bus->ops->send_msix(bus->opaque, dev, vec,
				    (uint64_t)e->addr_hi << 32 | e->addr_lo,
				    e->data);
	else if (bus && bus->ops->send_msi)
		bus->ops->send_msi(bus->opaque,
				   (uint64_t)e->addr_hi << 32 | e->addr_lo,
				   e->data, dev->devfn);
}

/* Caller holds msix.lock: deliver what became deliverable. */
static void msix_flush_pending(struct pci_dev *dev)
{
	struct pci_msix *m = &dev->msix;
	unsigned int v;

	if (!m->enabled || m->fmask)
		return;
	for (v = 0; v < m->nr; v++) {
		if (!(m->pba[v / 64] & (1ull << (v % 64))))
			continue;
		if (m->table[v].ctrl & 1)
			continue;
		m->pba[v / 64] &= ~(1ull << (v % 64));
		msix_fire(dev, v);
	}
}

int pci_msix_init(struct pci_dev *dev, unsigned int nr_vectors, int bar,
		  uint32_t table_off, uint32_t pba_off)
{
	struct pci_msix *m = &dev->msix;
	unsigned int i;
	int cap;

	if (!nr_vectors || nr_vectors > PCI_MSIX_MAX_VECTORS ||
	    bar < 0 || bar >= PCI_NUM_BARS || (table_off & 7) || (pba_off & 7))
		return -EINVAL;
	cap = pci_cap_add(dev, PCI_CAP_ID_MSIX, 12);
	if (cap < 0)
		return cap;
	m->table = calloc(nr_vectors, sizeof(*m->table));
	m->pba = calloc((nr_vectors + 63) / 64, sizeof(*m->pba));
	if (!m->table || !m->pba) {
		free(m->table);
		free(m->pba);
		m->table = NULL;
		m->pba = NULL;
		return -ENOMEM;
	}
	pthread_mutex_init(&m->lock, NULL);
	for (i = 0; i < nr_vectors; i++)
		m->table[i].ctrl = 1;	/* vectors start masked */
	m->nr = nr_vectors;
	m->cap = (uint8_t)cap;
	m->bar = bar;
	m->table_off = table_off;
	m->pba_off = pba_off;
	pci_cfg_set16(dev, cap + 2, (uint16_t)(nr_vectors - 1));
	pci_cfg_set32(dev, cap + 4, table_off | (uint32_t)bar);
	pci_cfg_set32(dev, cap + 8, pba_off | (uint32_t)bar);
	dev->wmask[cap + 3] = 0xc0;	/* MSI-X enable, function mask */
	return 0;
}

/* Caller holds bus->lock; the control register may have changed. */
void pci_msix_control_written(struct pci_dev *dev)
{
	struct pci_msix *m = &dev->msix;
	uint16_t ctl = (uint16_t)pci_cfg_get(dev, m->cap + 2, 2);

	pthread_mutex_lock(&m->lock);
	m->enabled = ctl & 0x8000;
	m->fmask = ctl & 0x4000;
	msix_flush_pending(dev);
	pthread_mutex_unlock(&m->lock);
}

bool pci_msix_enabled(struct pci_dev *dev)
{
	bool en;

	if (!dev->msix.nr)
		return false;
	pthread_mutex_lock(&dev->msix.lock);
	en = dev->msix.enabled;
	pthread_mutex_unlock(&dev->msix.lock);
	return en;
}

bool pci_msix_notify(struct pci_dev *dev, unsigned int vec)
{
	struct pci_msix *m = &dev->msix;

	if (!m->nr)
		return false;
	pthread_mutex_lock(&m->lock);
	if (!m->enabled || vec >= m->nr) {
		pthread_mutex_unlock(&m->lock);
		return false;
	}
	if (m->fmask || (m->table[vec].ctrl & 1))
		m->pba[vec / 64] |= 1ull << (vec % 64);
	else
		msix_fire(dev, vec);
	pthread_mutex_unlock(&m->lock);
	return true;
}

static uint32_t msix_table_read32(struct pci_msix *m, uint64_t off)
{
	const struct pci_msix_entry *e = &m->table[off / 16];

	switch (off % 16) {
	case 0: return e->addr_lo;
	case 4: return e->addr_hi;
	case 8: return e->data;
	default: return e->ctrl;
	}
}

static void msix_table_write32(struct pci_dev *dev, uint64_t off, uint32_t v)
{
	struct pci_msix *m = &dev->msix;
	struct pci_msix_entry *e = &m->table[off / 16];

	switch (off % 16) {
	case 0: e->addr_lo = v & ~3u; break;
	case 4: e->addr_hi = v; break;
	case 8: e->data = v; break;
	default:
		e->ctrl = v & 1;
		break;
	}
	/* Before any delivery, so that an irqfd route is current. */
	if (dev->bus && dev->bus->ops->msix_update)
		dev->bus->ops->msix_update(dev->bus->opaque, dev,
					   (unsigned int)(off / 16),
					   (uint64_t)e->addr_hi << 32 | e->addr_lo,
					   e->data, e->ctrl & 1);
	/* Unmasking delivers what was held back while masked. */
	if (off % 16 == 12 && !e->ctrl)
		msix_flush_pending(dev);
}

bool pci_msix_bar_access(struct pci_dev *dev, int bar, uint64_t off,
			 uint8_t *data, unsigned int len, bool is_write)
{
	struct pci_msix *m = &dev->msix;
	uint64_t tsize, psize, v = 0;
	unsigned int i;

	if (!m->nr || bar != m->bar)
		return false;
	tsize = (uint64_t)m->nr * PCI_MSIX_ENTRY_SIZE;
	psize = (m->nr + 63) / 64 * 8;

	if (off >= m->table_off && off - m->table_off < tsize) {
		off -= m->table_off;
		/* Only naturally aligned dword and qword accesses are defined. */
		if ((len != 4 && len != 8) || (off & (len - 1)) ||
		    off + len > tsize) {
			if (!is_write)
				memset(data, 0xff, len);
			return true;
		}
		pthread_mutex_lock(&m->lock);
		for (i = 0; i < len; i += 4) {
			if (is_write)
				msix_table_write32(dev, off + i,
					(uint32_t)bus_get_le(data + i, 4));
			else
				bus_put_le(data + i, 4,
					   msix_table_read32(m, off + i));
		}
		pthread_mutex_unlock(&m->lock);
		return true;
	}
	if (off >= m->pba_off && off - m->pba_off < psize) {
		off -= m->pba_off;
		if (is_write)
			return true;	/* PBA is read-only */
		pthread_mutex_lock(&m->lock);
		for (i = 0; i < len; i++) {
			uint64_t o = off + i;

			v = o < psize ? m->pba[o / 8] >> (8 * (o % 8)) : 0;
			data[i] = (uint8_t)v;
		}
		pthread_mutex_unlock(&m->lock);
		return true;
	}
	return false;
}

/* --------------------------------------------------------- config space */

static struct pci_dev *bus_dev(struct pci_bus *bus, uint8_t devfn)
{
	struct pci_dev *dev = bus->devs[devfn];

	return dev && dev->present ? dev : NULL;
}

static uint32_t cfg_read_locked(struct pci_bus *bus, uint8_t devfn,
				uint32_t off, unsigned int len)
{
	struct pci_dev *dev = bus_dev(bus, devfn);
	uint32_t v;

	if (!dev)
		return len == 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
	if (off >= dev->cfg_size || len > dev->cfg_size - off)
		return 0;
	if (dev->ops && dev->ops->cfg_read)
		dev->ops->cfg_read(dev, off, len);
	v = pci_cfg_get(dev, off, len);
	/* Status.interrupt reflects the live INTx level. */
	if (range_hits(off, len, PCI_STATUS, PCI_STATUS + 1)) {
		pthread_mutex_lock(&bus->irq_lock);
		if (dev->intx_level)
			v |= (uint32_t)PCI_STATUS_INTERRUPT << (8 * (PCI_STATUS - off));
		pthread_mutex_unlock(&bus->irq_lock);
	}
	return v;
}

static void cfg_write_locked(struct pci_bus *bus, uint8_t devfn, uint32_t off,
			     unsigned int len, uint32_t val)
{
	struct pci_dev *dev = bus_dev(bus, devfn);
	unsigned int i;

	if (!dev || off >= dev->cfg_size || len > dev->cfg_size - off)
		return;
	for (i = 0; i < len; i++) {
		uint8_t v = (uint8_t)(val >> (8 * i));
		uint8_t *c = &dev->cfg[off + i];

		*c = (uint8_t)((*c & ~dev->wmask[off + i]) |
			       (v & dev->wmask[off + i]));
		*c &= (uint8_t)~(v & dev->w1cmask[off + i]);
	}
	if (range_hits(off, len, PCI_COMMAND, PCI_COMMAND + 2)) {
		uint16_t cmd = (uint16_t)pci_cfg_get(dev, PCI_COMMAND, 2);

		atomic_store_explicit(&dev->master, cmd & PCI_COMMAND_MASTER,
				      memory_order_release);
		pci_intx_set_disabled(dev, cmd & PCI_COMMAND_INTX_DISABLE);
	}
	if (range_hits(off, len, PCI_COMMAND, PCI_COMMAND + 2) ||
	    range_hits(off, len, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_0 + 24))
		pci_bars_update(dev);
	if (dev->msix.nr && range_hits(off, len, dev->msix.cap + 2,
				       dev->msix.cap + 4))
		pci_msix_control_written(dev);
	if (dev->ops && dev->ops->cfg_write)
		dev->ops->cfg_write(dev, off, len, val);
}

uint32_t pci_cfg_read(struct pci_bus *bus, uint8_t devfn, uint32_t off,
		      unsigned int len)
{
	uint32_t v;

	pthread_mutex_lock(&bus->lock);
	v = cfg_read_locked(bus, devfn, off, len);
	pthread_mutex_unlock(&bus->lock);
	return v;
}

void pci_cfg_write(struct pci_bus *bus, uint8_t devfn, uint32_t off,
		   unsigned int len, uint32_t val)
{
	pthread_mutex_lock(&bus->lock);
	cfg_write_locked(bus, devfn, off, len, val);
	pthread_mutex_unlock(&bus->lock);
}

/* --------------------------------------------- CF8/CFC, ECAM, BAR glue */

/* A cycle for an empty devfn may belong to the host (a device model). */
static bool cfg_forward_locked(struct pci_bus *bus, const struct bus_ctx *ctx,
			       uint8_t devfn, uint32_t reg, unsigned int len,
			       bool is_write, uint8_t *data)
{
	uint32_t v = is_write ? (uint32_t)bus_get_le(data, len) : 0;

	if (!bus->ops->cfg_forward || bus_dev(bus, devfn))
		return false;
	if (!bus->ops->cfg_forward(bus->opaque, ctx, devfn, reg, len, is_write,
				   &v))
		return false;
	if (!is_write)
		bus_put_le(data, len, v);
	return true;
}

static void cf8_access(void *opaque, const struct bus_ctx *ctx,
		       uint64_t offset, uint8_t *data, unsigned int len,
		       bool is_write)
{
	struct pci_bus *bus = opaque;
	uint32_t a, reg;

	/*
	 * 0xCF9 is the chipset's reset control register, not part of the
	 * latch: a byte access there goes to the host's hook, outside the
	 * bus lock (a reset stops the VM and must not wait for config
	 * cycles).  Reads return the last value written.
	 */
	if (offset == 1 && len == 1) {
		if (!is_write) {
			data[0] = atomic_load(&bus->rcr);
			return;
		}
		atomic_store(&bus->rcr, data[0] & 0x0e);
		if (bus->ops->reset_control)
			bus->ops->reset_control(bus->opaque, data[0]);
		return;
	}
	pthread_mutex_lock(&bus->lock);
	if (offset < 4) {
		/* The latch only answers dword accesses. */
		if (offset == 0 && len == 4) {
			if (is_write)
				bus->cf8 = (uint32_t)bus_get_le(data, 4) &
					   0x80fffffcu;
			else
				bus_put_le(data, 4, bus->cf8);
		} else if (!is_write) {
			memset(data, 0xff, len);
		}
		goto out;
	}
	a = bus->cf8;
	if (len > 4 || !(a & 0x80000000u) || ((a >> 16) & 0xff)) {
		if (!is_write)
			memset(data, 0xff, len);
		goto out;
	}
	reg = (a & 0xfc) + (uint32_t)(offset - 4);
	if (cfg_forward_locked(bus, ctx, (uint8_t)(a >> 8), reg, len, is_write,
			       data))
		goto out;
	if (is_write)
		cfg_write_locked(bus, (uint8_t)(a >> 8), reg, len,
				 (uint32_t)bus_get_le(data, len));
	else
		bus_put_le(data, len,
			   cfg_read_locked(bus, (uint8_t)(a >> 8), reg, len));
out:
	pthread_mutex_unlock(&bus->lock);
}

static void ecam_access(void *opaque, const struct bus_ctx *ctx,
			uint64_t offset, uint8_t *data, unsigned int len,
			bool is_write)
{
	struct pci_bus *bus = opaque;
	uint8_t devfn = (uint8_t)(offset >> 12);
	uint32_t reg = offset & 0xfff;
	unsigned int i, n = len > 4 ? 4 : len;

	if (offset >= PCI_ECAM_SIZE || (reg & (len - 1))) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&bus->lock);
	/* A qword access is two dword accesses. */
	for (i = 0; i < len; i += n) {
		if (cfg_forward_locked(bus, ctx, devfn, reg + i, n, is_write,
				       data + i))
			continue;
		if (is_write)
			cfg_write_locked(bus, devfn, reg + i, n,
					 (uint32_t)bus_get_le(data + i, n));
		else
			bus_put_le(data + i, n,
				   cfg_read_locked(bus, devfn, reg + i, n));
	}
	pthread_mutex_unlock(&bus->lock);
}

void pci_bar_dispatch(struct pci_bar *b, uint64_t offset, uint8_t *data,
		      unsigned int len, bool is_write)
{
	struct pci_dev *dev = b->dev;

	if (offset >= b->size || len > b->size - offset)
		goto unclaimed;
	if (pci_msix_bar_access(dev, b->index, offset, data, len, is_write))
		return;
	if (b->ops && b->ops->access) {
		b->ops->access(dev, b->index, offset, data, len, is_write);
		return;
	}
unclaimed:
	if (!is_write)
		memset(data, 0xff, len);
}

static void bar_access(void *opaque, const struct bus_ctx *ctx,
		       uint64_t offset, uint8_t *data, unsigned int len,
		       bool is_write)
{
	pci_bar_dispatch(opaque, offset, data, len, is_write);
}

const struct bus_dev_ops pci_cf8_bus_ops = {
	.name = "pci-cf8",
	.access = cf8_access,
};

const struct bus_dev_ops pci_ecam_bus_ops = {
	.name = "pci-ecam",
	.access = ecam_access,
};

const struct bus_dev_ops pci_bar_bus_ops = {
	.name = "pci-bar",
	.access = bar_access,
};

/* ------------------------------------------------------------ bus setup */

int pci_dev_register(struct pci_bus *bus, struct pci_dev *dev, int devfn)
{
	unsigned int pin;
	int ret = 0;

	pthread_mutex_lock(&bus->lock);
	if (devfn < 0) {
		for (devfn = 8; devfn < 256; devfn += 8)
			if (!bus->devs[devfn])
				break;
		if (devfn >= 256) {
			ret = -ENOSPC;
			goto out;
		}
	} else if (devfn > 255 || bus->devs[devfn]) {
		ret = devfn > 255 ? -EINVAL : -EBUSY;
		goto out;
	}
	dev->bus = bus;
	dev->devfn = (uint8_t)devfn;
	/* What firmware would have written: the GSI the pin is routed to. */
	pin = dev->cfg[PCI_INTERRUPT_PIN];
	if (pin)
		dev->cfg[PCI_INTERRUPT_LINE] =
			(uint8_t)pci_intx_gsi(bus, (unsigned int)devfn >> 3, pin);
	dev->present = true;
	bus->devs[devfn] = dev;
out:
	pthread_mutex_unlock(&bus->lock);
	return ret;
}

void pci_dev_unregister(struct pci_dev *dev)
{
	struct pci_bus *bus = dev->bus;
	int i;

	if (!bus)
		return;
	pci_intx_set(dev, false);
	pthread_mutex_lock(&bus->lock);
	for (i = 0; i < PCI_NUM_BARS; i++) {
		struct pci_bar *b = &dev->bars[i];

		if (b->mapped && bus->ops->bar_map) {
			bus->ops->bar_map(bus->opaque, b, true, b->addr, false);
			if (dev->bar_listener)
				dev->bar_listener(dev->bar_listener_opaque, b,
						  true, b->addr, false);
		}
		b->mapped = false;
	}
	dev->present = false;
	bus->devs[dev->devfn] = NULL;
	pthread_mutex_unlock(&bus->lock);
	dev->bus = NULL;
}

void pci_dev_cleanup(struct pci_dev *dev)
{
	if (dev->msix.nr) {
		pthread_mutex_destroy(&dev->msix.lock);
		free(dev->msix.table);
		free(dev->msix.pba);
		dev->msix.nr = 0;
	}
}

void pci_bus_set_intx_gsi(struct pci_bus *bus, const uint32_t gsi[4])
{
	memcpy(bus->intx_gsi, gsi, sizeof(bus->intx_gsi));
}

void pci_dev_set_bar_listener(struct pci_dev *dev, pci_bar_listener_fn fn,
			      void *opaque)
{
	struct pci_bus *bus = dev->bus;

	/* Unregistered, no BAR moves: nothing to serialize against. */
	if (bus)
		pthread_mutex_lock(&bus->lock);
	dev->bar_listener = fn;
	dev->bar_listener_opaque = opaque;
	if (bus)
		pthread_mutex_unlock(&bus->lock);
}

int pci_bus_init(struct pci_bus *bus, const struct pci_host_ops *ops,
		 void *opaque)
{
	static const struct pci_host_ops no_ops;
	unsigned int i;

	memset(bus, 0, sizeof(*bus));
	pthread_mutex_init(&bus->lock, NULL);
	pthread_mutex_init(&bus->irq_lock, NULL);
	bus->ops = ops ? ops : &no_ops;
	bus->opaque = opaque;
	for (i = 0; i < PCI_INTX_PINS; i++)
		bus->intx_gsi[i] = 16 + i;
	/* 00:00.0: a host bridge with no BARs, so Linux sees a PCI root. */
	pci_dev_init(&bus->host, PCI_HOST_VENDOR, PCI_HOST_DEVICE, 0x060000, 0,
		     PCI_HOST_VENDOR, 0x1100);
	return pci_dev_register(bus, &bus->host, 0);
}

void pci_bus_destroy(struct pci_bus *bus)
{
	pci_dev_cleanup(&bus->host);
	pthread_mutex_destroy(&bus->lock);
	pthread_mutex_destroy(&bus->irq_lock);
}
