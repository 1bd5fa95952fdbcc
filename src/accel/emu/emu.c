// SPDX-License-Identifier: GPL-2.0
/*
 * emu.c - the emu backend: cvisor's own x86-64 CPU behind hv.h.
 *
 * Placeholder until the CPU core lands (issue 3): opening it fails with a
 * message that says so, and the test suite reports emu tests as skipped.
 */
#include <errno.h>
#include <stdio.h>

#include "hv/hv_backend.h"

static int emu_open(struct hv **out, bool probe, char *why, size_t why_len)
{
	snprintf(why, why_len, "the emu backend is not implemented yet");
	return -ENOSYS;
}

const struct hv_backend_ops emu_backend_ops = {
	.name = "emu",
	.desc = "the emu backend",
	.open = emu_open,
};
