// SPDX-License-Identifier: GPL-2.0
/*
 * ctl.c - the ioreq host's control socket: one thread, an epoll loop over
 * the listening socket and its clients, one fixed-size request and one
 * response per message (ioreq_abi.h).  The operations keep the names,
 * payloads and error rules of Xen's DMOPs and XENMEM_acquire_resource
 * (seed-apis.md section 5.3); the device-model "domain" is the client
 * process, identified by its SO_PEERCRED pid.
 *
 * A client that disconnects takes its servers with it; if one of them was
 * enabled, the VM is stopped with a message naming the device model, since
 * guest devices just vanished under a running guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ioreq/internal.h"

#define CTL_MAX_CLIENTS	64
#define CTL_MAX_FDS	2

struct ioreq_client {
	struct ioreq_client *next;
	int fd;
	int pid;
};

struct ctl_rsp {
	struct cvdm_rsp msg;
	int fds[CTL_MAX_FDS];
};

/* ------------------------------------------------------- operations */

/* Look up server @id for @c: -ENOENT unknown, -EPERM not its owner. */
static int server_get(struct ioreq_host *h, struct ioreq_client *c,
		      unsigned int id, struct ioreq_server **out)
{
	struct ioreq_server *s = id < IOREQ_MAX_SERVERS ? h->servers[id] : NULL;

	if (!s)
		return -ENOENT;
	if (s->owner_pid != c->pid)
		return -EPERM;
	*out = s;
	return 0;
}

static int op_create(struct ioreq_host *h, struct ioreq_client *c,
		     struct xen_dm_op_create_ioreq_server *p)
{
	struct ioreq_server *s;
	unsigned int id;
	int ret;

	if (p->pad[0] || p->pad[1] || p->pad[2] ||
	    p->handle_bufioreq > HVM_IOREQSRV_BUFIOREQ_ATOMIC)
		return -EINVAL;
	for (id = 0; id < IOREQ_MAX_SERVERS && h->servers[id]; id++)
		;
	if (id == IOREQ_MAX_SERVERS)
		return -ENOSPC;
	ret = ioreq_server_alloc(h, id, p->handle_bufioreq, &s);
	if (ret)
		return ret;
	s->owner = c;
	s->owner_pid = c->pid;
	h->servers[id] = s;
	p->id = (ioservid_t)id;
	return 0;
}

static int op_get_info(struct ioreq_host *h, struct ioreq_client *c,
		       struct xen_dm_op_get_ioreq_server_info *p)
{
	struct ioreq_server *s;
	int ret;

	if (p->flags & ~XEN_DMOP_no_gfns)
		return -EINVAL;
	ret = server_get(h, c, p->id, &s);
	if (ret)
		return ret;
	/* The pages are never guest memory: there is no GFN path. */
	if (!(p->flags & XEN_DMOP_no_gfns))
		return -EOPNOTSUPP;
	p->ioreq_gfn = 0;
	p->bufioreq_gfn = 0;
	p->bufioreq_port = s->bufmode ? ioreq_port(s->id, h->nr_vcpus) : 0;
	return 0;
}

static int op_map_range(struct ioreq_host *h, struct ioreq_client *c,
			struct xen_dm_op_ioreq_server_range *p, bool map,
			bool buffered)
{
	struct ioreq_server *s;
	int ret;

	if (p->pad || p->type >= IOREQ_NR_RANGE_TYPES || p->start > p->end)
		return -EINVAL;
	if ((p->type == XEN_DMOP_IO_RANGE_PORT && p->end > 0xffff) ||
	    (p->type == XEN_DMOP_IO_RANGE_PCI && p->end > 0xffffffffull))
		return -EINVAL;
	ret = server_get(h, c, p->id, &s);
	if (ret)
		return ret;
	if (map)
		return rangeset_add(&s->ranges[p->type], p->start, p->end,
				    buffered);
	return rangeset_remove(&s->ranges[p->type], p->start, p->end);
}

static int op_set_state(struct ioreq_host *h, struct ioreq_client *c,
			struct xen_dm_op_set_ioreq_server_state *p)
{
	struct ioreq_server *s;
	unsigned int i;
	int ret;

