// SPDX-License-Identifier: GPL-2.0
/*
 * pci_state.c - bus 0's guest-visible state for snapshots: the CF8
 * latch, and per function its config space, MSI-X table and pending
 * bits, and INTx level.  The functions themselves (identity, BAR sizes,
 * capabilities) come from the machine configuration, which a restore
 * recreates; a load into a bus with other functions is refused.
 *
 * Only the guest-writable bits of config space are taken from an image
 * (wmask and w1cmask): everything else is the device's own, and an image
 * cannot change a vendor ID or a BAR size.  Derived state (BAR decode,
 * bus master, INTx disable, MSI-X enable) is recomputed from the loaded
 * bytes, and the host sees every BAR mapping and MSI-X route again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pci/internal.h"
#include "pci/pci.h"

static bool pci_dev_present(const struct pci_bus *bus, unsigned int devfn)
{
	return bus->devs[devfn] && bus->devs[devfn]->present;
}

/*
 * Version 1: cf8 (u32), rcr (u8), number of functions (u16); per
 * function in devfn order: devfn (u8), cfg_size (u16), config space
 * (cfg_size bytes), MSI-X vectors (u16), per vector addr_lo, addr_hi,
 * data, ctrl (u32 each), the pending bits ((vectors + 63) / 64 u64),
 * INTx level (bool).
 */
void pci_bus_save(struct pci_bus *bus, struct sbuf *out)
{
	unsigned int d, v, n = 0;

	pthread_mutex_lock(&bus->lock);
	for (d = 0; d < 256; d++)
		n += pci_dev_present(bus, d);
	sbuf_put_u32(out, bus->cf8);
	sbuf_put_u8(out, atomic_load(&bus->rcr));
	sbuf_put_u16(out, (uint16_t)n);
	for (d = 0; d < 256; d++) {
		struct pci_dev *dev = bus->devs[d];
		struct pci_msix *m;

		if (!pci_dev_present(bus, d))
			continue;
		m = &dev->msix;
		sbuf_put_u8(out, (uint8_t)d);
		sbuf_put_u16(out, (uint16_t)dev->cfg_size);
		sbuf_put_bytes(out, dev->cfg, dev->cfg_size);
		sbuf_put_u16(out, (uint16_t)m->nr);
		if (m->nr)
			pthread_mutex_lock(&m->lock);
		for (v = 0; v < m->nr; v++) {
			sbuf_put_u32(out, m->table[v].addr_lo);
			sbuf_put_u32(out, m->table[v].addr_hi);
			sbuf_put_u32(out, m->table[v].data);
			sbuf_put_u32(out, m->table[v].ctrl);
		}
		for (v = 0; v < (m->nr + 63) / 64; v++)
			sbuf_put_u64(out, m->pba[v]);
		if (m->nr)
			pthread_mutex_unlock(&m->lock);
		pthread_mutex_lock(&bus->irq_lock);
		sbuf_put_bool(out, dev->intx_level);
		pthread_mutex_unlock(&bus->irq_lock);
	}
	pthread_mutex_unlock(&bus->lock);
}

/* One function's image, parsed and checked before anything is applied. */
struct fn_image {
	uint8_t devfn;
	uint8_t cfg[PCI_CFG_EXT_SIZE];
	struct pci_msix_entry *table;
	uint64_t *pba;
	bool intx_level;
};

static int fn_parse(struct pci_bus *bus, struct sbuf *in, int prev,
		    struct fn_image *f)
{
	struct pci_dev *dev;
	unsigned int v, size, nr;

	f->devfn = sbuf_get_u8(in);
	size = sbuf_get_u16(in);
	if (sbuf_error(in))
		return sbuf_error(in);
	/* Strictly increasing devfns, each one a function we have. */
	if ((int)f->devfn <= prev || !pci_dev_present(bus, f->devfn))
		return -EINVAL;
	dev = bus->devs[f->devfn];
	if (size != dev->cfg_size)
		return -EINVAL;
	sbuf_get_bytes(in, f->cfg, size);
	nr = sbuf_get_u16(in);
	if (sbuf_error(in))
		return sbuf_error(in);
	if (nr != dev->msix.nr)
		return -EINVAL;
	if (nr) {
		f->table = calloc(nr, sizeof(*f->table));
		f->pba = calloc((nr + 63) / 64, sizeof(*f->pba));
		if (!f->table || !f->pba)
			return -ENOMEM;
	}
	for (v = 0; v < nr; v++) {
		f->table[v].addr_lo = sbuf_get_u32(in) & ~3u;
		f->table[v].addr_hi = sbuf_get_u32(in);
		f->table[v].data = sbuf_get_u32(in);
		f->table[v].ctrl = sbuf_get_u32(in) & 1;
	}
	for (v = 0; v < (nr + 63) / 64; v++)
		f->pba[v] = sbuf_get_u64(in);
	/* Pending bits beyond the last vector do not exist. */
	if (nr % 64 && f->pba[(nr - 1) / 64] >> (nr % 64))
		return -EINVAL;
	f->intx_level = sbuf_get_bool(in);
	return sbuf_error(in);
}

