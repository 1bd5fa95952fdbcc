// SPDX-License-Identifier: GPL-2.0
/*
 * bzimage.c - Linux bzImage loader (x86 boot protocol 2.10 and later).
 *
 * The real-mode setup code is never run: the loader fills the zero page
 * itself and enters the protected-mode kernel directly, through the
 * 64-bit entry (load address + 0x200, long mode, RSI = zero page) when
 * the kernel has one (XLF_KERNEL_64, protocol 2.12+), else through the
 * 32-bit entry (load address, flat protected mode, ESI = zero page).
 *
 * Why 2.10 is the minimum: pref_address and init_size first appear
 * there, and without init_size the loader cannot know how much memory
 * the kernel claims while it decompresses, so it could not keep the
 * initrd out of its way.  2.10 is Linux 2.6.31 (2009).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boot/bzimage.h"
#include "boot/internal.h"

#define BZ		"bzImage"
#define BZ_SECTOR	512ull
#define BZ_ENTRY64_OFF	0x200
#define BZ_LOADER_ID	0xff	/* "undefined" boot loader */
#define BZ_VID_NORMAL	0xffff
#define SZ_4G		0x100000000ull

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

int bzimage_probe(const uint8_t *data, uint64_t size)
{
	return size >= BZ_OFF(hdr.header) + 4 &&
	       get32(data + BZ_OFF(hdr.header)) == BZ_HDRS_MAGIC;
}

int bzimage_parse(const uint8_t *data, uint64_t size,
		  struct bzimage_info *info, char *err, size_t err_len)
{
	struct bz_setup_header h;
	uint64_t sects, payload;

	memset(info, 0, sizeof(*info));
	/* The header proper lies in the second sector; setup is >= 2. */
	if (size < 2 * BZ_SECTOR)
		return boot_err(err, err_len, -ENOEXEC,
				BZ ": truncated file (%llu bytes, a setup header needs 1024)",
				(unsigned long long)size);
	memcpy(&h, data + BZ_SETUP_HDR_OFF, sizeof(h));
	if (h.header != BZ_HDRS_MAGIC)
		return boot_err(err, err_len, -ENOEXEC,
				BZ ": setup header magic missing (no \"HdrS\" at 0x202)");
	if (h.boot_flag != BZ_BOOT_FLAG)
		return boot_err(err, err_len, -ENOEXEC,
				BZ ": boot sector signature 0xAA55 missing at 0x1FE");
	if (h.version < BZ_MIN_PROTOCOL)
		return boot_err(err, err_len, -ENOEXEC,
				BZ ": boot protocol %u.%02u too old (need %u.%02u)",
				h.version >> 8, h.version & 0xff,
				BZ_MIN_PROTOCOL >> 8, BZ_MIN_PROTOCOL & 0xff);
	if (!(h.loadflags & BZ_LOADED_HIGH))
		return boot_err(err, err_len, -ENOEXEC,
				BZ ": a zImage (LOADED_HIGH clear): low-loaded kernels are not supported");

	/* setup_sects 0 means 4, a leftover of the oldest images. */
	sects = h.setup_sects ? h.setup_sects : 4;
	info->setup_size = (sects + 1) * BZ_SECTOR;
	if (info->setup_size >= size)
		return boot_err(err, err_len, -ENOEXEC,
				BZ ": truncated file: %llu bytes of setup code and no kernel after them (file has %llu)",
				(unsigned long long)info->setup_size,
				(unsigned long long)size);
	info->kernel_size = size - info->setup_size;
	/* syssize counts 16-byte paragraphs of the protected-mode kernel. */
	payload = (uint64_t)h.syssize * 16;
	if (!h.syssize || payload > info->kernel_size)
		return boot_err(err, err_len, -ENOEXEC,
				BZ ": truncated file: header says %llu bytes of kernel, file has %llu",
				(unsigned long long)payload,
				(unsigned long long)info->kernel_size);

	/* The jump at 0x200 skips the header: its target is the header end. */
	info->header_end = 0x202u + data[0x201];
	if (info->header_end < BZ_OFF(hdr.init_size) + 4)
		return boot_err(err, err_len, -ENOEXEC,
				BZ ": setup header ends at 0x%x, before the init_size field of protocol %u.%02u",
				info->header_end, h.version >> 8,
				h.version & 0xff);

