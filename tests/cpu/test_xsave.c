// SPDX-License-Identifier: GPL-2.0
/*
 * test_xsave.c - XGETBV/XSETBV, XSAVE/XSAVEOPT/XRSTOR (standard format,
 * x87, SSE and AVX components), their CPUID/CR4 gating and the #UD/#NM
 * rules of VEX instructions (the AVX gate), run standalone on
 * the tiny machine of harness.c.  Each case is one instruction followed
 * by HLT at CODE, in 64-bit ring 0 (ring 3 where stated).
 */
#include "harness.h"

#define CODE	0x100000
#define AREA	0x300000		/* 64-byte aligned XSAVE area */
#define EXC	((1u << X86_EXC_UD) | (1u << X86_EXC_GP) | \
		 (1u << X86_EXC_NM) | (1u << X86_EXC_PF))

static const uint8_t XGETBV[] = { 0x0f, 0x01, 0xd0 };
static const uint8_t XSETBV[] = { 0x0f, 0x01, 0xd1 };
static const uint8_t XSAVE[] = { 0x0f, 0xae, 0x27 };		/* [rdi] */
static const uint8_t XRSTOR[] = { 0x0f, 0xae, 0x2f };
static const uint8_t XSAVEOPT[] = { 0x0f, 0xae, 0x37 };
static const uint8_t MOV_CR4_RAX[] = { 0x0f, 0x22, 0xe0 };

static struct tmach *setup(bool osxsave)
{
	struct tmach *m = tm_create(NULL);

	tm_long_mode(m, 0);
	if (osxsave)
		m->cpu->s.cr4 |= X86_CR4_OSXSAVE;
	m->cpu->exc_intercept = EXC;
	x86_cpu_state_changed(m->cpu);
	return m;
}

/* Run @insn (then HLT); -1 if it completed, else the exception vector. */
static int run1(struct tmach *m, const uint8_t *insn, size_t len,
		uint64_t rax, uint64_t rcx, uint64_t rdx, uint64_t rdi)
{
	static const uint8_t hlt = 0xf4;
	struct x86_cpu *cpu = m->cpu;
	int r;

	tm_copy(m, CODE, insn, insn + len);
	tm_copy(m, CODE + len, &hlt, &hlt + 1);
	cpu->s.rip = CODE;
	cpu->s.gpr[X86_RAX] = rax;
	cpu->s.gpr[X86_RCX] = rcx;
	cpu->s.gpr[X86_RDX] = rdx;
	cpu->s.gpr[X86_RDI] = rdi;
	memset(&cpu->s.ev, 0, sizeof(cpu->s.ev));
	cpu->s.halted = 0;		/* from the previous case's HLT */
	x86_cpu_state_changed(cpu);
	r = x86_cpu_run(cpu, 10);
	if (r == X86_STOP_HLT)
		return -1;
	if (r == X86_STOP_EXCEPTION)
		return cpu->s.ev.exc_nr;
	return 1000 + r;
}

#define RUN(m, i, ...) run1(m, i, sizeof(i), __VA_ARGS__)

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	struct x86_cpuid_entry e[32];
	size_t n = x86_cpu_supported_cpuid(e, 32);

	memset(r, 0, 16);
	for (size_t i = 0; i < n; i++)
		if (e[i].function == leaf &&
		    (!(e[i].flags & 1) || e[i].index == sub)) {
			r[0] = e[i].eax;
			r[1] = e[i].ebx;
			r[2] = e[i].ecx;
			r[3] = e[i].edx;
		}
}

static int test_cpuid(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	EXPECT_RET(r[0] >= 0xd, "max leaf %#x", r[0]);
	cpuid(1, 0, r);
	EXPECT_RET(r[2] & (1u << 26), "XSAVE bit");
	EXPECT_RET(!(r[2] & (1u << 27)), "OSXSAVE is the backend's (CR4)");
	EXPECT_RET((r[2] & (3u << 19)) == 3u << 19, "SSE4.1/4.2 %#x", r[2]);
	/* AVX, FMA, F16C; AVX2, BMI1, BMI2 in leaf 7. */
	EXPECT_RET((r[2] & ((1u << 28) | (1u << 12) | (1u << 29))) ==
		   ((1u << 28) | (1u << 12) | (1u << 29)), "AVX FMA F16C %#x",
		   r[2]);
	cpuid(7, 0, r);
	EXPECT_RET((r[1] & 0x128) == 0x128, "AVX2 BMI1 BMI2 %#x", r[1]);
	cpuid(0xd, 0, r);
	/* EBX is for XCR0 = x87 (the backend recomputes it from XCR0). */
	EXPECT_RET(r[0] == 7 && r[1] == 576 && r[2] == 832 && r[3] == 0,
	      "leaf 0xd.0 %#x %#x %#x %#x", r[0], r[1], r[2], r[3]);
	EXPECT_RET(x86_xsave_size(3) == 576 && x86_xsave_size(7) == 832,
		   "x86_xsave_size");
	cpuid(0xd, 1, r);
	EXPECT_RET(r[0] == 1, "leaf 0xd.1 eax %#x (XSAVEOPT only)", r[0]);
	cpuid(0xd, 2, r);
	EXPECT_RET(r[0] == 256 && r[1] == 576, "leaf 0xd.2 %#x %#x", r[0], r[1]);
	return 0;
}

