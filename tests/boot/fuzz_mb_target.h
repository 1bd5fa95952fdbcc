/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_mb_target.h - one fuzz input through the Multiboot v1 parser and
 * loader (src/boot/multiboot.c), shared by the plain mutation
 * driver (fuzz_multiboot.c) and the libFuzzer entry (fuzz_lf.c, -DFUZZ_MULTIBOOT).
 * Failures are expected; crashes, sanitizer reports, a load without a
 * sane entry point and a failure without a message are the bugs.
 */
#ifndef CVISOR_TESTS_FUZZ_MB_TARGET_H
#define CVISOR_TESTS_FUZZ_MB_TARGET_H

#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"

/* Returns 1 if the input loaded. */
static inline int fuzz_mb_one(const struct boot_ram *ram,
			      const struct e820_table *e820,
			      const uint8_t *data, uint64_t size)
{
	static const uint8_t initrd_data[8192] = { 0x5a };
	const struct boot_args args = {
		.ram = ram, .e820 = e820, .cmdline = "fuzz x=1",
		.initrd = initrd_data, .initrd_size = sizeof(initrd_data),
		.kernel_name = "fuzz.elf", .initrd_name = "initrd",
	};
	struct boot_plan plan;
	const struct boot_cpu *cpu = &plan.cpu;
	char err[256] = "";

	if (!multiboot_probe(data, size))
		return 0;
	if (multiboot_load(data, size, &args, &plan, err, sizeof(err))) {
		if (!err[0])
			abort();
		return 0;
	}
	/* Loaded: the entry point must be guest RAM below 4 GiB. */
	if (cpu->rip >= (1ull << 32) || !boot_ram_ptr(ram, cpu->rip, 1) ||
	    cpu->rax != 0x2BADB002u)
		abort();
	return 1;
}

#endif
