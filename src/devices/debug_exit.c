// SPDX-License-Identifier: GPL-2.0
/*
 * debug_exit.c - isa-debug-exit at 0xF4: a write of v ends cvisor with
 * status (v << 1) | 1, so a guest test can report any result.
 */
#include <string.h>

#include "devices/devices.h"
#include "vmm/devsvc.h"

#define DEBUG_EXIT_PORT	0xF4
#define DEBUG_EXIT_LEN	4

static void debug_exit_access(void *opaque, const struct bus_ctx *ctx,
			      uint64_t offset, uint8_t *data,
			      unsigned int len, bool is_write)
{
	struct devsvc *svc = opaque;

	if (!is_write) {
		memset(data, 0xff, len);
		return;
	}
	devsvc_vm_stop(svc, (int)((bus_get_le(data, len) << 1) | 1));
}

static const struct bus_dev_ops debug_exit_ops = {
	.name = "isa-debug-exit",
	.access = debug_exit_access,
};

int debug_exit_init(struct devsvc *svc, const struct vm_config *cfg,
		    char *err, size_t err_len)
{
	int ret;

	ret = devsvc_component(svc, "debug-exit", COMP_STAGE_PLATFORM,
			       &dev_stateless_ops, NULL);
	if (!ret)
		ret = devsvc_io_register(svc, BUS_PIO, DEBUG_EXIT_PORT,
					 DEBUG_EXIT_LEN, &debug_exit_ops, svc);
	return ret;
}
