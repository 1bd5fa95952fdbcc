// SPDX-License-Identifier: GPL-2.0
/*
 * test_bus.c - the PIO/MMIO bus: overlap rejection, lookup at range
 * boundaries, accesses straddling a range end, unclaimed accesses, and
 * concurrent lookups while ranges are added.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"
#include "../check.h"


struct rec {
	uint64_t offset;
	unsigned int len;
	bool is_write;
	int calls;
};

static void rec_access(void *opaque, const struct bus_ctx *ctx,
		       uint64_t offset, uint8_t *data, unsigned int len,
		       bool is_write)
{
	struct rec *r = opaque;

	r->offset = offset;
	r->len = len;
	r->is_write = is_write;
	r->calls++;
	if (!is_write)
		memset(data, 0x42, len);
}

static const struct bus_dev_ops rec_ops = { .name = "rec", .access = rec_access };

static void test_overlap(void)
{
	struct bus bus;
	struct rec a = { 0 };

	EXPECT(!bus_init(&bus));
	EXPECT(!bus_register(&bus, BUS_PIO, 0x100, 0x10, &rec_ops, &a));
	/* Same, inside, straddling either end, covering: all rejected. */
	EXPECT(bus_register(&bus, BUS_PIO, 0x100, 0x10, &rec_ops, &a) == -EEXIST);
	EXPECT(bus_register(&bus, BUS_PIO, 0x104, 0x2, &rec_ops, &a) == -EEXIST);
	EXPECT(bus_register(&bus, BUS_PIO, 0xF8, 0x9, &rec_ops, &a) == -EEXIST);
	EXPECT(bus_register(&bus, BUS_PIO, 0x10F, 0x4, &rec_ops, &a) == -EEXIST);
	EXPECT(bus_register(&bus, BUS_PIO, 0x0, 0x1000, &rec_ops, &a) == -EEXIST);
	/* Adjacent on both sides is fine, as is the same range in MMIO. */
	EXPECT(!bus_register(&bus, BUS_PIO, 0xF0, 0x10, &rec_ops, &a));
	EXPECT(!bus_register(&bus, BUS_PIO, 0x110, 0x10, &rec_ops, &a));
	EXPECT(!bus_register(&bus, BUS_MMIO, 0x100, 0x10, &rec_ops, &a));
	/* Empty and wrapping ranges are invalid; the top byte is fine. */
	EXPECT(bus_register(&bus, BUS_MMIO, 0x5000, 0, &rec_ops, &a) == -EINVAL);
	EXPECT(bus_register(&bus, BUS_MMIO, UINT64_MAX, 2, &rec_ops, &a) == -EINVAL);
	EXPECT(!bus_register(&bus, BUS_MMIO, UINT64_MAX, 1, &rec_ops, &a));
	EXPECT(bus_find(&bus, BUS_MMIO, UINT64_MAX, 1) != NULL);
	EXPECT(bus_find(&bus, BUS_MMIO, UINT64_MAX, 2) == NULL);
	/* Unregister frees the slot for a new registration. */
	EXPECT(!bus_unregister(&bus, BUS_PIO, 0x100));
	EXPECT(bus_unregister(&bus, BUS_PIO, 0x100) == -ENOENT);
	EXPECT(!bus_register(&bus, BUS_PIO, 0x104, 0x2, &rec_ops, &a));
	bus_destroy(&bus);
}

