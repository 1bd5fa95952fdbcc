// SPDX-License-Identifier: GPL-2.0
/*
 * string.c - MOVS CMPS STOS LODS SCAS INS OUTS with REP/REPE/REPNE.
 *
 * Each iteration is committed (RCX/RSI/RDI updated) before the next, so
 * an exception or an I/O exit in iteration k leaves the k-1 completed
 * iterations architecturally done and RIP on the instruction, which is
 * re-executed to continue.  Long REPs yield every 1024 iterations so that
 * interrupts and stop requests are seen.
 */
#include "cpu/internal.h"

#define REP_CHUNK	1024

static inline uint64_t amask(const struct x86_insn *in)
{
	return size_mask(in->asz);
}

static inline void adv(struct x86_core *c, const struct x86_insn *in, int r)
{
	uint64_t m = amask(in);
	int64_t d = (S(c)->rflags & X86_DF) ? -(int64_t)in->osz : in->osz;

	GPR(c, r) = (GPR(c, r) & ~m) | ((GPR(c, r) + d) & m);
	if (in->asz == 4)
		GPR(c, r) &= 0xffffffff;
}

static inline uint64_t rcx(struct x86_core *c, const struct x86_insn *in)
{
	return GPR(c, X86_RCX) & amask(in);
}

static inline void dec_rcx(struct x86_core *c, const struct x86_insn *in)
{
	reg_write(c, X86_RCX, in->asz, true, rcx(c, in) - 1);
}

/*
 * Run @one for each iteration.  Returns X86_R_OK when finished, or
 * X86_R_JUMP (RIP unchanged) to come back for more.
 */
typedef int (*iter_fn)(struct x86_core *c, const struct x86_insn *in);

static int rep_loop(struct x86_core *c, const struct x86_insn *in, iter_fn one,
		    bool cond)
{
	unsigned n = 0;

	if (!in->rep)
		return one(c, in);
	while (rcx(c, in)) {
		if (n++ == REP_CHUNK)
			return X86_R_JUMP;	/* re-executed: continues */
		TRY(one(c, in));
		dec_rcx(c, in);
		x86_mlog_reset(c);	/* this iteration is committed */
		if (cond) {
			bool zf = x86_arith_flags(c) & X86_ZF;

			if ((in->rep == 0xf3 && !zf) || (in->rep == 0xf2 && zf))
				break;
		}
	}
	return 0;
}

static int movs1(struct x86_core *c, const struct x86_insn *in)
{
	uint64_t v;

	TRY(x86_read(c, in->seg, GPR(c, X86_RSI) & amask(in), in->osz, &v));
	TRY(x86_write(c, X86_ES, GPR(c, X86_RDI) & amask(in), in->osz, v));
	adv(c, in, X86_RSI);
	adv(c, in, X86_RDI);
	return 0;
}

static int cmps1(struct x86_core *c, const struct x86_insn *in)
{
	uint64_t a, b;

	TRY(x86_read(c, in->seg, GPR(c, X86_RSI) & amask(in), in->osz, &a));
	TRY(x86_read(c, X86_ES, GPR(c, X86_RDI) & amask(in), in->osz, &b));
	cc_set(c, CC_SUB, in->osz, a - b, a, b);
	adv(c, in, X86_RSI);
	adv(c, in, X86_RDI);
	return 0;
}

static int stos1(struct x86_core *c, const struct x86_insn *in)
{
	TRY(x86_write(c, X86_ES, GPR(c, X86_RDI) & amask(in), in->osz,
		      GPR(c, X86_RAX)));
	adv(c, in, X86_RDI);
	return 0;
}

static int lods1(struct x86_core *c, const struct x86_insn *in)
{
	uint64_t v;

	TRY(x86_read(c, in->seg, GPR(c, X86_RSI) & amask(in), in->osz, &v));
	reg_write(c, X86_RAX, in->osz, true, v);
	adv(c, in, X86_RSI);
	return 0;
}

static int scas1(struct x86_core *c, const struct x86_insn *in)
{
	uint64_t a = reg_read(c, X86_RAX, in->osz, true), b;

	TRY(x86_read(c, X86_ES, GPR(c, X86_RDI) & amask(in), in->osz, &b));
	cc_set(c, CC_SUB, in->osz, a - b, a, b);
	adv(c, in, X86_RDI);
	return 0;
}

/* @count elements of @size bytes at @data (count > 1: REP INS only). */
static int pio(struct x86_core *c, uint16_t port, void *data, unsigned size,
	       unsigned count, bool write)
{
	int r;

	if (unlikely(c->dbg.active))
		x86_dbg_io(c, port, size);
	if (!c->pub.ops->pio) {
		if (!write)
			memset(data, 0xff, size * count);
		return 0;
	}
	r = c->pub.ops->pio(c->pub.opaque, port, data, size, count, write);
	return r == X86_IO_EXIT ? X86_R_EXIT : 0;
}

