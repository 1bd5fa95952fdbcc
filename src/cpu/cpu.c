// SPDX-License-Identifier: GPL-2.0
/*
 * cpu.c - vCPU lifecycle, the execution loop, decoded-block cache and the
 * shared code-page tracker.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu/internal.h"

/* ---- code-page tracker --------------------------------------------------------- */

#define TRACK_RING	256

struct x86_code_tracker {
	uint64_t max_pages;
	uint64_t *bits;			/* atomic access only */
	uint64_t gen;			/* atomic: invalidations so far */
	uint64_t ring[TRACK_RING];	/* page numbers by generation */
	pthread_mutex_t lock;		/* serializes writers of ring/gen */
	/*
	 * The per-VM "bus lock" for locked read-modify-writes that cannot
	 * be one host atomic (misaligned, page-crossing or MMIO operands):
	 * it serializes them against each other.  It lives here because the
	 * tracker is the one object all vCPUs of a VM share.
	 */
	pthread_mutex_t split_lock;
};

struct x86_code_tracker *x86_code_tracker_create(uint64_t max_gpa)
{
	struct x86_code_tracker *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->max_pages = ALIGN_UP(max_gpa >> 12, 64);
	t->bits = calloc(t->max_pages / 64 + 1, sizeof(uint64_t));
	if (!t->bits) {
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	pthread_mutex_init(&t->split_lock, NULL);
	return t;
}

void x86_code_tracker_destroy(struct x86_code_tracker *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	pthread_mutex_destroy(&t->split_lock);
	free(t->bits);
	free(t);
}

bool x86_tracker_is_code(struct x86_code_tracker *t, uint64_t gpa)
{
	uint64_t pn = gpa >> 12;

	if (pn >= t->max_pages)
		return false;
	return __atomic_load_n(&t->bits[pn / 64], __ATOMIC_RELAXED) &
	       (1ull << (pn % 64));
}

static void tracker_mark(struct x86_code_tracker *t, uint64_t gpa)
{
	uint64_t pn = gpa >> 12;

	__atomic_fetch_or(&t->bits[pn / 64], 1ull << (pn % 64),
			  __ATOMIC_SEQ_CST);
}

static void tracker_invalidate(struct x86_code_tracker *t, uint64_t pn)
{
	uint64_t old = __atomic_fetch_and(&t->bits[pn / 64],
					  ~(1ull << (pn % 64)),
					  __ATOMIC_SEQ_CST);

	if (!(old & (1ull << (pn % 64))))
		return;		/* someone else invalidated it already */
	pthread_mutex_lock(&t->lock);
	__atomic_store_n(&t->ring[t->gen % TRACK_RING], pn, __ATOMIC_RELAXED);
	__atomic_store_n(&t->gen, t->gen + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&t->lock);
}

void x86_code_tracker_write(struct x86_code_tracker *t, uint64_t gpa,
			    uint64_t len)
{
	if (!len)
		return;
	for (uint64_t pn = gpa >> 12; pn <= (gpa + len - 1) >> 12; pn++) {
		if (pn >= t->max_pages)
			break;
		if (x86_tracker_is_code(t, pn << 12))
			tracker_invalidate(t, pn);
	}
}

void x86_split_lock(struct x86_core *c)
{
	pthread_mutex_lock(&c->tracker->split_lock);
}

void x86_split_unlock(struct x86_core *c)
{
	pthread_mutex_unlock(&c->tracker->split_lock);
}

/* A store of this vCPU hit a page holding decoded code. */
void x86_code_written(struct x86_core *c, uint64_t gpa)
{
	tracker_invalidate(c->tracker, gpa >> 12);
	c->blk_dirty = 1;	/* the running block may be stale now */
}

static void blocks_flush(struct x86_core *c)
{
	if (!c->blocks)
		return;
	for (unsigned i = 0; i < BLK_SIZE; i++)
		c->blocks[i].gpa = ~0ull;
}

void x86_cpu_invalidate_code(struct x86_cpu *cpu, uint64_t gpa, uint64_t len)
{
	struct x86_core *c = to_core(cpu);
	uint64_t first = gpa >> 12, last = (gpa + len - 1) >> 12;

	if (!len || !c->blocks)
		return;
	for (unsigned i = 0; i < BLK_SIZE; i++) {
		uint64_t pn = c->blocks[i].gpa >> 12;

		if (c->blocks[i].gpa != ~0ull && pn >= first && pn <= last)
			c->blocks[i].gpa = ~0ull;
	}
}

/* Apply invalidations other vCPUs (and our own stores) published. */
static void tracker_catch_up(struct x86_core *c)
{
	struct x86_code_tracker *t = c->tracker;
	uint64_t g = __atomic_load_n(&t->gen, __ATOMIC_ACQUIRE);
	uint64_t seen = c->tracker_seen;

	if (likely(g == seen))
		return;
	if (g - seen > TRACK_RING / 2) {
		blocks_flush(c);
	} else {
		for (uint64_t i = seen; i < g; i++)
			x86_cpu_invalidate_code(&c->pub,
				__atomic_load_n(&t->ring[i % TRACK_RING],
						__ATOMIC_RELAXED) << 12, 1);
		/* Entries we read may have been overwritten meanwhile. */
		if (__atomic_load_n(&t->gen, __ATOMIC_ACQUIRE) - seen >
		    TRACK_RING / 2)
			blocks_flush(c);
	}
	c->tracker_seen = g;
}

/* ---- lifecycle -------------------------------------------------------------------- */

int x86_internal(struct x86_core *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c->pub.internal_msg, sizeof(c->pub.internal_msg), fmt,
		      ap);
	va_end(ap);
	(void)n;
	return X86_R_INTERNAL;
}

