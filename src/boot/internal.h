/* SPDX-License-Identifier: GPL-2.0 */
/* internal.h - helpers shared by the bzImage and PVH loaders. */
#ifndef CVISOR_BOOT_INTERNAL_H
#define CVISOR_BOOT_INTERNAL_H

#include <stdarg.h>

#include "boot/boot.h"

#define BOOT_PAGE_SIZE	0x1000ull

/* Format the loader's error and return @ret (a negative errno). */
int boot_err(char *err, size_t err_len, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Host pointer for a range the loader is about to write: it must be RAM
 * in the e820 map and mapped in @args->ram.  NULL with a message naming
 * @what otherwise.
 */
void *boot_guest_range(const struct boot_args *args, const char *fmt_name,
		       const char *what, uint64_t gpa, uint64_t len,
		       char *err, size_t err_len);

/* GDT at BOOT_GDT_GPA and the matching segment state; @long_mode picks
 * a 64-bit or a 32-bit code segment. */
int boot_setup_gdt(const struct boot_args *args, const char *fmt_name,
		   bool long_mode, struct boot_cpu *cpu, char *err,
		   size_t err_len);

/* Identity page tables for 0..4 GiB and the long-mode control registers. */
int boot_setup_paging(const struct boot_args *args, const char *fmt_name,
		      struct boot_cpu *cpu, char *err, size_t err_len);

/*
 * Copy the command line to BOOT_CMDLINE_GPA; @max_len is the longest
 * string (without NUL) the kernel accepts.
 */
int boot_setup_cmdline(const struct boot_args *args, const char *fmt_name,
		       uint64_t max_len, struct boot_plan *plan, char *err,
		       size_t err_len);

/*
 * Place the initrd as high as possible, page aligned, below @limit,
 * at or above 1 MiB and clear of [kernel_gpa, kernel_end).
 */
int boot_setup_initrd(const struct boot_args *args, const char *fmt_name,
		      uint64_t limit, struct boot_plan *plan, char *err,
		      size_t err_len);

#endif