static int test_xgetbv_xsetbv(void)
{
	struct tmach *m = setup(false);
	int v;

	/* CR4.OSXSAVE clear: both #UD. */
	EXPECT_RET((v = RUN(m, XGETBV, 0, 0, 0, 0)) == X86_EXC_UD, "xgetbv %d", v);
	EXPECT_RET((v = RUN(m, XSETBV, 3, 0, 0, 0)) == X86_EXC_UD, "xsetbv %d", v);
	/* MOV to CR4 accepts OSXSAVE now that XSAVE exists. */
	v = RUN(m, MOV_CR4_RAX, m->cpu->s.cr4 | X86_CR4_OSXSAVE, 0, 0, 0);
	EXPECT_RET(v == -1, "mov cr4 %d", v);
	EXPECT_RET(m->cpu->s.cr4 & X86_CR4_OSXSAVE, "cr4 %#llx",
	      (unsigned long long)m->cpu->s.cr4);
	EXPECT_RET((v = RUN(m, XGETBV, 0, 0, 0, 0)) == -1, "xgetbv %d", v);
	EXPECT_RET(m->cpu->s.gpr[X86_RAX] == 1 && m->cpu->s.gpr[X86_RDX] == 0,
	      "reset XCR0 %#llx", (unsigned long long)m->cpu->s.gpr[X86_RAX]);
	EXPECT_RET((v = RUN(m, XSETBV, 3, 0, 0, 0)) == -1, "xsetbv 3: %d", v);
	EXPECT_RET(m->cpu->s.xcr0 == 3, "xcr0 %#llx",
	      (unsigned long long)m->cpu->s.xcr0);
	EXPECT_RET((v = RUN(m, XGETBV, ~0ull, 0, ~0ull, 0)) == -1, "xgetbv %d", v);
	EXPECT_RET(m->cpu->s.gpr[X86_RAX] == 3 && m->cpu->s.gpr[X86_RDX] == 0,
	      "xgetbv %#llx", (unsigned long long)m->cpu->s.gpr[X86_RAX]);
	/* x87 must stay enabled, unknown components, XCR other than 0. */
	EXPECT_RET(RUN(m, XSETBV, 2, 0, 0, 0) == X86_EXC_GP, "xsetbv 2");
	EXPECT_RET(RUN(m, XSETBV, 0, 0, 0, 0) == X86_EXC_GP, "xsetbv 0");
	EXPECT_RET(RUN(m, XSETBV, 5, 0, 0, 0) == X86_EXC_GP, "xsetbv 5 (AVX w/o SSE)");
	EXPECT_RET(RUN(m, XSETBV, 0xf, 0, 0, 0) == X86_EXC_GP, "xsetbv 0xf");
	EXPECT_RET(RUN(m, XSETBV, 3, 0, 1, 0) == X86_EXC_GP, "xsetbv edx");
	EXPECT_RET(RUN(m, XSETBV, 3, 1, 0, 0) == X86_EXC_GP, "xsetbv xcr1");
	EXPECT_RET(RUN(m, XGETBV, 0, 1, 0, 0) == X86_EXC_GP, "xgetbv xcr1");
	EXPECT_RET(m->cpu->s.xcr0 == 3, "xcr0 kept after #GP");
	EXPECT_RET((v = RUN(m, XSETBV, 7, 0, 0, 0)) == -1, "xsetbv 7: %d", v);
	EXPECT_RET(m->cpu->s.xcr0 == 7, "xcr0 %#llx",
	      (unsigned long long)m->cpu->s.xcr0);
	tm_destroy(m);

	/* XSETBV is ring 0 only; XGETBV is not. */
	m = tm_create(NULL);
	tm_long_mode(m, 3);
	m->cpu->s.cr4 |= X86_CR4_OSXSAVE;
	m->cpu->exc_intercept = EXC;
	x86_cpu_state_changed(m->cpu);
	memcpy(m->ram + CODE, XGETBV, 3);
	memcpy(m->ram + CODE + 3, XSETBV, 3);
	m->cpu->s.rip = CODE;
	m->cpu->s.gpr[X86_RCX] = 0;
	m->cpu->s.gpr[X86_RAX] = 3;
	v = x86_cpu_run(m->cpu, 10);
	EXPECT_RET(v == X86_STOP_EXCEPTION && m->cpu->s.ev.exc_nr == X86_EXC_GP &&
	      m->cpu->s.rip == CODE + 3, "ring 3: %d vec %d rip %#llx", v,
	      m->cpu->s.ev.exc_nr, (unsigned long long)m->cpu->s.rip);
	tm_destroy(m);
	return 0;
}

