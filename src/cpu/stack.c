// SPDX-License-Identifier: GPL-2.0
/* stack.c - PUSH/POP in all forms, PUSHF/POPF, PUSHA/POPA, ENTER/LEAVE. */
#include "cpu/internal.h"

uint64_t x86_sp_mask(struct x86_core *c)
{
	return c->mode64 ? ~0ull : c->stack32 ? 0xffffffffull : 0xffff;
}

int x86_push(struct x86_core *c, unsigned size, uint64_t v)
{
	uint64_t mask = x86_sp_mask(c), sp = GPR(c, X86_RSP);
	uint64_t nsp = (sp - size) & mask;

	TRY(x86_write(c, X86_SS, nsp, size, v));
	GPR(c, X86_RSP) = (sp & ~mask) | nsp;
	return 0;
}

int x86_pop(struct x86_core *c, unsigned size, uint64_t *v)
{
	uint64_t mask = x86_sp_mask(c), sp = GPR(c, X86_RSP);

	TRY(x86_read(c, X86_SS, sp & mask, size, v));
	GPR(c, X86_RSP) = (sp & ~mask) | ((sp + size) & mask);
	return 0;
}

HANDLER(push_r)
{
	return x86_push(c, in->osz, GPR(c, in->reg));
}

HANDLER(pop_r)
{
	uint64_t v;

	TRY(x86_pop(c, in->osz, &v));
	reg_write(c, in->reg, in->osz, true, v);
	return 0;
}

HANDLER(push_imm)
{
	return x86_push(c, in->osz, in->imm);
}

HANDLER(push_rm)
{
	uint64_t v;

	TRY(rm_read(c, in, &v));
	return x86_push(c, in->osz, v);
}

HANDLER(pop_rm)
{
	uint64_t v, sp = GPR(c, X86_RSP);
	int r;

	TRY(x86_pop(c, in->osz, &v));
	/* The address is computed with the incremented RSP. */
	r = rm_write(c, in, v);
	if (r)
		GPR(c, X86_RSP) = sp;
	return r;
}

HANDLER(push_sreg)
{
	return x86_push(c, in->osz, S(c)->seg[in->arg].selector);
}

HANDLER(pop_sreg)
{
	uint64_t v, sp = GPR(c, X86_RSP);
	int r;

	TRY(x86_pop(c, in->osz, &v));
	r = x86_load_seg(c, in->arg, v);
	if (r) {
		GPR(c, X86_RSP) = sp;
		return r;
	}
	if (in->arg == X86_SS)
		S(c)->ev.int_shadow = X86_SHADOW_MOV_SS;
	return X86_R_NEXT_END;
}

HANDLER(pushf)
{
	uint64_t f = x86_get_flags(c) & ~(uint64_t)(X86_VM | X86_RF);

	return x86_push(c, in->osz, f);
}

HANDLER(popf)
{
	uint64_t v, mask;
	unsigned iopl = (S(c)->rflags >> 12) & 3;

	TRY(x86_pop(c, in->osz, &v));
	mask = X86_ARITH_FLAGS | X86_TF | X86_DF | X86_NT | X86_AC | X86_ID;
	if (c->cpl == 0)
		mask |= X86_IOPL;
	if (c->cpl <= iopl || !c->pe)
		mask |= X86_IF;
	if (in->osz == 2)
		mask &= 0xffff;
	x86_set_flags(c, v, mask);
	return X86_R_NEXT_END;
}

HANDLER(pusha)
{
	uint64_t sp = GPR(c, X86_RSP), osp = sp;

	for (int r = 0; r < 8; r++) {
		int e = x86_push(c, in->osz, r == X86_RSP ? osp : GPR(c, r));

		if (e) {
			GPR(c, X86_RSP) = sp;
			return e;
		}
	}
	return 0;
}

HANDLER(popa)
{
	uint64_t sp = GPR(c, X86_RSP), v[8];

	for (int r = 7; r >= 0; r--) {
		int e = x86_pop(c, in->osz, &v[r]);

		if (e) {
			GPR(c, X86_RSP) = sp;
			return e;
		}
	}
	for (int r = 0; r < 8; r++)
		if (r != X86_RSP)
			reg_write(c, r, in->osz, true, v[r]);
	return 0;
}

/* Would a one-byte store at SS:@off succeed?  Faults as it would. */
static int probe_write(struct x86_core *c, uint64_t off)
{
	uint64_t la, gpa;

	TRY(x86_seg_linear(c, X86_SS, off, 1, ACC_W, &la));
	if (!c->mode64)
		la &= 0xffffffff;
	return x86_translate(c, la, ACC_W, &gpa, NULL);
}

HANDLER(enter)
{
	uint64_t sp = GPR(c, X86_RSP), bp = GPR(c, X86_RBP), frame;
	unsigned level = in->imm2 & 31, sz = in->osz;
	uint64_t mask = x86_sp_mask(c);
	int r;

	r = x86_push(c, sz, bp);
	if (r)
		return r;
	frame = GPR(c, X86_RSP) & mask;
	for (unsigned i = 1; i < level && !r; i++) {
		uint64_t v;

		bp = (bp & ~mask) | ((bp - sz) & mask);
		r = x86_read(c, X86_SS, bp & mask, sz, &v);
		if (!r)
			r = x86_push(c, sz, v);
	}
	if (!r && level)
		r = x86_push(c, sz, frame);
	if (!r) {
		uint64_t nsp = (GPR(c, X86_RSP) - in->imm) & mask;

		/*
		 * The final stack pointer must be writable (#SS / #PF), but
		 * ENTER does not store there: check without writing.
		 */
		if (in->imm)
			r = probe_write(c, nsp);
		if (!r) {
			GPR(c, X86_RSP) = (GPR(c, X86_RSP) & ~mask) | nsp;
			reg_write(c, X86_RBP, sz, true, frame);
			return 0;
		}
	}
	GPR(c, X86_RSP) = sp;
	return r;
}

HANDLER(leave)
{
	uint64_t mask = x86_sp_mask(c), sp = GPR(c, X86_RSP), v;

	GPR(c, X86_RSP) = (sp & ~mask) | (GPR(c, X86_RBP) & mask);
	if (x86_pop(c, in->osz, &v)) {
		GPR(c, X86_RSP) = sp;
		return X86_R_EXC;
	}
	reg_write(c, X86_RBP, in->osz, true, v);
	return 0;
}
