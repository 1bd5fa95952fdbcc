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

/* A YMM register: lane 0 is the XMM register, lane 1 s.ymmh. */
union ymm {
	uint8_t b[32];
	uint16_t w[16];
	uint32_t d[8];
	uint64_t q[4];
	union xmm x[2];
};

/* XMM register @r (low 4 bits) of the guest's FXSAVE image. */
static inline uint8_t *x86_xmm_reg(struct x86_core *c, unsigned r)
{
	return S(c)->fx.xmm[r & 15];
}

/*
 * The first source of an instruction that also writes it in its legacy
 * SSE form: ModRM.reg there, VEX.vvvv in the VEX form.
 */
static inline unsigned x86_src1(const struct x86_insn *in)
{
	return in->vex ? in->vvvv : in->reg;
}

/*
 * Write XMM register @r as a 128-bit result: a VEX-encoded instruction
 * zeroes bits 255:128 of the YMM register, a legacy SSE one keeps them.
 */
static inline void x86_xmm_put(struct x86_core *c, const struct x86_insn *in,
			       unsigned r, const void *v)
{
	memcpy(S(c)->fx.xmm[r & 15], v, 16);
	if (in->vex)
		memset(S(c)->ymmh[r & 15], 0, 16);
}

static inline void x86_ymm_get(struct x86_core *c, unsigned r, union ymm *v)
{
	memcpy(v->b, S(c)->fx.xmm[r & 15], 16);
	memcpy(v->b + 16, S(c)->ymmh[r & 15], 16);
}

/* Write a VEX result of VEX.L's width (bits 255:128 zeroed for L=0). */
static inline void x86_ymm_put(struct x86_core *c, const struct x86_insn *in,
			       unsigned r, const union ymm *v)
{
	memcpy(S(c)->fx.xmm[r & 15], v->b, 16);
	if (in->vl)
		memcpy(S(c)->ymmh[r & 15], v->b + 16, 16);
	else
		memset(S(c)->ymmh[r & 15], 0, 16);
}

/*
 * The gate of every SSE instruction: #UD (EM, !OSFXSR), then #NM (TS);
 * for a VEX form the AVX gate instead (x86_avx_check()).
 */
int x86_sse_check(struct x86_core *c, const struct x86_insn *in);
/*
 * The gate of every VEX instruction on vector state: #UD outside
 * protected mode, without CR4.OSXSAVE or unless XCR0 enables SSE and
 * AVX state; then #NM with CR0.TS.  CR0.EM and CR4.OSFXSR do not apply.
 */
int x86_avx_check(struct x86_core *c);
/*
 * Source operand: XMM rm, or @size bytes of memory zero-extended to 16;
 * @align demands a 16-byte aligned address (#GP otherwise).  A VEX form
 * never demands alignment here.
 */
int x86_sse_src_read(struct x86_core *c, const struct x86_insn *in,
		     union xmm *v, unsigned size, bool align);
/*
 * VEX source operand: YMM rm, or @size bytes of memory zero-extended to
 * 32; @align demands alignment to VEX.L's vector width (#GP otherwise).
 */
int x86_vsrc_read(struct x86_core *c, const struct x86_insn *in,
		  union ymm *v, unsigned size, bool align);

/* One SSE FP op (enum x86_sse_fp_op) on the host: the caller sets MXCSR. */
void x86_sse_fp_op(unsigned op, u64x2 *a, u64x2 b);
/* Memory operand bytes of a legacy SSE FP op (16 when packed). */
unsigned x86_sse_fp_msize(unsigned op);
/*
 * CMPPS/PD/SS/SD (@kind 0..3) with predicate 0..7 on the host: the
 * caller sets MXCSR.
 */
void x86_sse_cmp_op(unsigned kind, unsigned pred, u64x2 *a, u64x2 b);
/*
 * One 128-bit lane of an SSE4.1/4.2 op of x86_sse4.def (arg @op): a = a
 * op b, @m the BLENDV mask, @mem whether b is a memory operand.  The
 * caller sets MXCSR.
 */
void x86_sse4_lane(unsigned op, unsigned imm, bool mem, union xmm *a,
		   const union xmm *b, const union xmm *m);
/* Memory operand bytes of that op (16 when packed). */
unsigned x86_sse4_msize(unsigned op);

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