	if (h.relocatable_kernel &&
	    (h.kernel_alignment < BOOT_PAGE_SIZE ||
	     h.kernel_alignment & (h.kernel_alignment - 1) ||
	     h.kernel_alignment > (1u << 30)))
		return boot_err(err, err_len, -ENOEXEC,
				BZ ": kernel_alignment 0x%x is not a power of two between 4 KiB and 1 GiB",
				h.kernel_alignment);
	if (h.init_size < info->kernel_size)
		return boot_err(err, err_len, -ENOEXEC,
				BZ ": init_size 0x%x is smaller than the kernel in the file (0x%llx)",
				h.init_size,
				(unsigned long long)info->kernel_size);
	if (!h.relocatable_kernel &&
	    (h.pref_address < BOOT_KERNEL_MIN || h.pref_address >= SZ_4G ||
	     h.init_size > SZ_4G - h.pref_address))
		return boot_err(err, err_len, -ENOEXEC,
				BZ ": non-relocatable kernel wants 0x%llx (+0x%x), outside 1 MiB..4 GiB",
				(unsigned long long)h.pref_address,
				h.init_size);

	info->version = h.version;
	info->loadflags = h.loadflags;
	info->xloadflags = h.version >= 0x020c ? h.xloadflags : 0;
	info->kernel_alignment = h.kernel_alignment;
	info->relocatable = h.relocatable_kernel;
	info->pref_address = h.pref_address;
	info->init_size = h.init_size;
	info->cmdline_size = h.cmdline_size;
	info->initrd_addr_max = h.initrd_addr_max;
	info->entry64 = info->xloadflags & BZ_XLF_KERNEL_64;
	return 0;
}

/*
 * Load address: pref_address when it is usable (the kernel then need not
 * relocate itself), else the lowest kernel_alignment-aligned address at
 * or above 1 MiB where init_size bytes of RAM are free.
 */
static int bz_place_kernel(const struct boot_args *args,
			   const struct bzimage_info *bi, uint64_t *gpa,
			   char *err, size_t err_len)
{
	const struct e820_table *t = args->e820;
	uint64_t align = bi->kernel_alignment, pref = bi->pref_address;
	unsigned int i;

	if (pref >= BOOT_KERNEL_MIN && pref < SZ_4G &&
	    bi->init_size <= SZ_4G - pref &&
	    (!bi->relocatable || !(pref & (align - 1))) &&
	    e820_is_ram(t, pref, bi->init_size)) {
		*gpa = pref;
		return 0;
	}
	if (!bi->relocatable)
		return boot_err(err, err_len, -E2BIG,
				BZ ": kernel must be loaded at 0x%llx (0x%x bytes) but that is not guest RAM",
				(unsigned long long)pref, bi->init_size);
	for (i = 0; i < t->nr && i < E820_MAX_ENTRIES; i++) {
		const struct e820_entry *e = &t->entry[i];
		uint64_t a;

		if (e->type != E820_RAM || e->addr >= SZ_4G)
			continue;
		a = e->addr > BOOT_KERNEL_MIN ? e->addr : BOOT_KERNEL_MIN;
		if (a > UINT64_MAX - align)
			continue;
		a = (a + align - 1) & ~(align - 1);
		if (a < SZ_4G && bi->init_size <= SZ_4G - a &&
		    e820_is_ram(t, a, bi->init_size)) {
			*gpa = a;
			return 0;
		}
	}
	return boot_err(err, err_len, -E2BIG,
			BZ ": kernel needs 0x%x bytes of RAM (init_size) aligned to 0x%llx; guest RAM has no such range",
			bi->init_size, (unsigned long long)align);
}

static void bz_fill_e820(struct boot_params *bp, const struct e820_table *t)
{
	unsigned int i, n = t->nr < BZ_E820_MAX ? t->nr : BZ_E820_MAX;

	if (n > E820_MAX_ENTRIES)
		n = E820_MAX_ENTRIES;
	for (i = 0; i < n; i++) {
		bp->e820_table[i].addr = t->entry[i].addr;
		bp->e820_table[i].size = t->entry[i].size;
		bp->e820_table[i].type = t->entry[i].type;
	}
	bp->e820_entries = (uint8_t)n;
}

