// SPDX-License-Identifier: GPL-2.0
/* muldiv.c - MUL, IMUL (all forms), DIV, IDIV. */
#include "cpu/internal.h"

typedef unsigned __int128 u128;
typedef __int128 s128;

/* MUL/IMUL flags: CF=OF=overflow; SF/ZF/PF from the low half (Intel). */
static void mul_flags(struct x86_core *c, unsigned size, uint64_t lo,
		      bool ovf)
{
	uint32_t f = ovf ? (X86_CF | X86_OF) : 0;

	lo &= size_mask(size);
	if (!lo)
		f |= X86_ZF;
	if (lo >> (size * 8 - 1))
		f |= X86_SF;
	f |= parity8(lo);
	cc_set_eflags(c, f);
}

HANDLER(mul)
{
	unsigned sz = in->osz;
	uint64_t b, a = reg_read(c, 0, sz, true);

	TRY(rm_read(c, in, &b));
	if (sz == 8) {
		u128 r = (u128)a * b;

		GPR(c, X86_RAX) = (uint64_t)r;
		GPR(c, X86_RDX) = (uint64_t)(r >> 64);
		mul_flags(c, 8, (uint64_t)r, (r >> 64) != 0);
		return 0;
	}
	{
		uint64_t r = a * b, hi = r >> (sz * 8);

		if (sz == 1) {
			reg_write(c, 0, 2, true, r);
		} else {
			reg_write(c, 0, sz, true, r);
			reg_write(c, X86_RDX, sz, true, hi);
		}
		mul_flags(c, sz, r, (hi & size_mask(sz)) != 0);
	}
	return 0;
}

static uint64_t imul_n(struct x86_core *c, unsigned sz, uint64_t a,
		       uint64_t b, uint64_t *hi)
{
	if (sz == 8) {
		s128 r = (s128)(int64_t)a * (int64_t)b;

		*hi = (uint64_t)((u128)r >> 64);
		mul_flags(c, 8, (uint64_t)r, r != (int64_t)r);
		return (uint64_t)r;
	}
	{
		int64_t r = sext(a, sz) * sext(b, sz);

		*hi = (uint64_t)r >> (sz * 8);
		mul_flags(c, sz, r, r != sext(r, sz));
		return r;
	}
}

HANDLER(imul1)
{
	unsigned sz = in->osz;
	uint64_t b, hi, r;

	TRY(rm_read(c, in, &b));
	r = imul_n(c, sz, reg_read(c, 0, sz, true), b, &hi);
	if (sz == 1) {
		reg_write(c, 0, 2, true, r);
	} else {
		reg_write(c, 0, sz, true, r);
		reg_write(c, X86_RDX, sz, true, hi);
	}
	return 0;
}

HANDLER(imul_r_rm)
{
	uint64_t b, hi, r;

	TRY(rm_read(c, in, &b));
	r = imul_n(c, in->osz, reg_read(c, in->reg, in->osz, true), b, &hi);
	reg_write(c, in->reg, in->osz, true, r);
	return 0;
}

HANDLER(imul_r_rm_imm)
{
	uint64_t b, hi, r;

	TRY(rm_read(c, in, &b));
	r = imul_n(c, in->osz, b, in->imm, &hi);
	reg_write(c, in->reg, in->osz, true, r);
	return 0;
}

HANDLER(div)
{
	unsigned sz = in->osz;
	uint64_t d;

	TRY(rm_read(c, in, &d));
	if (!d)
		return x86_exc(c, X86_EXC_DE);
	if (sz == 8) {
		u128 n = ((u128)GPR(c, X86_RDX) << 64) | GPR(c, X86_RAX);
		u128 q = n / d;

		if (q >> 64)
			return x86_exc(c, X86_EXC_DE);
		GPR(c, X86_RAX) = (uint64_t)q;
		GPR(c, X86_RDX) = (uint64_t)(n % d);
		return 0;
	}
	{
		uint64_t n, q;

		if (sz == 1)
			n = GPR(c, X86_RAX) & 0xffff;
		else
			n = (reg_read(c, X86_RDX, sz, true) << (sz * 8)) |
			    reg_read(c, 0, sz, true);
		q = n / d;
		if (q > size_mask(sz))
			return x86_exc(c, X86_EXC_DE);
		if (sz == 1) {
			reg_write(c, 0, 2, true, ((n % d) << 8) | q);
		} else {
			reg_write(c, 0, sz, true, q);
			reg_write(c, X86_RDX, sz, true, n % d);
		}
	}
	return 0;
}

HANDLER(idiv)
{
	unsigned sz = in->osz;
	uint64_t dv;
	int64_t d;

	TRY(rm_read(c, in, &dv));
	d = sext(dv, sz);
	if (!d)
		return x86_exc(c, X86_EXC_DE);
	if (sz == 8) {
		s128 n = (s128)(((u128)GPR(c, X86_RDX) << 64) |
				GPR(c, X86_RAX));
		s128 q, r;

		if (n == -((s128)1 << 126) * 2 && d == -1)
			return x86_exc(c, X86_EXC_DE);
		q = n / d;
		r = n % d;
		if (q != (int64_t)q)
			return x86_exc(c, X86_EXC_DE);
		GPR(c, X86_RAX) = (uint64_t)q;
		GPR(c, X86_RDX) = (uint64_t)r;
		return 0;
	}
	{
		int64_t n, q, r;

		if (sz == 1)
			n = (int16_t)GPR(c, X86_RAX);
		else
			n = sext((reg_read(c, X86_RDX, sz, true) << (sz * 8)) |
				 reg_read(c, 0, sz, true), sz * 2);
		/* INT64_MIN / -1 would trap in the host itself. */
		if (n == INT64_MIN && d == -1)
			return x86_exc(c, X86_EXC_DE);
		q = n / d;
		r = n % d;
		if (q != sext(q, sz))
			return x86_exc(c, X86_EXC_DE);
		if (sz == 1) {
			reg_write(c, 0, 2, true, ((r & 0xff) << 8) | (q & 0xff));
		} else {
			reg_write(c, 0, sz, true, q);
			reg_write(c, X86_RDX, sz, true, r);
		}
	}
	return 0;
}
