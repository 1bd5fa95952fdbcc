/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_rng.h - what the fuzz drivers that are both a test program and a
 * libFuzzer target share (virtio, ioreq, QMP): the seeded random source
 * of their standalone mode, xorshift64, so a run is reproducible from the
 * seed it prints (the boot-image fuzzers keep their own,
 * tests/boot/fuzz_common.h, whose sequence their seeds were chosen for),
 * and their libFuzzer entry point.
 */
#ifndef CVISOR_TESTS_FUZZ_RNG_H
#define CVISOR_TESTS_FUZZ_RNG_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * The libFuzzer entry of a driver with one context: @setup() builds it
 * on the first input (libFuzzer's interface has no context argument),
 * @one(ctx, data, size) runs each input.
 */
#define FUZZ_LIBFUZZER_ENTRY(setup, one)				\
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);		\
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)		\
{									\
	static struct fuzz *ctx;					\
									\
	if (!ctx)							\
		ctx = setup();						\
	(void)one(ctx, data, size);					\
	return 0;							\
}

#endif