int bzimage_load(const uint8_t *data, uint64_t size,
		 const struct boot_args *args, struct boot_plan *plan,
		 char *err, size_t err_len)
{
	struct bzimage_info bi;
	struct boot_params *bp;
	uint64_t kgpa = 0, limit, hdr_len;
	uint8_t *dst;
	int ret;

	memset(plan, 0, sizeof(*plan));
	ret = bzimage_parse(data, size, &bi, err, err_len);
	if (ret)
		return ret;
	ret = bz_place_kernel(args, &bi, &kgpa, err, err_len);
	if (ret)
		return ret;
	plan->protocol = bi.version;
	plan->kernel_gpa = kgpa;
	plan->kernel_end = kgpa + bi.init_size;

	dst = boot_guest_range(args, BZ, "kernel", kgpa, bi.kernel_size, err,
			       err_len);
	if (!dst)
		return -E2BIG;
	/* Only the file part: fresh guest RAM is zero, and the kernel
	 * clears its own bss within init_size anyway. */
	memcpy(dst, data + bi.setup_size, bi.kernel_size);

	bp = boot_guest_range(args, BZ, "zero page", BOOT_ZERO_PAGE_GPA,
			      sizeof(*bp), err, err_len);
	if (!bp)
		return -E2BIG;
	memset(bp, 0, sizeof(*bp));
	/* The protocol: copy the image's setup header as it is, then set
	 * the fields a boot loader owns. */
	hdr_len = bi.header_end - BZ_SETUP_HDR_OFF;
	if (hdr_len > sizeof(bp->hdr))
		hdr_len = sizeof(bp->hdr);
	memcpy(&bp->hdr, data + BZ_SETUP_HDR_OFF, hdr_len);
	bp->hdr.type_of_loader = BZ_LOADER_ID;
	bp->hdr.vid_mode = BZ_VID_NORMAL;
	bp->hdr.code32_start = (uint32_t)kgpa;
	bp->hdr.setup_data = 0;
	bp->hdr.hardware_subarch = 0;	/* a PC */
	bp->acpi_rsdp_addr = args->rsdp_gpa;
	bz_fill_e820(bp, args->e820);

	ret = boot_setup_cmdline(args, BZ, bi.cmdline_size, plan, err, err_len);
	if (ret)
		return ret;
	bp->hdr.cmd_line_ptr = (uint32_t)plan->cmdline_gpa;
	bp->ext_cmd_line_ptr = 0;

	if (args->initrd && args->initrd_size) {
		/* initrd_addr_max is the highest byte the initrd may use. */
		limit = (uint64_t)bi.initrd_addr_max + 1;
		if (limit > SZ_4G)
			limit = SZ_4G;
		ret = boot_setup_initrd(args, BZ, limit, plan, err, err_len);
		if (ret)
			return ret;
		bp->hdr.ramdisk_image = (uint32_t)plan->initrd_gpa;
		bp->hdr.ramdisk_size = (uint32_t)plan->initrd_size;
		bp->ext_ramdisk_image = (uint32_t)(plan->initrd_gpa >> 32);
		bp->ext_ramdisk_size = (uint32_t)(plan->initrd_size >> 32);
	}

	ret = boot_setup_gdt(args, BZ, bi.entry64, &plan->cpu, err, err_len);
	if (ret)
		return ret;
	if (bi.entry64) {
		ret = boot_setup_paging(args, BZ, &plan->cpu, err, err_len);
		if (ret)
			return ret;
		plan->cpu.rip = kgpa + BZ_ENTRY64_OFF;
	} else {
		plan->cpu.mode = BOOT_CPU_PROT32;
		plan->cpu.rip = kgpa;
	}
	plan->cpu.rsi = BOOT_ZERO_PAGE_GPA;
	plan->info_gpa = BOOT_ZERO_PAGE_GPA;
	return 0;
}
