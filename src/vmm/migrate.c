// SPDX-License-Identifier: GPL-2.0
/*
 * migrate.c - live migration, source and destination (see migrate.h).
 *
 * Convergence rule: after each round the thread counts the dirty pages
 * and measures the bandwidth of the round; when the dirty pages could be
 * sent within MIG_DOWNTIME_GOAL_NS, when MIG_STALL_ROUNDS rounds in a row
 * did not shrink them (the guest dirties as fast as we send), or after
 * MIG_MAX_ROUNDS rounds, it stops the vCPUs and copies the rest.  Only pages the guest (or a
 * device) wrote since the previous round are sent again; pages that were
 * never touched are never read (memfd holes) and zero pages of the first
 * round are not sent at all (the destination's RAM starts zeroed).
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "lib/compiler.h"
#include "vmm/firmware.h"
#include "vmm/migrate.h"
#include "vmm/vm.h"

#define MIG_MAX_ROUNDS		30
#define MIG_DOWNTIME_GOAL_NS	10000000ull	/* for the last RAM copy */
#define MIG_MIN_PAGES		64
#define MIG_STALL_ROUNDS	3	/* rounds without fewer dirty pages */
#define MIG_ACK_TIMEOUT_MS	120000
#define MIG_ACK_OK		'K'
#define MIG_ACK_FAIL		'E'

struct migration {
	struct vm *vm;
	int fd;
	pthread_t thread;
	migrate_notify_fn notify;
	void *opaque;
	pthread_mutex_t lock;
	struct migrate_info info;	/* under lock */
	uint64_t t0;
	struct snap_writer w;
	struct snap_region reg[SNAP_MAX_REGIONS];
	unsigned int nr_reg;
	uint64_t *dirty[SNAP_MAX_REGIONS];
	/* The memslots whose dirty logs cover the regions (AS0 and AS1). */
	struct hv_memslot src[SNAP_MAX_REGIONS + SMRAM_MAX_ALIASES];
	unsigned int nr_src;
	uint64_t *tmp;		/* one slot's log */
	/* One PAGES record being built. */
	uint8_t *batch;		/* the PAGES record being built */
	uint8_t *stage;		/* guest pages copied for it */
	uint16_t batch_as;
	/* Pages queued for the next record (at most SNAP_PAGES_MAX). */
	struct iovec cand_iov[SNAP_PAGES_MAX];
	uint64_t cand_addr[SNAP_PAGES_MAX];
	uint32_t cand_data[SNAP_PAGES_MAX];
	bool cand_zero[SNAP_PAGES_MAX];
	uint32_t nr_cand;
	char err[256];
};

const char *migrate_status_name(enum migrate_status s)
{
	static const char *const names[] = {
		[MIGRATE_SETUP] = "setup",
		[MIGRATE_ACTIVE] = "active",
		[MIGRATE_DEVICE] = "device",
		[MIGRATE_COMPLETED] = "completed",
		[MIGRATE_FAILED] = "failed",
	};

	return (unsigned int)s < ARRAY_SIZE(names) ? names[s] : "?";
}

/* ------------------------------------------------------------ sockets */

/* "tcp:HOST:PORT" or "unix:PATH" into an address. */
static int mig_parse_uri(const char *uri, bool listen_side,
			 struct addrinfo **ai, struct sockaddr_un *sun,
			 char *err, size_t err_len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	char host[256];
	const char *colon;
	int ret;

	*ai = NULL;
	if (!strncmp(uri, "unix:", 5)) {
		if (!uri[5] || strlen(uri + 5) >= sizeof(sun->sun_path)) {
			snprintf(err, err_len, "%s: bad unix socket path", uri);
			return -EINVAL;
		}
		memset(sun, 0, sizeof(*sun));
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, uri + 5);
		return 0;
	}
	if (strncmp(uri, "tcp:", 4) || !(colon = strrchr(uri + 4, ':')) ||
	    (size_t)(colon - (uri + 4)) >= sizeof(host) || !colon[1]) {
		snprintf(err, err_len,
			 "%s: expected tcp:HOST:PORT or unix:PATH", uri);
		return -EINVAL;
	}
	memcpy(host, uri + 4, (size_t)(colon - (uri + 4)));
	host[colon - (uri + 4)] = '\0';
	if (listen_side)
		hints.ai_flags = AI_PASSIVE;
	ret = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, ai);
	if (ret) {
		snprintf(err, err_len, "%s: %s", uri, gai_strerror(ret));
		return -EINVAL;
	}
	return 0;
}

