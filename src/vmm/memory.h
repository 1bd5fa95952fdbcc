/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CVISOR_VMM_MEMORY_H
#define CVISOR_VMM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/boot.h"

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
};

int guest_mem_init(struct guest_mem *mem, uint64_t size);
void guest_mem_release(struct guest_mem *mem);

/*
 * Host pointer for [gpa, gpa + len) if the whole range is guest RAM in one
 * region, else NULL.  Safe against wrap-around: guest values are untrusted.
 */
void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/* Bytes of RAM starting at 1 MiB before the first hole (Multiboot mem_upper). */
uint64_t guest_mem_low_end(const struct guest_mem *mem);

/* True if [gpa, gpa + len) intersects guest RAM. */
bool guest_mem_overlaps(const struct guest_mem *mem, uint64_t gpa,
			uint64_t len);

#endif
