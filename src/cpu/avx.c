// SPDX-License-Identifier: GPL-2.0
/*
 * avx.c - VEX-encoded vector instructions (AVX, AVX2) on YMM registers.
 *
 * A YMM register is its XMM register (s.fx.xmm) plus bits 255:128 in
 * s.ymmh.  Nearly every AVX/AVX2 operation works within 128-bit lanes,
 * so these handlers reuse the SSE operations of sse.c lane by lane: the
 * first source is VEX.vvvv, the second ModRM.rm, the destination
 * ModRM.reg, and a VEX.128 result zeroes bits 255:128 (x86_ymm_put()).
 * FP lanes run on the host's SSE unit under the guest MXCSR as the SSE
 * forms do, so only SSE2 is needed on the host.  Unlike legacy SSE, VEX
 * memory operands need no alignment except for the aligned moves.
 */
#include "cpu/internal.h"

#include "cpu/simd.h"

static unsigned nlanes(const struct x86_insn *in)
{
	return in->vl ? 2 : 1;
}

/* VMOVUPS/UPD/APS/APD/DQA/DQU, VMOVNT*, VLDDQU, VMOVNTDQA. */
HANDLER(avx_mov)
{
	unsigned n = 16u << in->vl;
	bool al = in->arg & SSE_AL;
	union ymm v;

	TRY(x86_avx_check(c));
	if (in->arg & SSE_LD) {
		TRY(x86_vsrc_read(c, in, &v, n, al));
		x86_ymm_put(c, in, in->reg, &v);
		return 0;
	}
	x86_ymm_get(c, in->reg, &v);
	if (!in->mem) {
		x86_ymm_put(c, in, in->rm, &v);
		return 0;
	}
	if (al) {
		uint64_t la;

		TRY(x86_seg_linear(c, in->seg, x86_ea(c, in), n, ACC_W, &la));
		if (la & (n - 1))
			return x86_gp0(c);
	}
	return x86_write_buf(c, in->seg, x86_ea(c, in), v.b, n);
}

/*
 * VMOVSS/VMOVSD: a load from memory zero-extends; the register forms
 * merge the low element into VEX.vvvv (three operands); the register
 * store form (0F 11) writes ModRM.rm.
 */
HANDLER(avx_movs)
{
	unsigned sz = in->arg & 0xff;
	union xmm x = { 0 };

	TRY(x86_avx_check(c));
	if (in->mem) {
		if (in->arg & SSE_LD) {
			TRY(x86_read_buf(c, in->seg, x86_ea(c, in), x.b, sz));
			x86_xmm_put(c, in, in->reg, &x);
			return 0;
		}
		return x86_write_buf(c, in->seg, x86_ea(c, in),
				     x86_xmm_reg(c, in->reg), sz);
	}
	memcpy(&x, x86_xmm_reg(c, in->vvvv), 16);
	if (in->arg & SSE_LD) {
		memcpy(x.b, x86_xmm_reg(c, in->rm), sz);
		x86_xmm_put(c, in, in->reg, &x);
	} else {
		memcpy(x.b, x86_xmm_reg(c, in->reg), sz);
		x86_xmm_put(c, in, in->rm, &x);
	}
	return 0;
}

/* Shifts whose count is the low quadword of an XMM/m128 operand. */
static bool shift_by_xmm(unsigned op)
{
	switch (op) {
	case SI_PSRLW: case SI_PSRLD: case SI_PSRLQ: case SI_PSRAW:
	case SI_PSRAD: case SI_PSLLW: case SI_PSLLD: case SI_PSLLQ:
		return true;
	}
	return false;
}

HANDLER(avx_int)
{
	bool sh = shift_by_xmm(in->arg);
	union ymm a, b, d;

	TRY(x86_avx_check(c));
	TRY(x86_vsrc_read(c, in, &b, sh ? 16 : 16u << in->vl, false));
	x86_ymm_get(c, in->vvvv, &a);
	for (unsigned i = 0; i < nlanes(in); i++)
		if (!x86_pint(in->arg, 16, &d.x[i], &a.x[i], &b.x[sh ? 0 : i]))
			return x86_ud(c);
	x86_ymm_put(c, in, in->reg, &d);
	return 0;
}

/* VPSHUFD / VPSHUFHW / VPSHUFLW (arg 0, 1, 2), per lane. */
HANDLER(avx_pshuf)
{
	unsigned imm = in->imm;
	union ymm s, d;

	TRY(x86_avx_check(c));
	TRY(x86_vsrc_read(c, in, &s, 16u << in->vl, false));
	d = s;
	for (unsigned l = 0; l < nlanes(in); l++) {
		union xmm *sx = &s.x[l], *dx = &d.x[l];

		if (in->arg == 0) {
			for (int i = 0; i < 4; i++)
				dx->d[i] = sx->d[(imm >> (2 * i)) & 3];
		} else {
			unsigned base = in->arg == 1 ? 4 : 0;

			for (int i = 0; i < 4; i++)
				dx->w[base + i] = sx->w[base + ((imm >> (2 * i)) & 3)];
		}
	}
	x86_ymm_put(c, in, in->reg, &d);
	return 0;
}

