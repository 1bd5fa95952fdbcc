// SPDX-License-Identifier: GPL-2.0
/*
 * f16c.c - F16C: VCVTPH2PS (half to single precision, exact) and
 * VCVTPS2PH (single to half precision, rounded by imm8[1:0] or, with
 * imm8[2], by MXCSR.RC), done in software so that no host F16C is
 * needed.  The exception flags follow the SDM: invalid for a signaling
 * NaN, denormal for a single-precision denormal source (unless DAZ,
 * which then reads it as zero), overflow, underflow (tiny and inexact)
 * and precision.
 */
#include "cpu/internal.h"

#include "cpu/simd.h"

#define MX_IE	0x01
#define MX_DE	0x02
#define MX_OE	0x08
#define MX_UE	0x10
#define MX_PE	0x20
#define MXCSR_DAZ	0x40

static uint32_t half_to_single(uint16_t h, unsigned *flags)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16;
	unsigned exp = (h >> 10) & 0x1f, frac = h & 0x3ff;

	if (exp == 0x1f) {
		if (frac && !(frac & 0x200))
			*flags |= MX_IE;		/* signaling NaN */
		return sign | 0x7f800000 | (uint32_t)frac << 13 |
		       (frac ? 0x400000 : 0);
	}
	if (exp)
		return sign | (exp + 112) << 23 | (uint32_t)frac << 13;
	if (!frac)
		return sign;
	/* A half denormal is a normal single: normalise. */
	exp = 113;
	while (!(frac & 0x400)) {
		frac <<= 1;
		exp--;
	}
	return sign | exp << 23 | (uint32_t)(frac & 0x3ff) << 13;
}

/*
 * Whether truncated @r with remainder @rem (out of 2 * @halfway) rounds
 * up in magnitude under @rc (0 nearest even, 1 down, 2 up, 3 toward
 * zero) for a value of sign @sign.
 */
static bool round_up(uint64_t r, uint64_t rem, uint64_t halfway,
		     unsigned rc, bool sign)
{
	if (!rc)
		return rem > halfway || (rem == halfway && (r & 1));
	return rem && ((rc == 1 && sign) || (rc == 2 && !sign));
}

/*
 * Whether @m (most significant bit @msb) rounded to 11 significant bits
 * by @rc carries into a 12th: the exponent-unbounded rounding that
 * decides tininess.
 */
static bool round_unbounded_carries(uint64_t m, unsigned msb, unsigned rc,
				    bool sign)
{
	unsigned sh = msb - 10;
	uint64_t r = m >> sh;

	return r + round_up(r, m & ((1ull << sh) - 1), 1ull << (sh - 1), rc,
			    sign) == 2048;
}

/* @rc: 0 nearest even, 1 down, 2 up, 3 toward zero. */
static uint16_t single_to_half(uint32_t f, unsigned rc, bool daz,
			       unsigned *flags)
{
	uint16_t sign = (f >> 16) & 0x8000;
	unsigned exp = (f >> 23) & 0xff, shift, msb;
	uint32_t frac = f & 0x7fffff, r;
	uint64_t m, rem, halfway;
	int e, qe, big_e;
	bool up, inexact;
	uint32_t enc;

	if (exp == 0xff) {
		if (frac && !(frac & 0x400000))
			*flags |= MX_IE;
		return sign | 0x7c00 | (frac ? 0x200 | frac >> 13 : 0);
	}
	if (!exp) {
		if (!frac)
			return sign;
		if (daz)
			return sign;
		*flags |= MX_DE;
		m = frac;
		e = -149;
	} else {
		m = frac | 0x800000;
		e = (int)exp - 150;
	}
	msb = 63 - __builtin_clzll(m);
	/* Quantum of the half result: 2^(E-10), at least 2^-24. */
	qe = (int)msb + e - 10;
	if (qe < -24)
		qe = -24;
	shift = qe - e;			/* > 0: a single has 24 bits */
	if (shift >= 40) {
		r = 0;
		rem = 1;		/* only stickiness matters */
		halfway = 2;
	} else {
		r = m >> shift;
		rem = m & ((1ull << shift) - 1);
		halfway = 1ull << (shift - 1);
	}
	inexact = rem != 0;
	up = round_up(r, rem, halfway, rc, sign);
	r += up;
	enc = ((uint32_t)(qe + 24) << 10) + r;
	/*
	 * Overflow and tininess as the host CPU reports them (measured
	 * against it, 8 million random conversions): overflow when the
	 * rounded result does not fit, or, rounding to nearest or toward
	 * zero, when the magnitude rounded to nearest does not (so RZ
	 * reports overflow from 65520 up, RD of a positive value does not);
	 * tiny before rounding when rounding to nearest, after rounding
	 * (unbounded exponent) for the other modes.
	 */
	big_e = (int)msb + e;
	if (enc >= 0x7c00 || big_e > 15 ||
	    (big_e == 15 && (rc == 0 || rc == 3) &&
	     round_unbounded_carries(m, msb, 0, sign))) {
		bool inf = rc == 0 || (rc == 1 && sign) || (rc == 2 && !sign);

		*flags |= MX_OE | MX_PE;
		return sign | (inf ? 0x7c00 : 0x7bff);
	}
	if (inexact) {
		*flags |= MX_PE;
		if (big_e < -15 || (big_e == -15 &&
				    (!rc || !round_unbounded_carries(m, msb, rc,
								     sign))))
			*flags |= MX_UE;
	}
	return sign | enc;
}

HANDLER(vcvtph2ps)
{
	unsigned n = 4u << in->vl, flags = 0;
	union ymm s, d;

	TRY(x86_avx_check(c));
	TRY(x86_vsrc_read(c, in, &s, 2 * n, false));
	for (unsigned i = 0; i < n; i++)
		d.d[i] = half_to_single(s.w[i], &flags);
	TRY(x86_sse_mxcsr_update(c, flags));
	x86_ymm_put(c, in, in->reg, &d);
	return 0;
}

/* The destination is ModRM.rm: an XMM register (upper bits zeroed) or m64/m128. */
HANDLER(vcvtps2ph)
{
	unsigned n = 4u << in->vl, flags = 0, imm = in->imm & 0xff;
	uint32_t mxcsr = S(c)->fx.mxcsr;
	unsigned rc = (imm & 4) ? (mxcsr >> 13) & 3 : imm & 3;
	union ymm s, d = { 0 };
	struct x86_insn one;

	TRY(x86_avx_check(c));
	x86_ymm_get(c, in->reg, &s);
	for (unsigned i = 0; i < n; i++)
		d.w[i] = single_to_half(s.d[i], rc, mxcsr & MXCSR_DAZ, &flags);
	/* A store is done only after the exception check. */
	TRY(x86_sse_mxcsr_update(c, flags));
	if (in->mem)
		return x86_write_buf(c, in->seg, x86_ea(c, in), d.b, 2 * n);
	one = *in;
	one.vl = 0;
	x86_ymm_put(c, &one, in->rm, &d);
	return 0;
}
