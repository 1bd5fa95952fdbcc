// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_misbehave.c - a driver that breaks the virtqueue protocol in
 * every way we know of.  Each time the device must enter NEEDS_RESET,
 * signal a config change, touch nothing outside guest RAM, never crash or
 * hang, ignore further notifications, and work again after a reset.
 */
#include <string.h>
#include <unistd.h>

#include "driver.h"

#define QS	16

static struct virtq_desc *D(struct vdrv *d)
{
	return tq_desc(d, 0);
}

/* Publish head @h in the avail ring and notify. */
static void kick_head(struct vdrv *d, uint16_t h)
{
	uint16_t *avail = tq_avail(d, 0);

	avail[2 + d->q[0].avail_idx % QS] = h;
	d->q[0].avail_idx++;
	__atomic_store_n(&avail[1], d->q[0].avail_idx, __ATOMIC_RELEASE);
	drv_notify(d, 0);
	virtio_pci_poll(d->vp);
}

static void setd(struct vdrv *d, unsigned int i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	D(d)[i] = (struct virtq_desc){ addr, len, flags, next };
}

static uint64_t buf(struct vdrv *d)
{
	return galloc(d->t, 4096, 64);
}

static void bad_loop(struct vdrv *d)
{
	uint64_t b = buf(d);

	setd(d, 0, b, 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	setd(d, 1, b, 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 0);
	kick_head(d, 0);
}

static void bad_self_loop(struct vdrv *d)
{
	setd(d, 3, buf(d), 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 3);
	kick_head(d, 3);
}

static void bad_indirect_loop(struct vdrv *d)
{
	uint64_t t = buf(d), b = buf(d);
	struct virtq_desc *tbl = gpa_ptr(d->t, t);

	tbl[0] = (struct virtq_desc){ b, 8, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1 };
	tbl[1] = (struct virtq_desc){ b, 8, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 0 };
	setd(d, 0, t, 32, VIRTQ_DESC_F_INDIRECT, 0);
	kick_head(d, 0);
}

static void bad_indirect_nested(struct vdrv *d)
{
	uint64_t t = buf(d);
	struct virtq_desc *tbl = gpa_ptr(d->t, t);

	tbl[0] = (struct virtq_desc){ t, 16, VIRTQ_DESC_F_INDIRECT, 0 };
	setd(d, 0, t, 16, VIRTQ_DESC_F_INDIRECT, 0);
	kick_head(d, 0);
}

static void bad_indirect_next(struct vdrv *d)
{
	uint64_t t = buf(d);

	setd(d, 0, t, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	setd(d, 1, t, 16, VIRTQ_DESC_F_WRITE, 0);
	kick_head(d, 0);
}

static void bad_indirect_len(struct vdrv *d)
{
	setd(d, 0, buf(d), 20, VIRTQ_DESC_F_INDIRECT, 0);
	kick_head(d, 0);
}

static void bad_indirect_huge(struct vdrv *d)
{
	setd(d, 0, 0x1000, 0xfffffff0u, VIRTQ_DESC_F_INDIRECT, 0);
	kick_head(d, 0);
}

static void bad_indirect_outside(struct vdrv *d)
{
	setd(d, 0, T_RAM_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	kick_head(d, 0);
}

static void bad_addr_outside(struct vdrv *d)
{
	setd(d, 0, 0xfffffffffffff000ull, 4096, VIRTQ_DESC_F_WRITE, 0);
	kick_head(d, 0);
}

static void bad_addr_wrap(struct vdrv *d)
{
	setd(d, 0, ~0ull - 7, 16, VIRTQ_DESC_F_WRITE, 0);
	kick_head(d, 0);
}

static void bad_addr_private(struct vdrv *d)
{
	setd(d, 0, T_HOLE_START + 4096, 64, VIRTQ_DESC_F_WRITE, 0);
	kick_head(d, 0);
}

static void bad_huge_len(struct vdrv *d)
{
	setd(d, 0, 0x1000, 0xffffffffu, VIRTQ_DESC_F_WRITE, 0);
	kick_head(d, 0);
}

static void bad_total_len(struct vdrv *d)
{
	uint64_t t = galloc(d->t, 64 * 16, 16);
	struct virtq_desc *tbl = gpa_ptr(d->t, t);
	unsigned int i;

	/* 64 x 7 MiB of the same RAM: each fits, the chain is too big. */
	for (i = 0; i < 64; i++)
		tbl[i] = (struct virtq_desc){ 0x1000, 7u << 20,
			VIRTQ_DESC_F_WRITE | (i + 1 < 64 ? VIRTQ_DESC_F_NEXT : 0),
			(uint16_t)(i + 1) };
	setd(d, 0, t, 64 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	kick_head(d, 0);
}

static void bad_next_range(struct vdrv *d)
{
	setd(d, 0, buf(d), 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 999);
	kick_head(d, 0);
}

static void bad_head_range(struct vdrv *d)
{
	kick_head(d, 4000);
}

static void bad_avail_idx(struct vdrv *d)
{
	uint16_t *avail = tq_avail(d, 0);

	__atomic_store_n(&avail[1], 1000, __ATOMIC_RELEASE);
	drv_notify(d, 0);
	virtio_pci_poll(d->vp);
}

static void bad_write_then_read(struct vdrv *d)
{
	uint64_t b = buf(d);

	setd(d, 0, b, 16, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	setd(d, 1, b, 16, 0, 0);
	kick_head(d, 0);
}

static void bad_notify_queue(struct vdrv *d)
{
	drv_notify(d, 7);
	virtio_pci_poll(d->vp);
}

/* ---------------------------- queue programming errors (own bring-up) */

static void setup_bad_queue(struct vdrv *d, uint16_t size, uint64_t desc,
			    uint64_t avail, uint64_t used)
{
	CHECK(drv_negotiate(d, BIT_ULL(VIRTIO_F_VERSION_1)));
	mmio_w(d->t, d->common + 0x10, 0, 2);
	drv_queue_program(d, 0, size, desc, avail, used);
	drv_queue_enable(d, 0);
	CHECK(mmio_r(d->t, d->common + 0x1c, 2) == 0);	/* not enabled */
}

static void bad_qsize_pow2(struct vdrv *d)
{
	setup_bad_queue(d, 100, buf(d), buf(d), buf(d));
}

static void bad_qsize_zero(struct vdrv *d)
{
	setup_bad_queue(d, 0, buf(d), buf(d), buf(d));
}

static void bad_qsize_max(struct vdrv *d)
{
	setup_bad_queue(d, 128, buf(d), buf(d), buf(d));	/* rng max is 64 */
}

static void bad_ring_outside(struct vdrv *d)
{
	setup_bad_queue(d, 16, T_RAM_SIZE - 64, buf(d), buf(d));
}

static void bad_ring_private(struct vdrv *d)
{
	setup_bad_queue(d, 16, buf(d), buf(d), T_HOLE_START);
}

static void bad_ring_misaligned(struct vdrv *d)
{
	setup_bad_queue(d, 16, buf(d) + 8, buf(d), buf(d));
}

static void bad_notify_before_enable(struct vdrv *d)
{
	CHECK(drv_negotiate(d, BIT_ULL(VIRTIO_F_VERSION_1)));
	mmio_w(d->t, d->common + 0x10, 0, 2);
	drv_queue_program(d, 0, 16, buf(d), buf(d), buf(d));
	drv_driver_ok(d);
	drv_notify(d, 0);
	virtio_pci_poll(d->vp);
}

static const struct {
	const char *name;
	void (*fn)(struct vdrv *d);
	bool own_setup;
} cases[] = {
	{ "descriptor loop", bad_loop, false },
	{ "descriptor self loop", bad_self_loop, false },
	{ "indirect loop", bad_indirect_loop, false },
	{ "nested indirect", bad_indirect_nested, false },
	{ "indirect with NEXT", bad_indirect_next, false },
	{ "indirect length not x16", bad_indirect_len, false },
	{ "indirect huge table", bad_indirect_huge, false },
	{ "indirect outside RAM", bad_indirect_outside, false },
	{ "buffer outside RAM", bad_addr_outside, false },
	{ "buffer wrapping 2^64", bad_addr_wrap, false },
	{ "buffer in private memory", bad_addr_private, false },
	{ "huge length", bad_huge_len, false },
	{ "chain bytes over cap", bad_total_len, false },
	{ "next out of range", bad_next_range, false },
	{ "head out of range", bad_head_range, false },
	{ "garbage avail idx", bad_avail_idx, false },
	{ "readable after writable", bad_write_then_read, false },
	{ "notify nonexistent queue", bad_notify_queue, false },
	{ "queue size not power of 2", bad_qsize_pow2, true },
	{ "queue size 0", bad_qsize_zero, true },
	{ "queue size over max", bad_qsize_max, true },
	{ "ring outside RAM", bad_ring_outside, true },
	{ "ring in private memory", bad_ring_private, true },
	{ "ring misaligned", bad_ring_misaligned, true },
	{ "notify before queue enable", bad_notify_before_enable, true },
};

static void run_case(unsigned int i)
{
	struct virtio_dev_args args = { .tap_fd = -1 };
	struct vt t;
	struct vdrv d;
	struct tseg s;
	uint8_t *used;
	uint16_t used_idx;
	unsigned int cfg_irqs;

	vt_init(&t);
	drv_create(&d, &t, "virtio-rng", &args);
	if (!cases[i].own_setup)
		drv_up(&d, BIT_ULL(VIRTIO_F_INDIRECT_DESC), QS);
	cfg_irqs = t.msi[0];
	cases[i].fn(&d);
	if (!(drv_status(&d) & VIRTIO_STATUS_NEEDS_RESET)) {
		fprintf(stderr, "case '%s': no NEEDS_RESET (status %#x)\n",
			cases[i].name, drv_status(&d));
		exit(1);
	}
	CHECK(t.msi[0] == cfg_irqs + 1);	/* config change signalled */

	if (!cases[i].own_setup) {
		/* Broken: nothing more is processed, even good requests. */
		used = gpa_ptr(&t, d.q[0].used);
		used_idx = *(uint16_t *)(used + 2);
		s = (struct tseg){ buf(&d), 16, true };
		drv_post(&d, 0, &s, 1, false);
		drv_notify(&d, 0);
		virtio_pci_poll(d.vp);
		CHECK(*(uint16_t *)(used + 2) == used_idx);
		CHECK(t.msi[0] == cfg_irqs + 1);	/* failed once only */
	}

	/* Reset brings it back. */
	drv_up(&d, BIT_ULL(VIRTIO_F_INDIRECT_DESC), QS);
	CHECK(!(drv_status(&d) & VIRTIO_STATUS_NEEDS_RESET));
	s = (struct tseg){ buf(&d), 32, true };
	CHECK(drv_submit(&d, 0, &s, 1, false) == 32);
	drv_destroy(&d);
	vt_fini(&t);
}

/* virtio-blk specifics: requests that cannot even carry a status. */
static void blk_cases(void)
{
	char path[] = "/tmp/cvisor-blk-bad-XXXXXX";
	struct virtio_dev_args args = { .path = path, .tap_fd = -1 };
	struct vt t;
	struct vdrv d;
	struct tseg s[2];
	uint64_t b;
	int fd = mkstemp(path);

	CHECK(fd >= 0 && ftruncate(fd, 1 << 20) == 0);
	vt_init(&t);
	drv_create(&d, &t, "virtio-blk", &args);
	drv_up(&d, 0, QS);
	b = galloc(&t, 4096, 512);
	/* Header only, no status byte. */
	s[0] = (struct tseg){ b, 16, false };
	CHECK(drv_submit(&d, 0, s, 1, false) == -1);
	CHECK(drv_status(&d) & VIRTIO_STATUS_NEEDS_RESET);
	/* Short header. */
	drv_up(&d, 0, QS);
	s[0] = (struct tseg){ b, 8, false };
	s[1] = (struct tseg){ b + 512, 1, true };
	CHECK(drv_submit(&d, 0, s, 2, false) == -1);
	CHECK(drv_status(&d) & VIRTIO_STATUS_NEEDS_RESET);
	drv_destroy(&d);
	vt_fini(&t);
	close(fd);
	unlink(path);
}

int main(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(i);
	blk_cases();
	printf("virtio_misbehave: %zu cases ok\n",
	       sizeof(cases) / sizeof(cases[0]) + 2);
	return 0;
}