/*
 * VPSRLW/VPSRAW/VPSLLW (71), D (72), Q and the byte shifts VPSRLDQ /3,
 * VPSLLDQ /7 (73) by an immediate: the destination is VEX.vvvv, the
 * source ModRM.rm; the byte shifts stay within each lane.
 */
HANDLER(avx_pshift_imm)
{
	unsigned w = in->arg, r = in->reg & 7, n = in->imm & 0xff;
	union ymm x, d = { 0 };

	TRY(x86_avx_check(c));
	if (!(r == 2 || r == 6 || (r == 4 && w != 8) ||
	      (w == 8 && (r == 3 || r == 7))))
		return x86_ud(c);
	x86_ymm_get(c, in->rm, &x);
	for (unsigned l = 0; l < nlanes(in); l++) {
		if (w == 8 && (r == 3 || r == 7)) {
			for (int i = 0; i < 16; i++) {
				int src = r == 3 ? i + (int)n : i - (int)n;

				if (src >= 0 && src < 16)
					d.x[l].b[i] = x.x[l].b[src];
			}
			continue;
		}
		d.x[l] = x.x[l];
		x86_pshift(&d.x[l], w, r == 2 ? 0 : r == 4 ? 1 : 2, n, 16);
	}
	x86_ymm_put(c, in, in->vvvv, &d);
	return 0;
}

HANDLER(avx_palignr)
{
	union ymm a, b, d;

	TRY(x86_avx_check(c));
	TRY(x86_vsrc_read(c, in, &b, 16u << in->vl, false));
	x86_ymm_get(c, in->vvvv, &a);
	for (unsigned l = 0; l < nlanes(in); l++)
		x86_palignr(&d.x[l], &a.x[l], &b.x[l], in->imm & 0xff, 16);
	x86_ymm_put(c, in, in->reg, &d);
	return 0;
}

/* VSHUFPS (arg 4: one imm for both lanes), VSHUFPD (2 imm bits a lane). */
HANDLER(avx_shufp)
{
	unsigned imm = in->imm & 0xff;
	union ymm a, b, d;

	TRY(x86_avx_check(c));
	TRY(x86_vsrc_read(c, in, &b, 16u << in->vl, false));
	x86_ymm_get(c, in->vvvv, &a);
	for (unsigned l = 0; l < nlanes(in); l++) {
		union xmm *ax = &a.x[l], *bx = &b.x[l], *dx = &d.x[l];

		if (in->arg == 4) {
			dx->d[0] = ax->d[imm & 3];
			dx->d[1] = ax->d[(imm >> 2) & 3];
			dx->d[2] = bx->d[(imm >> 4) & 3];
			dx->d[3] = bx->d[(imm >> 6) & 3];
		} else {
			unsigned k = imm >> (2 * l);

			dx->q[0] = ax->q[k & 1];
			dx->q[1] = bx->q[(k >> 1) & 1];
		}
	}
	x86_ymm_put(c, in, in->reg, &d);
	return 0;
}

/* Packed conversions whose result is narrower or wider than the source. */
static bool fp_widens(unsigned op)
{
	return op == SF_CVTPS2PD || op == SF_CVTDQ2PD;
}

static bool fp_narrows(unsigned op)
{
	return op == SF_CVTPD2PS || op == SF_CVTPD2DQ || op == SF_CVTTPD2DQ;
}

/* The lanes of avx_fp, under the guest MXCSR. */
static void fp_lanes(const struct x86_insn *in, unsigned op, bool scalar,
		     union ymm *d, const union ymm *a, const union ymm *b)
{
	union xmm hi = { 0 };

	if (scalar) {
		d->x[0] = a->x[0];
		x86_sse_fp_op(op, &d->x[0].vq, b->x[0].vq);
	} else if (fp_widens(op)) {
		/* The upper lane converts source elements 2-3 (4-7 bytes). */
		x86_sse_fp_op(op, &d->x[0].vq, b->x[0].vq);
		hi.q[0] = b->q[1];
		if (in->vl)
			x86_sse_fp_op(op, &d->x[1].vq, hi.vq);
	} else if (fp_narrows(op)) {
		x86_sse_fp_op(op, &d->x[0].vq, b->x[0].vq);
		if (in->vl) {
			x86_sse_fp_op(op, &hi.vq, b->x[1].vq);
			d->q[1] = hi.q[0];
		}
	} else {
		for (unsigned l = 0; l < nlanes(in); l++) {
			d->x[l] = a->x[l];
			x86_sse_fp_op(op, &d->x[l].vq, b->x[l].vq);
		}
	}
}

