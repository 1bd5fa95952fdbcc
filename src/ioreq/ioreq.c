// SPDX-License-Identifier: GPL-2.0
/*
 * ioreq.c - the request path of the ioreq host: server objects, request
 * selection, the synchronous slot protocol and the buffered ring.
 *
 * The shared pages belong to a device model we do not trust.  Everything
 * read back from them is validated: the slot state may only move forward
 * (READY -> INPROCESS -> IORESP_READY, the XSA-262 rule), anything else
 * stops the VM with a message naming the server; the buffered ring is
 * produced from a private copy of the write pointer, and a read pointer
 * that runs ahead of it is a protocol violation too.  Waiting vCPUs sleep
 * in poll() on the vCPU's notify eventfd plus a wake eventfd, so a VM stop,
 * a destroyed server or a dead device model always ends the wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ioreq/internal.h"

#define IOREQ_MEMFD_SIZE	(IOREQ_NR_FRAMES * IOREQ_PAGE_SIZE)

void ioreq_fail(struct ioreq_host *h, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	atomic_fetch_add(&h->st_violations, 1);
	if (h->ops && h->ops->fail)
		h->ops->fail(h->opaque, msg);
}

static void fd_kick(int fd)
{
	uint64_t one = 1;

	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already huge, the reader will wake. */
	}
}

static void fd_drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing pending. */
	}
}

/* ---------------------------------------------------------- servers */

static void server_free(struct ioreq_server *s)
{
	unsigned int i;

	for (i = 0; i < s->nr_ports; i++) {
		if (s->ring_fd && s->ring_fd[i] >= 0)
			close(s->ring_fd[i]);
		if (s->notify_fd && s->notify_fd[i] >= 0)
			close(s->notify_fd[i]);
	}
	free(s->ring_fd);
	free(s->notify_fd);
	if (s->pages)
		munmap(s->pages, IOREQ_MEMFD_SIZE);
	if (s->memfd >= 0)
		close(s->memfd);
	pthread_mutex_destroy(&s->buf_lock);
	free(s);
}

void ioreq_server_put(struct ioreq_server *s)
{
	if (atomic_fetch_sub(&s->refs, 1) == 1)
		server_free(s);
}

/*
 * The pages live in their own memfd, sealed against resizing: a device
 * model that could shrink it would turn our next slot access into SIGBUS.
 */
