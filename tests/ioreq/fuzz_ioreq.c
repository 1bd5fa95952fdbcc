// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_ioreq.c - both sides of the ioreq protocol against hostile bytes.
 *
 * Device-model side: an arbitrary 32-byte request and an arbitrary
 * buffered page go through libcvisor-dm's decoder (cvdm_ioreq_execute,
 * cvdm_buf_drain) with a small guest RAM; every element that reaches the
 * device must have a valid size, and data_is_ptr copies stay inside RAM.
 *
 * VMM side: the input is written over a live server's slot page and
 * buffered page (states, ports, pointers, slots), then the host sends
 * requests derived from it.  The host runs "stopping", so a synchronous
 * request returns instead of waiting for an answer that never comes: what
 * is fuzzed is the validation of what the device model left in the pages
 * and the buffered producer against hostile pointers.  The host must not
 * crash, and every request ends with a documented result.
 *
 * Built twice: a smoke test for make check (pseudo-random inputs, env
 * IOREQ_FUZZ_ITERS / IOREQ_FUZZ_SEED) and, with IOREQ_LIBFUZZER, a
 * libFuzzer target for make fuzz.
 */
#include <stdatomic.h>
#include <sys/mman.h>

#include "../fuzz_rng.h"
#include "iotest.h"

#define RAM_SIZE	0x10000

struct fuzz {
	struct iot t;
	xendevicemodel_handle *d;
	xenforeignmemory_handle *f;
	xenforeignmemory_resource_handle *res;
	struct buffered_iopage *buf;
	struct ioreq *slots;
	struct cvdm_guest_mem *gm;
	uint8_t *ram;
	uint64_t elements;
};

static void fz_io(void *opaque, uint8_t type, uint64_t addr,
		  unsigned int size, uint64_t *data, int is_write)
{
	struct fuzz *f = opaque;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		abort();
	if (type == IOREQ_TYPE_PIO && size > 4)
		abort();
	f->elements++;
	if (!is_write)
		*data = addr ^ 0x5a5a5a5a5a5a5a5aull;
}

static void fz_timeoffset(void *opaque, int64_t off)
{
}

static const struct cvdm_io_ops fz_ops = {
	.io = fz_io, .timeoffset = fz_timeoffset,
};

static struct fuzz *fuzz_setup(void)
{
	struct cvdm_guest_ram layout = {
		.nr = 1, .region = { { .gpa = 0x1000, .size = RAM_SIZE } },
	};
	struct fuzz *f = calloc(1, sizeof(*f));
	void *p = NULL;
	ioservid_t id;

	CHECK(f);
	iot_init(&f->t, 2);
	f->ram = calloc(1, RAM_SIZE);
	f->gm = cvdm_guest_mem_wrap(f->ram, &layout);
	f->d = xendevicemodel_open(NULL, 0);
	f->f = xenforeignmemory_open(NULL, 0);
	CHECK(f->ram && f->gm && f->d && f->f);
	CHECK_OK(DM(xendevicemodel_create_ioreq_server(f->d, 0,
			HVM_IOREQSRV_BUFIOREQ_ATOMIC, &id)));
	f->res = xenforeignmemory_map_resource(f->f, 0, 0, id, 0, 2, &p,
					       PROT_READ | PROT_WRITE, 0);
	CHECK(f->res);
	f->buf = p;
	f->slots = (struct ioreq *)((uint8_t *)p + 4096);
	CHECK_OK(DM(cvdm_map_io_range_buffered(f->d, 0, id, 0, 0x100, 0x1ff)));
	CHECK_OK(DM(xendevicemodel_map_io_range_to_ioreq_server(f->d, 0, id, 1,
				0xa0000, 0xbffff)));
	CHECK_OK(DM(xendevicemodel_map_pcidev_to_ioreq_server(f->d, 0, id, 0,
				0, 3, 0)));
	CHECK_OK(DM(xendevicemodel_set_ioreq_server_state(f->d, 0, id, 1)));
	/* No device model answers: synchronous requests must not wait. */
	ioreq_host_stop(f->t.h);
	return f;
}

static uint64_t take(const uint8_t **p, size_t *n, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < bytes && *n; i++, (*p)++, (*n)--)
		v |= (uint64_t)**p << (8 * i);
	return v;
}

static void fuzz_dm_side(struct fuzz *f, const uint8_t *data, size_t size)
{
	struct buffered_iopage *pg = calloc(1, sizeof(*pg));
	struct ioreq req;
	size_t n;

	CHECK(pg);
	memset(&req, 0, sizeof(req));
	n = size < sizeof(req) ? size : sizeof(req);
	memcpy(&req, data, n);
	cvdm_ioreq_execute(&fz_ops, f, f->gm, &req);
	cvdm_ioreq_execute(&fz_ops, f, NULL, &req);
	data += n;
	size -= n;
	n = size < sizeof(*pg) ? size : sizeof(*pg);
	memcpy(pg, data, n);
	cvdm_buf_drain(&fz_ops, f, pg);
	free(pg);
}