HANDLER(avx_fp)
{
	unsigned op = in->arg, ms = x86_sse_fp_msize(op), nsr;
	bool scalar = ms < 16 && !fp_widens(op) && op != SF_MOVDDUP;
	struct x86_insn one;
	union ymm a, b, d;

	TRY(x86_avx_check(c));
	if (fp_widens(op))
		ms = 8u << in->vl;
	else if (!scalar)
		ms = 16u << in->vl;
	TRY(x86_vsrc_read(c, in, &b, ms, false));
	x86_ymm_get(c, in->vvvv, &a);
	memset(&d, 0, sizeof(d));
	WITH_GUEST_MXCSR(c, nsr, fp_lanes(in, op, scalar, &d, &a, &b));
	TRY(x86_sse_mxcsr_update(c, nsr));
	/* Scalar ops ignore VEX.L; narrowing ones always give an XMM. */
	one = *in;
	if (scalar || fp_narrows(op))
		one.vl = 0;
	x86_ymm_put(c, &one, in->reg, &d);
	return 0;
}

/*
 * VCMPPS/PD/SS/SD with the 32 AVX predicates, composed from the eight
 * SSE ones (the caller sets MXCSR; the exception flags are not this
 * function's: see avx_cmp).  Bits 3:0 select the relation, bit 4 only
 * toggles whether a QNaN operand raises invalid.
 */
static void cmp_lane(unsigned kind, unsigned pred, union xmm *r,
		     const union xmm *a, const union xmm *b)
{
	/* SSE predicate, operands swapped, OR unordered, AND ordered. */
	static const struct { uint8_t p, swap, unord, ord; } t[16] = {
		{ 0, 0, 0, 0 }, { 1, 0, 0, 0 }, { 2, 0, 0, 0 }, { 3, 0, 0, 0 },
		{ 4, 0, 0, 0 }, { 5, 0, 0, 0 }, { 6, 0, 0, 0 }, { 7, 0, 0, 0 },
		{ 0, 0, 1, 0 },	/* EQ_UQ */
		{ 6, 1, 0, 0 },	/* NGE_US = NLE(b, a) */
		{ 5, 1, 0, 0 },	/* NGT_US = NLT(b, a) */
		{ 3, 0, 0, 1 },	/* FALSE_OQ = UNORD and ORD */
		{ 4, 0, 0, 1 },	/* NEQ_OQ */
		{ 2, 1, 0, 0 },	/* GE_OS = LE(b, a) */
		{ 1, 1, 0, 0 },	/* GT_OS = LT(b, a) */
		{ 7, 0, 1, 0 },	/* TRUE_UQ = ORD or UNORD */
	};
	unsigned k = pred & 15, hi = kind == 2 ? 4 : 8;
	union xmm x = t[k].swap ? *b : *a, m = *a;

	x86_sse_cmp_op(kind, t[k].p, &x.vq, t[k].swap ? a->vq : b->vq);
	if (t[k].unord || t[k].ord) {
		x86_sse_cmp_op(kind, t[k].ord ? 7 : 3, &m.vq, b->vq);
		if (t[k].ord)
			x.vq &= m.vq;
		else
			x.vq |= m.vq;
	}
	/* A scalar result keeps the rest of the first source. */
	if (kind >= 2)
		memcpy(x.b + hi, a->b + hi, 16 - hi);
	*r = x;
}

HANDLER(avx_cmp)
{
	/* Predicates whose bits 3:0 signal on QNaN (before bit 4). */
	static const uint16_t signaling = 0x6666;
	unsigned kind = in->arg, nsr, res, pred = in->imm & 31;
	unsigned n = kind >= 2 ? 1 : nlanes(in);
	bool sig = ((signaling >> (pred & 15)) & 1) ^ (pred >> 4);
	union ymm a, b, d, f;
	struct x86_insn one;

	TRY(x86_avx_check(c));
	TRY(x86_vsrc_read(c, in, &b, kind == 2 ? 4 : kind == 3 ? 8 :
			  16u << in->vl, false));
	x86_ymm_get(c, in->vvvv, &a);
	memset(&d, 0, sizeof(d));
	/*
	 * The result from the composed compares (their flags dropped), the
	 * flags from one SSE compare that signals exactly as the predicate.
	 */
	WITH_GUEST_MXCSR(c, res, {
		for (unsigned l = 0; l < n; l++)
			cmp_lane(kind, pred, &d.x[l], &a.x[l], &b.x[l]);
	});
	(void)res;
	f = a;
	WITH_GUEST_MXCSR(c, nsr, {
		for (unsigned l = 0; l < n; l++)
			x86_sse_cmp_op(kind, sig ? 1 : 0, &f.x[l].vq, b.x[l].vq);
	});
	TRY(x86_sse_mxcsr_update(c, nsr));
	one = *in;
	if (kind >= 2)
		one.vl = 0;
	x86_ymm_put(c, &one, in->reg, &d);
	return 0;
}

/*
 * VZEROUPPER (VEX.L = 0) and VZEROALL (VEX.L = 1).  Outside 64-bit mode
 * only YMM0-7 exist and YMM8-15 keep their contents.
 */
HANDLER(vzero)
{
	unsigned n = c->mode64 ? 16 : 8;

	TRY(x86_avx_check(c));
	memset(S(c)->ymmh, 0, n * 16);
	if (in->vl)
		memset(S(c)->fx.xmm, 0, n * 16);
	return 0;
}
