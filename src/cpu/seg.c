// SPDX-License-Identifier: GPL-2.0
/*
 * seg.c - segment loading with protected-mode checks, far transfers and
 * IRET in its real, protected, outer-privilege and 64-bit forms.
 */
#include "cpu/internal.h"

void x86_update_mode(struct x86_core *c)
{
	struct x86_state *s = S(c);
	const struct x86_seg *cs = &s->seg[X86_CS];

	c->pe = !!(s->cr0 & X86_CR0_PE);
	c->lma = !!(s->efer & X86_EFER_LMA);
	c->mode64 = c->lma && cs->l;
	c->code32 = c->mode64 ? 1 : cs->db;
	c->stack32 = s->seg[X86_SS].db;
	/* CPL is SS.DPL in protected mode (CS.RPL can differ transiently). */
	c->cpl = c->pe ? s->seg[X86_SS].dpl : 0;
	if (c->pe && (s->rflags & X86_VM))
		c->cpl = 3;
	/* SMM is part of the key: the same GPA holds other bytes in AS1. */
	c->mode_key = c->mode64 | c->code32 << 1 | s->ev.smm << 2;
}

void x86_desc_to_seg(struct x86_seg *s, uint16_t sel, uint64_t lo,
		     uint64_t hi)
{
	uint32_t limit = (lo & 0xffff) | ((lo >> 32) & 0xf0000);

	s->selector = sel;
	s->base = ((lo >> 16) & 0xffffff) | ((lo >> 32) & 0xff000000);
	s->type = (lo >> 40) & 0xf;
	s->s = (lo >> 44) & 1;
	s->dpl = (lo >> 45) & 3;
	s->present = (lo >> 47) & 1;
	s->avl = (lo >> 52) & 1;
	s->l = (lo >> 53) & 1;
	s->db = (lo >> 54) & 1;
	s->g = (lo >> 55) & 1;
	s->limit = s->g ? (limit << 12) | 0xfff : limit;
	s->unusable = 0;
	if (!s->s)
		s->base |= (hi & 0xffffffff) << 32;	/* 16-byte system desc */
}

int x86_read_desc(struct x86_core *c, uint16_t sel, uint64_t *lo,
		  uint64_t *hi, int exc)
{
	struct x86_state *s = S(c);
	uint64_t base, limit;
	unsigned idx = sel & 0xfff8;

	if (sel & 4) {
		if (s->seg[X86_LDTR].unusable || !s->seg[X86_LDTR].present)
			return x86_exc_err(c, exc, sel & 0xfffc);
		base = s->seg[X86_LDTR].base;
		limit = s->seg[X86_LDTR].limit;
	} else {
		base = s->gdt.base;
		limit = s->gdt.limit;
	}
	if (idx + 7 > limit)
		return x86_exc_err(c, exc, sel & 0xfffc);
	TRY(x86_sys_read(c, base + idx, 8, lo));
	*hi = 0;
	/* System descriptors are 16 bytes in long mode. */
	if (c->lma && !((*lo >> 44) & 1)) {
		if (idx + 15 > limit)
			return x86_exc_err(c, exc, sel & 0xfffc);
		TRY(x86_sys_read(c, base + idx + 8, 8, hi));
	}
	return 0;
}

int x86_set_desc_accessed(struct x86_core *c, uint16_t sel, uint64_t lo)
{
	struct x86_state *s = S(c);
	uint64_t base = (sel & 4) ? s->seg[X86_LDTR].base : s->gdt.base;
	uint64_t v;

	TRY(x86_sys_read(c, base + (sel & 0xfff8) + 5, 1, &v));
	if (!(v & 1))
		TRY(x86_sys_write(c, base + (sel & 0xfff8) + 5, 1, v | 1));
	return 0;
}

void x86_load_seg_real(struct x86_core *c, int seg, uint16_t sel)
{
	struct x86_seg *s = &S(c)->seg[seg];

	s->selector = sel;
	s->base = (uint64_t)sel << 4;
	/* Limit and attributes are kept ("unreal mode") except CS in RM. */
	s->present = 1;
	s->unusable = 0;
	if (seg == X86_CS && !c->pe) {
		s->type = 0xb;
		s->s = 1;
		s->db = 0;
		s->l = 0;
		s->dpl = 0;
	}
	if (seg == X86_CS || seg == X86_SS)
		x86_update_mode(c);
}

