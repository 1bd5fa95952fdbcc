// SPDX-License-Identifier: GPL-2.0
/*
 * pci_host.c - the PCI host bridge: bus 0 (src/pci) on config mechanism
 * #1 (0xCF8/0xCFC) and ECAM (LAYOUT_ECAM_BASE, bus 0 decoded), BARs on
 * the VMM bus, INTx on IOAPIC GSIs and MSI-X through the irqchip.
 *
 * The bus object lives here and is the machine's bus 0 through
 * devsvc_pci_bus_provide(); everything else is the device service API.
 *
 * MSI-X delivery: when the machine has MSI routes (devsvc_has_msi_routes:
 * an irqchip with GSI routing and irqfds), each vector the guest programs
 * gets a route of its own; the route follows the table entry
 * (pci_host_ops.msix_update) and a delivery is one eventfd write.
 * Otherwise, or when routes run out, a vector is delivered with
 * devsvc_msi_send().  Masking and pending bits stay in src/pci either
 * way, so both paths deliver exactly the same messages.
 *
 * Ownership of the route eventfds: created here on first use, written by
 * whoever sends the vector (the event loop for virtio queues), closed at
 * vm_destroy() after the VM (and with it every irqfd binding) is gone.
 * Per-device vector state is guarded by that device's msix.lock, which
 * src/pci holds around both hooks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "boot/e820.h"
#include "devices/devices.h"
#include "pci/pci.h"
#include "vmm/devsvc.h"

struct host_vec {
	int efd;		/* the route's eventfd, -1 if none */
	int route;
	bool routed;		/* the route's message is the entry's */
	bool failed;		/* no route for this vector: devsvc_msi_send */
};

struct pci_host {
	struct devsvc *svc;
	struct pci_bus bus;
	bool bus_ready;
	bool use_irqfd;
	struct host_vec *vecs[256];	/* by devfn, msix.nr entries */
	unsigned int nr_vecs[256];
};

static int host_bar_map(void *opaque, struct pci_bar *bar, bool old_mapped,
			uint64_t old_addr, bool map)
{
	struct pci_host *ph = opaque;
	enum bus_space sp = bar->type == PCI_BAR_IOPORT ? BUS_PIO : BUS_MMIO;
	int ret = 0;

	if (old_mapped)
		devsvc_io_unregister(ph->svc, sp, old_addr);
	if (map)
		ret = devsvc_io_register(ph->svc, sp, bar->addr, bar->size,
					 &pci_bar_bus_ops, bar);
	return ret;
}

static void host_set_gsi(void *opaque, uint32_t gsi, int level)
{
	struct pci_host *ph = opaque;

	devsvc_irq_set(ph->svc, gsi, level);
}

static void host_send_msi(void *opaque, uint64_t addr, uint32_t data,
			  uint32_t devid)
{
	struct pci_host *ph = opaque;

	devsvc_msi_send(ph->svc, addr, data);
}

/* Device's msix.lock held. */
static struct host_vec *host_vec(struct pci_host *ph, struct pci_dev *dev,
				 unsigned int vec, bool create)
{
	struct host_vec *v = ph->vecs[dev->devfn];
	unsigned int i;

	if (!v) {
		if (!create || !dev->msix.nr)
			return NULL;
		v = calloc(dev->msix.nr, sizeof(*v));
		if (!v)
			return NULL;
		for (i = 0; i < dev->msix.nr; i++)
			v[i].efd = -1;
		ph->vecs[dev->devfn] = v;
		ph->nr_vecs[dev->devfn] = dev->msix.nr;
	}
	return vec < ph->nr_vecs[dev->devfn] ? &v[vec] : NULL;
}

static void host_vec_bind(struct pci_host *ph, struct host_vec *v)
{
	int route;

	v->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->efd < 0)
		goto fail;
	route = devsvc_msi_route_add(ph->svc, v->efd);
	if (route < 0) {
		close(v->efd);
		v->efd = -1;
		goto fail;
	}
	v->route = route;
	return;
fail:
	/* Not fatal: this vector uses devsvc_msi_send() from now on. */
	v->failed = true;
}

static void host_msix_update(void *opaque, struct pci_dev *dev,
			     unsigned int vec, uint64_t addr, uint32_t data,
			     bool masked)
{
	struct pci_host *ph = opaque;
	struct host_vec *v;

	if (!ph->use_irqfd)
		return;
	v = host_vec(ph, dev, vec, true);
	if (!v || v->failed)
		return;
	/* A vector that was never given a message needs no GSI yet. */
	if (v->efd < 0 && !addr && !data)
		return;
	if (v->efd < 0)
		host_vec_bind(ph, v);
	if (v->efd >= 0)
		v->routed = !devsvc_msi_route_set(ph->svc, v->route, addr,
						  data);
}

