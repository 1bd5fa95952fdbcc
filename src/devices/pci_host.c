// SPDX-License-Identifier: GPL-2.0
/*
 * pci_host.c - the PCI host bridge: bus 0 (src/pci) on config mechanism
 * #1 (0xCF8/0xCFC) and ECAM (LAYOUT_ECAM_BASE, bus 0 decoded), BARs on
 * the VMM bus, INTx on IOAPIC GSIs and MSI-X through the irqchip.
 *
 * MSI-X delivery: with an irqchip, GSI routing and irqfd (capabilities,
 * never the backend's name), each vector the guest programs gets its own
 * GSI with an MSI route and an irqfd; the route follows the table entry
 * (pci_host_ops.msix_update) and a delivery is one eventfd write.
 * Otherwise, or when GSIs run out, a vector is delivered with
 * hv_signal_msi().  Masking and pending bits stay in src/pci either way,
 * so both paths deliver exactly the same messages.
 *
 * Ownership of the irqfd eventfds: created here on first use, written by
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

#include "devices/devices.h"
#include "vmm/vm.h"

struct host_vec {
	int efd;		/* irqfd eventfd, -1 if none */
	uint32_t gsi;
	bool routed;		/* the GSI's MSI route is the entry's message */
	bool failed;		/* no irqfd for this vector: signal_msi */
};

struct pci_host {
	struct vm *vm;
	bool use_irqfd;
	struct host_vec *vecs[256];	/* by devfn, msix.nr entries */
	unsigned int nr_vecs[256];
};

static int host_bar_map(void *opaque, struct pci_bar *bar, bool old_mapped,
			uint64_t old_addr, bool map)
{
	struct pci_host *ph = opaque;
	struct vm *vm = ph->vm;
	enum bus_space sp = bar->type == PCI_BAR_IOPORT ? BUS_PIO : BUS_MMIO;
	int ret = 0;

	if (old_mapped)
		bus_unregister(&vm->bus, sp, old_addr);
	if (map)
		ret = bus_register(&vm->bus, sp, bar->addr, bar->size,
				   &pci_bar_bus_ops, bar);
	return ret;
}

static void host_set_gsi(void *opaque, uint32_t gsi, int level)
{
	struct pci_host *ph = opaque;

	vm_irq_line(ph->vm, gsi, level);
}

static void host_send_msi(void *opaque, uint64_t addr, uint32_t data,
			  uint32_t devid)
{
	struct pci_host *ph = opaque;

	vm_signal_msi(ph->vm, addr, data);
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
	struct kvm_irqfd irqfd = { 0 };
	uint32_t gsi;

	if (vm_irq_alloc_msi_gsi(ph->vm, &gsi))
		goto fail;
	v->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->efd < 0)
		goto fail;
	irqfd.fd = (uint32_t)v->efd;
	irqfd.gsi = gsi;
	if (hv_irqfd(ph->vm->hv_vm, &irqfd)) {
		close(v->efd);
		v->efd = -1;
		goto fail;
	}
	v->gsi = gsi;
	return;
fail:
	/* Not fatal: this vector uses hv_signal_msi() from now on. */
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
		v->routed = !vm_irq_set_msi_route(ph->vm, v->gsi, addr, data);
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
	vm_signal_msi(ph->vm, addr, data);
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
		vm_reset_request(ph->vm);
}

/* Functions on bus 0 that no in-process device took: ioreq servers. */
static bool host_cfg_forward(void *opaque, const struct bus_ctx *ctx,
			     uint8_t devfn, uint32_t reg, unsigned int len,
			     bool is_write, uint32_t *val)
{
	struct pci_host *ph = opaque;
	uint64_t sbdf = XEN_DMOP_PCI_SBDF(0, 0, devfn >> 3, devfn & 7);
	uint8_t data[4];

	bus_put_le(data, 4, *val);
	if (!vm_ioreq_access(ph->vm, ctx, IOREQ_TYPE_PCI_CONFIG,
			     sbdf << 32 | reg, data, len, is_write))
		return false;
	*val = (uint32_t)bus_get_le(data, len);
	return true;
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

static void pci_host_free(struct vm *vm, void *opaque)
{
	struct pci_host *ph = opaque;
	unsigned int d, i;

	/* The VM is gone: no irqfd binding refers to these eventfds. */
	for (d = 0; d < 256; d++) {
		for (i = 0; ph->vecs[d] && i < ph->nr_vecs[d]; i++)
			if (ph->vecs[d][i].efd >= 0)
				close(ph->vecs[d][i].efd);
		free(ph->vecs[d]);
	}
	if (vm->pci_ready)
		pci_bus_destroy(&vm->pci);
	vm->pci_ready = false;
	free(ph);
}

/* ------------------------------------------------------------ lifecycle */

static void pci_host_reset(void *opaque)
{
	struct pci_host *ph = opaque;

	pci_bus_reset(&ph->vm->pci);
}

/* Version 1: pci_bus_save()'s layout (src/pci/pci_state.c). */
static int pci_host_save(void *opaque, struct sbuf *out)
{
	struct pci_host *ph = opaque;

	pci_bus_save(&ph->vm->pci, out);
	return 0;
}

static int pci_host_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct pci_host *ph = opaque;

	return pci_bus_load(&ph->vm->pci, in);
}

static const struct component_ops pci_host_comp_ops = {
	.version = 1,
	.reset = pci_host_reset,
	.save = pci_host_save,
	.load = pci_host_load,
};

int pci_host_init(struct vm *vm, char *err, size_t err_len)
{
	struct pci_host *ph = calloc(1, sizeof(*ph));
	int ret;

	if (!ph)
		return -ENOMEM;
	ph->vm = vm;
	ph->use_irqfd = vm->has_irqchip && vm->irq.routing &&
			hv_check_cap(vm->hv, HV_CAP_IRQFD) > 0;
	ret = vm_add_cleanup(vm, pci_host_free, ph);
	if (ret) {
		free(ph);
		return ret;
	}
	ret = pci_bus_init(&vm->pci, &host_ops, ph);
	if (ret)
		return ret;
	vm->pci_ready = true;
	/* Config space of every function, the devices' own state after it. */
	ret = vm_component_add(vm, "pci", COMP_STAGE_PCI, &pci_host_comp_ops,
			       ph);
	if (ret)
		return ret;
	ret = bus_register(&vm->bus, BUS_PIO, PCI_CF8_PORT, PCI_CF8_LEN,
			   &pci_cf8_bus_ops, &vm->pci);
	if (!ret)
		ret = bus_register(&vm->bus, BUS_MMIO, LAYOUT_ECAM_BASE,
				   PCI_ECAM_SIZE, &pci_ecam_bus_ops, &vm->pci);
	return ret;
}
