// SPDX-License-Identifier: GPL-2.0
/*
 * difftest.c - differential tester: random user-level instruction
 * sequences run on the emu CPU core and natively on the host CPU.
 *
 * Instructions come from the core's own opcode table (entries marked
 * DF_USER), so coverage grows with the table.  Each case is a random
 * register/flags/XMM/data-page state plus a sequence of instructions
 * ending in INT3; memory operands are [r15 + disp] inside the data page,
 * the stack is in the data page.
 *
 * Native side: a forked child maps the code page at 0x10000000 and the
 * data page at 0x20000000 and runs every case from signal handlers: the
 * handler of the trap that ends case i (INT3, or a fault) records the
 * registers from the ucontext and loads case i+1 into the ucontext before
 * returning.  The emu side runs the same case in 64-bit user mode with the
 * same virtual layout and every exception intercepted.
 *
 * Compared: exception vector (and fault address for #PF), RIP, GPRs,
 * RFLAGS minus flags the table marks undefined for any instruction of the
 * sequence, YMM0-15 (the upper halves through the signal frame's XSAVE
 * area), MXCSR, the data page.  VEX entries are generated with random
 * VEX.L, VEX.W and vvvv unless the table fixes them, in the two- and the
 * three-byte form.
 *
 * Usage: difftest [-s seed] [-n cases] [-l insns-per-case] [-o prefix] [-v]
 * (-o: only table entries whose name starts with prefix, e.g. "v" for the
 * VEX encodings).  The summary counts how the cases ended natively, so a
 * run that only ever raised #UD shows as such.
 */
#include <cpuid.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "cpu/x86_optab.h"
#include "lib/compiler.h"
#include "harness.h"

#define CODE_VA		0x10000000ull
#define DATA_VA		0x20000000ull
#define CODE_GPA	0x100000ull
#define DATA_GPA	0x101000ull
#define MAX_INSNS	16
#define BATCH		2048

/*
 * Explained mismatches: table entries the generator leaves out, and why.
 */
static const struct {
	const char *name;
	const char *why;
} excluded[] = {
	{ "pause", "F3 90: identical to NOP architecturally; kept out to "
		   "save cases" },
	{ "nop", "xchg_a_r covers 90" },
	/* Not excluded, but constrained in gen_insn():
	 * - FNSTENV/FNSAVE: they store FIP/FDP/FOP of earlier x87 code,
	 *   which natively comes from outside the case;
	 * - FLDENV/FRSTOR of random memory: environments with unmasked
	 *   pending exceptions behave differently (the core reports #MF at
	 *   the next waiting instruction, this host did not), and on a page
	 *   crossing the host reports a #PF address inside the buffer;
	 * - FLDCW of random memory unmasks x87 exceptions: the core runs
	 *   x87 arithmetic with exceptions masked and reports unmasked ones
	 *   as pending #MF, but writes the masked response (known gap);
	 * - FNINIT: this host then reports the register contents as zero
	 *   (XSAVE init optimization), visible to a following MMX read;
	 *   architecturally FNINIT leaves them unchanged, as the core does;
	 * - empty x87 registers are not compared: after FNINIT the host
	 *   kernel's XSAVE init optimization reports them as zero;
	 * - no 66 prefix on SHLD/SHRD: 16-bit counts above 16 are undefined;
	 * - no 66 prefix on near branches/stack ops (Intel ignores it in
	 *   64-bit mode for branches, AMD does not).
	 */
};

struct dcase {
	uint8_t code[MAX_INSNS * 16 + 1];
	uint16_t ncode;
	uint8_t ninsn;
	uint32_t undef[MAX_INSNS + 1];	/* undefined before insn i */
	uint16_t ops[MAX_INSNS];
	uint8_t off[MAX_INSNS];
	uint64_t gpr[16];
	uint64_t rflags;
	uint8_t xmm[16][16];
	uint8_t ymmh[16][16];
	uint32_t mxcsr;
	uint16_t fcw, fsw;
	uint8_t ftw;
	uint8_t st[8][10];
	uint8_t data[4096];
};

struct dres {
	uint64_t gpr[16];
	uint64_t rip, rflags;
	uint8_t xmm[16][16];
	uint8_t ymmh[16][16];
	uint32_t mxcsr;
	uint16_t fcw, fsw;
	uint8_t ftw;
	uint8_t st[8][10];
	int vector;
	uint64_t addr;
	uint8_t data[4096];
};

struct shared {
	volatile int next;	/* native: case being run */
	int count;
	struct dcase c[BATCH];
	struct dres r[BATCH];
};

/* ---- random numbers (xorshift64*, seeded, reproducible) ----------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_n(uint64_t n)
{
	return rnd() % n;
}

static uint64_t rnd_val(void)
{
	static const uint64_t special[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
		0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffull,
		0x8000000000000000ull, ~0ull, 63, 64, 31, 32, 7, 8, 16,
	};

	switch (rnd_n(4)) {
	case 0: return special[rnd_n(ARRAY_SIZE(special))];
	case 1: return rnd_n(256);
	case 2: return (uint32_t)rnd();
	default: return rnd();
	}
}

/* ---- instruction generation ------------------------------------------------- */

