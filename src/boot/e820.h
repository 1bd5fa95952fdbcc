/* SPDX-License-Identifier: GPL-2.0 */
/*
 * e820.h - the guest's physical memory map, as the BIOS e820 call would
 * report it.  Both Linux loaders hand it to the kernel (boot_params
 * e820_table, PVH memmap) and the ACPI code places its tables inside a
 * reserved range of it.
 *
 * The machine layout (struct machine_layout):
 *
 *   0          .. 0x9FC00       RAM (conventional memory)
 *   0x9FC00    .. 0x100000      reserved: EBDA, VGA hole, option ROMs,
 *                               BIOS area (ACPI tables live at 0xE0000)
 *   0x100000   .. low_ram_end   RAM
 *   low_ram_end.. 4 GiB         MMIO hole: PCI windows (not in the map, so
 *                               the guest may place BARs there), and the
 *                               reserved ECAM, IOAPIC and LAPIC windows
 *   4 GiB      .. 4 GiB + rest  RAM that did not fit below the hole
 */
#ifndef CVISOR_BOOT_E820_H
#define CVISOR_BOOT_E820_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define E820_RAM		1
#define E820_RESERVED		2
#define E820_ACPI		3
#define E820_NVS		4

#define E820_MAX_ENTRIES	32

/* Defaults of the machine model; the VMM may pass others. */
#define LAYOUT_LOW_RAM_END	0xC0000000ull	/* 3 GiB */
#define LAYOUT_EBDA_START	0x9FC00ull
#define LAYOUT_HIGH_RAM_START	0x100000000ull	/* 4 GiB */
#define LAYOUT_PCI_MMIO32_BASE	0xC0000000ull
#define LAYOUT_PCI_MMIO32_SIZE	0x20000000ull	/* 0xC0000000..0xDFFFFFFF */
#define LAYOUT_ECAM_BASE	0xE0000000ull
#define LAYOUT_ECAM_SIZE	0x10000000ull	/* 256 buses */
#define LAYOUT_IOAPIC_BASE	0xFEC00000ull
#define LAYOUT_LAPIC_BASE	0xFEE00000ull
#define LAYOUT_APIC_WINDOW	0x1000ull

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

struct e820_table {
	unsigned int nr;
	struct e820_entry entry[E820_MAX_ENTRIES];
};

struct machine_layout {
	uint64_t ram_size;	/* bytes, multiple of 4 KiB, >= 2 MiB */
	uint64_t low_ram_end;	/* RAM beyond this moves to 4 GiB */
	uint64_t ecam_base;	/* 0: no ECAM */
	uint64_t ecam_size;
	uint64_t ioapic_base;	/* 0: none */
	uint64_t lapic_base;	/* 0: none */
};

/* The defaults above for @ram_size bytes of RAM. */
void machine_layout_default(struct machine_layout *l, uint64_t ram_size);

/* Build the map; -EINVAL with a message if the layout is inconsistent. */
int e820_build(const struct machine_layout *l, struct e820_table *t,
	       char *err, size_t err_len);

/* True if [addr, addr + len) lies inside one entry of type RAM. */
bool e820_is_ram(const struct e820_table *t, uint64_t addr, uint64_t len);

/*
 * Highest @align-aligned address A with [A, A + size) inside one RAM
 * entry, A >= @min, A + size <= @limit, and not overlapping
 * [@avoid_start, @avoid_end).  Returns 0 and sets *out, or -ENOSPC.
 */
int e820_find_high(const struct e820_table *t, uint64_t size, uint64_t align,
		   uint64_t min, uint64_t limit, uint64_t avoid_start,
		   uint64_t avoid_end, uint64_t *out);

#endif
