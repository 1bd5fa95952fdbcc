/* SPDX-License-Identifier: GPL-2.0 */
/* simd.h - vector types and packed-integer helpers shared by sse.c, mmx.c. */
#ifndef CVISOR_CPU_SIMD_H
#define CVISOR_CPU_SIMD_H

#include <stdbool.h>
#include <stdint.h>

typedef uint8_t u8x16 __attribute__((vector_size(16)));
typedef int8_t s8x16 __attribute__((vector_size(16)));
typedef uint16_t u16x8 __attribute__((vector_size(16)));
typedef int16_t s16x8 __attribute__((vector_size(16)));
typedef uint32_t u32x4 __attribute__((vector_size(16)));
typedef int32_t s32x4 __attribute__((vector_size(16)));
typedef uint64_t u64x2 __attribute__((vector_size(16)));

union xmm {
	uint8_t b[16];
	uint16_t w[8];
	uint32_t d[4];
	uint64_t q[2];
	u8x16 vb;
	u16x8 vw;
	u32x4 vd;
	u64x2 vq;
};

/* Packed-integer op (enum x86_sse_int_op) on @w-byte vectors (16 or 8). */
bool x86_pint(unsigned op, unsigned w, union xmm *d, const union xmm *a,
	      const union xmm *b);
/* Shift @total bytes of lanes of @w bytes: op 0 srl, 1 sra, 2 sll. */
void x86_pshift(union xmm *x, unsigned w, unsigned op, uint64_t n,
		unsigned total);

void x86_palignr(union xmm *d, const union xmm *a, const union xmm *b,
		 unsigned n, unsigned w);

#endif