static unsigned nuser;
static uint16_t user_ops[4096];
static const char *only_prefix;

static bool name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (!strncmp(name, *list, strlen(*list)))
			return true;
	return false;
}

static const char *const sse41[] = { "pblendvb", "blendvp", "ptest",
	"pmovsx", "pmovzx", "pmuldq", "pcmpeqq", "movntdqa", "packusdw",
	"pminsb", "pminsd", "pminuw", "pminud", "pmaxsb", "pmaxsd", "pmaxuw",
	"pmaxud", "pmulld", "phminposuw", "round", "blendp", "pblendw",
	"pextrb", "pextrw_3a", "pextrd", "extractps", "pinsrb", "insertps",
	"pinsrd", "dpp", "mpsadbw", NULL };
static const char *const sse42[] = { "pcmpgtq", "crc32", "pcmpestr",
	"pcmpistr", NULL };

static bool host_has(const char *name)
{
	unsigned a, b, c, d;

	if (!strcmp(name, "movbe_r_m") || !strcmp(name, "movbe_m_r")) {
		__cpuid(1, a, b, c, d);
		return c & (1u << 22);
	}
	if (!strcmp(name, "popcnt")) {
		__cpuid(1, a, b, c, d);
		return c & (1u << 23);
	}
	if (!strncmp(name, "addsub", 6) || !strncmp(name, "hadd", 4) ||
	    !strncmp(name, "hsub", 4) || !strcmp(name, "movsldup") ||
	    !strcmp(name, "movshdup") || !strcmp(name, "movddup") ||
	    !strcmp(name, "lddqu")) {
		__cpuid(1, a, b, c, d);
		return c & 1;	/* SSE3 */
	}
	if (!strncmp(name, "pshufb", 6) || !strncmp(name, "phadd", 5) ||
	    !strncmp(name, "phsub", 5) || !strncmp(name, "pmaddubsw", 9) ||
	    !strncmp(name, "psign", 5) || !strncmp(name, "pmulhrsw", 8) ||
	    !strncmp(name, "pabs", 4) || !strncmp(name, "palignr", 7)) {
		__cpuid(1, a, b, c, d);
		return c & (1u << 9);	/* SSSE3 */
	}
	if (name_in(name, sse41)) {
		__cpuid(1, a, b, c, d);
		return c & (1u << 19);
	}
	if (name_in(name, sse42)) {
		__cpuid(1, a, b, c, d);
		return c & (1u << 20);
	}
	if (!strcmp(name, "lzcnt")) {
		__cpuid(0x80000001, a, b, c, d);
		return c & (1u << 5);
	}
	return true;
}

/* AVX and AVX2 with the OS saving YMM state (XCR0 bits 1-2). */
static bool host_has_avx2(void)
{
	unsigned a, b, c, d, lo, hi;

	__cpuid(1, a, b, c, d);
	if (!(c & (1u << 28)) || !(c & (1u << 27)))
		return false;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	if ((lo & 6) != 6)
		return false;
	__cpuid_count(7, 0, a, b, c, d);
	return b & (1u << 5);
}

static bool host_has_op(const struct x86_opinfo *o)
{
	static const char *const bmi1[] = { "andn", "bls", "bextr", "tzcnt",
		NULL };
	static const char *const bmi2[] = { "bzhi", "pdep", "pext", "mulx",
		"rorx", "sarx", "shlx", "shrx", NULL };
	unsigned a, b, c, d;

	__cpuid_count(7, 0, a, b, c, d);
	if (name_in(o->name, bmi1))
		return b & (1u << 3);
	if (name_in(o->name, bmi2))
		return b & (1u << 8);
	if (!strcmp(o->name, "adcx") || !strcmp(o->name, "adox"))
		return b & (1u << 19);
	if (!strncmp(o->name, "vfm", 3) || !strncmp(o->name, "vfnm", 4)) {
		__cpuid(1, a, b, c, d);
		return (c & (1u << 12)) && host_has_avx2();	/* FMA */
	}
	if (!strncmp(o->name, "vcvtph2ps", 9) || !strncmp(o->name, "vcvtps2ph", 9)) {
		__cpuid(1, a, b, c, d);
		return (c & (1u << 29)) && host_has_avx2();	/* F16C */
	}
	if (o->map >= V0F)
		return host_has_avx2();
	return host_has(o->name);
}

static void collect_ops(void)
{
	for (unsigned i = 1; i < x86_nr_opinfo; i++) {
		const struct x86_opinfo *o = &x86_opinfo[i];
		bool skip = !(o->dflags & DF_USER) || !host_has_op(o);

		if (only_prefix &&
		    strncmp(o->name, only_prefix, strlen(only_prefix)))
			skip = true;

		for (size_t k = 0; k < ARRAY_SIZE(excluded) && !skip; k++)
			skip = !strcmp(o->name, excluded[k].name);
		/* Expanded slots repeat entries: keep one per (entry, slot). */
		if (!skip && nuser < ARRAY_SIZE(user_ops))
			user_ops[nuser++] = i;
	}
}