/* MOV/POP/LxS to a data or stack segment register. */
int x86_load_seg(struct x86_core *c, int seg, uint16_t sel)
{
	struct x86_state *s = S(c);
	struct x86_seg ns;
	uint64_t lo, hi;
	unsigned rpl = sel & 3, cpl = c->cpl;

	if (!c->pe || (s->rflags & X86_VM)) {
		x86_load_seg_real(c, seg, sel);
		return 0;
	}
	if ((sel & 0xfffc) == 0) {
		/* A null SS only in 64-bit mode at CPL < 3 with RPL == CPL. */
		if (seg == X86_SS && (!c->mode64 || cpl == 3 || rpl != cpl))
			return x86_gp0(c);
		memset(&s->seg[seg], 0, sizeof(ns));
		s->seg[seg].selector = sel;
		s->seg[seg].unusable = 1;
		if (seg == X86_SS) {
			s->seg[seg].dpl = cpl;
			s->seg[seg].db = 1;
		}
		return 0;
	}
	TRY(x86_read_desc(c, sel, &lo, &hi, X86_EXC_GP));
	x86_desc_to_seg(&ns, sel, lo, 0);
	if (seg == X86_SS) {
		if (rpl != cpl || ns.dpl != cpl || !ns.s ||
		    (ns.type & 0xa) != 2)
			return x86_exc_err(c, X86_EXC_GP, sel & 0xfffc);
		if (!ns.present)
			return x86_exc_err(c, X86_EXC_SS, sel & 0xfffc);
	} else {
		/* Data, or readable code. */
		if (!ns.s || (ns.type & 0xa) == 0x8)
			return x86_exc_err(c, X86_EXC_GP, sel & 0xfffc);
		/* Non-conforming: DPL >= max(CPL, RPL). */
		if (!((ns.type & 0xc) == 0xc) &&
		    (ns.dpl < cpl || ns.dpl < rpl))
			return x86_exc_err(c, X86_EXC_GP, sel & 0xfffc);
		if (!ns.present)
			return x86_exc_err(c, X86_EXC_NP, sel & 0xfffc);
	}
	if (!(ns.type & 1)) {
		TRY(x86_set_desc_accessed(c, sel, lo));
		ns.type |= 1;
	}
	s->seg[seg] = ns;
	if (seg == X86_SS)
		x86_update_mode(c);
	return 0;
}

/* Validate a code segment for a far JMP/CALL/RET/IRET target. */
static int check_code(struct x86_core *c, uint16_t sel, unsigned new_cpl,
		      struct x86_seg *ns, bool ret)
{
	uint64_t lo, hi;

	if ((sel & 0xfffc) == 0)
		return x86_gp0(c);
	TRY(x86_read_desc(c, sel, &lo, &hi, X86_EXC_GP));
	x86_desc_to_seg(ns, sel, lo, 0);
	if (!ns->s || !(ns->type & 8))
		return x86_exc_err(c, X86_EXC_GP, sel & 0xfffc);
	if (ns->type & 4) {
		if (ns->dpl > new_cpl)
			return x86_exc_err(c, X86_EXC_GP, sel & 0xfffc);
	} else if (ret ? ns->dpl != new_cpl : ns->dpl != new_cpl) {
		return x86_exc_err(c, X86_EXC_GP, sel & 0xfffc);
	}
	if (!ns->present)
		return x86_exc_err(c, X86_EXC_NP, sel & 0xfffc);
	if (c->lma && ns->l && ns->db)
		return x86_exc_err(c, X86_EXC_GP, sel & 0xfffc);
	if (!(ns->type & 1)) {
		TRY(x86_set_desc_accessed(c, sel, lo));
		ns->type |= 1;
	}
	return 0;
}

