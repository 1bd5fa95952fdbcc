// SPDX-License-Identifier: GPL-2.0
/*
 * multiboot.c - Multiboot (version 1) kernels.
 *
 * The image is untrusted: every header field, offset and size is checked
 * against the file and against guest RAM before anything is copied, with
 * comparisons written so that no sum can wrap.
 *
 * Guest memory use, as QEMU's loader allows it: kernel segments may sit
 * in low RAM (0x1000 up to the EBDA at MB_LOW_LIMIT) or at or above
 * 1 MiB.  The boot information (info, module list, names, memory map,
 * command line) is one block at MB_INFO_BASE unless the kernel occupies
 * that range; then it goes page aligned right after the kernel, where
 * QEMU puts it too.  An initrd follows the kernel and that block.  The
 * memory map handed to the kernel is the machine's e820 map, the same
 * one bzImage and PVH kernels get.
 *
 * The command line is "KERNEL-PATH APPEND", QEMU's convention, which
 * Multiboot test programs written for QEMU expect.
 *
 * Like bzimage.c and pvh.c it works on struct boot_args (RAM regions and
 * the e820 map), not on a VM, so tests/boot can fuzz it without a
 * backend.  Unlike them its messages name the files themselves
 * (boot_args.kernel_name, initrd_name), as they always have.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/compiler.h"
#include "lib/size.h"
#include "boot/boot.h"

#define SZ_1M		0x100000ull
#define SZ_4G		0x100000000ull

#define MB_HEADER_MAGIC		0x1BADB002u
#define MB_BOOT_MAGIC		0x2BADB002u
#define MB_SEARCH_LEN		8192

/* Header flags: bits 0-15 are requirements, 16-31 optional features. */
#define MB_HF_PAGE_ALIGN	(1u << 0)
#define MB_HF_MEMORY_INFO	(1u << 1)
#define MB_HF_VIDEO_MODE	(1u << 2)
#define MB_HF_AOUT_KLUDGE	(1u << 16)
#define MB_HF_KNOWN_REQUIRED	(MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO | \
				 MB_HF_VIDEO_MODE)

/* Info flags. */
#define MB_IF_MEM		(1u << 0)
#define MB_IF_CMDLINE		(1u << 2)
#define MB_IF_MODS		(1u << 3)
#define MB_IF_MMAP		(1u << 6)
#define MB_IF_LOADER_NAME	(1u << 9)

/* Guest-physical layout of what the loader writes in low RAM. */
#define MB_INFO_BASE		0x7000u
#define MB_MODS_ADDR		0x7200u
#define MB_NAME_ADDR		0x7280u
#define MB_MODSTR_ADDR		0x7300u
#define MB_MODSTR_MAX		0x100u
#define MB_MMAP_ADDR		0x7400u	/* up to E820_MAX_ENTRIES entries */
#define MB_CMDLINE_ADDR		0x8000u
#define MB_LOW_LIMIT		0x9F000u
#define MB_KERNEL_LOW_MIN	0x1000u		/* above the IVT and BDA */
#define MB_KERNEL_MIN		0x100000u
/* Address of boot-information item @x (an MB_*_ADDR) in this load. */
#define MB_AT(ld, x)		((ld)->info_base + ((x) - MB_INFO_BASE))

struct mb_header {
	uint32_t magic, flags, checksum;
	/* Valid with MB_HF_AOUT_KLUDGE. */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
	uint32_t entry_addr;
};

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe[6];
	uint8_t framebuffer[28];
};

struct mb_mmap_entry {
	uint32_t size;		/* of the rest of the entry: 20 */
	uint64_t base;
	uint64_t len;
	uint32_t type;
} __attribute__((packed));

struct mb_module {
	uint32_t mod_start, mod_end, string, reserved;
};