static bool reg_in_opcode(const struct x86_opinfo *o)
{
	if (o->map == M1)
		return (o->opc >= 0x40 && o->opc <= 0x5f) ||
		       (o->opc >= 0x90 && o->opc <= 0x97) ||
		       (o->opc >= 0xb0 && o->opc <= 0xbf);
	return o->map == M0F && o->opc >= 0xc8 && o->opc <= 0xcf;
}

/* A GPR number other than RSP and R15 (the data-page base). */
static unsigned rnd_gpr(void)
{
	static const uint8_t ok[] = { 0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12,
				      13, 14 };

	return ok[rnd_n(sizeof(ok))];
}

/* SIMD instructions whose ModRM.reg / ModRM.rm is a general register. */
/* The name without the "v" of a VEX form. */
static const char *base_name(const struct x86_opinfo *o)
{
	return o->map >= V0F ? o->name + 1 : o->name;
}

static bool gpr_in_reg(const struct x86_opinfo *o)
{
	static const char *const l[] = { "cvtt", "cvtss2si", "cvtsd2si",
		"pmovmskb", "movmsk", "pextrw", NULL };

	/* The SSE4.1 form of PEXTRW (0F 3A 15) has the GPR in rm. */
	return name_in(base_name(o), l) && strcmp(base_name(o), "pextrw_3a");
}

static bool gpr_in_rm(const struct x86_opinfo *o)
{
	static const char *const l[] = { "movd_", "pinsrw", "cvtsi2",
		"pextrb", "pextrw_3a", "pextrd", "extractps", "pinsrb",
		"pinsrd", NULL };

	return name_in(base_name(o), l) && !strstr(o->name, "cvttps") ;
}

/* A memory operand [r15 + disp] in the data page, aligned to @align. */
static unsigned gen_mem(uint8_t *p, unsigned reg, unsigned align)
{
	unsigned disp = rnd_n(4096 - 32) & ~(align - 1), n = 0;
	unsigned mod = disp < 128 ? 1 : 2;

	p[n++] = (mod << 6) | ((reg & 7) << 3) | 7;
	if (mod == 1) {
		p[n++] = disp;
	} else {
		memcpy(p + n, &disp, 4);
		n += 4;
	}
	return n;
}

/*
 * A gather (VSIB): first VPSRLD/VPSRLQ the index register so that every
 * index is below 128, then the gather with base R15 and a displacement
 * that keeps all addresses in the data page.
 */
static int gen_gather(uint8_t *p, const struct x86_opinfo *o)
{
	unsigned n = 0, reg = rnd_n(16), vvvv = rnd_n(16), idx = rnd_n(16);
	unsigned l = rnd_n(2), w = rnd_n(2), q = o->opc & 1;
	unsigned disp = rnd_n(2048);

	/* VEX.66.0F 72 /2 (dwords, by 25) or 73 /2 (qwords, by 57). */
	p[n++] = 0xc4;
	p[n++] = (1 << 7) | (1 << 6) | (!(idx >> 3) << 5) | 1;
	p[n++] = ((~idx & 15) << 3) | (l << 2) | 1;
	p[n++] = q ? 0x73 : 0x72;
	p[n++] = 0xc0 | (2 << 3) | (idx & 7);
	p[n++] = q ? 57 : 25;
	/* The gather: ModRM rm=100 (SIB), mod=10 (disp32). */
	p[n++] = 0xc4;
	p[n++] = (!(reg >> 3) << 7) | (!(idx >> 3) << 6) | (0 << 5) | 2;
	p[n++] = (w << 7) | ((~vvvv & 15) << 3) | (l << 2) | 1;
	p[n++] = o->opc;
	p[n++] = (2 << 6) | ((reg & 7) << 3) | 4;
	p[n++] = (rnd_n(4) << 6) | ((idx & 7) << 3) | 7;	/* base r15 */
	memcpy(p + n, &disp, 4);
	return n + 4;
}

/*
 * A VEX instruction: random VEX.L / W / vvvv where the table leaves them
 * free, the C5 form whenever it can express the instruction and a coin
 * says so.
 */