static int mig_connect(const char *uri, char *err, size_t err_len)
{
	struct sockaddr_un sun;
	struct addrinfo *ai, *a;
	int fd = -1, ret, one = 1;

	ret = mig_parse_uri(uri, false, &ai, &sun, err, err_len);
	if (ret)
		return ret;
	if (!ai) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 &&
		    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return fd;
		ret = -errno;
		snprintf(err, err_len, "%s: %s", uri, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	ret = -ECONNREFUSED;
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
			    a->ai_protocol);
		if (fd < 0)
			continue;
		if (!connect(fd, a->ai_addr, a->ai_addrlen))
			break;
		ret = -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0) {
		snprintf(err, err_len, "%s: %s", uri, strerror(-ret));
		return ret;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int mig_listen_accept(const char *uri, char *err, size_t err_len)
{
	struct sockaddr_un sun;
	struct addrinfo *ai;
	int lfd, fd, ret, one = 1;

	ret = mig_parse_uri(uri, true, &ai, &sun, err, err_len);
	if (ret)
		return ret;
	if (ai) {
		lfd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			     ai->ai_protocol);
		if (lfd >= 0) {
			setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one,
				   sizeof(one));
			if (bind(lfd, ai->ai_addr, ai->ai_addrlen) < 0) {
				close(lfd);
				lfd = -1;
			}
		}
		freeaddrinfo(ai);
	} else {
		unlink(sun.sun_path);
		lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (lfd >= 0 &&
		    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			close(lfd);
			lfd = -1;
		}
	}
	if (lfd < 0 || listen(lfd, 1) < 0) {
		ret = -errno;
		snprintf(err, err_len, "--incoming %s: %s", uri,
			 strerror(errno));
		if (lfd >= 0)
			close(lfd);
		return ret;
	}
	do {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	ret = fd < 0 ? -errno : 0;
	close(lfd);
	if (!ai)
		unlink(sun.sun_path);
	if (ret) {
		snprintf(err, err_len, "--incoming %s: %s", uri,
			 strerror(-ret));
		return ret;
	}
	return fd;
}

/* ------------------------------------------------------------ source */

static void mig_set_status(struct migration *m, enum migrate_status s)
{
	pthread_mutex_lock(&m->lock);
	m->info.status = s;
	if (s == MIGRATE_FAILED)
		snprintf(m->info.error, sizeof(m->info.error), "%s", m->err);
	pthread_mutex_unlock(&m->lock);
	if (m->notify)
		m->notify(m->opaque, s);
}

static void mig_count(struct migration *m, uint64_t pages)
{
	pthread_mutex_lock(&m->lock);
	m->info.pages += pages;
	m->info.bytes = m->w.off;
	pthread_mutex_unlock(&m->lock);
}

/*
 * Guest pages are copied into the batch by the kernel (process_vm_readv
 * on ourselves), one call per batch: the copy is what the CRC covers and
 * what goes on the wire, so a page the guest changes meanwhile is sent
 * consistently (and again later: it is dirty), and the concurrent read of
 * guest RAM is not a userspace access that races with the vCPUs.
 */
static int mig_fetch(struct migration *m)
{
	struct iovec local = {
		.iov_base = m->stage,
		.iov_len = (size_t)m->nr_cand * SNAP_PAGE_SIZE,
	};
	ssize_t n;

	n = process_vm_readv(getpid(), &local, 1, m->cand_iov, m->nr_cand, 0);
	if (n == (ssize_t)local.iov_len)
		return 0;
	return n < 0 ? -errno : -EIO;
}

