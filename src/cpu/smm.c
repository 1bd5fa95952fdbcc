// SPDX-License-Identifier: GPL-2.0
/*
 * smm.c - System Management Mode: SMI entry, RSM and the state-save image.
 *
 * This follows KVM (seed-apis.md 1.5) rather than one vendor's manual, so
 * that a vCPU state taken on one backend restores on the other: the same
 * two image layouts byte for byte (64-bit when the guest CPUID has long
 * mode), KVM's revision ids, its int_shadow extension bytes, the register
 * state on entry and the order in which RSM reloads control registers.
 *
 * The image lives at SMBASE + 0xFE00 and is always accessed through the
 * SMM address space (map_page(..., smm = true)), never through MMIO: an
 * SMBASE that does not point at RAM in that view stops the vCPU with an
 * internal error (KVM marks the VM dead).  RSM reading a bad image (a
 * control-register combination the CPU refuses) shuts the vCPU down, as
 * KVM does.
 *
 * Not implemented (as in KVM): I/O instruction restart, auto-HLT restart
 * (an SMI taken in HLT returns after the HLT), SMM inside VMX/SVM guests.
 */
#include <stddef.h>

#include "cpu/internal.h"

#define SMM_IMAGE_OFF	0xfe00u
#define SMM_IMAGE_SIZE	512u
#define SMM_REV_32	0x00020000u
#define SMM_REV_64	0x00020064u
#define SMM_ENTRY_RIP	0x8000u

/* KVM's interrupt-shadow encoding, stored in the image (KVM_X86_SHADOW_*). */
#define SMM_SHADOW_MOV_SS	1u
#define SMM_SHADOW_STI		2u

/* 32-bit layout: offsets in the image (from SMBASE + 0xFE00). */
#define S32_SMBASE	0x0f8
#define S32_REVISION	0x0fc
#define S32_CR4		0x114
#define S32_INT_SHADOW	0x11a
#define S32_DS		0x12c	/* {flags, limit, base} records ... */
#define S32_FS		0x138
#define S32_GS		0x144
#define S32_IDTR	0x150
#define S32_TR		0x15c
#define S32_GDTR	0x16c
#define S32_LDTR	0x178
#define S32_ES		0x184
#define S32_CS		0x190
#define S32_SS		0x19c
#define S32_SEL		0x1a8	/* ES CS SS DS FS GS LDTR TR, u32 each */
#define S32_DR7		0x1c8
#define S32_DR6		0x1cc
#define S32_GPRS	0x1d0	/* EAX..EDI */
#define S32_EIP		0x1f0
#define S32_EFLAGS	0x1f4
#define S32_CR3		0x1f8
#define S32_CR0		0x1fc

/* 64-bit layout. */
#define S64_SEGS	0x000	/* ES CS SS DS FS GS, 16 bytes each */
#define S64_GDTR	0x060
#define S64_LDTR	0x070
#define S64_IDTR	0x080
#define S64_TR		0x090
#define S64_INT_SHADOW	0x0cb
#define S64_EFER	0x0d0
#define S64_REVISION	0x0fc
#define S64_SMBASE	0x100
#define S64_CR4		0x148
#define S64_CR3		0x150
#define S64_CR0		0x158
#define S64_DR7		0x160
#define S64_DR6		0x168
#define S64_RFLAGS	0x170
#define S64_RIP		0x178
#define S64_GPRS	0x180	/* R15 first ... RAX last */

/* Where each segment register's 32-bit record is (x86_seg_index order). */
static const uint16_t s32_seg_off[X86_NR_SEGS] = {
	[X86_ES] = S32_ES, [X86_CS] = S32_CS, [X86_SS] = S32_SS,
	[X86_DS] = S32_DS, [X86_FS] = S32_FS, [X86_GS] = S32_GS,
	[X86_LDTR] = S32_LDTR, [X86_TR] = S32_TR,
};

/* Selector slots of the 32-bit layout, same order as x86_seg_index. */
static const uint8_t s32_sel_idx[X86_NR_SEGS] = {
	[X86_ES] = 0, [X86_CS] = 1, [X86_SS] = 2, [X86_DS] = 3,
	[X86_FS] = 4, [X86_GS] = 5, [X86_LDTR] = 6, [X86_TR] = 7,
};

