// SPDX-License-Identifier: GPL-2.0
/*
 * ioreq_proto.c - the request path between the ioreq host and device
 * models: round trips of every request type through libcvisor-dm's
 * emulator loop, the buffered ring (8-byte two-slot entries, ring-full
 * fallback to the synchronous path, ATOMIC pointer rebasing, ordering
 * before a synchronous request), INVALIDATE / TIMEOFFSET broadcasts,
 * enable and disable while a vCPU is doing I/O, and hostile device models
 * (backward and unknown slot states, a doorbell flood, writes to the slot
 * while the vCPU waits, a read pointer past the write pointer): the VM is
 * stopped or the request fails, the host never hangs or crashes.
 */
#include <poll.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include "iotest.h"

/* ------------------------------------------------ a scratch device */

#define SCRATCH_SLOTS	64

struct scratch {
	pthread_mutex_t lock;
	uint64_t val[3][SCRATCH_SLOTS];	/* by request type, addr % slots */
	unsigned int nr_io, nr_timeoffset, nr_invalidate;
	int64_t offset;
	uint64_t log[1024];		/* buffered writes, in order */
	unsigned int nr_log;
};

static void scratch_io(void *opaque, uint8_t type, uint64_t addr,
		       unsigned int size, uint64_t *data, int is_write)
{
	struct scratch *s = opaque;
	uint64_t *v = &s->val[type % 3][addr % SCRATCH_SLOTS];

	pthread_mutex_lock(&s->lock);
	s->nr_io++;
	if (is_write) {
		*v = *data;
		if (s->nr_log < 1024)
			s->log[s->nr_log++] = *data;
	} else {
		*data = *v;
	}
	pthread_mutex_unlock(&s->lock);
}

static void scratch_timeoffset(void *opaque, int64_t off)
{
	struct scratch *s = opaque;

	pthread_mutex_lock(&s->lock);
	s->nr_timeoffset++;
	s->offset = off;
	pthread_mutex_unlock(&s->lock);
}

static void scratch_invalidate(void *opaque)
{
	struct scratch *s = opaque;

	pthread_mutex_lock(&s->lock);
	s->nr_invalidate++;
	pthread_mutex_unlock(&s->lock);
}

static const struct cvdm_io_ops scratch_ops = {
	.io = scratch_io, .timeoffset = scratch_timeoffset,
	.invalidate = scratch_invalidate,
};

/* A device model thread: libcvisor-dm's loop until told to stop. */
struct dm_thread {
	struct cvdm_emu *e;
	struct scratch dev;
	int stop_fd;
	pthread_t thread;
	int err;
};

static void *dm_thread_fn(void *arg)
{
	struct dm_thread *dt = arg;
	struct pollfd pfd[2] = {
		{ .fd = cvdm_emu_fd(dt->e), .events = POLLIN },
		{ .fd = dt->stop_fd, .events = POLLIN },
	};

	for (;;) {
		if (poll(pfd, 2, -1) < 0)
			continue;
		if (pfd[1].revents)
			return NULL;
		if (cvdm_emu_process(dt->e)) {
			dt->err = errno;
			return NULL;
		}
	}
}

static void dm_start(struct dm_thread *dt, int bufmode)
{
	memset(dt, 0, sizeof(*dt));
	pthread_mutex_init(&dt->dev.lock, NULL);
	dt->e = cvdm_emu_create(bufmode, &scratch_ops, &dt->dev);
	CHECK(dt->e, "cvdm_emu_create: %s", strerror(errno));
	dt->stop_fd = eventfd(0, EFD_CLOEXEC);
	CHECK(dt->stop_fd >= 0);
	CHECK_EQ(pthread_create(&dt->thread, NULL, dm_thread_fn, dt), 0);
}

static void dm_stop(struct dm_thread *dt)
{
	uint64_t one = 1;

	CHECK_EQ(write(dt->stop_fd, &one, 8), 8);
	pthread_join(dt->thread, NULL);
	close(dt->stop_fd);
	cvdm_emu_destroy(dt->e);
	CHECK_EQ(dt->err, 0);
}

/* ----------------------------------------------- a hand-driven model */

