/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bus.h - one address-range bus for port I/O and MMIO.
 *
 * A device registers ranges with bus_register(); a vCPU exit is turned into
 * bus_access().  Lookups take no lock (vCPUs run concurrently): the range
 * table is an immutable sorted array replaced as a whole on registration,
 * and old tables are only freed by bus_destroy().
 */
#ifndef CVISOR_BUS_BUS_H
#define CVISOR_BUS_BUS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct vcpu;

enum bus_space {
	BUS_PIO,
	BUS_MMIO,
	BUS__COUNT
};

/* Who is accessing: handed to every handler. */
struct bus_ctx {
	struct vcpu *vcpu;	/* NULL when not from a vCPU (tests) */
	unsigned int vcpu_id;
	bool smm;		/* the access came from SMM (KVM_RUN_X86_SMM) */
};

struct bus_dev_ops {
	const char *name;
	/*
	 * @offset is relative to the registered base; the access lies wholly
	 * inside the range.  @data holds @len (1, 2, 4 or 8) little-endian
	 * bytes: fill it on a read, consume it on a write.
	 */
	void (*access)(void *opaque, const struct bus_ctx *ctx,
		       uint64_t offset, uint8_t *data, unsigned int len,
		       bool is_write);
};

struct bus_range {
	uint64_t base;
	uint64_t len;
	const struct bus_dev_ops *ops;
	void *opaque;
};

struct bus_table;

struct bus {
	_Atomic(struct bus_table *) tables[BUS__COUNT];
	struct bus_table *retired;	/* replaced tables, freed at destroy */
	pthread_mutex_t lock;		/* serializes writers only */
	atomic_ulong unhandled;		/* accesses nobody claimed */
};

int bus_init(struct bus *bus);
void bus_destroy(struct bus *bus);

/* -EEXIST if the range overlaps another, -EINVAL if empty or wrapping. */
int bus_register(struct bus *bus, enum bus_space space, uint64_t base,
		 uint64_t len, const struct bus_dev_ops *ops, void *opaque);
int bus_unregister(struct bus *bus, enum bus_space space, uint64_t base);

/* The range containing [addr, addr + len) entirely, or NULL. */
const struct bus_range *bus_find(struct bus *bus, enum bus_space space,
				 uint64_t addr, uint64_t len);

/*
 * Dispatch one access.  Returns true if a device claimed it; unclaimed
 * reads return all-ones and unclaimed writes are dropped.
 */
bool bus_access(struct bus *bus, enum bus_space space, uint64_t addr,
		uint8_t *data, unsigned int len, bool is_write,
		const struct bus_ctx *ctx);

/* Little-endian helpers for handlers. */
static inline uint64_t bus_get_le(const uint8_t *data, unsigned int len)
{
	uint64_t v = 0;

	while (len--)
		v = (v << 8) | data[len];
	return v;
}

static inline void bus_put_le(uint8_t *data, unsigned int len, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < len; i++, v >>= 8)
		data[i] = (uint8_t)v;
}

#endif
