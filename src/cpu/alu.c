// SPDX-License-Identifier: GPL-2.0
/*
 * alu.c - ALU group (ADD..CMP), TEST, NOT/NEG, INC/DEC, moves, LEA, XCHG,
 * CBW/CWD, XLAT, BSWAP, MOVBE, CMOVcc, SETcc and flag instructions.
 */
#include "cpu/internal.h"

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/*
 * Returns the result; sets lazy flags.  Always inlined so that the
 * per-operation handlers below get @op as a constant.
 */
static __attribute__((always_inline)) inline uint64_t
alu(struct x86_core *c, unsigned op, unsigned size, uint64_t a, uint64_t b)
{
	uint64_t r, cf;

	switch (op) {
	case ALU_ADD:
		r = a + b;
		cc_set(c, CC_ADD, size, r, a, b);
		return r;
	case ALU_ADC:
		cf = x86_get_cf(c);
		r = a + b + cf;
		cc_set(c, CC_ADC, size, r, a, b);
		return r;
	case ALU_SBB:
		cf = x86_get_cf(c);
		r = a - b - cf;
		cc_set(c, CC_SBB, size, r, a, b);
		return r;
	case ALU_SUB:
	case ALU_CMP:
		r = a - b;
		cc_set(c, CC_SUB, size, r, a, b);
		return r;
	case ALU_OR:
		r = a | b;
		break;
	case ALU_AND:
		r = a & b;
		break;
	default:
		r = a ^ b;
		break;
	}
	cc_set(c, CC_LOGIC, size, r, 0, 0);
	return r;
}

/* Lazy-flags state, saved so a retried or failed RMW leaves it as it was. */
struct cc_saved {
	uint8_t op, size;
	uint64_t res, src1, src2, cf;
};

static inline void cc_save(struct x86_core *c, struct cc_saved *s)
{
	*s = (struct cc_saved){ c->cc_op, c->cc_size, c->cc_res, c->cc_src1,
				c->cc_src2, c->cc_cf };
}

static inline void cc_restore(struct x86_core *c, const struct cc_saved *s)
{
	c->cc_op = s->op;
	c->cc_size = s->size;
	c->cc_res = s->res;
	c->cc_src1 = s->src1;
	c->cc_src2 = s->src2;
	c->cc_cf = s->cf;
}

/*
 * LOCK ALU op on memory: atomic against other vCPUs (x86_rmw_*).  The
 * flags are restored before a retry because ADC/SBB read CF.
 */
static __attribute__((noinline)) int
alu_rm_locked(struct x86_core *c, const struct x86_insn *in, unsigned op,
	      uint64_t b)
{
	struct x86_rmw m;
	struct cc_saved sv;
	uint64_t a, r;
	int e;

	cc_save(c, &sv);
	for (;;) {
		TRY(x86_rmw_begin(c, in->seg, x86_ea(c, in), in->osz, &m, &a));
		r = alu(c, op, in->osz, a, b);
		e = x86_rmw_commit(c, &m, &r);
		if (!e)
			return 0;
		cc_restore(c, &sv);
		if (e != X86_RMW_RETRY)
			return e;
	}
}

/* Read-modify-write of the r/m operand with @op. */
static __attribute__((always_inline)) inline int
alu_rm(struct x86_core *c, const struct x86_insn *in, unsigned op, uint64_t b)
{
	uint64_t a, r, la = 0;

	if (!in->mem) {
		a = reg_read(c, in->rm, in->osz, in->rex);
		r = alu(c, op, in->osz, a, b);
		if (op != ALU_CMP)
			reg_write(c, in->rm, in->osz, in->rex, r);
		return 0;
	}
	if (in->lock && op != ALU_CMP)
		return alu_rm_locked(c, in, op, b);
	TRY(x86_seg_linear(c, in->seg, x86_ea(c, in), in->osz,
			   op == ALU_CMP ? ACC_R : ACC_W, &la));
	a = 0;
	TRY(x86_lin_read(c, la, &a, in->osz, ACC_R));
	if (op == ALU_CMP) {
		alu(c, op, in->osz, a, b);
		return 0;
	}
	{
		/* Compute flags only after the store succeeded. */
		uint8_t sop = c->cc_op, ssz = c->cc_size;
		uint64_t sr = c->cc_res, s1 = c->cc_src1, s2 = c->cc_src2;

		r = alu(c, op, in->osz, a, b);
		{
			int e = x86_lin_write(c, la, &r, in->osz, ACC_W);

			if (e) {
				c->cc_op = sop;
				c->cc_size = ssz;
				c->cc_res = sr;
				c->cc_src1 = s1;
				c->cc_src2 = s2;
				return e;
			}
		}
	}
	return 0;
}