static void mig_flush(struct migration *m)
{
	uint8_t *addrs = m->batch + 6, *data;
	uint32_t i, n = 0, ndata = 0;
	int ret;

	if (!m->nr_cand || m->w.err)
		goto out;
	ret = mig_fetch(m);
	if (ret) {
		m->w.err = ret;
		goto out;
	}
	/* Addresses first, then the data of the non-zero pages. */
	for (i = 0; i < m->nr_cand; i++) {
		const uint8_t *pg = m->stage + (size_t)i * SNAP_PAGE_SIZE;
		bool zero = snap_page_is_zero(pg);

		if (zero && !m->cand_zero[i])
			continue;
		m->cand_addr[n] = m->cand_addr[i] | (zero ? SNAP_PAGE_ZERO : 0);
		m->cand_data[n] = zero ? UINT32_MAX : i;
		n++;
		ndata += !zero;
	}
	if (!n)
		goto out;
	data = addrs + (size_t)n * 8;
	for (i = 0; i < n; i++) {
		unsigned int k;

		for (k = 0; k < 8; k++)
			addrs[i * 8 + k] = (uint8_t)(m->cand_addr[i] >> (8 * k));
	}
	for (i = 0, ndata = 0; i < n; i++) {
		if (m->cand_data[i] == UINT32_MAX)
			continue;
		memcpy(data + (size_t)ndata * SNAP_PAGE_SIZE,
		       m->stage + (size_t)m->cand_data[i] * SNAP_PAGE_SIZE,
		       SNAP_PAGE_SIZE);
		ndata++;
	}
	m->batch[0] = (uint8_t)m->batch_as;
	m->batch[1] = (uint8_t)(m->batch_as >> 8);
	m->batch[2] = (uint8_t)n;
	m->batch[3] = (uint8_t)(n >> 8);
	m->batch[4] = (uint8_t)(n >> 16);
	m->batch[5] = (uint8_t)(n >> 24);
	snap_write_rec(&m->w, SNAP_REC_PAGES, 1, "pages", m->batch,
		       6 + (size_t)n * 8 + (size_t)ndata * SNAP_PAGE_SIZE);
	mig_count(m, n);
out:
	m->nr_cand = 0;
}

/*
 * Queue the page at @off of @r.  A page found all zero is sent as such
 * only with @send_zero (a re-sent page that became zero); the first round
 * skips zero pages, the destination's RAM starts zeroed.
 */
static void mig_put_page(struct migration *m, const struct snap_region *r,
			 uint64_t off, bool send_zero)
{
	if (m->nr_cand && m->batch_as != r->as_id)
		mig_flush(m);
	m->batch_as = r->as_id;
	m->cand_iov[m->nr_cand] = (struct iovec){
		.iov_base = r->host + off, .iov_len = SNAP_PAGE_SIZE,
	};
	m->cand_addr[m->nr_cand] = r->gpa + off;
	m->cand_zero[m->nr_cand] = send_zero;
	if (++m->nr_cand == SNAP_PAGES_MAX)
		mig_flush(m);
}

/*
 * The slots to log: guest RAM in AS0 (the firmware machine's own layout
 * where there is one) and its aliases in AS1.
 */
static void mig_find_slots(struct migration *m)
{
	struct vm *vm = m->vm;
	unsigned int i;

	m->nr_src = 0;
	if (vm->fw)
		m->nr_src = firmware_ram_slots(vm->fw, m->src,
					       ARRAY_SIZE(m->src) -
					       SMRAM_MAX_ALIASES);
	for (i = 0; !vm->fw && i < vm->mem.ram.nr; i++) {
		const struct boot_ram_region *r = &vm->mem.ram.region[i];

		m->src[m->nr_src++] = (struct hv_memslot){
			.slot = (uint16_t)i,
			.as_id = HV_AS_NORMAL,
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = r->host,
			.guest_memfd = -1,
		};
	}
	m->nr_src += smram_alias_slots(vm, m->src + m->nr_src,
				       SMRAM_MAX_ALIASES);
}

static int mig_dirty_log(struct migration *m, bool on)
{
	struct vm *vm = m->vm;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < m->nr_src; i++) {
		struct hv_memslot slot = m->src[i];
		int e;

		slot.flags = on ? HV_MEM_LOG_DIRTY_PAGES : 0;
		e = hv_set_memslot(vm->hv_vm, &slot);
		if (e && !ret)
			ret = e;
	}
	if (!ret)
		ret = guest_mem_track_dirty(&vm->mem, on);
	return ret;
}