	if (p->pad)
		return -EINVAL;
	ret = server_get(h, c, p->id, &s);
	if (ret)
		return ret;
	if (p->enabled) {
		/* vp_eport becomes valid here, as in Xen. */
		for (i = 0; i < h->nr_vcpus; i++)
			__atomic_store_n(&s->slots[i].vp_eport,
					 ioreq_port(s->id, i),
					 __ATOMIC_RELAXED);
		if (!atomic_exchange(&s->enabled, true))
			atomic_fetch_add(&h->nr_enabled, 1);
	} else if (atomic_exchange(&s->enabled, false)) {
		atomic_fetch_sub(&h->nr_enabled, 1);
	}
	return 0;
}

static int op_destroy(struct ioreq_host *h, struct ioreq_client *c,
		      struct xen_dm_op_destroy_ioreq_server *p)
{
	struct ioreq_server *s;
	int ret;

	if (p->pad)
		return -EINVAL;
	ret = server_get(h, c, p->id, &s);
	if (ret)
		return ret;
	ioreq_server_kill(h, s);
	return 0;
}

static int op_acquire(struct ioreq_host *h, struct ioreq_client *c,
		      struct xen_mem_acquire_resource *p, struct ctl_rsp *rsp)
{
	struct ioreq_server *s;
	uint64_t f;
	int ret;

	if (p->type != XENMEM_resource_ioreq_server)
		return -EOPNOTSUPP;
	/* 64-bit frame with 32-bit counts: refuse what would truncate. */
	if (p->pad || p->frame >= (1ull << 32) ||
	    p->frame + p->nr_frames >= (1ull << 32))
		return -EINVAL;
	ret = server_get(h, c, p->id, &s);
	if (ret)
		return ret;
	if (!p->nr_frames) {
		p->nr_frames = IOREQ_NR_FRAMES;
		return 0;
	}
	for (f = p->frame; f < p->frame + p->nr_frames; f++) {
		if (f == XENMEM_resource_ioreq_server_frame_bufioreq &&
		    !s->bufmode)
			return -ENOENT;
		/* One slot page only, as in Xen (128 vCPUs). */
		if (f > XENMEM_resource_ioreq_server_frame_ioreq(0))
			return -EINVAL;
	}
	rsp->fds[0] = s->memfd;
	rsp->msg.nr_fds = 1;
	return 0;
}

static int op_bind(struct ioreq_host *h, struct ioreq_client *c,
		   struct cvdm_evtchn_bind *p, struct ctl_rsp *rsp)
{
	unsigned int id, idx;
	struct ioreq_server *s;
	int ret;

	if (!p->remote_port)
		return -EINVAL;
	id = (p->remote_port - 1) / IOREQ_PORTS_PER_SERVER;
	idx = (p->remote_port - 1) % IOREQ_PORTS_PER_SERVER;
	if (id >= IOREQ_MAX_SERVERS)
		return -EINVAL;
	ret = server_get(h, c, id, &s);
	if (ret)
		return ret == -ENOENT ? -EINVAL : ret;
	if (idx > h->nr_vcpus || (idx == h->nr_vcpus && !s->bufmode))
		return -EINVAL;
	rsp->fds[0] = s->ring_fd[idx];
	rsp->fds[1] = s->notify_fd[idx];
	rsp->msg.nr_fds = 2;
	return 0;
}

static int op_isa_irq(struct ioreq_host *h, struct xen_dm_op_set_isa_irq_level *p)
{
	if (p->isa_irq >= 16 || p->level > 1)
		return -EINVAL;
	if (!h->ops || !h->ops->isa_irq_level)
		return -EOPNOTSUPP;
	return h->ops->isa_irq_level(h->opaque, p->isa_irq, p->level);
}

static int op_pci_intx(struct ioreq_host *h,
		       struct xen_dm_op_set_pci_intx_level *p)
{
	/* One segment, one bus: cvisor's bus 0. */
	if (p->domain || p->bus || p->device > 31 || p->intx > 3 ||
	    p->level > 1)
		return -EINVAL;
	if (!h->ops || !h->ops->pci_intx_level)
		return -EOPNOTSUPP;
	return h->ops->pci_intx_level(h->opaque, p->device, p->intx, p->level);
}

/* Only a connection that owns nothing can turn into a state channel. */
static int op_state_channel(struct ioreq_host *h, struct ioreq_client *c)
{
	unsigned int id;

	if (!h->ops || !h->ops->state_channel)
		return -EOPNOTSUPP;
	for (id = 0; id < IOREQ_MAX_SERVERS; id++)
		if (h->servers[id] && h->servers[id]->owner == c)
			return -EBUSY;
	return 0;
}

