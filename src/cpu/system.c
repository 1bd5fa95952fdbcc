// SPDX-License-Identifier: GPL-2.0
/*
 * system.c - control/debug registers, descriptor-table instructions,
 * MSRs, CPUID, TSC, HLT, CLI/STI, I/O permission, SYSCALL/SYSRET,
 * SYSENTER/SYSEXIT, SWAPGS, XGETBV/XSETBV.
 */
#include "cpu/internal.h"

static inline bool priv(struct x86_core *c)
{
	return c->cpl == 0;
}

/* ---- control registers -------------------------------------------------------- */

int x86_set_cr0(struct x86_core *c, uint64_t v)
{
	struct x86_state *s = S(c);
	uint64_t old = s->cr0;

	if (v >> 32)
		return x86_gp0(c);
	v |= X86_CR0_ET;
	if ((v & X86_CR0_PG) && !(v & X86_CR0_PE))
		return x86_gp0(c);
	if ((v & X86_CR0_NW) && !(v & X86_CR0_CD))
		return x86_gp0(c);
	if ((v & X86_CR0_PG) && !(old & X86_CR0_PG) &&
	    (s->efer & X86_EFER_LME)) {
		if (!(s->cr4 & X86_CR4_PAE) || s->seg[X86_CS].l)
			return x86_gp0(c);
		s->efer |= X86_EFER_LMA;
	} else if ((v & X86_CR0_PG) && !(old & X86_CR0_PG) &&
		   (s->cr4 & X86_CR4_PAE)) {
		TRY(x86_load_pdptrs(c, s->cr3));
	}
	if (!(v & X86_CR0_PG) && (old & X86_CR0_PG) && c->lma) {
		if (c->mode64)
			return x86_gp0(c);
		s->efer &= ~X86_EFER_LMA;
	}
	s->cr0 = v;
	if ((old ^ v) & (X86_CR0_PG | X86_CR0_WP | X86_CR0_PE))
		x86_tlb_flush(c, true);
	x86_update_mode(c);
	return 0;
}

int x86_set_cr3(struct x86_core *c, uint64_t v)
{
	struct x86_state *s = S(c);

	if (c->lma && (v >> 40))
		return x86_gp0(c);
	if (!c->lma && (s->cr4 & X86_CR4_PAE) && (s->cr0 & X86_CR0_PG))
		TRY(x86_load_pdptrs(c, v));
	s->cr3 = c->lma ? v : (uint32_t)v;
	x86_tlb_flush(c, false);
	return 0;
}

#define CR4_VALID (X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | \
		   X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE | \
		   X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | \
		   X86_CR4_UMIP | X86_CR4_FSGSBASE | X86_CR4_OSXSAVE | \
		   X86_CR4_SMEP)

int x86_set_cr4(struct x86_core *c, uint64_t v)
{
	struct x86_state *s = S(c);
	uint64_t old = s->cr4;

	/* VME/PVI, PCIDE...: not implemented/advertised. */
	if (v & ~CR4_VALID)
		return x86_gp0(c);
	if (v & (X86_CR4_VME | X86_CR4_PVI))
		return x86_gp0(c);
	if (c->lma && !(v & X86_CR4_PAE))
		return x86_gp0(c);
	if ((v & X86_CR4_PAE) && !(old & X86_CR4_PAE) && !c->lma &&
	    (s->cr0 & X86_CR0_PG))
		TRY(x86_load_pdptrs(c, s->cr3));
	s->cr4 = v;
	/* SMEP changes what supervisor entries may fetch from. */
	if ((old ^ v) & (X86_CR4_PAE | X86_CR4_PSE | X86_CR4_PGE |
			 X86_CR4_SMEP))
		x86_tlb_flush(c, true);
	return 0;
}

int x86_set_efer(struct x86_core *c, uint64_t v)
{
	struct x86_state *s = S(c);
	uint64_t valid = X86_EFER_SCE | X86_EFER_LME | X86_EFER_NXE |
			 X86_EFER_LMA;

	if (v & ~valid)
		return x86_gp0(c);
	if ((s->cr0 & X86_CR0_PG) && ((v ^ s->efer) & X86_EFER_LME))
		return x86_gp0(c);
	v = (v & ~X86_EFER_LMA) | (s->efer & X86_EFER_LMA);
	if ((v ^ s->efer) & X86_EFER_NXE)
		x86_tlb_flush(c, true);
	s->efer = v;
	x86_update_mode(c);
	return 0;
}

