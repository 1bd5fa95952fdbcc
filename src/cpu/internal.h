/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internal.h - private state and helpers of the CPU core.
 *
 * Conventions: handlers and memory helpers return 0 on success or one of
 * the negative X86_R_* codes; an exception is recorded in the core before
 * X86_R_EXC is returned.  Handlers do every access that can fault before
 * writing registers back, so a faulting (or exiting) instruction leaves the
 * architectural registers untouched.
 */
#ifndef CVISOR_CPU_INTERNAL_H
#define CVISOR_CPU_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpu/x86_cpu.h"
#include "cpu/x86_optab.h"
#include "lib/compiler.h"

/* Handler results. */
enum {
	X86_R_OK = 0,		/* RIP += length, continue */
	X86_R_JUMP = 1,		/* handler set RIP; end the block */
	X86_R_NEXT_END = 2,	/* RIP += length; end the block (mode change) */
	X86_R_HLT = 3,		/* RIP += length; halt */
	X86_R_EXC = -1,		/* exception recorded in c->exc_* */
	X86_R_EXIT = -2,	/* ops returned X86_IO_EXIT: do not commit */
	X86_R_INTERNAL = -3,	/* c->pub.internal_msg set */
	X86_R_SHUTDOWN = -4,	/* triple fault */
	X86_R_DEBUG = -5,	/* the VMM's debugging stops (debug_exit) */
};

#define TRY(x)					\
	do {					\
		int __r = (x);			\
		if (unlikely(__r))		\
			return __r;		\
	} while (0)

#define HANDLER(name) \
	int h_##name(struct x86_core *c, const struct x86_insn *in)

/* A decoded instruction. */
struct x86_insn {
	x86_handler_t fn;
	uint64_t imm;
	int32_t disp;
	uint16_t op;		/* x86_opinfo index */
	uint16_t imm2;		/* ENTER level / far selector */
	uint16_t arg;
	uint8_t len;
	uint8_t osz;		/* operand size in bytes: 1, 2, 4, 8 */
	uint8_t asz;		/* address size: 2, 4, 8 */
	uint8_t seg;		/* segment of the memory operand */
	uint8_t reg;		/* ModRM.reg + REX.R, or opcode register */
	uint8_t rm;		/* ModRM.rm + REX.B (register form) */
	uint8_t mem;		/* operand rm is memory */
	uint8_t base;		/* X86_NOREG, X86_RIPREL or a GPR */
	uint8_t index;		/* X86_NOREG or a GPR */
	uint8_t scale;		/* shift count */
	uint8_t rep;		/* 0, 0xf3, 0xf2 */
	uint8_t lock;
	uint8_t rex;		/* a REX prefix was present */
	uint8_t pfx66;
	uint8_t vex;		/* VEX-encoded */
	uint8_t vvvv;		/* VEX.vvvv as a register number */
	uint8_t vl;		/* VEX.L: 0 = 128-bit, 1 = 256-bit */
	uint8_t vexw;		/* VEX.W */
	uint8_t sibidx;		/* SIB.index + REX.X, X86_NOREG without SIB */
};

#define X86_NOREG	0xff
#define X86_RIPREL	0xfe
#define X86_MAX_INSN	15

/* Lazy flags: the last flag-setting operation. */
enum cc_op {
	CC_EFL,			/* flags in cc_res (arith bits only) */
	CC_ADD, CC_ADC, CC_SUB, CC_SBB, CC_LOGIC, CC_INC, CC_DEC,
};

/* Software TLB: linear page -> host page, per privilege class. */
#define TLB_BITS	10
#define TLB_SIZE	(1u << TLB_BITS)
struct tlb_entry {
	uint64_t tag_r, tag_w, tag_x;	/* linear page or TLB_INVALID */
	uintptr_t host_r, host_w;	/* host page base (0: MMIO) */
	uint64_t gpa;			/* guest-physical page */
	uint8_t global;
} __attribute__((aligned(64)));	/* one line each; index by shift */
#define TLB_INVALID	1ull

