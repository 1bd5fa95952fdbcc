// SPDX-License-Identifier: GPL-2.0
/*
 * mem.c - segmentation checks, the software TLB fast path, physical and
 * MMIO access with the per-instruction restart log.
 */
#include "cpu/internal.h"

/* ---- physical / MMIO -------------------------------------------------------- */

void x86_mlog_reset(struct x86_core *c)
{
	c->mlog_n = 0;
	c->mlog_pos = 0;
}

/*
 * Accesses the current instruction already completed are replayed from
 * the log when it is re-executed after an exit, so that no MMIO read or
 * write reaches a device twice.
 */
static int mmio_access(struct x86_core *c, uint64_t gpa, void *buf,
		       unsigned len, bool write)
{
	struct mlog_entry *e;
	int r;

	if (c->mlog_pos < c->mlog_n) {
		e = &c->mlog[c->mlog_pos];
		if (e->gpa == gpa && e->len == len && e->write == write) {
			if (!write)
				memcpy(buf, e->data, len);
			c->mlog_pos++;
			return 0;
		}
		x86_mlog_reset(c);	/* diverged: state changed meanwhile */
	}
	if (!c->pub.ops->mmio) {
		if (!write)
			memset(buf, 0xff, len);
		return 0;
	}
	/*
	 * End the block after this instruction so the run loop resets the
	 * replay log at the instruction boundary (blk_dirty is the one flag
	 * it checks per instruction).
	 */
	c->blk_dirty = 1;
	r = c->pub.ops->mmio(c->pub.opaque, gpa, buf, len, write);
	if (r == X86_IO_EXIT) {
		c->mlog_pos = 0;
		return X86_R_EXIT;
	}
	if (c->mlog_n < MLOG_MAX) {
		e = &c->mlog[c->mlog_n++];
		e->gpa = gpa;
		e->len = len;
		e->write = write;
		if (!write)
			memcpy(e->data, buf, len);
		c->mlog_pos = c->mlog_n;
	}
	return 0;
}

static inline void *map(struct x86_core *c, uint64_t gpa, bool write)
{
	return c->pub.ops->map_page(c->pub.opaque, gpa & ~0xfffull, write,
				    c->pub.s.ev.smm);
}

int x86_phys_rw(struct x86_core *c, uint64_t gpa, void *buf, unsigned size,
		bool write)
{
	while (size) {
		unsigned off = gpa & 0xfff;
		unsigned n = size < 4096 - off ? size : 4096 - off;
		uint64_t g = gpa & S(c)->a20_mask;
		uint8_t *h = map(c, g, write);

		if (h) {
			/* copy_small: one host access for 1/2/4/8 bytes. */
			if (write) {
				copy_small(h + off, buf, n);
				if (x86_is_code_page(c, g))
					x86_code_written(c, g);
			} else {
				copy_small(buf, h + off, n);
			}
		} else {
			/* MMIO is accessed in naturally sized pieces. */
			unsigned done = 0;

			while (done < n) {
				unsigned k = n - done >= 8 ? 8 : n - done;

				TRY(mmio_access(c, g + done,
						(uint8_t *)buf + done, k, write));
				done += k;
			}
		}
		gpa += n;
		buf = (uint8_t *)buf + n;
		size -= n;
	}
	return 0;
}

/* ---- TLB -------------------------------------------------------------------- */

void x86_tlb_flush(struct x86_core *c, bool global)
{
	bool keep_global = !global && (S(c)->cr4 & X86_CR4_PGE);
	unsigned n = 0;

	if (!c->tlb_log_full) {
		/* Only the logged entries can be valid; keep the globals. */
		for (unsigned i = 0; i < c->tlb_log_n; i++) {
			uint16_t k = c->tlb_log[i];
			struct tlb_entry *te =
				&c->tlb[k >> TLB_BITS][k & (TLB_SIZE - 1)];

			if (keep_global && te->global &&
			    te->tag_r != TLB_INVALID) {
				c->tlb_log[n++] = k;
				continue;
			}
			te->tag_r = te->tag_w = te->tag_x = TLB_INVALID;
		}
		c->tlb_log_n = n;
		return;
	}
	for (int u = 0; u < 2; u++)
		for (unsigned i = 0; i < TLB_SIZE; i++) {
			struct tlb_entry *te = &c->tlb[u][i];

			if (keep_global && te->global)
				continue;
			te->tag_r = te->tag_w = te->tag_x = TLB_INVALID;
		}
	/* Surviving globals are not logged: the next flush scans again. */
	c->tlb_log_n = 0;
	c->tlb_log_full = keep_global;
}