/* The region holding host page @p, or NULL. */
static int mig_region_of(struct migration *m, const uint8_t *p)
{
	unsigned int i;

	for (i = 0; i < m->nr_reg; i++)
		if (p >= m->reg[i].host && p < m->reg[i].host + m->reg[i].size)
			return (int)i;
	return -1;
}

/*
 * Fetch and clear every slot's dirty log (and the VMM's DMA log) into
 * the regions' bitmaps; returns how many pages are dirty.  SMRAM is 32
 * pages that only SMM code writes: it is sent whole every time.
 */
static int mig_sync_dirty(struct migration *m, uint64_t *count)
{
	struct vm *vm = m->vm;
	uint64_t pages, w, bits;
	unsigned int i;
	int ret, ri;

	*count = 0;
	for (i = 0; i < m->nr_reg; i++) {
		pages = m->reg[i].size / SNAP_PAGE_SIZE;
		memset(m->dirty[i], 0, ALIGN_UP(pages, 64) / 8);
		if (m->reg[i].as_id != HV_AS_SMM)
			continue;
		for (w = 0; w < pages; w++)
			m->dirty[i][w / 64] |= 1ull << (w % 64);
	}
	/*
	 * The firmware machine's PAM segments (256 KiB of the low region):
	 * their slots change with the PAM registers, and writes to a
	 * read-only view reach RAM through the VMM, so they are not logged:
	 * send them whole every time.
	 */
	if (vm->fw && m->nr_reg && m->reg[0].as_id == HV_AS_NORMAL &&
	    !m->reg[0].gpa && m->reg[0].size >= FW_PAM_END)
		for (w = FW_PAM_START / SNAP_PAGE_SIZE;
		     w < FW_PAM_END / SNAP_PAGE_SIZE; w++)
			m->dirty[0][w / 64] |= 1ull << (w % 64);
	for (i = 0; i < m->nr_src; i++) {
		const struct hv_memslot *s = &m->src[i];
		uint8_t *host = s->userspace_addr;

		pages = s->memory_size / SNAP_PAGE_SIZE;
		memset(m->tmp, 0, ALIGN_UP(pages, 64) / 8);
		ret = hv_get_dirty_log(vm->hv_vm, s->as_id, s->slot, m->tmp);
		if (ret)
			return ret;
		for (w = 0; w < ALIGN_UP(pages, 64) / 64; w++) {
			for (bits = m->tmp[w]; bits; bits &= bits - 1) {
				uint64_t pg = w * 64 + (uint64_t)__builtin_ctzll(bits);
				uint8_t *p = host + pg * SNAP_PAGE_SIZE;
				uint64_t off;

				ri = mig_region_of(m, p);
				if (ri < 0)
					continue;
				off = (uint64_t)(p - m->reg[ri].host) / SNAP_PAGE_SIZE;
				m->dirty[ri][off / 64] |= 1ull << (off % 64);
			}
		}
	}
	for (i = 0; i < m->nr_reg; i++) {
		struct snap_region *r = &m->reg[i];

		pages = r->size / SNAP_PAGE_SIZE;
		if (r->host >= vm->mem.host &&
		    r->host < vm->mem.host + vm->mem.size)
			guest_mem_take_dirty(&vm->mem,
					     (uint64_t)(r->host - vm->mem.host) /
					     SNAP_PAGE_SIZE, pages, m->dirty[i]);
		for (w = 0; w < ALIGN_UP(pages, 64) / 64; w++)
			*count += (uint64_t)__builtin_popcountll(m->dirty[i][w]);
	}
	return 0;
}

static void mig_send_dirty(struct migration *m)
{
	unsigned int i;
	uint64_t w, bits, pages;

	for (i = 0; i < m->nr_reg && !m->w.err; i++) {
		pages = m->reg[i].size / SNAP_PAGE_SIZE;
		for (w = 0; w < ALIGN_UP(pages, 64) / 64; w++) {
			bits = m->dirty[i][w];
			while (bits) {
				unsigned int b = (unsigned int)__builtin_ctzll(bits);

				bits &= bits - 1;
				mig_put_page(m, &m->reg[i],
					     (w * 64 + b) * SNAP_PAGE_SIZE, true);
			}
		}
	}
	mig_flush(m);
}

