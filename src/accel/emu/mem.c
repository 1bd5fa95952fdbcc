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
 *
 * Private memory (a SW_PROTECTED VM): the PRIVATE attribute ranges are a
 * third snapshot, published with the same epoch, so that once
 * hv_set_memory_attributes() returns no vCPU holds a translation made
 * under the old attribute; a private page maps the slot's guest_memfd,
 * a shared one the slot's userspace memory.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cpu/x86_cpu.h"
#include "lib/compiler.h"
#include "gmem.h"
#include "mem.h"

/* A slot, as owned by the updater. */
struct emu_slot {
	struct emu_memmap_entry e;
	uint16_t as_id;
	struct emu_gmem *gmem;		/* bound guest_memfd, or NULL */
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
	/* guest_memfd: set once before any slot (emu_mem_enable_gmem). */
	struct emu_gmems *gmems;
	void *owner;
	struct x86_code_tracker *tracker;
	bool private_mem;		/* the PRIVATE attribute exists */
	_Atomic(struct emu_attrs *) attrs;
};

static const struct emu_memmap empty_map = { 0 };
static const struct emu_attrs empty_attrs = { 0 };

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
	atomic_init(&mem->attrs, (struct emu_attrs *)&empty_attrs);
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

static void attrs_free(struct emu_attrs *a)
{
	if (a != &empty_attrs)
		free(a);
}

void emu_mem_enable_gmem(struct emu_mem *mem, struct emu_gmems *gmems,
			 void *owner, struct x86_code_tracker *tracker,
			 bool private_mem)
{
	mem->gmems = gmems;
	mem->owner = owner;
	mem->tracker = tracker;
	mem->private_mem = private_mem;
}