static int server_alloc_pages(struct ioreq_server *s)
{
	void *p;

	s->memfd = memfd_create("cvisor-ioreq", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (s->memfd < 0)
		return -errno;
	if (ftruncate(s->memfd, IOREQ_MEMFD_SIZE) < 0 ||
	    fcntl(s->memfd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return -errno;
	p = mmap(NULL, IOREQ_MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 s->memfd, 0);
	if (p == MAP_FAILED)
		return -errno;
	s->pages = p;
	s->buf = p;
	s->slots = (struct ioreq *)(s->pages + IOREQ_PAGE_SIZE);
	return 0;
}

int ioreq_server_alloc(struct ioreq_host *h, unsigned int id, uint8_t bufmode,
		       struct ioreq_server **out)
{
	struct ioreq_server *s = calloc(1, sizeof(*s));
	unsigned int i;
	int ret;

	if (!s)
		return -ENOMEM;
	atomic_init(&s->refs, 1);
	atomic_init(&s->enabled, false);
	atomic_init(&s->dead, false);
	s->id = id;
	s->bufmode = bufmode;
	s->memfd = -1;
	pthread_mutex_init(&s->buf_lock, NULL);
	s->nr_ports = h->nr_vcpus + 1;
	s->ring_fd = malloc(s->nr_ports * sizeof(int));
	s->notify_fd = malloc(s->nr_ports * sizeof(int));
	if (!s->ring_fd || !s->notify_fd) {
		ret = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < s->nr_ports; i++)
		s->ring_fd[i] = s->notify_fd[i] = -1;
	ret = server_alloc_pages(s);
	if (ret)
		goto fail;
	for (i = 0; i < s->nr_ports; i++) {
		s->ring_fd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		s->notify_fd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (s->ring_fd[i] < 0 || s->notify_fd[i] < 0) {
			ret = -errno;
			goto fail;
		}
	}
	*out = s;
	return 0;
fail:
	server_free(s);
	return ret;
}

void ioreq_server_kill(struct ioreq_host *h, struct ioreq_server *s)
{
	unsigned int i;

	h->servers[s->id] = NULL;
	if (atomic_exchange(&s->enabled, false))
		atomic_fetch_sub(&h->nr_enabled, 1);
	atomic_store(&s->dead, true);
	/* vCPUs waiting on it recheck and give up. */
	for (i = 0; i < h->nr_vcpus; i++)
		fd_kick(h->vcpu_wake[i]);
	ioreq_server_put(s);
}

/* -------------------------------------------------------- the host */

int ioreq_host_create(const struct ioreq_host_config *cfg,
		      struct ioreq_host **out)
{
	pthread_rwlockattr_t attr;
	struct ioreq_host *h;
	unsigned int i;
	int ret;

	*out = NULL;
	if (!cfg->nr_vcpus)
		return -EINVAL;
	if (cfg->nr_vcpus > IOREQ_MAX_VCPUS)
		return -E2BIG;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->nr_vcpus = cfg->nr_vcpus;
	h->ops = cfg->ops;
	h->opaque = cfg->opaque;
	h->ram_fd = cfg->ram_fd;
	h->ram = cfg->ram;
	h->listen_fd = h->epoll_fd = h->quit_fd = -1;
	atomic_init(&h->nr_enabled, 0);
	atomic_init(&h->stopping, false);
	/*
	 * vCPUs take the read side on every request; a writer (a control
	 * operation) must not starve behind them.
	 */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
			PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&h->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	h->vcpu_wake = malloc(h->nr_vcpus * sizeof(int));
	if (!h->vcpu_wake) {
		ret = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < h->nr_vcpus; i++)
		h->vcpu_wake[i] = -1;
	for (i = 0; i < h->nr_vcpus; i++) {
		h->vcpu_wake[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (h->vcpu_wake[i] < 0) {
			ret = -errno;
			goto fail;
		}
	}
	ret = ioreq_ctl_start(h, cfg->socket_path);
	if (ret)
		goto fail;
	*out = h;
	return 0;
fail:
	ioreq_host_destroy(h);
	return ret;
}

void ioreq_host_destroy(struct ioreq_host *h)
{
	unsigned int i;

	if (!h)
		return;
	ioreq_ctl_stop(h);
	pthread_rwlock_wrlock(&h->lock);
	for (i = 0; i < IOREQ_MAX_SERVERS; i++)
		if (h->servers[i])
			ioreq_server_kill(h, h->servers[i]);
	pthread_rwlock_unlock(&h->lock);
	for (i = 0; h->vcpu_wake && i < h->nr_vcpus; i++)
		if (h->vcpu_wake[i] >= 0)
			close(h->vcpu_wake[i]);
	free(h->vcpu_wake);
	pthread_rwlock_destroy(&h->lock);
	free(h);
}

void ioreq_host_stop(struct ioreq_host *h)
{
	unsigned int i;

	atomic_store(&h->stopping, true);
	for (i = 0; i < h->nr_vcpus; i++)
		fd_kick(h->vcpu_wake[i]);
}

void ioreq_vcpu_kick(struct ioreq_host *h, unsigned int vcpu)
{
	if (vcpu < h->nr_vcpus)
		fd_kick(h->vcpu_wake[vcpu]);
}

bool ioreq_host_active(struct ioreq_host *h)
{
	return h && atomic_load_explicit(&h->nr_enabled,
					 memory_order_relaxed) != 0;
}

unsigned int ioreq_host_owners(struct ioreq_host *h, int *pids,
			       unsigned int max)
{
	unsigned int id, n = 0;

	pthread_rwlock_rdlock(&h->lock);
	for (id = 0; id < IOREQ_MAX_SERVERS && n < max; id++)
		if (h->servers[id])
			pids[n++] = h->servers[id]->owner_pid;
	pthread_rwlock_unlock(&h->lock);
	return n;
}

void ioreq_host_stats(struct ioreq_host *h, struct ioreq_stats *st)
{
	st->sync_sent = atomic_load(&h->st_sync);
	st->buffered_sent = atomic_load(&h->st_buffered);
	st->buffered_full = atomic_load(&h->st_full);
	st->violations = atomic_load(&h->st_violations);
}

/* -------------------------------------------------------- selection */

/*
 * First and last byte of a possibly repeated access; false if the span
 * wraps.  With DF set the elements step downward from @addr (the MMIO
 * check that once ignored DF).
 */
static bool access_span(const struct ioreq_access *a, uint64_t *first,
			uint64_t *last)
{
	uint64_t count = a->count ? a->count : 1;
	uint64_t bytes = count * a->size;	/* <= 2^32 * 8: no overflow */
	uint64_t step = (count - 1) * a->size;

	if (!a->size)
		return false;
	if (a->df) {
		if (a->addr < step || a->addr + a->size - 1 < a->addr)
			return false;
		*first = a->addr - step;
		*last = a->addr + a->size - 1;
	} else {
		if (a->addr + bytes - 1 < a->addr)
			return false;
		*first = a->addr;
		*last = a->addr + bytes - 1;
	}
	return true;
}

/* The matching range of server @s, or NULL.  Read lock held. */
static const struct ioreq_range *server_match(const struct ioreq_server *s,
					      const struct ioreq_access *a)
{
	uint64_t first, last;

	switch (a->type) {
	case IOREQ_TYPE_PIO:
		if (!a->size || a->addr + a->size - 1 < a->addr)
			return NULL;
		return rangeset_find(&s->ranges[XEN_DMOP_IO_RANGE_PORT],
				     a->addr, a->addr + a->size - 1);
	case IOREQ_TYPE_COPY:
		if (!access_span(a, &first, &last))
			return NULL;
		return rangeset_find(&s->ranges[XEN_DMOP_IO_RANGE_MEMORY],
				     first, last);
	case IOREQ_TYPE_PCI_CONFIG:
		first = a->addr >> 32;
		return rangeset_find(&s->ranges[XEN_DMOP_IO_RANGE_PCI],
				     first, first);
	}
	return NULL;
}

/* Highest id first: the newest server wins.  Read lock held. */
static struct ioreq_server *select_locked(struct ioreq_host *h,
					  const struct ioreq_access *a,
					  const struct ioreq_range **range)
{
	int id;

	for (id = IOREQ_MAX_SERVERS - 1; id >= 0; id--) {
		struct ioreq_server *s = h->servers[id];
		const struct ioreq_range *r;

		if (!s || !atomic_load(&s->enabled))
			continue;
		r = server_match(s, a);
		if (r) {
			*range = r;
			return s;
		}
	}
	return NULL;
}

int ioreq_select_id(struct ioreq_host *h, const struct ioreq_access *a)
{
	const struct ioreq_range *r;
	struct ioreq_server *s;
	int ret;

	pthread_rwlock_rdlock(&h->lock);
	s = select_locked(h, a, &r);
	ret = s ? (int)s->id : -ENOENT;
	pthread_rwlock_unlock(&h->lock);
	return ret;
}

/* ---------------------------------------------------- buffered ring */

static int size_log2(uint32_t size)
{
	switch (size) {
	case 1: return 0;
	case 2: return 1;
	case 4: return 2;
	case 8: return 3;
	}
	return -1;
}

static bool buffered_eligible(const struct ioreq_server *s,
			      const struct ioreq_range *r,
			      const struct ioreq_access *a)
{
	if (s->bufmode == HVM_IOREQSRV_BUFIOREQ_OFF || !a->write ||
	    a->count > 1 || a->addr >= IOREQ_BUF_ADDR_LIMIT ||
	    size_log2(a->size) < 0)
		return false;
	if (a->type == IOREQ_TYPE_COPY && a->addr >= IOREQ_VGA_START &&
	    a->addr + a->size - 1 <= IOREQ_VGA_END)
		return true;
	return r && r->buffered && a->type != IOREQ_TYPE_PCI_CONFIG;
}

/*
 * Append one write (two slots for 8 bytes, low dword first).  -EAGAIN when
 * the ring is full: the caller sends it synchronously instead.
 */
static int buf_send(struct ioreq_host *h, struct ioreq_server *s,
		    uint8_t type, uint32_t size, uint64_t addr, uint64_t data)
{
	struct buffered_iopage *pg = s->buf;
	uint32_t rp, wp, used, n = size == 8 ? 2 : 1;
	int ret = 0;

	pthread_mutex_lock(&s->buf_lock);
	rp = __atomic_load_n(&pg->read_pointer, __ATOMIC_ACQUIRE);
	wp = s->buf_wp;
	used = wp - rp;
	if (used > IOREQ_BUFFER_SLOT_NUM) {
		pthread_mutex_unlock(&s->buf_lock);
		ioreq_fail(h, "device model of ioreq server %u moved the buffered read pointer past the write pointer (%u > %u)",
			   s->id, rp, wp);
		return -EPROTO;
	}
	if (used + n > IOREQ_BUFFER_SLOT_NUM) {
		atomic_fetch_add(&h->st_full, 1);
		ret = -EAGAIN;
		goto out;
	}
	buf_ioreq_set(&pg->buf_ioreq[wp % IOREQ_BUFFER_SLOT_NUM], type,
		      (unsigned int)size_log2(size), (uint32_t)addr,
		      (uint32_t)data);
	if (n == 2)
		buf_ioreq_set(&pg->buf_ioreq[(wp + 1) % IOREQ_BUFFER_SLOT_NUM],
			      type, 3, (uint32_t)addr, (uint32_t)(data >> 32));
	wp += n;
	/* The slots are visible before the pointer that covers them. */
	__atomic_store_n(&pg->write_pointer, wp, __ATOMIC_RELEASE);
	if (s->bufmode == HVM_IOREQSRV_BUFIOREQ_ATOMIC &&
	    rp >= IOREQ_BUFFER_SLOT_NUM) {
		/*
		 * Keep both pointers small: subtract the same multiple of
		 * the ring size from both in one 64-bit compare-and-swap,
		 * which is why the consumer must move read_pointer
		 * atomically in this mode.
		 */
		uint32_t k = rp - rp % IOREQ_BUFFER_SLOT_NUM;
		uint64_t old = (uint64_t)wp << 32 | rp;
		uint64_t new = (uint64_t)(wp - k) << 32 | (rp - k);

		if (__atomic_compare_exchange_n((uint64_t *)pg, &old, new,
						false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			wp -= k;
	}
	s->buf_wp = wp;
	atomic_fetch_add(&h->st_buffered, 1);
out:
	pthread_mutex_unlock(&s->buf_lock);
	if (!ret)
		fd_kick(s->ring_fd[h->nr_vcpus]);
	return ret;
}

/* ------------------------------------------------- synchronous path */

static uint64_t size_mask(uint32_t size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static const char *state_name(unsigned int st)
{
	static const char *const names[] = {
		"NONE", "READY", "INPROCESS", "IORESP_READY",
	};

	return st < 4 ? names[st] : "unknown";
}

/*
 * Wait until the device model answers on @vcpu's slot.  The state may only
 * move forward; NONE or an unknown value while we wait is a violation.
 */
static int sync_wait(struct ioreq_host *h, struct ioreq_server *s,
		     unsigned int vcpu, struct ioreq *slot)
{
	struct pollfd pfd[2] = {
		{ .fd = s->notify_fd[vcpu], .events = POLLIN },
		{ .fd = h->vcpu_wake[vcpu], .events = POLLIN },
	};
	unsigned int last = STATE_IOREQ_READY, st;

	for (;;) {
		st = __atomic_load_n(&slot->flags, __ATOMIC_ACQUIRE) &
		     IOREQ_F_STATE_MASK;
		if (st == STATE_IORESP_READY)
			return 0;
		if ((st != STATE_IOREQ_READY && st != STATE_IOREQ_INPROCESS) ||
		    st < last) {
			ioreq_fail(h, "device model of ioreq server %u broke the request protocol on vCPU %u: slot state %u (%s) after %s",
				   s->id, vcpu, st, state_name(st),
				   state_name(last));
			return -EPROTO;
		}
		last = st;
		if (atomic_load(&s->dead))
			return -EPIPE;
		if (atomic_load(&h->stopping))
			return -ECANCELED;
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			return -errno;
		if (pfd[0].revents)
			fd_drain(pfd[0].fd);
		if (pfd[1].revents)
			fd_drain(pfd[1].fd);
	}
}

static int sync_send(struct ioreq_host *h, struct ioreq_server *s,
		     unsigned int vcpu, struct ioreq_access *a)
{
	struct ioreq *slot = &s->slots[vcpu];
	uint32_t port = ioreq_port(s->id, vcpu), eport;
	unsigned int st;
	uint8_t flags;
	int ret;

	st = __atomic_load_n(&slot->flags, __ATOMIC_ACQUIRE) &
	     IOREQ_F_STATE_MASK;
	eport = __atomic_load_n(&slot->vp_eport, __ATOMIC_RELAXED);
	if (st != STATE_IOREQ_NONE || eport != port) {
		ioreq_fail(h, "device model of ioreq server %u set bad IO state %u / port %u on vCPU %u",
			   s->id, st, eport, vcpu);
		return -EPROTO;
	}
	flags = (a->write ? 0 : IOREQ_F_DIR_READ) | (a->df ? IOREQ_F_DF : 0);
	__atomic_store_n(&slot->addr, a->addr, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->data, a->write ? a->data & size_mask(a->size) : 0,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&slot->count, a->count ? a->count : 1,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&slot->size, a->size, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->type, a->type, __ATOMIC_RELAXED);
	/* READY is published after the request it covers. */
	__atomic_store_n(&slot->flags, flags | STATE_IOREQ_READY,
			 __ATOMIC_RELEASE);
	atomic_fetch_add(&h->st_sync, 1);
	fd_kick(s->ring_fd[vcpu]);

	ret = sync_wait(h, s, vcpu, slot);
	if (ret)
		return ret;
	if (!a->write)
		a->data = __atomic_load_n(&slot->data, __ATOMIC_RELAXED) &
			  size_mask(a->size);
	__atomic_store_n(&slot->flags, STATE_IOREQ_NONE, __ATOMIC_RELEASE);
	return 1;
}

int ioreq_send(struct ioreq_host *h, unsigned int vcpu,
	       struct ioreq_access *a)
{
	const struct ioreq_range *r = NULL;
	struct ioreq_server *s;
	bool buffered;
	int ret;

	if (!ioreq_host_active(h) || vcpu >= h->nr_vcpus)
		return 0;
	pthread_rwlock_rdlock(&h->lock);
	s = select_locked(h, a, &r);
	if (s) {
		atomic_fetch_add(&s->refs, 1);
		buffered = buffered_eligible(s, r, a);
	}
	pthread_rwlock_unlock(&h->lock);
	if (!s)
		return 0;
	if (buffered) {
		ret = buf_send(h, s, a->type, a->size, a->addr, a->data);
		if (ret != -EAGAIN) {
			ioreq_server_put(s);
			return ret ? ret : 1;
		}
		/* Ring full: the synchronous path takes it. */
	}
	ret = sync_send(h, s, vcpu, a);
	ioreq_server_put(s);
	return ret;
}

/* ------------------------------------------------------- broadcasts */

/* References to every enabled server, newest first. */
static unsigned int grab_enabled(struct ioreq_host *h,
				 struct ioreq_server **out)
{
	unsigned int n = 0;
	int id;

	pthread_rwlock_rdlock(&h->lock);
	for (id = IOREQ_MAX_SERVERS - 1; id >= 0; id--) {
		struct ioreq_server *s = h->servers[id];

		if (s && atomic_load(&s->enabled)) {
			atomic_fetch_add(&s->refs, 1);
			out[n++] = s;
		}
	}
	pthread_rwlock_unlock(&h->lock);
	return n;
}

int ioreq_broadcast_invalidate(struct ioreq_host *h, unsigned int vcpu)
{
	struct ioreq_server *s[IOREQ_MAX_SERVERS];
	unsigned int i, n;
	int failed = 0;

	if (!ioreq_host_active(h) || vcpu >= h->nr_vcpus)
		return 0;
	n = grab_enabled(h, s);
	/* Every server is waited for, not only the first (the 2021 fix). */
	for (i = 0; i < n; i++) {
		struct ioreq_access a = {
			.type = IOREQ_TYPE_INVALIDATE, .write = true,
			.size = 4, .count = 1, .data = ~0ull,
		};

		if (sync_send(h, s[i], vcpu, &a) < 0)
			failed++;
		ioreq_server_put(s[i]);
	}
	return failed ? -EIO : 0;
}

int ioreq_broadcast_timeoffset(struct ioreq_host *h, int64_t offset)
{
	struct ioreq_server *s[IOREQ_MAX_SERVERS];
	unsigned int i, n;
	int failed = 0;

	if (!ioreq_host_active(h))
		return 0;
	n = grab_enabled(h, s);
	for (i = 0; i < n; i++) {
		/* Servers without a ring are skipped, not failures. */
		if (s[i]->bufmode != HVM_IOREQSRV_BUFIOREQ_OFF &&
		    buf_send(h, s[i], IOREQ_TYPE_TIMEOFFSET, 8, 0,
			     (uint64_t)offset))
			failed++;
		ioreq_server_put(s[i]);
	}
	return failed ? -EIO : 0;
}