int x86_far_jump(struct x86_core *c, uint16_t sel, uint64_t off,
		 uint64_t next_rip, int osz, bool call)
{
	struct x86_state *s = S(c);
	struct x86_seg ns;

	if (!c->pe || (s->rflags & X86_VM)) {
		if (call) {
			TRY(x86_push(c, osz, s->seg[X86_CS].selector));
			TRY(x86_push(c, osz, next_rip));
		}
		x86_load_seg_real(c, X86_CS, sel);
		s->rip = off & (osz == 2 ? 0xffff : 0xffffffff);
		return X86_R_JUMP;
	}
	{
		uint64_t lo, hi;

		if ((sel & 0xfffc) == 0)
			return x86_gp0(c);
		TRY(x86_read_desc(c, sel, &lo, &hi, X86_EXC_GP));
		if (!((lo >> 44) & 1)) {
			unsigned int type = (lo >> 40) & 0xf;
			/*
			 * Only call gates (and, outside IA-32e mode, task
			 * gates and TSSs) are targets; any other system
			 * descriptor is #GP(selector), as is a task switch in
			 * IA-32e mode.
			 */
			bool target = c->lma ? type == 0xc :
				      (type == 1 || type == 9 || type == 5 ||
				       type == 4 || type == 0xc);

			if (!target)
				return x86_exc_err(c, X86_EXC_GP, sel & 0xfffc);
			return x86_internal(c, "far %s through a gate or TSS "
					    "(selector %#x) is not supported",
					    call ? "call" : "jump", sel);
		}
	}
	{
		struct x86_seg tmp;
		uint64_t lo, hi;

		TRY(x86_read_desc(c, sel, &lo, &hi, X86_EXC_GP));
		x86_desc_to_seg(&tmp, sel, lo, 0);
		/* Conforming code keeps CPL; non-conforming needs DPL==CPL. */
		TRY(check_code(c, sel, (tmp.type & 4) ? c->cpl : c->cpl, &ns,
			       false));
		if (!(tmp.type & 4) && (sel & 3) > c->cpl)
			return x86_exc_err(c, X86_EXC_GP, sel & 0xfffc);
	}
	if (call) {
		/*
		 * Push with the current stack before switching CS; the
		 * pushes fault before anything is committed.
		 */
		uint64_t sp = GPR(c, X86_RSP);
		int r = x86_push(c, osz, s->seg[X86_CS].selector);

		if (!r)
			r = x86_push(c, osz, next_rip);
		if (r) {
			GPR(c, X86_RSP) = sp;
			return r;
		}
	}
	ns.selector = (sel & 0xfffc) | c->cpl;
	s->seg[X86_CS] = ns;
	x86_update_mode(c);
	s->rip = c->mode64 ? off : off & (osz == 2 ? 0xffff : 0xffffffff);
	return X86_R_JUMP;
}

/* Return to an outer level: null out data segments the new CPL cannot use. */
static void fix_data_segs(struct x86_core *c)
{
	struct x86_state *s = S(c);
	static const int segs[] = { X86_ES, X86_DS, X86_FS, X86_GS };

	for (unsigned i = 0; i < ARRAY_SIZE(segs); i++) {
		struct x86_seg *g = &s->seg[segs[i]];

		if (g->unusable || !g->s)
			continue;
		if (((g->type & 8) == 0 || (g->type & 4) == 0) &&
		    g->dpl < c->cpl) {
			g->selector = 0;
			g->unusable = 1;
			g->present = 0;
		}
	}
}

/* Common part of far RET and protected-mode IRET once popped. */
static int return_to(struct x86_core *c, uint16_t cs, uint64_t ip,
		     uint64_t *sp_after, int osz, bool have_ss, uint16_t ss,
		     uint64_t rsp)
{
	struct x86_state *s = S(c);
	unsigned rpl = cs & 3;
	struct x86_seg ncs, nss;

	if (rpl < c->cpl)
		return x86_exc_err(c, X86_EXC_GP, cs & 0xfffc);
	TRY(check_code(c, cs, rpl, &ncs, true));
	if (rpl > c->cpl || (c->mode64 && have_ss)) {
		/* Outer privilege (or IRETQ, which always pops SS:RSP). */
		if ((ss & 0xfffc) == 0) {
			if (!(c->lma && ncs.l && rpl != 3))
				return x86_gp0(c);
			memset(&nss, 0, sizeof(nss));
			nss.selector = ss;
			nss.unusable = 1;
			nss.dpl = rpl;
			nss.db = 1;
		} else {
			uint64_t lo, hi;

			TRY(x86_read_desc(c, ss, &lo, &hi, X86_EXC_GP));
			x86_desc_to_seg(&nss, ss, lo, 0);
			if ((ss & 3) != rpl || nss.dpl != rpl || !nss.s ||
			    (nss.type & 0xa) != 2)
				return x86_exc_err(c, X86_EXC_GP, ss & 0xfffc);
			if (!nss.present)
				return x86_exc_err(c, X86_EXC_SS, ss & 0xfffc);
			if (!(nss.type & 1)) {
				TRY(x86_set_desc_accessed(c, ss, lo));
				nss.type |= 1;
			}
		}
		ncs.selector = cs;
		s->seg[X86_CS] = ncs;
		s->seg[X86_SS] = nss;
		if (c->lma && ncs.l)
			s->gpr[X86_RSP] = rsp;
		else if (nss.db)
			s->gpr[X86_RSP] = (uint32_t)rsp;
		else
			s->gpr[X86_RSP] = (s->gpr[X86_RSP] & ~0xffffull) |
					  (rsp & 0xffff);
		x86_update_mode(c);
		fix_data_segs(c);
	} else {
		ncs.selector = cs;
		s->seg[X86_CS] = ncs;
		s->gpr[X86_RSP] = *sp_after;
		x86_update_mode(c);
	}
	s->rip = c->mode64 ? ip : ip & (osz == 2 ? 0xffff : 0xffffffff);
	return 0;
}

