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
#include "vmm/vm.h"

#define BOOTDONE_PORT	0x4f0
#define BOOTDONE_MAGIC	123

struct bootdone {
	struct vm *vm;
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
	ns = vm_now_ns() - b->vm->cfg.start_ns;
	if (b->vm->cfg.boot_time)
		fprintf(stderr, "cvisor: boot-done after %llu.%03llu ms\n",
			(unsigned long long)(ns / 1000000),
			(unsigned long long)(ns / 1000 % 1000));
}

static const struct bus_dev_ops bootdone_ops = {
	.name = "boot-done",
	.access = bootdone_access,
};

static void bootdone_free(struct vm *vm, void *opaque)
{
	free(opaque);
}

int bootdone_init(struct vm *vm, char *err, size_t err_len)
{
	struct bootdone *b = calloc(1, sizeof(*b));
	int ret;

	if (!b)
		return -ENOMEM;
	b->vm = vm;
	ret = vm_add_cleanup(vm, bootdone_free, b);
	if (ret) {
		free(b);
		return ret;
	}
	return bus_register(&vm->bus, BUS_PIO, BOOTDONE_PORT, 1, &bootdone_ops,
			    b);
}
