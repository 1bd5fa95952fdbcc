// SPDX-License-Identifier: GPL-2.0
/*
 * exceptions.c - raising exceptions and delivering events through the
 * IVT (real mode), 32-bit IDT gates and 64-bit IDT gates with IST, with
 * double- and triple-fault escalation.
 */
#include "cpu/internal.h"

int x86_exc(struct x86_core *c, int vec)
{
	c->exc_vec = vec;
	c->exc_has_err = 0;
	c->exc_err = 0;
	c->exc_kind = EV_EXC;
	return X86_R_EXC;
}

int x86_exc_err(struct x86_core *c, int vec, uint32_t err)
{
	c->exc_vec = vec;
	c->exc_has_err = 1;
	c->exc_err = err;
	c->exc_kind = EV_EXC;
	return X86_R_EXC;
}

/* INT n / INT3 / INTO / INT1: return address is the next instruction. */
int x86_exc_soft(struct x86_core *c, int vec, int kind,
		 const struct x86_insn *in)
{
	c->exc_vec = vec;
	c->exc_has_err = 0;
	c->exc_err = 0;
	c->exc_kind = kind;
	c->exc_next_rip = S(c)->rip + in->len;
	if (!c->mode64)
		c->exc_next_rip &= c->code32 ? 0xffffffff : 0xffff;
	return X86_R_EXC;
}

static bool has_error_code(int vec)
{
	return vec == X86_EXC_DF || (vec >= X86_EXC_TS && vec <= X86_EXC_PF) ||
	       vec == X86_EXC_AC;
}

static bool contributory(int vec)
{
	return vec == X86_EXC_DE || (vec >= X86_EXC_TS && vec <= X86_EXC_GP);
}

/*
 * SDM 17.3.1.1: the EFLAGS image pushed for a fault-class exception has
 * RF set, so that IRET back to the faulting instruction does not hit an
 * instruction breakpoint on it again.  Not for #DB (an instruction
 * breakpoint pushes RF as is; data and single-step #DB are traps), NMI,
 * aborts (#DF, #MC), nor for traps and interrupts (other kinds).
 */
static bool fault_class(int vec, int kind)
{
	if (kind != EV_EXC)
		return false;
	switch (vec) {
	case X86_EXC_DB: case X86_EXC_NMI: case X86_EXC_BP: case X86_EXC_OF:
	case X86_EXC_DF: case X86_EXC_MC:
		return false;
	}
	return true;
}

static int deliver_real(struct x86_core *c, int vec, uint64_t ret)
{
	struct x86_state *s = S(c);
	uint64_t ent, sp = s->gpr[X86_RSP];
	uint64_t ssb = s->seg[X86_SS].base;
	uint16_t fl = x86_get_flags(c);
	uint16_t frame[3] = { ret, s->seg[X86_CS].selector, fl };

	if (vec * 4u + 3 > s->idt.limit)
		return x86_gp0(c);
	TRY(x86_sys_read(c, s->idt.base + vec * 4, 4, &ent));
	for (int i = 0; i < 3; i++) {
		sp = (sp - 2) & 0xffff;
		TRY(x86_sys_write(c, (ssb + sp) & 0xffffffff, 2,
				  frame[2 - i]));
	}
	s->gpr[X86_RSP] = (s->gpr[X86_RSP] & ~0xffffull) | sp;
	x86_set_flags(c, fl & ~(X86_IF | X86_TF | X86_AC | X86_RF),
		      X86_IF | X86_TF | X86_AC | X86_RF);
	x86_load_seg_real(c, X86_CS, ent >> 16);
	s->rip = ent & 0xffff;
	return 0;
}