static void tlb_log_fill(struct x86_core *c, bool user, unsigned idx)
{
	if (c->tlb_log_full)
		return;
	if (c->tlb_log_n == TLB_LOG) {
		c->tlb_log_full = true;
		return;
	}
	c->tlb_log[c->tlb_log_n++] = idx | (unsigned)user << TLB_BITS;
}

void x86_tlb_flush_page(struct x86_core *c, uint64_t la)
{
	for (int u = 0; u < 2; u++) {
		struct tlb_entry *te = &c->tlb[u][(la >> 12) & (TLB_SIZE - 1)];

		te->tag_r = te->tag_w = te->tag_x = TLB_INVALID;
	}
}

/* ---- page walk ---------------------------------------------------------------- */

#define PTE_P	(1ull << 0)
#define PTE_W	(1ull << 1)
#define PTE_U	(1ull << 2)
#define PTE_A	(1ull << 5)
#define PTE_D	(1ull << 6)
#define PTE_PS	(1ull << 7)
#define PTE_G	(1ull << 8)
#define PTE_NX	(1ull << 63)
#define PHYS_BITS	40
#define ADDR_MASK	(((1ull << PHYS_BITS) - 1) & ~0xfffull)
#define RSVD_HI		(((1ull << 52) - 1) & ~((1ull << PHYS_BITS) - 1))

#define PFEC_P		1
#define PFEC_W		2
#define PFEC_U		4
#define PFEC_RSVD	8
#define PFEC_I		16

struct walk {
	uint64_t gpa;
	bool w, u, x, g;
};

static int pt_read(struct x86_core *c, uint64_t gpa, unsigned size,
		   uint64_t *v)
{
	*v = 0;
	return x86_phys_rw(c, gpa, v, size, false);
}

