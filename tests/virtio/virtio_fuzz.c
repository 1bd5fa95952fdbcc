// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_fuzz.c - random descriptor tables, avail rings, indirect tables,
 * queue configurations, register and config-space writes against every
 * virtio device type.  The device may end up in any state; the process
 * must not crash, hang, or (under ASan) touch memory outside guest RAM.
 *
 * As a test: VIRTIO_FUZZ_ITERS iterations (default 50000) from
 * VIRTIO_FUZZ_SEED.  Built with -DVIRTIO_LIBFUZZER it is a libFuzzer
 * target instead (make fuzz).  The harness keeps one machine across
 * inputs (a static, as libFuzzer requires); each input starts with a
 * device reset, which is part of what is being tested.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "../fuzz_rng.h"
#include "driver.h"

#define RING_AREA	0x10000ull
#define INDIRECT_AREA	0x40000ull
#define DATA_AREA	0x100000ull
#define DATA_SIZE	0x100000ull

struct input {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct input *in, unsigned int bytes)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

struct fuzz {
	struct vt t;
	struct vdrv d[4];
	char path[64];
	unsigned int cons_budget;
};

static ssize_t f_write(void *opaque, const void *buf, size_t len)
{
	return (ssize_t)len;
}

static ssize_t f_read(void *opaque, void *buf, size_t len)
{
	struct fuzz *f = opaque;

	if (!f->cons_budget)
		return 0;
	if (len > f->cons_budget)
		len = f->cons_budget;
	memset(buf, 'z', len);
	f->cons_budget -= (unsigned int)len;
	return (ssize_t)len;
}

static struct fuzz *fuzz_setup(void)
{
	static const char *types[4] = {
		"virtio-rng", "virtio-blk", "virtio-console", "virtio-net"
	};
	struct fuzz *f = calloc(1, sizeof(*f));
	struct virtio_dev_args args = { .tap_fd = -1 };
	unsigned int i;
	int fd;

	CHECK(f);
	strcpy(f->path, "/tmp/cvisor-fuzz-XXXXXX");
	fd = mkstemp(f->path);
	CHECK(fd >= 0 && ftruncate(fd, 64 * 1024) == 0);
	close(fd);
	vt_init(&f->t);
	args.path = f->path;
	args.cons_opaque = f;
	args.cons_write = f_write;
	args.cons_read = f_read;
	for (i = 0; i < 4; i++)
		drv_create(&f->d[i], &f->t, types[i], &args);
	/* The image is open; the name is not needed any more. */
	unlink(f->path);
	return f;
}

/* A descriptor address: mostly somewhere useful, sometimes anything. */
static uint64_t fuzz_addr(struct input *in)
{
	uint8_t mode = (uint8_t)take(in, 1);
	uint64_t raw = take(in, mode & 0x80 ? 8 : 3);

	switch (mode & 3) {
	case 0: return DATA_AREA + raw % DATA_SIZE;
	case 1: return INDIRECT_AREA + (raw % 64) * 16;
	case 2: return T_HOLE_START + raw % 0x1000;	/* private */
	default: return raw;
	}
}

static uint32_t fuzz_len(struct input *in)
{
	uint8_t mode = (uint8_t)take(in, 1);

	return mode & 0x80 ? (uint32_t)take(in, 4) : (uint32_t)take(in, 2) % 4096;
}

static void fuzz_desc(struct input *in, struct virtq_desc *d)
{
	d->addr = fuzz_addr(in);
	d->len = fuzz_len(in);
	d->flags = (uint16_t)take(in, 1) & 7;
	d->next = (uint16_t)take(in, 1);
}

