// SPDX-License-Identifier: GPL-2.0
/*
 * e820.c - the guest memory map built from the machine layout.
 *
 * Only ranges that something decodes are reserved: the BIOS area below
 * 1 MiB (where the ACPI tables are), ECAM, the IOAPIC and the LAPIC.  The
 * rest of the MMIO hole stays out of the map on purpose: Linux allocates
 * PCI BARs only from address space no e820 entry claims.
 */
#include <errno.h>
#include <stdio.h>

#include "boot/e820.h"

#define SZ_1M		0x100000ull
#define SZ_4G		0x100000000ull
#define PAGE_MASK_4K	0xfffull

void machine_layout_default(struct machine_layout *l, uint64_t ram_size)
{
	*l = (struct machine_layout){
		.ram_size = ram_size,
		.low_ram_end = LAYOUT_LOW_RAM_END,
		.ecam_base = LAYOUT_ECAM_BASE,
		.ecam_size = LAYOUT_ECAM_SIZE,
		.ioapic_base = LAYOUT_IOAPIC_BASE,
		.lapic_base = LAYOUT_LAPIC_BASE,
	};
}

static void e820_add(struct e820_table *t, uint64_t addr, uint64_t size,
		     uint32_t type)
{
	unsigned int i;

	if (!size || t->nr >= E820_MAX_ENTRIES)
		return;
	/* Keep the table sorted: insertion into a handful of entries. */
	for (i = t->nr; i > 0 && t->entry[i - 1].addr > addr; i--)
		t->entry[i] = t->entry[i - 1];
	t->entry[i] = (struct e820_entry){ addr, size, type };
	t->nr++;
}

/* A reserved MMIO window must sit in the hole, clear of RAM. */
static int e820_check_window(const struct machine_layout *l, const char *what,
			     uint64_t base, uint64_t size, char *err,
			     size_t err_len)
{
	if (base & PAGE_MASK_4K || size & PAGE_MASK_4K || !size ||
	    base < l->low_ram_end || base >= SZ_4G || size > SZ_4G - base) {
		snprintf(err, err_len,
			 "e820: %s window 0x%llx+0x%llx is not page aligned inside the MMIO hole 0x%llx..4 GiB",
			 what, (unsigned long long)base,
			 (unsigned long long)size,
			 (unsigned long long)l->low_ram_end);
		return -EINVAL;
	}
	return 0;
}

int e820_build(const struct machine_layout *l, struct e820_table *t,
	       char *err, size_t err_len)
{
	uint64_t low, high;
	int ret;

	t->nr = 0;
	if (l->ram_size < 2 * SZ_1M || l->ram_size & PAGE_MASK_4K) {
		snprintf(err, err_len,
			 "e820: RAM size 0x%llx must be a multiple of 4 KiB and at least 2 MiB",
			 (unsigned long long)l->ram_size);
		return -EINVAL;
	}
	if (l->low_ram_end < 2 * SZ_1M || l->low_ram_end > SZ_4G ||
	    l->low_ram_end & PAGE_MASK_4K) {
		snprintf(err, err_len,
			 "e820: low RAM end 0x%llx must be page aligned between 2 MiB and 4 GiB",
			 (unsigned long long)l->low_ram_end);
		return -EINVAL;
	}
	if (l->ecam_base) {
		ret = e820_check_window(l, "ECAM", l->ecam_base, l->ecam_size,
					err, err_len);
		if (ret)
			return ret;
	}
	if (l->ioapic_base) {
		ret = e820_check_window(l, "IOAPIC", l->ioapic_base,
					LAYOUT_APIC_WINDOW, err, err_len);
		if (ret)
			return ret;
	}
	if (l->lapic_base) {
		ret = e820_check_window(l, "LAPIC", l->lapic_base,
					LAYOUT_APIC_WINDOW, err, err_len);
		if (ret)
			return ret;
	}

	low = l->ram_size < l->low_ram_end ? l->ram_size : l->low_ram_end;
	high = l->ram_size - low;
	/* UINT64_MAX - 4 GiB bytes of RAM is not a machine anyone has. */
	if (high > UINT64_MAX - SZ_4G) {
		snprintf(err, err_len, "e820: RAM size 0x%llx too large",
			 (unsigned long long)l->ram_size);
		return -EINVAL;
	}
	e820_add(t, 0, LAYOUT_EBDA_START, E820_RAM);
	e820_add(t, LAYOUT_EBDA_START, SZ_1M - LAYOUT_EBDA_START,
		 E820_RESERVED);
	e820_add(t, SZ_1M, low - SZ_1M, E820_RAM);
	if (l->ecam_base)
		e820_add(t, l->ecam_base, l->ecam_size, E820_RESERVED);
	if (l->ioapic_base)
		e820_add(t, l->ioapic_base, LAYOUT_APIC_WINDOW, E820_RESERVED);
	if (l->lapic_base)
		e820_add(t, l->lapic_base, LAYOUT_APIC_WINDOW, E820_RESERVED);
	e820_add(t, SZ_4G, high, E820_RAM);

	/* Windows must not overlap each other either. */
	for (unsigned int i = 1; i < t->nr; i++) {
		const struct e820_entry *a = &t->entry[i - 1];

		if (t->entry[i].addr - a->addr < a->size) {
			snprintf(err, err_len,
				 "e820: ranges at 0x%llx and 0x%llx overlap",
				 (unsigned long long)a->addr,
				 (unsigned long long)t->entry[i].addr);
			t->nr = 0;
			return -EINVAL;
		}
	}
	return 0;
}

bool e820_is_ram(const struct e820_table *t, uint64_t addr, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < t->nr && i < E820_MAX_ENTRIES; i++) {
		const struct e820_entry *e = &t->entry[i];

		if (e->type != E820_RAM || addr < e->addr ||
		    addr - e->addr >= e->size)
			continue;
		return len <= e->size - (addr - e->addr);
	}
	return false;
}

int e820_find_high(const struct e820_table *t, uint64_t size, uint64_t align,
		   uint64_t min, uint64_t limit, uint64_t avoid_start,
		   uint64_t avoid_end, uint64_t *out)
{
	bool found = false;
	uint64_t best = 0;
	unsigned int i, k;

	if (!align || align & (align - 1) || !size)
		return -EINVAL;
	for (i = 0; i < t->nr && i < E820_MAX_ENTRIES; i++) {
		const struct e820_entry *e = &t->entry[i];
		uint64_t lo, hi, end;

		if (e->type != E820_RAM)
			continue;
		end = e->size > UINT64_MAX - e->addr ? UINT64_MAX :
			e->addr + e->size;
		/* Two candidate ranges: below and above the avoided one. */
		for (k = 0; k < 2; k++) {
			lo = e->addr > min ? e->addr : min;
			hi = end < limit ? end : limit;
			if (avoid_end > avoid_start) {
				if (k == 0 && hi > avoid_start)
					hi = avoid_start;
				if (k == 1 && lo < avoid_end)
					lo = avoid_end;
			} else if (k == 1) {
				break;
			}
			if (hi <= lo || hi - lo < size)
				continue;
			hi = (hi - size) & ~(align - 1);
			if (hi < lo)
				continue;
			if (!found || hi > best) {
				best = hi;
				found = true;
			}
		}
	}
	if (!found)
		return -ENOSPC;
	*out = best;
	return 0;
}
