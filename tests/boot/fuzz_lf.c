// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_lf.c - libFuzzer entry point for the image loaders (`make fuzz`):
 *  - build/tests/boot/fuzz_lf: the bzImage and PVH loaders, 64 MiB of
 *    guest RAM (seeds: `fuzz_images --seeds DIR`);
 *  - build/tests/boot/fuzz_mb_lf (built with -DFUZZ_MULTIBOOT): the
 *    Multiboot loader, 16 MiB (seeds: `fuzz_multiboot --seeds DIR`).
 * Guest RAM is lazily mapped and set up once: libFuzzer's interface has
 * no context argument.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_common.h"
#ifdef FUZZ_MULTIBOOT
#include "fuzz_mb_target.h"
#define FUZZ_RAM	(16ull << 20)
#else
#include "fuzz_target.h"
#define FUZZ_RAM	(64ull << 20)
#endif

struct fuzz_guest {
	struct boot_ram ram;
	struct e820_table e820;
};

static struct fuzz_guest *fuzz_guest_get(void)
{
	static struct fuzz_guest g;
	static int ready;
	char err[128];

	if (!ready) {
		if (fuzz_ram_init(&g.ram, &g.e820, FUZZ_RAM, err, sizeof(err))) {
			fprintf(stderr, "fuzz_lf: %s\n", err);
			abort();
		}
		ready = 1;
	}
	return &g;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_guest *g = fuzz_guest_get();

#ifdef FUZZ_MULTIBOOT
	fuzz_mb_one(&g->ram, &g->e820, data, size);
#else
	fuzz_one(&g->ram, &g->e820, data, size);
#endif
	return 0;
}