/* Decoded blocks, per guest-physical start address and mode. */
#define BLK_MAX_INSNS	16
#define BLK_BITS	13
#define BLK_SIZE	(1u << BLK_BITS)
struct x86_block {
	uint64_t gpa;		/* of the first instruction; ~0 = empty */
	uint32_t mode;
	uint32_t n;
	struct x86_insn insn[BLK_MAX_INSNS];
};

/* MMIO accesses done by the current instruction (restart replay). */
#define MLOG_MAX	8
struct mlog_entry {
	uint64_t gpa;
	uint8_t len, write;
	uint8_t data[16];
};

/* Access kinds for the memory layer. */
#define ACC_R		0
#define ACC_W		1
#define ACC_X		2
#define ACC_SYS		4	/* implicit supervisor access (GDT, IDT, TSS) */

/* Breakpoints decoded from a DR7 (debug.c). */
struct x86_dbg_bp {
	uint64_t addr;		/* aligned down to len */
	uint8_t len;		/* 1, 2, 4 or 8 */
	uint8_t type;		/* DR7 R/W encoding */
};

struct x86_dbg_set {
	uint8_t mask;		/* enabled breakpoints */
	struct x86_dbg_bp bp[4];
};

struct x86_dbg {
	bool active;		/* anything armed: one insn at a time */
	bool data;		/* a data breakpoint is armed */
	bool step_by_result;	/* SYSCALL/SYSRET: TF after, not before */
	bool pend_step;		/* trap held by a MOV SS shadow */
	uint8_t pend_hits;
	uint8_t hits[2];	/* by the current instruction [0]=guest */
	uint32_t flags;		/* X86_DBG_* */
	uint64_t host_dr[8];
	struct x86_dbg_set set[2];	/* [0] guest DR7, [1] VMM's */
};

struct x86_core {
	struct x86_cpu pub;

	/* lazy flags */
	uint8_t cc_op, cc_size;
	uint64_t cc_res, cc_src1, cc_src2, cc_cf;

	/* cached mode */
	uint8_t cpl;
	uint8_t lma;		/* long mode active */
	uint8_t mode64;		/* CS.L in long mode */
	uint8_t pe;
	uint8_t code32;		/* CS.D (default operand/address size 32) */
	uint8_t stack32;	/* SS.B */
	uint32_t mode_key;	/* decode-relevant mode bits */

	/* exception being raised */
	uint8_t exc_vec, exc_has_err;
	uint8_t exc_kind;	/* EV_*: EV_EXC faults restart at RIP */
	bool msr_unknown;	/* the last MSR #GP: no one implements it */
	uint32_t exc_err;
	uint64_t exc_cr2;
	uint64_t exc_next_rip;	/* return RIP for EV_SOFT / EV_INT1 */
	/* nesting state while delivering */
	int8_t delivering;	/* vector being delivered or -1 */

	/* set by a store into a page holding decoded code */
	uint8_t blk_dirty;
	uint8_t restart;	/* last run stopped for an I/O exit */

	struct mlog_entry mlog[MLOG_MAX];
	uint8_t mlog_n, mlog_pos;

	struct tlb_entry tlb[2][TLB_SIZE];	/* [user] */
	/*
	 * Entries filled since the last flush (index | user << TLB_BITS), so
	 * that a flush after a short stretch of code (an SMI handler, a
	 * process switch) need not scan the whole TLB.  tlb_log_full: more
	 * were filled, or entries of unknown origin may be valid.
	 */
#define TLB_LOG		32
	uint16_t tlb_log[TLB_LOG];
	uint8_t tlb_log_n;
	bool tlb_log_full;

	struct x86_code_tracker *tracker;
	uint64_t *code_bits;		/* tracker bitmap (atomic access) */
	uint64_t code_pages;		/* pages it covers */
	bool own_tracker;
	uint64_t tracker_seen;

	struct x86_dbg dbg;

