// SPDX-License-Identifier: GPL-2.0
/*
 * state.c - emu vCPU state in the KVM layouts.
 *
 * The core keeps its state in shapes that mirror KVM's (x86_seg is
 * kvm_segment, x86_fxsave is the FXSAVE image), so most of this is field
 * copying.  The vcpu events follow seed-apis.md 1.3/1.4 step by step; the
 * comments number the steps.  All of these run on the vCPU's thread while
 * it is not in hv_vcpu_run() (hv.h's threading rule).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emu_priv.h"

BUILD_BUG_ON(sizeof(struct x86_fxsave) != 512);
BUILD_BUG_ON(sizeof(struct kvm_vcpu_events) != 64);

#define XFEATURE_MASK_FPSSE	0x3ull	/* x87 + SSE */
#define XFEATURE_MASK_YMM	0x4ull	/* AVX: YMM upper halves at 576 */
#define XSAVE_HDR_OFFSET	512
#define MXCSR_DEFAULT_MASK	0xffffu

/* ---------------------------------------------------------------- regs */

int emu_get_regs(struct hv_vcpu *vcpu, struct kvm_regs *r)
{
	struct x86_cpu *cpu = to_emu_vcpu(vcpu)->cpu;
	const uint64_t *g = cpu->s.gpr;

	r->rax = g[X86_RAX]; r->rbx = g[X86_RBX];
	r->rcx = g[X86_RCX]; r->rdx = g[X86_RDX];
	r->rsi = g[X86_RSI]; r->rdi = g[X86_RDI];
	r->rsp = g[X86_RSP]; r->rbp = g[X86_RBP];
	r->r8 = g[X86_R8]; r->r9 = g[X86_R9];
	r->r10 = g[X86_R10]; r->r11 = g[X86_R11];
	r->r12 = g[X86_R12]; r->r13 = g[X86_R13];
	r->r14 = g[X86_R14]; r->r15 = g[X86_R15];
	r->rip = cpu->s.rip;
	r->rflags = x86_cpu_get_rflags(cpu);
	return 0;
}

int emu_set_regs(struct hv_vcpu *vcpu, const struct kvm_regs *r)
{
	struct x86_cpu *cpu = to_emu_vcpu(vcpu)->cpu;
	uint64_t *g = cpu->s.gpr;

	g[X86_RAX] = r->rax; g[X86_RBX] = r->rbx;
	g[X86_RCX] = r->rcx; g[X86_RDX] = r->rdx;
	g[X86_RSI] = r->rsi; g[X86_RDI] = r->rdi;
	g[X86_RSP] = r->rsp; g[X86_RBP] = r->rbp;
	g[X86_R8] = r->r8; g[X86_R9] = r->r9;
	g[X86_R10] = r->r10; g[X86_R11] = r->r11;
	g[X86_R12] = r->r12; g[X86_R13] = r->r13;
	g[X86_R14] = r->r14; g[X86_R15] = r->r15;
	cpu->s.rip = r->rip;
	/* Bit 1 always reads as one (KVM forces it too). */
	x86_cpu_set_rflags(cpu, r->rflags | X86_FIXED1);
	/*
	 * A pending exit completion survives: as in KVM, the VMM may look
	 * at or change registers between an exit and the run completing it.
	 */
	return 0;
}

/* ---------------------------------------------------------------- sregs */

static void seg_get(const struct x86_seg *s, struct kvm_segment *k)
{
	memset(k, 0, sizeof(*k));
	k->base = s->base;
	k->limit = s->limit;
	k->selector = s->selector;
	k->type = s->type;
	k->present = s->present;
	k->dpl = s->dpl;
	k->db = s->db;
	k->s = s->s;
	k->l = s->l;
	k->g = s->g;
	k->avl = s->avl;
	k->unusable = s->unusable;
}

static void seg_set(struct x86_seg *s, const struct kvm_segment *k)
{
	memset(s, 0, sizeof(*s));
	s->base = k->base;
	s->limit = k->limit;
	s->selector = k->selector;
	s->type = k->type;
	s->present = k->present;
	s->dpl = k->dpl;
	s->db = k->db;
	s->s = k->s;
	s->l = k->l;
	s->g = k->g;
	s->avl = k->avl;
	s->unusable = k->unusable;
}

