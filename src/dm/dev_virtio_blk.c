// SPDX-License-Identifier: GPL-2.0
/*
 * dev_virtio_blk.c - the VMM's own virtio-blk (src/virtio over src/pci),
 * unchanged, hosted out of process.  This file is the host glue the VMM
 * has in devices/pci_host.c and devices/virtio_devs.c, carried by the
 * ioreq protocol instead:
 *
 *   config cycles   IOREQ_TYPE_PCI_CONFIG for our SBDF -> pci_cfg_*()
 *   BAR accesses    IOREQ_TYPE_COPY / _PIO -> pci_bar_dispatch(); the
 *                   ranges follow the guest's BAR programming (bar_map)
 *   MSI(-X)         XEN_DMOP_inject_msi
 *   DMA             the VM's shared RAM (cvdm_map_guest_ram), each write
 *                   announced first with XEN_DMOP_modified_memory
 *   queue kicks     the notify BAR write reaches virtio_pci, which rings
 *                   the queue's eventfd; our loop processes the queue
 *
 *   INTx            XEN_DMOP_set_pci_intx_level, for a guest without MSI-X
 *   snapshots       our bus's and the transport's own save/load
 *                   (pci_state.c, virtio_pci_state.c) as the state blob
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dm/dm.h"
#include "pci/pci.h"
#include "virtio/virtio_pci.h"

#define VBLK_MAX_BARS	PCI_NUM_BARS

struct vblk_kick {
	struct vblk *vb;
	unsigned int q;
};

struct vblk {
	struct dm *dm;
	struct pci_bus bus;
	struct virtio_pci *vp;
	uint8_t devfn;
	uint32_t sbdf;
	struct pci_bar *mapped[VBLK_MAX_BARS];	/* decoded BARs */
	struct vblk_kick kicks[VIRTIO_PCI_MAX_QUEUES];
	unsigned int modified_errors;
};

/* Guest RAM: shared memory only; device writes are announced first. */
static void *vblk_translate(void *opaque, uint64_t gpa, uint64_t len,
			    bool write)
{
	struct vblk *vb = opaque;
	void *p;

	if (!vb->dm->gm)
		return NULL;
	p = cvdm_guest_ptr(vb->dm->gm, gpa, len);
	if (p && write && len &&
	    xendevicemodel_modified_memory(vb->dm->dmod, 0, gpa >> 12,
			(uint32_t)(((gpa + len - 1) >> 12) - (gpa >> 12) + 1)))
		vb->modified_errors++;
	return p;
}

static const struct guest_mem_ops vblk_mem_ops = {
	.translate = vblk_translate,
};

static int vblk_bar_map(void *opaque, struct pci_bar *bar, bool old_mapped,
			uint64_t old_addr, bool map)
{
	struct vblk *vb = opaque;
	bool mmio = bar->type != PCI_BAR_IOPORT;
	int ret = 0;

	if (bar->index < 0 || bar->index >= VBLK_MAX_BARS)
		return -EINVAL;
	if (old_mapped) {
		dm_unmap_range(vb->dm, mmio, old_addr, old_addr + bar->size - 1);
		vb->mapped[bar->index] = NULL;
	}
	if (map) {
		ret = dm_map_range(vb->dm, mmio, bar->addr,
				   bar->addr + bar->size - 1);
		if (!ret)
			vb->mapped[bar->index] = bar;
	}
	return ret;
}

static void vblk_send_msi(void *opaque, uint64_t addr, uint32_t data,
			  uint32_t devid)
{
	struct vblk *vb = opaque;

	xendevicemodel_inject_msi(vb->dm->dmod, 0, addr, data);
}

/* Our one-function bus swizzles like the VMM's: INTA of our slot. */
static void vblk_set_gsi(void *opaque, uint32_t gsi, int level)
{
	struct vblk *vb = opaque;
	unsigned int pin = (gsi - vb->bus.intx_gsi[0] + PCI_INTX_PINS -
			    vb->dm->slot % PCI_INTX_PINS) % PCI_INTX_PINS;

	xendevicemodel_set_pci_intx_level(vb->dm->dmod, 0, 0, 0,
					  (uint8_t)vb->dm->slot, (uint8_t)pin,
					  level != 0);
}

static const struct pci_host_ops vblk_host_ops = {
	.bar_map = vblk_bar_map,
	.send_msi = vblk_send_msi,
	.set_gsi = vblk_set_gsi,
};

