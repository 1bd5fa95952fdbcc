// SPDX-License-Identifier: GPL-2.0
/*
 * Debug facilities of the core: DR0-DR3 instruction, data and I/O
 * breakpoints with DR6/DR7 semantics, the single-step trap, MOV DR general
 * detect, and the VMM's own debugging (KVM_SET_GUEST_DEBUG's single step,
 * hardware breakpoints and INT3 interception), which stop the run instead
 * of reaching the guest.
 *
 * Nothing here costs anything while no breakpoint is armed: the run loop
 * looks at c->dbg.active once per block.  When something is armed the
 * core executes one instruction at a time, checks code breakpoints before
 * each, and data accesses reach the slow memory path because TLB entries
 * of watched pages are never made valid for data.
 *
 * DR6 is written as KVM writes it when it delivers a #DB: B0-B3 are
 * replaced by the breakpoints this exception reports, BD/BS accumulate.
 */
#include "internal.h"

#define DR6_TRAP_BITS	0xfull
#define DR6_BD		(1ull << 13)
#define DR6_BS		(1ull << 14)
#define DR6_FIXED_1	0xffff0ff0ull
#define DR7_GD		(1ull << 13)

/* DR7 R/Wn encodings. */
#define BP_EXEC		0
#define BP_WRITE	1
#define BP_IO		2
#define BP_RW		3

static void decode_set(struct x86_dbg_set *set, const uint64_t *dr,
		       uint64_t dr7)
{
	static const uint8_t lens[4] = { 1, 2, 8, 4 };

	set->mask = 0;
	for (int i = 0; i < 4; i++) {
		struct x86_dbg_bp *bp = &set->bp[i];

		if (!((dr7 >> (i * 2)) & 3))
			continue;
		bp->type = (dr7 >> (16 + i * 4)) & 3;
		bp->len = lens[(dr7 >> (18 + i * 4)) & 3];
		/* Instruction breakpoints match one byte, whatever LEN says. */
		if (bp->type == BP_EXEC)
			bp->len = 1;
		bp->addr = dr[i] & ~(uint64_t)(bp->len - 1);
		set->mask |= 1u << i;
	}
}

static bool set_has(const struct x86_dbg_set *set, int type)
{
	for (int i = 0; i < 4; i++)
		if ((set->mask & (1u << i)) && set->bp[i].type == type)
			return true;
	return false;
}

void x86_dbg_update(struct x86_core *c)
{
	struct x86_dbg *d = &c->dbg;
	struct x86_state *s = S(c);
	bool had_data = d->data;

	decode_set(&d->set[0], s->dr, s->dr[7]);
	if (d->flags & X86_DBG_HW_BP)
		decode_set(&d->set[1], d->host_dr, d->host_dr[7]);
	else
		d->set[1].mask = 0;
	d->data = false;
	for (int h = 0; h < 2; h++)
		d->data |= set_has(&d->set[h], BP_WRITE) ||
			   set_has(&d->set[h], BP_RW);
	d->active = d->set[0].mask || d->set[1].mask ||
		    (d->flags & X86_DBG_SINGLESTEP);
	/* Watched pages must leave (or may come back to) the fast path. */
	if (d->data || had_data)
		x86_tlb_flush(c, true);
}

void x86_cpu_set_guest_debug(struct x86_cpu *cpu, uint32_t flags,
			     const uint64_t dr[8])
{
	struct x86_core *c = to_core(cpu);

	c->dbg.flags = flags;
	if (dr)
		memcpy(c->dbg.host_dr, dr, sizeof(c->dbg.host_dr));
	x86_dbg_update(c);
}

void x86_cpu_debugregs_changed(struct x86_cpu *cpu)
{
	x86_dbg_update(to_core(cpu));
}

static bool overlaps(const struct x86_dbg_bp *bp, uint64_t a, unsigned size)
{
	return a < bp->addr + bp->len && bp->addr < a + size;
}

static unsigned match(const struct x86_dbg_set *set, uint64_t a,
		      unsigned size, int type)
{
	unsigned hits = 0;

	for (int i = 0; i < 4; i++) {
		const struct x86_dbg_bp *bp = &set->bp[i];

		if (!(set->mask & (1u << i)))
			continue;
		if (bp->type == type ||
		    (type == BP_WRITE && bp->type == BP_RW)) {
			if (overlaps(bp, a, size))
				hits |= 1u << i;
		}
	}
	return hits;
}

bool x86_dbg_page_watched(struct x86_core *c, uint64_t page)
{
	for (int h = 0; h < 2; h++) {
		const struct x86_dbg_set *set = &c->dbg.set[h];

		for (int i = 0; i < 4; i++) {
			const struct x86_dbg_bp *bp = &set->bp[i];

			if ((set->mask & (1u << i)) && bp->type != BP_EXEC &&
			    bp->type != BP_IO && overlaps(bp, page, 4096))
				return true;
		}
	}
	return false;
}