/* Round 0: everything that may hold data, zero pages skipped. */
static void mig_send_all(struct migration *m)
{
	unsigned int i;
	uint64_t pos, end;

	for (i = 0; i < m->nr_reg && !m->w.err; i++) {
		const struct snap_region *r = &m->reg[i];

		for (pos = 0; pos < r->size && !m->w.err;) {
			pos = snap_ram_next_data(m->vm, r, pos, &end);
			for (; pos < end && !m->w.err; pos += SNAP_PAGE_SIZE)
				mig_put_page(m, r, pos, false);
		}
	}
	mig_flush(m);
}

static int mig_wait_ack(struct migration *m)
{
	struct pollfd p = { .fd = m->fd, .events = POLLIN };
	char c;
	int r;

	r = poll(&p, 1, MIG_ACK_TIMEOUT_MS);
	if (r <= 0) {
		snprintf(m->err, sizeof(m->err),
			 "the destination did not acknowledge the VM");
		return -ETIMEDOUT;
	}
	if (read(m->fd, &c, 1) != 1 || c != MIG_ACK_OK) {
		snprintf(m->err, sizeof(m->err),
			 "the destination refused or lost the VM");
		return -ECONNABORTED;
	}
	return 0;
}

/* vCPUs of a stopped VM that are inside SMM (their events say so). */
static unsigned int mig_vcpus_in_smm(struct vm *vm)
{
	struct kvm_vcpu_events ev;
	unsigned int i, n = 0;

	for (i = 0; i < vm->nr_vcpus; i++) {
		memset(&ev, 0, sizeof(ev));
		if (!hv_vcpu_get_events(vm->vcpus[i].hv, &ev) &&
		    (ev.flags & KVM_VCPUEVENT_VALID_SMM) && ev.smi.smm)
			n++;
	}
	return n;
}

/* Stop-and-copy, on the event loop: nothing else touches the devices. */
static int mig_final(struct vm *vm, void *opaque)
{
	struct migration *m = opaque;
	bool was_paused = vm_paused(vm);
	unsigned int in_smm;
	uint64_t t_stop, left;
	char cerr[VM_MSG_LEN];
	int ret;

	ret = vm_pause(vm);
	if (ret) {
		snprintf(m->err, sizeof(m->err), "the VM is shutting down");
		return ret;
	}
	t_stop = vm_now_ns();
	in_smm = mig_vcpus_in_smm(vm);
	mig_set_status(m, MIGRATE_DEVICE);
	ret = mig_sync_dirty(m, &left);
	if (ret) {
		snprintf(m->err, sizeof(m->err), "dirty log: %s",
			 strerror(-ret));
		goto fail;
	}
	mig_send_dirty(m);
	ret = snap_write_components(&m->w, vm, cerr, sizeof(cerr));
	if (ret && !m->w.err) {
		snprintf(m->err, sizeof(m->err), "%s", cerr);
		goto fail;
	}
	snap_write_rec(&m->w, SNAP_REC_END, 1, "end", NULL, 0);
	mig_count(m, 0);
	if (m->w.err) {
		ret = m->w.err;
		snprintf(m->err, sizeof(m->err), "sending to the destination: %s",
			 strerror(-ret));
		goto fail;
	}
	ret = mig_wait_ack(m);
	if (ret)
		goto fail;
	pthread_mutex_lock(&m->lock);
	m->info.downtime_ns = vm_now_ns() - t_stop;
	m->info.remaining = 0;
	m->info.vcpus_in_smm = in_smm;
	pthread_mutex_unlock(&m->lock);
	return 0;
fail:
	/* The destination does not have the VM: carry on here. */
	if (!was_paused)
		vm_resume(vm);
	return ret ? ret : -EIO;
}