int emu_get_sregs(struct hv_vcpu *vcpu, struct kvm_sregs *sr)
{
	struct emu_vcpu *v = to_emu_vcpu(vcpu);
	struct x86_state *s = &v->cpu->s;

	memset(sr, 0, sizeof(*sr));
	seg_get(&s->seg[X86_CS], &sr->cs);
	seg_get(&s->seg[X86_DS], &sr->ds);
	seg_get(&s->seg[X86_ES], &sr->es);
	seg_get(&s->seg[X86_FS], &sr->fs);
	seg_get(&s->seg[X86_GS], &sr->gs);
	seg_get(&s->seg[X86_SS], &sr->ss);
	seg_get(&s->seg[X86_TR], &sr->tr);
	seg_get(&s->seg[X86_LDTR], &sr->ldt);
	sr->gdt.base = s->gdt.base;
	sr->gdt.limit = s->gdt.limit;
	sr->idt.base = s->idt.base;
	sr->idt.limit = s->idt.limit;
	sr->cr0 = s->cr0;
	sr->cr2 = s->cr2;
	sr->cr3 = s->cr3;
	sr->cr4 = s->cr4;
	sr->cr8 = v->lapic ? emu_lapic_get_cr8(v->lapic) : s->cr8;
	sr->efer = s->efer;
	sr->apic_base = v->lapic ? emu_lapic_get_base(v->lapic) : s->apic_base;
	/* An external interrupt being injected shows in the bitmap. */
	if (s->ev.intr_injected && !s->ev.intr_soft)
		sr->interrupt_bitmap[s->ev.intr_nr / 64] |=
			1ull << (s->ev.intr_nr % 64);
	return 0;
}

/*
 * The CR4 bits the emu CPU implements: the architectural base set plus
 * those whose feature its supported CPUID reports, as KVM derives
 * cr4_reserved_bits from its capabilities (KVM's set_sregs_test checks
 * both directions against KVM_GET_SUPPORTED_CPUID).
 */
static uint64_t cr4_supported(void)
{
	struct x86_cpuid_entry e[EMU_MAX_CPUID];
	uint64_t ok = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE |
		      X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE |
		      X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	size_t i, n = x86_cpu_supported_cpuid(e, EMU_MAX_CPUID);

	for (i = 0; i < n; i++) {
		if (e[i].function == 1) {
			if (e[i].ecx & (1u << 5))
				ok |= 1ull << 13;		/* VMXE */
			if (e[i].ecx & (1u << 6))
				ok |= 1ull << 14;		/* SMXE */
			if (e[i].ecx & (1u << 17))
				ok |= 1ull << 17;		/* PCIDE */
			if (e[i].ecx & (1u << 26))
				ok |= X86_CR4_OSXSAVE;
		} else if (e[i].function == 7 && e[i].index == 0) {
			if (e[i].ebx & (1u << 0))
				ok |= X86_CR4_FSGSBASE;
			if (e[i].ebx & (1u << 7))
				ok |= 1ull << 20;		/* SMEP */
			if (e[i].ebx & (1u << 20))
				ok |= 1ull << 21;		/* SMAP */
			if (e[i].ecx & (1u << 2))
				ok |= 1ull << 11;		/* UMIP */
			if (e[i].ecx & (1u << 3))
				ok |= 1ull << 22;		/* PKE */
			if (e[i].ecx & (1u << 16))
				ok |= 1ull << 12;		/* LA57 */
		}
	}
	return ok;
}

/* KVM's consistency rules for KVM_SET_SREGS. */
static bool sregs_valid(const struct kvm_sregs *sr)
{
	if (sr->cr4 & ~cr4_supported())
		return false;
	if ((sr->efer & X86_EFER_LME) && (sr->cr0 & X86_CR0_PG)) {
		if (!(sr->cr4 & X86_CR4_PAE) || !(sr->efer & X86_EFER_LMA))
			return false;
		if (sr->cr3 >> 52)
			return false;
	} else if ((sr->efer & X86_EFER_LMA) || sr->cs.l) {
		return false;
	}
	if (sr->cr0 >> 32)
		return false;
	if ((sr->cr0 & X86_CR0_NW) && !(sr->cr0 & X86_CR0_CD))
		return false;
	if ((sr->cr0 & X86_CR0_PG) && !(sr->cr0 & X86_CR0_PE))
		return false;
	return true;
}

