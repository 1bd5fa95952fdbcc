// SPDX-License-Identifier: GPL-2.0
/*
 * bootdone.c - the boot-done pseudo device (Firecracker-style): a byte
 * write of 123 (0x7B) to port 0x4F0 says "userspace is up".  The first
 * one records the time since cvisor started (vm_config.start_ns); with
 * --boot-time it is printed on stderr at once as
 *
 *	cvisor: boot-done after N.NNN ms
 *
 * Other values, widths and later writes are ignored; reads return 0xff
 * like an empty port.  docs/conventions.md describes the protocol.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/devices.h"
#include "vmm/config.h"
#include "vmm/devsvc.h"

#define BOOTDONE_PORT	0x4f0
#define BOOTDONE_MAGIC	123

struct bootdone {
	struct devsvc *svc;
	uint64_t start_ns;
	bool report;
	atomic_bool done;
};

static void bootdone_access(void *opaque, const struct bus_ctx *ctx,
			    uint64_t offset, uint8_t *data, unsigned int len,
			    bool is_write)
{
	struct bootdone *b = opaque;
	uint64_t ns;

	if (!is_write) {
		memset(data, 0xff, len);
		return;
	}
	if (len != 1 || data[0] != BOOTDONE_MAGIC ||
	    atomic_exchange(&b->done, true))
		return;
	ns = devsvc_now_ns() - b->start_ns;
	if (b->report)
		devsvc_log(b->svc, LOG_LEVEL_INFO,
			   "boot-done after %llu.%03llu ms",
			   (unsigned long long)(ns / 1000000),
			   (unsigned long long)(ns / 1000 % 1000));
}

static const struct bus_dev_ops bootdone_ops = {
	.name = "boot-done",
	.access = bootdone_access,
};

/* ------------------------------------------------------------ lifecycle */

static void bootdone_reset(void *opaque)
{
	struct bootdone *b = opaque;

	atomic_store(&b->done, false);
}

/* Version 1: whether the signal came (bool): it counts once per boot. */
static int bootdone_save(void *opaque, struct sbuf *out)
{
	struct bootdone *b = opaque;

	sbuf_put_bool(out, atomic_load(&b->done));
	return 0;
}

static int bootdone_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct bootdone *b = opaque;
	bool done = sbuf_get_bool(in);

	if (sbuf_error(in))
		return sbuf_error(in);
	atomic_store(&b->done, done);
	return 0;
}

static void bootdone_destroy(void *opaque)
{
	free(opaque);
}

static const struct component_ops bootdone_comp_ops = {
	.version = 1,
	.reset = bootdone_reset,
	.save = bootdone_save,
	.load = bootdone_load,
	.destroy = bootdone_destroy,
};

int bootdone_init(struct devsvc *svc, const struct vm_config *cfg,
		  char *err, size_t err_len)
{
	struct bootdone *b = calloc(1, sizeof(*b));
	int ret;

	if (!b)
		return -ENOMEM;
	b->svc = svc;
	b->start_ns = cfg->start_ns;
	b->report = cfg->boot_time;
	ret = devsvc_component(svc, "boot-done", COMP_STAGE_PLATFORM,
			       &bootdone_comp_ops, b);
	if (ret) {
		bootdone_destroy(b);
		return ret;
	}
	return devsvc_io_register(svc, BUS_PIO, BOOTDONE_PORT, 1,
				  &bootdone_ops, b);
}