HANDLER(mov_r_cr)
{
	uint64_t v;

	if (!priv(c))
		return x86_gp0(c);
	switch (in->reg) {
	case 0: v = S(c)->cr0; break;
	case 2: v = S(c)->cr2; break;
	case 3: v = S(c)->cr3; break;
	case 4: v = S(c)->cr4; break;
	case 8:
		v = c->pub.ops->get_cr8 ? c->pub.ops->get_cr8(c->pub.opaque) :
					  S(c)->cr8;
		break;
	default: return x86_ud(c);
	}
	reg_write(c, in->rm, c->mode64 ? 8 : 4, true, v);
	return 0;
}

HANDLER(mov_cr_r)
{
	uint64_t v = GPR(c, in->rm);

	if (!priv(c))
		return x86_gp0(c);
	if (!c->mode64)
		v = (uint32_t)v;
	switch (in->reg) {
	case 0: TRY(x86_set_cr0(c, v)); break;
	case 2: S(c)->cr2 = v; break;
	case 3: TRY(x86_set_cr3(c, v)); break;
	case 4: TRY(x86_set_cr4(c, v)); break;
	case 8:
		if (v & ~0xfull)
			return x86_gp0(c);
		S(c)->cr8 = v;
		if (c->pub.ops->set_cr8)
			c->pub.ops->set_cr8(c->pub.opaque, v);
		break;
	default: return x86_ud(c);
	}
	return X86_R_NEXT_END;
}

HANDLER(mov_r_dr)
{
	unsigned r = in->reg;

	if (!priv(c))
		return x86_gp0(c);
	TRY(x86_dbg_mov_check(c, &r));
	reg_write(c, in->rm, c->mode64 ? 8 : 4, true, S(c)->dr[r]);
	return 0;
}

HANDLER(mov_dr_r)
{
	unsigned r = in->reg;
	uint64_t v = GPR(c, in->rm);

	if (!priv(c))
		return x86_gp0(c);
	TRY(x86_dbg_mov_check(c, &r));
	if (!c->mode64)
		v = (uint32_t)v;
	/* Bits 63:32 of DR6/DR7 are reserved: #GP, as KVM's kvm_set_dr(). */
	if (r >= 6 && (v >> 32))
		return x86_gp0(c);
	if (r == 6)
		v = (v & 0xe00f) | 0xffff0ff0;
	if (r == 7)
		v = (v & 0xffff2bff) | 0x400;
	S(c)->dr[r] = v;
	x86_dbg_update(c);
	return X86_R_NEXT_END;
}

HANDLER(clts)
{
	if (!priv(c))
		return x86_gp0(c);
	S(c)->cr0 &= ~X86_CR0_TS;
	return X86_R_NEXT_END;
}

HANDLER(lmsw)
{
	uint64_t v;

	if (!priv(c))
		return x86_gp0(c);
	if (in->mem)
		TRY(x86_read(c, in->seg, x86_ea(c, in), 2, &v));
	else
		v = GPR(c, in->rm);
	/* LMSW cannot clear PE. */
	v = (S(c)->cr0 & ~0xeull) | (v & 0xf) | (S(c)->cr0 & 1);
	TRY(x86_set_cr0(c, v));
	return X86_R_NEXT_END;
}

/*
 * UMIP: SGDT, SIDT, SLDT, SMSW and STR are ring-0 only once CR4.UMIP is
 * set, so user space cannot learn kernel addresses from them.
 */
static bool umip_denied(struct x86_core *c)
{
	return (S(c)->cr4 & X86_CR4_UMIP) && c->cpl > 0;
}

HANDLER(smsw)
{
	if (umip_denied(c))
		return x86_gp0(c);
	if (in->mem)
		return x86_write(c, in->seg, x86_ea(c, in), 2, S(c)->cr0);
	reg_write(c, in->rm, in->osz, true, S(c)->cr0);
	return 0;
}

