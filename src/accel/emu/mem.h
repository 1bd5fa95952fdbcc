/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem.h - memslots of the emu backend: two address spaces (normal, SMM),
 * KVM's validation, dirty logging, and an epoch scheme that makes a
 * memslot update atomic with respect to running vCPUs.
 */
#ifndef CVISOR_EMU_MEM_H
#define CVISOR_EMU_MEM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "hv/hv.h"

#define EMU_NR_AS		2
/* Same as KVM_USER_MEM_SLOTS on x86. */
#define EMU_MAX_SLOTS		32764
#define EMU_PAGE_SIZE		4096ull

struct emu_mem;
struct emu_memmap;

/* One entry of an immutable map snapshot (a copy of the slot's fields). */
struct emu_memmap_entry {
	uint64_t gpa, size;
	uint8_t *hva;
	uint32_t flags;
	uint16_t id;
	_Atomic uint64_t *dirty;	/* NULL unless LOG_DIRTY_PAGES */
};

/*
 * A vCPU's view.  The vCPU thread alone uses map/last; gen and active are
 * read by the updater.  A vCPU is "quiescent" while !active (outside
 * hv_vcpu_run, or blocked in HLT) or once gen equals the current epoch.
 */
struct emu_mem_reader {
	const struct emu_memmap *map[EMU_NR_AS];
	const struct emu_memmap_entry *last[EMU_NR_AS];
	_Atomic uint64_t gen;
	atomic_bool active;
	struct emu_mem_reader *next;
};

/*
 * @kick_all asks every vCPU to reach a quiescent point soon (it sets the
 * CPU's stop request); the updater then waits for them.
 */
int emu_mem_create(void (*kick_all)(void *opaque), void *opaque,
		   struct emu_mem **out);
/* All readers must have been removed. */
void emu_mem_destroy(struct emu_mem *mem);

int emu_mem_set_slot(struct emu_mem *mem, const struct hv_memslot *s);
int emu_mem_get_dirty_log(struct emu_mem *mem, uint16_t as_id, uint16_t id,
			  uint64_t *bitmap);

void emu_mem_reader_add(struct emu_mem *mem, struct emu_mem_reader *rd);
void emu_mem_reader_del(struct emu_mem *mem, struct emu_mem_reader *rd);
/*
 * Enter/keep/leave the running state.  enter and sync return true when
 * the reader moved to a new map (the caller flushes its TLB).
 */
bool emu_mem_reader_enter(struct emu_mem *mem, struct emu_mem_reader *rd);
bool emu_mem_reader_sync(struct emu_mem *mem, struct emu_mem_reader *rd);
void emu_mem_reader_leave(struct emu_mem *mem, struct emu_mem_reader *rd);
/* Cheap check whether sync has work to do. */
bool emu_mem_reader_stale(struct emu_mem *mem, struct emu_mem_reader *rd);

/*
 * Host pointer of the 4 KiB page holding @gpa, or NULL (no slot, or a
 * write to a read-only slot: both are MMIO).  A write marks the page dirty.
 */
void *emu_mem_map_page(struct emu_mem_reader *rd, unsigned int as,
		       uint64_t gpa, bool write);
/* The same outside any vCPU (VMM-side lookups, tests): takes the lock. */
void *emu_mem_lookup(struct emu_mem *mem, unsigned int as, uint64_t gpa,
		     bool write);

#endif
