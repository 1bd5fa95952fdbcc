// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_mb_lf.c - libFuzzer entry point for the Multiboot loader (`make
 * fuzz`, then build/tests/boot/fuzz_mb_lf [corpus dir]; seeds from
 * `fuzz_multiboot --seeds DIR`).  16 MiB of lazily mapped guest RAM,
 * set up once.
 */
#include <sys/mman.h>

#include "boot/e820.h"
#include "fuzz_mb_target.h"

#define FUZZ_RAM	(16ull << 20)

struct fuzz_guest {
	struct boot_ram ram;
	struct e820_table e820;
};

static struct fuzz_guest *fuzz_guest_get(void)
{
	/* libFuzzer's interface has no context argument: set up once. */
	static struct fuzz_guest g;
	static int ready;
	struct machine_layout l;
	char err[128];
	uint8_t *host;

	if (ready)
		return &g;
	machine_layout_default(&l, FUZZ_RAM);
	if (e820_build(&l, &g.e820, err, sizeof(err)))
		abort();
	host = mmap(NULL, FUZZ_RAM, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (host == MAP_FAILED)
		abort();
	g.ram.nr = 1;
	g.ram.region[0] = (struct boot_ram_region){ 0, FUZZ_RAM, host };
	ready = 1;
	return &g;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_guest *g = fuzz_guest_get();

	fuzz_mb_one(&g->ram, &g->e820, FUZZ_RAM, data, size);
	return 0;
}
