// SPDX-License-Identifier: GPL-2.0
/*
 * devices.c - the device list.  Add a device with one line here.
 */
#include "devices/devices.h"
#include "lib/compiler.h"

/* Build order; "after"/"before" notes are dependencies between entries. */
const struct dev_entry devices[] = {
	{ "serial",	serial_init },
	{ "debug-exit",	debug_exit_init },
	{ "fw_cfg",	fw_cfg_init },
	{ "poweroff",	poweroff_init },
	{ "testdev",	testdev_init },	/* no-op without --testdev */
	{ "pc-testdev",	pc_testdev_init },	/* no-op without --testdev */
	{ "acpi-pm",	acpi_pm_init },
	{ "rtc",	rtc_init },
	{ "boot-done",	bootdone_init },
	{ "pci-host",	pci_host_init },	/* PCI bus 0: before any function */
	{ "i440fx",	i440fx_init },	/* --firmware: after pci-host */
	{ "piix",	piix_init },	/* --firmware: 00:01.x, before virtio */
	{ "i8042",	i8042_init },	/* --firmware only */
	{ "debugcon",	debugcon_init },	/* with --debugcon */
	{ "virtio",	virtio_devs_init },	/* after pci-host */
	{ "hv-syndbg",	hv_syndbg_init },	/* no-op without --hyperv syndbg */
};
const size_t nr_devices = ARRAY_SIZE(devices);

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