/* bus->lock held. */
static void fn_apply(struct pci_bus *bus, const struct fn_image *f)
{
	struct pci_dev *dev = bus->devs[f->devfn];
	struct pci_msix *m = &dev->msix;
	unsigned int i, v;
	uint16_t cmd;

	for (i = 0; i < dev->cfg_size; i++) {
		uint8_t mask = dev->wmask[i] | dev->w1cmask[i];

		dev->cfg[i] = (uint8_t)((dev->cfg[i] & ~mask) |
					(f->cfg[i] & mask));
	}
	cmd = (uint16_t)pci_cfg_get(dev, PCI_COMMAND, 2);
	atomic_store_explicit(&dev->master, cmd & PCI_COMMAND_MASTER,
			      memory_order_release);
	pci_intx_set_disabled(dev, cmd & PCI_COMMAND_INTX_DISABLE);
	pci_bars_update(dev);
	if (m->nr) {
		pthread_mutex_lock(&m->lock);
		memcpy(m->table, f->table, m->nr * sizeof(*m->table));
		memcpy(m->pba, f->pba, (m->nr + 63) / 64 * sizeof(*m->pba));
		/* The host rebuilds its per-vector routes (irqfd GSIs). */
		for (v = 0; bus->ops->msix_update && v < m->nr; v++)
			bus->ops->msix_update(bus->opaque, dev, v,
					      (uint64_t)m->table[v].addr_hi << 32 |
					      m->table[v].addr_lo,
					      m->table[v].data,
					      m->table[v].ctrl & 1);
		pthread_mutex_unlock(&m->lock);
		pci_msix_control_written(dev);
	}
	/* The level the device drove (a no-op when unchanged). */
	pci_intx_set(dev, f->intx_level);
}

int pci_bus_load(struct pci_bus *bus, struct sbuf *in)
{
	struct fn_image *f = NULL;
	unsigned int i, n, have = 0;
	uint32_t cf8;
	uint8_t rcr;
	int ret = 0, prev = -1;

	cf8 = sbuf_get_u32(in);
	rcr = sbuf_get_u8(in);
	n = sbuf_get_u16(in);
	if (sbuf_error(in))
		return sbuf_error(in);
	for (i = 0; i < 256; i++)
		have += pci_dev_present(bus, i);
	/* The same functions as this machine, or it is another machine. */
	if (n != have)
		return -EINVAL;
	f = calloc(n ? n : 1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++) {
		ret = fn_parse(bus, in, prev, &f[i]);
		prev = f[i].devfn;
	}
	if (!ret) {
		pthread_mutex_lock(&bus->lock);
		bus->cf8 = cf8 & 0x80fffffcu;	/* as the latch stores it */
		atomic_store(&bus->rcr, rcr);
		for (i = 0; i < n; i++)
			fn_apply(bus, &f[i]);
		pthread_mutex_unlock(&bus->lock);
	}
	for (i = 0; i < n; i++) {
		free(f[i].table);
		free(f[i].pba);
	}
	free(f);
	return ret;
}

/*
 * Power-on: every guest-writable bit clear (BARs unassigned, decoding
 * off) except the interrupt line, which holds the routed GSI as
 * pci_dev_register() left it; MSI-X vectors masked with nothing
 * pending, INTx low.
 */
void pci_bus_reset(struct pci_bus *bus)
{
	struct fn_image *f;
	unsigned int d, v;

	f = calloc(1, sizeof(*f));
	if (!f)
		return;
	pthread_mutex_lock(&bus->lock);
	bus->cf8 = 0;
	atomic_store(&bus->rcr, 0);
	for (d = 0; d < 256; d++) {
		struct pci_dev *dev = bus->devs[d];

		if (!pci_dev_present(bus, d))
			continue;
		memset(f, 0, sizeof(*f));
		f->devfn = (uint8_t)d;
		if (dev->cfg[PCI_INTERRUPT_PIN])
			f->cfg[PCI_INTERRUPT_LINE] = (uint8_t)pci_intx_gsi(bus,
				d >> 3, dev->cfg[PCI_INTERRUPT_PIN]);
		if (dev->msix.nr) {
			f->table = calloc(dev->msix.nr, sizeof(*f->table));
			f->pba = calloc((dev->msix.nr + 63) / 64,
					sizeof(*f->pba));
			if (!f->table || !f->pba) {
				free(f->table);
				free(f->pba);
				continue;
			}
			for (v = 0; v < dev->msix.nr; v++)
				f->table[v].ctrl = 1;
		}
		fn_apply(bus, f);
		free(f->table);
		free(f->pba);
	}
	pthread_mutex_unlock(&bus->lock);
	free(f);
}