/* Set A (and D) bits atomically when the entry lives in RAM. */
static void pt_set_bits(struct x86_core *c, uint64_t gpa, unsigned size,
			uint64_t bits)
{
	uint64_t g = gpa & S(c)->a20_mask;
	uint8_t *h = map(c, g, true);

	if (!h)
		return;
	if (size == 8)
		__atomic_fetch_or((uint64_t *)(h + (g & 0xfff)), bits,
				  __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_or((uint32_t *)(h + (g & 0xfff)),
				  (uint32_t)bits, __ATOMIC_SEQ_CST);
	if (x86_is_code_page(c, g))
		x86_code_written(c, g);
}

static int page_fault(struct x86_core *c, uint64_t la, uint32_t err)
{
	c->exc_cr2 = la;
	return x86_exc_err(c, X86_EXC_PF, err);
}

static int walk(struct x86_core *c, uint64_t la, int acc, struct walk *w)
{
	struct x86_state *s = S(c);
	bool user = c->cpl == 3 && !(acc & ACC_SYS);
	bool write = acc & ACC_W, fetch = acc & ACC_X;
	bool nxe = s->efer & X86_EFER_NXE;
	uint64_t rsvd_nx = nxe ? 0 : PTE_NX;
	uint64_t ent_gpa[5];
	uint64_t ent[5];
	unsigned size = 8, levels, lvl, n = 0;
	uint64_t table, pte = 0;
	bool allow_w = true, allow_u = true, allow_x = true;
	uint32_t err = 0;
	uint64_t page_mask = 0xfff;

	if (s->efer & X86_EFER_LMA) {
		levels = 4;
		table = s->cr3 & ADDR_MASK;
	} else if (s->cr4 & X86_CR4_PAE) {
		uint64_t pdpte = s->pdptr[(la >> 30) & 3];

		if (!(pdpte & PTE_P))
			goto notpresent;
		if (pdpte & (0x1e6ull | (~ADDR_MASK & ~0xfffull)))
			goto reserved;
		levels = 2;
		table = pdpte & ADDR_MASK;
		la &= 0xffffffff;
	} else {
		levels = 2;
		size = 4;
		table = s->cr3 & 0xfffff000;
		la &= 0xffffffff;
		rsvd_nx = 0;
	}

	for (lvl = levels; lvl >= 1; lvl--) {
		unsigned shift = 12 + (size == 8 ? 9 : 10) * (lvl - 1);
		unsigned bits = size == 8 ? 9 : 10;
		uint64_t idx = (la >> shift) & ((1u << bits) - 1);
		uint64_t egpa = table + idx * size;
		uint64_t rsvd;

		TRY(pt_read(c, egpa, size, &pte));
		ent_gpa[n] = egpa;
		ent[n++] = pte;
		if (!(pte & PTE_P))
			goto notpresent;
		if (size == 8) {
			rsvd = RSVD_HI | rsvd_nx;
			if (lvl == 4 && (pte & PTE_PS))
				goto reserved;
			if (pte & rsvd)
				goto reserved;
		}
		allow_w &= !!(pte & PTE_W);
		allow_u &= !!(pte & PTE_U);
		if (size == 8 && (pte & PTE_NX) && nxe)
			allow_x = false;
		if (lvl > 1 && (pte & PTE_PS) &&
		    (size == 8 ? lvl <= 3 : (s->cr4 & X86_CR4_PSE))) {
			page_mask = (1ull << shift) - 1;
			if (size == 8 && (pte & (page_mask & ~0x1fffull)))
				goto reserved;	/* large page address not aligned */
			break;
		}
		if (lvl == 1)
			break;
		table = size == 8 ? pte & ADDR_MASK : pte & 0xfffff000;
	}
	if (lvl == 0)
		lvl = 1;

	/* Permission check. */
	if (user && !allow_u)
		goto prot;
	if (write && !allow_w && (user || (s->cr0 & X86_CR0_WP)))
		goto prot;
	if (fetch && !allow_x)
		goto prot;
	/* SMEP: the kernel never runs code from a user page. */
	if (fetch && !user && allow_u && (s->cr4 & X86_CR4_SMEP))
		goto prot;

	/* Accessed / dirty updates. */
	for (unsigned i = 0; i < n; i++) {
		uint64_t bits = PTE_A;

		if (i == n - 1 && write)
			bits |= PTE_D;
		if ((ent[i] & bits) != bits)
			pt_set_bits(c, ent_gpa[i], size, bits);
	}
	if (size == 8)
		w->gpa = (pte & ADDR_MASK & ~page_mask) | (la & page_mask);
	else if (page_mask != 0xfff)
		w->gpa = (pte & 0xffc00000) | (la & page_mask);
	else
		w->gpa = (pte & 0xfffff000) | (la & 0xfff);
	w->u = allow_u;
	w->x = allow_x && !(!user && allow_u && (s->cr4 & X86_CR4_SMEP));
	/* Fast writes only once D is set, so later stores need no update. */
	w->w = (allow_w || (!user && !(s->cr0 & X86_CR0_WP))) &&
	       (write || (pte & PTE_D));
	w->g = (pte & PTE_G) && (s->cr4 & X86_CR4_PGE);
	return 0;

notpresent:
	err = 0;
	goto fault;
reserved:
	err = PFEC_RSVD | PFEC_P;
	goto fault;
prot:
	err = PFEC_P;
fault:
	if (write)
		err |= PFEC_W;
	if (user)
		err |= PFEC_U;
	if (fetch && ((nxe && (s->cr4 & X86_CR4_PAE)) ||
		      (s->cr4 & X86_CR4_SMEP)))
		err |= PFEC_I;
	return page_fault(c, la, err);
}

int x86_translate(struct x86_core *c, uint64_t la, int acc, uint64_t *gpa,
		  struct tlb_entry **tep)
{
	struct x86_state *s = S(c);
	bool user = c->cpl == 3 && !(acc & ACC_SYS);
	struct tlb_entry *te = &c->tlb[user][(la >> 12) & (TLB_SIZE - 1)];
	uint64_t page = la & ~0xfffull;
	struct walk w = { 0 };

	if (s->cr0 & X86_CR0_PG) {
		TRY(walk(c, la, acc, &w));
	} else {
		w.gpa = la & 0xffffffff;
		w.w = w.u = w.x = true;
		w.g = false;
	}
	w.gpa &= s->a20_mask;
	tlb_log_fill(c, user, (la >> 12) & (TLB_SIZE - 1));
	te->gpa = w.gpa & ~0xfffull;
	te->global = w.g;
	te->host_r = (uintptr_t)map(c, te->gpa, false);
	te->tag_r = page;
	te->tag_x = w.x ? page : TLB_INVALID;
	te->host_w = 0;
	te->tag_w = TLB_INVALID;
	/*
	 * Map for writing only when writing: map_page(write=true) is what
	 * puts the page into the VMM's dirty log.  The first write to a page
	 * that was only read misses tag_w and comes back here with ACC_W.
	 */
	if (w.w && (acc & ACC_W)) {
		te->host_w = (uintptr_t)map(c, te->gpa, true);
		te->tag_w = page;
	}
	/* Data accesses to a watched page take the slow path every time. */
	if (unlikely(c->dbg.data) && x86_dbg_page_watched(c, page))
		te->tag_r = te->tag_w = TLB_INVALID;
	*gpa = w.gpa;
	if (tep)
		*tep = te;
	return 0;
}

/* ---- linear access ----------------------------------------------------------- */

static int lin_slow(struct x86_core *c, uint64_t la, void *buf, unsigned size,
		    int acc)
{
	uint64_t gpa[2];
	struct tlb_entry *te;
	unsigned first = 4096 - (la & 0xfff);
	bool write = acc & ACC_W;

	if (!c->mode64)
		la &= 0xffffffff;
	if (unlikely(c->dbg.data) && !(acc & ACC_X))
		x86_dbg_data(c, la, size, write);
	if (first >= size) {
		TRY(x86_translate(c, la, acc, &gpa[0], &te));
		/*
		 * copy_small: a naturally sized access is one host load or
		 * store, so other vCPUs never see it torn.
		 */
		if (write && te->host_w) {
			copy_small((uint8_t *)te->host_w + (la & 0xfff), buf,
				   size);
			if (x86_is_code_page(c, te->gpa))
				x86_code_written(c, te->gpa);
			return 0;
		}
		if (!write && te->host_r) {
			copy_small(buf, (uint8_t *)te->host_r + (la & 0xfff),
				   size);
			return 0;
		}
		return x86_phys_rw(c, gpa[0], buf, size, write);
	}
	/* Crossing a page: translate both before touching either. */
	TRY(x86_translate(c, la, acc, &gpa[0], NULL));
	TRY(x86_translate(c, (la + first) & (c->mode64 ? ~0ull : 0xffffffff),
			  acc, &gpa[1], NULL));
	TRY(x86_phys_rw(c, gpa[0], buf, first, write));
	return x86_phys_rw(c, gpa[1], (uint8_t *)buf + first, size - first,
			   write);
}

int x86_lin_read(struct x86_core *c, uint64_t la, void *buf, unsigned size,
		 int acc)
{
	bool user = c->cpl == 3 && !(acc & ACC_SYS);
	struct tlb_entry *te = &c->tlb[user][(la >> 12) & (TLB_SIZE - 1)];

	if (likely(te->tag_r == (la & ~0xfffull) && te->host_r &&
		   (la & 0xfff) + size <= 4096)) {
		copy_small(buf, (uint8_t *)te->host_r + (la & 0xfff), size);
		return 0;
	}
	return lin_slow(c, la, buf, size, acc & ~ACC_W);
}

int x86_lin_write(struct x86_core *c, uint64_t la, const void *buf,
		  unsigned size, int acc)
{
	bool user = c->cpl == 3 && !(acc & ACC_SYS);
	struct tlb_entry *te = &c->tlb[user][(la >> 12) & (TLB_SIZE - 1)];

	if (likely(te->tag_w == (la & ~0xfffull) && te->host_w &&
		   (la & 0xfff) + size <= 4096)) {
		copy_small((uint8_t *)te->host_w + (la & 0xfff), buf, size);
		if (unlikely(x86_is_code_page(c, te->gpa)))
			x86_code_written(c, te->gpa);
		return 0;
	}
	return lin_slow(c, la, (void *)buf, size, acc | ACC_W);
}

/* ---- locked read-modify-write -------------------------------------------------- */

/*
 * A naturally aligned RAM operand is updated with one host compare-and-
 * swap on the mapped guest page (host atomics are atomic against every
 * other vCPU thread, locked or not).  Anything else -- misaligned, page
 * crossing, MMIO -- is a split lock: done under the per-VM split lock,
 * which serializes it against other split locks (like the bus lock of
 * real hardware; an aligned atomic overlapping a misaligned one on another
 * vCPU is not excluded, which no sane guest relies on).
 */
static uint64_t atomic_load_size(const uint8_t *p, unsigned size)
{
	switch (size) {
	case 1: return __atomic_load_n(p, __ATOMIC_RELAXED);
	case 2: return __atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED);
	case 4: return __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
	default: return __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
	}
}

