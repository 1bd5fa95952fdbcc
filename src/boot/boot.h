/* SPDX-License-Identifier: GPL-2.0 */
/*
 * boot.h - what the loaders (bzImage, PVH, Multiboot) share: the view of guest
 * RAM they write into, their inputs, and the "load plan" they return.
 *
 * The loaders are a pure library: they know nothing about struct vm or
 * the hypervisor.  The VMM hands them guest RAM as a list of regions with
 * host mappings (struct boot_ram) and an e820 map (boot/e820.h), and gets
 * back a struct boot_plan: where everything went and the register state
 * the boot vCPU must start with.  Every image byte is untrusted; every
 * failure is a negative errno plus one line in the caller's buffer,
 * starting with the format ("bzImage: ...", "PVH: ...").
 *
 * Fixed guest-physical layout below 1 MiB (all inside the first e820 RAM
 * entry, 0..0x9FC00; the kernel copies what it needs before reusing it):
 *
 *   0x01000  GDT (null, null, 0x10 code, 0x18 data, 0x20 TSS)
 *   0x06000  PVH: struct hvm_start_info, module list at 0x6040,
 *            memory map at 0x6100 (up to 128 entries)
 *   0x07000  bzImage: struct boot_params ("zero page", 4 KiB)
 *   0x08000  initial stack page (RSP = 0x9000; the kernels set their own)
 *   0x09000  64-bit entry: PML4, PDPT at 0xA000, 4 PDs at 0xB000-0xEFFF
 *            identity-mapping 0..4 GiB with 2 MiB pages
 *   0x20000  kernel command line (at most 64 KiB including the NUL)
 *   0xE0000  ACPI tables (acpi/acpi.h), in the e820-reserved BIOS area
 *
 * Kernels and initrds go at or above 1 MiB.
 */
#ifndef CVISOR_BOOT_BOOT_H
#define CVISOR_BOOT_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/e820.h"

#define BOOT_GDT_GPA		0x1000ull
#define BOOT_START_INFO_GPA	0x6000ull
#define BOOT_MODLIST_GPA	0x6040ull
#define BOOT_MEMMAP_GPA		0x6100ull
#define BOOT_ZERO_PAGE_GPA	0x7000ull
#define BOOT_STACK_TOP		0x9000ull
#define BOOT_PML4_GPA		0x9000ull
#define BOOT_PDPT_GPA		0xA000ull
#define BOOT_PD_GPA		0xB000ull	/* 4 pages */
#define BOOT_PGTABLE_END	0xF000ull
#define BOOT_CMDLINE_GPA	0x20000ull
#define BOOT_CMDLINE_MAX	0x10000ull	/* bytes, NUL included */
#define BOOT_KERNEL_MIN		0x100000ull	/* nothing of the image below */

/* GDT selectors: what the Linux boot protocol asks for (__BOOT_CS/DS). */
#define BOOT_SEL_CS		0x10
#define BOOT_SEL_DS		0x18
#define BOOT_SEL_TSS		0x20

#define BOOT_RAM_MAX_REGIONS	4

struct boot_ram_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
};

/* Guest RAM as the VMM maps it (struct guest_mem's regions, say). */
struct boot_ram {
	unsigned int nr;
	struct boot_ram_region region[BOOT_RAM_MAX_REGIONS];
};

/* Host pointer for [gpa, gpa + len) if it lies in one region, else NULL. */
void *boot_ram_ptr(const struct boot_ram *ram, uint64_t gpa, uint64_t len);

struct boot_args {
	const struct boot_ram *ram;
	const struct e820_table *e820;	/* the guest's map, see e820_build() */
	const char *cmdline;		/* NULL: empty */
	const uint8_t *initrd;		/* NULL: none */
	uint64_t initrd_size;
	uint64_t rsdp_gpa;		/* 0: no ACPI */
	/*
	 * The files, for Multiboot's messages and its module string (the
	 * initrd's base name); bzImage and PVH leave naming to the caller.
	 */
	const char *kernel_name;	/* NULL: "kernel" */
	const char *initrd_name;	/* NULL: "initrd" */
};

enum boot_cpu_mode {
	BOOT_CPU_PROT32,	/* protected mode, paging off, flat segments */
	BOOT_CPU_LONG64,	/* long mode, identity paging of 0..4 GiB */
};

/* A segment register's hidden state, shaped like struct kvm_segment. */
struct boot_seg {
	uint64_t base;
	uint32_t limit;		/* byte granular: 0xffffffff for flat */
	uint16_t selector;
	uint8_t type;		/* descriptor type field (with accessed bit) */
	uint8_t s;		/* 1 code/data, 0 system */
	uint8_t dpl;
	uint8_t present;
	uint8_t db;
	uint8_t l;
	uint8_t g;
};

/*
 * Initial state of the boot vCPU.  Registers not named here are zero;
 * ES, SS, FS and GS equal DS; the LDT is unusable; interrupts are off
 * (RFLAGS = 0x2).  The GDT this refers to is in guest memory too.
 */
struct boot_cpu {
	enum boot_cpu_mode mode;
	uint64_t rip, rsp, rflags;
	uint64_t rax;		/* Multiboot: the boot magic */
	uint64_t rsi;		/* bzImage: boot_params */
	uint64_t rbx;		/* PVH: hvm_start_info; Multiboot: its info */
	uint64_t cr0, cr3, cr4, efer;
	uint64_t gdt_base;
	uint16_t gdt_limit;
	struct boot_seg cs, ds, tr;
};

struct boot_plan {
	struct boot_cpu cpu;
	uint64_t kernel_gpa;	/* where the kernel was loaded */
	uint64_t kernel_end;	/* end of what the kernel owns (init_size) */
	uint64_t initrd_gpa;	/* 0 if none */
	uint64_t initrd_size;
	uint64_t cmdline_gpa;
	uint64_t cmdline_len;	/* without the NUL */
	uint64_t info_gpa;	/* boot_params or hvm_start_info */
	uint16_t protocol;	/* bzImage boot protocol (0x020f = 2.15); 0 for PVH */
};

/* Probes: 1 if the image claims to be this format (then load it or fail). */
int bzimage_probe(const uint8_t *data, uint64_t size);
int pvh_probe(const uint8_t *data, uint64_t size);
/* A Multiboot v1 header in the first 8 KiB. */
int multiboot_probe(const uint8_t *data, uint64_t size);

/*
 * Load a bzImage (boot protocol 2.10 or later) or a PVH ELF kernel into
 * guest RAM per @args and describe the entry state in @plan.
 */
int bzimage_load(const uint8_t *data, uint64_t size,
		 const struct boot_args *args, struct boot_plan *plan,
		 char *err, size_t err_len);
int pvh_load(const uint8_t *data, uint64_t size,
	     const struct boot_args *args, struct boot_plan *plan,
	     char *err, size_t err_len);
/*
 * Load a Multiboot v1 kernel (ELF or a.out kludge) and the initrd as its
 * one module; args->rsdp_gpa is not used (the kernel scans for it).
 */
int multiboot_load(const uint8_t *data, uint64_t size,
		   const struct boot_args *args, struct boot_plan *plan,
		   char *err, size_t err_len);

#endif
