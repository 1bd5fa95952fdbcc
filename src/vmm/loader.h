/* SPDX-License-Identifier: GPL-2.0 */
/*
 * loader.h - kernel image loaders.  A loader validates the image, copies
 * it into guest RAM, writes its boot information and describes the
 * initial state of the boot vCPU.
 *
 * There is one representation of that state: src/boot's struct boot_cpu
 * (protected mode with flat segments for Multiboot and PVH, long mode
 * with identity paging for 64-bit bzImages).  vcpu.c turns it into
 * registers.
 *
 * Probe order (loader.c): bzImage, PVH, Multiboot.  The first two claim an
 * image only by an unambiguous signature ("HdrS" in the setup header, the
 * PVH ELF note), so Multiboot ELF kernels still reach their own loader.
 */
#ifndef CVISOR_VMM_LOADER_H
#define CVISOR_VMM_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "boot/boot.h"

struct vm;

/* The image as a read-only mapping, shared by the loaders' probes. */
struct loader_image {
	const char *path;
	const uint8_t *data;
	uint64_t size;
};

struct loader {
	const char *name;
	/* 1 if the image is this loader's format, 0 if not. */
	int (*probe)(const struct loader_image *img);
	int (*load)(struct vm *vm, const struct loader_image *img,
		    struct boot_cpu *cpu, char *err, size_t err_len);
};

extern const struct loader loader_bzimage;
extern const struct loader loader_pvh;
extern const struct loader loader_multiboot;

/* Pick the loader for vm->cfg.kernel and run it. */
int loader_load(struct vm *vm, struct boot_cpu *cpu, char *err,
		size_t err_len);

/* Map a file read-only; shared with loaders for initrds. */
int loader_map_file(const char *path, struct loader_image *img, char *err,
		    size_t err_len);
void loader_unmap_file(struct loader_image *img);

#endif