HANDLER(invlpg)
{
	uint64_t la;

	if (!priv(c))
		return x86_gp0(c);
	if (x86_seg_linear(c, in->seg, x86_ea(c, in), 1, ACC_R, &la))
		return X86_R_NEXT_END;	/* no fault: just nothing to drop */
	x86_tlb_flush_page(c, la);
	return X86_R_NEXT_END;
}

HANDLER(priv_nop)
{
	return priv(c) ? 0 : x86_gp0(c);
}

HANDLER(clflush)
{
	uint64_t la;

	return x86_seg_linear(c, in->seg, x86_ea(c, in), 1, ACC_R, &la);
}

/* ---- descriptor tables ---------------------------------------------------------- */

HANDLER(sxdt)
{
	const struct x86_dtable *t = in->arg ? &S(c)->idt : &S(c)->gdt;
	uint64_t ea = x86_ea(c, in);
	unsigned bsz = c->mode64 ? 8 : 4;

	if (umip_denied(c))
		return x86_gp0(c);
	TRY(x86_write(c, in->seg, ea, 2, t->limit));
	return x86_write(c, in->seg, (ea + 2) & size_mask(in->asz), bsz,
			 c->mode64 ? t->base : (uint32_t)t->base);
}

HANDLER(lxdt)
{
	struct x86_dtable *t = in->arg ? &S(c)->idt : &S(c)->gdt;
	uint64_t ea = x86_ea(c, in), lim, base;

	if (!priv(c))
		return x86_gp0(c);
	TRY(x86_read(c, in->seg, ea, 2, &lim));
	TRY(x86_read(c, in->seg, (ea + 2) & size_mask(in->asz),
		     c->mode64 ? 8 : 4, &base));
	if (!c->mode64 && in->osz == 2)
		base &= 0xffffff;
	t->limit = lim;
	t->base = base;
	return X86_R_NEXT_END;
}

HANDLER(sldt_str)
{
	uint16_t sel = S(c)->seg[in->arg].selector;

	if (!c->pe)
		return x86_ud(c);
	if (umip_denied(c))
		return x86_gp0(c);
	if (in->mem)
		return x86_write(c, in->seg, x86_ea(c, in), 2, sel);
	reg_write(c, in->rm, in->osz, true, sel);
	return 0;
}

static int sel_operand(struct x86_core *c, const struct x86_insn *in,
		       uint64_t *sel)
{
	if (in->mem)
		return x86_read(c, in->seg, x86_ea(c, in), 2, sel);
	*sel = GPR(c, in->rm) & 0xffff;
	return 0;
}

HANDLER(lldt)
{
	uint64_t sel, lo, hi;
	struct x86_seg ns;

	if (!c->pe)
		return x86_ud(c);
	if (!priv(c))
		return x86_gp0(c);
	TRY(sel_operand(c, in, &sel));
	if ((sel & 0xfffc) == 0) {
		memset(&S(c)->seg[X86_LDTR], 0, sizeof(ns));
		S(c)->seg[X86_LDTR].selector = sel;
		S(c)->seg[X86_LDTR].unusable = 1;
		return X86_R_NEXT_END;
	}
	if (sel & 4)
		return x86_exc_err(c, X86_EXC_GP, sel & 0xfffc);
	TRY(x86_read_desc(c, sel, &lo, &hi, X86_EXC_GP));
	x86_desc_to_seg(&ns, sel, lo, hi);
	if (ns.s || ns.type != 2)
		return x86_exc_err(c, X86_EXC_GP, sel & 0xfffc);
	if (!ns.present)
		return x86_exc_err(c, X86_EXC_NP, sel & 0xfffc);
	S(c)->seg[X86_LDTR] = ns;
	return X86_R_NEXT_END;
}