static int gen_vex(uint8_t *p, const struct x86_opinfo *o)
{
	uint32_t df = o->dflags;
	unsigned n = 0, reg, rm = 0, vvvv, l, w, pp, mmmmm, r, x = 0, b = 0;
	bool mem;

	if (o->map == V38 && o->opc >= 0x90 && o->opc <= 0x93)
		return gen_gather(p, o);
	pp = o->pfx == P_66 ? 1 : o->pfx == P_F3 ? 2 : o->pfx == P_F2 ? 3 : 0;
	if (o->pfx == P_NOREP)
		pp = rnd_n(2);
	l = (df & DF_L0) ? 0 : (df & DF_L1) ? 1 : rnd_n(2);
	w = (df & DF_W0) ? 0 : (df & DF_W1) ? 1 : rnd_n(2);
	vvvv = (df & DF_NOV) ? 0 : rnd_n(16);
	mmmmm = o->map - V0F + 1;
	if ((df & DF_VGPR) && !(df & DF_NOV))
		vvvv = rnd_gpr();
	if (o->sub & S_REGV)
		reg = o->sub & 7;
	else if (gpr_in_reg(o) || (df & DF_VGPR))
		reg = rnd_gpr();
	else
		reg = rnd_n(16);
	if (o->sub & S_MODMEM)
		mem = true;
	else if (o->sub & S_MODREG)
		mem = false;
	else
		mem = rnd_n(2);
	if (!(df & DF_MODRM))
		mem = false;
	if (mem) {
		rm = 7;
		b = 1;			/* [r15 + disp] */
	} else {
		rm = gpr_in_rm(o) || (df & DF_VGPR) ? rnd_gpr() : rnd_n(16);
		b = rm >> 3;
	}
	r = reg >> 3;
	if (mmmmm == 1 && !w && !x && !b && rnd_n(2)) {
		p[n++] = 0xc5;
		p[n++] = (!r << 7) | ((~vvvv & 15) << 3) | (l << 2) | pp;
	} else {
		p[n++] = 0xc4;
		p[n++] = (!r << 7) | (!x << 6) | (!b << 5) | mmmmm;
		p[n++] = (w << 7) | ((~vvvv & 15) << 3) | (l << 2) | pp;
	}
	p[n++] = o->opc;
	if (df & DF_MODRM) {
		if (mem)
			n += gen_mem(p + n, reg, rnd_n(2) ? 32 : 1u << rnd_n(6));
		else
			p[n++] = 0xc0 | ((reg & 7) << 3) | (rm & 7);
	}
	switch (DF_IMM(df)) {
	case I_NONE:
		break;
	case I_B:
		p[n++] = rnd_val();
		break;
	default:
		return -1;
	}
	return n;
}

static int gen_insn(uint8_t *p, uint16_t op)
{
	const struct x86_opinfo *o = &x86_opinfo[op];
	uint32_t df = o->dflags;
	unsigned n = 0, rex = 0, reg, rm, mod, osz;
	bool sse = df & DF_SSE, mem;
	bool p66 = false;
	uint8_t pfx = 0;

	if (o->map >= V0F)
		return gen_vex(p, o);
	/* Mandatory prefix, or a random operand-size prefix. */
	if (o->pfx == P_66)
		pfx = 0x66;
	else if (o->pfx == P_F3)
		pfx = 0xf3;
	else if (o->pfx == P_F2)
		pfx = 0xf2;
	else if ((o->pfx & P_66) && !sse && !rnd_n(4) &&
		 !(df & (DF_F64 | DF_DEF64)) && strncmp(o->name, "sh", 2))
		p66 = true;	/* 16-bit SHLD/SHRD counts > 16: undefined */
	if (p66)
		p[n++] = 0x66;
	if (pfx)
		p[n++] = pfx;

	if (reg_in_opcode(o) && (o->opc & 7) == 4)
		return -1;
	if (rnd_n(2))
		rex |= 8;		/* REX.W */
	if (o->sub & S_REGV)
		reg = o->sub & 7;
	else if (df & (DF_X87 | DF_MMX))
		reg = rnd_n(8);		/* opcode extension / MMn, no REX.R */
	else
		reg = sse ? rnd_n(16) : rnd_gpr();
	if (reg & 8)
		rex |= 4;
	if (o->sub & S_RMV) {
		mem = false;
		rm = (o->sub >> 4) & 7;
	} else if (o->sub & S_MODMEM) {
		mem = true;
	} else if (o->sub & S_MODREG) {
		mem = false;
	} else {
		mem = rnd_n(2);
	}
	if (!(df & DF_MODRM))
		mem = false;
	/* FLDENV/FRSTOR, FNSTENV/FNSAVE: see the list at the top. */
	if ((df & DF_X87) && mem && (reg == 4 || reg == 6) &&
	    (o->opc == 0xd9 || o->opc == 0xdd))
		return -1;
	if ((df & DF_X87) && mem && reg == 5 && o->opc == 0xd9)
		return -1;	/* FLDCW: see the list at the top */
	if (mem) {
		rm = 7;
		rex |= 1;		/* [r15 + disp] */
	} else if (!(o->sub & S_RMV)) {
		rm = (sse || (df & DF_MMX)) && !gpr_in_rm(o) ? rnd_n(16) :
		     rnd_gpr();
		if (rm & 8)
			rex |= 1;
	}
	if ((df & DF_X87) && !mem && o->opc == 0xdb && reg == 4 &&
	    (rm & 7) == 3)
		return -1;	/* FNINIT: see the list at the top */
	if (gpr_in_reg(o)) {
		reg = rnd_gpr();
		rex = (rex & ~4) | ((reg & 8) ? 4 : 0);
	}
	if (reg_in_opcode(o)) {
		rex &= ~5;
		if (rnd_n(2) && (o->opc & 7) != 7)
			rex |= 1;
	}
	/* MOVD/MOVQ between XMM and GPR: the GPR is in rm. */
	if (rex || rnd_n(4) == 0)
		p[n++] = 0x40 | rex;
	if (o->map != M1)
		p[n++] = 0x0f;
	if (o->map == M38)
		p[n++] = 0x38;
	if (o->map == M3A)
		p[n++] = 0x3a;
	p[n++] = o->opc;
	if (df & DF_MODRM) {
		if (mem) {
			unsigned align = sse ? 16 : 1 << rnd_n(4);
			unsigned disp = rnd_n(4096 - 16) & ~(align - 1);

			mod = disp < 128 ? 1 : 2;
			p[n++] = (mod << 6) | ((reg & 7) << 3) | 7;
			if (mod == 1) {
				p[n++] = disp;
			} else {
				memcpy(p + n, &disp, 4);
				n += 4;
			}
		} else {
			p[n++] = 0xc0 | ((reg & 7) << 3) | (rm & 7);
		}
	}
	osz = (df & DF_BYTE) ? 1 : (rex & 8) ? 8 : p66 ? 2 : 4;
	switch (DF_IMM(df)) {
	case I_B:
	case I_BS:
		p[n++] = rnd_val();
		break;
	case I_W:
		p[n++] = rnd();
		p[n++] = rnd();
		break;
	case I_Z:
		for (unsigned i = 0; i < (osz == 2 ? 2u : 4u); i++)
			p[n++] = rnd_val() >> (8 * i);
		break;
	case I_V: {
		uint64_t v = rnd_val();

		memcpy(p + n, &v, osz);
		n += osz;
		break;
	}
	case I_REL8:
		p[n++] = 0;
		break;
	case I_RELZ:
		memset(p + n, 0, osz == 2 ? 2 : 4);
		n += osz == 2 ? 2 : 4;
		break;
	default:
		if (DF_IMM(df))
			return -1;
	}
	return n;
}