struct raw {
	xendevicemodel_handle *d;
	xenforeignmemory_handle *f;
	xenevtchn_handle *x;
	xenforeignmemory_resource_handle *res;
	ioservid_t id;
	struct buffered_iopage *buf;
	struct ioreq *slots;
	int port[2], bport;
};

static void raw_open(struct raw *r, int bufmode)
{
	evtchn_port_t bp;
	void *p = NULL;
	int i;

	memset(r, 0, sizeof(*r));
	r->d = xendevicemodel_open(NULL, 0);
	r->f = xenforeignmemory_open(NULL, 0);
	r->x = xenevtchn_open(NULL, 0);
	CHECK(r->d && r->f && r->x);
	CHECK_OK(DM(xendevicemodel_create_ioreq_server(r->d, 0, bufmode,
						       &r->id)));
	/* Frame 0 (the ring) exists only with buffering. */
	r->res = xenforeignmemory_map_resource(r->f, 0, 0, r->id,
					       bufmode ? 0 : 1, bufmode ? 2 : 1,
					       &p, PROT_READ | PROT_WRITE, 0);
	CHECK(r->res, "map: %s", strerror(errno));
	r->buf = bufmode ? p : NULL;
	r->slots = (struct ioreq *)((uint8_t *)p + (bufmode ? 4096 : 0));
	CHECK_OK(DM(xendevicemodel_get_ioreq_server_info(r->d, 0, r->id, NULL,
							 NULL, &bp)));
	CHECK_OK(DM(xendevicemodel_set_ioreq_server_state(r->d, 0, r->id, 1)));
	for (i = 0; i < 2; i++) {
		r->port[i] = xenevtchn_bind_interdomain(r->x, 0,
							r->slots[i].vp_eport);
		CHECK(r->port[i] > 0);
	}
	if (bufmode) {
		r->bport = xenevtchn_bind_interdomain(r->x, 0, bp);
		CHECK(r->bport > 0);
	}
}

static void raw_close(struct raw *r)
{
	xendevicemodel_destroy_ioreq_server(r->d, 0, r->id);
	xenforeignmemory_unmap_resource(r->f, r->res);
	xenevtchn_close(r->x);
	xenforeignmemory_close(r->f);
	xendevicemodel_close(r->d);
}

static unsigned int slot_state(struct ioreq *s)
{
	return __atomic_load_n(&s->flags, __ATOMIC_ACQUIRE) &
	       IOREQ_F_STATE_MASK;
}

static void slot_set_state(struct ioreq *s, unsigned int st)
{
	uint8_t f = __atomic_load_n(&s->flags, __ATOMIC_ACQUIRE);

	__atomic_store_n(&s->flags, (uint8_t)((f & ~IOREQ_F_STATE_MASK) | st),
			 __ATOMIC_RELEASE);
}

/* Wait (bounded) until vCPU @v's slot is READY. */
static void raw_wait_ready(struct raw *r, unsigned int v)
{
	int i;

	for (i = 0; i < 20000 && slot_state(&r->slots[v]) != STATE_IOREQ_READY;
	     i++)
		usleep(500);
	CHECK_EQ(slot_state(&r->slots[v]), STATE_IOREQ_READY);
}

/* ------------------------------------------------------ vCPU threads */

struct vjob {
	struct iot *t;
	unsigned int vcpu;
	struct ioreq_access a;
	int ret;
	atomic_bool done;
	pthread_t thread;
};

static void *vjob_fn(void *arg)
{
	struct vjob *j = arg;

	j->ret = ioreq_send(j->t->h, j->vcpu, &j->a);
	atomic_store(&j->done, true);
	return NULL;
}

static void vjob_start(struct vjob *j, struct iot *t, unsigned int vcpu,
		       struct ioreq_access a)
{
	j->t = t;
	j->vcpu = vcpu;
	j->a = a;
	atomic_init(&j->done, false);
	CHECK_EQ(pthread_create(&j->thread, NULL, vjob_fn, j), 0);
}

static int vjob_join(struct vjob *j)
{
	pthread_join(j->thread, NULL);
	return j->ret;
}