HANDLER(ltr)
{
	uint64_t sel, lo, hi;
	struct x86_seg ns;

	if (!c->pe)
		return x86_ud(c);
	if (!priv(c))
		return x86_gp0(c);
	TRY(sel_operand(c, in, &sel));
	if ((sel & 0xfffc) == 0 || (sel & 4))
		return x86_exc_err(c, X86_EXC_GP, sel & 0xfffc);
	TRY(x86_read_desc(c, sel, &lo, &hi, X86_EXC_GP));
	x86_desc_to_seg(&ns, sel, lo, hi);
	/* Available 16- or 32/64-bit TSS. */
	if (ns.s || (ns.type != 1 && ns.type != 9) ||
	    (c->lma && ns.type != 9))
		return x86_exc_err(c, X86_EXC_GP, sel & 0xfffc);
	if (!ns.present)
		return x86_exc_err(c, X86_EXC_NP, sel & 0xfffc);
	/* Mark busy in the GDT. */
	TRY(x86_sys_write(c, S(c)->gdt.base + (sel & 0xfff8) + 5, 1,
			  ((lo >> 40) & 0xff) | 2));
	ns.type |= 2;
	S(c)->seg[X86_TR] = ns;
	return X86_R_NEXT_END;
}

/* VERR/VERW/LAR/LSL report through ZF instead of faulting. */
static bool desc_visible(struct x86_core *c, uint16_t sel, uint64_t *lo)
{
	uint64_t hi;
	struct x86_seg s;
	uint8_t save_vec = c->exc_vec;

	if ((sel & 0xfffc) == 0)
		return false;
	if (x86_read_desc(c, sel, lo, &hi, X86_EXC_GP)) {
		c->exc_vec = save_vec;
		return false;
	}
	x86_desc_to_seg(&s, sel, *lo, 0);
	/* Conforming code is visible from any level. */
	if (s.s && (s.type & 0xc) == 0xc)
		return true;
	return s.dpl >= c->cpl && s.dpl >= (sel & 3);
}

HANDLER(verrw)
{
	uint64_t sel, lo;
	bool ok;

	if (!c->pe)
		return x86_ud(c);
	TRY(sel_operand(c, in, &sel));
	ok = desc_visible(c, sel, &lo) && ((lo >> 44) & 1);
	if (ok) {
		unsigned type = (lo >> 40) & 0xf;

		ok = in->arg ? !(type & 8) && (type & 2) :
			       !(type & 8) || (type & 2);
	}
	cc_set_eflags(c, (x86_arith_flags(c) & ~X86_ZF) | (ok ? X86_ZF : 0));
	return 0;
}

HANDLER(larlsl)
{
	uint64_t sel, lo;
	bool ok;

	if (!c->pe)
		return x86_ud(c);
	TRY(sel_operand(c, in, &sel));
	ok = desc_visible(c, sel, &lo);
	if (ok && !((lo >> 44) & 1)) {
		static const uint16_t lar_ok = 0x0e3e, lsl_ok = 0x0a0e;
		unsigned type = (lo >> 40) & 0xf;

		if (c->lma)
			ok = type == 2 || type == 9 || type == 0xb ||
			     (in->arg == 0 && type == 0xc);
		else
			ok = ((in->arg ? lsl_ok : lar_ok) >> type) & 1;
	}
	if (ok) {
		uint64_t v;

		if (in->arg) {
			v = (lo & 0xffff) | ((lo >> 32) & 0xf0000);
			if ((lo >> 55) & 1)
				v = (v << 12) | 0xfff;
		} else {
			v = (lo >> 32) & 0x00f0ff00;
		}
		reg_write(c, in->reg, in->osz, true, v);
	}
	cc_set_eflags(c, (x86_arith_flags(c) & ~X86_ZF) | (ok ? X86_ZF : 0));
	return 0;
}

/* ---- interrupts flag, HLT --------------------------------------------------------- */

static unsigned iopl(struct x86_core *c)
{
	return (S(c)->rflags >> 12) & 3;
}

HANDLER(cli)
{
	if (c->pe && c->cpl > iopl(c))
		return x86_gp0(c);
	S(c)->rflags &= ~(uint64_t)X86_IF;
	return 0;
}

HANDLER(sti)
{
	if (c->pe && c->cpl > iopl(c))
		return x86_gp0(c);
	if (!(S(c)->rflags & X86_IF))
		S(c)->ev.int_shadow = X86_SHADOW_STI;
	S(c)->rflags |= X86_IF;
	return X86_R_NEXT_END;
}

HANDLER(hlt)
{
	if (!priv(c))
		return x86_gp0(c);
	return X86_R_HLT;
}

