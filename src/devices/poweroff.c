// SPDX-License-Identifier: GPL-2.0
/*
 * poweroff.c - QEMU's PIIX PM control location: a 16-bit write with
 * SLP_EN (0x2000) to 0xB004 powers the VM off with status 0.  The ACPI
 * PM1a control register at 0x604 (QEMU's q35 location, and the one the
 * FADT names) is acpi_pm.c's.
 */
#include <string.h>

#include "devices/devices.h"
#include "vmm/devsvc.h"

#define PM1_SLP_EN	0x2000

static void poweroff_access(void *opaque, const struct bus_ctx *ctx,
			    uint64_t offset, uint8_t *data, unsigned int len,
			    bool is_write)
{
	if (!is_write) {
		memset(data, 0, len);
		return;
	}
	if (len == 2 && (bus_get_le(data, len) & PM1_SLP_EN))
		devsvc_vm_stop(opaque, 0);
}

static const struct bus_dev_ops poweroff_ops = {
	.name = "poweroff",
	.access = poweroff_access,
};

int poweroff_init(struct devsvc *svc, const struct vm_config *cfg,
		  char *err, size_t err_len)
{
	int ret;

	ret = devsvc_component(svc, "poweroff", COMP_STAGE_PLATFORM,
			       &dev_stateless_ops, NULL);
	if (!ret)
		ret = devsvc_io_register(svc, BUS_PIO, 0xB004, 2,
					 &poweroff_ops, svc);
	return ret;
}