static void *mig_thread(void *arg)
{
	struct migration *m = arg;
	uint64_t t, dirty, bytes, ns, goal, last_dirty = UINT64_MAX;
	unsigned int stalled = 0;
	int ret;

	mig_set_status(m, MIGRATE_ACTIVE);
	ret = mig_dirty_log(m, true);
	if (ret) {
		snprintf(m->err, sizeof(m->err), "cannot log dirty pages: %s",
			 strerror(-ret));
		goto fail;
	}
	snap_write_header(&m->w, SNAP_KIND_MIGRATION);
	ret = snap_write_machine(&m->w, m->vm);
	if (ret)
		goto io;
	/* Round 0 copies everything; the log has what changed since. */
	t = vm_now_ns();
	bytes = m->w.off;
	mig_send_all(m);
	for (;;) {
		if (m->w.err)
			goto io;
		pthread_mutex_lock(&m->lock);
		m->info.rounds++;
		pthread_mutex_unlock(&m->lock);
		ns = vm_now_ns() - t;
		bytes = m->w.off - bytes;
		ret = mig_sync_dirty(m, &dirty);
		if (ret) {
			snprintf(m->err, sizeof(m->err), "dirty log: %s",
				 strerror(-ret));
			goto fail;
		}
		pthread_mutex_lock(&m->lock);
		m->info.remaining = dirty;
		pthread_mutex_unlock(&m->lock);
		/* Pages the last round's bandwidth moves within the goal. */
		goal = ns ? (uint64_t)((unsigned __int128)bytes *
				       MIG_DOWNTIME_GOAL_NS / ns) /
			    SNAP_PAGE_SIZE : 0;
		/*
		 * A guest that dirties pages as fast as we send them will
		 * not converge: after MIG_STALL_ROUNDS rounds without
		 * progress, copying more only adds total time.
		 */
		stalled = dirty >= last_dirty ? stalled + 1 : 0;
		last_dirty = dirty;
		if (dirty <= MIG_MIN_PAGES || dirty <= goal ||
		    stalled >= MIG_STALL_ROUNDS ||
		    m->info.rounds >= MIG_MAX_ROUNDS)
			break;
		t = vm_now_ns();
		bytes = m->w.off;
		mig_send_dirty(m);
	}
	/* Send what the last count found; mig_final() sends what follows. */
	mig_send_dirty(m);
	if (m->w.err)
		goto io;
	ret = vm_control_call(m->vm, mig_final, m);
	if (ret)
		goto fail;
	mig_dirty_log(m, false);
	pthread_mutex_lock(&m->lock);
	m->info.total_ns = vm_now_ns() - m->t0;
	pthread_mutex_unlock(&m->lock);
	mig_set_status(m, MIGRATE_COMPLETED);
	return NULL;
io:
	snprintf(m->err, sizeof(m->err), "sending to the destination: %s",
		 strerror(-m->w.err));
fail:
	mig_dirty_log(m, false);
	pthread_mutex_lock(&m->lock);
	m->info.total_ns = vm_now_ns() - m->t0;
	pthread_mutex_unlock(&m->lock);
	mig_set_status(m, MIGRATE_FAILED);
	return NULL;
}