static void test_lookup(void)
{
	struct rec a = { 0 }, b = { 0 };
	struct bus bus;
	uint8_t d[8];

	EXPECT(!bus_init(&bus));
	EXPECT(!bus_register(&bus, BUS_PIO, 0x3F8, 8, &rec_ops, &a));
	EXPECT(!bus_register(&bus, BUS_PIO, 0x400, 4, &rec_ops, &b));

	EXPECT(bus_find(&bus, BUS_PIO, 0x3F7, 1) == NULL);
	EXPECT(bus_find(&bus, BUS_PIO, 0x3F8, 1)->opaque == &a);
	EXPECT(bus_find(&bus, BUS_PIO, 0x3FF, 1)->opaque == &a);
	EXPECT(bus_find(&bus, BUS_PIO, 0x400, 1)->opaque == &b);
	EXPECT(bus_find(&bus, BUS_PIO, 0x403, 1)->opaque == &b);
	EXPECT(bus_find(&bus, BUS_PIO, 0x404, 1) == NULL);
	/* An access must lie wholly inside one range. */
	EXPECT(bus_find(&bus, BUS_PIO, 0x3FE, 2)->opaque == &a);
	EXPECT(bus_find(&bus, BUS_PIO, 0x3FF, 2) == NULL);
	EXPECT(bus_find(&bus, BUS_PIO, 0x402, 4) == NULL);
	EXPECT(bus_find(&bus, BUS_MMIO, 0x3F8, 1) == NULL);

	EXPECT(bus_access(&bus, BUS_PIO, 0x3FA, d, 2, false, NULL));
	EXPECT(a.calls == 1 && a.offset == 2 && a.len == 2 && !a.is_write);
	EXPECT(d[0] == 0x42 && d[1] == 0x42);
	EXPECT(bus_access(&bus, BUS_PIO, 0x401, d, 1, true, NULL));
	EXPECT(b.calls == 1 && b.offset == 1 && b.is_write);

	/* Unclaimed: reads are all-ones, writes vanish, both are counted. */
	memset(d, 0, sizeof(d));
	EXPECT(!bus_access(&bus, BUS_MMIO, 0xFEE00000, d, 8, false, NULL));
	EXPECT(!memcmp(d, "\xff\xff\xff\xff\xff\xff\xff\xff", 8));
	EXPECT(!bus_access(&bus, BUS_PIO, 0x80, d, 1, true, NULL));
	EXPECT(atomic_load(&bus.unhandled) == 2);
	bus_destroy(&bus);
}

/* Many ranges in random order: the table stays sorted and searchable. */
static void test_many(void)
{
	struct rec r = { 0 };
	struct bus bus;
	unsigned int i, n = 0;
	uint64_t base;

	EXPECT(!bus_init(&bus));
	srand(1);
	for (i = 0; i < 2000; i++) {
		base = (uint64_t)(rand() % 4096) * 16;
		if (!bus_register(&bus, BUS_MMIO, base, 16, &rec_ops, &r))
			n++;
	}
	for (base = 0, i = 0; base < 4096 * 16; base += 16) {
		const struct bus_range *f = bus_find(&bus, BUS_MMIO, base + 15, 1);

		if (f) {
			EXPECT(f->base == base && f->len == 16);
			EXPECT(bus_find(&bus, BUS_MMIO, base, 16) == f);
			i++;
		}
	}
	EXPECT(i == n);
	bus_destroy(&bus);
}

struct race {
	struct bus *bus;
	atomic_bool done;	/* read by the reader thread */
	int misses;
};

static void *reader(void *arg)
{
	struct race *rc = arg;

	while (!atomic_load(&rc->done))
		if (!bus_find(rc->bus, BUS_PIO, 0x10, 1))
			rc->misses++;
	return NULL;
}

/* Lookups of a stable range never fail while others are being added. */
static void test_concurrent(void)
{
	struct rec r = { 0 };
	struct race rc = { 0 };
	struct bus bus;
	pthread_t t;
	unsigned int i;

	EXPECT(!bus_init(&bus));
	rc.bus = &bus;
	EXPECT(!bus_register(&bus, BUS_PIO, 0x10, 1, &rec_ops, &r));
	pthread_create(&t, NULL, reader, &rc);
	for (i = 0; i < 500; i++)
		EXPECT(!bus_register(&bus, BUS_PIO, 0x100 + i * 2, 1, &rec_ops, &r));
	atomic_store(&rc.done, true);
	pthread_join(t, NULL);
	EXPECT(rc.misses == 0);
	bus_destroy(&bus);
}

int main(void)
{
	test_overlap();
	test_lookup();
	test_many();
	test_concurrent();
	if (check_failures) {
		printf("%d check(s) failed\n", check_failures);
		return 1;
	}
	printf("bus: all checks passed\n");
	return 0;
}
