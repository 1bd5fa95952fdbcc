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
struct emu_gmems;

/*
 * The private ranges of a VM with private memory (seed-apis.md 3.5): per
 * gfn over the whole GPA space, kept as sorted disjoint [start, end)
 * byte ranges; an immutable snapshot published like the memslot maps.
 */
struct emu_attrs {
	uint32_t nr;
	struct {
		uint64_t start, end;
	} r[];
};

/* One entry of an immutable map snapshot (a copy of the slot's fields). */
struct emu_memmap_entry {
	uint64_t gpa, size;
	uint8_t *hva;
	uint32_t flags;
	uint16_t id;
	_Atomic uint64_t *dirty;	/* NULL unless LOG_DIRTY_PAGES */
	uint8_t *gmem;			/* guest_memfd view of gpa, or NULL */
};

/*
 * A vCPU's view.  The vCPU thread alone uses map/last; gen and active are
 * read by the updater.  A vCPU is "quiescent" while !active (outside
 * hv_vcpu_run, or blocked in HLT) or once gen equals the current epoch.
 */
struct emu_mem_reader {
	const struct emu_memmap *map[EMU_NR_AS];
	const struct emu_memmap_entry *last[EMU_NR_AS];
	const struct emu_attrs *attrs;
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
/*
 * guest_memfd slots bind files from @gmems owned by @owner; with
 * @private_mem (a SW_PROTECTED VM) the PRIVATE attribute exists and
 * routes accesses.  Before any slot exists.
 */
struct x86_code_tracker;
void emu_mem_enable_gmem(struct emu_mem *mem, struct emu_gmems *gmems,
			 void *owner, struct x86_code_tracker *tracker,
			 bool private_mem);
/* KVM_SET_MEMORY_ATTRIBUTES with its validation; vCPUs flushed. */
int emu_mem_set_attributes(struct emu_mem *mem, uint64_t gpa, uint64_t size,
			   uint64_t attributes, uint64_t flags);
/* The attribute mask this VM supports (PRIVATE with private memory). */
uint64_t emu_mem_supported_attributes(struct emu_mem *mem);

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
 * A page whose attribute is PRIVATE comes from the slot's guest_memfd;
 * NULL when there is none (emu_mem_private_fault() then says so).
 */
void *emu_mem_map_page(struct emu_mem_reader *rd, unsigned int as,
		       uint64_t gpa, bool write);
/*
 * After map_page() gave NULL: is @gpa a private page that nothing backs
 * (no slot, or a slot without guest_memfd)?  Then the access is a memory
 * fault, not MMIO.
 */
bool emu_mem_private_fault(struct emu_mem_reader *rd, uint64_t gpa);
/*
 * KVM_PRE_FAULT_MEMORY: back [*gpa, *gpa + *size) as a vCPU read would,
 * updating the range to what is left.  0 once at least a page is done.
 */
int emu_mem_pre_fault(struct emu_mem *mem, uint64_t *gpa, uint64_t *size);
/* The same outside any vCPU (backend-side lookups, tests): takes the lock. */
void *emu_mem_lookup(struct emu_mem *mem, unsigned int as, uint64_t gpa,
		     bool write);

#endif