static int op_inject_msi(struct ioreq_host *h, struct xen_dm_op_inject_msi *p)
{
	if (p->pad)
		return -EINVAL;
	if (!h->ops || !h->ops->inject_msi)
		return -EOPNOTSUPP;
	return h->ops->inject_msi(h->opaque, p->addr, p->data);
}

static int op_modified(struct ioreq_host *h,
		       struct xen_dm_op_modified_memory *p)
{
	if (p->pad || !p->nr || p->first_pfn >= (1ull << 52) - p->nr)
		return -EINVAL;
	if (!h->ops || !h->ops->modified_memory)
		return 0;
	return h->ops->modified_memory(h->opaque, p->first_pfn << 12,
				       (uint64_t)p->nr << 12);
}

static int op_map_ram(struct ioreq_host *h, struct cvdm_guest_ram *p,
		      struct ctl_rsp *rsp)
{
	if (h->ram_fd < 0)
		return -EOPNOTSUPP;
	*p = h->ram;
	rsp->fds[0] = h->ram_fd;
	rsp->msg.nr_fds = 1;
	return 0;
}

/* Payloads are read at their fixed size; a short request is -EINVAL. */
#define NEED(type) do {						\
		if (req->size < sizeof(type))			\
			return -EINVAL;				\
		out_size = sizeof(type);			\
	} while (0)

/*
 * Ops on the server table take its lock; the machine's hooks (interrupt
 * lines, MSIs, RAM writes, shutdown) run without it: a vCPU may hold a
 * machine lock (the PCI bus's, around a forwarded config cycle) while it
 * selects a server, and the device model may be answering that very
 * request by raising a line.
 */
static bool ctl_op_needs_lock(uint32_t op)
{
	switch (op) {
	case XEN_DMOP_set_isa_irq_level:
	case XEN_DMOP_set_pci_intx_level:
	case XEN_DMOP_inject_msi:
	case XEN_DMOP_modified_memory:
	case XEN_DMOP_remote_shutdown:
	case XEN_DMOP_nr_vcpus:
	case CVDM_OP_REPORT_RUNNING:
		return false;
	}
	return true;
}

static int ctl_dispatch(struct ioreq_host *h, struct ioreq_client *c,
			struct cvdm_req *req, struct ctl_rsp *rsp)
{
	void *p = rsp->msg.payload;
	size_t out_size = 0;
	bool locked;
	int ret;

