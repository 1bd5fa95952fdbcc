// SPDX-License-Identifier: GPL-2.0
/*
 * debugcon.c - QEMU's ISA debug console at port 0x402 (where SeaBIOS
 * writes its log), enabled by --debugcon FILE.  Every byte written goes
 * to FILE as is; a read returns 0xE9, the value QEMU's device answers
 * so that a guest can probe for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/devices.h"
#include "vmm/config.h"
#include "vmm/devsvc.h"

#define DEBUGCON_PORT		0x402
#define DEBUGCON_READBACK	0xe9

struct debugcon {
	int fd;
};

static void debugcon_access(void *opaque, const struct bus_ctx *ctx,
			    uint64_t offset, uint8_t *data, unsigned int len,
			    bool is_write)
{
	struct debugcon *d = opaque;

	if (!is_write) {
		memset(data, DEBUGCON_READBACK, len);
		return;
	}
	/* One byte per access, as on the ISA port; a lost byte is no error. */
	if (write(d->fd, data, 1) < 0) {
		/* Nothing to do: the log is best effort. */
	}
}

static const struct bus_dev_ops debugcon_ops = {
	.name = "debugcon",
	.access = debugcon_access,
};

static void debugcon_free(void *opaque)
{
	struct debugcon *d = opaque;

	close(d->fd);
	free(d);
}

/* The output file is the host's; the port itself holds no state. */
int debugcon_init(struct devsvc *svc, const struct vm_config *cfg,
		  char *err, size_t err_len)
{
	struct debugcon *d;
	int ret;

	if (!cfg->debugcon)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	/* A restored VM goes on with the log its source wrote. */
	d->fd = open(cfg->debugcon,
		     O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
		     (cfg->restore ? 0 : O_TRUNC), 0644);
	if (d->fd < 0) {
		ret = -errno;
		snprintf(err, err_len, "--debugcon %s: %s", cfg->debugcon,
			 strerror(errno));
		free(d);
		return ret;
	}
	ret = devsvc_cleanup(svc, debugcon_free, d);
	if (ret) {
		debugcon_free(d);
		return ret;
	}
	ret = devsvc_component(svc, "debugcon", COMP_STAGE_PLATFORM,
			       &dev_stateless_ops, NULL);
	return ret ?: devsvc_io_register(svc, BUS_PIO, DEBUGCON_PORT, 1,
					 &debugcon_ops, d);
}