/* CMPXCHG16B on the host (x86-64 hosts only; CX16 is baseline for us). */
static bool cas16(uint8_t *p, const uint64_t *old, const uint64_t *val)
{
	uint64_t lo = old[0], hi = old[1];
	bool ok;

	asm volatile("lock cmpxchg16b %1"
		     : "=@ccz"(ok), "+m"(*(uint64_t (*)[2])p), "+a"(lo),
		       "+d"(hi)
		     : "b"(val[0]), "c"(val[1])
		     : "memory");
	return ok;
}

static bool cas_size(uint8_t *p, const uint64_t *old, const uint64_t *val,
		     unsigned size)
{
	switch (size) {
	case 1: {
		uint8_t o = old[0];

		return __atomic_compare_exchange_n(p, &o, (uint8_t)val[0],
						   false, __ATOMIC_SEQ_CST,
						   __ATOMIC_RELAXED);
	}
	case 2: {
		uint16_t o = old[0];

		return __atomic_compare_exchange_n((uint16_t *)p, &o,
						   (uint16_t)val[0], false,
						   __ATOMIC_SEQ_CST,
						   __ATOMIC_RELAXED);
	}
	case 4: {
		uint32_t o = old[0];

		return __atomic_compare_exchange_n((uint32_t *)p, &o,
						   (uint32_t)val[0], false,
						   __ATOMIC_SEQ_CST,
						   __ATOMIC_RELAXED);
	}
	case 8: {
		uint64_t o = old[0];

		return __atomic_compare_exchange_n((uint64_t *)p, &o, val[0],
						   false, __ATOMIC_SEQ_CST,
						   __ATOMIC_RELAXED);
	}
	default:
		return cas16(p, old, val);
	}
}