struct mb_load {
	const struct boot_args *args;
	const uint8_t *data;
	uint64_t size;
	const char *path;	/* the kernel, for messages */
	uint64_t ram_size;	/* for messages */
	char *err;
	size_t err_len;
	uint64_t kernel_start, kernel_end;
	uint64_t info_base;	/* where the MB_*_ADDR block starts */
	uint64_t free_start;	/* first byte after kernel and that block */
	char *cmdline;		/* "KERNEL-PATH APPEND" */
};

/* Offset of the Multiboot header in the image, or -1. */
static long mb_find_header(const uint8_t *data, uint64_t size)
{
	uint64_t limit = size < MB_SEARCH_LEN ? size : MB_SEARCH_LEN;
	uint64_t off;

	for (off = 0; off + 12 <= limit; off += 4) {
		uint32_t w[3];

		memcpy(w, data + off, sizeof(w));
		if (w[0] == MB_HEADER_MAGIC && w[0] + w[1] + w[2] == 0)
			return (long)off;
	}
	return -1;
}

int multiboot_probe(const uint8_t *data, uint64_t size)
{
	return mb_find_header(data, size) >= 0;
}

static void *mb_ram(struct mb_load *ld, uint64_t gpa, uint64_t len)
{
	return boot_ram_ptr(ld->args->ram, gpa, len);
}

static int mb_no_fit(struct mb_load *ld, const char *what, uint64_t gpa,
		     uint64_t len)
{
	char ram[32];

	if (ld->args->ram->nr > 1 && gpa < SZ_4G &&
	    gpa + len > LAYOUT_LOW_RAM_END) {
		snprintf(ld->err, ld->err_len,
			 "%s: %s at 0x%llx (size 0x%llx) overlaps the MMIO hole at 3-4 GiB",
			 ld->path, what, (unsigned long long)gpa,
			 (unsigned long long)len);
		return -E2BIG;
	}
	size_format(ld->ram_size, ram, sizeof(ram));
	snprintf(ld->err, ld->err_len,
		 "%s: %s at 0x%llx (size 0x%llx) does not fit in guest RAM (%s)",
		 ld->path, what, (unsigned long long)gpa,
		 (unsigned long long)len, ram);
	return -E2BIG;
}

/* Copy file bytes [off, off + filesz) to gpa and zero up to memsz. */
static int mb_place(struct mb_load *ld, const char *what, uint64_t gpa,
		    uint64_t off, uint64_t filesz, uint64_t memsz)
{
	uint8_t *dst;

	if (filesz > memsz || off > ld->size ||
	    filesz > ld->size - off) {
		snprintf(ld->err, ld->err_len,
			 "%s: %s at 0x%llx extends past the end of the file",
			 ld->path, what, (unsigned long long)gpa);
		return -ENOEXEC;
	}
	if (!memsz)
		return 0;
	if (gpa < MB_KERNEL_LOW_MIN) {
		snprintf(ld->err, ld->err_len,
			 "%s: %s at 0x%llx is below 0x%x (real-mode IVT and BIOS data)",
			 ld->path, what, (unsigned long long)gpa,
			 MB_KERNEL_LOW_MIN);
		return -ENOEXEC;
	}
	/* Low RAM ends at the EBDA; no sum here can wrap. */
	if (gpa < MB_KERNEL_MIN &&
	    (gpa >= MB_LOW_LIMIT || memsz > MB_LOW_LIMIT - gpa)) {
		snprintf(ld->err, ld->err_len,
			 "%s: %s at 0x%llx (0x%llx bytes) reaches into the "
			 "legacy hole 0x%x-0x%llx (EBDA, VGA, BIOS)",
			 ld->path, what, (unsigned long long)gpa,
			 (unsigned long long)memsz, MB_LOW_LIMIT,
			 (unsigned long long)MB_KERNEL_MIN - 1);
		return -ENOEXEC;
	}
	dst = mb_ram(ld, gpa, memsz);
	if (!dst || gpa + memsz > SZ_4G)
		return mb_no_fit(ld, what, gpa, memsz);
	memcpy(dst, ld->data + off, filesz);
	/* Fresh memfd pages are already zero: only clear what we must. */
	memset(dst + filesz, 0, memsz - filesz);
	if (gpa + memsz > ld->kernel_end)
		ld->kernel_end = gpa + memsz;
	if (!ld->kernel_start || gpa < ld->kernel_start)
		ld->kernel_start = gpa;
	return 0;
}

