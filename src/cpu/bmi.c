// SPDX-License-Identifier: GPL-2.0
/*
 * bmi.c - BMI1 (ANDN, BEXTR, BLSI, BLSMSK, BLSR, TZCNT), BMI2 (BZHI,
 * MULX, PDEP, PEXT, RORX, SARX, SHLX, SHRX) and ADX (ADCX, ADOX).
 *
 * The BMI instructions are VEX-encoded but work on general registers:
 * ModRM.reg is the destination, VEX.vvvv a second source (or the
 * destination of BLS* and the low half of MULX), the operand size 32 or,
 * with VEX.W in 64-bit mode, 64 bits.  They need no AVX state, so only
 * the VEX mode rule applies (#UD in real and virtual-8086 mode).
 */
#include "cpu/internal.h"

static unsigned bits(const struct x86_insn *in)
{
	return in->osz * 8;
}

/* SF and ZF of a result; CF and OF as given; AF and PF are undefined. */
static void bmi_flags(struct x86_core *c, const struct x86_insn *in,
		      uint64_t r, bool cf)
{
	uint32_t f = cf ? X86_CF : 0;

	if (!(r & size_mask(in->osz)))
		f |= X86_ZF;
	if ((r >> (bits(in) - 1)) & 1)
		f |= X86_SF;
	cc_set_eflags(c, f);
}

HANDLER(andn)
{
	uint64_t b, r;

	TRY(x86_vex_mode_check(c));
	TRY(rm_read(c, in, &b));
	r = ~GPR(c, in->vvvv) & b & size_mask(in->osz);
	gpr_set(c, in->reg, in->osz, r);
	bmi_flags(c, in, r, false);
	return 0;
}

/* BLSR (/1), BLSMSK (/2), BLSI (/3): the destination is VEX.vvvv. */
HANDLER(bls)
{
	uint64_t s, r;
	bool cf;

	TRY(x86_vex_mode_check(c));
	TRY(rm_read(c, in, &s));
	switch (in->reg & 7) {
	case 1:
		r = (s - 1) & s;
		cf = !s;
		break;
	case 2:
		r = (s - 1) ^ s;
		cf = !s;
		break;
	default:
		r = -s & s;
		cf = s != 0;
		break;
	}
	r &= size_mask(in->osz);
	gpr_set(c, in->vvvv, in->osz, r);
	/* BLSMSK's result is never zero: ZF comes out cleared, as defined. */
	bmi_flags(c, in, r, cf);
	return 0;
}

/* BEXTR: start in bits 7:0 and length in bits 15:8 of VEX.vvvv. */
HANDLER(bextr)
{
	uint64_t s, ctl = GPR(c, in->vvvv), r;
	unsigned start = ctl & 0xff, len = (ctl >> 8) & 0xff, n = bits(in);

	TRY(x86_vex_mode_check(c));
	TRY(rm_read(c, in, &s));
	r = start >= n ? 0 : s >> start;
	if (len < 64)
		r &= (1ull << len) - 1;
	r &= size_mask(in->osz);
	gpr_set(c, in->reg, in->osz, r);
	cc_set_eflags(c, r ? 0 : X86_ZF);
	return 0;
}

/* BZHI: clear the bits from index VEX.vvvv[7:0] up; CF if out of range. */
HANDLER(bzhi)
{
	unsigned idx = GPR(c, in->vvvv) & 0xff, n = bits(in);
	uint64_t s, r;

	TRY(x86_vex_mode_check(c));
	TRY(rm_read(c, in, &s));
	r = s & size_mask(in->osz);
	if (idx < n)
		r &= (1ull << idx) - 1;
	gpr_set(c, in->reg, in->osz, r);
	bmi_flags(c, in, r, idx > n - 1);
	return 0;
}

