// SPDX-License-Identifier: GPL-2.0
/*
 * devices.c - the device list.  Add a device with one line here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "devices/devices.h"
#include "lib/compiler.h"
#include "vmm/devsvc.h"
#include "vmm/vm.h"

static const struct {
	const char *name;
	dev_init_fn init;
	dev_vm_init_fn vm_init;		/* machine-internal (devices.h) */
} devices[] = {
	{ "serial",	serial_init },
	{ "debug-exit",	debug_exit_init },
	{ "fw_cfg",	fw_cfg_init },
	{ "poweroff",	poweroff_init },
	{ "testdev",	testdev_init },	/* no-op without --testdev */
	{ "pc-testdev",	pc_testdev_init },	/* no-op without --testdev */
	{ "acpi-pm",	acpi_pm_init },
	{ "rtc",	rtc_init },
	{ "boot-done",	bootdone_init },
	{ "pci-host",	NULL, pci_host_init },
	{ "i440fx",	i440fx_init },	/* --firmware: after pci-host */
	{ "piix",	piix_init },	/* --firmware: 00:01.x, before virtio */
	{ "i8042",	i8042_init },	/* --firmware only */
	{ "debugcon",	debugcon_init },	/* with --debugcon */
	{ "virtio",	NULL, virtio_devs_init },	/* after pci-host */
	{ "hv-syndbg",	hv_syndbg_init },	/* no-op without --hyperv syndbg */
};

static int stateless_save(void *opaque, struct sbuf *out)
{
	return 0;
}

static int stateless_load(void *opaque, struct sbuf *in, uint32_t version)
{
	return 0;
}

const struct component_ops dev_stateless_ops = {
	.version = 1,
	.save = stateless_save,
	.load = stateless_load,
};

int devices_init(struct vm *vm, char *err, size_t err_len)
{
	struct devsvc *svc;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(devices); i++) {
		err[0] = '\0';
		/* A device model serves it out of process instead. */
		if (vm_device_model_replaces(&vm->cfg, devices[i].name))
			continue;
		if (devices[i].init) {
			svc = devsvc_create(vm, devices[i].name);
			ret = svc ? devices[i].init(svc, &vm->cfg, err, err_len) :
				    -ENOMEM;
		} else {
			ret = devices[i].vm_init(vm, err, err_len);
		}
		if (ret) {
			if (!err[0])
				snprintf(err, err_len, "%s: %s",
					 devices[i].name, strerror(-ret));
			return ret;
		}
	}
	return 0;
}
