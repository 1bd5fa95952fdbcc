/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CVISOR_VMM_MEMORY_H
#define CVISOR_VMM_MEMORY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/boot.h"
#include "hv/hv.h"

#define SZ_1M		(1ull << 20)
#define SZ_1G		(1ull << 30)
#define SZ_4G		(4ull << 30)
/* RAM above this is moved to 4 GiB, leaving a hole for MMIO below 4 GiB. */
#define MEM_LOW_END	(3ull << 30)

/*
 * Guest RAM: one memfd (so device models can map it later), mapped shared
 * and never touched up front, so only what the guest uses is backed.
 */
struct guest_mem {
	int fd;
	uint8_t *host;
	uint64_t size;
	/*
	 * The RAM regions (1 or 2) inside host, in the loaders' own type so
	 * that the VMM, the loaders and the ACPI writer share one layout.
	 */
	struct boot_ram ram;
	/*
	 * RAM was mapped MAP_PRIVATE from a snapshot file (restore): the
	 * memfd no longer holds it, so hole probing (SEEK_DATA) on the memfd
	 * says nothing about the guest's pages.
	 */
	bool file_backed;
	/*
	 * Pages the VMM itself wrote (device DMA) while a migration tracks
	 * dirty memory: the backend's dirty log only sees vCPU writes.  One
	 * bit per page of host offset; NULL when nobody tracks.
	 */
	_Atomic(uint64_t *) dma_dirty;
	/*
	 * With private memory: one bit per 4 KiB page of the memfd, set
	 * while the page is private (its data then lives in the guest_memfd,
	 * which the VMM cannot map).  NULL otherwise.
	 */
	_Atomic uint64_t *private_bits;
};

int guest_mem_init(struct guest_mem *mem, uint64_t size);
void guest_mem_release(struct guest_mem *mem);

/*
 * Host pointer for [gpa, gpa + len) if the whole range is shared guest RAM
 * in one region, else NULL: device DMA, loaders and fw_cfg never reach a
 * private page.  Safe against wrap-around: guest values are untrusted.
 */
void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/* Bytes of RAM starting at 1 MiB before the first hole (Multiboot mem_upper). */
uint64_t guest_mem_low_end(const struct guest_mem *mem);

/* Device DMA wrote [gpa, gpa + len): record it for a running migration. */
void guest_mem_mark_dirty(struct guest_mem *mem, uint64_t gpa, uint64_t len);
/* Start/stop DMA dirty tracking (the bitmap is per host page offset). */
int guest_mem_track_dirty(struct guest_mem *mem, bool on);
/*
 * Move the DMA dirty bits of host pages [first, first + n) into @bitmap
 * (OR), clearing them.
 */
void guest_mem_take_dirty(struct guest_mem *mem, uint64_t first, uint64_t n,
			  uint64_t *bitmap);

/* Private memory bookkeeping (vmm/private.c is the only writer). */
int guest_mem_enable_private(struct guest_mem *mem);
void guest_mem_mark_private(struct guest_mem *mem, uint64_t off, uint64_t len,
			    bool priv);
bool guest_mem_any_private(const struct guest_mem *mem, uint64_t off,
			   uint64_t len);
/*
 * RAM from @gpa to the end of its region, in bytes (0: not RAM); *off is
 * @gpa's offset in the memfd.
 */
uint64_t guest_mem_span(const struct guest_mem *mem, uint64_t gpa,
			uint64_t *off);

/* True if [gpa, gpa + len) intersects guest RAM. */
/*
 * testdev's SCAN: how many nonzero 8-byte aligned words of the RAM memfd
 * (read with pread, holes skipped) equal one of @pat[0..n), which is
 * sorted in place; or -errno.
 */
int guest_mem_scan(const struct guest_mem *mem, uint64_t *pat, size_t n);
bool guest_mem_overlaps(const struct guest_mem *mem, uint64_t gpa,
			uint64_t len);

/*
 * Append a RAM memslot of address space @as to out[0..max) at *n, unless
 * the array is full (the caller still counts what it would have needed).
 */
static inline void memslot_append(struct hv_memslot *out, unsigned int *n,
				  unsigned int max, unsigned int as,
				  unsigned int id, uint64_t gpa, uint64_t size,
				  void *host)
{
	if (*n < max)
		out[(*n)++] = (struct hv_memslot){
			.slot = (uint16_t)id, .as_id = (uint16_t)as,
			.guest_phys_addr = gpa, .memory_size = size,
			.userspace_addr = host, .guest_memfd = -1,
		};
}

#endif
