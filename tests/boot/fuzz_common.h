/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_common.h - pieces shared by the boot-image fuzz drivers: the seeded
 * random source, one mutation step and the fuzz guest's RAM.  Each driver
 * keeps its own value table and its own idea of where the headers are.
 */
#ifndef CVISOR_TESTS_BOOT_FUZZ_COMMON_H
#define CVISOR_TESTS_BOOT_FUZZ_COMMON_H

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "boot/boot.h"
#include "boot/e820.h"

static inline uint64_t rnd_next(uint64_t *s)
{
	/* xorshift64*: reproducible from the seed printed at start. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/*
 * One mutation of the image (p, *size) at @off < *size, its kind chosen by
 * @r: flip a bit, overwrite a byte, plant a value from @vals 1, 2, 4 or 8
 * bytes wide, or (one time in four of the rest) truncate the image.
 */
static inline void mutate_at(uint8_t *p, uint64_t *size, uint64_t off,
			     uint64_t r, uint64_t *s, const uint64_t *vals,
			     size_t nvals)
{
	unsigned int w;
	uint64_t v;

	switch ((r >> 8) % 5) {
	case 0:
		p[off] ^= (uint8_t)(1u << (rnd_next(s) % 8));
		break;
	case 1:
		p[off] = (uint8_t)rnd_next(s);
		break;
	case 2:
	case 3:
		w = 1u << (rnd_next(s) % 4);
		v = vals[rnd_next(s) % nvals];
		if (off + w <= *size)
			memcpy(p + off, &v, w);
		break;
	default:
		if (!(rnd_next(s) % 4))
			*size = rnd_next(s) % (*size + 1);
		break;
	}
}

/*
 * The fuzz guest: @size bytes of lazily mapped anonymous RAM at GPA 0 and
 * the machine's e820 map for it.  Returns 0, or -1 with @err set.
 */
static inline int fuzz_ram_init(struct boot_ram *ram, struct e820_table *e820,
				uint64_t size, char *err, size_t err_len)
{
	struct machine_layout l;
	uint8_t *host;

	machine_layout_default(&l, size);
	if (e820_build(&l, e820, err, err_len))
		return -1;
	host = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (host == MAP_FAILED) {
		snprintf(err, err_len, "cannot map %llu bytes of fuzz RAM",
			 (unsigned long long)size);
		return -1;
	}
	ram->nr = 1;
	ram->region[0] = (struct boot_ram_region){ 0, size, host };
	return 0;
}

#endif