/* A recognisable register state. */
static void fill_state(struct x86_state *s)
{
	for (int i = 0; i < 16; i++)
		memset(s->fx.xmm[i], 0x10 + i, 16);
	for (int i = 0; i < 8; i++)
		memset(s->fx.st[i], 0x80 + i, 10);
	s->fx.fcw = 0x27f;
	s->fx.fsw = 0x3800;
	s->fx.ftw = 0x81;
	s->fx.fop = 0x123;
	s->fx.fip = 0x1111;
	s->fx.fdp = 0x2222;
	s->fx.mxcsr = 0x9fa0;
}

static uint64_t rd(struct tmach *m, unsigned off)
{
	return tm_rd64(m, AREA + off);
}

static int test_xsave(void)
{
	struct tmach *m = setup(true);
	struct x86_state *s = &m->cpu->s;
	uint8_t *a = m->ram + AREA;
	uint32_t mx;
	int v;

	s->xcr0 = 3;
	fill_state(s);
	/* Only x87 requested: SSE bytes and MXCSR untouched, BV[5] kept. */
	memset(a, 0xaa, 576);
	memset(a + 512, 0, 64);
	a[512] = 0x22;
	v = RUN(m, XSAVE, 1, 0, 0, AREA);
	EXPECT_RET(v == -1, "xsave x87: %d", v);
	EXPECT_RET(!memcmp(a, &s->fx, 24) && !memcmp(a + 32, s->fx.st, 128),
	      "x87 region");
	EXPECT_RET(rd(m, 24) == 0xaaaaaaaaaaaaaaaaull, "mxcsr written without SSE");
	EXPECT_RET(a[160] == 0xaa && a[415] == 0xaa && a[416] == 0xaa, "xmm area");
	EXPECT_RET(rd(m, 512) == 0x23, "xstate_bv %#llx",
	      (unsigned long long)rd(m, 512));
	/* EDX:EAX all ones, but RFBM is limited by XCR0. */
	v = RUN(m, XSAVE, ~0ull, 0, ~0ull, AREA);
	EXPECT_RET(v == -1, "xsave all: %d", v);
	memcpy(&mx, a + 24, 4);
	EXPECT_RET(mx == 0x9fa0, "mxcsr %#x", mx);
	memcpy(&mx, a + 28, 4);
	EXPECT_RET(mx == s->fx.mxcsr_mask, "mxcsr_mask %#x", mx);
	EXPECT_RET(!memcmp(a + 160, s->fx.xmm, 256), "xmm region");
	EXPECT_RET(a[416] == 0xaa && a[511] == 0xaa, "bytes 416..511 written");
	EXPECT_RET(rd(m, 512) == 0x23, "xstate_bv %#llx",
	      (unsigned long long)rd(m, 512));
	/* XCR0 = x87 only: SSE not saved even when requested. */
	s->xcr0 = 1;
	memset(a + 160, 0x55, 16);
	EXPECT_RET(RUN(m, XSAVEOPT, 3, 0, 0, AREA) == -1, "xsaveopt");
	EXPECT_RET(a[160] == 0x55, "xmm0 saved with XCR0=1");
	s->xcr0 = 3;
	/* Misaligned, CR0.TS, no OSXSAVE. */
	EXPECT_RET(RUN(m, XSAVE, 3, 0, 0, AREA + 16) == X86_EXC_GP, "misaligned");
	s->cr0 |= X86_CR0_TS;
	EXPECT_RET(RUN(m, XSAVE, 3, 0, 0, AREA) == X86_EXC_NM, "TS");
	s->cr0 &= ~X86_CR0_TS;
	s->cr4 &= ~X86_CR4_OSXSAVE;
	EXPECT_RET(RUN(m, XSAVE, 3, 0, 0, AREA) == X86_EXC_UD, "no OSXSAVE");
	EXPECT_RET(RUN(m, XRSTOR, 3, 0, 0, AREA) == X86_EXC_UD, "no OSXSAVE");
	s->cr4 |= X86_CR4_OSXSAVE;
	/* Read-only page: a write #PF, nothing stored. */
	*tm_pte(m, AREA + 0x1000) &= ~2ull;
	x86_cpu_state_changed(m->cpu);
	memset(a + 0x1000 - 64, 0x77, 64);
	v = RUN(m, XSAVE, 3, 0, 0, AREA + 0x1000 - 64);
	EXPECT_RET(v == X86_EXC_PF && (s->ev.exc_error & 2) &&
	      s->cr2 == AREA + 0x1000, "ro page: %d err %#x", v,
	      s->ev.exc_error);
	EXPECT_RET(a[0x1000 - 64] == 0x77, "partial store before #PF");
	tm_destroy(m);
	return 0;
}

