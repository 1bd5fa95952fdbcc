// SPDX-License-Identifier: GPL-2.0
/*
 * devices.c - virtio device types by name.  Add a device with one line.
 * Immutable table: safe from any thread.
 */
#include <string.h>

#include "lib/compiler.h"
#include "virtio/virtio.h"

static const struct virtio_dev_type *const types[] = {
	&virtio_blk_type,
	&virtio_rng_type,
	&virtio_console_type,
	&virtio_net_type,
};

const struct virtio_dev_type *virtio_dev_type_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(types); i++)
		if (!strcmp(types[i]->name, name))
			return types[i];
	return NULL;
}