/*
 * One handler per ALU operation and form, so the operation is a constant
 * in each and the dispatch switch folds away.
 */
#define ALU_HANDLERS(op)						\
HANDLER(alu_rm_r_##op)							\
{									\
	return alu_rm(c, in, op, reg_read(c, in->reg, in->osz, in->rex)); \
}									\
HANDLER(alu_r_rm_##op)							\
{									\
	uint64_t b, r;							\
									\
	TRY(rm_read(c, in, &b));					\
	r = alu(c, op, in->osz, reg_read(c, in->reg, in->osz, in->rex), b); \
	if (op != ALU_CMP)						\
		reg_write(c, in->reg, in->osz, in->rex, r);		\
	return 0;							\
}									\
HANDLER(alu_a_imm_##op)							\
{									\
	uint64_t r = alu(c, op, in->osz, reg_read(c, 0, in->osz, true),	\
			 in->imm);					\
									\
	if (op != ALU_CMP)						\
		reg_write(c, 0, in->osz, true, r);			\
	return 0;							\
}									\
HANDLER(alu_rm_imm_##op)						\
{									\
	return alu_rm(c, in, op, in->imm & size_mask(in->osz));		\
}

ALU_HANDLERS(0)
ALU_HANDLERS(1)
ALU_HANDLERS(2)
ALU_HANDLERS(3)
ALU_HANDLERS(4)
ALU_HANDLERS(5)
ALU_HANDLERS(6)
ALU_HANDLERS(7)

/* 82 /r: alias of 80 outside 64-bit mode. */
HANDLER(alu_rm_imm82)
{
	return alu_rm(c, in, in->reg & 7, in->imm);
}

HANDLER(test_rm_r)
{
	uint64_t a;

	TRY(rm_read(c, in, &a));
	alu(c, ALU_AND, in->osz, a, reg_read(c, in->reg, in->osz, in->rex));
	return 0;
}

HANDLER(test_a_imm)
{
	alu(c, ALU_AND, in->osz, reg_read(c, 0, in->osz, true), in->imm);
	return 0;
}

HANDLER(test_rm_imm)
{
	uint64_t a;

	TRY(rm_read(c, in, &a));
	alu(c, ALU_AND, in->osz, a, in->imm);
	return 0;
}

/* LOCK NOT / NEG / INC / DEC on memory: @op 0 NOT, 1 NEG, 2 INC, 3 DEC. */
static int unary_locked(struct x86_core *c, const struct x86_insn *in,
			unsigned op)
{
	struct x86_rmw m;
	uint64_t a, r;
	int e;

	do {
		TRY(x86_rmw_begin(c, in->seg, x86_ea(c, in), in->osz, &m, &a));
		r = op == 0 ? ~a : op == 1 ? -a : op == 2 ? a + 1 : a - 1;
		r &= size_mask(in->osz);
		e = x86_rmw_commit(c, &m, &r);
	} while (e == X86_RMW_RETRY);
	if (e)
		return e;
	if (op == 1) {
		alu(c, ALU_SUB, in->osz, 0, a);
	} else if (op > 1) {
		uint64_t cf = x86_get_cf(c);

		cc_set(c, op == 3 ? CC_DEC : CC_INC, in->osz, r, a, 1);
		c->cc_cf = cf;
	}
	return 0;
}

HANDLER(not)
{
	uint64_t a;

	if (in->lock)
		return unary_locked(c, in, 0);
	TRY(rm_read(c, in, &a));
	return rm_write(c, in, ~a);
}

HANDLER(neg)
{
	uint64_t a, r;
	uint8_t sop = c->cc_op;

	if (in->lock)
		return unary_locked(c, in, 1);
	TRY(rm_read(c, in, &a));
	r = alu(c, ALU_SUB, in->osz, 0, a);
	if (rm_write(c, in, r)) {
		c->cc_op = sop;
		return X86_R_EXC;
	}
	return 0;
}

static int do_incdec(struct x86_core *c, const struct x86_insn *in,
		     uint64_t a, bool dec, uint64_t *r)
{
	uint64_t cf = x86_get_cf(c);

	*r = dec ? a - 1 : a + 1;
	cc_set(c, dec ? CC_DEC : CC_INC, in->osz, *r, a, 1);
	c->cc_cf = cf;
	return 0;
}

HANDLER(incdec)
{
	uint64_t a, r;

	if (in->lock)
		return unary_locked(c, in, in->arg ? 3 : 2);
	TRY(rm_read(c, in, &a));
	if (in->mem) {
		uint64_t t = in->arg ? a - 1 : a + 1;

		TRY(rm_write(c, in, t));
	}
	do_incdec(c, in, a, in->arg, &r);
	if (!in->mem)
		reg_write(c, in->rm, in->osz, in->rex, r);
	return 0;
}

HANDLER(incdec_r)
{
	uint64_t r;

	do_incdec(c, in, reg_read(c, in->reg, in->osz, true), in->arg, &r);
	reg_write(c, in->reg, in->osz, true, r);
	return 0;
}

HANDLER(mov_rm_r)
{
	return rm_write(c, in, reg_read(c, in->reg, in->osz, in->rex));
}

HANDLER(mov_r_rm)
{
	uint64_t v;

	TRY(rm_read(c, in, &v));
	reg_write(c, in->reg, in->osz, in->rex, v);
	return 0;
}

HANDLER(mov_rm_imm)
{
	return rm_write(c, in, in->imm);
}

HANDLER(mov_r_imm)
{
	reg_write(c, in->reg, in->osz, in->rex || in->osz != 1, in->imm);
	return 0;
}

HANDLER(mov_a_moffs)
{
	uint64_t v;

	TRY(x86_read(c, in->seg, in->imm & size_mask(in->asz), in->osz, &v));
	reg_write(c, 0, in->osz, true, v);
	return 0;
}

HANDLER(mov_moffs_a)
{
	return x86_write(c, in->seg, in->imm & size_mask(in->asz), in->osz,
			 reg_read(c, 0, in->osz, true));
}

HANDLER(movx)
{
	unsigned ssz = in->arg & 0xf;
	uint64_t v;

	if (!in->mem)
		v = reg_read(c, in->rm, ssz, in->rex);
	else
		TRY(x86_read(c, in->seg, x86_ea(c, in), ssz, &v));
	if (in->arg & 0x80)
		v = sext(v, ssz);
	reg_write(c, in->reg, in->osz, in->rex, v);
	return 0;
}

/* ARPL r/m16, r16 (legacy modes only; #UD in real mode). */
static int arpl(struct x86_core *c, const struct x86_insn *in)
{
	uint64_t d, src = GPR(c, in->reg) & 0xffff;
	uint32_t f = x86_arith_flags(c) & ~X86_ZF;

	if (!c->pe || (S(c)->rflags & X86_VM))
		return x86_ud(c);
	if (in->mem)
		TRY(x86_read(c, in->seg, x86_ea(c, in), 2, &d));
	else
		d = GPR(c, in->rm) & 0xffff;
	if ((d & 3) < (src & 3)) {
		d = (d & ~3ull) | (src & 3);
		if (in->mem)
			TRY(x86_write(c, in->seg, x86_ea(c, in), 2, d));
		else
			reg_write(c, in->rm, 2, true, d);
		f |= X86_ZF;
	}
	cc_set_eflags(c, f);
	return 0;
}

HANDLER(movsxd)
{
	uint64_t v;

	if (!c->mode64)
		return arpl(c, in);

	if (!in->mem)
		v = reg_read(c, in->rm, 4, true);
	else
		TRY(x86_read(c, in->seg, x86_ea(c, in), 4, &v));
	reg_write(c, in->reg, in->osz, true, sext(v, 4));
	return 0;
}

HANDLER(lea)
{
	reg_write(c, in->reg, in->osz, true, x86_ea(c, in));
	return 0;
}

HANDLER(xchg_rm_r)
{
	uint64_t a, b = reg_read(c, in->reg, in->osz, in->rex);

	if (in->mem) {
		/* XCHG with memory is locked even without the prefix. */
		struct x86_rmw m;
		int e;

		do {
			TRY(x86_rmw_begin(c, in->seg, x86_ea(c, in), in->osz,
					  &m, &a));
			e = x86_rmw_commit(c, &m, &b);
		} while (e == X86_RMW_RETRY);
		if (e)
			return e;
		reg_write(c, in->reg, in->osz, in->rex, a);
		return 0;
	}
	TRY(rm_read(c, in, &a));
	TRY(rm_write(c, in, b));
	reg_write(c, in->reg, in->osz, in->rex, a);
	return 0;
}

HANDLER(xchg_a_r)
{
	uint64_t a, b;

	if (in->reg == 0) {
		/* 90: NOP, but 32-bit XCHG EAX,EAX would zero-extend. */
		return 0;
	}
	a = reg_read(c, 0, in->osz, true);
	b = reg_read(c, in->reg, in->osz, true);
	reg_write(c, 0, in->osz, true, b);
	reg_write(c, in->reg, in->osz, true, a);
	return 0;
}

HANDLER(nop)
{
	return 0;
}

HANDLER(cbw)
{
	unsigned h = in->osz / 2;

	reg_write(c, 0, in->osz, true, sext(reg_read(c, 0, h, true), h));
	return 0;
}

HANDLER(cwd)
{
	uint64_t a = reg_read(c, 0, in->osz, true);

	reg_write(c, X86_RDX, in->osz, true,
		  sext(a, in->osz) < 0 ? ~0ull : 0);
	return 0;
}

HANDLER(xlat)
{
	uint64_t v;
	uint64_t off = (GPR(c, X86_RBX) + (GPR(c, X86_RAX) & 0xff)) &
		       size_mask(in->asz);

	TRY(x86_read(c, in->seg, off, 1, &v));
	reg_write(c, 0, 1, true, v);
	return 0;
}

HANDLER(bswap)
{
	uint64_t v = GPR(c, in->reg);

	if (in->osz == 8)
		GPR(c, in->reg) = __builtin_bswap64(v);
	else if (in->osz == 4)
		GPR(c, in->reg) = __builtin_bswap32(v);
	else
		reg_write(c, in->reg, 2, true, 0);	/* undefined: 0 */
	return 0;
}

static uint64_t bswapn(uint64_t v, unsigned size)
{
	switch (size) {
	case 2: return __builtin_bswap16(v);
	case 4: return __builtin_bswap32(v);
	default: return __builtin_bswap64(v);
	}
}

HANDLER(movbe)
{
	uint64_t v;

	if (in->arg == 0) {
		TRY(x86_read(c, in->seg, x86_ea(c, in), in->osz, &v));
		reg_write(c, in->reg, in->osz, true, bswapn(v, in->osz));
		return 0;
	}
	v = reg_read(c, in->reg, in->osz, true);
	return x86_write(c, in->seg, x86_ea(c, in), in->osz,
			 bswapn(v, in->osz));
}

HANDLER(cmov)
{
	uint64_t v;

	TRY(rm_read(c, in, &v));
	if (x86_cond(c, in->arg))
		reg_write(c, in->reg, in->osz, in->rex, v);
	else if (in->osz == 4)
		GPR(c, in->reg) &= 0xffffffff;	/* 32-bit: always zero-extends */
	return 0;
}

HANDLER(setcc)
{
	return rm_write(c, in, x86_cond(c, in->arg));
}

HANDLER(flagop)
{
	uint32_t f = x86_arith_flags(c);

	switch (in->arg) {
	case 0: cc_set_eflags(c, f & ~X86_CF); break;
	case 1: cc_set_eflags(c, f | X86_CF); break;
	case 2: cc_set_eflags(c, f ^ X86_CF); break;
	case 3: S(c)->rflags &= ~(uint64_t)X86_DF; break;
	case 4: S(c)->rflags |= X86_DF; break;
	}
	return 0;
}

HANDLER(lahf)
{
	if (c->mode64 && 0)
		return x86_ud(c);
	reg_write(c, 4, 1, false, x86_get_flags(c) & 0xff);
	return 0;
}

HANDLER(sahf)
{
	uint64_t ah = (GPR(c, X86_RAX) >> 8) & 0xff;

	cc_set_eflags(c, (ah & (X86_CF | X86_PF | X86_AF | X86_ZF | X86_SF)) |
			 (x86_arith_flags(c) & X86_OF));
	return 0;
}

/* BOUND r, m: #BR unless lower <= index <= upper (signed). */
HANDLER(bound)
{
	uint64_t lo, hi, ea = x86_ea(c, in);
	int64_t idx = sext(reg_read(c, in->reg, in->osz, true), in->osz);

	TRY(x86_read(c, in->seg, ea, in->osz, &lo));
	TRY(x86_read(c, in->seg, (ea + in->osz) & size_mask(in->asz), in->osz,
		     &hi));
	if (idx < sext(lo, in->osz) || idx > sext(hi, in->osz))
		return x86_exc(c, X86_EXC_BR);
	return 0;
}

/*
 * Decode-time specializations of the hottest generic handlers: register
 * forms (and plain MOV loads/stores) at a 32- or 64-bit operand size,
 * where the operand size is a constant and no byte-register, REX or
 * memory case is left to test at run time.  Each one computes exactly
 * what the generic handler does for that form.
 */
#define ALU_FAST(op, sz)						\
static int h_alu_rm_r_##op##_r##sz(struct x86_core *c,			\
				  const struct x86_insn *in)		\
{									\
	uint64_t r = alu(c, op, sz / 8, gpr_get(c, in->rm, sz / 8),	\
			 gpr_get(c, in->reg, sz / 8));			\
									\
	if (op != ALU_CMP)						\
		gpr_set(c, in->rm, sz / 8, r);				\
	return 0;							\
}									\
static int h_alu_r_rm_##op##_r##sz(struct x86_core *c,			\
				  const struct x86_insn *in)		\
{									\
	uint64_t r = alu(c, op, sz / 8, gpr_get(c, in->reg, sz / 8),	\
			 gpr_get(c, in->rm, sz / 8));			\
									\
	if (op != ALU_CMP)						\
		gpr_set(c, in->reg, sz / 8, r);				\
	return 0;							\
}									\
static int h_alu_rm_imm_##op##_r##sz(struct x86_core *c,		\
				    const struct x86_insn *in)		\
{									\
	uint64_t r = alu(c, op, sz / 8, gpr_get(c, in->rm, sz / 8),	\
			 in->imm & size_mask(sz / 8));			\
									\
	if (op != ALU_CMP)						\
		gpr_set(c, in->rm, sz / 8, r);				\
	return 0;							\
}

#define ALU_FAST_OP(op) ALU_FAST(op, 32) ALU_FAST(op, 64)
ALU_FAST_OP(0)
ALU_FAST_OP(1)
ALU_FAST_OP(2)
ALU_FAST_OP(3)
ALU_FAST_OP(4)
ALU_FAST_OP(5)
ALU_FAST_OP(6)
ALU_FAST_OP(7)

#define MOV_FAST(sz)							\
static int h_mov_r_rm_r##sz(struct x86_core *c, const struct x86_insn *in) \
{									\
	gpr_set(c, in->reg, sz / 8, gpr_get(c, in->rm, sz / 8));	\
	return 0;							\
}									\
static int h_mov_r_rm_m##sz(struct x86_core *c, const struct x86_insn *in) \
{									\
	uint64_t v;							\
									\
	TRY(x86_read(c, in->seg, x86_ea(c, in), sz / 8, &v));		\
	gpr_set(c, in->reg, sz / 8, v);					\
	return 0;							\
}									\
static int h_mov_rm_r_r##sz(struct x86_core *c, const struct x86_insn *in) \
{									\
	gpr_set(c, in->rm, sz / 8, gpr_get(c, in->reg, sz / 8));	\
	return 0;							\
}									\
static int h_mov_rm_r_m##sz(struct x86_core *c, const struct x86_insn *in) \
{									\
	return x86_write(c, in->seg, x86_ea(c, in), sz / 8,		\
			 gpr_get(c, in->reg, sz / 8));			\
}

MOV_FAST(32)
MOV_FAST(64)

static int h_incdec_r_32(struct x86_core *c, const struct x86_insn *in)
{
	uint64_t a = (uint32_t)GPR(c, in->reg);
	uint64_t cf = x86_get_cf(c);
	uint64_t r = in->arg ? a - 1 : a + 1;

	cc_set(c, in->arg ? CC_DEC : CC_INC, 4, r, a, 1);
	c->cc_cf = cf;
	GPR(c, in->reg) = (uint32_t)r;
	return 0;
}

/* [generic][register 32, register 64, memory 32, memory 64] */
#define SPEC_ALU(op)							\
	{ h_alu_rm_r_##op, { h_alu_rm_r_##op##_r32,			\
			     h_alu_rm_r_##op##_r64 } },			\
	{ h_alu_r_rm_##op, { h_alu_r_rm_##op##_r32,			\
			     h_alu_r_rm_##op##_r64 } },			\
	{ h_alu_rm_imm_##op, { h_alu_rm_imm_##op##_r32,			\
			       h_alu_rm_imm_##op##_r64 } }
static const struct {
	x86_handler_t gen;
	x86_handler_t fast[4];
} spec[] = {
	{ h_mov_r_rm, { h_mov_r_rm_r32, h_mov_r_rm_r64,
			h_mov_r_rm_m32, h_mov_r_rm_m64 } },
	{ h_mov_rm_r, { h_mov_rm_r_r32, h_mov_rm_r_r64,
			h_mov_rm_r_m32, h_mov_rm_r_m64 } },
	{ h_incdec_r, { h_incdec_r_32, NULL } },
	SPEC_ALU(0), SPEC_ALU(1), SPEC_ALU(2), SPEC_ALU(3),
	SPEC_ALU(4), SPEC_ALU(5), SPEC_ALU(6), SPEC_ALU(7),
};

/* Opcodes whose entries can be in spec[] or be Jcc/shifts: the cheap test. */
static bool spec_candidate(const struct x86_opinfo *oi)
{
	if (oi->map == M0F)
		return (oi->opc & 0xf0) == 0x80;
	if (oi->map != M1)
		return false;
	return oi->opc < 0x50 || (oi->opc >= 0x70 && oi->opc < 0x90) ||
	       oi->opc == 0xc0 || oi->opc == 0xc1 ||
	       (oi->opc >= 0xd0 && oi->opc <= 0xd3);
}

void x86_specialize(struct x86_insn *in)
{
	unsigned k;

	/* Linux decodes a lot: keep the common no-match case short. */
	if (!spec_candidate(&x86_opinfo[in->op]))
		return;
	if (in->fn == h_jcc) {
		in->fn = x86_jcc_fast[in->arg & 15];
		return;
	}
	if (in->osz != 4 && in->osz != 8)
		return;
	if (in->fn == h_shift && !in->mem) {
		in->fn = x86_shift_reg_fast[in->osz == 8][in->arg & 7];
		return;
	}
	k = (in->osz == 8) + 2 * in->mem;
	for (unsigned i = 0; i < ARRAY_SIZE(spec); i++) {
		if (spec[i].gen == in->fn) {
			if (spec[i].fast[k])
				in->fn = spec[i].fast[k];
			return;
		}
	}
}
