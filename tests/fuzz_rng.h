/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_rng.h - the seeded random source of the standalone fuzz drivers
 * (virtio, ioreq): xorshift64, so a run is reproducible from the seed it
 * prints.  The boot-image fuzzers keep their own (tests/boot/fuzz_common.h),
 * whose sequence their seeds were chosen for.
 */
#ifndef CVISOR_TESTS_FUZZ_RNG_H
#define CVISOR_TESTS_FUZZ_RNG_H

#include <stdint.h>

static inline uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#endif