	if (req->size > CVDM_PAYLOAD_MAX)
		return -EINVAL;
	memcpy(p, req->payload, CVDM_PAYLOAD_MAX);
	locked = ctl_op_needs_lock(req->op);
	if (locked)
		pthread_rwlock_wrlock(&h->lock);
	switch (req->op) {
	case XEN_DMOP_create_ioreq_server:
		NEED(struct xen_dm_op_create_ioreq_server);
		ret = op_create(h, c, p);
		break;
	case XEN_DMOP_get_ioreq_server_info:
		NEED(struct xen_dm_op_get_ioreq_server_info);
		ret = op_get_info(h, c, p);
		break;
	case XEN_DMOP_map_io_range_to_ioreq_server:
	case XEN_DMOP_unmap_io_range_from_ioreq_server:
	case CVDM_OP_MAP_IO_RANGE_BUFFERED:
		NEED(struct xen_dm_op_ioreq_server_range);
		ret = op_map_range(h, c, p,
				   req->op != XEN_DMOP_unmap_io_range_from_ioreq_server,
				   req->op == CVDM_OP_MAP_IO_RANGE_BUFFERED);
		break;
	case XEN_DMOP_set_ioreq_server_state:
		NEED(struct xen_dm_op_set_ioreq_server_state);
		ret = op_set_state(h, c, p);
		break;
	case XEN_DMOP_destroy_ioreq_server:
		NEED(struct xen_dm_op_destroy_ioreq_server);
		ret = op_destroy(h, c, p);
		break;
	case XEN_DMOP_set_isa_irq_level:
		NEED(struct xen_dm_op_set_isa_irq_level);
		ret = op_isa_irq(h, p);
		break;
	case XEN_DMOP_set_pci_intx_level:
		NEED(struct xen_dm_op_set_pci_intx_level);
		ret = op_pci_intx(h, p);
		break;
	case CVDM_OP_STATE_CHANNEL:
		ret = op_state_channel(h, c);
		break;
	case XEN_DMOP_inject_msi:
		NEED(struct xen_dm_op_inject_msi);
		ret = op_inject_msi(h, p);
		break;
	case XEN_DMOP_modified_memory:
		NEED(struct xen_dm_op_modified_memory);
		ret = op_modified(h, p);
		break;
	case XEN_DMOP_remote_shutdown:
		NEED(struct xen_dm_op_remote_shutdown);
		if (!h->ops || !h->ops->remote_shutdown) {
			ret = -EOPNOTSUPP;
			break;
		}
		h->ops->remote_shutdown(h->opaque,
			((struct xen_dm_op_remote_shutdown *)p)->reason & 0xff);
		ret = 0;
		break;
	case XEN_DMOP_nr_vcpus:
		NEED(struct xen_dm_op_nr_vcpus);
		((struct xen_dm_op_nr_vcpus *)p)->vcpus = h->nr_vcpus;
		ret = 0;
		break;
	case CVDM_OP_ACQUIRE_RESOURCE:
		NEED(struct xen_mem_acquire_resource);
		ret = op_acquire(h, c, p, rsp);
		break;
	case CVDM_OP_EVTCHN_BIND:
		NEED(struct cvdm_evtchn_bind);
		ret = op_bind(h, c, p, rsp);
		break;
	case CVDM_OP_MAP_GUEST_RAM:
		NEED(struct cvdm_guest_ram);
		ret = op_map_ram(h, p, rsp);
		break;
	case CVDM_OP_REPORT_RUNNING:
		ret = 0;
		break;
	default:
		ret = -EOPNOTSUPP;
	}
	if (locked)
		pthread_rwlock_unlock(&h->lock);
	if (!ret && req->op == CVDM_OP_REPORT_RUNNING && h->ops &&
	    h->ops->client_running)
		h->ops->client_running(h->opaque, c->pid);
	if (ret)
		rsp->msg.nr_fds = 0;
	/* Nothing beyond the op's own payload leaves the host. */
	memset((uint8_t *)p + out_size, 0, CVDM_PAYLOAD_MAX - out_size);
	return ret;
}

/* ---------------------------------------------------------- clients */