int x86_rmw_begin(struct x86_core *c, int seg, uint64_t off, unsigned size,
		  struct x86_rmw *m, uint64_t *old)
{
	bool user = c->cpl == 3;
	struct tlb_entry *te;
	uint64_t la, gpa;
	int r;

	TRY(x86_seg_linear(c, seg, off, size, ACC_W, &la));
	if (!c->mode64)
		la &= 0xffffffff;
	if (unlikely(c->dbg.data))
		x86_dbg_data(c, la, size, true);
	m->size = size;
	m->host = NULL;
	m->first = 4096 - (la & 0xfff) < size ? 4096 - (la & 0xfff) : size;
	old[0] = 0;
	if (size == 16)
		old[1] = 0;
	te = &c->tlb[user][(la >> 12) & (TLB_SIZE - 1)];
	if (te->tag_w != (la & ~0xfffull) || !te->host_w)
		TRY(x86_translate(c, la, ACC_W, &gpa, &te));
	m->gpa[0] = te->gpa | (la & 0xfff);
	if (!(la & (size - 1)) && te->host_w) {
		m->host = (uint8_t *)te->host_w + (la & 0xfff);
		m->page = te->gpa;
		guest_ram_begin();
		if (size == 16) {
			/* Possibly torn; the CAS then fails and we reload. */
			old[0] = atomic_load_size(m->host, 8);
			old[1] = atomic_load_size(m->host + 8, 8);
		} else {
			old[0] = atomic_load_size(m->host, size);
		}
		guest_ram_end();
		m->old[0] = old[0];
		if (size == 16)
			m->old[1] = old[1];	/* @old has 2 words only then */
		return 0;
	}
	if (m->first < size)
		TRY(x86_translate(c, (la + m->first) &
				  (c->mode64 ? ~0ull : 0xffffffff),
				  ACC_W, &m->gpa[1], NULL));
	x86_split_lock(c);
	r = x86_phys_rw(c, m->gpa[0], old, m->first, false);
	if (!r && m->first < size)
		r = x86_phys_rw(c, m->gpa[1], (uint8_t *)old + m->first,
				size - m->first, false);
	if (r)
		x86_split_unlock(c);
	return r;
}