static int send1(struct iot *t, unsigned int vcpu, uint8_t type,
		 uint64_t addr, uint32_t size, bool write, uint64_t *data)
{
	struct ioreq_access a = {
		.type = type, .addr = addr, .size = size, .count = 1,
		.write = write, .data = write ? *data : 0,
	};
	int ret = ioreq_send(t->h, vcpu, &a);

	if (!write)
		*data = a.data;
	return ret;
}

/* ------------------------------------------------------------ tests */

static void test_round_trips(struct iot *t)
{
	static const unsigned int widths[] = { 1, 2, 4, 8 };
	xendevicemodel_handle *d;
	struct dm_thread dt;
	uint64_t v, sbdf = XEN_DMOP_PCI_SBDF(0, 0, 6, 0);
	unsigned int i, vcpu;

	dm_start(&dt, HVM_IOREQSRV_BUFIOREQ_ATOMIC);
	d = cvdm_emu_dmod(dt.e);
	CHECK_OK(DM(xendevicemodel_map_io_range_to_ioreq_server(d, 0,
			cvdm_emu_id(dt.e), 0, 0x500, 0x53f)));
	CHECK_OK(DM(xendevicemodel_map_io_range_to_ioreq_server(d, 0,
			cvdm_emu_id(dt.e), 1, 0xd0000000, 0xd00000ff)));
	CHECK_OK(DM(xendevicemodel_map_pcidev_to_ioreq_server(d, 0,
			cvdm_emu_id(dt.e), 0, 0, 6, 0)));
	for (vcpu = 0; vcpu < 2; vcpu++) {
		for (i = 0; i < 3; i++) {
			uint64_t w = 0x1122334455667788ull >> (8 * i);

			v = w;
			CHECK_EQ(send1(t, vcpu, IOREQ_TYPE_PIO, 0x500 + 8 * i,
				       widths[i], true, &v), 1);
			CHECK_EQ(send1(t, vcpu, IOREQ_TYPE_PIO, 0x500 + 8 * i,
				       widths[i], false, &v), 1);
			/* The value is masked to the access width. */
			CHECK_EQ(v, w & ((1ull << (8 * widths[i])) - 1));
		}
		for (i = 0; i < 4; i++) {
			uint64_t w = 0xa1b2c3d4e5f60718ull + vcpu, m;

			m = widths[i] == 8 ? ~0ull :
			    (1ull << (8 * widths[i])) - 1;
			v = w;
			CHECK_EQ(send1(t, vcpu, IOREQ_TYPE_COPY,
				       0xd0000000 + 16 * i, widths[i], true,
				       &v), 1);
			CHECK_EQ(send1(t, vcpu, IOREQ_TYPE_COPY,
				       0xd0000000 + 16 * i, widths[i], false,
				       &v), 1);
			CHECK_EQ(v, w & m);
		}
		v = 0xcafe;
		CHECK_EQ(send1(t, vcpu, IOREQ_TYPE_PCI_CONFIG, sbdf << 32 | 0x40,
			       2, true, &v), 1);
		CHECK_EQ(send1(t, vcpu, IOREQ_TYPE_PCI_CONFIG, sbdf << 32 | 0x40,
			       2, false, &v), 1);
		CHECK_EQ(v, 0xcafe);
	}
	/* Outside the ranges: not ours, the caller handles it. */
	CHECK_EQ(send1(t, 0, IOREQ_TYPE_PIO, 0x540, 1, false, &v), 0);
	CHECK_EQ(send1(t, 0, IOREQ_TYPE_PIO, 0x53f, 2, false, &v), 0);
	dm_stop(&dt);
	CHECK_EQ(iot_fails(t), 0);
}