/* Pop helper that does not commit RSP. */
static int peek(struct x86_core *c, uint64_t *sp, unsigned size, uint64_t *v)
{
	uint64_t mask = x86_sp_mask(c);

	TRY(x86_read(c, X86_SS, *sp & mask, size, v));
	*sp = (*sp & ~mask) | ((*sp + size) & mask);
	return 0;
}

int x86_far_ret(struct x86_core *c, int osz, uint16_t extra)
{
	struct x86_state *s = S(c);
	uint64_t sp = GPR(c, X86_RSP), ip, cs, nsp = 0, nss = 0;

	TRY(peek(c, &sp, osz, &ip));
	TRY(peek(c, &sp, osz, &cs));
	sp = (sp & ~x86_sp_mask(c)) | ((sp + extra) & x86_sp_mask(c));
	if (!c->pe || (s->rflags & X86_VM)) {
		x86_load_seg_real(c, X86_CS, cs);
		s->rip = ip & (osz == 2 ? 0xffff : 0xffffffff);
		GPR(c, X86_RSP) = sp;
		return X86_R_JUMP;
	}
	if ((cs & 3) > c->cpl) {
		TRY(peek(c, &sp, osz, &nsp));
		TRY(peek(c, &sp, osz, &nss));
		nsp += extra;
	}
	TRY(return_to(c, cs, ip, &sp, osz, (cs & 3) > c->cpl, nss, nsp));
	return X86_R_JUMP;
}

int x86_iret(struct x86_core *c, int osz)
{
	struct x86_state *s = S(c);
	uint64_t sp = GPR(c, X86_RSP), ip, cs, fl, nsp = 0, nss = 0;
	uint64_t mask, oldfl = x86_get_flags(c);
	unsigned cpl = c->cpl;

	if (c->pe && (oldfl & X86_NT))
		return x86_internal(c, "IRET with NT set (task return) is not "
				    "supported");
	TRY(peek(c, &sp, osz, &ip));
	TRY(peek(c, &sp, osz, &cs));
	TRY(peek(c, &sp, osz, &fl));
	if (!c->pe) {
		x86_load_seg_real(c, X86_CS, cs);
		s->rip = ip & (osz == 2 ? 0xffff : 0xffffffff);
		GPR(c, X86_RSP) = sp;
		mask = X86_ARITH_FLAGS | X86_TF | X86_IF | X86_DF | X86_IOPL |
		       X86_NT;
		if (osz == 4)
			mask |= X86_AC | X86_ID | X86_RF;
		x86_set_flags(c, fl, mask);
		S(c)->ev.nmi_masked = 0;
		return X86_R_JUMP;
	}
	if (oldfl & X86_VM)
		return x86_internal(c, "IRET in virtual-8086 mode");
	if (osz == 4 && (fl & X86_VM) && cpl == 0 && !c->lma)
		return x86_internal(c, "IRET to virtual-8086 mode is not "
				    "supported");
	if (c->mode64 || (cs & 3) > cpl) {
		TRY(peek(c, &sp, osz, &nsp));
		TRY(peek(c, &sp, osz, &nss));
	}
	TRY(return_to(c, cs, ip, &sp, osz, c->mode64 || (cs & 3) > cpl,
		      nss, nsp));
	/* Which flags IRET may change depends on the old CPL and IOPL. */
	mask = X86_ARITH_FLAGS | X86_TF | X86_DF | X86_NT | X86_RF | X86_AC |
	       X86_ID;
	if (cpl == 0)
		mask |= X86_IOPL | X86_VIF | X86_VIP;
	if (cpl <= ((oldfl >> 12) & 3))
		mask |= X86_IF;
	if (osz == 2)
		mask &= 0xffff;
	x86_set_flags(c, fl, mask);
	S(c)->ev.nmi_masked = 0;
	return X86_R_JUMP;
}