static void client_drop(struct ioreq_host *h, struct ioreq_client *c)
{
	struct ioreq_client **pp;
	unsigned int id;
	int lost = -1;

	/*
	 * Report first, then destroy: a vCPU released by the destruction
	 * must find the VM already stopping, not carry on without a device.
	 */
	pthread_rwlock_rdlock(&h->lock);
	for (id = 0; id < IOREQ_MAX_SERVERS && lost < 0; id++) {
		struct ioreq_server *s = h->servers[id];

		if (s && s->owner == c && atomic_load(&s->enabled))
			lost = (int)id;
	}
	pthread_rwlock_unlock(&h->lock);
	if (lost >= 0 && !atomic_load(&h->stopping))
		ioreq_fail(h, "device model (pid %d) of ioreq server %d went away while it was enabled",
			   c->pid, lost);
	pthread_rwlock_wrlock(&h->lock);
	for (id = 0; id < IOREQ_MAX_SERVERS; id++) {
		struct ioreq_server *s = h->servers[id];

		if (s && s->owner == c)
			ioreq_server_kill(h, s);
	}
	pthread_rwlock_unlock(&h->lock);
	epoll_ctl(h->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	for (pp = &h->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	h->nr_clients--;
	free(c);
}

/*
 * Hand @c's connection over as its process's state channel: from now on
 * the VM glue speaks first on it, and this thread no longer reads it.
 */
static void client_detach_state(struct ioreq_host *h, struct ioreq_client *c)
{
	struct ioreq_client **pp;

	epoll_ctl(h->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	for (pp = &h->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	h->nr_clients--;
	/* The callee owns the fd, even when it refuses it. */
	h->ops->state_channel(h->opaque, c->pid, c->fd);
	free(c);
}

static int client_send(struct ioreq_client *c, const struct ctl_rsp *rsp)
{
	char cbuf[CMSG_SPACE(CTL_MAX_FDS * sizeof(int))];
	struct iovec iov = {
		.iov_base = (void *)&rsp->msg, .iov_len = sizeof(rsp->msg),
	};
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;

	if (rsp->msg.nr_fds) {
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(rsp->msg.nr_fds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(rsp->msg.nr_fds * sizeof(int));
		memcpy(CMSG_DATA(cm), rsp->fds, rsp->msg.nr_fds * sizeof(int));
	}
	/* Non-blocking: a client that does not read its answers is dropped. */
	if (sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) !=
	    (ssize_t)sizeof(rsp->msg))
		return -EPIPE;
	return 0;
}

static void close_passed_fds(struct msghdr *mh)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		int *fds = (int *)CMSG_DATA(cm);
		size_t i, n;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++)
			close(fds[i]);
	}
}

static void client_ready(struct ioreq_host *h, struct ioreq_client *c,
			 uint32_t events)
{
	char cbuf[CMSG_SPACE(4 * sizeof(int))];
	struct cvdm_req req;
	struct iovec iov = { .iov_base = &req, .iov_len = sizeof(req) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct ctl_rsp rsp;
	ssize_t n;

	if (!(events & EPOLLIN)) {
		client_drop(h, c);
		return;
	}
	memset(&req, 0, sizeof(req));
	n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_drop(h, c);
		return;
	}
	close_passed_fds(&mh);
	memset(&rsp, 0, sizeof(rsp));
	if (n != sizeof(req) || (mh.msg_flags & MSG_TRUNC))
		rsp.msg.ret = -EINVAL;
	else
		rsp.msg.ret = ctl_dispatch(h, c, &req, &rsp);
	if (client_send(c, &rsp))
		client_drop(h, c);
	else if (req.op == CVDM_OP_STATE_CHANNEL && !rsp.msg.ret)
		client_detach_state(h, c);
}

int ioreq_host_add_client(struct ioreq_host *h, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct ioreq_client *c;

	if (h->nr_clients >= CTL_MAX_CLIENTS)
		return -EMFILE;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fd = fd;
	c->pid = cred.pid;
	ev.data.ptr = c;
	if (epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int ret = -errno;

		free(c);
		return ret;
	}
	c->next = h->clients;
	h->clients = c;
	h->nr_clients++;
	return 0;
}

static void ctl_accept(struct ioreq_host *h)
{
	int fd = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (ioreq_host_add_client(h, fd))
		close(fd);
}

static void *ctl_thread(void *arg)
{
	struct ioreq_host *h = arg;
	struct epoll_event evs[16];
	int i, n;

	for (;;) {
		n = epoll_wait(h->epoll_fd, evs, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &h->quit_fd)
				return NULL;
			if (p == &h->listen_fd)
				ctl_accept(h);
			else
				client_ready(h, p, evs[i].events);
		}
	}
	return NULL;
}

static int ctl_listen(struct ioreq_host *h, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	h->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (h->listen_fd < 0)
		return -errno;
	unlink(path);
	if (bind(h->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(h->listen_fd, 16) < 0)
		return -errno;
	h->socket_path = strdup(path);
	return h->socket_path ? 0 : -ENOMEM;
}

int ioreq_ctl_start(struct ioreq_host *h, const char *path)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ret;

	h->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	h->quit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (h->epoll_fd < 0 || h->quit_fd < 0)
		return -errno;
	ev.data.ptr = &h->quit_fd;
	if (epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, h->quit_fd, &ev) < 0)
		return -errno;
	if (path) {
		ret = ctl_listen(h, path);
		if (ret)
			return ret;
		ev.data.ptr = &h->listen_fd;
		if (epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, h->listen_fd, &ev) < 0)
			return -errno;
	}
	ret = -pthread_create(&h->thread, NULL, ctl_thread, h);
	if (!ret)
		h->thread_started = true;
	return ret;
}

void ioreq_ctl_stop(struct ioreq_host *h)
{
	uint64_t one = 1;

	if (h->thread_started) {
		if (write(h->quit_fd, &one, sizeof(one)) < 0) {
			/* A fresh eventfd cannot be full. */
		}
		pthread_join(h->thread, NULL);
		h->thread_started = false;
	}
	/* The VM is going away: dropping clients now is not a failure. */
	atomic_store(&h->stopping, true);
	while (h->clients)
		client_drop(h, h->clients);
	if (h->listen_fd >= 0)
		close(h->listen_fd);
	if (h->socket_path) {
		unlink(h->socket_path);
		free(h->socket_path);
	}
	if (h->epoll_fd >= 0)
		close(h->epoll_fd);
	if (h->quit_fd >= 0)
		close(h->quit_fd);
	h->listen_fd = h->epoll_fd = h->quit_fd = -1;
	h->socket_path = NULL;
}
