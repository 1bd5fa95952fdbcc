// SPDX-License-Identifier: GPL-2.0
/*
 * boot.c - guest RAM access and the machine state both Linux loaders set
 * up: GDT, identity page tables, command line and initrd placement.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boot/internal.h"

/* Descriptor flags. */
#define DESC_G		(1ull << 55)
#define DESC_DB		(1ull << 54)
#define DESC_L		(1ull << 53)
#define DESC_P		(1ull << 47)
#define DESC_S		(1ull << 44)
#define DESC_TYPE(t)	((uint64_t)(t) << 40)
#define DESC_FLAT	(0xffffull | (0xfull << 48))	/* limit 0xfffff */

#define SEG_TYPE_CODE	0xb	/* execute/read, accessed */
#define SEG_TYPE_DATA	0x3	/* read/write, accessed */
#define SEG_TYPE_TSS	0xb	/* busy 32/64-bit TSS */
#define TSS_LIMIT	0x67

#define PTE_P		0x1ull
#define PTE_RW		0x2ull
#define PTE_PS		0x80ull

#define CR0_PE		(1ull << 0)
#define CR0_ET		(1ull << 4)
#define CR0_PG		(1ull << 31)
#define CR4_PAE		(1ull << 5)
#define EFER_LME	(1ull << 8)
#define EFER_LMA	(1ull << 10)

void *boot_ram_ptr(const struct boot_ram *ram, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < ram->nr && i < BOOT_RAM_MAX_REGIONS; i++) {
		const struct boot_ram_region *r = &ram->region[i];

		/* Subtractions only: gpa and len come from the image. */
		if (gpa < r->gpa || gpa - r->gpa >= r->size)
			continue;
		if (len > r->size - (gpa - r->gpa))
			return NULL;
		return r->host + (gpa - r->gpa);
	}
	return NULL;
}

int boot_err(char *err, size_t err_len, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && err_len) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return ret;
}

void *boot_guest_range(const struct boot_args *args, const char *fmt_name,
		       const char *what, uint64_t gpa, uint64_t len,
		       char *err, size_t err_len)
{
	void *p = NULL;

	if (e820_is_ram(args->e820, gpa, len))
		p = boot_ram_ptr(args->ram, gpa, len);
	if (!p)
		boot_err(err, err_len, -E2BIG,
			 "%s: %s at 0x%llx (0x%llx bytes) is outside guest RAM",
			 fmt_name, what, (unsigned long long)gpa,
			 (unsigned long long)len);
	return p;
}

static void boot_seg_flat(struct boot_seg *s, uint16_t sel, uint8_t type,
			  bool long_code)
{
	*s = (struct boot_seg){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
		.s = 1, .dpl = 0, .present = 1, .db = !long_code,
		.l = long_code, .g = 1,
	};
}

int boot_setup_gdt(const struct boot_args *args, const char *fmt_name,
		   bool long_mode, struct boot_cpu *cpu, char *err,
		   size_t err_len)
{
	uint64_t gdt[6] = { 0 };
	uint8_t *p;

	p = boot_guest_range(args, fmt_name, "GDT", BOOT_GDT_GPA, sizeof(gdt),
			     err, err_len);
	if (!p)
		return -E2BIG;
	/* Accessed bits preset, so the CPU never writes the table. */
	gdt[BOOT_SEL_CS / 8] = DESC_FLAT | DESC_G | DESC_P | DESC_S |
		DESC_TYPE(SEG_TYPE_CODE) | (long_mode ? DESC_L : DESC_DB);
	gdt[BOOT_SEL_DS / 8] = DESC_FLAT | DESC_G | DESC_DB | DESC_P | DESC_S |
		DESC_TYPE(SEG_TYPE_DATA);
	/* A busy TSS at base 0, limit 0x67, as PVH asks for TR; in long mode
	 * the descriptor is 16 bytes and the upper half (base 63:32) is 0. */
	gdt[BOOT_SEL_TSS / 8] = TSS_LIMIT | DESC_P | DESC_TYPE(SEG_TYPE_TSS);
	memcpy(p, gdt, sizeof(gdt));

	cpu->gdt_base = BOOT_GDT_GPA;
	cpu->gdt_limit = sizeof(gdt) - 1;
	boot_seg_flat(&cpu->cs, BOOT_SEL_CS, SEG_TYPE_CODE, long_mode);
	boot_seg_flat(&cpu->ds, BOOT_SEL_DS, SEG_TYPE_DATA, false);
	cpu->tr = (struct boot_seg){
		.base = 0, .limit = TSS_LIMIT, .selector = BOOT_SEL_TSS,
		.type = SEG_TYPE_TSS, .s = 0, .present = 1,
	};
	cpu->rflags = 0x2;
	cpu->rsp = BOOT_STACK_TOP;
	cpu->cr0 = CR0_PE | CR0_ET;
	return 0;
}