/* Instructions that define all six arithmetic flags. */
static bool writes_all_flags(const struct x86_opinfo *o)
{
	static const char *const pfx[] = { "alu_", "test_", "neg", "xadd" };

	if (!strcmp(o->name, "cmpxchg") || !strcmp(o->name, "cmpxchg8"))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(pfx); i++)
		if (!strncmp(o->name, pfx[i], strlen(pfx[i])) &&
		    strcmp(o->name, "cmpxchg8b"))
			return !o->undef;
	return false;
}

/*
 * Flags a sequence leaves undefined: an instruction's undefined flags stay
 * undefined until an instruction defines all flags.  A flag reader is not
 * placed while any flag is undefined (it would consume them).
 */
static void gen_case(struct dcase *c, unsigned len)
{
	unsigned n = 0;
	uint32_t pending = 0;

	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i < len; i++) {
		const struct x86_opinfo *o;
		uint16_t op;
		int k;

		do {
			op = user_ops[rnd_n(nuser)];
			o = &x86_opinfo[op];
			k = -1;
			if (pending && (o->dflags & DF_RFLAGS))
				continue;
			k = gen_insn(c->code + n, op);
		} while (k <= 0);
		c->undef[i] = pending;
		if (writes_all_flags(o))
			pending = 0;
		pending |= o->undef;
		c->ops[i] = op;
		c->off[i] = n;
		n += k;
	}
	c->code[n++] = 0xcc;
	c->ncode = n;
	c->undef[len] = pending;
	c->ninsn = len;
	for (int i = 0; i < 16; i++)
		c->gpr[i] = rnd_val();
	c->gpr[X86_RSP] = DATA_VA + 0x800 + 8 * rnd_n(64);
	c->gpr[X86_R15] = DATA_VA;
	c->rflags = X86_FIXED1 | (rnd() & (X86_ARITH_FLAGS | X86_DF));
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < 16; j += 8) {
			uint64_t v = rnd_val(), h = rnd_val();

			memcpy(&c->xmm[i][j], &v, 8);
			memcpy(&c->ymmh[i][j], &h, 8);
		}
	c->mxcsr = 0x1f80 | (rnd_n(4) << 13);
	/* x87: exceptions masked, random rounding/precision, stack state. */
	c->fcw = 0x37f | (rnd_n(4) << 10) | ((rnd_n(2) ? 3 : 2) << 8);
	c->fsw = rnd_n(8) << 11;
	c->ftw = rnd();
	for (int i = 0; i < 8; i++) {
		uint64_t mant = rnd_val() | (rnd_n(4) ? 1ull << 63 : 0);
		uint16_t ex = rnd_n(3) ? 0x3fff - 64 + rnd_n(128) : rnd();

		memcpy(c->st[i], &mant, 8);
		memcpy(c->st[i] + 8, &ex, 2);
	}
	for (int i = 0; i < 4096; i += 8) {
		uint64_t v = rnd_val();

		memcpy(c->data + i, &v, 8);
	}
}

/* ---- native run ---------------------------------------------------------------- */

static struct shared *sh;
static bool host_avx;