static int test_xrstor(void)
{
	struct tmach *m = setup(true);
	struct x86_state *s = &m->cpu->s;
	uint8_t *a = m->ram + AREA;
	struct x86_fxsave saved;
	uint64_t bv;
	uint32_t mx;
	int v;

	s->xcr0 = 3;
	fill_state(s);
	memset(a, 0, 576);
	EXPECT_RET(RUN(m, XSAVE, 3, 0, 0, AREA) == -1, "xsave");
	saved = s->fx;
	/* Round trip. */
	memset(s->fx.xmm, 0, sizeof(s->fx.xmm));
	s->fx.fcw = 0x37f;
	s->fx.mxcsr = 0x1f80;
	EXPECT_RET((v = RUN(m, XRSTOR, 3, 0, 0, AREA)) == -1, "xrstor %d", v);
	EXPECT_RET(!memcmp(&s->fx, &saved, 416), "round trip");
	/* Only SSE requested: x87 untouched. */
	s->fx.fcw = 0x7f;
	EXPECT_RET(RUN(m, XRSTOR, 2, 0, 0, AREA) == -1, "xrstor sse");
	EXPECT_RET(s->fx.fcw == 0x7f, "x87 restored with RFBM=2");
	/* XSTATE_BV clear: init state; MXCSR still comes from memory. */
	bv = 0;
	memcpy(a + 512, &bv, 8);
	mx = 0x1fc0;
	memcpy(a + 24, &mx, 4);
	EXPECT_RET(RUN(m, XRSTOR, 3, 0, 0, AREA) == -1, "xrstor init");
	EXPECT_RET(s->fx.fcw == 0x37f && s->fx.fsw == 0 && s->fx.ftw == 0 &&
	      s->fx.fop == 0 && s->fx.fip == 0 && s->fx.fdp == 0,
	      "x87 init: fcw %#x fsw %#x ftw %#x", s->fx.fcw, s->fx.fsw,
	      s->fx.ftw);
	for (int i = 0; i < 8; i++)
		EXPECT_RET(!s->fx.st[i][0] && !s->fx.st[i][9], "st%d init", i);
	for (int i = 0; i < 16; i++)
		EXPECT_RET(!s->fx.xmm[i][0] && !s->fx.xmm[i][15], "xmm%d init", i);
	EXPECT_RET(s->fx.mxcsr == 0x1fc0, "mxcsr %#x", s->fx.mxcsr);
	/* XSTATE_BV = SSE only: x87 init, XMM loaded. */
	bv = 2;
	memcpy(a + 512, &bv, 8);
	s->fx.fcw = 0x7f;
	EXPECT_RET(RUN(m, XRSTOR, 3, 0, 0, AREA) == -1, "xrstor bv=2");
	EXPECT_RET(s->fx.fcw == 0x37f && s->fx.xmm[5][0] == 0x15, "bv=2");

	/* Faults leave the state alone. */
	fill_state(s);
	saved = s->fx;
	bv = 4;				/* AVX: not in XCR0 */
	memcpy(a + 512, &bv, 8);
	EXPECT_RET(RUN(m, XRSTOR, 3, 0, 0, AREA) == X86_EXC_GP, "bv bit 2");
	bv = 3;
	memcpy(a + 512, &bv, 8);
	s->xcr0 = 1;
	EXPECT_RET(RUN(m, XRSTOR, 1, 0, 0, AREA) == X86_EXC_GP, "bv > xcr0");
	s->xcr0 = 3;
	a[520 + 15] = 1;		/* byte 23 of the header */
	EXPECT_RET(RUN(m, XRSTOR, 3, 0, 0, AREA) == X86_EXC_GP, "header 23:16");
	a[520 + 15] = 0;
	a[520 + 7] = 0x80;		/* XCOMP_BV[63]: compacted form */
	EXPECT_RET(RUN(m, XRSTOR, 3, 0, 0, AREA) == X86_EXC_GP, "xcomp_bv");
	a[520 + 7] = 0;
	a[540] = 0xff;			/* bytes 24..63 are not checked */
	mx = 0x10000;			/* MXCSR reserved bit */
	memcpy(a + 24, &mx, 4);
	EXPECT_RET(RUN(m, XRSTOR, 3, 0, 0, AREA) == X86_EXC_GP, "mxcsr");
	EXPECT_RET(RUN(m, XRSTOR, 3, 0, 0, AREA + 32) == X86_EXC_GP, "misaligned");
	EXPECT_RET(!memcmp(&s->fx, &saved, sizeof(saved)), "state after #GP");
	/* ... but MXCSR is not loaded when only x87 is requested. */
	EXPECT_RET(RUN(m, XRSTOR, 1, 0, 0, AREA) == -1, "x87 only, bad mxcsr");
	EXPECT_RET(s->fx.mxcsr == saved.mxcsr, "mxcsr %#x", s->fx.mxcsr);
	tm_destroy(m);
	return 0;
}

