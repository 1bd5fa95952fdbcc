// SPDX-License-Identifier: GPL-2.0
/*
 * x87.c - the x87 FPU, executed on the host's own FPU.
 *
 * The guest x87 state lives in the FXSAVE image (s.fx).  For an x87
 * instruction the core saves the host FPU/SSE state, loads a copy of the
 * guest image (all x87 exceptions masked, no pending exception, a benign
 * MXCSR) with FXRSTOR, runs the very same instruction on the host (the
 * memory operand redirected to a bounce buffer at [rax]), saves the
 * result with FXSAVE and restores the host state - all inside one asm
 * statement, so compiler-visible registers never change.  Results, tags,
 * TOP and condition codes are therefore bit-exact with the host CPU.
 *
 * Exceptions: the host runs with exceptions masked.  Exceptions the guest
 * has unmasked set FSW.ES/B and are reported as #MF by the next waiting
 * x87 instruction, as on hardware; unlike hardware the masked response has
 * already been written to the destination (documented gap).
 *
 * Control instructions that only move control/status words (FNSTSW,
 * FNSTCW, FLDCW, FNCLEX, FNINIT, FWAIT) are done in C.
 */
#include "cpu/internal.h"

#define FSW_ES		0x0080
#define FSW_B		0x8000
#define CR0_EM_TS	(X86_CR0_EM | X86_CR0_TS)

/* Memory operand size per (opcode - 0xd8, reg); 0 = invalid; <0 = store. */
static const int16_t mem_size[8][8] = {
	{ 4, 4, 4, 4, 4, 4, 4, 4 },		/* D8 m32fp */
	{ 4, 0, -4, -4, 28, 2, -28, -2 },	/* D9 */
	{ 4, 4, 4, 4, 4, 4, 4, 4 },		/* DA m32int */
	{ 4, -4, -4, -4, 0, 10, 0, -10 },	/* DB (/1 FISTTP: SSE3) */
	{ 8, 8, 8, 8, 8, 8, 8, 8 },		/* DC m64fp */
	{ 8, -8, -8, -8, 108, 0, -108, -2 },	/* DD */
	{ 2, 2, 2, 2, 2, 2, 2, 2 },		/* DE m16int */
	{ 2, -2, -2, -2, 10, 8, -10, -8 },	/* DF */
};

/* Register forms that exist (others raise #UD rather than run on host). */
static bool reg_form_valid(unsigned op, unsigned m)
{
	switch (op) {
	case 0: case 4:
		return true;
	case 1:
		if (m < 0xd0 || m == 0xd0 || (m >= 0xd8 && m <= 0xe1))
			return true;
		if (m == 0xe4 || m == 0xe5 || (m >= 0xe8 && m <= 0xee))
			return true;
		return m >= 0xf0;
	case 2:
		return m < 0xe0 || m == 0xe9;
	case 3:
		return m < 0xe0 || (m >= 0xe0 && m <= 0xe4) ||
		       (m >= 0xe8 && m < 0xf8);
	case 5:
		return m < 0xf0;
	case 6:
		return m < 0xd8 || m == 0xd9 || m >= 0xe0;
	default:
		return m < 0xe0 || m == 0xe0 || (m >= 0xe8 && m < 0xf8);
	}
}

/* Control instructions: no pending-exception check, no FIP/FOP update. */
static bool is_control(unsigned op, bool mem, unsigned reg, unsigned m)
{
	if (mem)
		return (op == 1 && reg >= 4) || (op == 5 && (reg == 4 ||
							     reg >= 6));
	return (op == 3 && (m == 0xe2 || m == 0xe3)) || (op == 7 && m == 0xe0);
}

#define RUN(bytes, fl)							\
	__asm__ volatile("fxsave64 (%1)\n\t"				\
			 "fxrstor64 (%2)\n\t"				\
			 "pushq %4\n\t"					\
			 "popfq\n\t"					\
			 ".byte " bytes "\n\t"				\
			 "pushfq\n\t"					\
			 "popq %0\n\t"					\
			 "fxsave64 (%2)\n\t"				\
			 "fxrstor64 (%1)"				\
			 : "=&r"(fl)					\
			 : "r"(host), "r"(img), "a"(buf), "r"(gfl)	\
			 : "memory", "cc")