static void test_buffered(struct iot *t)
{
	struct ioreq_stats st0, st;
	struct scratch dev = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct ioreq_access a;
	struct vjob j;
	struct raw r;
	uint64_t v;
	unsigned int i;

	raw_open(&r, HVM_IOREQSRV_BUFIOREQ_ATOMIC);
	CHECK_OK(DM(cvdm_map_io_range_buffered(r.d, 0, r.id, 0, 0x600, 0x603)));
	CHECK_OK(DM(xendevicemodel_map_io_range_to_ioreq_server(r.d, 0, r.id,
				1, 0xa0000, 0xbffff)));
	ioreq_host_stats(t->h, &st0);

	/* The VGA window is buffered; 8 bytes take two slots. */
	v = 0x8877665544332211ull;
	CHECK_EQ(send1(t, 0, IOREQ_TYPE_COPY, 0xa0010, 8, true, &v), 1);
	CHECK_EQ(r.buf->write_pointer, 2);
	CHECK_EQ(r.buf->buf_ioreq[0].type, IOREQ_TYPE_COPY);
	CHECK_EQ((r.buf->buf_ioreq[0].flags & BUF_IOREQ_SIZE_MASK) >>
		 BUF_IOREQ_SIZE_SHIFT, 3);
	CHECK_EQ(buf_ioreq_addr(&r.buf->buf_ioreq[0]), 0xa0010);
	CHECK_EQ(r.buf->buf_ioreq[0].data, 0x44332211u);
	CHECK_EQ(r.buf->buf_ioreq[1].data, 0x88776655u);
	CHECK_OK(cvdm_buf_drain(&scratch_ops, &dev, r.buf));
	CHECK_EQ(dev.nr_log, 1);
	CHECK_EQ(dev.log[0], 0x8877665544332211ull);
	CHECK_EQ(r.buf->read_pointer, 2);
	/* A read there is synchronous; so are writes outside 1 MiB rules. */
	CHECK_EQ(xenevtchn_pending(r.x), r.bport);
	xenevtchn_unmask(r.x, (evtchn_port_t)r.bport);

	/* Fill the ring: 511 one-byte port writes. */
	for (i = 0; i < IOREQ_BUFFER_SLOT_NUM; i++) {
		v = i & 0xff;
		CHECK_EQ(send1(t, 0, IOREQ_TYPE_PIO, 0x600, 1, true, &v), 1);
	}
	CHECK_EQ(r.buf->write_pointer - r.buf->read_pointer,
		 IOREQ_BUFFER_SLOT_NUM);
	/* Ring full: the next write goes through the slot instead. */
	a = (struct ioreq_access){ .type = IOREQ_TYPE_PIO, .addr = 0x601,
				   .size = 2, .count = 1, .write = true,
				   .data = 0xbeef };
	vjob_start(&j, t, 0, a);
	raw_wait_ready(&r, 0);
	ioreq_host_stats(t->h, &st);
	CHECK_EQ(st.buffered_full - st0.buffered_full, 1);
	CHECK_EQ(r.slots[0].addr, 0x601);
	CHECK_EQ(r.slots[0].size, 2);
	CHECK_EQ(r.slots[0].data, 0xbeef);
	CHECK_EQ(r.slots[0].flags & IOREQ_F_DIR_READ, 0);
	/* The emulator drains first: buffered writes came earlier. */
	dev.nr_log = 0;
	slot_set_state(&r.slots[0], STATE_IOREQ_INPROCESS);
	CHECK_OK(cvdm_buf_drain(&scratch_ops, &dev, r.buf));
	CHECK_EQ(dev.nr_log, IOREQ_BUFFER_SLOT_NUM);
	for (i = 0; i < dev.nr_log; i++)
		CHECK_EQ(dev.log[i], i & 0xff);
	slot_set_state(&r.slots[0], STATE_IORESP_READY);
	xenevtchn_notify(r.x, (evtchn_port_t)r.port[0]);
	CHECK_EQ(vjob_join(&j), 1);
	CHECK_EQ(slot_state(&r.slots[0]), STATE_IOREQ_NONE);
	/* ATOMIC mode: the next write rebases both pointers below 511. */
	v = 1;
	CHECK_EQ(send1(t, 0, IOREQ_TYPE_PIO, 0x600, 1, true, &v), 1);
	CHECK(r.buf->read_pointer < IOREQ_BUFFER_SLOT_NUM,
	      "read_pointer %u not rebased", r.buf->read_pointer);
	CHECK_EQ(r.buf->write_pointer - r.buf->read_pointer, 1);
	CHECK_OK(cvdm_buf_drain(&scratch_ops, &dev, r.buf));
	CHECK_EQ(dev.log[dev.nr_log - 1], 1);

	/* Broadcast TIMEOFFSET: 8 bytes through the ring. */
	CHECK_OK(ioreq_broadcast_timeoffset(t->h, -3600));
	CHECK_OK(cvdm_buf_drain(&scratch_ops, &dev, r.buf));
	CHECK_EQ(dev.nr_timeoffset, 1);
	CHECK_EQ(dev.offset, -3600);

	/* A read pointer past the write pointer stops the VM. */
	__atomic_store_n(&r.buf->read_pointer, r.buf->write_pointer + 7,
			 __ATOMIC_RELEASE);
	v = 2;
	CHECK(send1(t, 0, IOREQ_TYPE_PIO, 0x600, 1, true, &v) < 0);
	CHECK_EQ(iot_fails(t), 1);
	CHECK(strstr(t->fail_msg, "read pointer"), "%s", t->fail_msg);
	t->fails = 0;
	raw_close(&r);
}