/* The signal frame's FP state is an XSAVE area (FP_XSTATE_MAGIC1). */
static bool xstate_frame(const struct _libc_fpstate *fp)
{
	const uint32_t *sw = (const uint32_t *)((const char *)fp + 464);

	return sw[0] == 0x46505853;
}

static const int greg_of[16] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static void load_case(ucontext_t *uc, int i)
{
	struct dcase *c = &sh->c[i];
	struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;

	/* The whole page: BT* with a register offset can read it. */
	memset((void *)CODE_VA, 0, 4096);
	memcpy((void *)CODE_VA, c->code, c->ncode);
	memcpy((void *)DATA_VA, c->data, 4096);
	for (int r = 0; r < 16; r++)
		uc->uc_mcontext.gregs[greg_of[r]] = c->gpr[r];
	uc->uc_mcontext.gregs[REG_RIP] = CODE_VA;
	uc->uc_mcontext.gregs[REG_EFL] = c->rflags;
	memcpy(fp->_xmm, c->xmm, sizeof(c->xmm));
	fp->mxcsr = c->mxcsr;
	fp->cwd = c->fcw;
	fp->swd = c->fsw;
	fp->ftw = c->ftw;
	for (int k = 0; k < 8; k++)
		memcpy(&fp->_st[k], c->st[k], 10);
	/*
	 * Make sure sigreturn restores SSE and AVX state from the frame
	 * (standard-format XSAVE area: YMM upper halves at 576).
	 */
	if (xstate_frame(fp)) {
		*(uint64_t *)((char *)fp + 512) |= 3 | (host_avx ? 4 : 0);
		if (host_avx)
			memcpy((char *)fp + 576, c->ymmh, sizeof(c->ymmh));
	}
}

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	int i = sh->next;

	if (i >= 0) {
		struct dres *r = &sh->r[i];
		struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;

		for (int k = 0; k < 16; k++)
			r->gpr[k] = uc->uc_mcontext.gregs[greg_of[k]];
		r->rip = uc->uc_mcontext.gregs[REG_RIP];
		r->rflags = uc->uc_mcontext.gregs[REG_EFL];
		r->vector = uc->uc_mcontext.gregs[REG_TRAPNO];
		r->addr = (uint64_t)si->si_addr;
		memcpy(r->xmm, fp->_xmm, sizeof(r->xmm));
		/* Not in XSTATE_BV: in the initial configuration, zero. */
		if (host_avx && xstate_frame(fp) &&
		    (*(uint64_t *)((char *)fp + 512) & 4))
			memcpy(r->ymmh, (char *)fp + 576, sizeof(r->ymmh));
		else
			memset(r->ymmh, 0, sizeof(r->ymmh));
		r->mxcsr = fp->mxcsr;
		r->fcw = fp->cwd;
		r->fsw = fp->swd;
		r->ftw = fp->ftw;
		for (int k = 0; k < 8; k++)
			memcpy(r->st[k], &fp->_st[k], 10);
		memcpy(r->data, (void *)DATA_VA, 4096);
	}
	i++;
	sh->next = i;
	if (i >= sh->count)
		_exit(0);
	load_case(uc, i);
}

static int native_child(void)
{
	static char altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa = { 0 };
	int sigs[] = { SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGILL };

	if (mmap((void *)CODE_VA, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) ==
	    MAP_FAILED ||
	    mmap((void *)DATA_VA, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) ==
	    MAP_FAILED) {
		perror("mmap");
		_exit(2);
	}
	sigaltstack(&ss, NULL);
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (size_t k = 0; k < ARRAY_SIZE(sigs); k++)
		sigaction(sigs[k], &sa, NULL);
	alarm(30);
	raise(SIGTRAP);
	_exit(3);
}

static int run_native(int from)
{
	pid_t pid;
	int st;

	sh->next = from - 1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		native_child();
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return sh->count;
	return sh->next;	/* the case that killed the child */
}

/* ---- emu run ---------------------------------------------------------------------- */

static void emu_setup(struct tmach *m)
{
	uint64_t *pt = (uint64_t *)(m->ram + 0x10000);

	tm_long_mode(m, 3);
	memset(m->ram + 0x10000, 0, 0x6000);
	pt[0] = 0x11000 | 7;				/* PML4[0] */
	pt[0x1000 / 8] = 0x12000 | 7;			/* PDPT[0] */
	pt[0x2000 / 8 + 128] = 0x13000 | 7;		/* PD: 256 MiB */
	pt[0x2000 / 8 + 256] = 0x14000 | 7;		/* PD: 512 MiB */
	pt[0x3000 / 8] = CODE_GPA | 7;
	pt[0x4000 / 8] = DATA_GPA | 7 | (1ull << 63) * 0;
	m->cpu->s.cr4 |= X86_CR4_OSXSAVE;
	m->cpu->s.xcr0 = X86_XCR0_SUPPORTED;
	x86_cpu_state_changed(m->cpu);
}