static void fill_ymmh(struct x86_state *s)
{
	for (int i = 0; i < 16; i++)
		memset(s->ymmh[i], 0x40 + i, 16);
}

static int test_xsave_avx(void)
{
	struct tmach *m = setup(true);
	struct x86_state *s = &m->cpu->s;
	uint8_t *a = m->ram + AREA;
	uint64_t bv;
	int v;

	s->xcr0 = 7;
	fill_state(s);
	fill_ymmh(s);
	/* RFBM without AVX: bytes 576..831 untouched. */
	memset(a, 0, 576);
	memset(a + 576, 0xcc, 256);
	EXPECT_RET(RUN(m, XSAVE, 3, 0, 0, AREA) == -1, "xsave 3");
	EXPECT_RET(a[576] == 0xcc && a[831] == 0xcc, "avx area written");
	/* AVX alone: YMM_Hi128 at 576, MXCSR too, XMM not. */
	memset(a, 0, 576);
	EXPECT_RET(RUN(m, XSAVE, 4, 0, 0, AREA) == -1, "xsave 4");
	for (int i = 0; i < 16; i++)
		EXPECT_RET(a[576 + 16 * i] == 0x40 + i &&
			   a[576 + 16 * i + 15] == 0x40 + i, "ymm%d hi", i);
	EXPECT_RET(rd(m, 24) == (0x9fa0 | (uint64_t)s->fx.mxcsr_mask << 32),
		   "mxcsr with AVX only");
	EXPECT_RET(a[160] == 0, "xmm saved with RFBM=4");
	EXPECT_RET(rd(m, 512) == 4, "xstate_bv %#llx",
		   (unsigned long long)rd(m, 512));
	/* The 832-byte area must be accessible: fault on the next page. */
	*tm_pte(m, AREA + 0x1000) &= ~2ull;
	x86_cpu_state_changed(m->cpu);
	v = RUN(m, XSAVE, 7, 0, 0, AREA + 0x1000 - 640);
	EXPECT_RET(v == X86_EXC_PF && s->cr2 == AREA + 0x1000,
		   "832 bytes: %d cr2 %#llx", v, (unsigned long long)s->cr2);
	EXPECT_RET(RUN(m, XSAVE, 3, 0, 0, AREA + 0x1000 - 640) == -1,
		   "576 bytes fit");
	*tm_pte(m, AREA + 0x1000) |= 2ull;
	x86_cpu_state_changed(m->cpu);
	/* Round trip through XRSTOR. */
	EXPECT_RET(RUN(m, XSAVE, 7, 0, 0, AREA) == -1, "xsave 7");
	EXPECT_RET(rd(m, 512) == 7, "xstate_bv 7");
	memset(s->ymmh, 0, sizeof(s->ymmh));
	EXPECT_RET((v = RUN(m, XRSTOR, 7, 0, 0, AREA)) == -1, "xrstor %d", v);
	EXPECT_RET(s->ymmh[3][0] == 0x43 && s->ymmh[15][15] == 0x4f,
		   "ymm restored");
	/* RFBM without AVX leaves YMM alone; XSTATE_BV[2] = 0 inits it. */
	memset(a + 576, 0, 256);
	EXPECT_RET(RUN(m, XRSTOR, 3, 0, 0, AREA) == -1, "xrstor 3");
	EXPECT_RET(s->ymmh[3][0] == 0x43, "ymm touched with RFBM=3");
	bv = 3;
	memcpy(a + 512, &bv, 8);
	EXPECT_RET(RUN(m, XRSTOR, 7, 0, 0, AREA) == -1, "xrstor bv=3");
	EXPECT_RET(s->ymmh[3][0] == 0 && s->ymmh[15][15] == 0, "ymm init");
	/* XCR0 without AVX: bit 2 of XSTATE_BV is #GP. */
	bv = 7;
	memcpy(a + 512, &bv, 8);
	s->xcr0 = 3;
	EXPECT_RET(RUN(m, XRSTOR, 7, 0, 0, AREA) == X86_EXC_GP, "bv > xcr0");
	tm_destroy(m);
	return 0;
}

