// SPDX-License-Identifier: GPL-2.0
/*
 * mem.c - memslots for the emu backend.
 *
 * Each address space has an immutable, gpa-sorted map snapshot.  An update
 * (under mem->lock, which serialises updaters) builds a new snapshot,
 * publishes it with a new epoch, kicks every vCPU and waits until every
 * active reader has picked the new epoch up at its next stop (where it
 * also flushes its TLB, through the CPU core).  Only then is the old
 * snapshot freed and the call returns, so once hv_set_memslot() returns no
 * vCPU can touch the old mapping: the VMM may unmap a deleted slot's
 * memory at once, as with KVM.
 *
 * The dirty bitmap belongs to the slot (shared by all snapshots that carry
 * the slot) and is updated with atomic OR / exchange, so vCPUs mark pages
 * while the VMM collects the log.
 *
 * Lookups in a snapshot are a binary search behind a per-reader last-hit
 * cache; the CPU core's TLB sits in front of both.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* A slot, as owned by the updater. */
struct emu_slot {
	struct emu_memmap_entry e;
	uint16_t as_id;
	int guest_memfd;		/* kept for guest_memfd support later */
	uint64_t guest_memfd_offset;
	struct emu_slot *next;
};

struct emu_memmap {
	uint32_t nr;
	struct emu_memmap_entry e[];
};

struct emu_mem {
	pthread_mutex_t lock;		/* updaters, reader list, epochs */
	pthread_cond_t moved;		/* a reader changed epoch or left */
	struct emu_slot *slots;
	_Atomic(struct emu_memmap *) map[EMU_NR_AS];
	_Atomic uint64_t gen;
	struct emu_mem_reader *readers;
	void (*kick_all)(void *opaque);
	void *opaque;
};

static const struct emu_memmap empty_map = { 0 };

int emu_mem_create(void (*kick_all)(void *opaque), void *opaque,
		   struct emu_mem **out)
{
	struct emu_mem *mem;
	int i;

	mem = calloc(1, sizeof(*mem));
	if (!mem)
		return -ENOMEM;
	pthread_mutex_init(&mem->lock, NULL);
	pthread_cond_init(&mem->moved, NULL);
	for (i = 0; i < EMU_NR_AS; i++)
		atomic_init(&mem->map[i], (struct emu_memmap *)&empty_map);
	atomic_init(&mem->gen, 1);
	mem->kick_all = kick_all;
	mem->opaque = opaque;
	*out = mem;
	return 0;
}

static void map_free(struct emu_memmap *m)
{
	if (m != &empty_map)
		free(m);
}

void emu_mem_destroy(struct emu_mem *mem)
{
	struct emu_slot *s, *n;
	int i;

	if (!mem)
		return;
	for (s = mem->slots; s; s = n) {
		n = s->next;
		free(s->e.dirty);
		free(s);
	}
	for (i = 0; i < EMU_NR_AS; i++)
		map_free(atomic_load(&mem->map[i]));
	pthread_cond_destroy(&mem->moved);
	pthread_mutex_destroy(&mem->lock);
	free(mem);
}

static struct emu_slot *slot_find(struct emu_mem *mem, uint16_t as,
				  uint16_t id)
{
	struct emu_slot *s;

	for (s = mem->slots; s; s = s->next)
		if (s->as_id == as && s->e.id == id)
			return s;
	return NULL;
}

