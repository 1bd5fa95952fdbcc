// SPDX-License-Identifier: GPL-2.0
/*
 * avx_perm.c - the VEX instructions that have no legacy SSE form to
 * reuse: broadcasts, permutes and 128-bit lane moves, inserts and
 * extracts, four-operand blends, masked loads and stores, the per-element
 * variable shifts, VPTEST/VTESTPS/VTESTPD and the VEX forms of the
 * SSE4.1/4.2 lane operations (AVX, AVX2).
 */
#include "cpu/internal.h"

#include "cpu/simd.h"

static unsigned vbytes(const struct x86_insn *in)
{
	return 16u << in->vl;
}

/*
 * VBROADCASTSS/SD/F128, VPBROADCASTB/W/D/Q, VBROADCASTI128 (arg: element
 * bytes): the low element of an XMM register or memory in every element.
 */
HANDLER(avx_bcast)
{
	unsigned w = in->arg;
	union ymm s, d;

	TRY(x86_avx_check(c));
	TRY(x86_vsrc_read(c, in, &s, w, false));
	for (unsigned i = 0; i < vbytes(in); i += w)
		memcpy(d.b + i, s.b, w);
	x86_ymm_put(c, in, in->reg, &d);
	return 0;
}

/* VPERMILPS (arg 4) / VPERMILPD (arg 8) with an immediate control. */
HANDLER(avx_permil_imm)
{
	unsigned imm = in->imm & 0xff;
	union ymm s, d;

	TRY(x86_avx_check(c));
	TRY(x86_vsrc_read(c, in, &s, vbytes(in), false));
	if (in->arg == 4) {
		for (unsigned i = 0; i < vbytes(in) / 4; i++)
			d.d[i] = s.d[(i & ~3u) + ((imm >> (2 * (i & 3))) & 3)];
	} else {
		for (unsigned i = 0; i < vbytes(in) / 8; i++)
			d.q[i] = s.q[(i & ~1u) + ((imm >> i) & 1)];
	}
	x86_ymm_put(c, in, in->reg, &d);
	return 0;
}

/* VPERMILPS/PD with the control in ModRM.rm, the data in VEX.vvvv. */
HANDLER(avx_permil_var)
{
	union ymm a, b, d;

	TRY(x86_avx_check(c));
	TRY(x86_vsrc_read(c, in, &b, vbytes(in), false));
	x86_ymm_get(c, in->vvvv, &a);
	if (in->arg == 4) {
		for (unsigned i = 0; i < vbytes(in) / 4; i++)
			d.d[i] = a.d[(i & ~3u) + (b.d[i] & 3)];
	} else {
		for (unsigned i = 0; i < vbytes(in) / 8; i++)
			d.q[i] = a.q[(i & ~1u) + ((b.q[i] >> 1) & 1)];
	}
	x86_ymm_put(c, in, in->reg, &d);
	return 0;
}

/* VPERM2F128 / VPERM2I128: each destination lane from imm8's nibble. */
HANDLER(avx_perm2x128)
{
	unsigned imm = in->imm & 0xff;
	union ymm a, b, d;

	TRY(x86_avx_check(c));
	TRY(x86_vsrc_read(c, in, &b, 32, false));
	x86_ymm_get(c, in->vvvv, &a);
	for (unsigned l = 0; l < 2; l++) {
		unsigned sel = imm >> (4 * l);

		if (sel & 8)
			memset(&d.x[l], 0, 16);
		else
			d.x[l] = (sel & 2) ? b.x[sel & 1] : a.x[sel & 1];
	}
	x86_ymm_put(c, in, in->reg, &d);
	return 0;
}

/* VINSERTF128 / VINSERTI128. */
HANDLER(avx_insert128)
{
	union ymm a, b;

	TRY(x86_avx_check(c));
	TRY(x86_vsrc_read(c, in, &b, 16, false));
	x86_ymm_get(c, in->vvvv, &a);
	a.x[in->imm & 1] = b.x[0];
	x86_ymm_put(c, in, in->reg, &a);
	return 0;
}

/* VEXTRACTF128 / VEXTRACTI128: to an XMM register or m128. */
HANDLER(avx_extract128)
{
	union ymm s;

	TRY(x86_avx_check(c));
	x86_ymm_get(c, in->reg, &s);
	if (in->mem)
		return x86_write_buf(c, in->seg, x86_ea(c, in),
				     s.x[in->imm & 1].b, 16);
	x86_xmm_put(c, in, in->rm, &s.x[in->imm & 1]);
	return 0;
}

/* VPERMD (arg 4) / VPERMPS: dwords of rm indexed by VEX.vvvv's. */
HANDLER(avx_permd)
{
	union ymm idx, s, d;

	TRY(x86_avx_check(c));
	TRY(x86_vsrc_read(c, in, &s, 32, false));
	x86_ymm_get(c, in->vvvv, &idx);
	for (unsigned i = 0; i < 8; i++)
		d.d[i] = s.d[idx.d[i] & 7];
	x86_ymm_put(c, in, in->reg, &d);
	return 0;
}