int x86_io_allowed(struct x86_core *c, uint16_t port, unsigned size)
{
	struct x86_seg *tr = &S(c)->seg[X86_TR];
	uint64_t base, bits;

	if (!c->pe || c->cpl <= iopl(c))
		return 0;
	/* Consult the TSS I/O permission bitmap. */
	if (tr->unusable || !tr->present || (tr->type & 7) != 3 ||
	    tr->limit < 0x67)
		return x86_gp0(c);
	TRY(x86_sys_read(c, tr->base + 0x66, 2, &base));
	if (base + port / 8 + 1 > tr->limit)
		return x86_gp0(c);
	TRY(x86_sys_read(c, tr->base + base + port / 8, 2, &bits));
	if ((bits >> (port & 7)) & ((1u << size) - 1))
		return x86_gp0(c);
	return 0;
}

/* ---- TSC, MSR, CPUID -------------------------------------------------------------- */

uint64_t x86_rdtsc(struct x86_core *c)
{
	uint64_t t = c->pub.ops->tsc ? c->pub.ops->tsc(c->pub.opaque) : 0;

	return t + S(c)->tsc_offset;
}

HANDLER(rdtsc)
{
	uint64_t t;

	if ((S(c)->cr4 & X86_CR4_TSD) && !priv(c))
		return x86_gp0(c);
	t = x86_rdtsc(c);
	GPR(c, X86_RAX) = (uint32_t)t;
	GPR(c, X86_RDX) = t >> 32;
	if (in->arg)
		GPR(c, X86_RCX) = (uint32_t)S(c)->tsc_aux;
	return 0;
}

HANDLER(rdpid)
{
	GPR(c, in->rm) = c->mode64 ? S(c)->tsc_aux : (uint32_t)S(c)->tsc_aux;
	return 0;
}

/*
 * RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE (arg 0-3): 64-bit mode with
 * CR4.FSGSBASE only, any CPL.  Without REX.W the value is 32 bits, zero
 * extended; a 64-bit base must be canonical.
 */
HANDLER(fsgsbase)
{
	struct x86_seg *seg = &S(c)->seg[in->arg & 1 ? X86_GS : X86_FS];
	uint64_t v;

	if (!c->mode64 || !(S(c)->cr4 & X86_CR4_FSGSBASE))
		return x86_ud(c);
	if (in->arg < 2) {
		GPR(c, in->rm) = in->osz == 8 ? seg->base : (uint32_t)seg->base;
		return 0;
	}
	v = in->osz == 8 ? GPR(c, in->rm) : (uint32_t)GPR(c, in->rm);
	if ((uint64_t)((int64_t)(v << 16) >> 16) != v)
		return x86_gp0(c);
	seg->base = v;
	return 0;
}

HANDLER(rdmsr)
{
	uint64_t v;

	if (!priv(c))
		return x86_gp0(c);
	TRY(x86_msr_guest(c, (uint32_t)GPR(c, X86_RCX), &v, false));
	GPR(c, X86_RAX) = (uint32_t)v;
	GPR(c, X86_RDX) = v >> 32;
	return 0;
}

HANDLER(wrmsr)
{
	uint64_t v = (uint32_t)GPR(c, X86_RAX) | (GPR(c, X86_RDX) << 32);

	if (!priv(c))
		return x86_gp0(c);
	TRY(x86_msr_guest(c, (uint32_t)GPR(c, X86_RCX), &v, true));
	return X86_R_NEXT_END;
}

HANDLER(cpuid)
{
	uint32_t r[4] = { 0 };

	if (c->pub.ops->cpuid)
		c->pub.ops->cpuid(c->pub.opaque, GPR(c, X86_RAX),
				  GPR(c, X86_RCX), r);
	GPR(c, X86_RAX) = r[0];
	GPR(c, X86_RBX) = r[1];
	GPR(c, X86_RCX) = r[2];
	GPR(c, X86_RDX) = r[3];
	return X86_R_NEXT_END;
}

HANDLER(xgetbv)
{
	if (!(S(c)->cr4 & X86_CR4_OSXSAVE))
		return x86_ud(c);
	if (GPR(c, X86_RCX) & 0xffffffff)
		return x86_gp0(c);
	GPR(c, X86_RAX) = (uint32_t)S(c)->xcr0;
	GPR(c, X86_RDX) = S(c)->xcr0 >> 32;
	return 0;
}