uint64_t emu_mem_supported_attributes(struct emu_mem *mem)
{
	return mem->private_mem ? HV_MEMORY_ATTRIBUTE_PRIVATE : 0;
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
	attrs_free(atomic_load(&mem->attrs));
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
		/*
		 * "Before gen", not "not at gen": the wait drops mem->lock,
		 * so another updater may have moved the readers further on.
		 */
		for (rd = mem->readers; rd; rd = rd->next)
			if (atomic_load(&rd->active) &&
			    atomic_load(&rd->gen) < gen)
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

static int validate(struct emu_mem *mem, const struct hv_memslot *u)
{
	const uint32_t valid = HV_MEM_LOG_DIRTY_PAGES | HV_MEM_READONLY |
			       HV_MEM_GUEST_MEMFD;

	if (u->flags & ~valid)
		return -EINVAL;
	/* Only a backend VM set up for guest_memfd takes such slots. */
	if ((u->flags & HV_MEM_GUEST_MEMFD) && !mem->gmems)
		return -EINVAL;
	/* Private memory is neither dirty-logged nor read-only. */
	if ((u->flags & HV_MEM_GUEST_MEMFD) &&
	    (u->flags & (HV_MEM_LOG_DIRTY_PAGES | HV_MEM_READONLY)))
		return -EINVAL;
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

	ret = validate(mem, u);
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
		/* No vCPU can reach the binding any more: release it. */
		if (s->gmem)
			emu_gmem_unbind(mem->gmems, s->gmem, s->e.id);
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
		if (u->flags & HV_MEM_LOG_DIRTY_PAGES) {
			s->e.dirty = bitmap_alloc(u->memory_size);
			if (!s->e.dirty) {
				free(s);
				ret = -ENOMEM;
				goto out;
			}
		}
		/*
		 * Bound before the slot is visible, so a vCPU that sees the
		 * slot always sees its file (seed-apis.md 3.8).
		 */
			if (u->flags & HV_MEM_GUEST_MEMFD) {
			bool only;

			ret = emu_gmem_bind(mem->gmems, mem->owner,
					    u->guest_memfd,
					    u->guest_memfd_offset,
					    u->memory_size,
					    u->guest_phys_addr, u->slot,
					    &s->gmem, &s->e.gmem, &only);
			if (ret) {
				free(s);
				goto out;
			}
			/*
			 * A guest_memfd-only slot: shared accesses go to
			 * the file as well, userspace_addr is not used.
			 */
			if (only)
				s->e.hva = s->e.gmem;
		}
		s->next = mem->slots;
		mem->slots = s;
		m = map_build(mem, u->as_id);
		if (!m) {
			mem->slots = s->next;
			if (s->gmem)
				emu_gmem_unbind(mem->gmems, s->gmem, s->e.id);
			free(s->e.dirty);
			free(s);
			ret = -ENOMEM;
			goto out;
		}
		map_publish(mem, u->as_id, m);
		goto out;
	}
	/* guest_memfd slots are immutable: delete is the only change. */
	if (s->gmem || (u->flags & HV_MEM_GUEST_MEMFD)) {
		ret = -EINVAL;
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
	rd->attrs = atomic_load(&mem->attrs);
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
	rd->attrs = atomic_load(&mem->attrs);
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

/* Is @gpa in one of the PRIVATE ranges? */
static bool attrs_private(const struct emu_attrs *a, uint64_t gpa)
{
	uint32_t lo = 0, hi = a->nr;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (gpa < a->r[mid].start)
			hi = mid;
		else if (gpa >= a->r[mid].end)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* The private view of a page: the slot's guest_memfd or nothing. */
static void *entry_private_page(const struct emu_memmap_entry *e,
				uint64_t gpa)
{
	if (!e || !e->gmem)
		return NULL;
	return e->gmem + ((gpa - e->gpa) & ~(EMU_PAGE_SIZE - 1));
}

void *emu_mem_map_page(struct emu_mem_reader *rd, unsigned int as,
		       uint64_t gpa, bool write)
{
	const struct emu_memmap_entry *e = rd->last[as];

	if (!e || gpa < e->gpa || gpa - e->gpa >= e->size) {
		e = map_find(rd->map[as], gpa);
		if (e)
			rd->last[as] = e;
	}
	if (unlikely(rd->attrs->nr) && attrs_private(rd->attrs, gpa))
		return entry_private_page(e, gpa);
	if (!e)
		return NULL;
	return entry_page(e, gpa, write);
}

bool emu_mem_private_fault(struct emu_mem_reader *rd, uint64_t gpa)
{
	return rd->attrs->nr && attrs_private(rd->attrs, gpa);
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
	if (attrs_private(atomic_load(&mem->attrs), gpa))
		p = entry_private_page(e, gpa);
	else if (e)
		p = entry_page(e, gpa, write);
	pthread_mutex_unlock(&mem->lock);
	return p;
}

/* ---------------------------------------------------------------- attributes */

static int range_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Does [gpa, end) already read as @priv everywhere? */
static bool attrs_uniform(const struct emu_attrs *a, uint64_t gpa,
			  uint64_t end, bool priv)
{
	uint64_t covered = 0;
	uint32_t i;

	for (i = 0; i < a->nr; i++) {
		uint64_t s = a->r[i].start > gpa ? a->r[i].start : gpa;
		uint64_t e = a->r[i].end < end ? a->r[i].end : end;

		if (s < e)
			covered += e - s;
	}
	return priv ? covered == end - gpa : covered == 0;
}

/* @cur with [gpa, end) set to @priv; NULL without memory. */
static struct emu_attrs *attrs_build(const struct emu_attrs *cur,
				     uint64_t gpa, uint64_t end, bool priv)
{
	struct emu_attrs *a;
	uint32_t i, n = 0, out;

	a = malloc(sizeof(*a) + (cur->nr + 2) * sizeof(a->r[0]));
	if (!a)
		return NULL;
	for (i = 0; i < cur->nr; i++) {
		uint64_t s = cur->r[i].start, e = cur->r[i].end;

		if (e <= gpa || s >= end) {
			a->r[n].start = s;
			a->r[n++].end = e;
			continue;
		}
		if (s < gpa) {
			a->r[n].start = s;
			a->r[n++].end = gpa;
		}
		if (e > end) {
			a->r[n].start = end;
			a->r[n++].end = e;
		}
	}
	if (priv) {
		a->r[n].start = gpa;
		a->r[n++].end = end;
	}
	qsort(a->r, n, sizeof(a->r[0]), range_cmp);
	/* Merge touching ranges so lookups stay short. */
	for (i = 0, out = 0; i < n; i++) {
		if (out && a->r[out - 1].end >= a->r[i].start) {
			if (a->r[i].end > a->r[out - 1].end)
				a->r[out - 1].end = a->r[i].end;
			continue;
		}
		a->r[out++] = a->r[i];
	}
	a->nr = out;
	return a;
}

/*
 * Drop decoded code of [gpa, end): only pages some slot backs can hold
 * code, and attribute ranges may span the whole GPA space.
 */
static void invalidate_code(struct emu_mem *mem, uint64_t gpa, uint64_t end)
{
	const struct emu_memmap *m = atomic_load(&mem->map[HV_AS_NORMAL]);
	uint32_t i;

	for (i = 0; i < m->nr; i++) {
		uint64_t s = m->e[i].gpa > gpa ? m->e[i].gpa : gpa;
		uint64_t e = m->e[i].gpa + m->e[i].size < end ?
			     m->e[i].gpa + m->e[i].size : end;

		if (s < e)
			x86_code_tracker_write(mem->tracker, s, e - s);
	}
}

int emu_mem_set_attributes(struct emu_mem *mem, uint64_t gpa, uint64_t size,
			   uint64_t attributes, uint64_t flags)
{
	struct emu_attrs *cur, *a;
	bool priv = attributes & HV_MEMORY_ATTRIBUTE_PRIVATE;
	int ret = 0;

	/* KVM's order of checks (seed-apis.md 3.5). */
	if (flags)
		return -EINVAL;
	if (attributes & ~emu_mem_supported_attributes(mem))
		return -EINVAL;
	if (!size || gpa + size < gpa)
		return -EINVAL;
	if ((gpa | size) & (EMU_PAGE_SIZE - 1))
		return -EINVAL;

	pthread_mutex_lock(&mem->lock);
	cur = atomic_load(&mem->attrs);
	if (attrs_uniform(cur, gpa, gpa + size, priv))
		goto out;		/* nothing changes: no flush either */
	a = attrs_build(cur, gpa, gpa + size, priv);
	if (!a) {
		ret = -ENOMEM;		/* before any change, as KVM */
		goto out;
	}
	atomic_store(&mem->attrs, a);
	/*
	 * Every vCPU drops its translations at the epoch change; decoded
	 * code of the range goes after that, so that a block decoded
	 * through an old translation in between is dropped as well.
	 */
	epoch_sync(mem);
	if (mem->tracker)
		invalidate_code(mem, gpa, gpa + size);
	attrs_free(cur);
out:
	pthread_mutex_unlock(&mem->lock);
	return ret;
}

/* ---------------------------------------------------------------- pre-fault */

/* End of the run from @gpa (below @limit) with the same attribute. */
static uint64_t attrs_run_end(const struct emu_attrs *a, uint64_t gpa,
			      uint64_t limit)
{
	uint32_t i;

	for (i = 0; i < a->nr; i++) {
		if (a->r[i].end <= gpa)
			continue;
		if (a->r[i].start > gpa)
			return a->r[i].start < limit ? a->r[i].start : limit;
		return a->r[i].end < limit ? a->r[i].end : limit;
	}
	return limit;
}

int emu_mem_pre_fault(struct emu_mem *mem, uint64_t *gpa, uint64_t *size)
{
	uint64_t done = 0;
	int ret = 0;

	if (!*size || *gpa + *size <= *gpa ||
	    ((*gpa | *size) & (EMU_PAGE_SIZE - 1)))
		return -EINVAL;
	while (*size) {
		const struct emu_memmap_entry *e;
		const struct emu_attrs *a;
		uint64_t end, n;
		bool priv;
		void *p;

		pthread_mutex_lock(&mem->lock);
		e = map_find(atomic_load(&mem->map[HV_AS_NORMAL]), *gpa);
		a = atomic_load(&mem->attrs);
		if (!e) {
			pthread_mutex_unlock(&mem->lock);
			ret = -ENOENT;
			break;
		}
		end = e->gpa + e->size < *gpa + *size ? e->gpa + e->size :
							 *gpa + *size;
		end = attrs_run_end(a, *gpa, end);
		priv = attrs_private(a, *gpa);
		p = priv ? entry_private_page(e, *gpa) :
			   e->hva + (*gpa - e->gpa);
		pthread_mutex_unlock(&mem->lock);
		if (!p) {
			ret = -EFAULT;	/* private, but no guest_memfd */
			break;
		}
		n = end - *gpa;
		/*
		 * A read fault: shared memory gets its pages mapped,
		 * guest_memfd memory is allocated (it is never a hole).
		 */
		if (madvise(p, n, priv ? MADV_POPULATE_WRITE :
					 MADV_POPULATE_READ)) {
			ret = errno == EINTR ? -EINTR : -EFAULT;
			break;
		}
		*gpa += n;
		*size -= n;
		done += n;
	}
	return done ? 0 : ret;
}