int x86_rmw_commit(struct x86_core *c, struct x86_rmw *m, const uint64_t *val)
{
	uint8_t *v = (uint8_t *)val;
	int r;

	if (m->host) {
		bool done;

		guest_ram_begin();
		done = cas_size(m->host, m->old, val, m->size);
		guest_ram_end();
		if (!done)
			return X86_RMW_RETRY;
		if (x86_is_code_page(c, m->page))
			x86_code_written(c, m->page);
		return 0;
	}
	r = x86_phys_rw(c, m->gpa[0], v, m->first, true);
	if (!r && m->first < m->size)
		r = x86_phys_rw(c, m->gpa[1], v + m->first,
				m->size - m->first, true);
	x86_split_unlock(c);
	return r;
}

/* ---- segmentation -------------------------------------------------------------- */

static int seg_fault(struct x86_core *c, int seg)
{
	return x86_exc_err(c, seg == X86_SS ? X86_EXC_SS : X86_EXC_GP, 0);
}

static inline bool canonical(uint64_t la)
{
	return (uint64_t)((int64_t)(la << 16) >> 16) == la;
}

int x86_seg_linear(struct x86_core *c, int seg, uint64_t off, unsigned size,
		   int acc, uint64_t *la)
{
	const struct x86_seg *s = &S(c)->seg[seg];

	if (c->mode64) {
		uint64_t a = off + (seg >= X86_FS ? s->base : 0);

		if (unlikely(!canonical(a) || !canonical(a + size - 1)))
			return seg_fault(c, seg);
		*la = a;
		return 0;
	}
	if (c->pe) {
		if (unlikely(s->unusable))
			return seg_fault(c, seg);
		if (acc & ACC_W) {
			/* Code segments and read-only data are not writable. */
			if (unlikely((s->type & 8) || !(s->type & 2)))
				return seg_fault(c, seg);
		} else if (!(acc & ACC_X) && (s->type & 0xa) == 0x8) {
			return seg_fault(c, seg);	/* execute-only code */
		}
	}
	if (!(s->type & 8) && (s->type & 4) && c->pe) {
		/* Expand-down data segment: valid offsets are above limit. */
		uint64_t max = s->db ? 0xffffffffull : 0xffff;

		if (unlikely(off <= s->limit || off + size - 1 > max))
			return seg_fault(c, seg);
	} else if (unlikely(off + size - 1 > s->limit)) {
		return seg_fault(c, seg);
	}
	*la = (s->base + off) & 0xffffffff;
	return 0;
}

int x86_read_buf(struct x86_core *c, int seg, uint64_t off, void *buf,
		 unsigned size)
{
	uint64_t la;

	TRY(x86_seg_linear(c, seg, off, size, ACC_R, &la));
	return x86_lin_read(c, la, buf, size, ACC_R);
}

int x86_write_buf(struct x86_core *c, int seg, uint64_t off, const void *buf,
		  unsigned size)
{
	uint64_t la;

	TRY(x86_seg_linear(c, seg, off, size, ACC_W, &la));
	return x86_lin_write(c, la, buf, size, ACC_W);
}

int x86_read_slow(struct x86_core *c, int seg, uint64_t off, unsigned size,
		  uint64_t *val)
{
	*val = 0;
	return x86_read_buf(c, seg, off, val, size);
}

int x86_write_slow(struct x86_core *c, int seg, uint64_t off, unsigned size,
		   uint64_t val)
{
	return x86_write_buf(c, seg, off, &val, size);
}

int x86_sys_read(struct x86_core *c, uint64_t la, unsigned size,
		 uint64_t *val)
{
	*val = 0;
	return x86_lin_read(c, la, val, size, ACC_R | ACC_SYS);
}

int x86_sys_write(struct x86_core *c, uint64_t la, unsigned size,
		  uint64_t val)
{
	return x86_lin_write(c, la, &val, size, ACC_W | ACC_SYS);
}

int x86_load_pdptrs(struct x86_core *c, uint64_t cr3)
{
	uint64_t p[4];

	TRY(x86_phys_rw(c, cr3 & 0xffffffe0, p, sizeof(p), false));
	for (int i = 0; i < 4; i++) {
		if ((p[i] & PTE_P) && (p[i] & (0x1e6ull | (~ADDR_MASK & ~0xfffull))))
			return x86_gp0(c);
	}
	memcpy(S(c)->pdptr, p, sizeof(p));
	return 0;
}
