// SPDX-License-Identifier: GPL-2.0
/*
 * flags.c - lazy arithmetic flags: the last flag-setting operation is kept
 * as (op, size, result, operands) and flags are computed only when read.
 */
#include "cpu/internal.h"

uint32_t x86_arith_flags(struct x86_core *c)
{
	unsigned bits;
	uint64_t m, r, a, b, sign;
	uint32_t f = 0;

	if (c->cc_op == CC_EFL)
		return c->cc_res & X86_ARITH_FLAGS;
	bits = c->cc_size * 8;
	m = size_mask(c->cc_size);
	r = c->cc_res & m;
	a = c->cc_src1 & m;
	b = c->cc_src2 & m;
	sign = 1ull << (bits - 1);
	switch (c->cc_op) {
	case CC_ADD:
	case CC_ADC:
		if (((a & b) | ((a | b) & ~r)) & sign)
			f |= X86_CF;
		if ((a ^ r) & (b ^ r) & sign)
			f |= X86_OF;
		f |= (a ^ b ^ r) & X86_AF;
		break;
	case CC_SUB:
	case CC_SBB:
		if (((~a & b) | ((~a | b) & r)) & sign)
			f |= X86_CF;
		if ((a ^ b) & (a ^ r) & sign)
			f |= X86_OF;
		f |= (a ^ b ^ r) & X86_AF;
		break;
	case CC_LOGIC:
		break;
	case CC_INC:
		f |= c->cc_cf & X86_CF;
		if (r == sign)
			f |= X86_OF;
		f |= (a ^ 1 ^ r) & X86_AF;
		break;
	case CC_DEC:
		f |= c->cc_cf & X86_CF;
		if (r == sign - 1)
			f |= X86_OF;
		f |= (a ^ 1 ^ r) & X86_AF;
		break;
	}
	if (!r)
		f |= X86_ZF;
	if (r & sign)
		f |= X86_SF;
	f |= parity8(r);
	return f;
}

bool x86_cond_slow(struct x86_core *c, unsigned cc)
{
	uint32_t f;
	bool v;

	f = x86_arith_flags(c);
	switch (cc >> 1) {
	case 0: v = f & X86_OF; break;
	case 1: v = f & X86_CF; break;
	case 2: v = f & X86_ZF; break;
	case 3: v = f & (X86_CF | X86_ZF); break;
	case 4: v = f & X86_SF; break;
	case 5: v = f & X86_PF; break;
	case 6: v = !(f & X86_SF) != !(f & X86_OF); break;
	default:
		v = (f & X86_ZF) || (!(f & X86_SF) != !(f & X86_OF));
		break;
	}
	return (cc & 1) ? !v : v;
}

uint64_t x86_get_flags(struct x86_core *c)
{
	return (S(c)->rflags & ~(uint64_t)X86_ARITH_FLAGS) |
	       x86_arith_flags(c) | X86_FIXED1;
}

void x86_set_flags(struct x86_core *c, uint64_t v, uint64_t mask)
{
	struct x86_state *s = S(c);
	uint64_t nf = (x86_get_flags(c) & ~mask) | (v & mask);

	nf &= 0x3f7fd5;		/* defined bits only */
	nf |= X86_FIXED1;
	s->rflags = nf;
	cc_set_eflags(c, nf);
	c->cc_size = 8;
	if ((mask & X86_VM) && c->pe)
		x86_update_mode(c);
}