struct elf_seg {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

static int elf_get_phdr(struct mb_load *ld, bool is64, uint64_t phoff,
			unsigned int i, struct elf_seg *s)
{
	const uint8_t *p;

	if (is64) {
		Elf64_Phdr ph;

		p = ld->data + phoff + (uint64_t)i * sizeof(ph);
		memcpy(&ph, p, sizeof(ph));
		*s = (struct elf_seg){ ph.p_type, ph.p_offset, ph.p_vaddr,
				       ph.p_paddr, ph.p_filesz, ph.p_memsz };
	} else {
		Elf32_Phdr ph;

		p = ld->data + phoff + (uint64_t)i * sizeof(ph);
		memcpy(&ph, p, sizeof(ph));
		*s = (struct elf_seg){ ph.p_type, ph.p_offset, ph.p_vaddr,
				       ph.p_paddr, ph.p_filesz, ph.p_memsz };
	}
	return 0;
}

static int mb_load_elf(struct mb_load *ld, uint64_t *entry)
{
	const uint8_t *id = ld->data;
	uint64_t phoff, phentsize, e_entry, want;
	unsigned int phnum, i, nload = 0;
	bool is64, entry_found = false;
	struct elf_seg s;
	int ret;

	if (ld->size < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG)) {
		snprintf(ld->err, ld->err_len,
			 "%s: Multiboot image is neither ELF nor has load addresses (header flag bit 16)",
			 ld->path);
		return -ENOEXEC;
	}
	is64 = id[EI_CLASS] == ELFCLASS64;
	if ((id[EI_CLASS] != ELFCLASS32 && !is64) ||
	    id[EI_DATA] != ELFDATA2LSB) {
		snprintf(ld->err, ld->err_len,
			 "%s: not a little-endian 32- or 64-bit ELF file",
			 ld->path);
		return -ENOEXEC;
	}
	if (is64) {
		Elf64_Ehdr eh;

		if (ld->size < sizeof(eh))
			goto truncated;
		memcpy(&eh, ld->data, sizeof(eh));
		if (eh.e_machine != EM_X86_64 && eh.e_machine != EM_386)
			goto machine;
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
		e_entry = eh.e_entry;
		want = sizeof(Elf64_Phdr);
	} else {
		Elf32_Ehdr eh;

		if (ld->size < sizeof(eh))
			goto truncated;
		memcpy(&eh, ld->data, sizeof(eh));
		if (eh.e_machine != EM_386)
			goto machine;
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
		e_entry = eh.e_entry;
		want = sizeof(Elf32_Phdr);
	}
	if (phentsize != want || !phnum) {
		snprintf(ld->err, ld->err_len,
			 "%s: ELF file has no usable program headers", ld->path);
		return -ENOEXEC;
	}
	if (phoff > ld->size || (uint64_t)phnum * want > ld->size - phoff)
		goto truncated;

	for (i = 0; i < phnum; i++) {
		elf_get_phdr(ld, is64, phoff, i, &s);
		if (s.type != PT_LOAD)
			continue;
		ret = mb_place(ld, "ELF segment", s.paddr, s.offset, s.filesz,
			       s.memsz);
		if (ret)
			return ret;
		nload++;
		/* Like other Multiboot loaders: an entry point given as a
		 * virtual address is translated through its segment. */
		if (!entry_found && e_entry >= s.vaddr &&
		    e_entry - s.vaddr < s.memsz) {
			*entry = s.paddr + (e_entry - s.vaddr);
			entry_found = true;
		}
	}
	if (!nload) {
		snprintf(ld->err, ld->err_len,
			 "%s: ELF file has no loadable segment", ld->path);
		return -ENOEXEC;
	}
	if (!entry_found)
		*entry = e_entry;
	return 0;
truncated:
	snprintf(ld->err, ld->err_len, "%s: truncated ELF file", ld->path);
	return -ENOEXEC;
machine:
	snprintf(ld->err, ld->err_len, "%s: ELF file is not for x86", ld->path);
	return -ENOEXEC;
}