/* VMOVDQU ymm0, [rdi], VZEROUPPER, and VEX forms that must be #UD. */
static const uint8_t VMOVDQU_LD[] = { 0xc5, 0xfe, 0x6f, 0x07 };
static const uint8_t VZEROUPPER[] = { 0xc5, 0xf8, 0x77 };
static const uint8_t VEX_66[] = { 0x66, 0xc5, 0xfe, 0x6f, 0x07 };
static const uint8_t VEX_F3[] = { 0xf3, 0xc5, 0xfe, 0x6f, 0x07 };
static const uint8_t VEX_REX[] = { 0x40, 0xc5, 0xfe, 0x6f, 0x07 };
static const uint8_t VEX_LOCK[] = { 0xf0, 0xc5, 0xfe, 0x6f, 0x07 };
static const uint8_t VEX_VVVV[] = { 0xc5, 0xf6, 0x6f, 0x07 };	/* vvvv=1 */
static const uint8_t VEX_MAP0[] = { 0xc4, 0xe0, 0x7e, 0x6f, 0x07 };
static const uint8_t VMOVD_L1[] = { 0xc5, 0xfd, 0x6e, 0xc0 };	/* L=1 */
/* VMOVAPS ymm0, [rdi]: 32-byte alignment. */
static const uint8_t VMOVAPS_LD[] = { 0xc5, 0xfc, 0x28, 0x07 };

