// SPDX-License-Identifier: GPL-2.0
/*
 * evtchn.c - libxenevtchn over eventfds.  Binding a VMM port hands us two
 * eventfds: the VMM rings the first, we ring the second.  The handle's fd
 * is an epoll set over the first ones; a port returned by pending() is
 * masked (taken out of the set) until unmask(), like Xen's.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "libdm/internal.h"

#define EVTCHN_MAX_PORTS	256

struct evtchn_port {
	int ring_fd;		/* the VMM notifies us: -1 when unbound */
	int notify_fd;		/* we notify the VMM */
};

struct xenevtchn_handle {
	struct cvdm_conn *conn;
	int epfd;
	struct evtchn_port port[EVTCHN_MAX_PORTS];	/* local port - 1 */
};

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger,
				 unsigned int open_flags)
{
	xenevtchn_handle *x = calloc(1, sizeof(*x));
	unsigned int i;
	int err;

	if (!x) {
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < EVTCHN_MAX_PORTS; i++)
		x->port[i].ring_fd = x->port[i].notify_fd = -1;
	x->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (x->epfd < 0)
		goto fail;
	x->conn = cvdm_open_env();
	if (!x->conn)
		goto fail;
	return x;
fail:
	err = errno;
	if (x->epfd >= 0)
		close(x->epfd);
	free(x);
	errno = err;
	return NULL;
}

static struct evtchn_port *port_get(xenevtchn_handle *x, evtchn_port_t port)
{
	if (!port || port > EVTCHN_MAX_PORTS ||
	    x->port[port - 1].ring_fd < 0) {
		errno = EINVAL;
		return NULL;
	}
	return &x->port[port - 1];
}

int xenevtchn_unbind(xenevtchn_handle *x, evtchn_port_t port)
{
	struct evtchn_port *p = port_get(x, port);

	if (!p)
		return -1;
	epoll_ctl(x->epfd, EPOLL_CTL_DEL, p->ring_fd, NULL);
	close(p->ring_fd);
	close(p->notify_fd);
	p->ring_fd = p->notify_fd = -1;
	return 0;
}

int xenevtchn_close(xenevtchn_handle *x)
{
	unsigned int i;

	if (!x)
		return 0;
	for (i = 0; i < EVTCHN_MAX_PORTS; i++)
		if (x->port[i].ring_fd >= 0)
			xenevtchn_unbind(x, i + 1);
	close(x->epfd);
	cvdm_conn_close(x->conn);
	free(x);
	return 0;
}

int xenevtchn_fd(xenevtchn_handle *x)
{
	return x->epfd;
}

evtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *x,
						  uint32_t domid,
						  evtchn_port_t remote_port)
{
	struct cvdm_evtchn_bind p = { .remote_port = remote_port };
	struct epoll_event ev = { .events = EPOLLIN };
	unsigned int i, nr_fds;
	int fds[2];

	if (domid) {
		errno = ESRCH;
		return -1;
	}
	for (i = 0; i < EVTCHN_MAX_PORTS && x->port[i].ring_fd >= 0; i++)
		;
	if (i == EVTCHN_MAX_PORTS) {
		errno = ENOSPC;
		return -1;
	}
	if (cvdm_call(x->conn, CVDM_OP_EVTCHN_BIND, &p, sizeof(p), fds, 2,
		      &nr_fds))
		return -1;
	if (nr_fds != 2) {
		while (nr_fds--)
			close(fds[nr_fds]);
		errno = EPROTO;
		return -1;
	}
	ev.data.u32 = i + 1;
	if (epoll_ctl(x->epfd, EPOLL_CTL_ADD, fds[0], &ev) < 0) {
		int err = errno;

		close(fds[0]);
		close(fds[1]);
		errno = err;
		return -1;
	}
	x->port[i].ring_fd = fds[0];
	x->port[i].notify_fd = fds[1];
	return (evtchn_port_or_error_t)(i + 1);
}

int xenevtchn_notify(xenevtchn_handle *x, evtchn_port_t port)
{
	struct evtchn_port *p = port_get(x, port);
	uint64_t one = 1;

	if (!p)
		return -1;
	if (write(p->notify_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -1;
	return 0;
}

evtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *x)
{
	struct epoll_event ev;
	struct evtchn_port *p;
	uint64_t v;
	int n;

	n = epoll_wait(x->epfd, &ev, 1, 0);
	if (n < 0)
		return -1;
	if (!n) {
		errno = EAGAIN;
		return -1;
	}
	p = port_get(x, ev.data.u32);
	if (!p)
		return -1;
	if (read(p->ring_fd, &v, sizeof(v)) < 0) {
		/* Already drained: still report the port once. */
	}
	ev.events = 0;
	epoll_ctl(x->epfd, EPOLL_CTL_MOD, p->ring_fd, &ev);
	return (evtchn_port_or_error_t)ev.data.u32;
}

int xenevtchn_unmask(xenevtchn_handle *x, evtchn_port_t port)
{
	struct evtchn_port *p = port_get(x, port);
	struct epoll_event ev = { .events = EPOLLIN };

	if (!p)
		return -1;
	ev.data.u32 = port;
	return epoll_ctl(x->epfd, EPOLL_CTL_MOD, p->ring_fd, &ev) < 0 ? -1 : 0;
}
