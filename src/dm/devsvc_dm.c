// SPDX-License-Identifier: GPL-2.0
/*
 * devsvc_dm.c - the device service API (vmm/devsvc.h) for a device that
 * runs in cvisor-dm: the same device source file as in the VMM, linked
 * against this implementation instead of vmm/devsvc.c.  Every call is
 * carried by the ioreq protocol:
 *
 *   devsvc_io_register   a range on a local bus + the same range on our
 *                        ioreq server; requests come back as bus accesses
 *   devsvc_irq_set       XEN_DMOP_set_isa_irq_level (ISA IRQs 0-15)
 *   devsvc_msi_send      XEN_DMOP_inject_msi
 *   devsvc_fd_*          cvisor-dm's event loop
 *   devsvc_dma_map       the VM's shared RAM, writes announced with
 *                        XEN_DMOP_modified_memory first
 *   devsvc_vm_stop       XEN_DMOP_remote_shutdown
 *   devsvc_component     the state blob of the state channel (snapshots,
 *                        migration); destroy at exit
 *   devsvc_time_offset,  nothing: the VMM sends these broadcasts
 *   devsvc_memory_removed
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices/devices.h"
#include "dm/dm.h"
#include "vmm/config.h"
#include "vmm/devsvc.h"

#define SVC_MAX_CLEANUPS	8

struct devsvc {
	struct dm *dm;
	struct bus bus;
	const struct component_ops *comp_ops;
	void *comp_opaque;
	unsigned int nr_cleanups;
	struct {
		void (*fn)(void *opaque);
		void *opaque;
	} cleanups[SVC_MAX_CLEANUPS];
};

int devsvc_io_register(struct devsvc *svc, enum bus_space space,
		       uint64_t base, uint64_t len,
		       const struct bus_dev_ops *ops, void *opaque)
{
	int ret = bus_register(&svc->bus, space, base, len, ops, opaque);

	if (!ret)
		ret = dm_map_range(svc->dm, space == BUS_MMIO, base,
				   base + len - 1);
	return ret;
}

int devsvc_irq_set(struct devsvc *svc, uint32_t gsi, int level)
{
	if (gsi >= 16)
		return -EINVAL;
	return xendevicemodel_set_isa_irq_level(svc->dm->dmod, 0,
						(uint8_t)gsi, level != 0) ?
	       -errno : 0;
}

int devsvc_msi_send(struct devsvc *svc, uint64_t addr, uint32_t data)
{
	return xendevicemodel_inject_msi(svc->dm->dmod, 0, addr, data) ?
	       -errno : 0;
}

int devsvc_fd_add(struct devsvc *svc, int fd, uint32_t events,
		  devsvc_fd_fn fn, void *opaque)
{
	return dm_watch_events(svc->dm, fd, events, fn, opaque);
}

int devsvc_fd_mod(struct devsvc *svc, int fd, uint32_t events)
{
	return dm_watch_mod(svc->dm, fd, events);
}

int devsvc_fd_del(struct devsvc *svc, int fd)
{
	return dm_watch_mod(svc->dm, fd, 0);
}

void *devsvc_dma_map(struct devsvc *svc, uint64_t gpa, uint64_t len,
		     bool write)
{
	struct dm *dm = svc->dm;
	void *p;

	if (!dm->gm || !len)
		return NULL;
	p = cvdm_guest_ptr(dm->gm, gpa, len);
	if (p && write &&
	    xendevicemodel_modified_memory(dm->dmod, 0, gpa >> 12,
			(uint32_t)(((gpa + len - 1) >> 12) - (gpa >> 12) + 1)))
		return NULL;
	return p;
}

int devsvc_component(struct devsvc *svc, const char *name,
		     enum comp_stage stage, const struct component_ops *ops,
		     void *opaque)
{
	if (svc->comp_ops)
		return -EEXIST;
	svc->comp_ops = ops;
	svc->comp_opaque = opaque;
	return 0;
}

int devsvc_cleanup(struct devsvc *svc, void (*fn)(void *opaque),
		   void *opaque)
{
	if (svc->nr_cleanups >= SVC_MAX_CLEANUPS)
		return -ENOSPC;
	svc->cleanups[svc->nr_cleanups].fn = fn;
	svc->cleanups[svc->nr_cleanups].opaque = opaque;
	svc->nr_cleanups++;
	return 0;
}

void devsvc_time_offset(struct devsvc *svc, int64_t delta)
{
}

void devsvc_memory_removed(struct devsvc *svc, const struct bus_ctx *ctx)
{
}

void devsvc_vm_stop(struct devsvc *svc, int status)
{
	xendevicemodel_remote_shutdown(svc->dm->dmod, 0, (unsigned int)status);
}

/*
 * Not offered to device models: SMM, SMIs and the VMM's PCI bus (a
 * model has its own bus behind its ioreq server).
 */
int devsvc_smi_raise(struct devsvc *svc, const struct bus_ctx *ctx)
{
	return -EOPNOTSUPP;
}

bool devsvc_has_smm(struct devsvc *svc)
{
	return false;
}

int devsvc_pci_register(struct devsvc *svc, struct pci_dev *dev, int devfn)
{
	return -EOPNOTSUPP;
}

int devsvc_pci_host_bridge(struct devsvc *svc, struct pci_dev *dev)
{
	return -EOPNOTSUPP;
}

/* Nor the machine introspection testdev uses. */
int devsvc_has_cap(struct devsvc *svc, unsigned int cap)
{
	return -EOPNOTSUPP;
}

