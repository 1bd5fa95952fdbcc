/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvh.h - PVH direct boot (Xen's x86 HVM start of day ABI, as Linux
 * implements it for any hypervisor): structures the loader writes for
 * the guest, from the public start_info interface description.
 */
#ifndef CVISOR_BOOT_PVH_H
#define CVISOR_BOOT_PVH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/boot.h"

#define PVH_START_MAGIC		0x336ec578u	/* "xEn3" with 0x80 on the E */
#define PVH_START_VERSION	1
#define PVH_NOTE_PHYS32_ENTRY	18	/* XEN_ELFNOTE_PHYS32_ENTRY */
#define PVH_MEMMAP_MAX		128
#define PVH_MAX_SEGMENTS	32

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;		/* version 1 */
	uint32_t memmap_entries;	/* version 1 */
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;		/* e820 numbering */
	uint32_t reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info v1");
_Static_assert(offsetof(struct hvm_start_info, rsdp_paddr) == 32, "rsdp");
_Static_assert(offsetof(struct hvm_start_info, memmap_entries) == 48, "mm");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "modlist entry");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "memmap entry");

struct pvh_segment {
	uint64_t offset, paddr, filesz, memsz;
};

/* What pvh_parse() found, every range checked against the file. */
struct pvh_info {
	bool is64;
	uint32_t entry;		/* 32-bit physical entry point */
	unsigned int nr_segments;
	struct pvh_segment seg[PVH_MAX_SEGMENTS];
	uint64_t lowest, highest;	/* [lowest, highest) spans all segments */
};

int pvh_parse(const uint8_t *data, uint64_t size, struct pvh_info *info,
	      char *err, size_t err_len);

#endif