static void vblk_io(void *priv, uint8_t type, uint64_t addr,
		    unsigned int size, uint64_t *data, int is_write)
{
	struct vblk *vb = priv;
	uint8_t buf[8] = { 0 };
	unsigned int i;

	if (type == IOREQ_TYPE_PCI_CONFIG) {
		if ((addr >> 32) != vb->sbdf || size > 4) {
			if (!is_write)
				*data = ~0ull;
			return;
		}
		if (is_write)
			pci_cfg_write(&vb->bus, vb->devfn, (uint32_t)addr, size,
				      (uint32_t)*data);
		else
			*data = pci_cfg_read(&vb->bus, vb->devfn,
					     (uint32_t)addr, size);
		return;
	}
	for (i = 0; i < VBLK_MAX_BARS; i++) {
		struct pci_bar *b = vb->mapped[i];

		if (!b || (b->type == PCI_BAR_IOPORT) !=
			  (type == IOREQ_TYPE_PIO) ||
		    addr < b->addr || addr - b->addr >= b->size)
			continue;
		if (is_write)
			memcpy(buf, data, size);
		pci_bar_dispatch(b, addr - b->addr, buf, size, is_write);
		if (!is_write) {
			*data = 0;
			memcpy(data, buf, size);
		}
		return;
	}
	if (!is_write)
		*data = ~0ull;
}

static void vblk_kick(void *opaque)
{
	struct vblk_kick *k = opaque;

	virtio_pci_handle_kick(k->vb->vp, k->q);
}

static int vblk_init(struct dm *dm, const struct dm_opts *opts, void **priv,
		     char *err, size_t err_len)
{
	struct virtio_dev_args args = { .tap_fd = -1 };
	struct vblk *vb;
	unsigned int q, nr;
	int ret;

	args.path = dm_opt(opts, "file");
	args.readonly = dm_opt(opts, "ro") != NULL;
	args.serial = dm_opt(opts, "serial");
	args.log = &dm->log;
	if (!args.path || !args.path[0]) {
		snprintf(err, err_len, "needs file=IMAGE");
		return -EINVAL;
	}
	if (!dm->gm) {
		snprintf(err, err_len, "the VMM offers no guest RAM for DMA");
		return -EOPNOTSUPP;
	}
	vb = calloc(1, sizeof(*vb));
	if (!vb) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	vb->dm = dm;
	vb->devfn = PCI_DEVFN(dm->slot, 0);
	vb->sbdf = XEN_DMOP_PCI_SBDF(0, 0, dm->slot, 0);
	ret = pci_bus_init(&vb->bus, &vblk_host_ops, vb);
	if (ret) {
		snprintf(err, err_len, "PCI bus: %s", strerror(-ret));
		free(vb);
		return ret;
	}
	ret = virtio_pci_create("virtio-blk", &vb->bus, vb->devfn,
				&vblk_mem_ops, vb, &args, &vb->vp, err,
				err_len);
	if (ret)
		goto fail;
	nr = virtio_pci_nr_queues(vb->vp);
	for (q = 0; q < nr && q < VIRTIO_PCI_MAX_QUEUES; q++) {
		vb->kicks[q] = (struct vblk_kick){ .vb = vb, .q = q };
		ret = dm_watch(dm, virtio_pci_kick_fd(vb->vp, q), vblk_kick,
			       &vb->kicks[q]);
		if (ret) {
			snprintf(err, err_len, "event loop: %s", strerror(-ret));
			goto fail;
		}
	}
	if (xendevicemodel_map_pcidev_to_ioreq_server(dm->dmod, 0, dm->id, 0, 0,
						      (uint8_t)dm->slot, 0)) {
		ret = -errno;
		snprintf(err, err_len, "cannot claim PCI slot %u: %s",
			 dm->slot, strerror(errno));
		goto fail;
	}
	*priv = vb;
	return 0;
fail:
	if (vb->vp)
		virtio_pci_destroy(vb->vp);
	pci_bus_destroy(&vb->bus);
	free(vb);
	return ret;
}

static void vblk_destroy(void *priv)
{
	struct vblk *vb = priv;

	virtio_pci_destroy(vb->vp);
	pci_bus_destroy(&vb->bus);
	free(vb);
}

/* Layout 1: pci_bus_save(), then virtio_pci_save(). */
static int vblk_save(void *priv, struct sbuf *out)
{
	struct vblk *vb = priv;

	pci_bus_save(&vb->bus, out);
	virtio_pci_save(vb->vp, out);
	return 0;
}

static int vblk_load(void *priv, struct sbuf *in, uint32_t version)
{
	struct vblk *vb = priv;
	int ret;

	/* Config space first: the transport's load checks against it. */
	ret = pci_bus_load(&vb->bus, in);
	if (!ret)
		ret = virtio_pci_load(vb->vp, in);
	return ret;
}

const struct dm_dev_type dm_dev_virtio_blk = {
	.name = "virtio-blk",
	.init = vblk_init,
	.io = vblk_io,
	.destroy = vblk_destroy,
	.state_version = 1,
	.save = vblk_save,
	.load = vblk_load,
};