static int deliver_pm(struct x86_core *c, int vec, int kind, bool has_err,
		      uint32_t err, uint64_t ret)
{
	struct x86_state *s = S(c);
	bool lm = c->lma;
	unsigned gsz = lm ? 16 : 8;
	uint32_t ext = kind == EV_EXT || kind == EV_EXC ? 1 : 0;
	uint32_t gerr = vec * 8 + 2 + ext;
	uint64_t glo, ghi = 0, dlo, dhi = 0;
	unsigned type, gdpl, dpl, ist = 0;
	uint16_t sel;
	uint64_t off, rsp, ssb = 0, flags = x86_get_flags(c);
	uint16_t newss = s->seg[X86_SS].selector;
	struct x86_seg ncs, nss = s->seg[X86_SS];
	bool stack_switch, is32;
	unsigned psz;
	uint64_t frame[6];
	int nf = 0;

	if (vec * gsz + gsz - 1 > s->idt.limit)
		return x86_exc_err(c, X86_EXC_GP, gerr);
	TRY(x86_sys_read(c, s->idt.base + vec * gsz, 8, &glo));
	if (lm)
		TRY(x86_sys_read(c, s->idt.base + vec * gsz + 8, 8, &ghi));
	type = (glo >> 40) & 0x1f;
	gdpl = (glo >> 45) & 3;
	if (type == 0x05)
		return x86_internal(c, "task gate in IDT vector %d: hardware "
				    "task switching is not supported", vec);
	if (lm ? (type != 0x0e && type != 0x0f) :
		 (type != 0x06 && type != 0x07 && type != 0x0e && type != 0x0f))
		return x86_exc_err(c, X86_EXC_GP, gerr);
	if ((kind == EV_SOFT) && gdpl < c->cpl)
		return x86_exc_err(c, X86_EXC_GP, gerr);
	if (!(glo >> 47 & 1))
		return x86_exc_err(c, X86_EXC_NP, gerr);
	is32 = lm || (type & 8);
	sel = glo >> 16;
	off = (glo & 0xffff) | ((glo >> 32) & 0xffff0000);
	if (lm) {
		off |= ghi << 32;
		ist = (glo >> 32) & 7;
	}
	if (!(type & 8))
		off &= 0xffff;

	if ((sel & 0xfffc) == 0)
		return x86_exc_err(c, X86_EXC_GP, ext);
	TRY(x86_read_desc(c, sel, &dlo, &dhi, X86_EXC_GP));
	x86_desc_to_seg(&ncs, sel, dlo, dhi);
	dpl = ncs.dpl;
	if (!ncs.s || !(ncs.type & 8) || dpl > c->cpl)
		return x86_exc_err(c, X86_EXC_GP, (sel & 0xfffc) + ext);
	if (!ncs.present)
		return x86_exc_err(c, X86_EXC_NP, (sel & 0xfffc) + ext);
	if (lm && (!ncs.l || ncs.db))
		return x86_exc_err(c, X86_EXC_GP, (sel & 0xfffc) + ext);
	if (ncs.type & 4)
		dpl = c->cpl;	/* conforming: stays at CPL */
	stack_switch = dpl < c->cpl;

	rsp = s->gpr[X86_RSP];
	if (lm) {
		uint64_t tss = s->seg[X86_TR].base;

		if (ist) {
			TRY(x86_sys_read(c, tss + 0x24 + 8 * (ist - 1), 8,
					 &rsp));
		} else if (stack_switch) {
			TRY(x86_sys_read(c, tss + 4 + 8 * dpl, 8, &rsp));
		}
		if (stack_switch) {
			newss = dpl;	/* NULL selector with RPL = CPL */
			memset(&nss, 0, sizeof(nss));
			nss.selector = dpl;
			nss.unusable = 1;
			nss.dpl = dpl;
		}
		rsp &= ~0xfull;
		psz = 8;
	} else {
		if (stack_switch) {
			uint64_t tss = s->seg[X86_TR].base, ss, esp;
			uint64_t slo, shi;

			if (!(s->seg[X86_TR].type & 8))
				return x86_internal(c, "16-bit TSS not supported");
			TRY(x86_sys_read(c, tss + 4 + 8 * dpl, 4, &esp));
			TRY(x86_sys_read(c, tss + 8 + 8 * dpl, 2, &ss));
			if ((ss & 0xfffc) == 0)
				return x86_exc_err(c, X86_EXC_TS, ext);
			TRY(x86_read_desc(c, ss, &slo, &shi, X86_EXC_TS));
			x86_desc_to_seg(&nss, ss, slo, shi);
			if ((ss & 3) != dpl || nss.dpl != dpl || !nss.s ||
			    (nss.type & 0xa) != 2)
				return x86_exc_err(c, X86_EXC_TS,
						   (ss & 0xfffc) + ext);
			if (!nss.present)
				return x86_exc_err(c, X86_EXC_SS,
						   (ss & 0xfffc) + ext);
			newss = ss;
			rsp = esp;
		}
		psz = is32 ? 4 : 2;
	}
	if (stack_switch) {
		frame[nf++] = s->seg[X86_SS].selector;
		frame[nf++] = s->gpr[X86_RSP];
	} else if (lm) {
		frame[nf++] = s->seg[X86_SS].selector;
		frame[nf++] = s->gpr[X86_RSP];
	}
	frame[nf++] = flags | (fault_class(vec, kind) ? X86_RF : 0);
	frame[nf++] = s->seg[X86_CS].selector;
	frame[nf++] = ret;
	if (has_err)
		frame[nf++] = err;

	ssb = lm ? 0 : nss.base;
	for (int i = 0; i < nf; i++) {
		uint64_t a;

		if (lm)
			rsp -= 8;
		else if (nss.db)
			rsp = (rsp - psz) & 0xffffffff;
		else
			rsp = (rsp & ~0xffffull) | ((rsp - psz) & 0xffff);
		a = lm ? rsp : (ssb + (nss.db ? rsp : (rsp & 0xffff))) & 0xffffffff;
		TRY(x86_lin_write(c, a, &frame[i], psz,
				  ACC_W | (dpl < 3 ? ACC_SYS : 0)));
	}

	/* Commit. */
	if (stack_switch) {
		if (!lm) {
			TRY(x86_set_desc_accessed(c, newss, 0));
		}
		nss.selector = newss;
		s->seg[X86_SS] = nss;
	}
	ncs.selector = (sel & 0xfffc) | dpl;
	ncs.dpl = ncs.type & 4 ? ncs.dpl : dpl;
	s->seg[X86_CS] = ncs;
	if (lm || nss.db)
		s->gpr[X86_RSP] = rsp;
	else
		s->gpr[X86_RSP] = (s->gpr[X86_RSP] & ~0xffffull) | (rsp & 0xffff);
	s->rip = off;
	flags &= ~(X86_TF | X86_NT | X86_RF | X86_VM);
	if (!(type & 1))
		flags &= ~X86_IF;
	x86_set_flags(c, flags, ~0ull);
	x86_update_mode(c);
	return 0;
}