static bool overlaps(struct emu_mem *mem, uint16_t as, uint16_t id,
		     uint64_t gpa, uint64_t size)
{
	struct emu_slot *s;

	for (s = mem->slots; s; s = s->next) {
		if (s->as_id != as || s->e.id == id)
			continue;
		if (gpa < s->e.gpa + s->e.size && s->e.gpa < gpa + size)
			return true;
	}
	return false;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct emu_memmap_entry *x = a, *y = b;

	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

static struct emu_memmap *map_build(struct emu_mem *mem, uint16_t as)
{
	struct emu_memmap *m;
	struct emu_slot *s;
	uint32_t n = 0;

	for (s = mem->slots; s; s = s->next)
		n += s->as_id == as;
	m = malloc(sizeof(*m) + n * sizeof(m->e[0]));
	if (!m)
		return NULL;
	m->nr = 0;
	for (s = mem->slots; s; s = s->next)
		if (s->as_id == as)
			m->e[m->nr++] = s->e;
	qsort(m->e, m->nr, sizeof(m->e[0]), entry_cmp);
	return m;
}

/*
 * Start a new epoch and wait (mem->lock held) until every running reader
 * has reached it, i.e. dropped whatever it cached from the old one.
 */
static void epoch_sync(struct emu_mem *mem)
{
	uint64_t gen = atomic_load(&mem->gen) + 1;
	struct emu_mem_reader *rd;
	bool busy;

	atomic_store(&mem->gen, gen);
	if (mem->kick_all)
		mem->kick_all(mem->opaque);
	for (;;) {
		busy = false;
		for (rd = mem->readers; rd; rd = rd->next)
			if (atomic_load(&rd->active) &&
			    atomic_load(&rd->gen) != gen)
				busy = true;
		if (!busy)
			break;
		pthread_cond_wait(&mem->moved, &mem->lock);
	}
}

/* Publish @m for @as and wait until no running reader can use the old one. */
static void map_publish(struct emu_mem *mem, uint16_t as, struct emu_memmap *m)
{
	struct emu_memmap *old = atomic_load(&mem->map[as]);

	atomic_store(&mem->map[as], m);
	epoch_sync(mem);
	map_free(old);
}

static int validate(const struct hv_memslot *u)
{
	const uint32_t valid = HV_MEM_LOG_DIRTY_PAGES | HV_MEM_READONLY |
			       HV_MEM_GUEST_MEMFD;

	if (u->flags & ~valid)
		return -EINVAL;
	/* Private memory is neither dirty-logged nor read-only. */
	if ((u->flags & HV_MEM_GUEST_MEMFD) &&
	    (u->flags & (HV_MEM_LOG_DIRTY_PAGES | HV_MEM_READONLY)))
		return -EINVAL;
	if (u->flags & HV_MEM_GUEST_MEMFD)
		return -EOPNOTSUPP;	/* guest_memfd: later work */
	if (u->as_id >= EMU_NR_AS || u->slot >= EMU_MAX_SLOTS)
		return -EINVAL;
	if ((u->memory_size | u->guest_phys_addr) & (EMU_PAGE_SIZE - 1))
		return -EINVAL;
	if ((uintptr_t)u->userspace_addr & (EMU_PAGE_SIZE - 1))
		return -EINVAL;
	if (u->guest_phys_addr + u->memory_size < u->guest_phys_addr)
		return -EINVAL;
	/* KVM_MEM_MAX_NR_PAGES: the page count must fit 31 bits. */
	if (u->memory_size / EMU_PAGE_SIZE >= (1ull << 31))
		return -EINVAL;
	return 0;
}

static _Atomic uint64_t *bitmap_alloc(uint64_t size)
{
	uint64_t words = (size / EMU_PAGE_SIZE + 63) / 64;

	return calloc(words ? words : 1, sizeof(uint64_t));
}

int emu_mem_set_slot(struct emu_mem *mem, const struct hv_memslot *u)
{
	struct emu_slot *s, **pp;
	struct emu_memmap *m;
	_Atomic uint64_t *old_dirty = NULL;
	int ret;

	ret = validate(u);
	if (ret)
		return ret;
	pthread_mutex_lock(&mem->lock);
	s = slot_find(mem, u->as_id, u->slot);
	if (!u->memory_size) {				/* delete */
		if (!s) {
			ret = -EINVAL;
			goto out;
		}
		for (pp = &mem->slots; *pp != s; pp = &(*pp)->next)
			;
		*pp = s->next;
		m = map_build(mem, u->as_id);
		if (!m) {
			s->next = mem->slots;	/* undo */
			mem->slots = s;
			ret = -ENOMEM;
			goto out;
		}
		map_publish(mem, u->as_id, m);
		free(s->e.dirty);
		free(s);
		goto out;
	}
	if (!s) {					/* create */
		if (overlaps(mem, u->as_id, u->slot, u->guest_phys_addr,
			     u->memory_size)) {
			ret = -EEXIST;
			goto out;
		}
		s = calloc(1, sizeof(*s));
		if (!s) {
			ret = -ENOMEM;
			goto out;
		}
		s->as_id = u->as_id;
		s->e.id = u->slot;
		s->e.gpa = u->guest_phys_addr;
		s->e.size = u->memory_size;
		s->e.hva = u->userspace_addr;
		s->e.flags = u->flags;
		s->guest_memfd = -1;
		if (u->flags & HV_MEM_LOG_DIRTY_PAGES) {
			s->e.dirty = bitmap_alloc(u->memory_size);
			if (!s->e.dirty) {
				free(s);
				ret = -ENOMEM;
				goto out;
			}
		}
		s->next = mem->slots;
		mem->slots = s;
		m = map_build(mem, u->as_id);
		if (!m) {
			mem->slots = s->next;
			free(s->e.dirty);
			free(s);
			ret = -ENOMEM;
			goto out;
		}
		map_publish(mem, u->as_id, m);
		goto out;
	}
	/* Modify: as KVM, size, backing and READONLY are fixed. */
	if (u->memory_size != s->e.size || u->userspace_addr != s->e.hva ||
	    ((u->flags ^ s->e.flags) & HV_MEM_READONLY)) {
		ret = -EINVAL;
		goto out;
	}
	if (u->guest_phys_addr == s->e.gpa && u->flags == s->e.flags)
		goto out;				/* no change */
	if (u->guest_phys_addr != s->e.gpa &&
	    overlaps(mem, u->as_id, u->slot, u->guest_phys_addr,
		     u->memory_size)) {
		ret = -EEXIST;
		goto out;
	}
	{
		struct emu_slot saved = *s;

		if ((u->flags & HV_MEM_LOG_DIRTY_PAGES) && !s->e.dirty) {
			s->e.dirty = bitmap_alloc(s->e.size);
			if (!s->e.dirty) {
				ret = -ENOMEM;
				goto out;
			}
		} else if (!(u->flags & HV_MEM_LOG_DIRTY_PAGES)) {
			old_dirty = s->e.dirty;
			s->e.dirty = NULL;
		}
		s->e.gpa = u->guest_phys_addr;
		s->e.flags = u->flags;
		m = map_build(mem, u->as_id);
		if (!m) {
			if (s->e.dirty != saved.e.dirty)
				free(s->e.dirty);
			*s = saved;
			old_dirty = NULL;
			ret = -ENOMEM;
			goto out;
		}
		map_publish(mem, u->as_id, m);
		free(old_dirty);
	}
out:
	pthread_mutex_unlock(&mem->lock);
	return ret;
}

int emu_mem_get_dirty_log(struct emu_mem *mem, uint16_t as_id, uint16_t id,
			  uint64_t *bitmap)
{
	struct emu_slot *s;
	uint64_t i, words;
	int ret = 0;

	if (as_id >= EMU_NR_AS)
		return -EINVAL;
	pthread_mutex_lock(&mem->lock);
	s = slot_find(mem, as_id, id);
	if (!s) {
		ret = -EINVAL;
		goto out;
	}
	if (!s->e.dirty) {
		ret = -ENOENT;		/* KVM: slot without a dirty bitmap */
		goto out;
	}
	words = (s->e.size / EMU_PAGE_SIZE + 63) / 64;
	for (i = 0; i < words; i++)
		bitmap[i] = atomic_exchange(&s->e.dirty[i], 0);
	/*
	 * Pages just cleared must be marked again on their next write, so
	 * every vCPU drops its cached writable translations: an epoch bump
	 * with the same maps makes them flush at their next stop.
	 */
	epoch_sync(mem);
out:
	pthread_mutex_unlock(&mem->lock);
	return ret;
}

void emu_mem_reader_add(struct emu_mem *mem, struct emu_mem_reader *rd)
{
	int i;

	pthread_mutex_lock(&mem->lock);
	for (i = 0; i < EMU_NR_AS; i++) {
		rd->map[i] = atomic_load(&mem->map[i]);
		rd->last[i] = NULL;
	}
	atomic_store(&rd->gen, atomic_load(&mem->gen));
	atomic_store(&rd->active, false);
	rd->next = mem->readers;
	mem->readers = rd;
	pthread_mutex_unlock(&mem->lock);
}

void emu_mem_reader_del(struct emu_mem *mem, struct emu_mem_reader *rd)
{
	struct emu_mem_reader **pp;

	pthread_mutex_lock(&mem->lock);
	for (pp = &mem->readers; *pp; pp = &(*pp)->next) {
		if (*pp == rd) {
			*pp = rd->next;
			break;
		}
	}
	pthread_cond_broadcast(&mem->moved);
	pthread_mutex_unlock(&mem->lock);
}

bool emu_mem_reader_stale(struct emu_mem *mem, struct emu_mem_reader *rd)
{
	return atomic_load_explicit(&mem->gen, memory_order_acquire) !=
	       atomic_load_explicit(&rd->gen, memory_order_relaxed);
}

/* Pick up the current maps; mem->lock held. */
static bool reader_refresh(struct emu_mem *mem, struct emu_mem_reader *rd)
{
	uint64_t gen = atomic_load(&mem->gen);
	int i;

	if (atomic_load(&rd->gen) == gen)
		return false;
	for (i = 0; i < EMU_NR_AS; i++) {
		rd->map[i] = atomic_load(&mem->map[i]);
		rd->last[i] = NULL;
	}
	atomic_store(&rd->gen, gen);
	pthread_cond_broadcast(&mem->moved);
	return true;
}

bool emu_mem_reader_enter(struct emu_mem *mem, struct emu_mem_reader *rd)
{
	bool changed;

	pthread_mutex_lock(&mem->lock);
	atomic_store(&rd->active, true);
	changed = reader_refresh(mem, rd);
	pthread_mutex_unlock(&mem->lock);
	return changed;
}

bool emu_mem_reader_sync(struct emu_mem *mem, struct emu_mem_reader *rd)
{
	bool changed;

	if (!emu_mem_reader_stale(mem, rd))
		return false;
	pthread_mutex_lock(&mem->lock);
	changed = reader_refresh(mem, rd);
	pthread_mutex_unlock(&mem->lock);
	return changed;
}

void emu_mem_reader_leave(struct emu_mem *mem, struct emu_mem_reader *rd)
{
	pthread_mutex_lock(&mem->lock);
	atomic_store(&rd->active, false);
	pthread_cond_broadcast(&mem->moved);
	pthread_mutex_unlock(&mem->lock);
}

static const struct emu_memmap_entry *map_find(const struct emu_memmap *m,
					       uint64_t gpa)
{
	uint32_t lo = 0, hi = m->nr;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		const struct emu_memmap_entry *e = &m->e[mid];

		if (gpa < e->gpa)
			hi = mid;
		else if (gpa - e->gpa >= e->size)
			lo = mid + 1;
		else
			return e;
	}
	return NULL;
}