/* VPERMQ / VPERMPD: qwords selected by imm8. */
HANDLER(avx_permq)
{
	unsigned imm = in->imm & 0xff;
	union ymm s, d;

	TRY(x86_avx_check(c));
	TRY(x86_vsrc_read(c, in, &s, 32, false));
	for (unsigned i = 0; i < 4; i++)
		d.q[i] = s.q[(imm >> (2 * i)) & 3];
	x86_ymm_put(c, in, in->reg, &d);
	return 0;
}

/* VPBLENDD: dword i from rm when imm8 bit (i mod 8) is set. */
HANDLER(avx_pblendd)
{
	unsigned imm = in->imm & 0xff;
	union ymm a, b;

	TRY(x86_avx_check(c));
	TRY(x86_vsrc_read(c, in, &b, vbytes(in), false));
	x86_ymm_get(c, in->vvvv, &a);
	for (unsigned i = 0; i < vbytes(in) / 4; i++)
		if (imm & (1u << (i & 7)))
			a.d[i] = b.d[i];
	x86_ymm_put(c, in, in->reg, &a);
	return 0;
}

/*
 * VBLENDVPS (arg 4), VBLENDVPD (8), VPBLENDVB (1): element from rm where
 * the sign bit of the mask register imm8[7:4] is set, else from vvvv.
 */
HANDLER(avx_blendv)
{
	unsigned w = in->arg, mr = (in->imm >> 4) & (c->mode64 ? 15 : 7);
	union ymm a, b, m;

	TRY(x86_avx_check(c));
	TRY(x86_vsrc_read(c, in, &b, vbytes(in), false));
	x86_ymm_get(c, in->vvvv, &a);
	x86_ymm_get(c, mr, &m);
	for (unsigned i = 0; i < vbytes(in); i += w)
		if (m.b[i + w - 1] & 0x80)
			memcpy(a.b + i, b.b + i, w);
	x86_ymm_put(c, in, in->reg, &a);
	return 0;
}

/*
 * VPTEST (arg 0), VTESTPS (4), VTESTPD (8): ZF when reg AND rm is zero,
 * CF when (NOT reg) AND rm is zero, over all bits or the sign bits only.
 */
HANDLER(avx_ptest)
{
	uint8_t and = 0, andn = 0;
	unsigned w = in->arg;
	union ymm a, b;

	TRY(x86_avx_check(c));
	TRY(x86_vsrc_read(c, in, &b, vbytes(in), false));
	x86_ymm_get(c, in->reg, &a);
	for (unsigned i = 0; i < vbytes(in); i++) {
		uint8_t mask = !w ? 0xff : (i % w == w - 1) ? 0x80 : 0;

		and |= a.b[i] & b.b[i] & mask;
		andn |= ~a.b[i] & b.b[i] & mask;
	}
	cc_set_eflags(c, (and ? 0 : X86_ZF) | (andn ? 0 : X86_CF));
	return 0;
}

/*
 * VMASKMOVPS/PD (arg 4/8), VPMASKMOVD/Q (arg 0: VEX.W picks 4 or 8):
 * elements whose mask (VEX.vvvv) sign bit is clear are neither read nor
 * written, so they cannot fault.  Loads zero them; a store writes the
 * selected elements one by one.
 */
HANDLER(avx_maskmov)
{
	unsigned w = in->arg & 0xf ? in->arg & 0xf : (in->vexw ? 8 : 4);
	bool store = in->arg & 0x10;
	uint64_t ea = x86_ea(c, in);
	union ymm m, v, d = { 0 };

	TRY(x86_avx_check(c));
	x86_ymm_get(c, in->vvvv, &m);
	if (store) {
		x86_ymm_get(c, in->reg, &v);
		for (unsigned i = 0; i < vbytes(in); i += w)
			if (m.b[i + w - 1] & 0x80)
				TRY(x86_write_buf(c, in->seg,
						  (ea + i) & size_mask(in->asz),
						  v.b + i, w));
		return 0;
	}
	for (unsigned i = 0; i < vbytes(in); i += w)
		if (m.b[i + w - 1] & 0x80)
			TRY(x86_read_buf(c, in->seg, (ea + i) & size_mask(in->asz),
					 d.b + i, w));
	x86_ymm_put(c, in, in->reg, &d);
	return 0;
}

/*
 * VPSLLVD/Q (arg 2), VPSRLVD/Q (0), VPSRAVD (1): each element of vvvv
 * shifted by the matching element of rm; VEX.W picks quadwords (not for
 * VPSRAVD).  Counts at or beyond the width give zero (sign for SRA).
 */
HANDLER(avx_shiftv)
{
	unsigned w = in->vexw && in->arg != 1 ? 8 : 4;
	union ymm a, b;

	TRY(x86_avx_check(c));
	TRY(x86_vsrc_read(c, in, &b, vbytes(in), false));
	x86_ymm_get(c, in->vvvv, &a);
	for (unsigned i = 0; i < vbytes(in); i += w) {
		uint64_t n = 0;
		union xmm e = { 0 };

		memcpy(&n, b.b + i, w);
		memcpy(e.b, a.b + i, w);
		x86_pshift(&e, w, in->arg, n, w);
		memcpy(a.b + i, e.b, w);
	}
	x86_ymm_put(c, in, in->reg, &a);
	return 0;
}