int x86_deliver_event(struct x86_core *c, int vec, int kind, bool has_err,
		      uint32_t err, uint64_t next_rip)
{
	uint64_t ret = kind == EV_SOFT || kind == EV_INT1 ? next_rip :
		       S(c)->rip;

	S(c)->halted = 0;
	if (!c->pe)
		return deliver_real(c, vec, ret);
	if (x86_get_flags(c) & X86_VM)
		return x86_internal(c, "virtual-8086 mode is not supported");
	return deliver_pm(c, vec, kind, has_err, err, ret);
}

int x86_deliver_exception(struct x86_core *c)
{
	int first = -1;

	for (int tries = 0; tries < 4; tries++) {
		int vec = c->exc_vec, r;
		bool err = c->exc_has_err && has_error_code(vec);

		if (vec == X86_EXC_PF)
			S(c)->cr2 = c->exc_cr2;
		if (vec == X86_EXC_NMI)
			S(c)->ev.nmi_masked = 1;
		r = x86_deliver_event(c, vec, c->exc_kind, err && c->pe,
				      c->exc_err, c->exc_next_rip);
		if (r != X86_R_EXC)
			return r;
		/* A fault while delivering: escalate per SDM table 6-5. */
		if (first < 0)
			first = vec;
		if (vec == X86_EXC_DF)
			return X86_R_SHUTDOWN;
		if ((contributory(vec) && contributory(c->exc_vec)) ||
		    (vec == X86_EXC_PF && (contributory(c->exc_vec) ||
					   c->exc_vec == X86_EXC_PF))) {
			c->exc_vec = X86_EXC_DF;
			c->exc_has_err = 1;
			c->exc_err = 0;
		}
		c->exc_kind = EV_EXC;
	}
	return X86_R_SHUTDOWN;
}
