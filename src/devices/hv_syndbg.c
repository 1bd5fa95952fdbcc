// SPDX-License-Identifier: GPL-2.0
/*
 * hv_syndbg.c - the Hyper-V synthetic debugger bridge (QEMU's hv-syndbg):
 * carries a Windows kernel debugger's packets (kdnet over the synthetic
 * debugger) between the guest and a debugger on the host over UDP.
 *
 * Present with --hyperv syndbg[,host_ip=ADDR][,host_port=PORT][,use_hcalls=on].
 * The backend turns the guest's syndbg MSR writes and debug-data
 * hypercalls into KVM_EXIT_HYPERV exits; vmm/hyperv.c hands them here:
 *
 *  MSR transport (SYNDBG exits): CONTROL with SEND sends SEND_SIZE bytes
 *  of the send page as one datagram (status SEND_SUCCESS, or 0); with
 *  RECV one waiting datagram goes into the receive page (status
 *  RECV_SUCCESS | size << 16, or 0 if none).  PENDING_BUFFER names a page
 *  whose first byte is kept at 1 while a datagram waits, 0 otherwise.
 *
 *  Hypercall transport (seed-apis.md 2.5): HvPostDebugData takes an
 *  Ethernet/IPv4/UDP frame, sends its UDP payload and learns the target
 *  IP from the frame's source; HvRetrieveDebugData wraps a datagram in a
 *  frame from host to target (NO_DATA if none); HvResetDebugSession
 *  reports the host address as host and target, MACs zero.
 *
 * Memory stays bounded whatever the peer sends: datagrams are read only
 * when the guest asks for one, so the kernel's socket buffer (capped with
 * SO_RCVBUF) is the only queue, and the event loop stops watching the
 * socket from the moment data waits until the guest has taken it.
 *
 * Threads: exits arrive on vCPU threads, readiness on the event loop;
 * d->lock serialises them.  The socket is not migrated; the MSRs are vCPU
 * state (the backend's) and travel with it, the device's own state (the
 * pending page, the learnt target) is its component.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "devices/devices.h"
#include "hv/hv_hyperv.h"
#include "lib/sbuf.h"
#include "lib/udp_frame.h"
#include "vmm/config.h"
#include "vmm/devsvc.h"
#include "vmm/hyperv.h"

#define SYNDBG_PAGE		4096u
#define SYNDBG_RCVBUF		(256 * 1024)

struct syndbg {
	struct devsvc *svc;
	pthread_mutex_t lock;
	int sock;
	uint32_t host_ip;		/* network order */
	uint16_t host_port;
	uint32_t target_ip;		/* learnt from the first posted frame */
	uint64_t pending_gpa;		/* 0: none */
	bool refused;			/* an ICMP error came back: no peer */
	bool watching;			/* the event loop waits for data */
	uint8_t buf[SYNDBG_PAGE];
};

/* ---------------------------------------------------------------- socket */

/*
 * Is a datagram waiting?  An ICMP error of an earlier send surfaces here
 * too: it is kept for the next send, which then fails as the kernel's
 * own send would have.
 */
static bool data_waiting(struct syndbg *d)
{
	uint8_t b;
	ssize_t n;

	for (;;) {
		n = recv(d->sock, &b, 1, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);
		if (n >= 0)
			return true;
		if (errno == ECONNREFUSED)
			d->refused = true;
		else if (errno != EINTR)
			return false;
	}
}

/* Send one datagram; false if it failed or the peer is known gone. */
static bool syndbg_send(struct syndbg *d, const void *p, size_t len)
{
	if (d->refused) {
		d->refused = false;
		return false;
	}
	return send(d->sock, p, len, MSG_DONTWAIT | MSG_NOSIGNAL) ==
	       (ssize_t)len;
}

/*
 * Set the pending flag in guest RAM while the guest may be polling it,
 * from the event loop or a vCPU thread: a DMA-like write, done by the
 * kernel (process_vm_writev on ourselves) as the migration copy reads
 * guest RAM.  A userspace store here races with the vCPU's guest load
 * of the same byte by design (the guest orders its own accesses), and
 * TSan, which cannot always restore the interpreter's stack for that
 * load, then reports it although tests/tsan.supp covers it.
 */