#define RK(op, hi, k) case ((op) << 8 | ((hi) + (k))):			\
	RUN(#op ", " #hi "+" #k, fl); break;
#define R8(op, hi) RK(op, hi, 0) RK(op, hi, 1) RK(op, hi, 2) RK(op, hi, 3) \
	RK(op, hi, 4) RK(op, hi, 5) RK(op, hi, 6) RK(op, hi, 7)
#define R64(op) R8(op, 0xc0) R8(op, 0xc8) R8(op, 0xd0) R8(op, 0xd8)	\
	R8(op, 0xe0) R8(op, 0xe8) R8(op, 0xf0) R8(op, 0xf8)
/* Memory forms: ModRM mod=00 rm=000, i.e. [rax] = the bounce buffer. */
#define MK(op, r) case ((op) << 8 | ((r) << 3)):			\
	RUN(#op ", " #r "<<3", fl); break;
#define M8(op) MK(op, 0) MK(op, 1) MK(op, 2) MK(op, 3) MK(op, 4)	\
	MK(op, 5) MK(op, 6) MK(op, 7)

/* @gfl: guest CF/PF/ZF for FCMOVcc. */
static uint64_t host_exec(unsigned key, struct x86_fxsave *img, void *buf,
			  bool o16, uint64_t gfl)
{
	struct x86_fxsave hbuf, *host = &hbuf;
	uint64_t fl = 0;

	if (o16) {
		/* 16-bit FLDENV/FNSTENV/FRSTOR/FNSAVE layouts. */
		switch (key) {
		case 0xd9 << 8 | 4 << 3: RUN("0x66, 0xd9, 4<<3", fl); break;
		case 0xd9 << 8 | 6 << 3: RUN("0x66, 0xd9, 6<<3", fl); break;
		case 0xdd << 8 | 4 << 3: RUN("0x66, 0xdd, 4<<3", fl); break;
		case 0xdd << 8 | 6 << 3: RUN("0x66, 0xdd, 6<<3", fl); break;
		}
		return fl;
	}
	switch (key) {
	R64(0xd8) R64(0xd9) R64(0xda) R64(0xdb)
	R64(0xdc) R64(0xdd) R64(0xde) R64(0xdf)
	M8(0xd8) M8(0xd9) M8(0xda) M8(0xdb)
	M8(0xdc) M8(0xdd) M8(0xde) M8(0xdf)
	}
	return fl;
}

static int fpu_check(struct x86_core *c, bool waiting)
{
	struct x86_state *s = S(c);

	if (s->cr0 & CR0_EM_TS)
		return x86_exc(c, X86_EXC_NM);
	if (waiting && (s->fx.fsw & FSW_ES))
		return x86_exc(c, X86_EXC_MF);
	return 0;
}

/* FSW.ES/B follow the exception flags the control word leaves unmasked. */
static void update_es(struct x86_fxsave *fx)
{
	if (fx->fsw & ~fx->fcw & 0x3f)
		fx->fsw |= FSW_ES | FSW_B;
	else
		fx->fsw &= ~(FSW_ES | FSW_B);
}

HANDLER(fwait)
{
	struct x86_state *s = S(c);

	if ((s->cr0 & (X86_CR0_MP | X86_CR0_TS)) ==
	    (X86_CR0_MP | X86_CR0_TS))
		return x86_exc(c, X86_EXC_NM);
	if (s->fx.fsw & FSW_ES)
		return x86_exc(c, X86_EXC_MF);
	return 0;
}

HANDLER(x87)
{
	struct x86_state *s = S(c);
	unsigned op = in->arg, reg = in->reg & 7;
	unsigned m = 0xc0 | (reg << 3) | (in->rm & 7);
	bool mem = in->mem, store = false;
	uint8_t buf[128] __attribute__((aligned(16)));
	struct x86_fxsave img;
	unsigned size = 0, key;
	uint64_t ea = 0, fl;
	uint16_t fcw = s->fx.fcw;
	bool o16 = false;

	if (mem) {
		int sz = mem_size[op][reg];

		if (!sz)
			return x86_ud(c);
		store = sz < 0;
		size = store ? -sz : sz;
		if (in->osz == 2 && (size == 28 || size == 108)) {
			size = size == 28 ? 14 : 94;
			o16 = true;
		}
		ea = x86_ea(c, in);
	} else if (!reg_form_valid(op, m)) {
		return x86_ud(c);
	}
	TRY(fpu_check(c, !is_control(op, mem, reg, m)));

	/* Pure control/status moves, done in C. */
	if (mem && op == 1 && reg == 7)		/* FNSTCW */
		return x86_write(c, in->seg, ea, 2, s->fx.fcw);
	if (mem && op == 5 && reg == 7)		/* FNSTSW m16 */
		return x86_write(c, in->seg, ea, 2, s->fx.fsw);
	if (mem && op == 1 && reg == 5) {	/* FLDCW */
		uint64_t v;

		TRY(x86_read(c, in->seg, ea, 2, &v));
		s->fx.fcw = (v & 0x1f7f) | 0x40;	/* reserved bits */
		update_es(&s->fx);
		return 0;
	}
	if (!mem && op == 7 && m == 0xe0) {	/* FNSTSW AX */
		reg_write(c, X86_RAX, 2, true, s->fx.fsw);
		return 0;
	}
	if (!mem && op == 3 && m == 0xe2) {	/* FNCLEX */
		s->fx.fsw &= ~(0x3f | 0x40 | FSW_ES | FSW_B);
		return 0;
	}
	if (!mem && op == 3 && m == 0xe3) {	/* FNINIT */
		s->fx.fcw = 0x37f;
		s->fx.fsw = 0;
		s->fx.ftw = 0;
		s->fx.fop = 0;
		s->fx.fip = s->fx.fdp = 0;
		return 0;
	}
	if (!mem && op == 3 && (m == 0xe0 || m == 0xe1 || m == 0xe4))
		return 0;			/* FNENI/FNDISI/FNSETPM: NOPs */

	if (mem && !store) {
		memset(buf, 0, sizeof(buf));
		TRY(x86_read_buf(c, in->seg, ea, buf, size));
	}
	img = s->fx;
	img.fcw |= 0x3f;			/* the host never traps */
	img.fsw &= ~(FSW_ES | FSW_B);
	img.mxcsr = 0x1f80;
	key = (0xd8 + op) << 8 | (mem ? reg << 3 : m);
	fl = host_exec(key, &img, buf, o16, (x86_arith_flags(c) &
		       (X86_CF | X86_PF | X86_ZF)) | X86_FIXED1);

	if (store) {
		if (size == 14 || size == 28 || size == 94 || size == 108) {
			/* The stored environment shows the guest's words. */
			unsigned w = (size == 14 || size == 94) ? 2 : 4;

			memcpy(buf, &fcw, 2);
			memcpy(buf + w, &s->fx.fsw, 2);
			/* Never leak host code/data addresses (FIP/FDP). */
			if (w == 4) {
				uint32_t ptrs[4] = {
					(uint32_t)s->fx.fip,
					(uint32_t)s->fx.fop << 16 |
						s->seg[X86_CS].selector,
					(uint32_t)s->fx.fdp,
					s->seg[X86_DS].selector,
				};

				memcpy(buf + 12, ptrs, sizeof(ptrs));
			} else {
				memset(buf + 6, 0, 8);
			}
		}
		TRY(x86_write_buf(c, in->seg, ea, buf, size));
	}
	/* Commit the new x87 state (XMM/MXCSR untouched). */
	s->fx.fsw = img.fsw;
	s->fx.ftw = img.ftw;
	memcpy(s->fx.st, img.st, sizeof(s->fx.st));
	if ((mem && ((op == 1 || op == 5) && (reg == 4 || reg == 6))))
		s->fx.fcw = img.fcw;		/* FLDENV/FRSTOR/FNSAVE set it */
	else
		s->fx.fcw = fcw;
	update_es(&s->fx);
	if (!is_control(op, mem, reg, m)) {
		s->fx.fop = ((op & 7) << 8) | (mem ? (reg << 3) |
			    (in->rm & 7) : m);
		s->fx.fip = s->rip;
		s->fx.fdp = mem ? ea : 0;
	}
	/* FCOMI/FUCOMI(P) write ZF/PF/CF. */
	if (!mem && (op == 3 || op == 7) && m >= 0xe8 && m < 0xf8)
		cc_set_eflags(c, fl & (X86_ZF | X86_PF | X86_CF));
	return 0;
}