/* DR6/DR7 as KVM stores them (its kvm_set_dr() masks, no RTM/bus lock). */
#define DR6_VOLATILE	0x0001e80full
#define DR6_FIXED_1	0xffff0ff0ull
#define DR7_VOLATILE	0xffff2bffull
#define DR7_FIXED_1	0x400ull

static inline void put16(uint8_t *img, unsigned off, uint16_t v)
{
	memcpy(img + off, &v, 2);
}

static inline void put32(uint8_t *img, unsigned off, uint32_t v)
{
	memcpy(img + off, &v, 4);
}

static inline void put64(uint8_t *img, unsigned off, uint64_t v)
{
	memcpy(img + off, &v, 8);
}

static inline uint16_t get16(const uint8_t *img, unsigned off)
{
	uint16_t v;

	memcpy(&v, img + off, 2);
	return v;
}

static inline uint32_t get32(const uint8_t *img, unsigned off)
{
	uint32_t v;

	memcpy(&v, img + off, 4);
	return v;
}

static inline uint64_t get64(const uint8_t *img, unsigned off)
{
	uint64_t v;

	memcpy(&v, img + off, 8);
	return v;
}

/* Descriptor attribute bits as KVM packs them (G D/B L AVL P DPL S TYPE). */
static uint32_t seg_flags(const struct x86_seg *s)
{
	return (uint32_t)s->g << 23 | (uint32_t)s->db << 22 |
	       (uint32_t)s->l << 21 | (uint32_t)s->avl << 20 |
	       (uint32_t)s->present << 15 | (uint32_t)s->dpl << 13 |
	       (uint32_t)s->s << 12 | (uint32_t)(s->type & 0xf) << 8;
}

static void seg_from_flags(struct x86_seg *s, uint16_t sel, uint64_t base,
			   uint32_t limit, uint32_t flags)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->limit = limit;
	s->g = (flags >> 23) & 1;
	s->db = (flags >> 22) & 1;
	s->l = (flags >> 21) & 1;
	s->avl = (flags >> 20) & 1;
	s->present = (flags >> 15) & 1;
	s->dpl = (flags >> 13) & 3;
	s->s = (flags >> 12) & 1;
	s->type = (flags >> 8) & 0xf;
	s->unusable = !s->present;
}

static uint8_t shadow_to_image(uint8_t sh)
{
	return ((sh & X86_SHADOW_STI) ? SMM_SHADOW_STI : 0) |
	       ((sh & X86_SHADOW_MOV_SS) ? SMM_SHADOW_MOV_SS : 0);
}

static uint8_t shadow_from_image(uint8_t v)
{
	return ((v & SMM_SHADOW_STI) ? X86_SHADOW_STI : 0) |
	       ((v & SMM_SHADOW_MOV_SS) ? X86_SHADOW_MOV_SS : 0);
}

/* Does the guest CPUID have long mode?  It picks the image layout. */
static bool smm_lm_capable(struct x86_core *c)
{
	uint32_t r[4] = { 0 };

	if (!c->pub.ops->cpuid)
		return true;
	c->pub.ops->cpuid(c->pub.opaque, 0x80000000u, 0, r);
	if (r[0] < 0x80000001u)
		return false;
	c->pub.ops->cpuid(c->pub.opaque, 0x80000001u, 0, r);
	return r[3] & (1u << 29);
}

/*
 * Copy the image to or from SMBASE + 0xFE00 in the SMM view.  Returns
 * false when part of it is not RAM there.
 */
static bool smm_image_rw(struct x86_core *c, uint8_t *img, bool write)
{
	uint64_t gpa = (uint32_t)S(c)->smbase + (uint64_t)SMM_IMAGE_OFF;
	unsigned done = 0;

	while (done < SMM_IMAGE_SIZE) {
		uint64_t g = gpa + done;
		unsigned off = g & 0xfff;
		unsigned n = 4096 - off;
		uint8_t *h;

		if (n > SMM_IMAGE_SIZE - done)
			n = SMM_IMAGE_SIZE - done;
		h = c->pub.ops->map_page(c->pub.opaque, g & ~0xfffull, write,
					 true);
		if (!h)
			return false;
		guest_ram_begin();
		if (write)
			memcpy(h + off, img + done, n);
		else
			memcpy(img + done, h + off, n);
		guest_ram_end();
		if (write && x86_is_code_page(c, g))
			x86_code_written(c, g);
		done += n;
	}
	return true;
}

