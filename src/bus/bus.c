// SPDX-License-Identifier: GPL-2.0
/*
 * bus.c - sorted, copy-on-write range tables for PIO and MMIO dispatch.
 *
 * Registration is rare (start-up, hotplug) and lookups happen on every
 * exit from every vCPU, so readers get a lock-free path: they load the
 * current table pointer (acquire) and binary-search it.  Writers build a
 * new table under a mutex and publish it (release).  A table a reader may
 * still be using is never freed before bus_destroy(), which runs after all
 * vCPU threads are gone; the waste is a few hundred bytes per change.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/compiler.h"
#include "bus/bus.h"

struct bus_table {
	struct bus_table *next_retired;
	unsigned int nr;
	struct bus_range r[];
};

int bus_init(struct bus *bus)
{
	unsigned int i;

	for (i = 0; i < BUS__COUNT; i++)
		atomic_init(&bus->tables[i], NULL);
	bus->retired = NULL;
	atomic_init(&bus->unhandled, 0);
	return -pthread_mutex_init(&bus->lock, NULL);
}

void bus_destroy(struct bus *bus)
{
	struct bus_table *t, *next;
	unsigned int i;

	for (i = 0; i < BUS__COUNT; i++) {
		free(atomic_load(&bus->tables[i]));
		atomic_store(&bus->tables[i], NULL);
	}
	for (t = bus->retired; t; t = next) {
		next = t->next_retired;
		free(t);
	}
	bus->retired = NULL;
	pthread_mutex_destroy(&bus->lock);
}

/* Index of the first range whose end is above @addr (ranges are disjoint). */
static unsigned int table_lower_bound(const struct bus_table *t, uint64_t addr)
{
	unsigned int lo = 0, hi = t->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct bus_range *r = &t->r[mid];

		if (addr - r->base >= r->len && addr > r->base)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void publish(struct bus *bus, enum bus_space space,
		    struct bus_table *old, struct bus_table *new)
{
	atomic_store_explicit(&bus->tables[space], new, memory_order_release);
	if (old) {
		old->next_retired = bus->retired;
		bus->retired = old;
	}
}

int bus_register(struct bus *bus, enum bus_space space, uint64_t base,
		 uint64_t len, const struct bus_dev_ops *ops, void *opaque)
{
	struct bus_table *old, *new;
	unsigned int nr, pos;
	int ret = 0;

	if ((unsigned int)space >= BUS__COUNT || !len || !ops || !ops->access)
		return -EINVAL;
	if (base + len - 1 < base)
		return -EINVAL;

	pthread_mutex_lock(&bus->lock);
	old = atomic_load_explicit(&bus->tables[space], memory_order_relaxed);
	nr = old ? old->nr : 0;
	pos = old ? table_lower_bound(old, base) : 0;
	/* The candidate at pos ends after base; it overlaps if it starts
	 * before our end. */
	if (pos < nr && old->r[pos].base <= base + len - 1) {
		ret = -EEXIST;
		goto out;
	}
	new = malloc(sizeof(*new) + (nr + 1) * sizeof(new->r[0]));
	if (!new) {
		ret = -ENOMEM;
		goto out;
	}
	new->next_retired = NULL;
	new->nr = nr + 1;
	if (pos)
		memcpy(new->r, old->r, pos * sizeof(new->r[0]));
	new->r[pos] = (struct bus_range){
		.base = base, .len = len, .ops = ops, .opaque = opaque,
	};
	if (nr > pos)
		memcpy(&new->r[pos + 1], &old->r[pos],
		       (nr - pos) * sizeof(new->r[0]));
	publish(bus, space, old, new);
out:
	pthread_mutex_unlock(&bus->lock);
	return ret;
}

int bus_unregister(struct bus *bus, enum bus_space space, uint64_t base)
{
	struct bus_table *old, *new;
	unsigned int pos;
	int ret = 0;

	if ((unsigned int)space >= BUS__COUNT)
		return -EINVAL;
	pthread_mutex_lock(&bus->lock);
	old = atomic_load_explicit(&bus->tables[space], memory_order_relaxed);
	pos = old ? table_lower_bound(old, base) : 0;
	if (!old || pos >= old->nr || old->r[pos].base != base) {
		ret = -ENOENT;
		goto out;
	}
	new = malloc(sizeof(*new) + (old->nr - 1) * sizeof(new->r[0]));
	if (!new) {
		ret = -ENOMEM;
		goto out;
	}
	new->next_retired = NULL;
	new->nr = old->nr - 1;
	memcpy(new->r, old->r, pos * sizeof(new->r[0]));
	memcpy(&new->r[pos], &old->r[pos + 1],
	       (old->nr - pos - 1) * sizeof(new->r[0]));
	publish(bus, space, old, new);
out:
	pthread_mutex_unlock(&bus->lock);
	return ret;
}

const struct bus_range *bus_find(struct bus *bus, enum bus_space space,
				 uint64_t addr, uint64_t len)
{
	const struct bus_table *t;
	const struct bus_range *r;
	unsigned int pos;

	if ((unsigned int)space >= BUS__COUNT || !len)
		return NULL;
	t = atomic_load_explicit(&bus->tables[space], memory_order_acquire);
	if (!t)
		return NULL;
	pos = table_lower_bound(t, addr);
	if (pos >= t->nr)
		return NULL;
	r = &t->r[pos];
	if (addr < r->base || addr - r->base >= r->len)
		return NULL;
	/* An access straddling the end of a range is not the device's. */
	if (len > r->len - (addr - r->base))
		return NULL;
	return r;
}

bool bus_access(struct bus *bus, enum bus_space space, uint64_t addr,
		uint8_t *data, unsigned int len, bool is_write,
		const struct bus_ctx *ctx)
{
	const struct bus_range *r = bus_find(bus, space, addr, len);

	if (unlikely(!r)) {
		if (!is_write)
			memset(data, 0xff, len);
		atomic_fetch_add_explicit(&bus->unhandled, 1,
					  memory_order_relaxed);
		return false;
	}
	r->ops->access(r->opaque, ctx, addr - r->base, data, len, is_write);
	return true;
}