static int mb_load_aout(struct mb_load *ld, uint64_t hdr_off,
			const struct mb_header *h, uint64_t *entry)
{
	uint64_t size = ld->size, file_off, load_len, mem_len;

	if (hdr_off + sizeof(*h) > size) {
		snprintf(ld->err, ld->err_len,
			 "%s: Multiboot header is truncated", ld->path);
		return -ENOEXEC;
	}
	/* The header's own address tells where the file maps in memory. */
	if (h->header_addr < h->load_addr ||
	    h->header_addr - h->load_addr > hdr_off) {
		snprintf(ld->err, ld->err_len,
			 "%s: Multiboot header_addr 0x%x and load_addr 0x%x are inconsistent",
			 ld->path, h->header_addr, h->load_addr);
		return -ENOEXEC;
	}
	file_off = hdr_off - (h->header_addr - h->load_addr);
	if (!h->load_end_addr) {
		load_len = size - file_off;
	} else {
		if (h->load_end_addr < h->load_addr ||
		    h->load_end_addr - h->load_addr > size - file_off) {
			snprintf(ld->err, ld->err_len,
				 "%s: Multiboot load_end_addr 0x%x is outside the file",
				 ld->path, h->load_end_addr);
			return -ENOEXEC;
		}
		load_len = h->load_end_addr - h->load_addr;
	}
	mem_len = load_len;
	if (h->bss_end_addr) {
		if (h->bss_end_addr < h->load_addr + load_len) {
			snprintf(ld->err, ld->err_len,
				 "%s: Multiboot bss_end_addr 0x%x is below the loaded image",
				 ld->path, h->bss_end_addr);
			return -ENOEXEC;
		}
		mem_len = h->bss_end_addr - h->load_addr;
	}
	*entry = h->entry_addr;
	return mb_place(ld, "image", h->load_addr, file_off, load_len,
			mem_len);
}

static int mb_load_initrd(struct mb_load *ld, struct mb_info *info)
{
	const struct boot_args *args = ld->args;
	const char *rd_path = args->initrd_name ? args->initrd_name : "initrd";
	struct mb_module *mod;
	const char *base;
	uint64_t gpa;
	uint8_t *dst;
	char *str;

	gpa = ALIGN_UP(ld->free_start, 4096ull);
	dst = mb_ram(ld, gpa, args->initrd_size);
	if (!dst || gpa + args->initrd_size > SZ_4G) {
		char ram[32];

		size_format(ld->ram_size, ram, sizeof(ram));
		snprintf(ld->err, ld->err_len,
			 "%s: initrd (%llu bytes) does not fit in guest RAM (%s) after the kernel",
			 rd_path, (unsigned long long)args->initrd_size, ram);
		return -E2BIG;
	}
	memcpy(dst, args->initrd, args->initrd_size);

	mod = mb_ram(ld, MB_AT(ld, MB_MODS_ADDR), sizeof(*mod));
	str = mb_ram(ld, MB_AT(ld, MB_MODSTR_ADDR), MB_MODSTR_MAX);
	base = strrchr(rd_path, '/');
	base = base ? base + 1 : rd_path;
	snprintf(str, MB_MODSTR_MAX, "%s", base);
	*mod = (struct mb_module){
		.mod_start = (uint32_t)gpa,
		.mod_end = (uint32_t)(gpa + args->initrd_size),
		.string = (uint32_t)MB_AT(ld, MB_MODSTR_ADDR),
	};
	info->flags |= MB_IF_MODS;
	info->mods_count = 1;
	info->mods_addr = (uint32_t)MB_AT(ld, MB_MODS_ADDR);
	return 0;
}