static void *entry_page(const struct emu_memmap_entry *e, uint64_t gpa,
			bool write)
{
	uint64_t off = (gpa - e->gpa) & ~(EMU_PAGE_SIZE - 1);

	if (write) {
		if (e->flags & HV_MEM_READONLY)
			return NULL;
		if (e->dirty) {
			uint64_t pg = off / EMU_PAGE_SIZE;

			atomic_fetch_or_explicit(&e->dirty[pg / 64],
						 1ull << (pg % 64),
						 memory_order_relaxed);
		}
	}
	return e->hva + off;
}

void *emu_mem_map_page(struct emu_mem_reader *rd, unsigned int as,
		       uint64_t gpa, bool write)
{
	const struct emu_memmap_entry *e = rd->last[as];

	if (!e || gpa < e->gpa || gpa - e->gpa >= e->size) {
		e = map_find(rd->map[as], gpa);
		if (!e)
			return NULL;
		rd->last[as] = e;
	}
	return entry_page(e, gpa, write);
}

void *emu_mem_lookup(struct emu_mem *mem, unsigned int as, uint64_t gpa,
		     bool write)
{
	const struct emu_memmap_entry *e;
	void *p = NULL;

	if (as >= EMU_NR_AS)
		return NULL;
	pthread_mutex_lock(&mem->lock);
	e = map_find(atomic_load(&mem->map[as]), gpa);
	if (e)
		p = entry_page(e, gpa, write);
	pthread_mutex_unlock(&mem->lock);
	return p;
}