void x86_cpu_smm_changed(struct x86_cpu *cpu, bool entering)
{
	struct x86_core *c = to_core(cpu);
	struct x86_state *s = &cpu->s;

	s->ev.smm = entering;
	if (!entering) {
		s->ev.smm_inside_nmi = 0;
		/*
		 * Re-evaluate events outside the core: a latched INIT (and a
		 * pending SMI) is due now.
		 */
		atomic_store(&cpu->stop_request, true);
	}
	/*
	 * The other view's translations must go: the SMM bit selects the
	 * address space every TLB fill maps through.  Decoded blocks are
	 * keyed by mode, SMM included, so the other view's are unreachable.
	 */
	x86_update_mode(c);
	x86_tlb_flush(c, true);
	x86_mlog_reset(c);
}

static void save_state_32(struct x86_core *c, uint8_t *img)
{
	struct x86_state *s = S(c);
	int i;

	put32(img, S32_CR0, (uint32_t)s->cr0);
	put32(img, S32_CR3, (uint32_t)s->cr3);
	put32(img, S32_EFLAGS, (uint32_t)x86_get_flags(c));
	put32(img, S32_EIP, (uint32_t)s->rip);
	for (i = 0; i < 8; i++)
		put32(img, S32_GPRS + 4 * i, (uint32_t)s->gpr[i]);
	put32(img, S32_DR6, (uint32_t)s->dr[6]);
	put32(img, S32_DR7, (uint32_t)s->dr[7]);
	for (i = 0; i < X86_NR_SEGS; i++) {
		const struct x86_seg *sg = &s->seg[i];
		unsigned off = s32_seg_off[i];

		put32(img, S32_SEL + 4 * s32_sel_idx[i], sg->selector);
		put32(img, off, seg_flags(sg));
		put32(img, off + 4, sg->limit);
		put32(img, off + 8, (uint32_t)sg->base);
	}
	put32(img, S32_GDTR + 4, s->gdt.limit);
	put32(img, S32_GDTR + 8, (uint32_t)s->gdt.base);
	put32(img, S32_IDTR + 4, s->idt.limit);
	put32(img, S32_IDTR + 8, (uint32_t)s->idt.base);
	put32(img, S32_CR4, (uint32_t)s->cr4);
	put32(img, S32_REVISION, SMM_REV_32);
	put32(img, S32_SMBASE, (uint32_t)s->smbase);
	img[S32_INT_SHADOW] = shadow_to_image(s->ev.int_shadow);
}

static void save_seg_64(uint8_t *img, unsigned off, const struct x86_seg *sg)
{
	put16(img, off, sg->selector);
	put16(img, off + 2, (uint16_t)(seg_flags(sg) >> 8));
	put32(img, off + 4, sg->limit);
	put64(img, off + 8, sg->base);
}

static void save_state_64(struct x86_core *c, uint8_t *img)
{
	struct x86_state *s = S(c);
	int i;

	for (i = 0; i < 16; i++)
		put64(img, S64_GPRS + 8 * (15 - i), s->gpr[i]);
	put64(img, S64_RIP, s->rip);
	put64(img, S64_RFLAGS, x86_get_flags(c));
	put64(img, S64_DR6, s->dr[6]);
	put64(img, S64_DR7, s->dr[7]);
	put64(img, S64_CR0, s->cr0);
	put64(img, S64_CR3, s->cr3);
	put64(img, S64_CR4, s->cr4);
	put32(img, S64_SMBASE, (uint32_t)s->smbase);
	put32(img, S64_REVISION, SMM_REV_64);
	put64(img, S64_EFER, s->efer);
	save_seg_64(img, S64_TR, &s->seg[X86_TR]);
	put32(img, S64_IDTR + 4, s->idt.limit);
	put64(img, S64_IDTR + 8, s->idt.base);
	save_seg_64(img, S64_LDTR, &s->seg[X86_LDTR]);
	put32(img, S64_GDTR + 4, s->gdt.limit);
	put64(img, S64_GDTR + 8, s->gdt.base);
	for (i = 0; i < X86_NR_SREGS; i++)
		save_seg_64(img, S64_SEGS + 16 * i, &s->seg[i]);
	img[S64_INT_SHADOW] = shadow_to_image(s->ev.int_shadow);
}