static void mb_add_mmap(struct mb_mmap_entry *e, unsigned int *n,
			uint64_t base, uint64_t len, uint32_t type)
{
	e[*n] = (struct mb_mmap_entry){
		.size = sizeof(*e) - sizeof(e->size),
		.base = base, .len = len, .type = type,
	};
	(*n)++;
}

static int mb_write_info(struct mb_load *ld, struct mb_info *info)
{
	const struct boot_args *args = ld->args;
	uint64_t low_end = args->ram->region[0].size, upper;
	struct mb_mmap_entry *mmap;
	unsigned int n = 0, i;
	size_t len = strlen(ld->cmdline);
	char *dst;

	dst = mb_ram(ld, MB_AT(ld, MB_CMDLINE_ADDR), len + 1);
	memcpy(dst, ld->cmdline, len + 1);
	info->flags |= MB_IF_MEM | MB_IF_CMDLINE | MB_IF_MMAP |
		       MB_IF_LOADER_NAME;
	info->cmdline = (uint32_t)MB_AT(ld, MB_CMDLINE_ADDR);
	info->mem_lower = 640;
	upper = (low_end - SZ_1M) >> 10;
	info->mem_upper = upper > UINT32_MAX ? UINT32_MAX : (uint32_t)upper;

	/* Multiboot memory types are e820's (1 RAM, 2 reserved, ...). */
	mmap = mb_ram(ld, MB_AT(ld, MB_MMAP_ADDR),
		      E820_MAX_ENTRIES * sizeof(*mmap));
	for (i = 0; i < args->e820->nr && i < E820_MAX_ENTRIES; i++)
		mb_add_mmap(mmap, &n, args->e820->entry[i].addr,
			    args->e820->entry[i].size,
			    args->e820->entry[i].type);
	info->mmap_addr = (uint32_t)MB_AT(ld, MB_MMAP_ADDR);
	info->mmap_length = n * sizeof(*mmap);

	memcpy(mb_ram(ld, MB_AT(ld, MB_NAME_ADDR), 8), "cvisor", 7);
	info->boot_loader_name = (uint32_t)MB_AT(ld, MB_NAME_ADDR);
	return 0;
}

/*
 * Choose where the boot information goes: at MB_INFO_BASE unless the
 * kernel is there, else right after the kernel.  The block ends with the
 * command line, whose length sets its size.
 */
static int mb_place_info(struct mb_load *ld)
{
	uint64_t span = (MB_CMDLINE_ADDR - MB_INFO_BASE) +
			strlen(ld->cmdline) + 1;

	ld->info_base = MB_INFO_BASE;
	if (ld->kernel_start < MB_INFO_BASE + span &&
	    MB_INFO_BASE < ld->kernel_end)
		ld->info_base = ALIGN_UP(ld->kernel_end, 4096ull);
	if (ld->info_base == MB_INFO_BASE &&
	    MB_INFO_BASE + span > MB_LOW_LIMIT) {
		snprintf(ld->err, ld->err_len,
			 "--append: command line too long (%zu bytes, at most %u)",
			 strlen(ld->cmdline),
			 MB_LOW_LIMIT - MB_CMDLINE_ADDR - 1);
		return -E2BIG;
	}
	if (!mb_ram(ld, ld->info_base, span) ||
	    ld->info_base + span > SZ_4G) {
		snprintf(ld->err, ld->err_len,
			 "%s: no room for the boot information after the "
			 "kernel (0x%llx)", ld->path,
			 (unsigned long long)ld->kernel_end);
		return -E2BIG;
	}
	ld->free_start = ld->kernel_end;
	if (ld->info_base + span > ld->free_start)
		ld->free_start = ld->info_base + span;
	return 0;
}

/* QEMU's command line: the kernel's path, a space, then --append. */
static int mb_make_cmdline(struct mb_load *ld)
{
	const char *append = ld->args->cmdline ? ld->args->cmdline : "";
	size_t len = strlen(ld->path) + 1 + strlen(append) + 1;

	ld->cmdline = malloc(len);
	if (!ld->cmdline)
		return -ENOMEM;
	snprintf(ld->cmdline, len, "%s %s", ld->path, append);
	return 0;
}

