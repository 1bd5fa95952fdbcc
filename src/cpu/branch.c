// SPDX-License-Identifier: GPL-2.0
/*
 * branch.c - near/far jumps, calls and returns, LOOP/JCXZ, INT n, INT3,
 * INTO, INT1 and IRET.
 */
#include "cpu/internal.h"

static inline int jump_to(struct x86_core *c, const struct x86_insn *in,
			  uint64_t target)
{
	if (!c->mode64) {
		target &= in->osz == 2 ? 0xffff : 0xffffffff;
		if (target > S(c)->seg[X86_CS].limit)
			return x86_gp0(c);
	} else if ((uint64_t)((int64_t)(target << 16) >> 16) != target) {
		return x86_gp0(c);
	}
	S(c)->rip = target;
	return X86_R_JUMP;
}

static inline uint64_t next_ip(struct x86_core *c, const struct x86_insn *in)
{
	return S(c)->rip + in->len;
}

HANDLER(jcc)
{
	if (!x86_cond(c, in->arg))
		return 0;
	return jump_to(c, in, next_ip(c, in) + in->imm);
}

/* Per condition, so x86_cond() folds to the one test (x86_specialize). */
#define JCC_FAST(cc)							\
static int h_jcc_##cc(struct x86_core *c, const struct x86_insn *in)	\
{									\
	if (!x86_cond(c, cc))						\
		return 0;						\
	return jump_to(c, in, next_ip(c, in) + in->imm);		\
}
JCC_FAST(0) JCC_FAST(1) JCC_FAST(2) JCC_FAST(3)
JCC_FAST(4) JCC_FAST(5) JCC_FAST(6) JCC_FAST(7)
JCC_FAST(8) JCC_FAST(9) JCC_FAST(10) JCC_FAST(11)
JCC_FAST(12) JCC_FAST(13) JCC_FAST(14) JCC_FAST(15)

const x86_handler_t x86_jcc_fast[16] = {
	h_jcc_0, h_jcc_1, h_jcc_2, h_jcc_3, h_jcc_4, h_jcc_5, h_jcc_6,
	h_jcc_7, h_jcc_8, h_jcc_9, h_jcc_10, h_jcc_11, h_jcc_12, h_jcc_13,
	h_jcc_14, h_jcc_15,
};

HANDLER(jmp_rel)
{
	return jump_to(c, in, next_ip(c, in) + in->imm);
}

HANDLER(call_rel)
{
	uint64_t sp = GPR(c, X86_RSP);
	int r;

	TRY(x86_push(c, in->osz, next_ip(c, in)));
	r = jump_to(c, in, next_ip(c, in) + in->imm);
	if (r < 0)
		GPR(c, X86_RSP) = sp;
	return r;
}

HANDLER(call_rm)
{
	uint64_t t, sp = GPR(c, X86_RSP);
	int r;

	TRY(rm_read(c, in, &t));
	TRY(x86_push(c, in->osz, next_ip(c, in)));
	r = jump_to(c, in, t);
	if (r < 0)
		GPR(c, X86_RSP) = sp;
	return r;
}

HANDLER(jmp_rm)
{
	uint64_t t;

	TRY(rm_read(c, in, &t));
	return jump_to(c, in, t);
}

static int far_mem(struct x86_core *c, const struct x86_insn *in, bool call)
{
	uint64_t off, sel, ea = x86_ea(c, in);
	unsigned osz = in->osz;

	TRY(x86_read(c, in->seg, ea, osz, &off));
	TRY(x86_read(c, in->seg, (ea + osz) & size_mask(in->asz), 2, &sel));
	return x86_far_jump(c, sel, off, next_ip(c, in), osz, call);
}

HANDLER(callf_m)
{
	return far_mem(c, in, true);
}

HANDLER(jmpf_m)
{
	return far_mem(c, in, false);
}

HANDLER(jmpf_ptr)
{
	return x86_far_jump(c, in->imm2, in->imm & size_mask(in->osz),
			    next_ip(c, in), in->osz, false);
}

HANDLER(callf_ptr)
{
	return x86_far_jump(c, in->imm2, in->imm & size_mask(in->osz),
			    next_ip(c, in), in->osz, true);
}

HANDLER(ret)
{
	uint64_t t, sp = GPR(c, X86_RSP), mask = x86_sp_mask(c);
	int r;

	TRY(x86_pop(c, in->osz, &t));
	GPR(c, X86_RSP) = (GPR(c, X86_RSP) & ~mask) |
			  ((GPR(c, X86_RSP) + (in->imm & 0xffff)) & mask);
	r = jump_to(c, in, t);
	if (r < 0)
		GPR(c, X86_RSP) = sp;
	return r;
}

HANDLER(retf)
{
	return x86_far_ret(c, in->osz, in->imm & 0xffff);
}

HANDLER(loop)
{
	uint64_t cx = GPR(c, X86_RCX) & size_mask(in->asz);
	bool take;

	if (in->arg == 3) {
		take = cx == 0;
	} else {
		cx = (cx - 1) & size_mask(in->asz);
		take = cx != 0;
		if (in->arg == 0)
			take = take && !(x86_arith_flags(c) & X86_ZF);
		else if (in->arg == 1)
			take = take && (x86_arith_flags(c) & X86_ZF);
	}
	if (take) {
		int r = jump_to(c, in, next_ip(c, in) + in->imm);

		if (r < 0)
			return r;
	}
	if (in->arg != 3)
		reg_write(c, X86_RCX, in->asz, true, cx);
	return take ? X86_R_JUMP : 0;
}

HANDLER(int3)
{
	/* The VMM's software breakpoint: stop at the INT3 itself. */
	if (unlikely(c->dbg.flags & X86_DBG_SW_BP))
		return x86_dbg_int3(c);
	return x86_exc_soft(c, X86_EXC_BP, EV_SOFT, in);
}

HANDLER(int_n)
{
	return x86_exc_soft(c, in->imm & 0xff, EV_SOFT, in);
}

HANDLER(into)
{
	if (!(x86_arith_flags(c) & X86_OF))
		return 0;
	return x86_exc_soft(c, X86_EXC_OF, EV_SOFT, in);
}

HANDLER(int1)
{
	return x86_exc_soft(c, X86_EXC_DB, EV_INT1, in);
}

HANDLER(iret)
{
	return x86_iret(c, in->osz);
}