static void pending_store(uint8_t *p, uint8_t v)
{
	struct iovec local = { .iov_base = &v, .iov_len = 1 };
	struct iovec remote = { .iov_base = p, .iov_len = 1 };

	if (process_vm_writev(getpid(), &local, 1, &remote, 1, 0) != 1)
		__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

/* Byte 0 of the pending page follows the socket; re-arm the watch. */
static void pending_update(struct syndbg *d)
{
	bool waiting = data_waiting(d);
	uint8_t *p;

	if (d->pending_gpa) {
		p = devsvc_dma_map(d->svc, d->pending_gpa, 1, true);
		if (p)
			pending_store(p, waiting ? 1 : 0);
	}
	if (!waiting && !d->watching) {
		d->watching = true;
		devsvc_fd_mod(d->svc, d->sock, EPOLLIN);
	}
}

static void syndbg_ready(void *opaque, int fd, uint32_t events)
{
	struct syndbg *d = opaque;

	pthread_mutex_lock(&d->lock);
	if (data_waiting(d)) {
		/* Until the guest takes it, nothing more to watch for. */
		d->watching = false;
		devsvc_fd_mod(d->svc, d->sock, 0);
	}
	pending_update(d);
	pthread_mutex_unlock(&d->lock);
}

/* One datagram into @dst (at most @cap bytes; the rest is dropped). */
static ssize_t syndbg_recv(struct syndbg *d, void *dst, size_t cap)
{
	ssize_t n;

	for (;;) {
		n = recv(d->sock, dst, cap, MSG_DONTWAIT);
		if (n >= 0 || errno != ECONNREFUSED)
			break;
		d->refused = true;
	}
	return n;
}

/* ---------------------------------------------------------------- MSRs */

static uint64_t syndbg_msr(void *opaque, uint32_t msr, uint64_t control,
			   uint64_t send_page, uint64_t recv_page,
			   uint64_t pending_page)
{
	struct syndbg *d = opaque;
	uint64_t status = 0;
	uint32_t size;
	ssize_t n;
	void *p;

	pthread_mutex_lock(&d->lock);
	if (msr == HV_X64_MSR_SYNDBG_PENDING_BUFFER) {
		d->pending_gpa = pending_page;
		pending_update(d);
		goto out;
	}
	if (msr != HV_X64_MSR_SYNDBG_CONTROL)
		goto out;
	if (control & HV_SYNDBG_CONTROL_SEND) {
		size = HV_SYNDBG_CONTROL_SEND_SIZE(control);
		p = size <= SYNDBG_PAGE ?
		    devsvc_dma_map(d->svc, send_page, size ? size : 1,
				   false) : NULL;
		if (p && syndbg_send(d, p, size))
			status = HV_SYNDBG_STATUS_SEND_SUCCESS;
	} else if (control & HV_SYNDBG_CONTROL_RECV) {
		p = devsvc_dma_map(d->svc, recv_page, SYNDBG_PAGE, true);
		if (p) {
			n = syndbg_recv(d, p, SYNDBG_PAGE);
			if (n >= 0)
				status = HV_SYNDBG_STATUS_SET_SIZE(
					HV_SYNDBG_STATUS_RECV_SUCCESS, n);
		}
		pending_update(d);
	}
out:
	pthread_mutex_unlock(&d->lock);
	return status;
}

/* ---------------------------------------------------------------- hypercalls */

/*
 * Naturally aligned, so not packed: the count is read with an atomic
 * load (the guest may be writing it), which must not be misaligned.
 */
struct post_in {
	uint32_t count;
	uint32_t options;
	uint8_t data[];
};
_Static_assert(sizeof(struct post_in) == 8, "HvPostDebugData input");

struct retrieve_in {
	uint32_t count;
	uint32_t options;
	uint64_t timeout;
};
_Static_assert(sizeof(struct retrieve_in) == 16, "HvRetrieveDebugData input");

struct retrieve_out {
	uint32_t retrieved;
	uint32_t remaining;
	uint8_t data[];
} __attribute__((packed));

struct reset_out {
	uint32_t host_ip;
	uint32_t target_ip;
	uint16_t host_port;
	uint16_t target_port;
	uint8_t host_mac[6];
	uint8_t target_mac[6];
} __attribute__((packed));

static uint64_t hcall_post(struct syndbg *d, uint64_t ingpa, uint64_t outgpa)
{
	struct post_in *in;
	uint32_t count, *pending;
	size_t off, plen;
	uint32_t src;

	in = devsvc_dma_map(d->svc, ingpa, sizeof(*in), false);
	if (!in)
		return HV_STATUS_INSUFFICIENT_MEMORY;
	count = __atomic_load_n(&in->count, __ATOMIC_RELAXED);
	if (count > SYNDBG_PAGE - sizeof(*in))
		return HV_STATUS_INVALID_PARAMETER;
	pending = devsvc_dma_map(d->svc, outgpa, sizeof(*pending), true);
	if (!pending ||
	    !devsvc_dma_map(d->svc, ingpa, sizeof(*in) + count, false))
		return HV_STATUS_INSUFFICIENT_MEMORY;
	/* The guest may change the page under us: work on a copy. */
	memcpy(d->buf, in->data, count);
	*pending = 0;
	if (udp_frame_parse(d->buf, count, &off, &plen, &src)) {
		/* Not UDP over IPv4 (ARP, ...): nothing for the debugger. */
		goto done;
	}
	d->target_ip = src;
	/* A datagram goes whole or not at all: nothing stays pending. */
	if (!syndbg_send(d, d->buf + off, plen))
		return HV_STATUS_INSUFFICIENT_MEMORY;
done:
	return *pending ? HV_STATUS_INSUFFICIENT_BUFFERS : HV_STATUS_SUCCESS;
}

static uint64_t hcall_retrieve(struct syndbg *d, uint64_t ingpa,
			       uint64_t outgpa)
{
	struct retrieve_in *in;
	struct retrieve_out *out;
	uint32_t count;
	size_t len;
	ssize_t n;

	in = devsvc_dma_map(d->svc, ingpa, sizeof(*in), false);
	if (!in)
		return HV_STATUS_INSUFFICIENT_MEMORY;
	count = __atomic_load_n(&in->count, __ATOMIC_RELAXED);
	if (count > SYNDBG_PAGE - sizeof(*out))
		return HV_STATUS_INVALID_PARAMETER;
	out = devsvc_dma_map(d->svc, outgpa, sizeof(*out) + count, true);
	if (!out)
		return HV_STATUS_INSUFFICIENT_MEMORY;
	n = count > UDP_FRAME_HDR ?
	    syndbg_recv(d, d->buf, count - UDP_FRAME_HDR) : -1;
	if (n < 0) {
		out->retrieved = 0;
		out->remaining = count;
		pending_update(d);
		return HV_STATUS_NO_DATA;
	}
	len = udp_frame_build(out->data, count, d->buf, n, d->host_ip,
			      d->target_ip, d->host_port);
	out->retrieved = len;
	out->remaining = count - len;
	pending_update(d);
	return HV_STATUS_SUCCESS;
}

static uint64_t hcall_reset(struct syndbg *d, uint64_t ingpa, uint64_t outgpa)
{
	struct reset_out *out;
	uint32_t *options;
	ssize_t n;

	options = devsvc_dma_map(d->svc, ingpa, sizeof(*options), false);
	out = devsvc_dma_map(d->svc, outgpa, sizeof(*out), true);
	if (!options || !out)
		return HV_STATUS_INSUFFICIENT_MEMORY;
	if (__atomic_load_n(options, __ATOMIC_RELAXED) &
	    HV_DEBUG_PURGE_INCOMING) {
		do {
			n = syndbg_recv(d, d->buf, sizeof(d->buf));
		} while (n >= 0);
		pending_update(d);
	}
	memset(out, 0, sizeof(*out));
	out->host_ip = d->host_ip;
	out->target_ip = d->host_ip;
	out->host_port = d->host_port;
	out->target_port = d->host_port;
	return HV_STATUS_SUCCESS;
}

static uint64_t syndbg_hcall(void *opaque, uint16_t code, bool fast,
			     uint64_t ingpa, uint64_t outgpa)
{
	struct syndbg *d = opaque;
	uint64_t ret;

	/* Fast Post/Retrieve are refused by the backend already. */
	if (fast)
		return HV_STATUS_INVALID_PARAMETER;
	pthread_mutex_lock(&d->lock);
	switch (code) {
	case HVCALL_POST_DEBUG_DATA:
		ret = hcall_post(d, ingpa, outgpa);
		break;
	case HVCALL_RETRIEVE_DEBUG_DATA:
		ret = hcall_retrieve(d, ingpa, outgpa);
		break;
	case HVCALL_RESET_DEBUG_SESSION:
		ret = hcall_reset(d, ingpa, outgpa);
		break;
	default:
		ret = HV_STATUS_INVALID_HYPERCALL_CODE;
	}
	pthread_mutex_unlock(&d->lock);
	return ret;
}

static const struct hyperv_dbg_ops syndbg_ops = {
	.syndbg = syndbg_msr,
	.hcall = syndbg_hcall,
};

/* ---------------------------------------------------------------- lifecycle */

/*
 * Version 1: the pending page's GPA and the learnt target IP.  The
 * syndbg MSRs themselves are vCPU state in the backend; the socket is
 * not migrated (a restored VM talks to this host's debugger).
 */
static int syndbg_save(void *opaque, struct sbuf *out)
{
	struct syndbg *d = opaque;

	pthread_mutex_lock(&d->lock);
	sbuf_put_u64(out, d->pending_gpa);
	sbuf_put_u32(out, d->target_ip);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

static int syndbg_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct syndbg *d = opaque;
	uint64_t gpa = sbuf_get_u64(in);
	uint32_t ip = sbuf_get_u32(in);

	if (sbuf_error(in))
		return sbuf_error(in);
	pthread_mutex_lock(&d->lock);
	d->pending_gpa = gpa;
	d->target_ip = ip;
	pending_update(d);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

static void syndbg_reset(void *opaque)
{
	struct syndbg *d = opaque;

	pthread_mutex_lock(&d->lock);
	d->pending_gpa = 0;
	d->target_ip = d->host_ip;
	pthread_mutex_unlock(&d->lock);
}

static void syndbg_destroy(void *opaque)
{
	struct syndbg *d = opaque;

	if (d->sock >= 0)
		close(d->sock);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

static const struct component_ops syndbg_comp_ops = {
	.version = 1,
	.reset = syndbg_reset,
	.save = syndbg_save,
	.load = syndbg_load,
	.destroy = syndbg_destroy,
};

/* ---------------------------------------------------------------- init */

int hv_syndbg_init(struct devsvc *svc, const struct vm_config *cfg,
		   char *err, size_t err_len)
{
	const struct vm_hyperv *h = &cfg->hyperv;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int rcvbuf = SYNDBG_RCVBUF, ret;
	struct syndbg *d;
	char ip[INET_ADDRSTRLEN];

	if (!vm_hv_has(h, VM_HV_SYNDBG))
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->svc = svc;
	d->host_ip = h->dbg_host_ip;
	d->host_port = h->dbg_host_port;
	d->target_ip = h->dbg_host_ip;
	d->watching = true;
	pthread_mutex_init(&d->lock, NULL);
	d->sock = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->sock < 0) {
		ret = -errno;
		snprintf(err, err_len, "hv-syndbg: socket: %s", strerror(errno));
		syndbg_destroy(d);
		return ret;
	}
	setsockopt(d->sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	sa.sin_addr.s_addr = d->host_ip;
	sa.sin_port = htons(d->host_port);
	if (connect(d->sock, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		inet_ntop(AF_INET, &d->host_ip, ip, sizeof(ip));
		snprintf(err, err_len, "hv-syndbg: %s:%u: %s", ip,
			 d->host_port, strerror(errno));
		syndbg_destroy(d);
		return ret;
	}
	ret = devsvc_component(svc, "hv-syndbg", COMP_STAGE_PLATFORM,
			       &syndbg_comp_ops, d);
	if (ret) {
		syndbg_destroy(d);
		return ret;
	}
	ret = devsvc_fd_add(svc, d->sock, EPOLLIN, syndbg_ready, d);
	if (ret)
		return ret;
	return devsvc_hyperv_debugger(svc, &syndbg_ops, d);
}
