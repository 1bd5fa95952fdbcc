/* SPDX-License-Identifier: GPL-2.0 */
/*
 * migrate.h - live migration by pre-copy over a stream socket
 * (tcp:HOST:PORT or unix:PATH), in the record format of snapshots
 * (docs/snapshot-format.md).
 *
 * Source: a migration thread copies RAM while the guest runs, round after
 * round from the dirty log (the backend's for vCPU writes plus the VMM's
 * for device DMA), until the pages left would take less than the
 * downtime goal; then, on the event loop, it pauses the vCPUs, sends the
 * last dirty pages and every component, and waits for the destination's
 * acknowledgement.  No acknowledgement (the destination failed, closed
 * the connection or refused the state): the source resumes as if nothing
 * happened.  Acknowledged: the source stays paused ("postmigrate").
 *
 * Destination: reads the whole stream into a VM that does not run; only
 * after the end record and a successful component load does it
 * acknowledge and start.
 */
#ifndef CVISOR_VMM_MIGRATE_H
#define CVISOR_VMM_MIGRATE_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/snap_stream.h"

struct vm;
struct migration;

enum migrate_status {
	MIGRATE_SETUP,
	MIGRATE_ACTIVE,		/* pre-copy rounds */
	MIGRATE_DEVICE,		/* stop-and-copy */
	MIGRATE_COMPLETED,
	MIGRATE_FAILED,
};

struct migrate_info {
	enum migrate_status status;
	unsigned int rounds;
	uint64_t pages;		/* pages sent, all rounds */
	uint64_t bytes;		/* bytes on the wire */
	uint64_t total_ns;	/* start to acknowledgement */
	uint64_t downtime_ns;	/* vCPUs stopped to acknowledgement */
	uint64_t remaining;	/* dirty pages at the last count */
	unsigned int vcpus_in_smm;	/* at the stop: how many were in SMM */
	char error[256];
};

const char *migrate_status_name(enum migrate_status s);

/*
 * Called from the migration thread on every status change (QMP's
 * MIGRATION event); may be NULL.
 */
typedef void (*migrate_notify_fn)(void *opaque, enum migrate_status s);

int migrate_start(struct vm *vm, const char *uri, migrate_notify_fn notify,
		  void *opaque, struct migration **out, char *err,
		  size_t err_len);
void migrate_query(struct migration *m, struct migrate_info *info);
/* Wait for the migration thread and free @m. */
void migrate_free(struct migration *m);

/*
 * Destination: listen on @uri, receive one VM and return it ready for
 * vm_run().  Nothing runs on failure.
 */
int vm_migrate_incoming(const char *uri, const struct vm_restore_opts *opts,
			struct vm **out, char *err, size_t err_len);

#endif
