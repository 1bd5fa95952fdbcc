// SPDX-License-Identifier: GPL-2.0
/*
 * mmx.c - MMX: MM0-7 alias the x87 registers (mantissa of physical
 * register i).  Every MMX instruction except EMMS sets TOP=0 and tags all
 * registers valid; writes set the exponent field to all ones.  The
 * packed-integer arithmetic is shared with SSE2 (x86_pint on 8 bytes).
 */
#include "cpu/internal.h"
#include "cpu/simd.h"

#define FSW_TOP(fsw)	(((fsw) >> 11) & 7)

/* #UD / #NM / #MF checks, before any operand access. */
static int mmx_check(struct x86_core *c)
{
	if (S(c)->cr0 & X86_CR0_EM)
		return x86_ud(c);
	if (S(c)->cr0 & X86_CR0_TS)
		return x86_exc(c, X86_EXC_NM);
	if (S(c)->fx.fsw & 0x80)
		return x86_exc(c, X86_EXC_MF);
	return 0;
}

/*
 * Make MMi == ST(i) (TOP=0), tags all valid.  Called once the
 * instruction can no longer fault, so a faulting MMX instruction leaves
 * the x87 state alone.
 */
static void mmx_commit(struct x86_core *c, uint8_t ftw)
{
	struct x86_fxsave *fx = &S(c)->fx;
	unsigned top = FSW_TOP(fx->fsw);

	if (top) {
		/* The image holds ST(k) = R((TOP + k) & 7): rotate to R(i). */
		uint8_t st[8][16];

		for (unsigned i = 0; i < 8; i++)
			memcpy(st[i], fx->st[(i - top) & 7], 16);
		memcpy(fx->st, st, sizeof(st));
		fx->fsw &= ~(7u << 11);
	}
	fx->ftw = ftw;
}

/* Register reads need the TOP=0 view. */
static inline uint64_t mm_get(struct x86_core *c, unsigned r)
{
	struct x86_fxsave *fx = &S(c)->fx;
	uint64_t v;

	memcpy(&v, fx->st[((r & 7) - FSW_TOP(fx->fsw)) & 7], 8);
	return v;
}

/* Register writes: after mmx_commit(), so ST(i) == MMi. */
static inline void mm_set(struct x86_core *c, unsigned r, uint64_t v)
{
	uint8_t *p = S(c)->fx.st[r & 7];

	memcpy(p, &v, 8);
	p[8] = p[9] = 0xff;
}

static int mm_src(struct x86_core *c, const struct x86_insn *in, uint64_t *v)
{
	if (in->mem)
		return x86_read(c, in->seg, x86_ea(c, in), 8, v);
	*v = mm_get(c, in->rm);
	return 0;
}

HANDLER(mmx_int)
{
	union xmm a = { 0 }, b = { 0 }, d;

	TRY(mmx_check(c));
	TRY(mm_src(c, in, &b.q[0]));
	a.q[0] = mm_get(c, in->reg);
	if (!x86_pint(in->arg, 8, &d, &a, &b))
		return x86_ud(c);
	mmx_commit(c, 0xff);
	mm_set(c, in->reg, d.q[0]);
	return 0;
}

HANDLER(mmx_movd)
{
	unsigned sz = in->osz == 8 ? 8 : 4;
	uint64_t v = 0;

	TRY(mmx_check(c));
	if (in->arg & SSE_LD) {
		if (in->mem)
			TRY(x86_read(c, in->seg, x86_ea(c, in), sz, &v));
		else
			v = GPR(c, in->rm) & size_mask(sz);
		mmx_commit(c, 0xff);
		mm_set(c, in->reg, v);
		return 0;
	}
	v = mm_get(c, in->reg) & size_mask(sz);
	if (in->mem)
		TRY(x86_write(c, in->seg, x86_ea(c, in), sz, v));
	else
		GPR(c, in->rm) = v;
	mmx_commit(c, 0xff);
	return 0;
}