/* The device model answers correctly after misbehaving harmlessly. */
static void test_flood_and_scribble(struct iot *t)
{
	struct ioreq_access a = { .type = IOREQ_TYPE_PIO, .addr = 0x700,
				  .size = 2, .count = 1 };
	struct vjob j;
	struct raw r;
	int i;

	raw_open(&r, HVM_IOREQSRV_BUFIOREQ_OFF);
	CHECK_OK(DM(xendevicemodel_map_io_range_to_ioreq_server(r.d, 0, r.id,
				0, 0x700, 0x700 + 1)));
	vjob_start(&j, t, 1, a);
	raw_wait_ready(&r, 1);
	/* A flood of doorbells while READY: the vCPU keeps waiting. */
	for (i = 0; i < 10000; i++)
		xenevtchn_notify(r.x, (evtchn_port_t)r.port[1]);
	usleep(20000);
	CHECK(!atomic_load(&j.done), "vCPU completed without an answer");
	/* Scribbling over the request does not change what we asked. */
	r.slots[1].size = 8;
	r.slots[1].addr = 0xdead;
	slot_set_state(&r.slots[1], STATE_IOREQ_INPROCESS);
	xenevtchn_notify(r.x, (evtchn_port_t)r.port[1]);
	usleep(20000);
	CHECK(!atomic_load(&j.done));
	r.slots[1].data = 0x1234567890abcdefull;
	slot_set_state(&r.slots[1], STATE_IORESP_READY);
	xenevtchn_notify(r.x, (evtchn_port_t)r.port[1]);
	CHECK_EQ(vjob_join(&j), 1);
	/* Masked to the 2 bytes the vCPU asked for. */
	CHECK_EQ(j.a.data, 0xcdef);
	CHECK_EQ(iot_fails(t), 0);
	raw_close(&r);
}

/* XSA-262: a state that goes backwards, or an unknown one, stops the VM. */
static void test_forward_only(struct iot *t)
{
	static const unsigned int bad[][2] = {
		{ STATE_IOREQ_INPROCESS, STATE_IOREQ_READY },
		{ STATE_IOREQ_INPROCESS, STATE_IOREQ_NONE },
		{ STATE_IOREQ_READY, 9 },
		{ STATE_IOREQ_READY, STATE_IOREQ_NONE },
	};
	struct ioreq_access a = { .type = IOREQ_TYPE_PIO, .addr = 0x710,
				  .size = 4, .count = 1 };
	unsigned int k, i;
	struct vjob j;
	struct raw r;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		raw_open(&r, HVM_IOREQSRV_BUFIOREQ_OFF);
		CHECK_OK(DM(xendevicemodel_map_io_range_to_ioreq_server(r.d, 0,
				r.id, 0, 0x710, 0x713)));
		t->fails = 0;
		vjob_start(&j, t, 0, a);
		raw_wait_ready(&r, 0);
		/*
		 * A backward step is only seen if the vCPU saw the state
		 * before it: repeat the pair until the vCPU gives up, each
		 * notification making it look again.
		 */
		for (i = 0; i < 500 && !atomic_load(&j.done); i++) {
			slot_set_state(&r.slots[0], bad[k][0]);
			xenevtchn_notify(r.x, (evtchn_port_t)r.port[0]);
			usleep(2000 + 100 * i);
			if (atomic_load(&j.done))
				break;
			slot_set_state(&r.slots[0], bad[k][1]);
			xenevtchn_notify(r.x, (evtchn_port_t)r.port[0]);
			usleep(2000 + 100 * i);
		}
		CHECK(atomic_load(&j.done), "vCPU never saw %u -> %u",
		      bad[k][0], bad[k][1]);
		CHECK_EQ(vjob_join(&j), -EPROTO);
		CHECK_EQ(iot_fails(t), 1);
		CHECK(strstr(t->fail_msg, "broke the request protocol"), "%s",
		      t->fail_msg);
		t->fails = 0;
		/* A slot left in a bad state fails the next request too. */
		if (bad[k][1] != STATE_IOREQ_NONE) {
			a.write = true;
			CHECK_EQ(ioreq_send(t->h, 0, &a), -EPROTO);
			CHECK(strstr(t->fail_msg, "bad IO state"), "%s",
			      t->fail_msg);
			a.write = false;
			t->fails = 0;
		}
		raw_close(&r);
	}
}