HANDLER(xsetbv)
{
	uint64_t v = (uint32_t)GPR(c, X86_RAX) | (GPR(c, X86_RDX) << 32);

	if (!(S(c)->cr4 & X86_CR4_OSXSAVE))
		return x86_ud(c);
	/* x87 always; AVX state only together with SSE state. */
	if (!priv(c) || (GPR(c, X86_RCX) & 0xffffffff) || !(v & 1) ||
	    (v & ~X86_XCR0_SUPPORTED) ||
	    ((v & X86_XCR0_AVX) && !(v & X86_XCR0_SSE)))
		return x86_gp0(c);
	S(c)->xcr0 = v;
	return X86_R_NEXT_END;
}

/*
 * VMCALL (Intel) and VMMCALL (AMD) are one hypercall instruction to the
 * backend, as KVM treats them; without a backend hook they are #UD, as
 * outside VMX non-root operation.
 */
HANDLER(vmcall)
{
	int r;

	if (!c->pub.ops->hypercall)
		return x86_ud(c);
	r = c->pub.ops->hypercall(c->pub.opaque, c->cpl, c->mode64);
	if (r == X86_IO_EXIT)
		return X86_R_EXIT;
	if (r == X86_HC_UD)
		return x86_ud(c);
	return X86_R_NEXT_END;
}

/* ---- fast system calls --------------------------------------------------------------- */

static void flat_seg(struct x86_seg *s, uint16_t sel, uint8_t type,
		     unsigned dpl, bool l)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->type = type;
	s->s = 1;
	s->dpl = dpl;
	s->present = 1;
	s->g = 1;
	s->l = l;
	s->db = !l;
}

HANDLER(syscall)
{
	struct x86_state *s = S(c);
	uint16_t sel = s->star >> 32;
	uint64_t fl = x86_get_flags(c);

	if (!(s->efer & X86_EFER_SCE) || !c->pe)
		return x86_ud(c);
	if (c->lma) {
		GPR(c, X86_RCX) = s->rip + in->len;
		GPR(c, X86_R11) = fl & ~(uint64_t)X86_RF;
		x86_set_flags(c, fl & ~(s->sfmask | X86_RF), ~0ull);
		s->rip = c->mode64 ? s->lstar : s->cstar;
	} else {
		GPR(c, X86_RCX) = (uint32_t)(s->rip + in->len);
		x86_set_flags(c, fl & ~(uint64_t)(X86_VM | X86_IF | X86_RF),
			      ~0ull);
		s->rip = (uint32_t)s->star;
	}
	flat_seg(&s->seg[X86_CS], sel & 0xfffc, 0xb, 0, c->lma);
	flat_seg(&s->seg[X86_SS], (sel + 8) & 0xfffc, 3, 0, false);
	x86_update_mode(c);
	/* A TF that SFMASK clears must not trap into the kernel (XSA-204). */
	c->dbg.step_by_result = true;
	return X86_R_JUMP;
}

HANDLER(sysret)
{
	struct x86_state *s = S(c);
	uint16_t sel = s->star >> 48;

	if (!(s->efer & X86_EFER_SCE) || !c->pe)
		return x86_ud(c);
	if (!priv(c))
		return x86_gp0(c);
	if (c->lma) {
		bool to64 = in->osz == 8;

		if (to64 && (uint64_t)((int64_t)(GPR(c, X86_RCX) << 16) >> 16) !=
			    GPR(c, X86_RCX))
			return x86_gp0(c);
		x86_set_flags(c, (GPR(c, X86_R11) & 0x3c7fd7) | X86_FIXED1,
			      ~0ull);
		flat_seg(&s->seg[X86_CS], ((to64 ? sel + 16 : sel) & 0xfffc) | 3,
			 0xb, 3, to64);
		s->rip = to64 ? GPR(c, X86_RCX) : (uint32_t)GPR(c, X86_RCX);
	} else {
		flat_seg(&s->seg[X86_CS], (sel & 0xfffc) | 3, 0xb, 3, false);
		s->rflags |= X86_IF;
		s->rip = (uint32_t)GPR(c, X86_RCX);
	}
	/* SS keeps its cached descriptor except selector and DPL. */
	s->seg[X86_SS].selector = ((sel + 8) & 0xfffc) | 3;
	s->seg[X86_SS].dpl = 3;
	s->seg[X86_SS].unusable = 0;
	x86_update_mode(c);
	/* A TF that SYSRET loads from R11 traps right after it. */
	c->dbg.step_by_result = true;
	return X86_R_JUMP;
}

