/* SPDX-License-Identifier: GPL-2.0 */
/*
 * machine.h - the one PC-like machine cvisor builds: memory layout and
 * e820 map (src/boot), ACPI tables in guest RAM (src/acpi), and what the
 * loaders need of them.
 *
 * Every boot gets the same firmware view, Multiboot included: the e820
 * map is the Multiboot memory map too, and the ACPI tables are always at
 * 0xE0000 (so guest tests can check them).
 */
#ifndef CVISOR_VMM_MACHINE_H
#define CVISOR_VMM_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#include "acpi/acpi.h"
#include "boot/boot.h"
#include "boot/e820.h"

struct vm;

struct machine {
	struct machine_layout layout;
	struct e820_table e820;
	struct acpi_tables acpi;
	uint64_t rsdp_gpa;		/* 0 until machine_write_acpi() */
};

/* Layout and e820; after guest RAM exists. */
int machine_init(struct vm *vm, char *err, size_t err_len);
/* The ACPI description of the devices present (CPUs, PCI routing). */
void machine_acpi_config(struct vm *vm, struct acpi_config *ac);
/*
 * Build the ACPI tables for the devices present (CPUs, PCI routing) and
 * write them to guest RAM; after the devices, before the loader.
 */
int machine_write_acpi(struct vm *vm, char *err, size_t err_len);

#endif