static int test_vex_gate(void)
{
	struct tmach *m = setup(true);
	struct x86_state *s = &m->cpu->s;
	int v;

	memset(m->ram + AREA, 0x5a, 64);
	/* XCR0 without AVX: #UD, even with everything else right. */
	s->xcr0 = 3;
	EXPECT_RET((v = RUN(m, VMOVDQU_LD, 0, 0, 0, AREA)) == X86_EXC_UD,
		   "xcr0=3: %d", v);
	s->xcr0 = 7;
	EXPECT_RET((v = RUN(m, VMOVDQU_LD, 0, 0, 0, AREA)) == -1, "ok: %d", v);
	EXPECT_RET(s->fx.xmm[0][0] == 0x5a && s->ymmh[0][15] == 0x5a, "ymm0");
	/* CR4.OSXSAVE clear: #UD; CR0.TS: #NM; CR0.EM does not matter. */
	s->cr4 &= ~X86_CR4_OSXSAVE;
	EXPECT_RET(RUN(m, VMOVDQU_LD, 0, 0, 0, AREA) == X86_EXC_UD, "!OSXSAVE");
	s->cr4 |= X86_CR4_OSXSAVE;
	s->cr0 |= X86_CR0_TS;
	EXPECT_RET(RUN(m, VMOVDQU_LD, 0, 0, 0, AREA) == X86_EXC_NM, "TS");
	s->cr0 &= ~X86_CR0_TS;
	s->cr0 |= X86_CR0_EM;
	s->cr4 &= ~X86_CR4_OSFXSR;
	EXPECT_RET(RUN(m, VMOVDQU_LD, 0, 0, 0, AREA) == -1, "EM, !OSFXSR");
	s->cr0 &= ~X86_CR0_EM;
	s->cr4 |= X86_CR4_OSFXSR;
	/* Prefixes before VEX, vvvv, reserved map, VEX.L. */
	EXPECT_RET(RUN(m, VEX_66, 0, 0, 0, AREA) == X86_EXC_UD, "66 VEX");
	EXPECT_RET(RUN(m, VEX_F3, 0, 0, 0, AREA) == X86_EXC_UD, "F3 VEX");
	EXPECT_RET(RUN(m, VEX_REX, 0, 0, 0, AREA) == X86_EXC_UD, "REX VEX");
	EXPECT_RET(RUN(m, VEX_LOCK, 0, 0, 0, AREA) == X86_EXC_UD, "LOCK VEX");
	EXPECT_RET(RUN(m, VEX_VVVV, 0, 0, 0, AREA) == X86_EXC_UD, "vvvv");
	EXPECT_RET(RUN(m, VEX_MAP0, 0, 0, 0, AREA) == X86_EXC_UD, "map 0");
	EXPECT_RET(RUN(m, VMOVD_L1, 0, 0, 0, AREA) == X86_EXC_UD, "vmovd L1");
	/* VMOVAPS: 32-byte aligned for 256 bits; VMOVDQU: any alignment. */
	EXPECT_RET(RUN(m, VMOVAPS_LD, 0, 0, 0, AREA + 16) == X86_EXC_GP,
		   "vmovaps misaligned");
	EXPECT_RET(RUN(m, VMOVDQU_LD, 0, 0, 0, AREA + 1) == -1, "vmovdqu");
	/* A VEX.128 op zeroes bits 255:128; VZEROUPPER zeroes all of them. */
	fill_state(s);
	fill_ymmh(s);
	{
		static const uint8_t VPADDB128[] = { 0xc5, 0xf1, 0xfc, 0xc2 };

		EXPECT_RET(RUN(m, VPADDB128, 0, 0, 0, 0) == -1, "vpaddb");
		EXPECT_RET(s->ymmh[0][0] == 0 && s->ymmh[1][0] == 0x41,
			   "vex.128 upper");
	}
	EXPECT_RET(RUN(m, VZEROUPPER, 0, 0, 0, 0) == -1, "vzeroupper");
	for (int i = 1; i < 16; i++)
		EXPECT_RET(!s->ymmh[i][0] && s->fx.xmm[i][0] == 0x10 + i,
			   "vzeroupper ymm%d", i);
	tm_destroy(m);
	return 0;
}

/*
 * VPGATHERDD xmm1, [rdi + xmm2*4], xmm3 with element 2 on a page that is
 * not present: elements 0 and 1 are gathered and their mask elements
 * cleared before the #PF, element 3 not; run again after the page is
 * mapped, the gather completes from there and zeroes the whole mask.
 */
static int test_gather_fault(void)
{
	static const uint8_t GATHER[] = { 0xc4, 0xe2, 0x61, 0x90, 0x0c, 0x97 };
	struct tmach *m = setup(true);
	struct x86_state *s = &m->cpu->s;
	uint32_t idx[4] = { 0, 1, 0x1000 / 4, 2 }, v;
	int r;

	s->xcr0 = 7;
	for (unsigned i = 0; i < 4; i++)
		memcpy(m->ram + AREA + 4 * i, &(uint32_t){ 0x100 + i }, 4);
	memcpy(m->ram + AREA + 0x1000, &(uint32_t){ 0x200 }, 4);
	memcpy(s->fx.xmm[2], idx, 16);
	memset(s->fx.xmm[3], 0xff, 16);		/* all elements enabled */
	memset(s->fx.xmm[1], 0xee, 16);
	*tm_pte(m, AREA + 0x1000) &= ~1ull;
	x86_cpu_state_changed(m->cpu);
	r = RUN(m, GATHER, 0, 0, 0, AREA);
	EXPECT_RET(r == X86_EXC_PF && s->cr2 == AREA + 0x1000, "fault %d", r);
	memcpy(&v, s->fx.xmm[1] + 4, 4);
	EXPECT_RET(v == 0x101, "element 1 gathered: %#x", v);
	memcpy(&v, s->fx.xmm[1] + 12, 4);
	EXPECT_RET(v == 0xeeeeeeee, "element 3 untouched: %#x", v);
	memcpy(&v, s->fx.xmm[3] + 4, 4);
	EXPECT_RET(v == 0, "mask 1 cleared: %#x", v);
	memcpy(&v, s->fx.xmm[3] + 8, 4);
	EXPECT_RET(v == 0xffffffff, "mask 2 kept: %#x", v);
	*tm_pte(m, AREA + 0x1000) |= 1ull;
	x86_cpu_state_changed(m->cpu);
	EXPECT_RET((r = RUN(m, GATHER, 0, 0, 0, AREA)) == -1, "restart %d", r);
	memcpy(&v, s->fx.xmm[1] + 8, 4);
	EXPECT_RET(v == 0x200, "element 2: %#x", v);
	memcpy(&v, s->fx.xmm[1] + 12, 4);
	EXPECT_RET(v == 0x102, "element 3: %#x", v);
	for (unsigned i = 0; i < 16; i++)
		EXPECT_RET(!s->fx.xmm[3][i] && !s->ymmh[3][i], "mask zero");
	/* Destination, index and mask registers must differ. */
	memcpy(s->fx.xmm[3], s->fx.xmm[2], 16);
	{
		static const uint8_t BAD[] = { 0xc4, 0xe2, 0x69, 0x90, 0x0c, 0x97 };

		EXPECT_RET(RUN(m, BAD, 0, 0, 0, AREA) == X86_EXC_UD,
			   "mask = index");
	}
	tm_destroy(m);
	return 0;
}

