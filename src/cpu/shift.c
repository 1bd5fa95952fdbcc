// SPDX-License-Identifier: GPL-2.0
/*
 * shift.c - ROL ROR RCL RCR SHL SHR SAL SAR, SHLD, SHRD.  Flags are
 * computed eagerly (shifts are rarer than ALU ops); OF follows what Intel
 * hardware produces for counts > 1 where the SDM leaves it undefined.
 */
#include "cpu/internal.h"

static unsigned shift_count(struct x86_core *c, const struct x86_insn *in)
{
	unsigned n;
	uint32_t df = x86_opinfo[in->op].dflags;

	if (df & SH_1)
		n = 1;
	else if (df & SH_CL)
		n = GPR(c, X86_RCX) & 0xff;
	else
		n = in->imm & 0xff;
	return n & (in->osz == 8 ? 63 : 31);
}

static inline uint32_t szp(uint64_t r, unsigned size)
{
	uint32_t f = parity8(r);

	r &= size_mask(size);
	if (!r)
		f |= X86_ZF;
	if (r >> (size * 8 - 1))
		f |= X86_SF;
	return f;
}

/*
 * Always inlined so that the register-form handlers below get the
 * operation and size as constants (@reg: register operand known at
 * decode time, so no r/m or byte-register case is left).
 */
static __attribute__((always_inline)) inline int
shift_do(struct x86_core *c, const struct x86_insn *in, unsigned op,
	 unsigned sz, bool reg)
{
	unsigned bits = sz * 8, n = shift_count(c, in);
	uint64_t m = size_mask(sz), a, r = 0;
	uint32_t f = 0, cf = 0, of = 0;

	if (reg)
		a = gpr_get(c, in->rm, sz);
	else
		TRY(rm_read(c, in, &a));
	if (!n) {
		/* Flags unchanged; a 32-bit register is still zero-extended. */
		if (!in->mem && sz == 4)
			reg_write(c, in->rm, 4, true, a);
		return 0;
	}
	/* Rotates keep SF/ZF/AF/PF (and RCL/RCR read CF); shifts do not. */
	if (op < 4) {
		f = x86_arith_flags(c);
		cf = f & X86_CF;
	}
	a &= m;
	switch (op) {
	case 0: {	/* ROL */
		unsigned k = n % bits;

		r = k ? ((a << k) | (a >> (bits - k))) & m : a;
		cf = r & 1;
		of = ((r >> (bits - 1)) ^ r) & 1 ? X86_OF : 0;
		f = (f & ~(X86_CF | X86_OF)) | cf | of;
		break;
	}
	case 1: {	/* ROR */
		unsigned k = n % bits;

		r = k ? ((a >> k) | (a << (bits - k))) & m : a;
		cf = (r >> (bits - 1)) & 1;
		of = ((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1 ? X86_OF : 0;
		f = (f & ~(X86_CF | X86_OF)) | cf | of;
		break;
	}
	case 2: {	/* RCL */
		unsigned k = n % (bits + 1);
		uint64_t c0 = cf;

		r = a;
		for (unsigned i = 0; i < k; i++) {
			uint64_t out = (r >> (bits - 1)) & 1;

			r = ((r << 1) | c0) & m;
			c0 = out;
		}
		of = ((r >> (bits - 1)) ^ c0) & 1 ? X86_OF : 0;
		f = (f & ~(X86_CF | X86_OF)) | (uint32_t)c0 | of;
		break;
	}
	case 3: {	/* RCR */
		unsigned k = n % (bits + 1);
		uint64_t c0 = cf;

		r = a;
		for (unsigned i = 0; i < k; i++) {
			uint64_t out = r & 1;

			r = (r >> 1) | (c0 << (bits - 1));
			c0 = out;
		}
		of = ((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1 ? X86_OF : 0;
		f = (f & ~(X86_CF | X86_OF)) | (uint32_t)c0 | of;
		break;
	}
	case 4:
	case 6:		/* SHL/SAL */
		r = n < 64 ? (a << n) & m : 0;
		cf = n <= bits ? (a >> (bits - n)) & 1 : 0;
		of = (((r >> (bits - 1)) & 1) ^ cf) ? X86_OF : 0;
		f = szp(r, sz) | cf | of;	/* AF undefined: 0 */
		break;
	case 5:		/* SHR */
		r = a >> n;
		cf = (a >> (n - 1)) & 1;
		of = (a >> (bits - 1)) & 1 ? X86_OF : 0;
		f = szp(r, sz) | cf | (n == 1 ? of : 0);
		break;
	default: {	/* SAR */
		int64_t s = sext(a, sz);

		r = (uint64_t)(s >> n) & m;
		cf = (s >> (n - 1)) & 1;
		f = szp(r, sz) | cf;
		break;
	}
	}
	if (reg)
		gpr_set(c, in->rm, sz, r);
	else
		TRY(rm_write(c, in, r));
	cc_set_eflags(c, f);
	return 0;
}

HANDLER(shift)
{
	return shift_do(c, in, in->arg, in->osz, false);
}

#define SHIFT_FAST(op)							static int h_shift_##op##_r32(struct x86_core *c,						      const struct x86_insn *in)		{										return shift_do(c, in, op, 4, true);				}									static int h_shift_##op##_r64(struct x86_core *c,						      const struct x86_insn *in)		{										return shift_do(c, in, op, 8, true);				}
SHIFT_FAST(0)
SHIFT_FAST(1)
SHIFT_FAST(2)
SHIFT_FAST(3)
SHIFT_FAST(4)
SHIFT_FAST(5)
SHIFT_FAST(6)
SHIFT_FAST(7)

const x86_handler_t x86_shift_reg_fast[2][8] = {
	{ h_shift_0_r32, h_shift_1_r32, h_shift_2_r32, h_shift_3_r32,
	  h_shift_4_r32, h_shift_5_r32, h_shift_6_r32, h_shift_7_r32 },
	{ h_shift_0_r64, h_shift_1_r64, h_shift_2_r64, h_shift_3_r64,
	  h_shift_4_r64, h_shift_5_r64, h_shift_6_r64, h_shift_7_r64 },
};

static int shxd(struct x86_core *c, const struct x86_insn *in, bool left)
{
	unsigned sz = in->osz, bits = sz * 8, n = shift_count(c, in);
	uint64_t m = size_mask(sz), a, b = reg_read(c, in->reg, sz, true), r;
	uint32_t f, cf;

	TRY(rm_read(c, in, &a));
	if (!n) {
		if (!in->mem && sz == 4)
			reg_write(c, in->rm, 4, true, a);
		return 0;
	}
	if (n > bits) {
		/* Undefined for 16-bit counts > 16: emulate as a 32-bit chain. */
		n &= 15;
		if (!n)
			return 0;
	}
	if (left) {
		r = ((a << n) | (n == bits ? b : (b >> (bits - n)))) & m;
		if (n == bits)
			r = b;
		cf = (a >> (bits - n)) & 1;
	} else {
		r = ((a >> n) | (b << (bits - n))) & m;
		if (n == bits)
			r = b;
		cf = (a >> (n - 1)) & 1;
	}
	f = szp(r, sz) | cf;
	if (((r ^ a) >> (bits - 1)) & 1)
		f |= X86_OF;
	TRY(rm_write(c, in, r));
	cc_set_eflags(c, f);
	return 0;
}

HANDLER(shld)
{
	return shxd(c, in, true);
}

HANDLER(shrd)
{
	return shxd(c, in, false);
}