int emu_set_sregs(struct hv_vcpu *vcpu, const struct kvm_sregs *sr)
{
	struct emu_vcpu *v = to_emu_vcpu(vcpu);
	struct x86_state *s = &v->cpu->s;
	int i, vec = -1;

	if (!sregs_valid(sr))
		return -EINVAL;
	for (i = 0; i < 256 && vec < 0; i++)
		if (sr->interrupt_bitmap[i / 64] & (1ull << (i % 64)))
			vec = i;
	if (emu_vcpu_set_apic_base(v, sr->apic_base, true))
		return -EINVAL;
	seg_set(&s->seg[X86_CS], &sr->cs);
	seg_set(&s->seg[X86_DS], &sr->ds);
	seg_set(&s->seg[X86_ES], &sr->es);
	seg_set(&s->seg[X86_FS], &sr->fs);
	seg_set(&s->seg[X86_GS], &sr->gs);
	seg_set(&s->seg[X86_SS], &sr->ss);
	seg_set(&s->seg[X86_TR], &sr->tr);
	seg_set(&s->seg[X86_LDTR], &sr->ldt);
	s->gdt.base = sr->gdt.base;
	s->gdt.limit = sr->gdt.limit;
	s->idt.base = sr->idt.base;
	s->idt.limit = sr->idt.limit;
	s->cr0 = sr->cr0;
	s->cr2 = sr->cr2;
	s->cr3 = sr->cr3;
	s->cr4 = sr->cr4;
	s->cr8 = sr->cr8 & 0xf;
	if (v->lapic)
		emu_lapic_set_cr8(v->lapic, sr->cr8);
	s->efer = sr->efer;
	/* PAE without long mode: the PDPTEs load from guest memory now. */
	if ((s->cr0 & X86_CR0_PG) && (s->cr4 & X86_CR4_PAE) &&
	    !(s->efer & X86_EFER_LMA)) {
		uint64_t base = s->cr3 & 0xffffffe0ull;
		uint8_t *p = emu_mem_lookup(v->vm->mem, s->ev.smm ? HV_AS_SMM :
					    HV_AS_NORMAL, base, false);

		if (p)
			memcpy(s->pdptr, p + (base & 0xfff), sizeof(s->pdptr));
	}
	if (vec >= 0) {
		s->ev.intr_injected = 1;
		s->ev.intr_nr = vec;
		s->ev.intr_soft = 0;
	}
	x86_cpu_state_changed(v->cpu);
	return 0;
}

/* ---------------------------------------------------------------- fpu */

int emu_get_fpu(struct hv_vcpu *vcpu, struct kvm_fpu *f)
{
	const struct x86_fxsave *fx = &to_emu_vcpu(vcpu)->cpu->s.fx;

	memset(f, 0, sizeof(*f));
	memcpy(f->fpr, fx->st, sizeof(f->fpr));
	f->fcw = fx->fcw;
	f->fsw = fx->fsw;
	f->ftwx = fx->ftw;
	f->last_opcode = fx->fop;
	f->last_ip = fx->fip;
	f->last_dp = fx->fdp;
	memcpy(f->xmm, fx->xmm, sizeof(f->xmm));
	f->mxcsr = fx->mxcsr;
	return 0;
}

int emu_set_fpu(struct hv_vcpu *vcpu, const struct kvm_fpu *f)
{
	struct x86_fxsave *fx = &to_emu_vcpu(vcpu)->cpu->s.fx;

	memcpy(fx->st, f->fpr, sizeof(fx->st));
	fx->fcw = f->fcw;
	fx->fsw = f->fsw;
	fx->ftw = f->ftwx;
	fx->fop = f->last_opcode;
	fx->fip = f->last_ip;
	fx->fdp = f->last_dp;
	memcpy(fx->xmm, f->xmm, sizeof(fx->xmm));
	fx->mxcsr = f->mxcsr;
	return 0;
}

static uint32_t mxcsr_mask(const struct x86_fxsave *fx)
{
	return fx->mxcsr_mask ? fx->mxcsr_mask : MXCSR_DEFAULT_MASK;
}

/* Legacy 4 KiB area: FXSAVE image at 0, XSAVE header at 512. */
int emu_get_xsave(struct hv_vcpu *vcpu, struct kvm_xsave *x)
{
	const struct x86_state *s = &to_emu_vcpu(vcpu)->cpu->s;
	uint64_t bv = XFEATURE_MASK_FPSSE | XFEATURE_MASK_YMM;

	memset(x, 0, sizeof(*x));
	memcpy(x->region, &s->fx, sizeof(s->fx));
	memcpy((uint8_t *)x->region + X86_XSAVE_AVX_OFF, s->ymmh,
	       sizeof(s->ymmh));
	memcpy((uint8_t *)x->region + XSAVE_HDR_OFFSET, &bv, sizeof(bv));
	return 0;
}