static void fuzz_vmm_side(struct fuzz *f, const uint8_t *data, size_t size)
{
	static const uint8_t types[] = {
		IOREQ_TYPE_PIO, IOREQ_TYPE_COPY, IOREQ_TYPE_PCI_CONFIG,
	};
	static const uint32_t sizes[] = { 1, 2, 4, 8 };
	const uint8_t *p = data;
	size_t n = size;
	unsigned int k;

	/* The device model's view: slots and the ring's pointers/entries. */
	memcpy(f->slots, p, n < 64 ? n : 64);
	take(&p, &n, 64);
	f->buf->read_pointer = (uint32_t)take(&p, &n, 4);
	f->buf->write_pointer = (uint32_t)take(&p, &n, 4);
	for (k = 0; k < 16 && n; k++) {
		struct ioreq_access a = { .count = 1 };
		uint64_t op = take(&p, &n, 8);
		int ret;

		a.type = types[op % 3];
		a.size = sizes[(op >> 2) % 4];
		if (a.type == IOREQ_TYPE_PIO && a.size > 4)
			a.size = 4;
		a.write = (op >> 4) & 1;
		a.df = (op >> 5) & 1;
		a.count = 1 + ((op >> 6) & 3);
		a.addr = a.type == IOREQ_TYPE_PIO ? 0x100 + ((op >> 8) & 0xff) :
			 a.type == IOREQ_TYPE_COPY ? 0xa0000 + ((op >> 8) & 0x1ffff) :
			 (uint64_t)XEN_DMOP_PCI_SBDF(0, 0, 3, 0) << 32 | ((op >> 8) & 0xfff);
		a.data = op >> 16;
		ret = ioreq_send(f->t.h, (unsigned int)(op >> 63), &a);
		if (ret > 1 || (ret < 0 && ret != -EPROTO && ret != -ECANCELED &&
				ret != -EPIPE))
			abort();
		if (k & 1) {
			/* The device model keeps scribbling in between. */
			f->slots[op & 1].flags = (uint8_t)(op >> 24);
			f->buf->read_pointer += (uint32_t)(op >> 40) & 0x3ff;
		}
	}
	ioreq_broadcast_timeoffset(f->t.h, (int64_t)size);
}

static void fuzz_one(struct fuzz *f, const uint8_t *data, size_t size)
{
	fuzz_dm_side(f, data, size);
	fuzz_vmm_side(f, data, size);
}

#ifdef IOREQ_LIBFUZZER
FUZZ_LIBFUZZER_ENTRY(fuzz_setup, fuzz_one)
#else
int main(void)
{
	const char *e = getenv("IOREQ_FUZZ_ITERS");
	unsigned long iters = e ? strtoul(e, NULL, 0) : 20000, i;
	uint64_t seed, s;
	struct ioreq_stats st;
	uint8_t in[4300];
	struct fuzz *f;
	size_t n, k;

	e = getenv("IOREQ_FUZZ_SEED");
	seed = e ? strtoull(e, NULL, 0) : 0x10e5eedull;
	s = seed | 1;
	f = fuzz_setup();
	for (i = 0; i < iters; i++) {
		n = xorshift(&s) % sizeof(in);
		for (k = 0; k < n; k++)
			in[k] = (uint8_t)xorshift(&s);
		/*
		 * Shape half of the inputs so that both sides get past their
		 * first checks: a plausible request (type, size, count) for
		 * the decoder; for the host, slots in state NONE with the
		 * right ports and a ring whose pointers are close together.
		 */
		if ((i & 1) && n >= 80) {
			in[31] = (uint8_t)(in[31] % 3);
			in[20] = (uint8_t)(1u << (in[20] % 4));
			in[21] = in[22] = in[23] = 0;
			in[16] = (uint8_t)(1 + in[16] % 8);
			in[17] = in[18] = in[19] = 0;
			in[30] &= 0x70;
			memset(&in[24], 0, 4);
			in[24] = 1;
			in[62] &= 0x70;
			memset(&in[56], 0, 4);
			in[56] = 2;
			in[65] = in[66] = in[67] = 0;
			in[69] = in[70] = in[71] = 0;
		}
		fuzz_one(f, in, n);
	}
	ioreq_host_stats(f->t.h, &st);
	printf("ioreq_fuzz: %lu inputs from seed %#llx: %llu device elements, %llu sync / %llu buffered / %llu ring-full requests, %llu violations caught\n",
	       iters, (unsigned long long)seed,
	       (unsigned long long)f->elements,
	       (unsigned long long)st.sync_sent,
	       (unsigned long long)st.buffered_sent,
	       (unsigned long long)st.buffered_full,
	       (unsigned long long)st.violations);
	xenforeignmemory_unmap_resource(f->f, f->res);
	xenforeignmemory_close(f->f);
	xendevicemodel_close(f->d);
	cvdm_unmap_guest_ram(f->gm);
	free(f->ram);
	iot_fini(&f->t);
	free(f);
	return 0;
}
#endif