int migrate_start(struct vm *vm, const char *uri, migrate_notify_fn notify,
		  void *opaque, struct migration **out, char *err,
		  size_t err_len)
{
	struct migration *m;
	unsigned int i;
	int ret;

	*out = NULL;
	/* Private pages are out of the VMM's reach: it cannot send them. */
	if (vm->priv.enabled) {
		snprintf(err, err_len, "a VM with --private-memory cannot be "
			 "migrated: the VMM cannot read its private pages");
		return -EOPNOTSUPP;
	}
	if (hv_check_cap(vm->hv, HV_CAP_DIRTY_LOG) <= 0) {
		snprintf(err, err_len, "%s has no dirty page log",
			 hv_backend_desc(vm->hv));
		return -EOPNOTSUPP;
	}
	/* Refuse now rather than after the whole pre-copy. */
	ret = vm_ioreq_check_save(vm, err, err_len);
	if (ret)
		return ret;
	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	m->vm = vm;
	m->notify = notify;
	m->opaque = opaque;
	m->t0 = vm_now_ns();
	pthread_mutex_init(&m->lock, NULL);
	m->nr_reg = snap_regions(NULL, vm, m->reg, SNAP_MAX_REGIONS);
	m->batch = malloc(6 + (size_t)SNAP_PAGES_MAX * (8 + SNAP_PAGE_SIZE));
	m->stage = malloc((size_t)SNAP_PAGES_MAX * SNAP_PAGE_SIZE);
	ret = m->batch && m->stage ? 0 : -ENOMEM;
	for (i = 0; !ret && i < m->nr_reg; i++) {
		m->dirty[i] = calloc(ALIGN_UP(m->reg[i].size / SNAP_PAGE_SIZE,
					      64) / 8, 1);
		if (!m->dirty[i])
			ret = -ENOMEM;
	}
	mig_find_slots(m);
	/* Big enough for the largest slot: RAM regions are the largest. */
	m->tmp = ret ? NULL : calloc(ALIGN_UP(vm->mem.size / SNAP_PAGE_SIZE,
					      64) / 8, 1);
	if (!m->tmp)
		ret = -ENOMEM;
	if (ret) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	m->fd = mig_connect(uri, err, err_len);
	if (m->fd < 0) {
		ret = m->fd;
		goto fail;
	}
	snap_writer_init(&m->w, m->fd);
	ret = -pthread_create(&m->thread, NULL, mig_thread, m);
	if (ret) {
		snprintf(err, err_len, "cannot start the migration: %s",
			 strerror(-ret));
		close(m->fd);
		goto fail;
	}
	*out = m;
	return 0;
fail:
	m->fd = -1;
	for (i = 0; i < m->nr_reg; i++)
		free(m->dirty[i]);
	free(m->tmp);
	free(m->stage);
	free(m->batch);
	pthread_mutex_destroy(&m->lock);
	free(m);
	return ret;
}

void migrate_query(struct migration *m, struct migrate_info *info)
{
	pthread_mutex_lock(&m->lock);
	*info = m->info;
	if (info->status != MIGRATE_COMPLETED &&
	    info->status != MIGRATE_FAILED)
		info->total_ns = vm_now_ns() - m->t0;
	pthread_mutex_unlock(&m->lock);
}

void migrate_free(struct migration *m)
{
	unsigned int i;

	if (!m)
		return;
	pthread_join(m->thread, NULL);
	close(m->fd);
	for (i = 0; i < m->nr_reg; i++)
		free(m->dirty[i]);
	free(m->tmp);
	free(m->stage);
	free(m->batch);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* ------------------------------------------------------------ destination */

static long mig_sock_read(void *opaque, void *buf, size_t n)
{
	ssize_t r;

	do {
		r = recv(*(int *)opaque, buf, n, 0);
	} while (r < 0 && errno == EINTR);
	if (r < 0 && errno == ECONNRESET)
		return 0;	/* the source went away: a truncated stream */
	return r < 0 ? -errno : r;
}

int vm_migrate_incoming(const char *uri, const struct vm_restore_opts *opts,
			struct vm **out, char *err, size_t err_len)
{
	struct snap_reader r = { .read = mig_sock_read };
	char why[VM_MSG_LEN], ack;
	enum snap_kind kind;
	struct snap_load L;
	int fd, ret;

	*out = NULL;
	fd = mig_listen_accept(uri, err, err_len);
	if (fd < 0)
		return fd;
	r.opaque = &fd;
	ret = snap_read_header(&r, &kind, why, sizeof(why));
	if (!ret && kind != SNAP_KIND_MIGRATION) {
		snprintf(why, sizeof(why), "not a migration stream");
		ret = -EBADMSG;
	}
	if (!ret) {
		snap_load_init(&L, opts, SNAP_KIND_MIGRATION);
		ret = snap_load_stream(&L, &r, out, why, sizeof(why));
		snap_load_release(&L);
	}
	ack = ret ? MIG_ACK_FAIL : MIG_ACK_OK;
	if (send(fd, &ack, 1, MSG_NOSIGNAL) != 1 && !ret) {
		/* The source cannot know we have it: it keeps running it. */
		vm_destroy(*out);
		*out = NULL;
		snprintf(why, sizeof(why), "the source went away before the hand-over");
		ret = -ECONNABORTED;
	}
	close(fd);
	if (ret)
		snprintf(err, err_len, "incoming migration failed: %s", why);
	return ret;
}