int emu_set_xsave(struct hv_vcpu *vcpu, const struct kvm_xsave *x)
{
	struct x86_state *s = &to_emu_vcpu(vcpu)->cpu->s;
	const uint8_t *area = (const uint8_t *)x->region;
	struct x86_fxsave fx;
	uint64_t bv, comp;

	memcpy(&fx, area, sizeof(fx));
	memcpy(&bv, area + XSAVE_HDR_OFFSET, sizeof(bv));
	memcpy(&comp, area + XSAVE_HDR_OFFSET + 8, sizeof(comp));
	/* Components we do not have, compacted format, bad MXCSR: -EINVAL. */
	if ((bv & ~(XFEATURE_MASK_FPSSE | XFEATURE_MASK_YMM)) || comp)
		return -EINVAL;
	if (fx.mxcsr & ~mxcsr_mask(&s->fx))
		return -EINVAL;
	fx.mxcsr_mask = s->fx.mxcsr_mask;
	if (!(bv & 1))				/* x87 in its init state */
		x86_fx_x87_init(&fx);
	if (!(bv & 2))				/* SSE registers in init state */
		memset(fx.xmm, 0, sizeof(fx.xmm));
	memcpy(fx.rsvd2, s->fx.rsvd2, sizeof(fx.rsvd2));
	s->fx = fx;
	if (bv & XFEATURE_MASK_YMM)
		memcpy(s->ymmh, area + X86_XSAVE_AVX_OFF, sizeof(s->ymmh));
	else
		memset(s->ymmh, 0, sizeof(s->ymmh));
	return 0;
}

int emu_get_xcrs(struct hv_vcpu *vcpu, struct kvm_xcrs *x)
{
	memset(x, 0, sizeof(*x));
	x->nr_xcrs = 1;
	x->xcrs[0].xcr = 0;
	x->xcrs[0].value = to_emu_vcpu(vcpu)->cpu->s.xcr0;
	return 0;
}

int emu_set_xcrs(struct hv_vcpu *vcpu, const struct kvm_xcrs *x)
{
	struct x86_state *s = &to_emu_vcpu(vcpu)->cpu->s;
	uint32_t i;

	if (x->nr_xcrs > KVM_MAX_XCRS || x->flags)
		return -EINVAL;
	for (i = 0; i < x->nr_xcrs; i++) {
		uint64_t val = x->xcrs[i].value;

		if (x->xcrs[i].xcr != 0)
			return -EINVAL;
		if (!(val & 1) || (val & ~X86_XCR0_SUPPORTED) ||
		    ((val & X86_XCR0_AVX) && !(val & X86_XCR0_SSE)))
			return -EINVAL;
	}
	for (i = 0; i < x->nr_xcrs; i++)
		s->xcr0 = x->xcrs[i].value;
	return 0;
}

/* ---------------------------------------------------------------- msrs */

static int msr_get(struct emu_vcpu *v, uint32_t idx, uint64_t *val)
{
	const struct emu_msr_group *g;

	if (idx == X86_MSR_APIC_BASE) {
		*val = v->lapic ? emu_lapic_get_base(v->lapic) :
				  v->cpu->s.apic_base;
		return 0;
	}
	if (idx == MSR_IA32_TSC_DEADLINE ||
	    (idx >= MSR_X2APIC_FIRST && idx <= MSR_X2APIC_LAST)) {
		if (!v->lapic)
			return -1;
		return emu_lapic_msr_read(v->lapic, idx, val);
	}
	g = emu_msr_group(idx);
	if (g)
		return g->read(v, idx, val, true);
	return x86_cpu_get_msr(v->cpu, idx, val) ? -1 : 0;
}

static int msr_set(struct emu_vcpu *v, uint32_t idx, uint64_t val)
{
	const struct emu_msr_group *g;
	uint64_t cur;

	if (idx == X86_MSR_APIC_BASE)
		return emu_vcpu_set_apic_base(v, val, true);
	if (idx == MSR_IA32_TSC_DEADLINE ||
	    (idx >= MSR_X2APIC_FIRST && idx <= MSR_X2APIC_LAST)) {
		if (!v->lapic)
			return -1;
		return emu_lapic_msr_write(v->lapic, idx, val);
	}
	g = emu_msr_group(idx);
	if (g)
		return g->write(v, idx, val, true);
	if (!x86_cpu_set_msr(v->cpu, idx, val)) {
		if (idx == X86_MSR_TSC) {
			emu_vcpu_tsc_written(v);
			emu_hv_tsc_changed(v);
		}
		return 0;
	}
	/*
	 * Read-only MSRs (MTRRCAP) are in the save list, so a
	 * state restore writes them back: like KVM for host-initiated
	 * writes, accept the value they already hold.
	 */
	return !x86_cpu_get_msr(v->cpu, idx, &cur) && cur == val ? 0 : -1;
}

int emu_get_msrs(struct hv_vcpu *vcpu, struct kvm_msrs *m)
{
	struct emu_vcpu *v = to_emu_vcpu(vcpu);
	uint32_t i;

	uint64_t val;

	for (i = 0; i < m->nmsrs; i++) {
		if (msr_get(v, m->entries[i].index, &val))
			break;
		m->entries[i].data = val;
	}
	return i;
}

int emu_set_msrs(struct hv_vcpu *vcpu, const struct kvm_msrs *m)
{
	struct emu_vcpu *v = to_emu_vcpu(vcpu);
	uint32_t i;

	for (i = 0; i < m->nmsrs; i++)
		if (msr_set(v, m->entries[i].index, m->entries[i].data))
			break;
	x86_cpu_state_changed(v->cpu);
	return i;
}