	struct x86_block *blocks;	/* BLK_SIZE entries */
	struct x86_insn tmp_insn;	/* uncached decode */
};

static inline struct x86_core *to_core(struct x86_cpu *cpu)
{
	return container_of(cpu, struct x86_core, pub);
}

#define S(c)	(&(c)->pub.s)
#define GPR(c, r)	((c)->pub.s.gpr[r])

/* ---- sizes ------------------------------------------------------------- */

static inline uint64_t size_mask(unsigned size)
{
	return size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static inline int64_t sext(uint64_t v, unsigned size)
{
	switch (size) {
	case 1: return (int8_t)v;
	case 2: return (int16_t)v;
	case 4: return (int32_t)v;
	default: return (int64_t)v;
	}
}

/* ---- registers ----------------------------------------------------------- */

static inline uint64_t reg_read(struct x86_core *c, unsigned r, unsigned size,
				bool rex)
{
	if (size == 1 && !rex && r >= 4 && r < 8)
		return (GPR(c, r - 4) >> 8) & 0xff;
	return GPR(c, r) & size_mask(size);
}

/* 32-bit writes zero-extend; 8/16-bit writes merge. */
static inline void reg_write(struct x86_core *c, unsigned r, unsigned size,
			     bool rex, uint64_t v)
{
	uint64_t *p;

	if (size == 1 && !rex && r >= 4 && r < 8) {
		p = &GPR(c, r - 4);
		*p = (*p & ~0xff00ull) | ((v & 0xff) << 8);
		return;
	}
	p = &GPR(c, r);
	switch (size) {
	case 1: *p = (*p & ~0xffull) | (v & 0xff); break;
	case 2: *p = (*p & ~0xffffull) | (v & 0xffff); break;
	case 4: *p = (uint32_t)v; break;
	default: *p = v; break;
	}
}

/* Register access at a constant 32/64-bit size (specialized handlers). */
static inline uint64_t gpr_get(struct x86_core *c, unsigned r, unsigned sz)
{
	return sz == 8 ? GPR(c, r) : (uint32_t)GPR(c, r);
}

/* 32-bit writes zero-extend, as reg_write() does. */
static inline void gpr_set(struct x86_core *c, unsigned r, unsigned sz,
			   uint64_t v)
{
	GPR(c, r) = sz == 8 ? v : (uint32_t)v;
}

/* ---- exceptions (exceptions.c) ------------------------------------------ */

int x86_exc(struct x86_core *c, int vec);
int x86_exc_err(struct x86_core *c, int vec, uint32_t err);
static inline int x86_ud(struct x86_core *c) { return x86_exc(c, X86_EXC_UD); }
static inline int x86_gp0(struct x86_core *c)
{
	return x86_exc_err(c, X86_EXC_GP, 0);
}
int x86_exc_soft(struct x86_core *c, int vec, int kind,
		 const struct x86_insn *in);
int x86_internal(struct x86_core *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Deliver the recorded exception / an interrupt; returns X86_R_*. */
int x86_deliver_exception(struct x86_core *c);
int x86_deliver_event(struct x86_core *c, int vec, int kind, bool has_err,
		      uint32_t err, uint64_t next_rip);
#define EV_EXC		0	/* fault/trap from execution */
#define EV_EXT		1	/* external interrupt or NMI */
#define EV_SOFT		2	/* INT n, INT3, INTO: privilege checked */
#define EV_INT1		3	/* ICEBP */

/* #UD for any VEX instruction in real and virtual-8086 mode (sse.c). */
int x86_vex_mode_check(struct x86_core *c);

/* ---- flags (flags.c) ------------------------------------------------------ */

uint32_t x86_arith_flags(struct x86_core *c);
bool x86_cond_slow(struct x86_core *c, unsigned cc);
uint64_t x86_get_flags(struct x86_core *c);
void x86_set_flags(struct x86_core *c, uint64_t v, uint64_t mask);

static inline void cc_set(struct x86_core *c, int op, unsigned size,
			  uint64_t res, uint64_t a, uint64_t b)
{
	c->cc_op = op;
	c->cc_size = size;
	c->cc_res = res;
	c->cc_src1 = a;
	c->cc_src2 = b;
}

/* Materialize arithmetic flags into cc_res with CC_EFL. */
static inline void cc_set_eflags(struct x86_core *c, uint32_t arith)
{
	c->cc_op = CC_EFL;
	c->cc_res = arith & X86_ARITH_FLAGS;
}

/*
 * CF alone, without materializing the other flags (INC/DEC, ADC).  Inline:
 * every INC/DEC reads it, so a call would cost more than the work.
 */
static inline uint32_t x86_get_cf(struct x86_core *c)
{
	uint64_t m, r, a, b;

	switch (c->cc_op) {
	case CC_ADD:
	case CC_ADC:
	case CC_SUB:
	case CC_SBB:
		break;
	case CC_LOGIC:
		return 0;
	case CC_INC:
	case CC_DEC:
		return c->cc_cf & X86_CF;
	default:
		return c->cc_res & X86_CF;
	}
	m = size_mask(c->cc_size);
	r = c->cc_res & m;
	a = c->cc_src1 & m;
	b = c->cc_src2 & m;
	if (c->cc_op == CC_ADD || c->cc_op == CC_ADC)
		return (((a & b) | ((a | b) & ~r)) >> (c->cc_size * 8 - 1)) & 1;
	return (((~a & b) | ((~a | b) & r)) >> (c->cc_size * 8 - 1)) & 1;
}

/* Condition code @cc (the low nibble of Jcc/SETcc/CMOVcc). */
static inline bool x86_cond(struct x86_core *c, unsigned cc)
{
	bool v;

	/* ZF and SF come straight from the result for every lazy op. */
	if (c->cc_op != CC_EFL && (cc >> 1 == 2 || cc >> 1 == 4)) {
		uint64_t r = c->cc_res & size_mask(c->cc_size);

		v = cc >> 1 == 2 ? r == 0 : (r >> (c->cc_size * 8 - 1)) & 1;
		return (cc & 1) ? !v : v;
	}
	/* Compare-and-branch. */
	if (c->cc_op == CC_SUB) {
		uint64_t m = size_mask(c->cc_size);
		uint64_t a = c->cc_src1 & m, b = c->cc_src2 & m;

		switch (cc) {
		case 2: return a < b;
		case 3: return a >= b;
		case 6: return a <= b;
		case 7: return a > b;
		case 12: return sext(a, c->cc_size) < sext(b, c->cc_size);
		case 13: return sext(a, c->cc_size) >= sext(b, c->cc_size);
		case 14: return sext(a, c->cc_size) <= sext(b, c->cc_size);
		case 15: return sext(a, c->cc_size) > sext(b, c->cc_size);
		}
	}
	return x86_cond_slow(c, cc);
}

static inline uint32_t parity8(uint64_t v)
{
	return __builtin_parity((unsigned)(v & 0xff)) ? 0 : X86_PF;
}

/* ---- memory (mem.c) ------------------------------------------------------------ */

/*
 * The core's loads and stores of guest RAM are the guest's own accesses:
 * the guest orders them with its own locks and barriers (executed as host
 * atomics and fences), so they race with its other CPUs and its devices
 * by design, as on hardware.  Under -fsanitize=thread these brackets hide
 * the thread's accesses from TSan for the span of such a copy, so that no
 * suppression is needed and every other report is real; in other builds
 * they are nothing.
 */
#ifdef __SANITIZE_THREAD__
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);
#define guest_ram_begin()	__tsan_ignore_thread_begin()
#define guest_ram_end()		__tsan_ignore_thread_end()
#else
static inline void guest_ram_begin(void) {}
static inline void guest_ram_end(void) {}
#endif

/*
 * Small copies from or to guest RAM with constant sizes, so the compiler
 * emits plain moves.
 */
static inline void copy_small(void *d, const void *s, unsigned size)
{
	guest_ram_begin();
	switch (size) {
	case 1: memcpy(d, s, 1); break;
	case 2: memcpy(d, s, 2); break;
	case 4: memcpy(d, s, 4); break;
	case 8: memcpy(d, s, 8); break;
	default: memcpy(d, s, size); break;
	}
	guest_ram_end();
}

int x86_seg_linear(struct x86_core *c, int seg, uint64_t off, unsigned size,
		   int acc, uint64_t *la);
int x86_lin_read(struct x86_core *c, uint64_t la, void *buf, unsigned size,
		 int acc);
int x86_lin_write(struct x86_core *c, uint64_t la, const void *buf,
		  unsigned size, int acc);
int x86_read_slow(struct x86_core *c, int seg, uint64_t off, unsigned size,
		  uint64_t *val);
int x86_write_slow(struct x86_core *c, int seg, uint64_t off, unsigned size,
		   uint64_t val);
static inline bool x86_is_code_page(struct x86_core *c, uint64_t gpa);
void x86_code_written(struct x86_core *c, uint64_t gpa);

/*
 * Linear address of a data access through segment @seg when no segment
 * check can fail, else false (the caller takes the slow path, which
 * raises the fault).  64-bit mode has no limits (a non-canonical address
 * never matches a TLB tag).  Otherwise this mirrors x86_seg_linear() for
 * the common case -- an expand-up data segment, writable for a write --
 * where only the limit is left to check; flat 32-bit guests (and Linux
 * before long mode) go through here on every load and store.
 */
static inline __attribute__((always_inline)) bool
x86_seg_fast(struct x86_core *c, int seg, uint64_t off,
				unsigned size, bool write, uint64_t *la)
{
	const struct x86_seg *s;

	if (likely(c->mode64)) {
		*la = off + (seg >= X86_FS ? c->pub.s.seg[seg].base : 0);
		return true;
	}
	s = &c->pub.s.seg[seg];
	if (c->pe && (s->unusable ||
		      (s->type & (write ? 0xe : 0xc)) != (write ? 2 : 0)))
		return false;
	if (off + size - 1 > s->limit)
		return false;
	*la = (s->base + off) & 0xffffffff;
	return true;
}

/* Data access through segment @seg: inline TLB hit, else the slow path. */
static inline __attribute__((always_inline)) int
x86_read(struct x86_core *c, int seg, uint64_t off,
			   unsigned size, uint64_t *val)
{
	uint64_t la;

	if (likely(x86_seg_fast(c, seg, off, size, false, &la))) {
		struct tlb_entry *te =
			&c->tlb[c->cpl == 3][(la >> 12) & (TLB_SIZE - 1)];

		if (likely(te->tag_r == (la & ~0xfffull) && te->host_r &&
			   (la & 0xfff) + size <= 4096)) {
			*val = 0;
			copy_small(val, (uint8_t *)te->host_r + (la & 0xfff),
				   size);
			return 0;
		}
	}
	return x86_read_slow(c, seg, off, size, val);
}

static inline __attribute__((always_inline)) int
x86_write(struct x86_core *c, int seg, uint64_t off,
			    unsigned size, uint64_t val)
{
	uint64_t la;

	if (likely(x86_seg_fast(c, seg, off, size, true, &la))) {
		struct tlb_entry *te =
			&c->tlb[c->cpl == 3][(la >> 12) & (TLB_SIZE - 1)];

		if (likely(te->tag_w == (la & ~0xfffull) && te->host_w &&
			   (la & 0xfff) + size <= 4096)) {
			copy_small((uint8_t *)te->host_w + (la & 0xfff), &val,
				   size);
			if (unlikely(x86_is_code_page(c, te->gpa)))
				x86_code_written(c, te->gpa);
			return 0;
		}
	}
	return x86_write_slow(c, seg, off, size, val);
}
int x86_read_buf(struct x86_core *c, int seg, uint64_t off, void *buf,
		 unsigned size);
int x86_write_buf(struct x86_core *c, int seg, uint64_t off, const void *buf,
		  unsigned size);
/* System-table access at a linear address (CPL-independent). */
int x86_sys_read(struct x86_core *c, uint64_t la, unsigned size,
		 uint64_t *val);
int x86_sys_write(struct x86_core *c, uint64_t la, unsigned size,
		  uint64_t val);
/* Debug registers and the VMM's guest debugging (debug.c). */
void x86_dbg_update(struct x86_core *c);
bool x86_dbg_page_watched(struct x86_core *c, uint64_t page);
int x86_dbg_code(struct x86_core *c, uint64_t la);
void x86_dbg_data(struct x86_core *c, uint64_t la, unsigned size, bool write);
void x86_dbg_io(struct x86_core *c, uint16_t port, unsigned size);
int x86_dbg_after(struct x86_core *c, uint8_t shadow0, bool tf0);
int x86_dbg_int3(struct x86_core *c);
int x86_dbg_mov_check(struct x86_core *c, unsigned *reg);
/* Translate for a fetch; *host NULL when not RAM. */
int x86_translate(struct x86_core *c, uint64_t la, int acc, uint64_t *gpa,
		  struct tlb_entry **te);
int x86_phys_rw(struct x86_core *c, uint64_t gpa, void *buf, unsigned size,
		bool write);
void x86_tlb_flush(struct x86_core *c, bool global);
void x86_tlb_flush_page(struct x86_core *c, uint64_t la);
int x86_load_pdptrs(struct x86_core *c, uint64_t cr3);
void x86_mlog_reset(struct x86_core *c);

/*
 * Locked read-modify-write (LOCK prefix, XCHG with memory): atomic with
 * respect to the other vCPU threads.  Usage:
 *
 *	do {
 *		TRY(x86_rmw_begin(c, seg, off, size, &m, old));
 *		new = f(old);		(no other side effect)
 *		r = x86_rmw_commit(c, &m, new);
 *	} while (r == X86_RMW_RETRY);
 *
 * begin translates for writing (faults happen there) and loads the old
 * value; commit stores unless the location changed meanwhile (then
 * X86_RMW_RETRY: recompute from a fresh begin).  Values are 1 (size <= 8)
 * or 2 (size 16) little-endian uint64_t.  After a successful begin the
 * caller must call commit exactly once per begin.
 */
#define X86_RMW_RETRY	1
struct x86_rmw {
	uint8_t *host;		/* aligned RAM operand (host CAS), or NULL */
	uint64_t gpa[2];	/* pages of the split path */
	uint64_t page;		/* guest-physical page of @host */
	uint64_t old[2];	/* value the CAS expects */
	unsigned size, first;	/* first: bytes in the first page */
};
int x86_rmw_begin(struct x86_core *c, int seg, uint64_t off, unsigned size,
		  struct x86_rmw *m, uint64_t *old);
int x86_rmw_commit(struct x86_core *c, struct x86_rmw *m, const uint64_t *val);
/* The per-VM split lock (cpu.c, in the shared code tracker). */
void x86_split_lock(struct x86_core *c);
void x86_split_unlock(struct x86_core *c);

/* Code-page tracker hooks (cpu.c). */
/* Does guest-physical page @gpa hold decoded code (of any vCPU)? */
static inline bool x86_is_code_page(struct x86_core *c, uint64_t gpa)
{
	uint64_t pn = gpa >> 12;

	return pn < c->code_pages &&
	       (__atomic_load_n(&c->code_bits[pn / 64], __ATOMIC_RELAXED) &
		(1ull << (pn % 64)));
}
bool x86_tracker_is_code(struct x86_code_tracker *t, uint64_t gpa);

/* Effective address of the ModRM memory operand (offset in segment). */
static inline uint64_t x86_ea(struct x86_core *c, const struct x86_insn *in)
{
	uint64_t ea = (int64_t)in->disp;

	if (in->base == X86_RIPREL)
		ea += S(c)->rip + in->len;
	else if (in->base != X86_NOREG)
		ea += GPR(c, in->base);
	if (in->index != X86_NOREG)
		ea += GPR(c, in->index) << in->scale;
	return ea & size_mask(in->asz);
}

/* r/m operand of in->osz. */
static inline int rm_read(struct x86_core *c, const struct x86_insn *in,
			  uint64_t *v)
{
	if (!in->mem) {
		*v = reg_read(c, in->rm, in->osz, in->rex);
		return 0;
	}
	return x86_read(c, in->seg, x86_ea(c, in), in->osz, v);
}

static inline int rm_write(struct x86_core *c, const struct x86_insn *in,
			   uint64_t v)
{
	if (!in->mem) {
		reg_write(c, in->rm, in->osz, in->rex, v);
		return 0;
	}
	return x86_write(c, in->seg, x86_ea(c, in), in->osz, v);
}

/* ---- stack (stack.c) ------------------------------------------------------- */

int x86_push(struct x86_core *c, unsigned size, uint64_t v);
int x86_pop(struct x86_core *c, unsigned size, uint64_t *v);
/* Read/write relative to RSP without updating it. */
uint64_t x86_sp_mask(struct x86_core *c);

/* ---- segments and modes (seg.c) ------------------------------------------- */

void x86_update_mode(struct x86_core *c);
int x86_load_seg(struct x86_core *c, int seg, uint16_t sel);
void x86_load_seg_real(struct x86_core *c, int seg, uint16_t sel);
int x86_read_desc(struct x86_core *c, uint16_t sel, uint64_t *lo,
		  uint64_t *hi, int exc);
void x86_desc_to_seg(struct x86_seg *s, uint16_t sel, uint64_t lo,
		     uint64_t hi);
int x86_set_desc_accessed(struct x86_core *c, uint16_t sel, uint64_t lo);
int x86_far_jump(struct x86_core *c, uint16_t sel, uint64_t off,
		 uint64_t next_rip, int osz, bool call);
int x86_far_ret(struct x86_core *c, int osz, uint16_t extra);
int x86_iret(struct x86_core *c, int osz);

/* ---- system (system.c) ------------------------------------------------------- */

int x86_set_cr0(struct x86_core *c, uint64_t v);
int x86_set_cr3(struct x86_core *c, uint64_t v);
int x86_set_cr4(struct x86_core *c, uint64_t v);
int x86_set_efer(struct x86_core *c, uint64_t v);
int x86_msr_read(struct x86_core *c, uint32_t idx, uint64_t *v);
int x86_msr_write(struct x86_core *c, uint32_t idx, uint64_t v);
int x86_msr_guest(struct x86_core *c, uint32_t idx, uint64_t *v, bool write);
uint64_t x86_rdtsc(struct x86_core *c);
int x86_io_allowed(struct x86_core *c, uint16_t port, unsigned size);

/* ---- SMM (smm.c) -------------------------------------------------------------- */

/* Take an SMI now: save state to SMRAM and enter SMM; returns X86_R_*. */
int x86_smm_enter(struct x86_core *c);

/* ---- decode (decode.c) ------------------------------------------------------- */

int x86_decode(struct x86_core *c, const uint8_t *bytes, unsigned avail,
	       struct x86_insn *in);
/* Swap in a handler specialized for the decoded form, if one exists (alu.c). */
void x86_specialize(struct x86_insn *in);
/* Register-form shift/rotate handlers, [64-bit][operation] (shift.c). */
extern const x86_handler_t x86_shift_reg_fast[2][8];
int h_shift(struct x86_core *c, const struct x86_insn *in);
/* Jcc with the condition as a constant, by condition code (branch.c). */
extern const x86_handler_t x86_jcc_fast[16];
int h_jcc(struct x86_core *c, const struct x86_insn *in);

#endif
