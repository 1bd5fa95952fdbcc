/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internal.h - ioreq host internals shared by the request path (ioreq.c),
 * the range sets (range.c) and the control socket (ctl.c).
 */
#ifndef CVISOR_IOREQ_INTERNAL_H
#define CVISOR_IOREQ_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "ioreq/ioreq.h"

#define IOREQ_NR_RANGE_TYPES	3	/* port, memory, PCI */
#define IOREQ_NR_FRAMES		2	/* buffered page + one slot page */
/* Event channel ports: 1 + id * IOREQ_PORTS_PER_SERVER + index. */
#define IOREQ_PORTS_PER_SERVER	256
#define IOREQ_VGA_START		0xa0000ull
#define IOREQ_VGA_END		0xbffffull
#define IOREQ_BUF_ADDR_LIMIT	(1ull << 20)	/* buf_ioreq.addr is 20 bits */

struct ioreq_range {
	uint64_t start, end;	/* inclusive */
	bool buffered;		/* writes may go through the buffered ring */
};

/* Disjoint, sorted, adjacent ranges of equal kind merged (Xen rangesets). */
struct ioreq_rangeset {
	unsigned int nr;
	struct ioreq_range r[IOREQ_MAX_RANGES];
};

int rangeset_add(struct ioreq_rangeset *rs, uint64_t start, uint64_t end,
		 bool buffered);
int rangeset_remove(struct ioreq_rangeset *rs, uint64_t start, uint64_t end);
/* The range wholly containing [start, end], or NULL. */
const struct ioreq_range *rangeset_find(const struct ioreq_rangeset *rs,
					uint64_t start, uint64_t end);

struct ioreq_client;

struct ioreq_server {
	atomic_int refs;	/* the table's, plus one per vCPU using it */
	unsigned int id;
	struct ioreq_client *owner;	/* the creating connection */
	int owner_pid;
	uint8_t bufmode;	/* HVM_IOREQSRV_BUFIOREQ_* */
	atomic_bool enabled;
	atomic_bool dead;	/* destroyed: waiting vCPUs give up */
	struct ioreq_rangeset ranges[IOREQ_NR_RANGE_TYPES];

	int memfd;		/* sealed: the device model cannot resize it */
	uint8_t *pages;		/* IOREQ_NR_FRAMES pages */
	struct buffered_iopage *buf;	/* frame 0 */
	struct ioreq *slots;		/* frame 1 */
	unsigned int nr_ports;		/* nr_vcpus + 1 (the buffered port) */
	int *ring_fd;		/* VMM -> device model, per port */
	int *notify_fd;		/* device model -> VMM, per port */

	pthread_mutex_t buf_lock;
	uint32_t buf_wp;	/* our write pointer: the page's is untrusted */
};

struct ioreq_host {
	unsigned int nr_vcpus;
	const struct ioreq_host_ops *ops;
	void *opaque;

	pthread_rwlock_t lock;	/* servers[], ranges, enabled */
	struct ioreq_server *servers[IOREQ_MAX_SERVERS];
	atomic_uint nr_enabled;
	atomic_bool stopping;
	int *vcpu_wake;		/* eventfd per vCPU */

	int ram_fd;
	struct cvdm_guest_ram ram;

	/* Control socket: owned by the control thread once it runs. */
	char *socket_path;
	int listen_fd;
	int epoll_fd;
	int quit_fd;
	pthread_t thread;
	bool thread_started;
	struct ioreq_client *clients;
	unsigned int nr_clients;

	atomic_ullong st_sync, st_buffered, st_full, st_violations;
};

static inline uint32_t ioreq_port(unsigned int id, unsigned int index)
{
	return 1 + id * IOREQ_PORTS_PER_SERVER + index;
}

void ioreq_server_put(struct ioreq_server *s);
/* Unpublish and kill server @s (write lock held); drops the table's ref. */
void ioreq_server_kill(struct ioreq_host *h, struct ioreq_server *s);
int ioreq_server_alloc(struct ioreq_host *h, unsigned int id, uint8_t bufmode,
		       struct ioreq_server **out);
void ioreq_fail(struct ioreq_host *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int ioreq_ctl_start(struct ioreq_host *h, const char *path);
void ioreq_ctl_stop(struct ioreq_host *h);

#endif