int devsvc_test_memslot(struct devsvc *svc, unsigned int id, uint64_t gpa,
			uint64_t size, void *host, bool readonly)
{
	return -EOPNOTSUPP;
}

bool devsvc_ram_overlaps(struct devsvc *svc, uint64_t gpa, uint64_t size)
{
	return false;
}

bool devsvc_is_ram(struct devsvc *svc, uint64_t gpa)
{
	return false;
}

int devsvc_vcpu_state_roundtrip(struct devsvc *svc,
				const struct bus_ctx *ctx, char *part,
				size_t part_len)
{
	return -EOPNOTSUPP;
}

int devsvc_ram_scan(struct devsvc *svc, uint64_t *pat, size_t n)
{
	return -EOPNOTSUPP;
}

int devsvc_pam_set(struct devsvc *svc, unsigned int seg, uint8_t attr)
{
	return -EOPNOTSUPP;
}

int devsvc_smram_set(struct devsvc *svc, bool in_smm, bool outside_smm)
{
	return -EOPNOTSUPP;
}

void devsvc_vm_fail(struct devsvc *svc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(&svc->dm->log, LOG_LEVEL_WARN, "dm", fmt, ap);
	va_end(ap);
	devsvc_vm_stop(svc, 125);
}

/* cvisor has no reboot: a reset is a shutdown with status 0. */
void devsvc_reset_request(struct devsvc *svc)
{
	devsvc_vm_stop(svc, 0);
}

void devsvc_log(struct devsvc *svc, enum log_level level,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(&svc->dm->log, level, "dm", fmt, ap);
	va_end(ap);
}

uint64_t devsvc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------- devsvc devices as dm devices */

static const struct {
	const char *name;
	int (*init)(struct devsvc *svc, const struct vm_config *cfg,
		    char *err, size_t err_len);
} svc_devices[] = {
	{ "serial", serial_init },
};

static void svc_io(void *priv, uint8_t type, uint64_t addr, unsigned int size,
		   uint64_t *data, int is_write)
{
	struct devsvc *svc = priv;
	struct bus_ctx ctx = { 0 };
	uint8_t buf[8];
	unsigned int i;
	uint64_t v = 0;

	if (type == IOREQ_TYPE_PCI_CONFIG || size > 8) {
		if (!is_write)
			*data = ~0ull;
		return;
	}
	for (i = 0; i < size; i++)
		buf[i] = (uint8_t)(*data >> (8 * i));
	bus_access(&svc->bus, type == IOREQ_TYPE_PIO ? BUS_PIO : BUS_MMIO,
		   addr, buf, size, is_write, &ctx);
	if (is_write)
		return;
	for (i = size; i--;)
		v = v << 8 | buf[i];
	*data = v;
}

static int svc_init(struct dm *dm, const char *name, void **priv, char *err,
		    size_t err_len)
{
	struct vm_config cfg = { .console = VM_CONSOLE_SERIAL };
	struct devsvc *svc;
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(svc_devices) / sizeof(svc_devices[0]); i++)
		if (!strcmp(svc_devices[i].name, name))
			break;
	if (i == sizeof(svc_devices) / sizeof(svc_devices[0])) {
		snprintf(err, err_len, "no such device");
		return -ENOENT;
	}
	svc = calloc(1, sizeof(*svc));
	if (!svc) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	svc->dm = dm;
	ret = bus_init(&svc->bus);
	if (!ret)
		ret = svc_devices[i].init(svc, &cfg, err, err_len);
	if (ret) {
		if (!err[0])
			snprintf(err, err_len, "%s", strerror(-ret));
		free(svc);
		return ret;
	}
	*priv = svc;
	return 0;
}

static void svc_destroy(void *priv)
{
	struct devsvc *svc = priv;

	while (svc->nr_cleanups--)
		svc->cleanups[svc->nr_cleanups].fn(
			svc->cleanups[svc->nr_cleanups].opaque);
	if (svc->comp_ops && svc->comp_ops->destroy)
		svc->comp_ops->destroy(svc->comp_opaque);
	bus_destroy(&svc->bus);
	free(svc);
}

/* Layout 1: the component's section version (u32), then its section. */
static int svc_save(void *priv, struct sbuf *out)
{
	struct devsvc *svc = priv;

	if (!svc->comp_ops || !svc->comp_ops->save)
		return -EOPNOTSUPP;
	sbuf_put_u32(out, svc->comp_ops->version);
	return svc->comp_ops->save(svc->comp_opaque, out);
}

static int svc_load(void *priv, struct sbuf *in, uint32_t version)
{
	struct devsvc *svc = priv;
	uint32_t v;

	if (!svc->comp_ops || !svc->comp_ops->load)
		return -EOPNOTSUPP;
	v = sbuf_get_u32(in);
	if (sbuf_error(in))
		return sbuf_error(in);
	if (!v || v > svc->comp_ops->version)
		return -EINVAL;
	return svc->comp_ops->load(svc->comp_opaque, in, v);
}

static int serial_dm_init(struct dm *dm, const struct dm_opts *opts,
			  void **priv, char *err, size_t err_len)
{
	return svc_init(dm, "serial", priv, err, err_len);
}

const struct dm_dev_type dm_dev_serial = {
	.name = "serial",
	.init = serial_dm_init,
	.io = svc_io,
	.destroy = svc_destroy,
	.state_version = 1,
	.save = svc_save,
	.load = svc_load,
};