static void run_emu(struct tmach *m, const struct dcase *c, struct dres *r)
{
	struct x86_cpu *cpu = m->cpu;
	int st;

	memset(m->ram + CODE_GPA, 0, 4096);
	memcpy(m->ram + CODE_GPA, c->code, c->ncode);
	memcpy(m->ram + DATA_GPA, c->data, 4096);
	x86_code_tracker_write(cpu->tracker, CODE_GPA, 4096);
	memcpy(cpu->s.gpr, c->gpr, sizeof(c->gpr));
	cpu->s.rip = CODE_VA;
	x86_cpu_set_rflags(cpu, c->rflags);
	memcpy(cpu->s.fx.xmm, c->xmm, sizeof(c->xmm));
	memcpy(cpu->s.ymmh, c->ymmh, sizeof(c->ymmh));
	cpu->s.fx.mxcsr = c->mxcsr;
	cpu->s.fx.fcw = c->fcw;
	cpu->s.fx.fsw = c->fsw;
	cpu->s.fx.ftw = c->ftw;
	for (int k = 0; k < 8; k++)
		memcpy(cpu->s.fx.st[k], c->st[k], 10);
	memset(&cpu->s.ev, 0, sizeof(cpu->s.ev));
	cpu->exc_intercept = ~0u;
	st = x86_cpu_run(cpu, 1000);
	memset(r, 0, sizeof(*r));
	memcpy(r->gpr, cpu->s.gpr, sizeof(r->gpr));
	r->rip = cpu->s.rip;
	r->rflags = x86_cpu_get_rflags(cpu);
	memcpy(r->xmm, cpu->s.fx.xmm, sizeof(r->xmm));
	memcpy(r->ymmh, cpu->s.ymmh, sizeof(r->ymmh));
	r->mxcsr = cpu->s.fx.mxcsr;
	r->fcw = cpu->s.fx.fcw;
	r->fsw = cpu->s.fx.fsw;
	r->ftw = cpu->s.fx.ftw;
	for (int k = 0; k < 8; k++)
		memcpy(r->st[k], cpu->s.fx.st[k], 10);
	memcpy(r->data, m->ram + DATA_GPA, 4096);
	r->vector = st == X86_STOP_EXCEPTION ? cpu->s.ev.exc_nr : 100 + st;
	r->addr = cpu->s.ev.exc_nr == X86_EXC_PF ? cpu->s.cr2 : 0;
}

/* ---- compare ------------------------------------------------------------------------ */

static void dump_case(const struct dcase *c)
{
	for (unsigned i = 0; i < c->ninsn; i++) {
		unsigned end = i + 1 < c->ninsn ? c->off[i + 1] : c->ncode - 1;

		printf("  %-14s", x86_opinfo[c->ops[i]].name);
		for (unsigned k = c->off[i]; k < end; k++)
			printf(" %02x", c->code[k]);
		printf("\n");
	}
	printf("  in : rflags %#llx mxcsr %#x\n",
	       (unsigned long long)c->rflags, c->mxcsr);
	for (int i = 0; i < 16; i++)
		printf("       r%-2d %016llx%s", i,
		       (unsigned long long)c->gpr[i], i % 4 == 3 ? "\n" : "");
}

static void dump_res(const char *who, const struct dres *r)
{
	printf("  %s: vector %d addr %#llx rip %#llx rflags %#llx mxcsr %#x\n",
	       who, r->vector, (unsigned long long)r->addr,
	       (unsigned long long)r->rip, (unsigned long long)r->rflags,
	       r->mxcsr);
	for (int i = 0; i < 16; i++)
		printf("       r%-2d %016llx%s", i,
		       (unsigned long long)r->gpr[i], i % 4 == 3 ? "\n" : "");
}

