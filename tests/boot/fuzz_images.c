// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_images.c - mutation fuzzer for the two image parsers without
 * libFuzzer: starts from the Debian bzImage's real header (with its
 * kernel cut to 64 KiB) or a synthetic one, and from synthetic ELF64 and
 * ELF32 PVH kernels; flips, overwrites and truncates header bytes and
 * runs every result through fuzz_one().  Usage: fuzz_images [N [SEED]]
 * (default 50000 iterations).  Meant to run under ASan/UBSan too.
 * `fuzz_images --seeds DIR` writes the three base images to DIR as a
 * starting corpus for the libFuzzer build (fuzz_lf).
 */
#include "boottest.h"
#include "fuzz_common.h"
#include "fuzz_target.h"

#define FUZZ_RAM	(64ull << 20)
#define BZ_KEEP		(64ull << 10)

/* Interesting values for length and address fields. */
static const uint64_t magic_vals[] = {
	0, 1, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0xffff, 0x10000,
	0x100000, 0x1000000, 0x7fffffff, 0x80000000, 0xfffff000, 0xffffffff,
	0x100000000ull, 0xfffffffffffff000ull, 0xffffffffffffffffull,
};

static void mutate(uint8_t *p, uint64_t *size, uint64_t hot_lo,
		   uint64_t hot_hi, uint64_t *s)
{
	unsigned int n = 1 + rnd_next(s) % 4, i;

	for (i = 0; i < n; i++) {
		uint64_t r = rnd_next(s), off;

		/* Mostly in the header area, sometimes anywhere. */
		if (r % 8)
			off = hot_lo + rnd_next(s) % (hot_hi - hot_lo);
		else
			off = rnd_next(s) % *size;
		mutate_at(p, size, off, r, s, magic_vals,
			  sizeof(magic_vals) / sizeof(magic_vals[0]));
	}
}

int main(int argc, char **argv)
{
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 50000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5eed;
	uint64_t base_size[3], size, s = seed | 1;
	uint8_t *base[3], *work;
	unsigned long it, loaded[3] = { 0 };
	struct test_guest g;
	char path[256];
	unsigned int k;

	if (test_guest_init(&g, FUZZ_RAM))
		return 1;
	base[0] = NULL;
	if (test_find_debian_kernel(path, sizeof(path))) {
		uint8_t *img = test_read_file(path, &size);
		struct bzimage_info bi;
		char err[256];

		if (img && !bzimage_parse(img, size, &bi, err, sizeof(err)) &&
		    bi.kernel_size > BZ_KEEP) {
			uint32_t syssize = BZ_KEEP / 16;

			base_size[0] = bi.setup_size + BZ_KEEP;
			base[0] = malloc(base_size[0]);
			memcpy(base[0], img, base_size[0]);
			memcpy(base[0] + 0x1f4, &syssize, 4);
			printf("bzImage base: header of %s\n", path);
		}
		free(img);
	}
	if (!base[0]) {
		base[0] = test_fake_bzimage(BZ_KEEP, &base_size[0]);
		printf("bzImage base: synthetic\n");
	}
	base[1] = test_fake_pvh(true, &base_size[1]);
	base[2] = test_fake_pvh(false, &base_size[2]);
	work = malloc(base_size[0] > 0x4000 ? base_size[0] : 0x4000);
	/* The unmutated bases must load. */
	for (k = 0; k < 3; k++) {
		if (fuzz_one(&g.ram, &g.e820, base[k], base_size[k]) != (k ? 2 : 1)) {
			printf("FAIL: base image %u does not load\n", k);
			return 1;
		}
	}
	if (argc == 3 && !strcmp(argv[1], "--seeds")) {
		for (k = 0; k < 3; k++) {
			FILE *f;

			snprintf(path, sizeof(path), "%s/base%u", argv[2], k);
			f = fopen(path, "wb");
			if (!f || fwrite(base[k], 1, base_size[k], f) !=
			    base_size[k] || fclose(f)) {
				perror(path);
				return 1;
			}
		}
		return 0;
	}
	printf("seed 0x%llx, %lu iterations\n", (unsigned long long)seed, iters);
	for (it = 0; it < iters; it++) {
		k = (unsigned int)(rnd_next(&s) % 3);
		size = base_size[k];
		memcpy(work, base[k], size);
		if (k == 0)
			mutate(work, &size, 0x1f1, 0x270, &s);
		else
			mutate(work, &size, 0, 0x900, &s);
		/* Fit the copy to its size so ASan sees reads past the end. */
		{
			uint8_t *exact = malloc(size ? size : 1);

			memcpy(exact, work, size);
			if (fuzz_one(&g.ram, &g.e820, exact, size))
				loaded[k]++;
			free(exact);
		}
	}
	printf("done: %lu bzImage, %lu ELF64, %lu ELF32 mutants still loaded\n",
	       loaded[0], loaded[1], loaded[2]);
	for (k = 0; k < 3; k++)
		free(base[k]);
	free(work);
	test_guest_free(&g);
	return 0;
}