int emu_get_msr_index_list(struct hv *hv, struct kvm_msr_list *list)
{
	size_t n = x86_cpu_msr_list(NULL, 0), i, total;
	uint32_t *idx;
	bool have_base = false;

	idx = calloc(n + 2 + emu_msr_groups_list(NULL, 0), sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	n = x86_cpu_msr_list(idx, n);
	for (i = 0; i < n; i++)
		have_base |= idx[i] == X86_MSR_APIC_BASE;
	total = n;
	if (!have_base)
		idx[total++] = X86_MSR_APIC_BASE;
	/* KVM lists TSC_DEADLINE; x2APIC registers travel in the LAPIC. */
	idx[total++] = MSR_IA32_TSC_DEADLINE;
	/*
	 * Hyper-V's, kvmclock's and the machine-check MSRs are state of
	 * every VM (host access needs no CPUID), as KVM lists them.
	 */
	total += emu_msr_groups_list(idx + total, emu_msr_groups_list(NULL, 0));
	if (list->nmsrs < total) {
		list->nmsrs = total;
		free(idx);
		return -E2BIG;
	}
	list->nmsrs = total;
	memcpy(list->indices, idx, total * sizeof(*idx));
	free(idx);
	return 0;
}

/* ---------------------------------------------------------------- lapic */

int emu_get_lapic(struct hv_vcpu *vcpu, struct kvm_lapic_state *l)
{
	struct emu_vcpu *v = to_emu_vcpu(vcpu);

	if (!v->lapic)
		return -EINVAL;
	emu_lapic_get_state(v->lapic, l, atomic_load(&v->vm->x2apic_format));
	return 0;
}

int emu_set_lapic(struct hv_vcpu *vcpu, const struct kvm_lapic_state *l)
{
	struct emu_vcpu *v = to_emu_vcpu(vcpu);

	if (!v->lapic)
		return -EINVAL;
	return emu_lapic_set_state(v->lapic, l,
				   atomic_load(&v->vm->x2apic_format));
}

/* ---------------------------------------------------------------- cpuid */

int emu_set_cpuid(struct hv_vcpu *vcpu, const struct kvm_cpuid2 *c)
{
	struct emu_vcpu *v = to_emu_vcpu(vcpu);
	struct kvm_cpuid_entry2 *e = NULL;

	if (c->nent > EMU_MAX_CPUID)
		return -E2BIG;
	if (c->nent) {
		e = calloc(c->nent, sizeof(*e));
		if (!e)
			return -ENOMEM;
		memcpy(e, c->entries, c->nent * sizeof(*e));
	}
	free(v->cpuid);
	v->cpuid = e;
	v->cpuid_nent = c->nent;
	emu_hv_cpuid_changed(v);
	return 0;
}

static const struct kvm_cpuid_entry2 *cpuid_find(const struct emu_vcpu *v,
						 uint32_t fn, uint32_t idx)
{
	unsigned int i;

	for (i = 0; i < v->cpuid_nent; i++) {
		const struct kvm_cpuid_entry2 *e = &v->cpuid[i];

		if (e->function != fn)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) &&
		    e->index != idx)
			continue;
		return e;
	}
	return NULL;
}

void emu_vcpu_cpuid(struct emu_vcpu *v, uint32_t leaf, uint32_t sub,
		    uint32_t regs[4])
{
	const struct kvm_cpuid_entry2 *e = cpuid_find(v, leaf, sub), *max;

	if (!e) {
		/*
		 * Intel: a leaf above the range reports the highest basic
		 * leaf (what KVM does for an Intel guest CPUID).
		 */
		max = cpuid_find(v, leaf & 0x80000000u, 0);
		if (max && leaf > max->eax) {
			const struct kvm_cpuid_entry2 *b = cpuid_find(v, 0, 0);

			if (b)
				e = cpuid_find(v, b->eax, sub);
		}
	}
	if (!e) {
		regs[0] = regs[1] = regs[2] = regs[3] = 0;
		return;
	}
	regs[0] = e->eax;
	regs[1] = e->ebx;
	regs[2] = e->ecx;
	regs[3] = e->edx;
	if (leaf == 0xd && sub == 0)
		regs[1] = x86_xsave_size(v->cpu->s.xcr0);
	if (leaf == 1) {
		/* Runtime bits, as KVM keeps them: OSXSAVE and APIC. */
		regs[2] &= ~(1u << 27);
		if (v->cpu->s.cr4 & X86_CR4_OSXSAVE)
			regs[2] |= 1u << 27;
		if (v->lapic && !(emu_lapic_get_base(v->lapic) &
				  EMU_APIC_BASE_ENABLE))
			regs[3] &= ~(1u << 9);
	}
}

