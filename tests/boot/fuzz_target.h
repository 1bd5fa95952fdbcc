/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_target.h - one fuzz input through both image parsers and loaders,
 * shared by the plain mutation driver (fuzz_images.c) and the libFuzzer
 * entry point (fuzz_lf.c).  Failures are expected; crashes, sanitizer
 * reports and writes outside guest RAM are the bugs looked for.
 */
#ifndef CVISOR_TESTS_FUZZ_TARGET_H
#define CVISOR_TESTS_FUZZ_TARGET_H

#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "boot/bzimage.h"
#include "boot/pvh.h"

/* Returns 1 if the input loaded as a bzImage, 2 as PVH, else 0. */
static inline int fuzz_one(const struct boot_ram *ram,
			   const struct e820_table *e820,
			   const uint8_t *data, uint64_t size)
{
	static const uint8_t initrd[4096] = { 1 };
	struct boot_args args = {
		.ram = ram, .e820 = e820, .cmdline = "console=ttyS0",
		.initrd = initrd, .initrd_size = sizeof(initrd),
		.rsdp_gpa = 0xe0000,
	};
	struct bzimage_info bi;
	struct pvh_info pi;
	struct boot_plan plan;
	char err[256];
	int ret = 0;

	bzimage_probe(data, size);
	pvh_probe(data, size);
	bzimage_parse(data, size, &bi, err, sizeof(err));
	pvh_parse(data, size, &pi, err, sizeof(err));
	if (!bzimage_load(data, size, &args, &plan, err, sizeof(err))) {
		if (plan.kernel_end < plan.kernel_gpa || !plan.cpu.rip)
			abort();
		ret = 1;
	}
	if (!pvh_load(data, size, &args, &plan, err, sizeof(err))) {
		if (plan.kernel_end <= plan.kernel_gpa || !plan.cpu.rip)
			abort();
		ret = 2;
	}
	/* Every error path must leave one non-empty message. */
	if (!ret && !err[0])
		abort();
	return ret;
}

#endif
