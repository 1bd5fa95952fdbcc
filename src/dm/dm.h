/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm.h - cvisor-dm, a device-model process: one device for one VM, served
 * over an ioreq server (libcvisor-dm), sandboxed once set up.
 *
 * A device is one file with a struct dm_dev_type: init() parses its
 * options, registers its ranges on the server and may watch fds; io()
 * serves one request element (the same shape as the VMM's bus accesses).
 */
#ifndef CVISOR_DM_DM_H
#define CVISOR_DM_DM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/log.h"
#include "lib/sbuf.h"
#include "libdm/cvisor-dm.h"

#define DM_MAX_OPTS	8
#define DM_MAX_WATCH	80

struct dm;

struct dm_opts {
	unsigned int nr;
	struct {
		const char *key, *val;
	} o[DM_MAX_OPTS];
};

/* The value of option @key, or NULL. */
const char *dm_opt(const struct dm_opts *o, const char *key);

struct dm_dev_type {
	const char *name;
	int (*init)(struct dm *dm, const struct dm_opts *opts, void **priv,
		    char *err, size_t err_len);
	void (*io)(void *priv, uint8_t type, uint64_t addr, unsigned int size,
		   uint64_t *data, int is_write);
	void (*destroy)(void *priv);
	/*
	 * Snapshots and migration (optional: without them the VMM refuses
	 * to save the VM): the state in layout @state_version, and back
	 * from any layout 1..state_version (validated before applied).
	 */
	uint32_t state_version;
	int (*save)(void *priv, struct sbuf *out);
	int (*load)(void *priv, struct sbuf *in, uint32_t version);
	/* IOREQ_TYPE_INVALIDATE: guest memory moved; drop cached pointers. */
	void (*invalidate)(void *priv);
	/* IOREQ_TYPE_TIMEOFFSET: the guest's RTC moved by @delta seconds. */
	void (*timeoffset)(void *priv, int64_t delta);
};

struct dm {
	struct cvdm_emu *emu;
	xendevicemodel_handle *dmod;
	ioservid_t id;
	unsigned int slot;	/* PCI slot for a PCI device */
	struct cvdm_guest_mem *gm;
	struct cvdm_state *state;	/* NULL: the device cannot be saved */
	int epfd;
	unsigned int nr_watch;
	struct {
		int fd;
		void (*fn)(void *opaque);
		/* Or, for devices on the service API: */
		void (*efn)(void *opaque, int fd, uint32_t events);
		void *opaque;
	} watch[DM_MAX_WATCH];
	bool verbose;
	struct log_sink log;	/* "cvisor-dm: MSG" on stderr (main.c) */
};

/* Call @fn(@opaque) whenever @fd is readable (level-triggered). */
int dm_watch(struct dm *dm, int fd, void (*fn)(void *opaque), void *opaque);

/* Call @efn(@opaque, fd, events) for @events (EPOLL*, incl. ONESHOT). */
int dm_watch_events(struct dm *dm, int fd, uint32_t events,
		    void (*efn)(void *opaque, int fd, uint32_t events),
		    void *opaque);
/* New events for a watched fd (0: paused). */
int dm_watch_mod(struct dm *dm, int fd, uint32_t events);

/* Register a range on our server (PIO or MMIO, inclusive end). */
int dm_map_range(struct dm *dm, bool mmio, uint64_t start, uint64_t end);
int dm_unmap_range(struct dm *dm, bool mmio, uint64_t start, uint64_t end);

/* Install the sandbox (sandbox.c); @keep_fds stay usable.  Fills @what
 * with the layers that applied. */
int dm_sandbox(char *what, size_t what_len, char *err, size_t err_len);

extern const struct dm_dev_type dm_dev_iotest;
extern const struct dm_dev_type dm_dev_virtio_blk;
extern const struct dm_dev_type dm_dev_serial;

#endif
