/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devices.h - the machine's devices.
 *
 * The rule: a new device is one file and one registration.  The file has
 * one init function of type dev_init_fn and the line goes into the table
 * in devices.c.  Init receives the device service API (vmm/devsvc.h) and
 * the configuration, never the machine itself; it registers the device's state as
 * a component (reset, save, load, destroy next to the state), so the
 * device is snapshot-ready by construction.  A device without state
 * registers dev_stateless_ops: its section is empty, but it is listed.
 *
 * The PCI host bridge and the virtio wiring are devices like the others:
 * the bus, BAR mapping, irqfd routes and ioeventfds all go through the
 * service API.  The smallest device, poweroff.c, is the template for a
 * new one.
 */
#ifndef CVISOR_DEVICES_H
#define CVISOR_DEVICES_H

#include <stddef.h>

#include "vmm/component.h"

struct devsvc;
struct vm_config;

typedef int (*dev_init_fn)(struct devsvc *svc, const struct vm_config *cfg,
			   char *err, size_t err_len);

/* The table: the machine builds its devices from it, in this order. */
struct dev_entry {
	const char *name;
	dev_init_fn init;
};
extern const struct dev_entry devices[];
extern const size_t nr_devices;

/* Component ops for a device that holds no guest-visible state. */
extern const struct component_ops dev_stateless_ops;

int serial_init(struct devsvc *svc, const struct vm_config *cfg, char *err,
		size_t err_len);
int pc_testdev_init(struct devsvc *svc, const struct vm_config *cfg,
		    char *err, size_t err_len);
int debug_exit_init(struct devsvc *svc, const struct vm_config *cfg,
		    char *err, size_t err_len);
int fw_cfg_init(struct devsvc *svc, const struct vm_config *cfg, char *err,
		size_t err_len);
int poweroff_init(struct devsvc *svc, const struct vm_config *cfg,
		  char *err, size_t err_len);
int acpi_pm_init(struct devsvc *svc, const struct vm_config *cfg,
		 char *err, size_t err_len);
int rtc_init(struct devsvc *svc, const struct vm_config *cfg, char *err,
	     size_t err_len);
int bootdone_init(struct devsvc *svc, const struct vm_config *cfg,
		  char *err, size_t err_len);
int hv_syndbg_init(struct devsvc *svc, const struct vm_config *cfg,
		   char *err, size_t err_len);

int i8042_init(struct devsvc *svc, const struct vm_config *cfg, char *err,
	       size_t err_len);
int debugcon_init(struct devsvc *svc, const struct vm_config *cfg,
		  char *err, size_t err_len);

int testdev_init(struct devsvc *svc, const struct vm_config *cfg, char *err,
		 size_t err_len);
int pci_host_init(struct devsvc *svc, const struct vm_config *cfg,
		  char *err, size_t err_len);
int i440fx_init(struct devsvc *svc, const struct vm_config *cfg, char *err,
		size_t err_len);
int piix_init(struct devsvc *svc, const struct vm_config *cfg, char *err,
	      size_t err_len);

int virtio_devs_init(struct devsvc *svc, const struct vm_config *cfg,
		     char *err, size_t err_len);

#endif