HANDLER(sysenter)
{
	struct x86_state *s = S(c);
	uint16_t sel = s->sysenter_cs;

	if (!c->pe)
		return x86_gp0(c);
	if (!(sel & 0xfffc))
		return x86_gp0(c);
	x86_set_flags(c, x86_get_flags(c) & ~(uint64_t)(X86_VM | X86_IF |
							X86_RF), ~0ull);
	flat_seg(&s->seg[X86_CS], sel & 0xfffc, 0xb, 0, c->lma);
	flat_seg(&s->seg[X86_SS], (sel + 8) & 0xfffc, 3, 0, false);
	s->rip = c->lma ? s->sysenter_eip : (uint32_t)s->sysenter_eip;
	GPR(c, X86_RSP) = c->lma ? s->sysenter_esp : (uint32_t)s->sysenter_esp;
	x86_update_mode(c);
	return X86_R_JUMP;
}

HANDLER(sysexit)
{
	struct x86_state *s = S(c);
	uint16_t sel = s->sysenter_cs;
	bool to64 = in->osz == 8;

	if (!c->pe || !priv(c) || !(sel & 0xfffc))
		return x86_gp0(c);
	flat_seg(&s->seg[X86_CS], ((sel + (to64 ? 32 : 16)) & 0xfffc) | 3,
		 0xb, 3, to64);
	flat_seg(&s->seg[X86_SS], ((sel + (to64 ? 40 : 24)) & 0xfffc) | 3, 3,
		 3, false);
	s->rip = to64 ? GPR(c, X86_RDX) : (uint32_t)GPR(c, X86_RDX);
	GPR(c, X86_RSP) = to64 ? GPR(c, X86_RCX) : (uint32_t)GPR(c, X86_RCX);
	x86_update_mode(c);
	return X86_R_JUMP;
}

HANDLER(swapgs)
{
	struct x86_state *s = S(c);
	uint64_t t;

	if (!priv(c))
		return x86_gp0(c);
	t = s->seg[X86_GS].base;
	s->seg[X86_GS].base = s->kernel_gs_base;
	s->kernel_gs_base = t;
	return 0;
}

/* ---- segment register moves and loads --------------------------------------------------- */

HANDLER(mov_rm_sreg)
{
	unsigned r = in->reg & 7;

	if (r > X86_GS)
		return x86_ud(c);
	if (in->mem)
		return x86_write(c, in->seg, x86_ea(c, in), 2,
				 S(c)->seg[r].selector);
	reg_write(c, in->rm, in->osz == 2 ? 2 : 4, true,
		  S(c)->seg[r].selector);
	return 0;
}

HANDLER(mov_sreg_rm)
{
	unsigned r = in->reg & 7;
	uint64_t v;

	if (r > X86_GS || r == X86_CS)
		return x86_ud(c);
	if (in->mem)
		TRY(x86_read(c, in->seg, x86_ea(c, in), 2, &v));
	else
		v = GPR(c, in->rm) & 0xffff;
	TRY(x86_load_seg(c, r, v));
	if (r == X86_SS)
		S(c)->ev.int_shadow = X86_SHADOW_MOV_SS;
	return X86_R_NEXT_END;
}

HANDLER(lxs)
{
	uint64_t off, sel, ea = x86_ea(c, in);

	TRY(x86_read(c, in->seg, ea, in->osz, &off));
	TRY(x86_read(c, in->seg, (ea + in->osz) & size_mask(in->asz), 2,
		     &sel));
	TRY(x86_load_seg(c, in->arg, sel));
	reg_write(c, in->reg, in->osz, true, off);
	return X86_R_NEXT_END;
}