int multiboot_load(const uint8_t *data, uint64_t size,
		   const struct boot_args *args, struct boot_plan *plan,
		   char *err, size_t err_len)
{
	struct mb_load ld = {
		.args = args, .data = data, .size = size,
		.path = args->kernel_name ? args->kernel_name : "kernel",
		.err = err, .err_len = err_len,
	};
	struct boot_cpu *cpu = &plan->cpu;
	struct mb_header h = { 0 };
	struct mb_info *info;
	uint64_t entry = 0;
	unsigned int i;
	long off;
	int ret;

	memset(plan, 0, sizeof(*plan));
	for (i = 0; i < args->ram->nr; i++)
		ld.ram_size += args->ram->region[i].size;
	off = mb_find_header(data, size);
	if (off < 0)
		return -ENOEXEC;
	memcpy(&h, data + off,
	       size - off < sizeof(h) ? size - off : sizeof(h));
	if (h.flags & 0xFFFF & ~MB_HF_KNOWN_REQUIRED) {
		snprintf(err, err_len,
			 "%s: Multiboot header requires unsupported features (flags 0x%x)",
			 ld.path, h.flags);
		return -ENOEXEC;
	}
	if (!args->ram->nr || args->ram->region[0].gpa ||
	    args->ram->region[0].size <= SZ_1M + 4096 ||
	    !mb_ram(&ld, MB_INFO_BASE, MB_LOW_LIMIT - MB_INFO_BASE)) {
		snprintf(err, err_len, "Multiboot needs more than 1 MiB of RAM");
		return -E2BIG;
	}

	if (h.flags & MB_HF_AOUT_KLUDGE)
		ret = mb_load_aout(&ld, (uint64_t)off, &h, &entry);
	else
		ret = mb_load_elf(&ld, &entry);
	if (ret)
		return ret;
	if (entry >= SZ_4G || !mb_ram(&ld, entry, 1)) {
		snprintf(err, err_len,
			 "%s: entry point 0x%llx is not in guest RAM",
			 ld.path, (unsigned long long)entry);
		return -ENOEXEC;
	}

	ret = mb_make_cmdline(&ld);
	if (!ret)
		ret = mb_place_info(&ld);
	if (ret)
		goto out;
	info = mb_ram(&ld, ld.info_base, sizeof(*info));
	memset(info, 0, sizeof(*info));
	ret = mb_write_info(&ld, info);
	if (!ret && args->initrd)
		ret = mb_load_initrd(&ld, info);
	if (ret)
		goto out;

	/*
	 * Multiboot's machine state: protected mode, paging off, flat 4 GiB
	 * CS (0x10) and data segments (0x18), interrupts off.  GDTR and TR
	 * are left as at reset (gdt_limit 0, tr.present 0): the kernel must
	 * load its own GDT before reloading a segment register.
	 */
	memset(cpu, 0, sizeof(*cpu));
	cpu->mode = BOOT_CPU_PROT32;
	cpu->rip = entry;
	cpu->rflags = 0x2;
	cpu->rax = MB_BOOT_MAGIC;
	cpu->rbx = ld.info_base;
	cpu->cr0 = 0x11;	/* PE | ET */
	cpu->cs = (struct boot_seg){
		.limit = 0xffffffff, .selector = 0x10, .type = 0xb, .s = 1,
		.present = 1, .db = 1, .g = 1,
	};
	cpu->ds = cpu->cs;
	cpu->ds.selector = 0x18;
	cpu->ds.type = 0x3;
	plan->kernel_end = ld.free_start;
	plan->cmdline_gpa = MB_AT(&ld, MB_CMDLINE_ADDR);
	plan->info_gpa = ld.info_base;
out:
	free(ld.cmdline);
	return ret;
}