/* Destroying the server under a waiting vCPU completes its request. */
static void test_destroy_in_flight(struct iot *t)
{
	struct ioreq_access a = { .type = IOREQ_TYPE_COPY, .addr = 0xd1000000,
				  .size = 8, .count = 1 };
	struct vjob j;
	struct raw r;

	raw_open(&r, HVM_IOREQSRV_BUFIOREQ_OFF);
	CHECK_OK(DM(xendevicemodel_map_io_range_to_ioreq_server(r.d, 0, r.id,
				1, 0xd1000000, 0xd1000fff)));
	vjob_start(&j, t, 1, a);
	raw_wait_ready(&r, 1);
	CHECK_OK(DM(xendevicemodel_destroy_ioreq_server(r.d, 0, r.id)));
	CHECK_EQ(vjob_join(&j), -EPIPE);
	CHECK_EQ(iot_fails(t), 0);
	raw_close(&r);
}

/*
 * The VM stopping under a waiting vCPU ends its wait (Xen suspends a vCPU
 * of a domain shutting down instead of issuing the I/O again; the VMM's
 * VM is ending, so the request is cancelled), and a request after the
 * stop is not waited for either.  The host stays stopped: run this last.
 */
static void test_stop_in_flight(struct iot *t)
{
	struct ioreq_access a = { .type = IOREQ_TYPE_PIO, .addr = 0x720,
				  .size = 4, .count = 1 };
	struct vjob j;
	struct raw r;

	raw_open(&r, HVM_IOREQSRV_BUFIOREQ_OFF);
	CHECK_OK(DM(xendevicemodel_map_io_range_to_ioreq_server(r.d, 0, r.id,
				0, 0x720, 0x723)));
	vjob_start(&j, t, 0, a);
	raw_wait_ready(&r, 0);
	ioreq_host_stop(t->h);
	CHECK_EQ(vjob_join(&j), -ECANCELED);
	CHECK_EQ(ioreq_send(t->h, 1, &a), -ECANCELED);
	CHECK_EQ(iot_fails(t), 0);
	raw_close(&r);
}

/* Toggle a server while two vCPUs hammer its port: no hang, no error. */
struct hammer {
	struct iot *t;
	unsigned int vcpu;
	atomic_bool *stop;
	unsigned int handled, unclaimed, errors;
	pthread_t thread;
};

static void *hammer_fn(void *arg)
{
	struct hammer *hm = arg;
	uint64_t v;

	while (!atomic_load(hm->stop)) {
		int ret = send1(hm->t, hm->vcpu, IOREQ_TYPE_PIO, 0x800, 4,
				false, &v);

		if (ret == 1)
			hm->handled++;
		else if (ret == 0)
			hm->unclaimed++;
		else
			hm->errors++;
	}
	return NULL;
}

