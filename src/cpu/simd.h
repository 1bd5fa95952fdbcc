/* SPDX-License-Identifier: GPL-2.0 */
/*
 * simd.h - vector types and helpers shared by sse.c, sse4.c and mmx.c.
 * Include after cpu/internal.h.
 */
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

/* XMM register @r (low 4 bits) of the guest's FXSAVE image. */
static inline uint8_t *x86_xmm_reg(struct x86_core *c, unsigned r)
{
	return S(c)->fx.xmm[r & 15];
}

/* The gate of every SSE instruction: #UD (EM, !OSFXSR), then #NM (TS). */
int x86_sse_check(struct x86_core *c);
/*
 * Source operand: XMM rm, or @size bytes of memory zero-extended to 16;
 * @align demands a 16-byte aligned address (#GP otherwise).
 */
int x86_sse_src_read(struct x86_core *c, const struct x86_insn *in,
		     union xmm *v, unsigned size, bool align);

/*
 * Run @body on the host under the guest's MXCSR with every exception
 * masked; @nsr receives the host MXCSR afterwards (the raised flags).
 */
#define WITH_GUEST_MXCSR(c, nsr, body)					\
	do {								\
		unsigned __h, __g = (S(c)->fx.mxcsr & 0xffc0) | 0x1f80;	\
									\
		__asm__ volatile("stmxcsr %0" : "=m"(__h));		\
		__asm__ volatile("ldmxcsr %0" : : "m"(__g));		\
		body;							\
		__asm__ volatile("stmxcsr %0" : "=m"(nsr));		\
		__asm__ volatile("ldmxcsr %0" : : "m"(__h));		\
	} while (0)

/*
 * Fold the flags @nsr raised into the guest MXCSR; a flag the guest left
 * unmasked raises #XM (#UD without CR4.OSXMMEXCPT) before any writeback.
 */
int x86_sse_mxcsr_update(struct x86_core *c, unsigned nsr);

#endif