int boot_setup_paging(const struct boot_args *args, const char *fmt_name,
		      struct boot_cpu *cpu, char *err, size_t err_len)
{
	uint64_t *pml4, *pdpt, *pd, i;

	pml4 = boot_guest_range(args, fmt_name, "page tables", BOOT_PML4_GPA,
				BOOT_PGTABLE_END - BOOT_PML4_GPA, err, err_len);
	if (!pml4)
		return -E2BIG;
	memset(pml4, 0, BOOT_PGTABLE_END - BOOT_PML4_GPA);
	pdpt = pml4 + (BOOT_PDPT_GPA - BOOT_PML4_GPA) / 8;
	pd = pml4 + (BOOT_PD_GPA - BOOT_PML4_GPA) / 8;
	pml4[0] = BOOT_PDPT_GPA | PTE_P | PTE_RW;
	for (i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD_GPA + i * BOOT_PAGE_SIZE) | PTE_P | PTE_RW;
	/* 2048 2 MiB pages: every address below 4 GiB maps to itself. */
	for (i = 0; i < 2048; i++)
		pd[i] = (i << 21) | PTE_P | PTE_RW | PTE_PS;

	cpu->mode = BOOT_CPU_LONG64;
	cpu->cr0 = CR0_PE | CR0_ET | CR0_PG;
	cpu->cr3 = BOOT_PML4_GPA;
	cpu->cr4 = CR4_PAE;
	cpu->efer = EFER_LME | EFER_LMA;
	return 0;
}

int boot_setup_cmdline(const struct boot_args *args, const char *fmt_name,
		       uint64_t max_len, struct boot_plan *plan, char *err,
		       size_t err_len)
{
	const char *s = args->cmdline ? args->cmdline : "";
	size_t len = strnlen(s, BOOT_CMDLINE_MAX);
	char *p;

	if (max_len > BOOT_CMDLINE_MAX - 1)
		max_len = BOOT_CMDLINE_MAX - 1;
	if (len > max_len)
		return boot_err(err, err_len, -E2BIG,
				"%s: command line longer than the %llu bytes the kernel accepts",
				fmt_name, (unsigned long long)max_len);
	p = boot_guest_range(args, fmt_name, "command line", BOOT_CMDLINE_GPA,
			     len + 1, err, err_len);
	if (!p)
		return -E2BIG;
	memcpy(p, s, len);
	p[len] = '\0';
	plan->cmdline_gpa = BOOT_CMDLINE_GPA;
	plan->cmdline_len = len;
	return 0;
}

int boot_setup_initrd(const struct boot_args *args, const char *fmt_name,
		      uint64_t limit, struct boot_plan *plan, char *err,
		      size_t err_len)
{
	uint64_t gpa;
	void *p;

	plan->initrd_gpa = 0;
	plan->initrd_size = 0;
	if (!args->initrd || !args->initrd_size)
		return 0;
	if (e820_find_high(args->e820, args->initrd_size, BOOT_PAGE_SIZE,
			   BOOT_KERNEL_MIN, limit, plan->kernel_gpa,
			   plan->kernel_end, &gpa))
		return boot_err(err, err_len, -E2BIG,
				"%s: initrd of %llu bytes does not fit in guest RAM below 0x%llx next to the kernel (0x%llx-0x%llx)",
				fmt_name,
				(unsigned long long)args->initrd_size,
				(unsigned long long)limit,
				(unsigned long long)plan->kernel_gpa,
				(unsigned long long)plan->kernel_end);
	p = boot_guest_range(args, fmt_name, "initrd", gpa, args->initrd_size,
			     err, err_len);
	if (!p)
		return -E2BIG;
	memcpy(p, args->initrd, args->initrd_size);
	plan->initrd_gpa = gpa;
	plan->initrd_size = args->initrd_size;
	return 0;
}