HANDLER(mmx_movq)
{
	uint64_t v;

	TRY(mmx_check(c));
	if (in->arg & SSE_LD) {
		TRY(mm_src(c, in, &v));
		mmx_commit(c, 0xff);
		mm_set(c, in->reg, v);
		return 0;
	}
	v = mm_get(c, in->reg);
	if (in->mem)
		TRY(x86_write(c, in->seg, x86_ea(c, in), 8, v));
	mmx_commit(c, 0xff);
	if (!in->mem)
		mm_set(c, in->rm, v);
	return 0;
}

HANDLER(emms)
{
	if (S(c)->cr0 & X86_CR0_EM)
		return x86_ud(c);
	if (S(c)->cr0 & X86_CR0_TS)
		return x86_exc(c, X86_EXC_NM);
	if (S(c)->fx.fsw & 0x80)
		return x86_exc(c, X86_EXC_MF);
	/* Hardware also leaves TOP=0 (observed), like other MMX insns. */
	mmx_commit(c, 0);
	return 0;
}

HANDLER(mmx_pshufw)
{
	union xmm s = { 0 }, d = { 0 };

	TRY(mmx_check(c));
	TRY(mm_src(c, in, &s.q[0]));
	for (int i = 0; i < 4; i++)
		d.w[i] = s.w[(in->imm >> (2 * i)) & 3];
	mmx_commit(c, 0xff);
	mm_set(c, in->reg, d.q[0]);
	return 0;
}

HANDLER(mmx_pshift_imm)
{
	union xmm x = { 0 };
	unsigned r = in->reg & 7, w = in->arg;

	/* 0F 73 has no /3 /7 (byte shifts) in MMX; no PSRAQ. */
	if (!(r == 2 || r == 6 || (r == 4 && w != 8)))
		return x86_ud(c);
	TRY(mmx_check(c));
	x.q[0] = mm_get(c, in->rm);
	x86_pshift(&x, w, r == 2 ? 0 : r == 4 ? 1 : 2, in->imm & 0xff, 8);
	mmx_commit(c, 0xff);
	mm_set(c, in->rm, x.q[0]);
	return 0;
}

HANDLER(mmx_pmovmskb)
{
	uint64_t v, m = 0;

	TRY(mmx_check(c));
	v = mm_get(c, in->rm);
	for (int i = 0; i < 8; i++)
		m |= ((v >> (8 * i + 7)) & 1) << i;
	mmx_commit(c, 0xff);
	GPR(c, in->reg) = m;
	return 0;
}

HANDLER(mmx_pinsrw)
{
	uint64_t v, mm;
	unsigned sh = 16 * (in->imm & 3);

	TRY(mmx_check(c));
	if (in->mem)
		TRY(x86_read(c, in->seg, x86_ea(c, in), 2, &v));
	else
		v = GPR(c, in->rm);
	mm = mm_get(c, in->reg);
	mm = (mm & ~(0xffffull << sh)) | ((v & 0xffff) << sh);
	mmx_commit(c, 0xff);
	mm_set(c, in->reg, mm);
	return 0;
}

HANDLER(mmx_pextrw)
{
	uint64_t v;

	TRY(mmx_check(c));
	v = (mm_get(c, in->rm) >> (16 * (in->imm & 3))) & 0xffff;
	mmx_commit(c, 0xff);
	GPR(c, in->reg) = v;
	return 0;
}

HANDLER(mmx_palignr)
{
	union xmm a = { 0 }, b = { 0 }, d;

	TRY(mmx_check(c));
	TRY(mm_src(c, in, &b.q[0]));
	a.q[0] = mm_get(c, in->reg);
	x86_palignr(&d, &a, &b, in->imm & 0xff, 8);
	mmx_commit(c, 0xff);
	mm_set(c, in->reg, d.q[0]);
	return 0;
}