int emu_get_supported_cpuid(struct hv *hv, struct kvm_cpuid2 *c)
{
	size_t n = x86_cpu_supported_cpuid(NULL, 0), i;
	struct x86_cpuid_entry *e;

	/* The core's leaves, then KVM's paravirtual ones, as KVM lists. */
	if (c->nent < n + 2)
		return -E2BIG;
	e = calloc(n ? n : 1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	n = x86_cpu_supported_cpuid(e, n);
	for (i = 0; i < n; i++) {
		struct kvm_cpuid_entry2 *k = &c->entries[i];

		memset(k, 0, sizeof(*k));
		k->function = e[i].function;
		k->index = e[i].index;
		k->flags = e[i].flags & 1 ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
		k->eax = e[i].eax;
		k->ebx = e[i].ebx;
		k->ecx = e[i].ecx;
		k->edx = e[i].edx;
		if (k->function == 1) {
			/*
			 * The LAPIC is the backend's: APIC, x2APIC and the
			 * TSC-deadline timer are implemented here.
			 */
			k->edx |= 1u << 9;
			k->ecx |= (1u << 21) | (1u << 24);
		}
	}
	c->nent = n + emu_kvmpv_cpuid(&c->entries[n]);
	free(e);
	return 0;
}

/* ---------------------------------------------------------------- mp state */

int emu_get_mp_state(struct hv_vcpu *vcpu, struct kvm_mp_state *mp)
{
	struct emu_vcpu *v = to_emu_vcpu(vcpu);

	mp->mp_state = v->mp_state;
	if (v->mp_state == KVM_MP_STATE_RUNNABLE && v->cpu->s.halted)
		mp->mp_state = KVM_MP_STATE_HALTED;
	return 0;
}

int emu_set_mp_state(struct hv_vcpu *vcpu, const struct kvm_mp_state *mp)
{
	struct emu_vcpu *v = to_emu_vcpu(vcpu);
	uint32_t st = mp->mp_state;

	if (st > KVM_MP_STATE_SIPI_RECEIVED)
		return -EINVAL;
	if (!v->lapic && st != KVM_MP_STATE_RUNNABLE)
		return -EINVAL;
	/* INITs are latched in SMM: INIT/SIPI-received states cannot be. */
	if (v->cpu->s.ev.smm && (st == KVM_MP_STATE_INIT_RECEIVED ||
				 st == KVM_MP_STATE_SIPI_RECEIVED))
		return -EINVAL;
	if (st == KVM_MP_STATE_SIPI_RECEIVED) {
		/* As KVM: INIT received, SIPI (stored vector) pending. */
		emu_lapic_raise_sipi(v->lapic);
		st = KVM_MP_STATE_INIT_RECEIVED;
	}
	v->cpu->s.halted = st == KVM_MP_STATE_HALTED;
	v->mp_state = st;
	return 0;
}

/* ---------------------------------------------------------------- events */

/* Core shadow bits <-> KVM_X86_SHADOW_INT_*. */
static uint8_t shadow_to_kvm(uint8_t s)
{
	return ((s & X86_SHADOW_STI) ? KVM_X86_SHADOW_INT_STI : 0) |
	       ((s & X86_SHADOW_MOV_SS) ? KVM_X86_SHADOW_INT_MOV_SS : 0);
}

static uint8_t shadow_from_kvm(uint8_t k)
{
	return ((k & KVM_X86_SHADOW_INT_STI) ? X86_SHADOW_STI : 0) |
	       ((k & KVM_X86_SHADOW_INT_MOV_SS) ? X86_SHADOW_MOV_SS : 0);
}

/* SMM needs address space 1: a SW_PROTECTED VM has neither (KVM). */
static bool vm_has_smm(const struct emu_vm *vm)
{
	return !vm->private_mem;
}

int emu_get_events(struct hv_vcpu *vcpu, struct kvm_vcpu_events *ev)
{
	struct emu_vcpu *v = to_emu_vcpu(vcpu);
	struct x86_cpu *cpu = v->cpu;
	const struct x86_events *e = &cpu->s.ev;
	bool payload = atomic_load(&v->vm->cap_exception_payload);

	memset(ev, 0, sizeof(*ev));
	/* 1.4: fold queued NMIs and SMI IPIs first, so userspace sees them. */
	if (v->lapic && !atomic_load(&cpu->nmi_pending) &&
	    emu_lapic_take_nmi(v->lapic))
		atomic_store(&cpu->nmi_pending, true);
	if (v->lapic && emu_lapic_take_smi(v->lapic))
		atomic_store(&cpu->smi_pending, true);

	ev->exception.injected = e->exc_injected;
	ev->exception.nr = e->exc_nr;
	ev->exception.has_error_code = e->exc_has_error;
	ev->exception.error_code = e->exc_error;
	if (v->exc_pending) {
		if (payload) {
			ev->exception.pending = 1;
			ev->exception_has_payload = v->exc_has_payload;
			ev->exception_payload = v->exc_payload;
		} else {
			ev->exception.injected = 1;	/* merged for old ABI */
		}
	}
	/* Soft exceptions (INT3/INTO) are not reported as injected. */
	if (ev->exception.injected && !v->exc_pending &&
	    (e->exc_nr == X86_EXC_BP || e->exc_nr == X86_EXC_OF) &&
	    !e->exc_has_error)
		ev->exception.injected = 0;

	ev->interrupt.injected = e->intr_injected;
	ev->interrupt.nr = e->intr_nr;
	ev->interrupt.soft = e->intr_soft;
	ev->interrupt.shadow = shadow_to_kvm(e->int_shadow);

	ev->nmi.injected = e->nmi_injected;
	ev->nmi.pending = atomic_load(&cpu->nmi_pending);
	ev->nmi.masked = e->nmi_masked;

	ev->sipi_vector = 0;			/* never reported */

	ev->smi.smm = e->smm;
	ev->smi.pending = atomic_load(&cpu->smi_pending);
	ev->smi.smm_inside_nmi = e->smm_inside_nmi;
	ev->smi.latched_init = v->lapic && emu_lapic_init_pending(v->lapic);

	ev->flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW |
		    KVM_VCPUEVENT_VALID_SMM;
	if (payload)
		ev->flags |= KVM_VCPUEVENT_VALID_PAYLOAD;
	if (atomic_load(&v->vm->cap_triple_fault)) {
		ev->flags |= KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
		ev->triple_fault.pending = v->triple_fault;
	}
	return 0;
}

int emu_set_events(struct hv_vcpu *vcpu, const struct kvm_vcpu_events *in)
{
	const uint32_t valid = KVM_VCPUEVENT_VALID_NMI_PENDING |
			       KVM_VCPUEVENT_VALID_SIPI_VECTOR |
			       KVM_VCPUEVENT_VALID_SHADOW |
			       KVM_VCPUEVENT_VALID_SMM |
			       KVM_VCPUEVENT_VALID_PAYLOAD |
			       KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	struct emu_vcpu *v = to_emu_vcpu(vcpu);
	struct x86_cpu *cpu = v->cpu;
	struct x86_events *e = &cpu->s.ev;
	struct kvm_vcpu_events ev = *in;

	/* 1. Unknown flag bits. */
	if (ev.flags & ~valid)
		return -EINVAL;
	/* 2. Payload: capability, then pending wins over injected. */
	if (ev.flags & KVM_VCPUEVENT_VALID_PAYLOAD) {
		if (!atomic_load(&v->vm->cap_exception_payload))
			return -EINVAL;
		if (ev.exception.pending)
			ev.exception.injected = 0;
		else
			ev.exception_has_payload = 0;
	} else {
		ev.exception.pending = 0;
		ev.exception_has_payload = 0;
	}
	/* 3. Exception vector sanity. */
	if ((ev.exception.injected || ev.exception.pending) &&
	    (ev.exception.nr > 31 || ev.exception.nr == X86_EXC_NMI))
		return -EINVAL;
	/* 4. INIT received and SMM cannot both hold. */
	if ((ev.flags & KVM_VCPUEVENT_VALID_SMM) &&
	    (ev.smi.smm || ev.smi.pending) &&
	    v->mp_state == KVM_MP_STATE_INIT_RECEIVED)
		return -EINVAL;

	/* 5. Exception, interrupt, shadow, NMI, SIPI vector. */
	e->exc_injected = ev.exception.injected;
	e->exc_nr = ev.exception.nr;
	e->exc_has_error = ev.exception.has_error_code;
	e->exc_error = ev.exception.error_code;
	v->exc_pending = ev.exception.pending;
	v->exc_has_payload = ev.exception_has_payload;
	v->exc_payload = ev.exception_payload;

	e->intr_injected = ev.interrupt.injected;
	e->intr_nr = ev.interrupt.nr;
	e->intr_soft = ev.interrupt.soft;
	if (ev.flags & KVM_VCPUEVENT_VALID_SHADOW)
		e->int_shadow = shadow_from_kvm(ev.interrupt.shadow);

	e->nmi_injected = ev.nmi.injected;
	if (ev.flags & KVM_VCPUEVENT_VALID_NMI_PENDING) {
		if (v->lapic)
			emu_lapic_clear_nmi(v->lapic);
		atomic_store(&cpu->nmi_pending, ev.nmi.pending != 0);
	}
	e->nmi_masked = ev.nmi.masked;
	if ((ev.flags & KVM_VCPUEVENT_VALID_SIPI_VECTOR) && v->lapic)
		emu_lapic_set_sipi_vector(v->lapic, ev.sipi_vector);

	/* 6. SMM. */
	if (ev.flags & KVM_VCPUEVENT_VALID_SMM) {
		if (vm_has_smm(v->vm)) {
			/* No nested virtualization to leave first. */
			if (!!e->smm != !!ev.smi.smm)
				x86_cpu_smm_changed(cpu, ev.smi.smm);
			atomic_store(&cpu->smi_pending, ev.smi.pending != 0);
			if (ev.smi.smm)
				e->smm_inside_nmi = ev.smi.smm_inside_nmi != 0;
		} else if (ev.smi.smm || ev.smi.pending ||
			   ev.smi.smm_inside_nmi) {
			return -EINVAL;
		}
		if (v->lapic)
			emu_lapic_set_init_pending(v->lapic,
						   ev.smi.latched_init);
	}

	/* 7. Triple fault. */
	if (ev.flags & KVM_VCPUEVENT_VALID_TRIPLE_FAULT) {
		if (!atomic_load(&v->vm->cap_triple_fault))
			return -EINVAL;
		v->triple_fault = ev.triple_fault.pending;
	}

	/* 8. Re-evaluate events at the next run. */
	atomic_store(&cpu->intr_pending, true);
	return 0;
}

/* ---------------------------------------------------------------- debugregs */

int emu_get_debugregs(struct hv_vcpu *vcpu, struct kvm_debugregs *dr)
{
	const struct x86_state *s = &to_emu_vcpu(vcpu)->cpu->s;

	memset(dr, 0, sizeof(*dr));
	memcpy(dr->db, s->dr, sizeof(dr->db));
	dr->dr6 = s->dr[6];
	dr->dr7 = s->dr[7];
	return 0;
}

int emu_set_debugregs(struct hv_vcpu *vcpu, const struct kvm_debugregs *dr)
{
	struct x86_state *s = &to_emu_vcpu(vcpu)->cpu->s;

	if (dr->flags)
		return -EINVAL;
	if ((dr->dr6 | dr->dr7) >> 32)
		return -EINVAL;
	memcpy(s->dr, dr->db, sizeof(dr->db));
	s->dr[6] = dr->dr6;
	s->dr[7] = dr->dr7;
	x86_cpu_debugregs_changed(to_emu_vcpu(vcpu)->cpu);
	return 0;
}

/*
 * KVM_SET_GUEST_DEBUG: the VMM's single step, INT3 interception and its
 * own hardware breakpoints, reported as HV_EXIT_DEBUG and never seen by
 * the guest.  INJECT_DB/INJECT_BP queue the exception as KVM does.
 */
int emu_set_guest_debug(struct hv_vcpu *vcpu, const struct kvm_guest_debug *dbg)
{
	const uint32_t known = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP |
			       KVM_GUESTDBG_USE_SW_BP | KVM_GUESTDBG_USE_HW_BP |
			       KVM_GUESTDBG_INJECT_DB | KVM_GUESTDBG_INJECT_BP |
			       KVM_GUESTDBG_BLOCKIRQ;
	struct emu_vcpu *v = to_emu_vcpu(vcpu);
	struct x86_state *s = &v->cpu->s;
	uint64_t dr[8];
	uint32_t flags = 0;

	if (dbg->control & ~known)
		return -EINVAL;
	if (dbg->control & (KVM_GUESTDBG_INJECT_DB | KVM_GUESTDBG_INJECT_BP)) {
		if (v->exc_pending || s->ev.exc_injected)
			return -EBUSY;
		s->ev.exc_injected = 1;
		s->ev.exc_nr = (dbg->control & KVM_GUESTDBG_INJECT_DB) ?
			       X86_EXC_DB : X86_EXC_BP;
		s->ev.exc_has_error = 0;
		s->ev.exc_error = 0;
	}
	if (dbg->control & KVM_GUESTDBG_ENABLE) {
		if (dbg->control & KVM_GUESTDBG_SINGLESTEP)
			flags |= X86_DBG_SINGLESTEP;
		if (dbg->control & KVM_GUESTDBG_USE_SW_BP)
			flags |= X86_DBG_SW_BP;
		if (dbg->control & KVM_GUESTDBG_USE_HW_BP)
			flags |= X86_DBG_HW_BP;
		if (dbg->control & KVM_GUESTDBG_BLOCKIRQ)
			flags |= X86_DBG_BLOCKIRQ;
	}
	for (int i = 0; i < 8; i++)
		dr[i] = dbg->arch.debugreg[i];
	x86_cpu_set_guest_debug(v->cpu, flags, dr);
	return 0;
}