static bool compare(const struct dcase *c, const struct dres *n,
		    const struct dres *e, char *why, size_t wl)
{
	uint32_t undef = c->undef[c->ninsn];

	/*
	 * A fault stops the sequence early: flags as before that slot (a
	 * slot may hold more than one instruction: a gather's setup).
	 */
	for (unsigned i = 0; i < c->ninsn; i++) {
		unsigned end = i + 1 < c->ninsn ? c->off[i + 1] : c->ncode - 1u;

		if (n->rip >= CODE_VA + c->off[i] && n->rip < CODE_VA + end)
			undef = c->undef[i];
	}

	if (n->vector != e->vector) {
		snprintf(why, wl, "vector native %d emu %d", n->vector,
			 e->vector);
		return false;
	}
	if (n->vector == X86_EXC_PF && n->addr != e->addr) {
		snprintf(why, wl, "#PF address");
		return false;
	}
	if (n->rip != e->rip) {
		snprintf(why, wl, "rip");
		return false;
	}
	for (int i = 0; i < 16; i++)
		if (n->gpr[i] != e->gpr[i]) {
			snprintf(why, wl, "r%d", i);
			return false;
		}
	if ((n->rflags ^ e->rflags) & (X86_ARITH_FLAGS | X86_DF) & ~undef) {
		snprintf(why, wl, "rflags (diff %#llx)",
			 (unsigned long long)((n->rflags ^ e->rflags) &
					      ~(uint64_t)undef));
		return false;
	}
	for (int i = 0; i < 16; i++)
		if (memcmp(n->xmm[i], e->xmm[i], 16)) {
			snprintf(why, wl, "xmm%d", i);
			return false;
		}
	for (int i = 0; i < 16; i++)
		if (host_avx && memcmp(n->ymmh[i], e->ymmh[i], 16)) {
			snprintf(why, wl, "ymm%d[255:128]", i);
			return false;
		}
	if (n->mxcsr != e->mxcsr) {
		snprintf(why, wl, "mxcsr");
		return false;
	}
	if (n->fcw != e->fcw || n->fsw != e->fsw || n->ftw != e->ftw) {
		snprintf(why, wl, "x87 fcw %#x/%#x fsw %#x/%#x ftw %#x/%#x",
			 n->fcw, e->fcw, n->fsw, e->fsw, n->ftw, e->ftw);
		return false;
	}
	for (int i = 0; i < 8; i++)
		if ((n->ftw >> ((i + (n->fsw >> 11)) & 7) & 1) &&
		    memcmp(n->st[i], e->st[i], 10)) {
			snprintf(why, wl, "st%d", i);
			return false;
		}
	for (int i = 0; i < 4096; i++)
		if (n->data[i] != e->data[i]) {
			snprintf(why, wl, "data[%#x]", i);
			return false;
		}
	return true;
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, ncases = 100000, insns = 0, states = 0, bad = 0;
	uint64_t ends[33] = { 0 };
	unsigned len = 8;
	bool verbose = false;
	struct tmach *m;
	int opt;

	while ((opt = getopt(argc, argv, "s:n:l:o:v")) != -1) {
		switch (opt) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': ncases = strtoull(optarg, NULL, 0); break;
		case 'l': len = atoi(optarg); break;
		case 'v': verbose = true; break;
		case 'o': only_prefix = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-s seed] [-n cases] "
				"[-l len] [-o prefix] [-v]\n", argv[0]);
			return 2;
		}
	}
	if (len < 1 || len > MAX_INSNS)
		len = 8;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	/*
	 * The native side runs guest code from signal handlers, which the
	 * sanitizer runtimes intercept (observed: wrong native XMM state
	 * under ASan).  The core itself is covered by the other tests there.
	 */
	printf("difftest needs an uninstrumented build (sanitizers "
	       "intercept the native side's signals)\n");
	return 77;
#endif
	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
	host_avx = host_has_avx2();
	collect_ops();
	if (!nuser) {
		printf("difftest: no table entry matches\n");
		return 1;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	m = tm_create(NULL);
	emu_setup(m);
	printf("difftest: seed %llu, %llu cases of %u instructions, %u "
	       "table entries\n", (unsigned long long)seed,
	       (unsigned long long)ncases, len, nuser);
	for (uint64_t done = 0; done < ncases;) {
		int cnt = ncases - done > BATCH ? BATCH : ncases - done;
		int from = 0;

		sh->count = cnt;
		for (int i = 0; i < cnt; i++)
			gen_case(&sh->c[i], len);
		while (from < cnt) {
			int upto = run_native(from);

			if (upto < 0) {
				perror("fork");
				return 1;
			}
			for (int i = from; i < cnt && i < upto; i++) {
				struct dres e;
				char why[64];

				run_emu(m, &sh->c[i], &e);
				states++;
				ends[sh->r[i].vector >= 0 && sh->r[i].vector < 32 ?
				     sh->r[i].vector : 32]++;
				insns += m->cpu->insns;
				m->cpu->insns = 0;
				if (compare(&sh->c[i], &sh->r[i], &e, why,
					    sizeof(why)))
					continue;
				if (bad++ < 10 || verbose) {
					printf("MISMATCH case %llu (%s):\n",
					       (unsigned long long)(done + i),
					       why);
					dump_case(&sh->c[i]);
					dump_res("native", &sh->r[i]);
					dump_res("emu   ", &e);
				}
			}
			if (upto < cnt) {
				printf("native child died in case %llu:\n",
				       (unsigned long long)(done + upto));
				dump_case(&sh->c[upto]);
				bad++;
				upto++;
			}
			from = upto;
		}
		done += cnt;
	}
	printf("difftest: cases ended by INT3 %llu, #UD %llu, #GP %llu, "
	       "#PF %llu, #XM %llu, other %llu\n",
	       (unsigned long long)ends[X86_EXC_BP],
	       (unsigned long long)ends[X86_EXC_UD],
	       (unsigned long long)ends[X86_EXC_GP],
	       (unsigned long long)ends[X86_EXC_PF],
	       (unsigned long long)ends[X86_EXC_XM],
	       (unsigned long long)(states - ends[X86_EXC_BP] -
				    ends[X86_EXC_UD] - ends[X86_EXC_GP] -
				    ends[X86_EXC_PF] - ends[X86_EXC_XM]));
	printf("difftest: %llu instructions, %llu states compared, %llu "
	       "mismatches\n", (unsigned long long)insns,
	       (unsigned long long)states, (unsigned long long)bad);
	tm_destroy(m);
	return bad ? 1 : 0;
}
