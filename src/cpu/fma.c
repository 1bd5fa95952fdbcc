// SPDX-License-Identifier: GPL-2.0
/*
 * fma.c - FMA3: VFMADD, VFMSUB, VFNMADD, VFNMSUB (packed and scalar),
 * VFMADDSUB and VFMSUBADD, in their 132, 213 and 231 operand orders;
 * VEX.W selects double precision.
 *
 * Each element is one fused multiply-add with a single rounding: libm's
 * fma()/fmaf() run under the guest MXCSR (rounding control, DAZ, FTZ,
 * exceptions masked), which collects the exception flags the guest sees.
 * On a host with FMA, glibc's fma() is that instruction; elsewhere it
 * is glibc's correctly rounded software version (the flags are then only
 * as exact as that emulation - documented in docs/emu-isa.md).
 *
 * NaNs are chosen here rather than by fma(): the result is the first NaN
 * operand, quieted, in the order multiplicand a, multiplier b, addend c
 * of the computation (not the instruction's operand order), and never
 * with a sign flipped by the negated forms - as the host CPU does.
 */
#include <math.h>

#include "cpu/internal.h"

#include "cpu/simd.h"

/* arg: FMA_* | order << 4 (0: 132, 1: 213, 2: 231) | FMA_SCALAR. */
enum { FMA_ADD, FMA_SUB, FMA_NADD, FMA_NSUB, FMA_ADDSUB, FMA_SUBADD };
#define FMA_SCALAR	0x100

static bool is_nan(uint64_t v, bool dbl)
{
	uint64_t exp = dbl ? 0x7ff0000000000000ull : 0x7f800000;
	uint64_t man = dbl ? 0xfffffffffffffull : 0x7fffff;

	return (v & exp) == exp && (v & man);
}

/*
 * libm's fma through empty asm statements, which keep the compiler from
 * moving or folding the call out of the caller's MXCSR window.
 */
static double fma_opaque(double a, double b, double c)
{
	__asm__ volatile("" : "+x"(a), "+x"(b), "+x"(c));
	a = fma(a, b, c);
	__asm__ volatile("" : "+x"(a));
	return a;
}

static float fmaf_opaque(float a, float b, float c)
{
	__asm__ volatile("" : "+x"(a), "+x"(b), "+x"(c));
	a = fmaf(a, b, c);
	__asm__ volatile("" : "+x"(a));
	return a;
}

/* The FP value of bits @v, negated when @neg. */
static double f64(uint64_t v, bool neg)
{
	double d;

	memcpy(&d, &v, 8);
	return neg ? -d : d;
}

static float f32(uint64_t v, bool neg)
{
	uint32_t u = v;
	float f;

	memcpy(&f, &u, 4);
	return neg ? -f : f;
}

/* One element: (a * b) negated when @np, plus c negated when @nc. */
static uint64_t fma_elem(uint64_t a, uint64_t b, uint64_t c, bool dbl,
			 bool np, bool nc)
{
	uint64_t v = 0, quiet = dbl ? 1ull << 51 : 0x400000;

	if (dbl) {
		double r = fma_opaque(f64(a, np), f64(b, false), f64(c, nc));

		memcpy(&v, &r, 8);
	} else {
		float r = fmaf_opaque(f32(a, np), f32(b, false), f32(c, nc));
		uint32_t r32;

		memcpy(&r32, &r, 4);
		v = r32;
	}
	if (is_nan(a, dbl))
		return a | quiet;
	if (is_nan(b, dbl))
		return b | quiet;
	if (is_nan(c, dbl))
		return c | quiet;
	return v;
}

/* Elements 0..n-1 of d = a * b + c with the signs of @op. */
static void fma_elems(unsigned op, bool dbl, unsigned n, union ymm *d,
		      const union ymm *a, const union ymm *b,
		      const union ymm *c)
{
	for (unsigned i = 0; i < n; i++) {
		bool np = op == FMA_NADD || op == FMA_NSUB;
		bool nc = op == FMA_SUB || op == FMA_NSUB;

		/* ADDSUB subtracts in even elements, SUBADD in odd ones. */
		if (op == FMA_ADDSUB)
			nc = !(i & 1);
		else if (op == FMA_SUBADD)
			nc = i & 1;
		if (dbl)
			d->q[i] = fma_elem(a->q[i], b->q[i], c->q[i], true, np, nc);
		else
			d->d[i] = fma_elem(a->d[i], b->d[i], c->d[i], false, np,
					   nc);
	}
}

HANDLER(fma)
{
	unsigned op = in->arg & 15, order = (in->arg >> 4) & 3, nsr;
	bool scalar = in->arg & FMA_SCALAR, dbl = in->vexw;
	unsigned esz = dbl ? 8 : 4, n = scalar ? 1 : (16u << in->vl) / esz;
	union ymm x1, x2, x3, d;
	const union ymm *a, *b, *c3;
	struct x86_insn one;

	TRY(x86_avx_check(c));
	TRY(x86_vsrc_read(c, in, &x3, scalar ? esz : 16u << in->vl, false));
	x86_ymm_get(c, in->reg, &x1);
	x86_ymm_get(c, in->vvvv, &x2);
	/* 132: x1 * x3 + x2; 213: x2 * x1 + x3; 231: x2 * x3 + x1. */
	a = order == 0 ? &x1 : &x2;
	b = order == 1 ? &x1 : &x3;
	c3 = order == 0 ? &x2 : order == 1 ? &x3 : &x1;
	d = x1;
	WITH_GUEST_MXCSR(c, nsr, fma_elems(op, dbl, n, &d, a, b, c3));
	TRY(x86_sse_mxcsr_update(c, nsr));
	/* Scalar forms ignore VEX.L and keep the rest of the XMM register. */
	one = *in;
	if (scalar)
		one.vl = 0;
	x86_ymm_put(c, &one, in->reg, &d);
	return 0;
}