static void fuzz_one(struct fuzz *f, const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct vdrv *d = &f->d[take(&in, 1) % 4];
	struct vt *t = &f->t;
	uint64_t want = take(&in, 1), desc, avail, used;
	uint16_t qsize, *av;
	unsigned int nq, q, i, ops;
	uint8_t b;

	f->cons_budget = 64;
	/* Clean RAM for the rings, so inputs are reproducible. */
	memset(gpa_ptr(t, RING_AREA), 0, INDIRECT_AREA + 64 * 16 - RING_AREA);
	drv_negotiate(d, BIT_ULL(VIRTIO_F_VERSION_1) |
		      (want & 1 ? BIT_ULL(VIRTIO_F_INDIRECT_DESC) : 0) |
		      (want & 2 ? BIT_ULL(VIRTIO_F_EVENT_IDX) : 0) |
		      ((want >> 2) & 0x3f));
	mmio_w(t, d->common + 0x10, 0, 2);
	nq = (unsigned int)mmio_r(t, d->common + 0x12, 2);
	for (q = 0; q < nq && q < T_MAX_QUEUES; q++) {
		b = (uint8_t)take(&in, 1);
		qsize = b & 0x80 ? (uint16_t)take(&in, 2) : (uint16_t)(1u << (b % 8));
		desc = RING_AREA + q * 0x8000ull;
		avail = desc + 0x4000;
		used = desc + 0x5000;
		if (b & 0x40)
			desc = take(&in, 8);	/* anything at all */
		drv_queue_program(d, q, qsize, desc, avail, used);
		if (!(b & 0x20))
			drv_queue_enable(d, q);
		if (desc >= T_RAM_SIZE || 16ull * qsize > T_RAM_SIZE - desc ||
		    qsize > 256)
			continue;
		/* Descriptor table and avail ring straight from the input. */
		for (i = 0; i < qsize && in.n; i++)
			fuzz_desc(&in, &tq_desc(d, q)[i]);
		av = gpa_ptr(t, avail);
		av[0] = (uint16_t)take(&in, 1);
		av[1] = (uint16_t)take(&in, 1);
		for (i = 0; i < qsize && i < 16 && in.n; i++)
			av[2 + i] = (uint16_t)take(&in, 1);
	}
	/* Indirect tables live at INDIRECT_AREA. */
	for (i = 0; i < 64 && in.n; i++)
		fuzz_desc(&in, (struct virtq_desc *)gpa_ptr(t, INDIRECT_AREA) + i);
	drv_driver_ok(d);

	for (ops = 0; ops < 64 && in.n; ops++) {
		b = (uint8_t)take(&in, 1);
		switch (b % 10) {
		case 0: case 1: case 2: case 3:
			drv_notify(d, (b >> 4) % 3);
			virtio_pci_poll(d->vp);
			break;
		case 4:		/* common config register write */
			mmio_w(t, d->common + take(&in, 1) % 0x40,
			       take(&in, 4), 1u << (take(&in, 1) % 3));
			break;
		case 5:		/* more work on the ring */
			q = (b >> 4) % (nq < T_MAX_QUEUES ? nq : T_MAX_QUEUES);
			if (d->q[q].avail + 4 <= T_RAM_SIZE) {
				av = gpa_ptr(t, d->q[q].avail);
				av[1] = (uint16_t)(av[1] + take(&in, 1) % 4);
			}
			break;
		case 6:
			virtio_pci_host_event(d->vp);
			break;
		case 7:
			mmio_r(t, d->isr, 1);
			mmio_r(t, d->device + take(&in, 1) % 32, 4);
			break;
		case 8:		/* MSI-X table */
			mmio_w(t, d->bar + VIRTIO_PCI_MSIX_TABLE_OFF +
			       (take(&in, 1) % 8) * 4, take(&in, 4), 4);
			break;
		case 9:		/* config space, but leave BAR 0 and command */
			i = (unsigned int)take(&in, 1);
			if (i >= 0x40)
				cfg_w(t, d->devfn, i, 1, (uint32_t)take(&in, 1));
			break;
		}
	}
	/* Put MSI-X back so the next input starts from a known PCI state. */
	cfg_w(t, d->devfn, d->msix_cap + 2, 2, 0x8000);
}

#ifdef VIRTIO_LIBFUZZER
FUZZ_LIBFUZZER_ENTRY(fuzz_setup, fuzz_one)
#else
int main(void)
{
	const char *e = getenv("VIRTIO_FUZZ_ITERS");
	unsigned long iters = e ? strtoul(e, NULL, 0) : 50000, i;
	uint64_t seed, s;
	struct fuzz *f;
	uint8_t buf[2048];
	size_t n, k;

	e = getenv("VIRTIO_FUZZ_SEED");
	seed = e ? strtoull(e, NULL, 0) : 0x5eed0c715012ull;
	s = seed | 1;
	/*
	 * Driver errors are expected by the thousand; the device's own rate
	 * limit (one line a second) keeps stderr readable, and sanitizer
	 * reports stay visible there.
	 */
	f = fuzz_setup();
	for (i = 0; i < iters; i++) {
		n = 64 + xorshift(&s) % (sizeof(buf) - 64);
		for (k = 0; k < n; k++)
			buf[k] = (uint8_t)xorshift(&s);
		fuzz_one(f, buf, n);
	}
	for (k = 0; k < 4; k++)
		drv_destroy(&f->d[k]);
	vt_fini(&f->t);
	free(f);
	printf("virtio_fuzz: %lu iterations from seed %#llx ok\n", iters,
	       (unsigned long long)seed);
	return 0;
}
#endif