static void host_send_msix(void *opaque, struct pci_dev *dev,
			   unsigned int vec, uint64_t addr, uint32_t data)
{
	struct pci_host *ph = opaque;
	struct host_vec *v = ph->use_irqfd ? host_vec(ph, dev, vec, false) :
					     NULL;
	uint64_t one = 1;

	if (v && v->efd >= 0 && v->routed &&
	    write(v->efd, &one, sizeof(one)) == sizeof(one))
		return;
	devsvc_msi_send(ph->svc, addr, data);
}

#define RCR_SYS_RST	0x02	/* 1: hard reset, 0: soft (INIT only) */
#define RCR_RST_CPU	0x04	/* 0 -> 1 starts the reset */

/*
 * The chipset's reset control register at 0xCF9 (the FADT's RESET_REG,
 * value 0x06) sits inside the configuration latch's range.  Both a soft
 * and a hard reset restart the guest from scratch; the last value written
 * is part of the "pci" section (pci_bus.rcr).
 */
static void host_reset_control(void *opaque, uint8_t val)
{
	struct pci_host *ph = opaque;

	if (val & RCR_RST_CPU)
		devsvc_reset_request(ph->svc);
}

/* Functions on bus 0 that no in-process device took: ioreq servers. */
static bool host_cfg_forward(void *opaque, const struct bus_ctx *ctx,
			     uint8_t devfn, uint32_t reg, unsigned int len,
			     bool is_write, uint32_t *val)
{
	struct pci_host *ph = opaque;

	return devsvc_pci_cfg_forward(ph->svc, ctx, devfn, reg, len, is_write,
				      val);
}

static const struct pci_host_ops host_ops = {
	.cfg_forward = host_cfg_forward,
	.bar_map = host_bar_map,
	.set_gsi = host_set_gsi,
	.send_msi = host_send_msi,
	.send_msix = host_send_msix,
	.msix_update = host_msix_update,
	.reset_control = host_reset_control,
};

/* ------------------------------------------------------------ lifecycle */

static void pci_host_reset(void *opaque)
{
	struct pci_host *ph = opaque;

	pci_bus_reset(&ph->bus);
}

/* Version 1: pci_bus_save()'s layout (src/pci/pci_state.c). */
static int pci_host_save(void *opaque, struct sbuf *out)
{
	struct pci_host *ph = opaque;

	pci_bus_save(&ph->bus, out);
	return 0;
}

static int pci_host_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct pci_host *ph = opaque;

	return pci_bus_load(&ph->bus, in);
}

/*
 * At vm_destroy(), after the backend VM and every function registered
 * later (they leave the bus first, in reverse order): no irqfd binding
 * refers to the eventfds any more.
 */
static void pci_host_destroy(void *opaque)
{
	struct pci_host *ph = opaque;
	unsigned int d, i;

	for (d = 0; d < 256; d++) {
		for (i = 0; ph->vecs[d] && i < ph->nr_vecs[d]; i++)
			if (ph->vecs[d][i].efd >= 0)
				close(ph->vecs[d][i].efd);
		free(ph->vecs[d]);
	}
	if (ph->bus_ready)
		pci_bus_destroy(&ph->bus);
	free(ph);
}

static const struct component_ops pci_host_comp_ops = {
	.version = 1,
	.reset = pci_host_reset,
	.save = pci_host_save,
	.load = pci_host_load,
	.destroy = pci_host_destroy,
};

int pci_host_init(struct devsvc *svc, const struct vm_config *cfg,
		  char *err, size_t err_len)
{
	struct pci_host *ph = calloc(1, sizeof(*ph));
	int ret;

	if (!ph)
		return -ENOMEM;
	ph->svc = svc;
	ph->use_irqfd = devsvc_has_msi_routes(svc);
	ret = pci_bus_init(&ph->bus, &host_ops, ph);
	if (ret) {
		free(ph);
		return ret;
	}
	ph->bus_ready = true;
	/*
	 * Config space of every function, the devices' own state after it.
	 * From here on the component's destroy frees ph.
	 */
	ret = devsvc_component(svc, "pci", COMP_STAGE_PCI, &pci_host_comp_ops,
			       ph);
	if (ret) {
		pci_host_destroy(ph);
		return ret;
	}
	ret = devsvc_pci_bus_provide(svc, &ph->bus);
	if (!ret)
		ret = devsvc_io_register(svc, BUS_PIO, PCI_CF8_PORT,
					 PCI_CF8_LEN, &pci_cf8_bus_ops,
					 &ph->bus);
	if (!ret)
		ret = devsvc_io_register(svc, BUS_MMIO, LAYOUT_ECAM_BASE,
					 PCI_ECAM_SIZE, &pci_ecam_bus_ops,
					 &ph->bus);
	return ret;
}
