/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ioreq.h - ioreq servers, hypervisor side: cvisor's VMM plays Xen's part
 * for out-of-process device models (seed-apis.md section 5).
 *
 * A device model connects to the host's control socket, creates a server
 * (at most IOREQ_MAX_SERVERS per VM), acquires its pages (frame 0: the
 * buffered ring, frame 1: one 32-byte slot per vCPU; a sealed memfd that
 * is never guest memory), binds one event channel (a pair of eventfds) per
 * vCPU, registers port / MMIO / PCI SBDF ranges and enables the server.
 * A vCPU whose access falls in a range fills its slot, rings its doorbell
 * and sleeps until the slot reaches IORESP_READY.
 *
 * The host knows nothing about struct vm: the VMM glue hands it the
 * number of vCPUs, guest RAM for DMA, and struct ioreq_host_ops.
 *
 * Threads: ioreq_send() and friends run on vCPU threads (one per vCPU
 * index at a time); the control socket is served by the host's own
 * thread; ioreq_host_stop() and ioreq_vcpu_kick() may be called from any
 * thread.
 */
#ifndef CVISOR_IOREQ_IOREQ_H
#define CVISOR_IOREQ_IOREQ_H

#include <stdbool.h>
#include <stdint.h>

#include "ioreq/ioreq_abi.h"

#define IOREQ_MAX_SERVERS	8
#define IOREQ_MAX_RANGES	256	/* per server and range type */
/* One synchronous page, as in Xen: 4096 / 32 slots. */
#define IOREQ_MAX_VCPUS		128

struct ioreq_host;

struct ioreq_host_ops {
	/* A device model broke the protocol or died: stop the VM. */
	void (*fail)(void *opaque, const char *msg);
	/* XEN_DMOP_set_isa_irq_level; NULL: -EOPNOTSUPP. */
	int (*isa_irq_level)(void *opaque, unsigned int irq, unsigned int level);
	/*
	 * XEN_DMOP_set_pci_intx_level: INTA-D (@intx 0-3) of bus 0 device
	 * @dev; NULL: -EOPNOTSUPP.
	 */
	int (*pci_intx_level)(void *opaque, unsigned int dev, unsigned int intx,
			      unsigned int level);
	/*
	 * Process @pid's state channel (CVDM_OP_STATE_CHANNEL): @fd is the
	 * callee's to keep or close.  NULL: the op is -EOPNOTSUPP.
	 */
	void (*state_channel)(void *opaque, int pid, int fd);
	/* XEN_DMOP_inject_msi; NULL: -EOPNOTSUPP. */
	int (*inject_msi)(void *opaque, uint64_t addr, uint32_t data);
	/* XEN_DMOP_modified_memory: a device model wrote guest RAM. */
	int (*modified_memory)(void *opaque, uint64_t gpa, uint64_t len);
	/* XEN_DMOP_remote_shutdown: end the VM with exit status @status. */
	void (*remote_shutdown)(void *opaque, unsigned int status);
	/* A client reported that its device model is set up. */
	void (*client_running)(void *opaque, int pid);
};

struct ioreq_host_config {
	unsigned int nr_vcpus;
	/* Listen here (an existing socket file is replaced); NULL: no socket. */
	const char *socket_path;
	/* Shared guest RAM for DMA (CVDM_OP_MAP_GUEST_RAM); -1: none. */
	int ram_fd;
	struct cvdm_guest_ram ram;
	const struct ioreq_host_ops *ops;
	void *opaque;
};

int ioreq_host_create(const struct ioreq_host_config *cfg,
		      struct ioreq_host **out);
/* Ends the control thread, drops every server and connection. */
void ioreq_host_destroy(struct ioreq_host *h);

/* Serve one more already connected client (a socketpair end). */
int ioreq_host_add_client(struct ioreq_host *h, int fd);

/* The VM is stopping: vCPUs waiting for a device model give up. */
void ioreq_host_stop(struct ioreq_host *h);
/* Wake vCPU @vcpu if it waits for a device model (it rechecks why). */
void ioreq_vcpu_kick(struct ioreq_host *h, unsigned int vcpu);

/* One guest access as a request. */
struct ioreq_access {
	uint8_t type;		/* IOREQ_TYPE_PIO, _COPY or _PCI_CONFIG */
	bool write;
	bool df;		/* repeated accesses step downward */
	uint32_t size;		/* bytes per element */
	uint32_t count;		/* elements (1 for a plain access) */
	uint64_t addr;		/* port, GPA, or SBDF << 32 | reg */
	uint64_t data;		/* written value; the read result on return */
};

/*
 * Send @a from vCPU @vcpu to the server that claims it and wait for the
 * answer.  Returns 1 when a server handled it (a read's value in a->data),
 * 0 when no enabled server claims the access (the caller handles it), or
 * a negative errno when the request failed (the device model died, broke
 * the protocol, or the VM is stopping): reads then see all-ones.
 */
int ioreq_send(struct ioreq_host *h, unsigned int vcpu,
	       struct ioreq_access *a);

/* True if at least one server is enabled: a cheap exit-path filter. */
bool ioreq_host_active(struct ioreq_host *h);

/*
 * Broadcasts.  INVALIDATE goes synchronously to every enabled server from
 * vCPU @vcpu (after guest memory was removed: mapcaches must be dropped);
 * TIMEOFFSET (guest RTC offset in seconds) goes through every enabled
 * server's buffered ring; servers without one are skipped.
 */
int ioreq_broadcast_invalidate(struct ioreq_host *h, unsigned int vcpu);
int ioreq_broadcast_timeoffset(struct ioreq_host *h, int64_t offset);

/*
 * Range selection only (no request): the id of the server that would get
 * @a, or -ENOENT.  For tests and for callers that must know ahead.
 */
int ioreq_select_id(struct ioreq_host *h, const struct ioreq_access *a);

/* The owner pids of existing servers (at most @max); returns how many. */
unsigned int ioreq_host_owners(struct ioreq_host *h, int *pids,
			       unsigned int max);

/* Counters for tests and benchmarks. */
struct ioreq_stats {
	uint64_t sync_sent;
	uint64_t buffered_sent;
	uint64_t buffered_full;	/* ring full: went synchronously instead */
	uint64_t violations;	/* protocol violations seen */
};
void ioreq_host_stats(struct ioreq_host *h, struct ioreq_stats *st);

#endif