struct x86_cpu *x86_cpu_create(const struct x86_cpu_ops *ops, void *opaque,
			       struct x86_code_tracker *tracker)
{
	struct x86_core *c = aligned_alloc(64, ALIGN_UP(sizeof(*c), 64));

	if (!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->tlb_log_full = true;		/* zeroed tags look valid */
	/* c->blocks (6 MiB) comes with the first run: see blocks_alloc(). */
	if (!tracker) {
		tracker = x86_code_tracker_create(1ull << 36);
		if (!tracker)
			goto fail;
		c->own_tracker = true;
	}
	c->tracker = tracker;
	c->code_bits = tracker->bits;
	c->code_pages = tracker->max_pages;
	c->tracker_seen = __atomic_load_n(&tracker->gen, __ATOMIC_ACQUIRE);
	c->pub.ops = ops;
	c->pub.opaque = opaque;
	c->pub.tracker = tracker;
	c->pub.in = (struct x86_cpu_internal *)c;
	x86_cpu_reset(&c->pub);
	return &c->pub;
fail:
	free(c->blocks);
	free(c);
	return NULL;
}

void x86_cpu_destroy(struct x86_cpu *cpu)
{
	struct x86_core *c;

	if (!cpu)
		return;
	c = to_core(cpu);
	if (c->own_tracker)
		x86_code_tracker_destroy(c->tracker);
	free(c->blocks);
	free(c);
}

static void seg_reset(struct x86_seg *s, uint16_t sel, uint64_t base,
		      uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->base = base;
	s->limit = 0xffff;
	s->type = type;
	s->present = 1;
	s->s = 1;
}

/* State common to RESET and INIT (SDM vol. 3 table 9-1). */
static void init_common(struct x86_core *c)
{
	struct x86_state *s = S(c);

	memset(s->gpr, 0, sizeof(s->gpr));
	s->gpr[X86_RDX] = 0x000806c1;	/* family 6 model 0x8c stepping 1 */
	s->rip = 0xfff0;
	s->rflags = X86_FIXED1;
	s->cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	s->cr2 = s->cr3 = s->cr4 = s->cr8 = 0;
	s->efer = 0;
	for (int i = 0; i < X86_NR_SREGS; i++)
		seg_reset(&s->seg[i], 0, 0, 3);
	seg_reset(&s->seg[X86_CS], 0xf000, 0xffff0000, 0xb);
	seg_reset(&s->seg[X86_LDTR], 0, 0, 2);
	s->seg[X86_LDTR].s = 0;
	seg_reset(&s->seg[X86_TR], 0, 0, 0xb);
	s->seg[X86_TR].s = 0;
	s->gdt.base = s->idt.base = 0;
	s->gdt.limit = s->idt.limit = 0xffff;
	memset(s->dr, 0, sizeof(s->dr));
	s->dr[6] = 0xffff0ff0;
	s->dr[7] = 0x400;
	s->xcr0 = 1;
	memset(&s->ev, 0, sizeof(s->ev));
	s->halted = 0;
	s->a20_mask = ~0ull;
	c->cc_op = CC_EFL;
	c->cc_res = 0;
	c->delivering = -1;
	c->restart = 0;
	x86_mlog_reset(c);
	x86_update_mode(c);
	x86_tlb_flush(c, true);
	/* The VMM's own debugging (dbg.flags) survives INIT and RESET. */
	c->dbg.pend_step = c->dbg.step_by_result = false;
	c->dbg.pend_hits = c->dbg.hits[0] = c->dbg.hits[1] = 0;
	x86_dbg_update(c);
}

void x86_cpu_reset(struct x86_cpu *cpu)
{
	struct x86_core *c = to_core(cpu);
	struct x86_state *s = &cpu->s;

	init_common(c);
	memset(&s->fx, 0, sizeof(s->fx));
	memset(s->ymmh, 0, sizeof(s->ymmh));
	s->fx.fcw = 0x40;
	s->fx.mxcsr = 0x1f80;
	s->fx.mxcsr_mask = 0xffff;
	/* INIT leaves these MSRs alone; only RESET clears them. */
	s->sysenter_cs = s->sysenter_esp = s->sysenter_eip = 0;
	s->kernel_gs_base = 0;
	s->star = s->lstar = s->cstar = s->sfmask = 0;
	s->tsc_offset = 0;
	s->tsc_adjust = 0;
	s->tsc_aux = 0;
	s->pat = 0x0007040600070406ull;
	s->misc_enable = 1;	/* fast strings */
	s->smbase = 0x30000;
	s->mtrr_def_type = 0;
	memset(s->mtrr_fixed, 0, sizeof(s->mtrr_fixed));
	memset(s->mtrr_var, 0, sizeof(s->mtrr_var));
	s->apic_base = 0xfee00000 | (1 << 11);
	memset(s->pdptr, 0, sizeof(s->pdptr));
}

void x86_cpu_init_state(struct x86_cpu *cpu)
{
	init_common(to_core(cpu));
}

void x86_cpu_flush_tlb(struct x86_cpu *cpu)
{
	x86_tlb_flush(to_core(cpu), true);
}

void x86_cpu_state_changed(struct x86_cpu *cpu)
{
	struct x86_core *c = to_core(cpu);
	struct x86_state *s = &cpu->s;

	x86_update_mode(c);
	/* Like KVM_SET_SREGS: PAE paging reloads the PDPTEs from CR3. */
	if ((s->cr0 & X86_CR0_PG) && (s->cr4 & X86_CR4_PAE) &&
	    !(s->efer & X86_EFER_LMA)) {
		if (x86_load_pdptrs(c, s->cr3) == X86_R_EXC)
			memset(s->pdptr, 0, sizeof(s->pdptr));
	}
	x86_tlb_flush(c, true);
	c->restart = 0;
	x86_mlog_reset(c);
	x86_dbg_update(c);
}

uint64_t x86_cpu_get_rflags(struct x86_cpu *cpu)
{
	return x86_get_flags(to_core(cpu));
}

void x86_cpu_set_rflags(struct x86_cpu *cpu, uint64_t rflags)
{
	x86_set_flags(to_core(cpu), rflags, ~0ull);
}

/* ---- execution ----------------------------------------------------------------------- */

static inline uint64_t ip_mask(struct x86_core *c)
{
	return c->mode64 ? ~0ull : c->code32 ? 0xffffffffull : 0xffff;
}

static inline unsigned block_slot(struct x86_core *c, uint64_t gpa)
{
	return ((gpa >> 1) ^ (gpa >> 13) ^ c->mode_key) & (BLK_SIZE - 1);
}

/* Something the outer loop must look at before the next block. */
static inline bool attention(struct x86_core *c)
{
	struct x86_cpu *cpu = &c->pub;

	return atomic_load_explicit(&cpu->stop_request, memory_order_relaxed) ||
	       atomic_load_explicit(&cpu->nmi_pending, memory_order_relaxed) ||
	       atomic_load_explicit(&cpu->smi_pending, memory_order_relaxed) ||
	       (atomic_load_explicit(&cpu->intr_pending, memory_order_relaxed) &&
		(c->pub.s.rflags & X86_IF));
}

/*
 * Decode from guest RAM.  Under TSan the bytes are copied out first, so
 * that only the copy is hidden from it (copy_small()'s reason), not the
 * decoder's own stores.
 */
static int decode_guest(struct x86_core *c, const uint8_t *p,
			unsigned avail, struct x86_insn *in)
{
#ifdef __SANITIZE_THREAD__
	uint8_t buf[X86_MAX_INSN];
	unsigned n = avail < X86_MAX_INSN ? avail : X86_MAX_INSN;

	guest_ram_begin();
	memcpy(buf, p, n);
	guest_ram_end();
	return x86_decode(c, buf, n, in);
#else
	return x86_decode(c, p, avail, in);
#endif
}

static struct x86_block *block_decode(struct x86_core *c, uint64_t gpa,
				      const uint8_t *page, unsigned off,
				      unsigned slot)
{
	struct x86_block *b = &c->blocks[slot];
	unsigned n = 0;

	/* Mark first, then read: a racing store then invalidates us. */
	if (gpa >> 12 < c->tracker->max_pages)
		tracker_mark(c->tracker, gpa);
	else
		slot = ~0u;
	b->gpa = ~0ull;
	while (n < BLK_MAX_INSNS && off < 4096) {
		struct x86_insn *in = &b->insn[n];
		int len = decode_guest(c, page + off, 4096 - off, in);

		if (!len)
			break;		/* crosses the page: decoded uncached */
		n++;
		off += len;
		if (x86_opinfo[in->op].dflags & DF_END || in->fn == h_ud)
			break;
	}
	if (!n)
		return NULL;
	b->n = n;
	b->mode = c->mode_key;
	if (slot != ~0u)
		b->gpa = gpa;
	return b;
}

/* Fetch up to 15 bytes across a page boundary and decode one insn. */
static int decode_slow(struct x86_core *c, uint64_t la, struct x86_insn *in)
{
	uint8_t buf[X86_MAX_INSN];
	unsigned first = 4096 - (la & 0xfff);
	int r;

	r = x86_lin_read(c, la, buf, first, ACC_X);
	if (r)
		return r;
	/* The second page is only needed if the decoder asks for it. */
	if (x86_decode(c, buf, first, in))
		return 0;
	r = x86_lin_read(c, la + first, buf + first, X86_MAX_INSN - first,
			 ACC_X);
	if (r)
		return r;
	x86_decode(c, buf, X86_MAX_INSN, in);
	return 0;
}

static int do_exception(struct x86_core *c)
{
	if (c->exc_vec < 32 && (c->pub.exc_intercept & (1u << c->exc_vec))) {
		struct x86_events *ev = &S(c)->ev;

		ev->exc_injected = 1;
		ev->exc_nr = c->exc_vec;
		ev->exc_has_error = c->exc_has_err;
		ev->exc_error = c->exc_err;
		if (c->exc_vec == X86_EXC_PF)
			S(c)->cr2 = c->exc_cr2;
		if (c->exc_kind != EV_EXC)
			S(c)->rip = c->exc_next_rip;
		return X86_STOP_EXCEPTION;
	}
	return x86_deliver_exception(c);
}

bool x86_cpu_io_pending(struct x86_cpu *cpu)
{
	return to_core(cpu)->restart;
}

/* Map an internal result to a stop reason, or -1 to keep running. */
static int stop_for(struct x86_core *c, int r)
{
	switch (r) {
	case X86_R_EXIT:
		c->restart = 1;
		return X86_STOP_EXIT;
	case X86_R_INTERNAL:
		return X86_STOP_INTERNAL;
	case X86_R_SHUTDOWN:
		return X86_STOP_SHUTDOWN;
	case X86_R_DEBUG:
		return X86_STOP_DEBUG;
	case X86_R_EXC:
		r = do_exception(c);
		if (r == X86_STOP_EXCEPTION)
			return r;
		return r ? stop_for(c, r) : -1;
	}
	return -1;
}

static int check_events(struct x86_core *c)
{
	struct x86_state *s = S(c);
	struct x86_cpu *cpu = &c->pub;

	if (s->ev.exc_injected) {
		s->ev.exc_injected = 0;
		return x86_deliver_event(c, s->ev.exc_nr, EV_EXC,
					 s->ev.exc_has_error, s->ev.exc_error,
					 s->rip);
	}
	if (s->ev.nmi_injected) {
		s->ev.nmi_injected = 0;
		s->ev.nmi_masked = 1;
		return x86_deliver_event(c, X86_EXC_NMI, EV_EXT, false, 0,
					 s->rip);
	}
	if (s->ev.intr_injected) {
		s->ev.intr_injected = 0;
		return x86_deliver_event(c, s->ev.intr_nr,
					 s->ev.intr_soft ? EV_SOFT : EV_EXT,
					 false, 0, s->rip);
	}
	/* SMIs go before NMIs and interrupts, shadow or not (as KVM). */
	if (atomic_load_explicit(&cpu->smi_pending, memory_order_relaxed) &&
	    !s->ev.smm) {
		atomic_store(&cpu->smi_pending, false);
		return x86_smm_enter(c);
	}
	if (s->ev.int_shadow)
		return 0;
	if (atomic_load_explicit(&cpu->nmi_pending, memory_order_relaxed) &&
	    !s->ev.nmi_masked) {
		atomic_store(&cpu->nmi_pending, false);
		s->ev.nmi_masked = 1;
		s->halted = 0;
		return x86_deliver_event(c, X86_EXC_NMI, EV_EXT, false, 0,
					 s->rip);
	}
	if (atomic_load_explicit(&cpu->intr_pending, memory_order_relaxed) &&
	    (x86_get_flags(c) & X86_IF) && cpu->ops->intr_ack &&
	    !(c->dbg.flags & X86_DBG_BLOCKIRQ)) {
		int vec = cpu->ops->intr_ack(cpu->opaque);

		if (vec >= 0) {
			s->halted = 0;
			return x86_deliver_event(c, vec & 0xff, EV_EXT, false,
						 0, s->rip);
		}
	}
	return 0;
}

/*
 * The decoded-block cache is allocated by the first run, not at creation:
 * a VM may have a thousand vCPUs (KVM's limit) of which few ever run.
 */
static bool blocks_alloc(struct x86_core *c)
{
	if (likely(c->blocks))
		return true;
	c->blocks = malloc(BLK_SIZE * sizeof(*c->blocks));
	if (!c->blocks)
		return false;
	blocks_flush(c);
	return true;
}

int x86_cpu_run(struct x86_cpu *cpu, uint64_t budget)
{
	struct x86_core *c = to_core(cpu);
	struct x86_state *s = &cpu->s;
	uint64_t done = 0;
	int r, stop;

	if (!blocks_alloc(c)) {
		x86_internal(c, "out of memory for the decoded-code cache");
		return X86_STOP_INTERNAL;
	}

	for (;;) {
		const struct x86_block *b;
		struct tlb_entry *te;
		uint64_t la, gpa, page, ipm;
		unsigned maxn, i;
		uint8_t shadow0;
		bool single, tf0;

		if (!c->restart &&
		    atomic_load_explicit(&cpu->stop_request,
					 memory_order_relaxed)) {
			atomic_store(&cpu->stop_request, false);
			stop = X86_STOP_REQUEST;
			break;
		}
		if (!c->restart) {
			r = check_events(c);
			if (r && (stop = stop_for(c, r)) >= 0)
				break;
		}
		if (s->halted) {
			stop = X86_STOP_HLT;
			break;
		}
		if (done >= budget) {
			stop = X86_STOP_BUDGET;
			break;
		}

		/* Translate RIP. */
		if (c->mode64) {
			la = s->rip;
		} else {
			if (s->rip > s->seg[X86_CS].limit) {
				r = x86_gp0(c);
				goto fault;
			}
			la = (s->seg[X86_CS].base + s->rip) & 0xffffffff;
		}
		/* Code breakpoints fire before the instruction starts. */
		if (unlikely(c->dbg.active) && !c->restart) {
			r = x86_dbg_code(c, la);
			if (r)
				goto fault;
		}
		page = la & ~0xfffull;
		te = &c->tlb[c->cpl == 3][(la >> 12) & (TLB_SIZE - 1)];
		if (unlikely(te->tag_x != page || !te->host_r)) {
			r = x86_translate(c, la, ACC_X, &gpa, &te);
			if (r)
				goto fault;
			if (!te->host_r) {
				if (c->pub.ops->fetch_fault &&
				    c->pub.ops->fetch_fault(c->pub.opaque, gpa) ==
				    X86_IO_EXIT) {
					r = X86_R_EXIT;
					goto fault;
				}
				r = x86_internal(c, "execution from MMIO at "
						 "gpa %#llx",
						 (unsigned long long)gpa);
				goto fault;
			}
		}
		gpa = te->gpa | (la & 0xfff);
		tracker_catch_up(c);

		unsigned slot = block_slot(c, gpa);

		b = &c->blocks[slot];
		if (unlikely(b->gpa != gpa || b->mode != c->mode_key)) {
			b = block_decode(c, gpa, (const uint8_t *)te->host_r,
					 la & 0xfff, slot);
			if (!b) {
				r = decode_slow(c, la, &c->tmp_insn);
				if (r)
					goto fault;
				s->rflags &= ~(uint64_t)X86_RF;
				shadow0 = s->ev.int_shadow;
				tf0 = s->rflags & X86_TF;
				r = c->tmp_insn.fn(c, &c->tmp_insn);
				single = false;
				i = 0;
				if (r == X86_R_OK || r == X86_R_NEXT_END ||
				    r == X86_R_HLT)
					s->rip = (s->rip + c->tmp_insn.len) &
						 ip_mask(c);
				if (r == X86_R_HLT)
					s->halted = 1;
				if (r >= 0) {
					done++;
					cpu->insns++;
					c->restart = 0;
					if (c->mlog_n)
						x86_mlog_reset(c);
					if (shadow0 || tf0 || c->dbg.active ||
					    c->dbg.step_by_result) {
						r = x86_dbg_after(c, shadow0,
								  tf0);
						if (r)
							goto fault;
					}
					continue;
				}
				goto fault;
			}
		}

exec:
		/*
		 * RF (set by IRET to a faulting instruction) is cleared as
		 * the next instruction starts; the core has no instruction
		 * breakpoints for it to suppress, and a block is entered at
		 * every instruction that can set it (IRET ends blocks).
		 */
		if (unlikely(s->rflags & X86_RF))
			s->rflags &= ~(uint64_t)X86_RF;
		shadow0 = s->ev.int_shadow;
		tf0 = s->rflags & X86_TF;
		single = shadow0 || tf0 || c->dbg.active;
		maxn = b->n;
		/*
		 * The instruction an exit stopped is completed alone: an event
		 * the VMM raised during the exit (SMI, NMI) is due right
		 * after it, as on KVM.
		 */
		if (single || c->restart)
			maxn = 1;
		if (maxn > budget - done)
			maxn = budget - done;
		c->blk_dirty = 0;
		r = 0;
		ipm = ip_mask(c);
		for (i = 0; i < maxn; i++) {
			const struct x86_insn *in = &b->insn[i];

			r = in->fn(c, in);
			if (likely(r == X86_R_OK)) {
				s->rip = (s->rip + in->len) & ipm;
				/* Stale code or an MMIO access: end here. */
				if (unlikely(c->blk_dirty)) {
					i++;
					break;
				}
				continue;
			}
			if (r < 0)
				break;
			if (r == X86_R_NEXT_END || r == X86_R_HLT)
				s->rip = (s->rip + in->len) & ip_mask(c);
			if (r == X86_R_HLT)
				s->halted = 1;
			if (c->mlog_n)
				x86_mlog_reset(c);
			c->restart = 0;
			i++;
			break;
		}
		done += i;
		cpu->insns += i;
		if (r < 0)
			goto fault;
		/* Completed instructions: no restart, no MMIO replay left. */
		c->restart = 0;
		if (c->mlog_n)
			x86_mlog_reset(c);
		if ((single && i == 1) || unlikely(c->dbg.step_by_result)) {
			/* Single-step and breakpoint traps, shadows. */
			r = x86_dbg_after(c, shadow0, tf0);
			if (r)
				goto fault;
		}
		/*
		 * Chain to the next block without the full loop when nothing
		 * needs attention and it is already decoded and mapped.
		 */
		if (!single && !s->halted && done < budget && !c->blk_dirty &&
		    !attention(c)) {
			uint64_t nla = s->rip;

			if (__atomic_load_n(&c->tracker->gen, __ATOMIC_RELAXED) !=
			    c->tracker_seen)
				continue;
			if (!c->mode64) {
				if (s->rip > s->seg[X86_CS].limit)
					continue;
				nla = (s->seg[X86_CS].base + s->rip) & 0xffffffff;
			}
			te = &c->tlb[c->cpl == 3][(nla >> 12) & (TLB_SIZE - 1)];
			if (te->tag_x != (nla & ~0xfffull) || !te->host_r)
				continue;
			gpa = te->gpa | (nla & 0xfff);
			b = &c->blocks[block_slot(c, gpa)];
			if (b->gpa == gpa && b->mode == c->mode_key)
				goto exec;
		}
		continue;
fault:
		/* Events count against the budget so fault loops end too. */
		done++;
		if (r == X86_R_EXC)
			c->restart = 0;
		if (r != X86_R_EXIT && c->mlog_n)
			x86_mlog_reset(c);
		stop = stop_for(c, r);
		if (stop >= 0)
			break;
	}
	return stop;
}
