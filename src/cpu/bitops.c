// SPDX-License-Identifier: GPL-2.0
/*
 * bitops.c - BT BTS BTR BTC, BSF BSR, TZCNT LZCNT POPCNT, XADD, CMPXCHG,
 * CMPXCHG8B/16B.
 */
#include "cpu/internal.h"

/* Keep SF/ZF/AF/PF/OF as they were, set CF. */
static void set_cf_only(struct x86_core *c, bool cf)
{
	cc_set_eflags(c, (x86_arith_flags(c) & ~X86_CF) | (cf ? X86_CF : 0));
}

/* LOCK BTS/BTR/BTC: atomic against other vCPUs (x86_rmw_*). */
static int bt_locked(struct x86_core *c, const struct x86_insn *in,
		     uint64_t ea, unsigned bit)
{
	uint64_t v, nv, mask = 1ull << bit;
	struct x86_rmw m;
	int e;

	do {
		TRY(x86_rmw_begin(c, in->seg, ea, in->osz, &m, &v));
		nv = in->arg == 1 ? v | mask : in->arg == 2 ? v & ~mask :
		     v ^ mask;
		e = x86_rmw_commit(c, &m, &nv);
	} while (e == X86_RMW_RETRY);
	if (e)
		return e;
	set_cf_only(c, v & mask);
	return 0;
}

static int bt_common(struct x86_core *c, const struct x86_insn *in,
		     int64_t bit, bool reg_offset)
{
	unsigned bits = in->osz * 8, op = in->arg;
	uint64_t v, nv, off = 0;
	bool cf;

	if (!in->mem) {
		v = reg_read(c, in->rm, in->osz, in->rex);
		bit &= bits - 1;
	} else {
		if (reg_offset) {
			/* Register bit offsets are signed and can reach far. */
			off = (uint64_t)((bit >> (in->osz == 8 ? 6 :
						  in->osz == 4 ? 5 : 4)) *
					 in->osz);
		}
		bit &= bits - 1;
		if (in->lock)
			return bt_locked(c, in, (x86_ea(c, in) + off) &
					 size_mask(in->asz), bit);
		TRY(x86_read(c, in->seg, (x86_ea(c, in) + off) &
			     size_mask(in->asz), in->osz, &v));
	}
	cf = (v >> bit) & 1;
	nv = op == 1 ? v | (1ull << bit) : op == 2 ? v & ~(1ull << bit) :
	     v ^ (1ull << bit);
	if (op) {
		if (!in->mem)
			reg_write(c, in->rm, in->osz, in->rex, nv);
		else
			TRY(x86_write(c, in->seg, (x86_ea(c, in) + off) &
				      size_mask(in->asz), in->osz, nv));
	}
	set_cf_only(c, cf);
	return 0;
}

HANDLER(bt_r)
{
	return bt_common(c, in, sext(reg_read(c, in->reg, in->osz, true),
				     in->osz), true);
}

HANDLER(bt_imm)
{
	return bt_common(c, in, in->imm & 0xff, false);
}

HANDLER(bsf)
{
	uint64_t v;

	TRY(rm_read(c, in, &v));
	if (!v) {
		cc_set_eflags(c, X86_ZF);
		return 0;	/* destination unchanged (as Intel/AMD do) */
	}
	reg_write(c, in->reg, in->osz, true, __builtin_ctzll(v));
	cc_set_eflags(c, 0);
	return 0;
}

HANDLER(bsr)
{
	uint64_t v;

	TRY(rm_read(c, in, &v));
	if (!v) {
		cc_set_eflags(c, X86_ZF);
		return 0;
	}
	reg_write(c, in->reg, in->osz, true, 63 - __builtin_clzll(v));
	cc_set_eflags(c, 0);
	return 0;
}

HANDLER(lzcnt)
{
	uint64_t v, n;

	TRY(rm_read(c, in, &v));
	n = v ? (uint64_t)(__builtin_clzll(v) - (64 - in->osz * 8)) :
		in->osz * 8u;
	reg_write(c, in->reg, in->osz, true, n);
	cc_set_eflags(c, (v ? 0 : X86_CF) | (n ? 0 : X86_ZF));
	return 0;
}

HANDLER(popcnt)
{
	uint64_t v;

	TRY(rm_read(c, in, &v));
	reg_write(c, in->reg, in->osz, true, __builtin_popcountll(v));
	cc_set_eflags(c, v ? 0 : X86_ZF);
	return 0;
}

HANDLER(xadd)
{
	uint64_t a, b = reg_read(c, in->reg, in->osz, in->rex), r;

	if (in->lock) {
		struct x86_rmw m;
		int e;

		do {
			TRY(x86_rmw_begin(c, in->seg, x86_ea(c, in), in->osz,
					  &m, &a));
			r = (a + b) & size_mask(in->osz);
			e = x86_rmw_commit(c, &m, &r);
		} while (e == X86_RMW_RETRY);
		if (e)
			return e;
		reg_write(c, in->reg, in->osz, in->rex, a);
		cc_set(c, CC_ADD, in->osz, a + b, a, b);
		return 0;
	}
	TRY(rm_read(c, in, &a));
	r = a + b;
	if (in->mem) {
		TRY(rm_write(c, in, r));
		reg_write(c, in->reg, in->osz, in->rex, a);
	} else {
		/* XADD r, r with the same register leaves the sum. */
		reg_write(c, in->reg, in->osz, in->rex, a);
		rm_write(c, in, r);
	}
	cc_set(c, CC_ADD, in->osz, r, a, b);
	return 0;
}