int x86_smm_enter(struct x86_core *c)
{
	struct x86_state *s = S(c);
	uint8_t img[SMM_IMAGE_SIZE];
	bool lm = smm_lm_capable(c);
	struct x86_seg cs, ds;
	int i;

	memset(img, 0, sizeof(img));
	if (lm)
		save_state_64(c, img);
	else
		save_state_32(c, img);

	x86_cpu_smm_changed(&c->pub, true);
	if (!smm_image_rw(c, img, true))
		return x86_internal(c, "SMM entry: no RAM at SMBASE %#llx + "
				    "0xfe00 in the SMM address space",
				    (unsigned long long)s->smbase);

	if (s->ev.nmi_masked)
		s->ev.smm_inside_nmi = 1;
	else
		s->ev.nmi_masked = 1;

	x86_set_flags(c, X86_FIXED1, ~0ull);
	s->rip = SMM_ENTRY_RIP;
	s->ev.int_shadow = 0;
	s->halted = 0;

	s->cr0 &= ~(X86_CR0_PE | X86_CR0_EM | X86_CR0_TS | X86_CR0_PG);
	s->cr4 = 0;
	/* Undocumented hardware behaviour that KVM copies: IDT base 0 too. */
	s->idt.base = 0;
	s->idt.limit = 0;
	s->dr[7] = DR7_FIXED_1;

	memset(&cs, 0, sizeof(cs));
	cs.selector = (s->smbase >> 4) & 0xffff;
	cs.base = (uint32_t)s->smbase;
	cs.limit = 0xffffffff;
	cs.type = 3;
	cs.s = 1;
	cs.present = 1;
	cs.g = 1;
	ds = cs;
	ds.selector = 0;
	ds.base = 0;
	s->seg[X86_CS] = cs;
	for (i = 0; i < X86_NR_SREGS; i++)
		if (i != X86_CS)
			s->seg[i] = ds;
	if (lm)
		s->efer = 0;

	c->pub.smm_entries++;
	/* smm_changed() dropped the TLB; nothing refilled it since. */
	x86_update_mode(c);
	x86_dbg_update(c);	/* DR7 was cleared */
	return 0;
}

static int rsm_set_dr(struct x86_state *s, uint64_t dr6, uint64_t dr7)
{
	if ((dr6 | dr7) >> 32)
		return -1;
	s->dr[6] = (dr6 & DR6_VOLATILE) | DR6_FIXED_1;
	s->dr[7] = (dr7 & DR7_VOLATILE) | DR7_FIXED_1;
	return 0;
}

/*
 * CR3, then CR4 (PAE before paging), then CR0: paging comes on last, with
 * the PDPTEs (PAE) or LMA (long mode) set up by the CR0 write.  PCIDE is
 * not in the core's CPUID, so CR4.PCIDE fails like any reserved bit.
 */
static int rsm_enter_protected_mode(struct x86_core *c, uint64_t cr0,
				    uint64_t cr3, uint64_t cr4)
{
	struct x86_state *s = S(c);

	if (cr3 >> 52)
		return -1;
	s->cr3 = cr3;
	if (x86_set_cr4(c, cr4))
		return -1;
	if (x86_set_cr0(c, cr0))
		return -1;
	return 0;
}

static void rsm_load_seg_32(struct x86_state *s, const uint8_t *img, int i)
{
	unsigned off = s32_seg_off[i];

	seg_from_flags(&s->seg[i],
		       (uint16_t)get32(img, S32_SEL + 4 * s32_sel_idx[i]),
		       get32(img, off + 8), get32(img, off + 4),
		       get32(img, off));
}

static int rsm_load_state_32(struct x86_core *c, const uint8_t *img)
{
	struct x86_state *s = S(c);
	int i;

	x86_set_flags(c, get32(img, S32_EFLAGS) | X86_FIXED1, ~0ull);
	s->rip = get32(img, S32_EIP);
	for (i = 0; i < 8; i++)
		s->gpr[i] = get32(img, S32_GPRS + 4 * i);
	if (rsm_set_dr(s, get32(img, S32_DR6), get32(img, S32_DR7)))
		return -1;
	rsm_load_seg_32(s, img, X86_TR);
	rsm_load_seg_32(s, img, X86_LDTR);
	s->gdt.base = get32(img, S32_GDTR + 8);
	s->gdt.limit = (uint16_t)get32(img, S32_GDTR + 4);
	s->idt.base = get32(img, S32_IDTR + 8);
	s->idt.limit = (uint16_t)get32(img, S32_IDTR + 4);
	rsm_load_seg_32(s, img, X86_ES);
	rsm_load_seg_32(s, img, X86_CS);
	rsm_load_seg_32(s, img, X86_SS);
	rsm_load_seg_32(s, img, X86_DS);
	rsm_load_seg_32(s, img, X86_FS);
	rsm_load_seg_32(s, img, X86_GS);
	s->smbase = get32(img, S32_SMBASE);
	if (rsm_enter_protected_mode(c, get32(img, S32_CR0),
				     get32(img, S32_CR3), get32(img, S32_CR4)))
		return -1;
	s->ev.int_shadow = shadow_from_image(img[S32_INT_SHADOW]);
	return 0;
}