static void test_toggle_during_io(struct iot *t)
{
	struct hammer hm[2];
	atomic_bool stop;
	struct dm_thread dt;
	xendevicemodel_handle *d;
	unsigned int i;

	atomic_init(&stop, false);
	dm_start(&dt, HVM_IOREQSRV_BUFIOREQ_OFF);
	d = cvdm_emu_dmod(dt.e);
	CHECK_OK(DM(xendevicemodel_map_io_range_to_ioreq_server(d, 0,
			cvdm_emu_id(dt.e), 0, 0x800, 0x803)));
	for (i = 0; i < 2; i++) {
		hm[i] = (struct hammer){ .t = t, .vcpu = i, .stop = &stop };
		CHECK_EQ(pthread_create(&hm[i].thread, NULL, hammer_fn, &hm[i]),
			 0);
	}
	for (i = 0; i < 200; i++) {
		CHECK_OK(DM(xendevicemodel_set_ioreq_server_state(d, 0,
				cvdm_emu_id(dt.e), i & 1)));
		usleep(500);
		if (i % 50 == 0) {
			/* Ranges change under the vCPUs too. */
			CHECK_OK(DM(xendevicemodel_unmap_io_range_from_ioreq_server(
				d, 0, cvdm_emu_id(dt.e), 0, 0x800, 0x803)));
			CHECK_OK(DM(xendevicemodel_map_io_range_to_ioreq_server(
				d, 0, cvdm_emu_id(dt.e), 0, 0x800, 0x803)));
		}
	}
	CHECK_OK(DM(xendevicemodel_set_ioreq_server_state(d, 0,
			cvdm_emu_id(dt.e), 1)));
	usleep(20000);
	atomic_store(&stop, true);
	for (i = 0; i < 2; i++) {
		pthread_join(hm[i].thread, NULL);
		CHECK_EQ(hm[i].errors, 0);
		CHECK(hm[i].handled > 0, "vCPU %u: no request handled", i);
	}
	printf("toggle: handled %u/%u, unclaimed %u/%u\n", hm[0].handled,
	       hm[1].handled, hm[0].unclaimed, hm[1].unclaimed);
	dm_stop(&dt);
	CHECK_EQ(iot_fails(t), 0);
}

static void test_broadcasts(struct iot *t)
{
	struct dm_thread a, b;

	dm_start(&a, HVM_IOREQSRV_BUFIOREQ_ATOMIC);
	dm_start(&b, HVM_IOREQSRV_BUFIOREQ_OFF);
	/* INVALIDATE waits for every enabled server. */
	CHECK_OK(ioreq_broadcast_invalidate(t->h, 1));
	/*
	 * The answers came back through the shared page (another mapping,
	 * invisible to TSan): read the devices' counters under their locks.
	 */
	pthread_mutex_lock(&a.dev.lock);
	CHECK_EQ(a.dev.nr_invalidate, 1);
	pthread_mutex_unlock(&a.dev.lock);
	pthread_mutex_lock(&b.dev.lock);
	CHECK_EQ(b.dev.nr_invalidate, 1);
	pthread_mutex_unlock(&b.dev.lock);
	/* TIMEOFFSET skips servers without a ring, without failing. */
	CHECK_OK(ioreq_broadcast_timeoffset(t->h, 42));
	usleep(50000);
	pthread_mutex_lock(&a.dev.lock);
	CHECK_EQ(a.dev.nr_timeoffset, 1);
	CHECK_EQ(a.dev.offset, 42);
	pthread_mutex_unlock(&a.dev.lock);
	pthread_mutex_lock(&b.dev.lock);
	CHECK_EQ(b.dev.nr_timeoffset, 0);
	pthread_mutex_unlock(&b.dev.lock);
	dm_stop(&b);
	dm_stop(&a);
	CHECK_EQ(iot_fails(t), 0);
}

int main(void)
{
	struct iot t;
	int fds;

	fds = iot_count_fds();
	iot_init(&t, 2);
	test_round_trips(&t);
	test_buffered(&t);
	test_flood_and_scribble(&t);
	test_forward_only(&t);
	test_destroy_in_flight(&t);
	test_toggle_during_io(&t);
	test_broadcasts(&t);
	test_stop_in_flight(&t);
	iot_fini(&t);
	CHECK_EQ(iot_count_fds(), fds);
	printf("ioreq request path: ok\n");
	return check_status();
}
