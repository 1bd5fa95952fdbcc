// SPDX-License-Identifier: GPL-2.0
/*
 * devices.c - the device list.  Add a device with one line here.
 */
#include <stdio.h>
#include <string.h>

#include "devices/devices.h"
#include "lib/compiler.h"

static const struct {
	const char *name;
	int (*init)(struct vm *vm, char *err, size_t err_len);
} devices[] = {
	{ "serial",	serial_init },
	{ "debug-exit",	debug_exit_init },
	{ "fw_cfg",	fw_cfg_init },
	{ "poweroff",	poweroff_init },
	{ "testdev",	testdev_init },	/* no-op without --testdev */
	{ "acpi-pm",	acpi_pm_init },
	{ "rtc",	rtc_init },
	{ "boot-done",	bootdone_init },
	{ "pci-host",	pci_host_init },
	{ "reset",	reset_init },	/* 0xCF9, through the PCI host */
	{ "virtio",	virtio_devs_init },	/* after pci-host */
};

int devices_init(struct vm *vm, char *err, size_t err_len)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(devices); i++) {
		err[0] = '\0';
		ret = devices[i].init(vm, err, err_len);
		if (ret) {
			if (!err[0])
				snprintf(err, err_len, "%s: %s",
					 devices[i].name, strerror(-ret));
			return ret;
		}
	}
	return 0;
}