/*
 * Compatibility mode (32-bit code, CPL 0): C4/C5 followed by a register
 * ModRM byte are VEX, otherwise LES/LDS.
 */
static int test_vex_compat(void)
{
	static const uint8_t LES[] = { 0xc4, 0x07 };		/* les eax, [edi] */
	static const uint8_t LDS[] = { 0xc5, 0x07 };		/* lds eax, [edi] */
	struct tmach *m = setup(true);
	struct x86_state *s = &m->cpu->s;
	uint8_t *a = m->ram + AREA;
	int v;

	/* A 32-bit ring-0 code segment at 0x38. */
	memcpy(m->ram + TM_GDT + 0x38,
	       &(uint64_t){ 0x00cf9a000000ffffull }, 8);
	s->seg[X86_CS].selector = 0x38;
	s->seg[X86_CS].l = 0;
	s->seg[X86_CS].db = 1;
	s->seg[X86_CS].limit = 0xffffffff;
	s->seg[X86_DS] = s->seg[X86_SS];
	s->seg[X86_DS].db = 1;
	s->seg[X86_DS].limit = 0xffffffff;
	s->seg[X86_DS].unusable = 0;
	s->xcr0 = 7;
	x86_cpu_state_changed(m->cpu);
	memset(a, 0x5a, 32);
	EXPECT_RET((v = RUN(m, VMOVDQU_LD, 0, 0, 0, AREA)) == -1, "vex: %d", v);
	EXPECT_RET(s->fx.xmm[0][0] == 0x5a && s->ymmh[0][15] == 0x5a,
		   "vmovdqu in compat mode");
	/* Far pointer 0x10:0x11223344 at [edi]. */
	memcpy(a, &(uint32_t){ 0x11223344 }, 4);
	memcpy(a + 4, &(uint16_t){ 0x10 }, 2);
	EXPECT_RET((v = RUN(m, LES, 0, 0, 0, AREA)) == -1, "les: %d", v);
	EXPECT_RET((uint32_t)s->gpr[X86_RAX] == 0x11223344 &&
		   s->seg[X86_ES].selector == 0x10, "les loaded %#llx",
		   (unsigned long long)s->gpr[X86_RAX]);
	EXPECT_RET((v = RUN(m, LDS, 0, 0, 0, AREA)) == -1, "lds: %d", v);
	EXPECT_RET(s->seg[X86_DS].selector == 0x10, "lds loaded");
	tm_destroy(m);
	return 0;
}

int main(void)
{
	static const struct { const char *name; int (*fn)(void); } tests[] = {
		{ "cpuid", test_cpuid },
		{ "xgetbv_xsetbv", test_xgetbv_xsetbv },
		{ "xsave", test_xsave },
		{ "xrstor", test_xrstor },
		{ "xsave_avx", test_xsave_avx },
		{ "vex_gate", test_vex_gate },
		{ "vex_compat", test_vex_compat },
		{ "gather_fault", test_gather_fault },
	};
	int fails = 0;

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		int r = tests[i].fn();

		printf("%s %s\n", r ? "FAIL" : "ok  ", tests[i].name);
		fails += r != 0;
	}
	return fails ? 1 : 0;
}