/* SSE4.1 conversions that widen: PMOVSX*, PMOVZX*. */
static bool sse4_widens(unsigned op)
{
	return (op >= 0x20 && op <= 0x25) || (op >= 0x30 && op <= 0x35);
}

/* The lanes of avx_sse4, under the guest MXCSR. */
static void sse4_lanes(const struct x86_insn *in, unsigned op, unsigned sz,
		       union ymm *d, const union ymm *b)
{
	unsigned imm = in->imm & 0xff;

	for (unsigned l = 0; l < (in->vl ? 2u : 1u); l++) {
		unsigned li = imm;

		if (sse4_widens(op)) {
			union xmm s = { 0 };

			/* Lane l converts source bytes [l * sz, (l + 1) * sz). */
			memcpy(s.b, b->b + l * sz, sz);
			x86_sse4_lane(op, imm, false, &d->x[l], &s, &s);
			continue;
		}
		/* Per-lane immediates of the 256-bit blends and MPSADBW. */
		if (op == 0x10c)
			li = imm >> (4 * l);
		else if (op == 0x10d)
			li = imm >> (2 * l);
		else if (op == 0x142)
			li = imm >> (3 * l);
		x86_sse4_lane(op, li, in->mem, &d->x[l], &b->x[l], &b->x[l]);
	}
}

/*
 * The VEX forms of the SSE4.1 lane operations (x86_sse4.def's arg): the
 * first source is VEX.vvvv; ROUNDSS/SD and INSERTPS are scalar (the rest
 * of the first source kept, VEX.L ignored or 0).
 */
HANDLER(avx_sse4)
{
	unsigned op = in->arg, sz = x86_sse4_msize(op), nsr, rd;
	bool scalar = op == 0x10a || op == 0x10b || op == 0x121;
	struct x86_insn one = *in;
	union ymm a, b;

	TRY(x86_avx_check(c));
	if (scalar)
		one.vl = 0;
	rd = sse4_widens(op) ? sz << in->vl : scalar ? sz : vbytes(in);
	TRY(x86_vsrc_read(c, in, &b, rd, false));
	x86_ymm_get(c, in->vvvv, &a);
	if (sse4_widens(op))
		memset(&a, 0, sizeof(a));
	WITH_GUEST_MXCSR(c, nsr, sse4_lanes(&one, op, sz, &a, &b));
	TRY(x86_sse_mxcsr_update(c, nsr));
	x86_ymm_put(c, &one, in->reg, &a);
	return 0;
}

/*
 * VPGATHERDD/DQ/QD/QQ and VGATHERDPS/DPD/QPS/QPD (arg bit 0: quadword
 * indices; VEX.W: quadword elements).  The memory operand is VSIB: base
 * + displacement + each index element of the vector register SIB.index,
 * sign-extended and scaled.  Elements whose mask (VEX.vvvv) sign bit is
 * set are loaded in order, each clearing its mask element; a fault stops
 * with the elements done so far written back, so the instruction
 * restarts where it stopped.  At the end the mask register is zero and
 * the destination beyond the gathered elements zeroed.
 */
HANDLER(avx_gather)
{
	unsigned ds = in->vexw ? 8 : 4, is = (in->arg & 1) ? 8 : 4;
	unsigned n = vbytes(in) / (ds > is ? ds : is), vi = in->sibidx;
	struct x86_insn noidx = *in;
	union ymm d, m, idx;
	uint64_t base;
	int r = 0;

	TRY(x86_avx_check(c));
	/* VSIB needs a SIB byte; dest, index and mask must all differ. */
	if (!in->mem || vi == X86_NOREG || in->reg == in->vvvv ||
	    in->reg == vi || in->vvvv == vi)
		return x86_ud(c);
	noidx.index = X86_NOREG;
	base = x86_ea(c, &noidx);
	x86_ymm_get(c, in->reg, &d);
	x86_ymm_get(c, in->vvvv, &m);
	x86_ymm_get(c, vi, &idx);
	for (unsigned i = 0; i < n; i++) {
		int64_t off;
		uint64_t ea;

		if (!(m.b[i * ds + ds - 1] & 0x80))
			continue;
		off = is == 8 ? (int64_t)idx.q[i] : (int64_t)(int32_t)idx.d[i];
		ea = (base + ((uint64_t)off << in->scale)) & size_mask(in->asz);
		r = x86_read_buf(c, in->seg, ea, d.b + i * ds, ds);
		if (r)
			break;
		memset(m.b + i * ds, 0, ds);
	}
	if (!r) {
		memset(&m, 0, sizeof(m));
		memset(d.b + n * ds, 0, sizeof(d) - n * ds);
	}
	/* A 128-bit result (QD forms of VEX.256) zeroes the upper lane. */
	{
		struct x86_insn one = *in;

		if (n * ds <= 16)
			one.vl = 0;
		x86_ymm_put(c, &one, in->reg, &d);
		one.vl = in->vl;
		x86_ymm_put(c, &one, in->vvvv, &m);
	}
	return r;
}
