/* SPDX-License-Identifier: GPL-2.0 */
/*
 * snapshot.h - save a VM to a file and resume it in a new process
 * (docs/snapshot-format.md).
 */
#ifndef CVISOR_VMM_SNAPSHOT_H
#define CVISOR_VMM_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/snap_stream.h"

struct vm;

struct snapshot_stats {
	uint64_t bytes;		/* file size */
	uint64_t ram_pages;	/* non-zero pages written */
	uint64_t pause_ns;	/* vCPUs stopped */
	uint64_t total_ns;
};

/*
 * Save @vm to @path.  Pauses the vCPUs for the duration and leaves them
 * as they were (running or paused).  Event loop thread (or
 * vm_control_call()).  On failure nothing is left at @path.
 */
int vm_snapshot_save(struct vm *vm, const char *path,
		     struct snapshot_stats *st, char *err, size_t err_len);

/*
 * Build a VM from the snapshot at @path: the same machine, its state,
 * and its RAM mapped lazily from the file.  The VM is ready for
 * vm_run(); nothing is running on failure.
 */
int vm_restore_file(const char *path, const struct vm_restore_opts *opts,
		    struct vm **out, char *err, size_t err_len);

#endif