/*
 * REP INS reads its port data in batches, as KVM's emulator does with its
 * 1 KiB read-ahead cache: one exit carries min(RCX, the elements left in
 * the destination page, 1024 / size) elements.  Programs see it in
 * KVM_EXIT_IO's count, and some rely on it (the kernel's
 * userspace_io_test changes RCX during the exit).  A batch is only taken
 * into writable RAM that holds all of it, so that storing it cannot stop
 * halfway; MMIO, the end of the segment or of the address size, and
 * armed breakpoints go element by element.  KVM's page limit counts
 * bytes, so its batches of 2- and 4-byte elements may run into the next
 * page; ours stop at the page end.  REP OUTS is element by element, as on
 * KVM.
 */
#define INS_BATCH_BYTES	1024

static unsigned ins_batch(struct x86_core *c, const struct x86_insn *in,
			  unsigned osz, uint64_t la, bool ram)
{
	uint64_t m = amask(in), di = GPR(c, X86_RDI) & m, n, room, last;
	bool down = S(c)->rflags & X86_DF;
	unsigned off = la & 0xfff;

	if (!in->rep || !ram || unlikely(c->dbg.active) ||
	    off + osz > 4096 || (!down && m - di < osz - 1))
		return 1;
	n = rcx(c, in);
	room = INS_BATCH_BYTES / osz;
	n = n < room ? n : room;
	/*
	 * Whole elements left in the page (downwards KVM counts the bytes
	 * below the first element, one short: so do we), then in the
	 * address size.
	 */
	room = down ? off / osz : (4096 - off) / osz;
	n = n < room ? n : room;
	room = down ? di / osz + 1 : (m - di - (osz - 1)) / osz + 1;
	n = n < room ? n : room;
	if (n <= 1)
		return 1;
	last = down ? di - (n - 1) * osz : di + (n - 1) * osz;
	if (x86_seg_linear(c, X86_ES, last, osz, ACC_W, &last))
		return 1;
	return (unsigned)n;
}

/* One batch; @done counts the elements stored. */
static int ins_chunk(struct x86_core *c, const struct x86_insn *in,
		     unsigned *done)
{
	unsigned osz = in->osz == 8 ? 4 : in->osz, n, i;
	uint8_t buf[INS_BATCH_BYTES];
	struct tlb_entry *te;
	uint64_t v, la;

	/* Check the destination before the port read has side effects. */
	TRY(x86_seg_linear(c, X86_ES, GPR(c, X86_RDI) & amask(in), osz,
			   ACC_W, &la));
	TRY(x86_translate(c, la, ACC_W, &v, &te));
	n = ins_batch(c, in, osz, la, te->host_w != 0);
	memset(buf, 0, (size_t)n * osz);
	TRY(pio(c, GPR(c, X86_RDX), buf, osz, n, false));
	for (i = 0; i < n; i++) {
		v = 0;
		memcpy(&v, buf + i * osz, osz);
		TRY(x86_write(c, X86_ES, GPR(c, X86_RDI) & amask(in), osz, v));
		adv(c, in, X86_RDI);
		if (in->rep)
			dec_rcx(c, in);
		x86_mlog_reset(c);	/* this element is committed */
		(*done)++;
	}
	return 0;
}

static int outs1(struct x86_core *c, const struct x86_insn *in)
{
	uint64_t v;
	unsigned osz = in->osz == 8 ? 4 : in->osz;

	TRY(x86_read(c, in->seg, GPR(c, X86_RSI) & amask(in), osz, &v));
	TRY(pio(c, GPR(c, X86_RDX), &v, osz, 1, true));
	adv(c, in, X86_RSI);
	return 0;
}

HANDLER(movs)
{
	return rep_loop(c, in, movs1, false);
}

HANDLER(cmps)
{
	return rep_loop(c, in, cmps1, true);
}

HANDLER(stos)
{
	return rep_loop(c, in, stos1, false);
}

HANDLER(lods)
{
	return rep_loop(c, in, lods1, false);
}

HANDLER(scas)
{
	return rep_loop(c, in, scas1, true);
}

HANDLER(ins)
{
	unsigned osz = in->osz == 8 ? 4 : in->osz, n = 0;

	TRY(x86_io_allowed(c, GPR(c, X86_RDX), osz));
	if (!in->rep)
		return ins_chunk(c, in, &n);
	for (n = 0; rcx(c, in); ) {
		if (n >= REP_CHUNK)
			return X86_R_JUMP;	/* re-executed: continues */
		TRY(ins_chunk(c, in, &n));
	}
	return 0;
}

HANDLER(outs)
{
	unsigned osz = in->osz == 8 ? 4 : in->osz;

	TRY(x86_io_allowed(c, GPR(c, X86_RDX), osz));
	return rep_loop(c, in, outs1, false);
}

HANDLER(in)
{
	uint16_t port = in->arg ? GPR(c, X86_RDX) : in->imm;
	unsigned osz = in->osz == 8 ? 4 : in->osz;
	uint64_t v = 0;

	TRY(x86_io_allowed(c, port, osz));
	TRY(pio(c, port, &v, osz, 1, false));
	reg_write(c, X86_RAX, osz, true, v);
	return 0;
}

HANDLER(out)
{
	uint16_t port = in->arg ? GPR(c, X86_RDX) : in->imm;
	unsigned osz = in->osz == 8 ? 4 : in->osz;
	uint64_t v = GPR(c, X86_RAX);

	TRY(x86_io_allowed(c, port, osz));
	return pio(c, port, &v, osz, 1, true);
}
