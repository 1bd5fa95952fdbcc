// SPDX-License-Identifier: GPL-2.0
/*
 * xsave.c - XSAVE, XSAVEOPT and XRSTOR (standard format) for the state
 * components the core has: x87 (bit 0), SSE (bit 1) and AVX (bit 2, the
 * upper halves of YMM0-15).  XCR0 is s.xcr0, written by XSETBV
 * (system.c).
 *
 * The area is the 512-byte FXSAVE-layout legacy region, the 64-byte
 * XSAVE header and the AVX component at 576 (256 bytes): 832 bytes with
 * AVX enabled, 576 without (CPUID.(0DH,0).EBX follows XCR0).
 *
 * The core does not track which components are in their initial
 * configuration: XINUSE is reported as all ones, which the SDM allows
 * (a processor may treat a component as in use at any time).  That makes
 * XSAVEOPT's init and modified optimizations no-ops, so XSAVEOPT saves
 * exactly what XSAVE saves.
 */
#include <stddef.h>

#include "cpu/internal.h"

#define XSAVE_SIZE	X86_XSAVE_AVX_SIZE	/* the largest area */
#define XHDR		512		/* header offset */
#define YMM_OFF		X86_XSAVE_AVX_OFF

/* Legacy-region byte ranges of each component (SDM Vol. 1, 13.4.1). */
#define X87_A_END	offsetof(struct x86_fxsave, mxcsr)	/* 0..23 */
#define MXCSR_OFF	offsetof(struct x86_fxsave, mxcsr)	/* 24..31 */
#define ST_OFF		offsetof(struct x86_fxsave, st)		/* 32..159 */
#define XMM_OFF		offsetof(struct x86_fxsave, xmm)	/* 160..415 */

void x86_fx_x87_init(struct x86_fxsave *fx)
{
	fx->fcw = 0x37f;
	fx->fsw = 0;
	fx->ftw = 0;
	fx->fop = 0;
	fx->fip = 0;
	fx->fdp = 0;
	memset(fx->st, 0, sizeof(fx->st));
}

/*
 * #UD without CR4.OSXSAVE, #NM with CR0.TS, #GP unless 64-byte aligned;
 * *la is the linear address of the area.
 */
uint32_t x86_xsave_size(uint64_t xcr0)
{
	return xcr0 & X86_XCR0_AVX ? X86_XSAVE_AVX_SIZE : X86_XSAVE_LEGACY_SIZE;
}

/*
 * #UD without CR4.OSXSAVE, #NM with CR0.TS, #GP unless 64-byte aligned;
 * *la is the linear address of the area, whose first @size bytes are
 * accessed.
 */
static int xsave_check(struct x86_core *c, const struct x86_insn *in,
		       int acc, unsigned size, uint64_t *la)
{
	struct x86_state *s = S(c);

	if (!(s->cr4 & X86_CR4_OSXSAVE))
		return x86_ud(c);
	if (s->cr0 & X86_CR0_TS)
		return x86_exc(c, X86_EXC_NM);
	TRY(x86_seg_linear(c, in->seg, x86_ea(c, in), size, acc, la));
	if (*la & 63)
		return x86_gp0(c);
	return 0;
}

static uint64_t rfbm(struct x86_core *c)
{
	uint64_t mask = (uint32_t)GPR(c, X86_RAX) |
			(GPR(c, X86_RDX) << 32);

	return mask & S(c)->xcr0;
}

/* XSAVE (0F AE /4) and XSAVEOPT (0F AE /6). */
HANDLER(xsave)
{
	const struct x86_fxsave *fx = &S(c)->fx;
	uint64_t la, gpa, rf = rfbm(c), bv;
	uint8_t area[XSAVE_SIZE];
	unsigned size = x86_xsave_size(rf);

	TRY(xsave_check(c, in, ACC_W, size, &la));
	/*
	 * Only parts of the area are written: read it, merge, write it
	 * back whole.  Translate both pages for writing first, so a fault
	 * is reported as the write it is and nothing is half stored.
	 */
	if (!c->mode64)
		la &= 0xffffffff;
	TRY(x86_translate(c, la, ACC_W, &gpa, NULL));
	if ((la & 0xfff) + size > 4096)
		TRY(x86_translate(c, ((la | 0xfff) + 1) &
				  (c->mode64 ? ~0ull : 0xffffffffull), ACC_W,
				  &gpa, NULL));
	TRY(x86_read_buf(c, in->seg, x86_ea(c, in), area, size));
	if (rf & 1) {
		memcpy(area, fx, X87_A_END);
		memcpy(area + ST_OFF, fx->st, sizeof(fx->st));
	}
	/* MXCSR goes with SSE state and with AVX state. */
	if (rf & 6)
		memcpy(area + MXCSR_OFF, &fx->mxcsr, 8);
	if (rf & 2)
		memcpy(area + XMM_OFF, fx->xmm, sizeof(fx->xmm));
	if (rf & 4)
		memcpy(area + YMM_OFF, S(c)->ymmh, sizeof(S(c)->ymmh));
	/* XSTATE_BV[i] = XINUSE[i] (1) for requested i, others kept. */
	memcpy(&bv, area + XHDR, 8);
	bv |= rf;
	memcpy(area + XHDR, &bv, 8);
	return x86_write_buf(c, in->seg, x86_ea(c, in), area, size);
}

HANDLER(xrstor)
{
	struct x86_state *s = S(c);
	struct x86_fxsave fx = s->fx;
	uint64_t la, rf = rfbm(c), bv, comp[2];
	uint8_t area[XSAVE_SIZE];
	unsigned size = x86_xsave_size(rf);
	uint32_t mxcsr;

	TRY(xsave_check(c, in, ACC_R, size, &la));
	TRY(x86_read_buf(c, in->seg, x86_ea(c, in), area, size));
	memcpy(&bv, area + XHDR, 8);
	memcpy(comp, area + XHDR + 8, 16);
	/*
	 * Standard form only (no XSAVEC): XCOMP_BV and the next 8 bytes
	 * must be zero, and XSTATE_BV may only name enabled components.
	 */
	if (comp[0] || comp[1] || (bv & ~s->xcr0))
		return x86_gp0(c);
	memcpy(&mxcsr, area + MXCSR_OFF, 4);
	/* The standard form loads MXCSR whenever SSE or AVX is requested. */
	if ((rf & 6) && (mxcsr & ~s->fx.mxcsr_mask))
		return x86_gp0(c);
	if (rf & 1) {
		if (bv & 1) {
			memcpy(&fx, area, X87_A_END);
			memcpy(fx.st, area + ST_OFF, sizeof(fx.st));
		} else {
			x86_fx_x87_init(&fx);
		}
		fx.rsvd1 = s->fx.rsvd1;
	}
	if (rf & 6)
		fx.mxcsr = mxcsr;
	if (rf & 2) {
		if (bv & 2)
			memcpy(fx.xmm, area + XMM_OFF, sizeof(fx.xmm));
		else
			memset(fx.xmm, 0, sizeof(fx.xmm));
	}
	if (rf & 4) {
		if (bv & 4)
			memcpy(s->ymmh, area + YMM_OFF, sizeof(s->ymmh));
		else
			memset(s->ymmh, 0, sizeof(s->ymmh));
	}
	s->fx = fx;
	return 0;
}