static int debug_stop(struct x86_core *c, int exception, uint64_t dr6)
{
	struct x86_cpu_debug_exit *e = &c->pub.debug_exit;
	struct x86_state *s = S(c);

	e->exception = exception;
	e->pc = c->mode64 ? s->rip :
		(s->seg[X86_CS].base + s->rip) & 0xffffffff;
	e->dr6 = dr6 | DR6_FIXED_1;
	e->dr7 = c->dbg.host_dr[7];
	return X86_R_DEBUG;
}

static int raise_db(struct x86_core *c, uint64_t dr6)
{
	struct x86_state *s = S(c);

	s->dr[6] = (s->dr[6] & ~DR6_TRAP_BITS) | dr6 | DR6_FIXED_1;
	c->exc_vec = X86_EXC_DB;
	c->exc_has_err = 0;
	c->exc_err = 0;
	c->exc_kind = EV_EXC;
	return X86_R_EXC;
}

/*
 * RF suppresses both kinds, as on hardware where the VMM's breakpoints
 * sit in the real DR7 while it debugs: to resume at its breakpoint the
 * VMM sets RF in RFLAGS (KVM_SET_REGS), as with KVM.
 */
int x86_dbg_code(struct x86_core *c, uint64_t la)
{
	struct x86_dbg *d = &c->dbg;
	unsigned hits;

	d->hits[0] = d->hits[1] = 0;
	if (S(c)->rflags & X86_RF)
		return 0;
	hits = match(&d->set[1], la, 1, BP_EXEC);
	if (hits)
		return debug_stop(c, X86_EXC_DB, hits);
	hits = match(&d->set[0], la, 1, BP_EXEC);
	if (hits)
		return raise_db(c, hits);
	return 0;
}

void x86_dbg_data(struct x86_core *c, uint64_t la, unsigned size, bool write)
{
	struct x86_dbg *d = &c->dbg;

	for (int h = 0; h < 2; h++) {
		if (!d->set[h].mask)
			continue;
		d->hits[h] |= match(&d->set[h], la, size, BP_RW);
		if (write)
			d->hits[h] |= match(&d->set[h], la, size, BP_WRITE);
	}
}

void x86_dbg_io(struct x86_core *c, uint16_t port, unsigned size)
{
	/* I/O breakpoints exist only with CR4.DE; else R/W=10 is undefined. */
	if (c->dbg.set[0].mask && (S(c)->cr4 & X86_CR4_DE))
		c->dbg.hits[0] |= match(&c->dbg.set[0], port, size, BP_IO);
}

int x86_dbg_after(struct x86_core *c, uint8_t shadow0, bool tf0)
{
	struct x86_dbg *d = &c->dbg;
	struct x86_state *s = S(c);
	bool step = tf0;
	unsigned hits;

	/* SYSCALL and SYSRET decide by the flags they leave (XSA-204). */
	if (d->step_by_result) {
		step = s->rflags & X86_TF;
		d->step_by_result = false;
	}
	if (shadow0)
		s->ev.int_shadow = 0;
	if (d->hits[1] || (d->flags & X86_DBG_SINGLESTEP)) {
		hits = d->hits[1];
		d->hits[1] = 0;
		return debug_stop(c, X86_EXC_DB,
				  hits ? hits : DR6_BS);
	}
	/*
	 * After MOV SS / POP SS, debug traps wait one more instruction so
	 * that the new stack pointer is loaded before a handler runs.
	 */
	if (s->ev.int_shadow == X86_SHADOW_MOV_SS && !shadow0) {
		d->pend_step |= step;
		d->pend_hits |= d->hits[0];
		d->hits[0] = 0;
		return 0;
	}
	step |= d->pend_step;
	hits = d->hits[0] | d->pend_hits;
	d->pend_step = false;
	d->pend_hits = 0;
	d->hits[0] = 0;
	if (!step && !hits)
		return 0;
	return raise_db(c, hits | (step ? DR6_BS : 0));
}

int x86_dbg_int3(struct x86_core *c)
{
	return debug_stop(c, X86_EXC_BP, 0);
}

/*
 * MOV to or from a debug register: DR4/DR5 alias DR6/DR7 only without
 * CR4.DE, and DR7.GD turns the access into a #DB fault with DR6.BD (GD
 * is cleared so that the handler itself may use the registers).
 *
 * While the VMM debugs with hardware breakpoints, its DR7 is the one in
 * force (KVM loads it into the VMCS/VMCB in place of the guest's): its GD
 * stops the run with DR6.BD at the MOV, the guest's GD is not looked at.
 */
int x86_dbg_mov_check(struct x86_core *c, unsigned *reg)
{
	struct x86_state *s = S(c);

	if (*reg == 4 || *reg == 5) {
		if (s->cr4 & X86_CR4_DE)
			return x86_ud(c);
		*reg += 2;
	}
	if (*reg > 7)
		return x86_ud(c);
	if (c->dbg.flags & X86_DBG_HW_BP) {
		if (c->dbg.host_dr[7] & DR7_GD)
			return debug_stop(c, X86_EXC_DB, DR6_BD);
	} else if (s->dr[7] & DR7_GD) {
		s->dr[7] &= ~DR7_GD;
		return raise_db(c, DR6_BD);
	}
	return 0;
}