/* MULX: RDX/EDX times r/m, high half to reg, low half to vvvv; no flags. */
HANDLER(mulx)
{
	uint64_t s, lo, hi;

	TRY(x86_vex_mode_check(c));
	TRY(rm_read(c, in, &s));
	if (in->osz == 8) {
		unsigned __int128 p = (unsigned __int128)GPR(c, X86_RDX) * s;

		lo = (uint64_t)p;
		hi = (uint64_t)(p >> 64);
	} else {
		uint64_t p = (uint64_t)(uint32_t)GPR(c, X86_RDX) * (uint32_t)s;

		lo = (uint32_t)p;
		hi = p >> 32;
	}
	/* With reg == vvvv the high half is what remains. */
	gpr_set(c, in->vvvv, in->osz, lo);
	gpr_set(c, in->reg, in->osz, hi);
	return 0;
}

/* PDEP (arg 0) and PEXT (arg 1): source VEX.vvvv, mask r/m; no flags. */
HANDLER(pdep_pext)
{
	uint64_t src = GPR(c, in->vvvv) & size_mask(in->osz), mask, r = 0;
	unsigned k = 0;

	TRY(x86_vex_mode_check(c));
	TRY(rm_read(c, in, &mask));
	for (unsigned i = 0; i < bits(in); i++) {
		if (!((mask >> i) & 1))
			continue;
		if (in->arg)
			r |= ((src >> i) & 1) << k;
		else
			r |= ((src >> k) & 1) << i;
		k++;
	}
	gpr_set(c, in->reg, in->osz, r);
	return 0;
}

HANDLER(rorx)
{
	unsigned n = bits(in), k = in->imm & (n - 1);
	uint64_t s, r;

	TRY(x86_vex_mode_check(c));
	TRY(rm_read(c, in, &s));
	s &= size_mask(in->osz);
	r = k ? (s >> k) | (s << (n - k)) : s;
	gpr_set(c, in->reg, in->osz, r);
	return 0;
}

/* SARX (arg 1), SHLX (arg 2), SHRX (arg 0): count VEX.vvvv; no flags. */
HANDLER(shiftx)
{
	unsigned n = bits(in), k = GPR(c, in->vvvv) & (n - 1);
	uint64_t s, r;

	TRY(x86_vex_mode_check(c));
	TRY(rm_read(c, in, &s));
	s &= size_mask(in->osz);
	if (in->arg == 1)
		r = (uint64_t)(sext(s, in->osz) >> k);
	else if (in->arg == 2)
		r = s << k;
	else
		r = s >> k;
	gpr_set(c, in->reg, in->osz, r);
	return 0;
}

HANDLER(tzcnt)
{
	uint64_t v, n;

	TRY(rm_read(c, in, &v));
	n = v ? (uint64_t)__builtin_ctzll(v) : in->osz * 8u;
	reg_write(c, in->reg, in->osz, true, n);
	cc_set_eflags(c, (v ? 0 : X86_CF) | (n ? 0 : X86_ZF));
	return 0;
}

/*
 * ADCX (arg 0: carry in and out through CF), ADOX (arg 1: through OF).
 * Their 66/F3 prefix is mandatory, not an operand-size override.
 */
HANDLER(adx)
{
	uint32_t f = x86_arith_flags(c), bit = in->arg ? X86_OF : X86_CF;
	unsigned sz = in->osz == 8 ? 8 : 4;
	uint64_t a = gpr_get(c, in->reg, sz), b, r;
	bool carry;

	if (in->mem)
		TRY(x86_read(c, in->seg, x86_ea(c, in), sz, &b));
	else
		b = gpr_get(c, in->rm, sz);
	if (sz == 8) {
		unsigned __int128 s = (unsigned __int128)a + b + !!(f & bit);

		r = (uint64_t)s;
		carry = s >> 64;
	} else {
		uint64_t s = a + b + !!(f & bit);

		r = (uint32_t)s;
		carry = s >> 32;
	}
	gpr_set(c, in->reg, sz, r);
	cc_set_eflags(c, (f & ~bit) | (carry ? bit : 0));
	return 0;
}