static void rsm_load_seg_64(struct x86_seg *sg, const uint8_t *img,
			    unsigned off)
{
	seg_from_flags(sg, get16(img, off), get64(img, off + 8),
		       get32(img, off + 4), (uint32_t)get16(img, off + 2) << 8);
}

static int rsm_load_state_64(struct x86_core *c, const uint8_t *img)
{
	struct x86_state *s = S(c);
	int i;

	for (i = 0; i < 16; i++)
		s->gpr[i] = get64(img, S64_GPRS + 8 * (15 - i));
	s->rip = get64(img, S64_RIP);
	x86_set_flags(c, get64(img, S64_RFLAGS) | X86_FIXED1, ~0ull);
	if (rsm_set_dr(s, get64(img, S64_DR6), get64(img, S64_DR7)))
		return -1;
	s->smbase = get32(img, S64_SMBASE);
	if (x86_set_efer(c, get64(img, S64_EFER) & ~X86_EFER_LMA))
		return -1;
	rsm_load_seg_64(&s->seg[X86_TR], img, S64_TR);
	s->idt.limit = (uint16_t)get32(img, S64_IDTR + 4);
	s->idt.base = get64(img, S64_IDTR + 8);
	rsm_load_seg_64(&s->seg[X86_LDTR], img, S64_LDTR);
	s->gdt.limit = (uint16_t)get32(img, S64_GDTR + 4);
	s->gdt.base = get64(img, S64_GDTR + 8);
	if (rsm_enter_protected_mode(c, get64(img, S64_CR0),
				     get64(img, S64_CR3), get64(img, S64_CR4)))
		return -1;
	for (i = 0; i < X86_NR_SREGS; i++)
		rsm_load_seg_64(&s->seg[i], img, S64_SEGS + 16 * i);
	s->ev.int_shadow = shadow_from_image(img[S64_INT_SHADOW]);
	return 0;
}

/*
 * Leave SMM: back to a real-mode-like state first, so that the image's
 * CR0/CR3/CR4/EFER load in an order the CPU accepts from there.
 */
static int smm_leave(struct x86_core *c)
{
	struct x86_state *s = S(c);
	uint8_t img[SMM_IMAGE_SIZE];
	bool lm = smm_lm_capable(c);
	int r;

	if (!smm_image_rw(c, img, false))
		return x86_internal(c, "RSM: no RAM at SMBASE %#llx + 0xfe00 "
				    "in the SMM address space",
				    (unsigned long long)s->smbase);
	if (!s->ev.smm_inside_nmi)
		s->ev.nmi_masked = 0;
	x86_cpu_smm_changed(&c->pub, false);

	if (lm) {
		/* A 32-bit code segment is required to clear EFER.LMA. */
		memset(&s->seg[X86_CS], 0, sizeof(s->seg[X86_CS]));
		s->seg[X86_CS].type = 0xb;
		s->seg[X86_CS].s = 1;
		s->seg[X86_CS].g = 1;
		s->seg[X86_CS].present = 1;
	}
	if (s->cr0 & X86_CR0_PE)
		s->cr0 &= ~(X86_CR0_PG | X86_CR0_PE);
	if (lm) {
		s->cr4 &= ~X86_CR4_PAE;
		s->efer = 0;
	}
	x86_update_mode(c);

	/*
	 * No TLB flush here: smm_changed() dropped it and the loads above
	 * fill nothing (the PDPTEs are read physically).
	 */
	r = lm ? rsm_load_state_64(c, img) : rsm_load_state_32(c, img);
	x86_update_mode(c);
	x86_dbg_update(c);	/* DR7 came back from the image */
	return r ? X86_R_SHUTDOWN : 0;
}

HANDLER(rsm)
{
	int r;

	if (!S(c)->ev.smm)
		return x86_ud(c);
	r = smm_leave(c);
	if (r)
		return r;
	return X86_R_JUMP;
}