HANDLER(cmpxchg)
{
	uint64_t a, acc = reg_read(c, 0, in->osz, true);

	if (in->lock) {
		uint64_t src = reg_read(c, in->reg, in->osz, in->rex), nv;
		struct x86_rmw m;
		int e;

		/* A failed compare writes the old value back: a no-op CAS. */
		do {
			TRY(x86_rmw_begin(c, in->seg, x86_ea(c, in), in->osz,
					  &m, &a));
			nv = a == acc ? src : a;
			e = x86_rmw_commit(c, &m, &nv);
		} while (e == X86_RMW_RETRY);
		if (e)
			return e;
		if (a != acc)
			reg_write(c, 0, in->osz, true, a);
		cc_set(c, CC_SUB, in->osz, acc - a, acc, a);
		return 0;
	}
	TRY(rm_read(c, in, &a));
	if (a == acc) {
		TRY(rm_write(c, in, reg_read(c, in->reg, in->osz, in->rex)));
	} else {
		/* The destination is written back even on failure. */
		if (in->mem)
			TRY(rm_write(c, in, a));
		reg_write(c, 0, in->osz, true, a);
	}
	cc_set(c, CC_SUB, in->osz, acc - a, acc, a);
	return 0;
}

/* LOCK CMPXCHG8B/16B: atomic against other vCPUs (x86_rmw_*). */
static int cmpxchg8b_locked(struct x86_core *c, const struct x86_insn *in,
			    unsigned sz, uint64_t ea)
{
	uint64_t elo = reg_read(c, X86_RAX, sz, true);
	uint64_t ehi = reg_read(c, X86_RDX, sz, true);
	uint64_t nlo = reg_read(c, X86_RBX, sz, true);
	uint64_t nhi = reg_read(c, X86_RCX, sz, true);
	uint32_t f = x86_arith_flags(c) & ~X86_ZF;
	uint64_t old[2], nv[2], lo, hi;
	struct x86_rmw m;
	bool eq;
	int e;

	do {
		TRY(x86_rmw_begin(c, in->seg, ea, 2 * sz, &m, old));
		if (sz == 8) {
			lo = old[0];
			hi = old[1];
		} else {
			lo = (uint32_t)old[0];
			hi = old[0] >> 32;
		}
		eq = lo == elo && hi == ehi;
		if (sz == 8) {
			nv[0] = eq ? nlo : lo;
			nv[1] = eq ? nhi : hi;
		} else {
			nv[0] = eq ? nlo | nhi << 32 : old[0];
		}
		e = x86_rmw_commit(c, &m, nv);
	} while (e == X86_RMW_RETRY);
	if (e)
		return e;
	if (eq) {
		f |= X86_ZF;
	} else {
		reg_write(c, X86_RAX, sz, true, lo);
		reg_write(c, X86_RDX, sz, true, hi);
	}
	cc_set_eflags(c, f);
	return 0;
}

HANDLER(cmpxchg8b)
{
	unsigned sz = in->osz == 8 ? 8 : 4;
	uint64_t ea = x86_ea(c, in), lo, hi;
	uint64_t elo = reg_read(c, X86_RAX, sz, true);
	uint64_t ehi = reg_read(c, X86_RDX, sz, true);
	uint32_t f = x86_arith_flags(c) & ~X86_ZF;

	if (sz == 8) {
		uint64_t la;

		TRY(x86_seg_linear(c, in->seg, ea, 16, ACC_W, &la));
		if (la & 15)
			return x86_gp0(c);
	}
	if (in->lock)
		return cmpxchg8b_locked(c, in, sz, ea);
	TRY(x86_read(c, in->seg, ea, sz, &lo));
	TRY(x86_read(c, in->seg, (ea + sz) & size_mask(in->asz), sz, &hi));
	if (lo == elo && hi == ehi) {
		uint8_t buf[16];
		uint64_t nlo = reg_read(c, X86_RBX, sz, true);
		uint64_t nhi = reg_read(c, X86_RCX, sz, true);

		memcpy(buf, &nlo, sz);
		memcpy(buf + sz, &nhi, sz);
		TRY(x86_write_buf(c, in->seg, ea, buf, 2 * sz));
		f |= X86_ZF;
	} else {
		uint8_t buf[16];

		memcpy(buf, &lo, sz);
		memcpy(buf + sz, &hi, sz);
		TRY(x86_write_buf(c, in->seg, ea, buf, 2 * sz));
		reg_write(c, X86_RAX, sz, true, lo);
		reg_write(c, X86_RDX, sz, true, hi);
	}
	cc_set_eflags(c, f);
	return 0;
}
