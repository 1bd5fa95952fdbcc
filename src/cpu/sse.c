// SPDX-License-Identifier: GPL-2.0
/*
 * sse.c - SSE/SSE2 moves, packed integer ops, FP arithmetic (run on the
 * host's own SSE unit under the guest MXCSR), MXCSR, FXSAVE/FXRSTOR.
 *
 * XMM state lives in the FXSAVE image (s.fx.xmm).  Register operands are
 * XMM numbers from ModRM (REX extended).
 */
#include <stdlib.h>

#include "cpu/internal.h"

#include "cpu/simd.h"

int x86_vex_mode_check(struct x86_core *c)
{
	if (!c->pe || (S(c)->rflags & X86_VM))
		return x86_ud(c);
	return 0;
}

int x86_avx_check(struct x86_core *c)
{
	struct x86_state *s = S(c);

	TRY(x86_vex_mode_check(c));
	if (!(s->cr4 & X86_CR4_OSXSAVE) ||
	    (s->xcr0 & (X86_XCR0_SSE | X86_XCR0_AVX)) !=
	    (X86_XCR0_SSE | X86_XCR0_AVX))
		return x86_ud(c);
	if (s->cr0 & X86_CR0_TS)
		return x86_exc(c, X86_EXC_NM);
	return 0;
}

int x86_sse_check(struct x86_core *c, const struct x86_insn *in)
{
	struct x86_state *s = S(c);

	if (in->vex)
		return x86_avx_check(c);
	if ((s->cr0 & X86_CR0_EM) || !(s->cr4 & X86_CR4_OSFXSR))
		return x86_ud(c);
	if (s->cr0 & X86_CR0_TS)
		return x86_exc(c, X86_EXC_NM);
	return 0;
}

int x86_sse_src_read(struct x86_core *c, const struct x86_insn *in,
		     union xmm *v, unsigned size, bool align)
{
	memset(v, 0, sizeof(*v));
	if (!in->mem) {
		memcpy(v, x86_xmm_reg(c, in->rm), 16);
		return 0;
	}
	if (align && !in->vex) {
		uint64_t la;

		TRY(x86_seg_linear(c, in->seg, x86_ea(c, in), 16, ACC_R, &la));
		if (la & 15)
			return x86_gp0(c);
	}
	return x86_read_buf(c, in->seg, x86_ea(c, in), v, size);
}

int x86_vsrc_read(struct x86_core *c, const struct x86_insn *in,
		  union ymm *v, unsigned size, bool align)
{
	memset(v, 0, sizeof(*v));
	if (!in->mem) {
		x86_ymm_get(c, in->rm, v);
		return 0;
	}
	if (align) {
		unsigned n = 16u << in->vl;
		uint64_t la;

		TRY(x86_seg_linear(c, in->seg, x86_ea(c, in), n, ACC_R, &la));
		if (la & (n - 1))
			return x86_gp0(c);
	}
	return x86_read_buf(c, in->seg, x86_ea(c, in), v, size);
}

HANDLER(sse_mov)
{
	union xmm v;
	bool ld = in->arg & SSE_LD, al = in->arg & SSE_AL;

	TRY(x86_sse_check(c, in));
	if (ld) {
		TRY(x86_sse_src_read(c, in, &v, 16, al));
		memcpy(x86_xmm_reg(c, in->reg), &v, 16);
		return 0;
	}
	if (!in->mem) {
		memcpy(x86_xmm_reg(c, in->rm), x86_xmm_reg(c, in->reg), 16);
		return 0;
	}
	if (al) {
		uint64_t la;

		TRY(x86_seg_linear(c, in->seg, x86_ea(c, in), 16, ACC_W, &la));
		if (la & 15)
			return x86_gp0(c);
	}
	return x86_write_buf(c, in->seg, x86_ea(c, in), x86_xmm_reg(c, in->reg), 16);
}

/* MOVSS/MOVSD: loads from memory zero the rest, reg-reg merges. */
HANDLER(sse_movs)
{
	unsigned sz = in->arg & 0xff;

	TRY(x86_sse_check(c, in));
	if (in->arg & SSE_LD) {
		if (in->mem) {
			union xmm v;

			TRY(x86_sse_src_read(c, in, &v, sz, false));
			memcpy(x86_xmm_reg(c, in->reg), &v, 16);
		} else {
			memcpy(x86_xmm_reg(c, in->reg), x86_xmm_reg(c, in->rm), sz);
		}
		return 0;
	}
	if (in->mem)
		return x86_write_buf(c, in->seg, x86_ea(c, in),
				     x86_xmm_reg(c, in->reg), sz);
	memcpy(x86_xmm_reg(c, in->rm), x86_xmm_reg(c, in->reg), sz);
	return 0;
}

HANDLER(sse_movd)
{
	unsigned sz = in->osz == 8 ? 8 : 4;
	uint64_t v = 0;
	union xmm x;

	TRY(x86_sse_check(c, in));
	if (in->arg & SSE_LD) {
		if (in->mem)
			TRY(x86_read(c, in->seg, x86_ea(c, in), sz, &v));
		else
			v = GPR(c, in->rm) & size_mask(sz);
		x.q[0] = v;
		x.q[1] = 0;
		x86_xmm_put(c, in, in->reg, &x);
		return 0;
	}
	memcpy(&v, x86_xmm_reg(c, in->reg), 8);
	v &= size_mask(sz);
	if (in->mem)
		return x86_write(c, in->seg, x86_ea(c, in), sz, v);
	GPR(c, in->rm) = v;
	return 0;
}

HANDLER(sse_movq)
{
	union xmm x = { 0 };

	TRY(x86_sse_check(c, in));
	if (in->arg & SSE_LD) {
		if (in->mem)
			TRY(x86_read(c, in->seg, x86_ea(c, in), 8, &x.q[0]));
		else
			memcpy(&x.q[0], x86_xmm_reg(c, in->rm), 8);
		x86_xmm_put(c, in, in->reg, &x);
		return 0;
	}
	memcpy(&x.q[0], x86_xmm_reg(c, in->reg), 8);
	if (in->mem)
		return x86_write(c, in->seg, x86_ea(c, in), 8, x.q[0]);
	x86_xmm_put(c, in, in->rm, &x);
	return 0;
}

/*
 * MOVLPS/MOVHPS/MOVLPD/MOVHPD: the load merges 64 bits into the first
 * source (the destination itself in the legacy form).
 */
HANDLER(sse_movhl)
{
	unsigned off = in->arg & 0xff;
	union xmm x;

	TRY(x86_sse_check(c, in));
	if (in->arg & SSE_LD) {
		memcpy(&x, x86_xmm_reg(c, x86_src1(in)), 16);
		TRY(x86_read_buf(c, in->seg, x86_ea(c, in), x.b + off, 8));
		x86_xmm_put(c, in, in->reg, &x);
		return 0;
	}
	return x86_write_buf(c, in->seg, x86_ea(c, in),
			     x86_xmm_reg(c, in->reg) + off, 8);
}

/* PMOVMSKB, MOVMSKPS/PD (arg: element bytes); VEX.256 reads the YMM. */
HANDLER(movmsk)
{
	unsigned w = in->arg, n = 16u << in->vl;
	uint64_t m = 0;
	union ymm x;

	TRY(x86_sse_check(c, in));
	x86_ymm_get(c, in->rm, &x);
	for (unsigned i = 0; i < n / w; i++)
		m |= (uint64_t)(x.b[i * w + w - 1] >> 7) << i;
	GPR(c, in->reg) = m;
	return 0;
}

HANDLER(pshuf)
{
	union xmm s, d;
	unsigned imm = in->imm;

	TRY(x86_sse_check(c, in));
	TRY(x86_sse_src_read(c, in, &s, 16, true));
	d = s;
	if (in->arg == 0) {
		for (int i = 0; i < 4; i++)
			d.d[i] = s.d[(imm >> (2 * i)) & 3];
	} else {
		unsigned base = in->arg == 1 ? 4 : 0;

		for (int i = 0; i < 4; i++)
			d.w[base + i] = s.w[base + ((imm >> (2 * i)) & 3)];
	}
	memcpy(x86_xmm_reg(c, in->reg), &d, 16);
	return 0;
}

HANDLER(shufp)
{
	union xmm s, a, d;
	unsigned imm = in->imm;

	TRY(x86_sse_check(c, in));
	TRY(x86_sse_src_read(c, in, &s, 16, true));
	memcpy(&a, x86_xmm_reg(c, in->reg), 16);
	if (in->arg == 4) {
		d.d[0] = a.d[imm & 3];
		d.d[1] = a.d[(imm >> 2) & 3];
		d.d[2] = s.d[(imm >> 4) & 3];
		d.d[3] = s.d[(imm >> 6) & 3];
	} else {
		d.q[0] = a.q[imm & 1];
		d.q[1] = s.q[(imm >> 1) & 1];
	}
	memcpy(x86_xmm_reg(c, in->reg), &d, 16);
	return 0;
}

/* Shift every lane of @x by @n (op: 0 srl, 1 sra, 2 sll). */
void x86_pshift(union xmm *x, unsigned w, unsigned op, uint64_t n,
		unsigned total)
{
	unsigned bits = w * 8;

	for (unsigned i = 0; i < total / w; i++) {
		uint64_t v = 0;
		int64_t sv;

		memcpy(&v, x->b + i * w, w);
		if (op == 0) {
			v = n >= bits ? 0 : v >> n;
		} else if (op == 1) {
			sv = sext(v, w);
			v = sv >> (n >= bits ? bits - 1 : n);
		} else {
			v = n >= bits ? 0 : v << n;
		}
		memcpy(x->b + i * w, &v, w);
	}
}

HANDLER(pshift_imm)
{
	union xmm x;
	unsigned w = in->arg, r = in->reg & 7, n = in->imm & 0xff;

	TRY(x86_sse_check(c, in));
	memcpy(&x, x86_xmm_reg(c, in->rm), 16);
	if (w == 8 && (r == 3 || r == 7)) {
		/* PSRLDQ / PSLLDQ: whole-register byte shifts. */
		union xmm d = { 0 };

		if (n > 16)
			n = 16;
		for (int i = 0; i < 16; i++) {
			int src = r == 3 ? i + (int)n : i - (int)n;

			if (src >= 0 && src < 16)
				d.b[i] = x.b[src];
		}
		memcpy(x86_xmm_reg(c, in->rm), &d, 16);
		return 0;
	}
	if (r == 2)
		x86_pshift(&x, w, 0, n, 16);
	else if (r == 4 && w != 8)
		x86_pshift(&x, w, 1, n, 16);
	else if (r == 6)
		x86_pshift(&x, w, 2, n, 16);
	else
		return x86_ud(c);
	memcpy(x86_xmm_reg(c, in->rm), &x, 16);
	return 0;
}

static inline int64_t sat(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * Packed-integer operation @op on @w-byte vectors (16: SSE2 on XMM,
 * 8: MMX).  Returns false for an unknown op.
 */
bool x86_pint(unsigned op, unsigned w, union xmm *dp, const union xmm *ap,
	      const union xmm *bp)
{
	union xmm a = *ap, b = *bp, d = a;

	switch (op) {
	case SI_PAND: d.vq = a.vq & b.vq; break;
	case SI_PANDN: d.vq = ~a.vq & b.vq; break;
	case SI_POR: d.vq = a.vq | b.vq; break;
	case SI_PXOR: d.vq = a.vq ^ b.vq; break;
	case SI_PADDB: d.vb = a.vb + b.vb; break;
	case SI_PADDW: d.vw = a.vw + b.vw; break;
	case SI_PADDD: d.vd = a.vd + b.vd; break;
	case SI_PADDQ: d.vq = a.vq + b.vq; break;
	case SI_PSUBB: d.vb = a.vb - b.vb; break;
	case SI_PSUBW: d.vw = a.vw - b.vw; break;
	case SI_PSUBD: d.vd = a.vd - b.vd; break;
	case SI_PSUBQ: d.vq = a.vq - b.vq; break;
	case SI_PCMPEQB: d.vb = (u8x16)(a.vb == b.vb); break;
	case SI_PCMPEQW: d.vw = (u16x8)(a.vw == b.vw); break;
	case SI_PCMPEQD: d.vd = (u32x4)(a.vd == b.vd); break;
	case SI_PCMPGTB: d.vb = (u8x16)((s8x16)a.vb > (s8x16)b.vb); break;
	case SI_PCMPGTW: d.vw = (u16x8)((s16x8)a.vw > (s16x8)b.vw); break;
	case SI_PCMPGTD: d.vd = (u32x4)((s32x4)a.vd > (s32x4)b.vd); break;
	case SI_PMULLW: d.vw = a.vw * b.vw; break;
	case SI_PMINUB:
		for (unsigned i = 0; i < w; i++)
			d.b[i] = a.b[i] < b.b[i] ? a.b[i] : b.b[i];
		break;
	case SI_PMAXUB:
		for (unsigned i = 0; i < w; i++)
			d.b[i] = a.b[i] > b.b[i] ? a.b[i] : b.b[i];
		break;
	case SI_PMINSW:
		for (unsigned i = 0; i < w / 2; i++)
			d.w[i] = (int16_t)a.w[i] < (int16_t)b.w[i] ? a.w[i] : b.w[i];
		break;
	case SI_PMAXSW:
		for (unsigned i = 0; i < w / 2; i++)
			d.w[i] = (int16_t)a.w[i] > (int16_t)b.w[i] ? a.w[i] : b.w[i];
		break;
	case SI_PAVGB:
		for (unsigned i = 0; i < w; i++)
			d.b[i] = (a.b[i] + b.b[i] + 1) >> 1;
		break;
	case SI_PAVGW:
		for (unsigned i = 0; i < w / 2; i++)
			d.w[i] = (a.w[i] + b.w[i] + 1) >> 1;
		break;
	case SI_PMULHUW:
		for (unsigned i = 0; i < w / 2; i++)
			d.w[i] = ((uint32_t)a.w[i] * b.w[i]) >> 16;
		break;
	case SI_PMULHW:
		for (unsigned i = 0; i < w / 2; i++)
			d.w[i] = ((int32_t)(int16_t)a.w[i] * (int16_t)b.w[i]) >> 16;
		break;
	case SI_PMULUDQ:
		d.q[0] = (uint64_t)a.d[0] * b.d[0];
		if (w == 16)
			d.q[1] = (uint64_t)a.d[2] * b.d[2];
		break;
	case SI_PMADDWD:
		for (unsigned i = 0; i < w / 4; i++)
			d.d[i] = (int32_t)(int16_t)a.w[2 * i] * (int16_t)b.w[2 * i] +
				 (int32_t)(int16_t)a.w[2 * i + 1] *
				 (int16_t)b.w[2 * i + 1];
		break;
	case SI_PSADBW: {
		for (unsigned h = 0; h < w / 8; h++) {
			unsigned s = 0;

			for (int i = 0; i < 8; i++)
				s += abs(a.b[h * 8 + i] - b.b[h * 8 + i]);
			d.q[h] = s;
		}
		break;
	}
	case SI_PADDUSB: case SI_PSUBUSB: case SI_PADDSB: case SI_PSUBSB:
		for (unsigned i = 0; i < w; i++) {
			int64_t v;

			switch (op) {
			case SI_PADDUSB: v = sat(a.b[i] + b.b[i], 0, 255); break;
			case SI_PSUBUSB: v = sat(a.b[i] - b.b[i], 0, 255); break;
			case SI_PADDSB: v = sat((int8_t)a.b[i] + (int8_t)b.b[i], -128, 127); break;
			default: v = sat((int8_t)a.b[i] - (int8_t)b.b[i], -128, 127); break;
			}
			d.b[i] = v;
		}
		break;
	case SI_PADDUSW: case SI_PSUBUSW: case SI_PADDSW: case SI_PSUBSW:
		for (unsigned i = 0; i < w / 2; i++) {
			int64_t v;

			switch (op) {
			case SI_PADDUSW: v = sat(a.w[i] + b.w[i], 0, 65535); break;
			case SI_PSUBUSW: v = sat(a.w[i] - b.w[i], 0, 65535); break;
			case SI_PADDSW: v = sat((int16_t)a.w[i] + (int16_t)b.w[i], -32768, 32767); break;
			default: v = sat((int16_t)a.w[i] - (int16_t)b.w[i], -32768, 32767); break;
			}
			d.w[i] = v;
		}
		break;
	case SI_PACKSSWB:
		for (unsigned i = 0; i < w / 2; i++) {
			d.b[i] = sat((int16_t)a.w[i], -128, 127);
			d.b[i + w / 2] = sat((int16_t)b.w[i], -128, 127);
		}
		break;
	case SI_PACKUSWB:
		for (unsigned i = 0; i < w / 2; i++) {
			d.b[i] = sat((int16_t)a.w[i], 0, 255);
			d.b[i + w / 2] = sat((int16_t)b.w[i], 0, 255);
		}
		break;
	case SI_PACKSSDW:
		for (unsigned i = 0; i < w / 4; i++) {
			d.w[i] = sat((int32_t)a.d[i], -32768, 32767);
			d.w[i + w / 4] = sat((int32_t)b.d[i], -32768, 32767);
		}
		break;
	case SI_PUNPCKLBW: case SI_PUNPCKHBW:
		for (unsigned i = 0; i < w / 2; i++) {
			unsigned s = op == SI_PUNPCKHBW ? w / 2 : 0;

			d.b[2 * i] = a.b[s + i];
			d.b[2 * i + 1] = b.b[s + i];
		}
		break;
	case SI_PUNPCKLWD: case SI_PUNPCKHWD:
		for (unsigned i = 0; i < w / 4; i++) {
			unsigned s = op == SI_PUNPCKHWD ? w / 4 : 0;

			d.w[2 * i] = a.w[s + i];
			d.w[2 * i + 1] = b.w[s + i];
		}
		break;
	case SI_PUNPCKLDQ: case SI_PUNPCKHDQ:
		for (unsigned i = 0; i < w / 8; i++) {
			unsigned s = op == SI_PUNPCKHDQ ? w / 8 : 0;

			d.d[2 * i] = a.d[s + i];
			d.d[2 * i + 1] = b.d[s + i];
		}
		break;
	case SI_PUNPCKLQDQ:
		d.q[1] = b.q[0];
		break;
	case SI_PUNPCKHQDQ:
		d.q[0] = a.q[1];
		d.q[1] = b.q[1];
		break;
	case SI_PSRLW: case SI_PSRLD: case SI_PSRLQ:
	case SI_PSRAW: case SI_PSRAD:
	case SI_PSLLW: case SI_PSLLD: case SI_PSLLQ: {
		static const uint8_t lw[] = {
			[SI_PSRLW] = 2, [SI_PSRLD] = 4, [SI_PSRLQ] = 8,
			[SI_PSRAW] = 2, [SI_PSRAD] = 4, [SI_PSLLW] = 2,
			[SI_PSLLD] = 4, [SI_PSLLQ] = 8,
		};
		unsigned sop = op <= SI_PSRLQ ? 0 :
			       (op == SI_PSRAW || op == SI_PSRAD) ? 1 : 2;

		x86_pshift(&d, lw[op], sop, b.q[0], w);
		break;
	}
	case SI_PSHUFB:
		for (unsigned i = 0; i < w; i++)
			d.b[i] = (b.b[i] & 0x80) ? 0 : a.b[b.b[i] & (w - 1)];
		break;
	case SI_PHADDW: case SI_PHSUBW: case SI_PHADDSW: case SI_PHSUBSW:
		for (unsigned i = 0; i < w / 4; i++) {
			int32_t x[2][2] = {
				{ (int16_t)a.w[2 * i], (int16_t)a.w[2 * i + 1] },
				{ (int16_t)b.w[2 * i], (int16_t)b.w[2 * i + 1] },
			};

			for (int k = 0; k < 2; k++) {
				int32_t v = op == SI_PHADDW || op == SI_PHADDSW ?
					    x[k][0] + x[k][1] : x[k][0] - x[k][1];

				if (op == SI_PHADDSW || op == SI_PHSUBSW)
					v = sat(v, -32768, 32767);
				d.w[k * (w / 4) + i] = v;
			}
		}
		break;
	case SI_PHADDD: case SI_PHSUBD:
		for (unsigned i = 0; i < w / 8; i++) {
			d.d[i] = op == SI_PHADDD ? a.d[2 * i] + a.d[2 * i + 1] :
				 a.d[2 * i] - a.d[2 * i + 1];
			d.d[w / 8 + i] = op == SI_PHADDD ?
					 b.d[2 * i] + b.d[2 * i + 1] :
					 b.d[2 * i] - b.d[2 * i + 1];
		}
		break;
	case SI_PMADDUBSW:
		for (unsigned i = 0; i < w / 2; i++)
			d.w[i] = sat((int32_t)a.b[2 * i] * (int8_t)b.b[2 * i] +
				     (int32_t)a.b[2 * i + 1] * (int8_t)b.b[2 * i + 1],
				     -32768, 32767);
		break;
	case SI_PSIGNB:
		for (unsigned i = 0; i < w; i++)
			d.b[i] = (int8_t)b.b[i] < 0 ? -a.b[i] : b.b[i] ? a.b[i] : 0;
		break;
	case SI_PSIGNW:
		for (unsigned i = 0; i < w / 2; i++)
			d.w[i] = (int16_t)b.w[i] < 0 ? -a.w[i] : b.w[i] ? a.w[i] : 0;
		break;
	case SI_PSIGND:
		for (unsigned i = 0; i < w / 4; i++)
			d.d[i] = (int32_t)b.d[i] < 0 ? -a.d[i] : b.d[i] ? a.d[i] : 0;
		break;
	case SI_PMULHRSW:
		for (unsigned i = 0; i < w / 2; i++)
			d.w[i] = ((((int32_t)(int16_t)a.w[i] *
				    (int16_t)b.w[i]) >> 14) + 1) >> 1;
		break;
	case SI_PABSB:
		for (unsigned i = 0; i < w; i++)
			d.b[i] = (int8_t)b.b[i] < 0 ? -b.b[i] : b.b[i];
		break;
	case SI_PABSW:
		for (unsigned i = 0; i < w / 2; i++)
			d.w[i] = (int16_t)b.w[i] < 0 ? -b.w[i] : b.w[i];
		break;
	case SI_PABSD:
		for (unsigned i = 0; i < w / 4; i++)
			d.d[i] = (int32_t)b.d[i] < 0 ? -b.d[i] : b.d[i];
		break;
	default:
		return false;
	}
	*dp = d;
	return true;
}

/* PALIGNR: the 2w-byte concatenation a:b shifted right by @n bytes. */
void x86_palignr(union xmm *d, const union xmm *a, const union xmm *b,
		 unsigned n, unsigned w)
{
	uint8_t t[32];
	union xmm r = { 0 };

	memcpy(t, b->b, w);
	memcpy(t + w, a->b, w);
	for (unsigned i = 0; i < w; i++)
		r.b[i] = i + n < 2 * w ? t[i + n] : 0;
	*d = r;
}

HANDLER(palignr)
{
	union xmm a, b, d;

	TRY(x86_sse_check(c, in));
	TRY(x86_sse_src_read(c, in, &b, 16, true));
	memcpy(&a, x86_xmm_reg(c, in->reg), 16);
	x86_palignr(&d, &a, &b, in->imm & 0xff, 16);
	memcpy(x86_xmm_reg(c, in->reg), &d, 16);
	return 0;
}

HANDLER(sse_int)
{
	union xmm a, b, d;

	TRY(x86_sse_check(c, in));
	TRY(x86_sse_src_read(c, in, &b, 16, true));
	memcpy(&a, x86_xmm_reg(c, in->reg), 16);
	if (!x86_pint(in->arg, 16, &d, &a, &b))
		return x86_ud(c);
	memcpy(x86_xmm_reg(c, in->reg), &d, 16);
	return 0;
}

/*
 * FP ops run on the host SSE unit: load guest MXCSR (exceptions masked so
 * the host never traps), run, collect the status flags, restore the host
 * MXCSR.  Unmasked guest exceptions raise #XM (or #UD without OSXMMEXCPT).
 */
#define FPOP(insn, a, b)						\
	__asm__ volatile(insn " %1, %0" : "+x"(a) : "x"(b))

unsigned x86_sse_fp_msize(unsigned op)
{
	switch (op) {
	case SF_SQRTSS: case SF_ADDSS: case SF_MULSS: case SF_SUBSS:
	case SF_MINSS: case SF_DIVSS: case SF_MAXSS: case SF_CVTSS2SD:
	case SF_RCPSS: case SF_RSQRTSS:
		return 4;
	case SF_SQRTSD: case SF_ADDSD: case SF_MULSD: case SF_SUBSD:
	case SF_MINSD: case SF_DIVSD: case SF_MAXSD: case SF_CVTSD2SS:
	/* These read 64 bits from memory. */
	case SF_CVTPS2PD: case SF_CVTDQ2PD: case SF_MOVDDUP:
		return 8;
	}
	return 16;
}

void x86_sse_fp_op(unsigned op, u64x2 *a, u64x2 b)
{
	u64x2 va = *a, vb = b;

	switch (op) {
	case SF_SQRTPS: FPOP("sqrtps", va, vb); break;
	case SF_SQRTSS: FPOP("sqrtss", va, vb); break;
	case SF_SQRTPD: FPOP("sqrtpd", va, vb); break;
	case SF_SQRTSD: FPOP("sqrtsd", va, vb); break;
	case SF_ADDPS: FPOP("addps", va, vb); break;
	case SF_ADDSS: FPOP("addss", va, vb); break;
	case SF_ADDPD: FPOP("addpd", va, vb); break;
	case SF_ADDSD: FPOP("addsd", va, vb); break;
	case SF_MULPS: FPOP("mulps", va, vb); break;
	case SF_MULSS: FPOP("mulss", va, vb); break;
	case SF_MULPD: FPOP("mulpd", va, vb); break;
	case SF_MULSD: FPOP("mulsd", va, vb); break;
	case SF_SUBPS: FPOP("subps", va, vb); break;
	case SF_SUBSS: FPOP("subss", va, vb); break;
	case SF_SUBPD: FPOP("subpd", va, vb); break;
	case SF_SUBSD: FPOP("subsd", va, vb); break;
	case SF_MINPS: FPOP("minps", va, vb); break;
	case SF_MINSS: FPOP("minss", va, vb); break;
	case SF_MINPD: FPOP("minpd", va, vb); break;
	case SF_MINSD: FPOP("minsd", va, vb); break;
	case SF_DIVPS: FPOP("divps", va, vb); break;
	case SF_DIVSS: FPOP("divss", va, vb); break;
	case SF_DIVPD: FPOP("divpd", va, vb); break;
	case SF_DIVSD: FPOP("divsd", va, vb); break;
	case SF_MAXPS: FPOP("maxps", va, vb); break;
	case SF_MAXSS: FPOP("maxss", va, vb); break;
	case SF_MAXPD: FPOP("maxpd", va, vb); break;
	case SF_MAXSD: FPOP("maxsd", va, vb); break;
	case SF_CVTPS2PD: FPOP("cvtps2pd", va, vb); break;
	case SF_CVTPD2PS: FPOP("cvtpd2ps", va, vb); break;
	case SF_CVTSS2SD: FPOP("cvtss2sd", va, vb); break;
	case SF_CVTSD2SS: FPOP("cvtsd2ss", va, vb); break;
	case SF_CVTDQ2PS: FPOP("cvtdq2ps", va, vb); break;
	case SF_CVTPS2DQ: FPOP("cvtps2dq", va, vb); break;
	case SF_CVTTPS2DQ: FPOP("cvttps2dq", va, vb); break;
	case SF_CVTPD2DQ: FPOP("cvtpd2dq", va, vb); break;
	case SF_CVTTPD2DQ: FPOP("cvttpd2dq", va, vb); break;
	case SF_CVTDQ2PD: FPOP("cvtdq2pd", va, vb); break;
	case SF_RCPPS: FPOP("rcpps", va, vb); break;
	case SF_RCPSS: FPOP("rcpss", va, vb); break;
	case SF_RSQRTPS: FPOP("rsqrtps", va, vb); break;
	case SF_RSQRTSS: FPOP("rsqrtss", va, vb); break;
	case SF_ADDSUBPD: FPOP("addsubpd", va, vb); break;
	case SF_ADDSUBPS: FPOP("addsubps", va, vb); break;
	case SF_HADDPD: FPOP("haddpd", va, vb); break;
	case SF_HADDPS: FPOP("haddps", va, vb); break;
	case SF_HSUBPD: FPOP("hsubpd", va, vb); break;
	case SF_HSUBPS: FPOP("hsubps", va, vb); break;
	case SF_MOVSLDUP: FPOP("movsldup", va, vb); break;
	case SF_MOVSHDUP: FPOP("movshdup", va, vb); break;
	case SF_MOVDDUP: FPOP("movddup", va, vb); break;
	}
	*a = va;
}

HANDLER(sse_fp)
{
	unsigned sz = x86_sse_fp_msize(in->arg), nsr;
	union xmm a, b;

	TRY(x86_sse_check(c, in));
	TRY(x86_sse_src_read(c, in, &b, sz, sz == 16));
	memcpy(&a, x86_xmm_reg(c, x86_src1(in)), 16);
	WITH_GUEST_MXCSR(c, nsr, x86_sse_fp_op(in->arg, &a.vq, b.vq));
	/* Raised flags that the guest has unmasked fault before writeback. */
	TRY(x86_sse_mxcsr_update(c, nsr));
	x86_xmm_put(c, in, in->reg, &a);
	return 0;
}

HANDLER(sse_comi)
{
	struct x86_state *s = S(c);
	union xmm a, b;
	unsigned sz = in->arg & 0xf, host_csr, guest_csr, nsr;
	uint64_t rfl;
	u64x2 va, vb;

	TRY(x86_sse_check(c, in));
	TRY(x86_sse_src_read(c, in, &b, sz, false));
	memcpy(&a, x86_xmm_reg(c, in->reg), 16);
	va = a.vq;
	vb = b.vq;
	guest_csr = (s->fx.mxcsr & 0xffc0) | 0x1f80;
	__asm__ volatile("stmxcsr %0" : "=m"(host_csr));
	__asm__ volatile("ldmxcsr %0" : : "m"(guest_csr));
	switch (in->arg) {
	case 4: __asm__ volatile("ucomiss %1, %2; pushfq; popq %0"
				 : "=r"(rfl) : "x"(vb), "x"(va) : "cc"); break;
	case 8: __asm__ volatile("ucomisd %1, %2; pushfq; popq %0"
				 : "=r"(rfl) : "x"(vb), "x"(va) : "cc"); break;
	case 0x14: __asm__ volatile("comiss %1, %2; pushfq; popq %0"
				    : "=r"(rfl) : "x"(vb), "x"(va) : "cc"); break;
	default: __asm__ volatile("comisd %1, %2; pushfq; popq %0"
				  : "=r"(rfl) : "x"(vb), "x"(va) : "cc"); break;
	}
	__asm__ volatile("stmxcsr %0" : "=m"(nsr));
	__asm__ volatile("ldmxcsr %0" : : "m"(host_csr));
	if ((nsr & 0x3f) & ~(s->fx.mxcsr >> 7) & 0x3f)
		return x86_exc(c, (s->cr4 & X86_CR4_OSXMMEXCPT) ? X86_EXC_XM :
			       X86_EXC_UD);
	s->fx.mxcsr |= nsr & 0x3f;
	cc_set_eflags(c, rfl & (X86_ZF | X86_PF | X86_CF));
	return 0;
}

int x86_sse_mxcsr_update(struct x86_core *c, unsigned nsr)
{
	struct x86_state *s = S(c);

	if ((nsr & 0x3f) & ~(s->fx.mxcsr >> 7) & 0x3f)
		return x86_exc(c, (s->cr4 & X86_CR4_OSXMMEXCPT) ? X86_EXC_XM :
			       X86_EXC_UD);
	s->fx.mxcsr |= nsr & 0x3f;
	return 0;
}

HANDLER(sse_cvt)
{
	bool q = in->osz == 8;
	unsigned nsr;
	union xmm x;

	TRY(x86_sse_check(c, in));
	if (in->arg <= CV_SI2SD) {
		uint64_t v;

		if (in->mem)
			TRY(x86_read(c, in->seg, x86_ea(c, in), q ? 8 : 4, &v));
		else
			v = GPR(c, in->rm);
		memcpy(&x, x86_xmm_reg(c, x86_src1(in)), 16);
		{
			u64x2 d = x.vq;

			WITH_GUEST_MXCSR(c, nsr, {
				if (in->arg == CV_SI2SS && q)
					__asm__ volatile("cvtsi2ssq %1, %0" : "+x"(d) : "r"(v));
				else if (in->arg == CV_SI2SS)
					__asm__ volatile("cvtsi2ssl %1, %0" : "+x"(d) : "r"((uint32_t)v));
				else if (q)
					__asm__ volatile("cvtsi2sdq %1, %0" : "+x"(d) : "r"(v));
				else
					__asm__ volatile("cvtsi2sdl %1, %0" : "+x"(d) : "r"((uint32_t)v));
			});
			TRY(x86_sse_mxcsr_update(c, nsr));
			x.vq = d;
		}
		x86_xmm_put(c, in, in->reg, &x);
		return 0;
	}
	{
		bool sd = in->arg == CV_TSD2SI || in->arg == CV_SD2SI;
		bool trunc = in->arg == CV_TSS2SI || in->arg == CV_TSD2SI;
		uint64_t r = 0;
		u64x2 sv;

		TRY(x86_sse_src_read(c, in, &x, sd ? 8 : 4, false));
		sv = x.vq;
		WITH_GUEST_MXCSR(c, nsr, {
			if (sd && trunc && q)
				__asm__ volatile("cvttsd2si %1, %0" : "=r"(r) : "x"(sv));
			else if (sd && trunc)
				__asm__ volatile("cvttsd2si %1, %k0" : "=r"(r) : "x"(sv));
			else if (sd && q)
				__asm__ volatile("cvtsd2si %1, %0" : "=r"(r) : "x"(sv));
			else if (sd)
				__asm__ volatile("cvtsd2si %1, %k0" : "=r"(r) : "x"(sv));
			else if (trunc && q)
				__asm__ volatile("cvttss2si %1, %0" : "=r"(r) : "x"(sv));
			else if (trunc)
				__asm__ volatile("cvttss2si %1, %k0" : "=r"(r) : "x"(sv));
			else if (q)
				__asm__ volatile("cvtss2si %1, %0" : "=r"(r) : "x"(sv));
			else
				__asm__ volatile("cvtss2si %1, %k0" : "=r"(r) : "x"(sv));
		});
		TRY(x86_sse_mxcsr_update(c, nsr));
		reg_write(c, in->reg, q ? 8 : 4, true, r);
	}
	return 0;
}

#define CMP_CASE(insn, p)						\
	case p: __asm__ volatile(insn " $" #p ", %1, %0" : "+x"(va) : "x"(vb)); break;
#define CMP_ALL(insn)							\
	switch (pred) {							\
	CMP_CASE(insn, 0) CMP_CASE(insn, 1) CMP_CASE(insn, 2)		\
	CMP_CASE(insn, 3) CMP_CASE(insn, 4) CMP_CASE(insn, 5)		\
	CMP_CASE(insn, 6) CMP_CASE(insn, 7)				\
	}

void x86_sse_cmp_op(unsigned kind, unsigned pred, u64x2 *a, u64x2 b)
{
	u64x2 va = *a, vb = b;

	switch (kind) {
	case 0: CMP_ALL("cmpps"); break;
	case 1: CMP_ALL("cmppd"); break;
	case 2: CMP_ALL("cmpss"); break;
	default: CMP_ALL("cmpsd"); break;
	}
	*a = va;
}

HANDLER(sse_cmp)
{
	static const uint8_t ssz[] = { 16, 16, 4, 8 };
	unsigned nsr;
	union xmm a, b;

	TRY(x86_sse_check(c, in));
	TRY(x86_sse_src_read(c, in, &b, ssz[in->arg], in->arg < 2));
	memcpy(&a, x86_xmm_reg(c, in->reg), 16);
	WITH_GUEST_MXCSR(c, nsr, x86_sse_cmp_op(in->arg, in->imm & 7, &a.vq,
						 b.vq));
	TRY(x86_sse_mxcsr_update(c, nsr));
	memcpy(x86_xmm_reg(c, in->reg), &a, 16);
	return 0;
}

HANDLER(pinsrw)
{
	uint64_t v;
	union xmm x;

	TRY(x86_sse_check(c, in));
	if (in->mem)
		TRY(x86_read(c, in->seg, x86_ea(c, in), 2, &v));
	else
		v = GPR(c, in->rm);
	memcpy(&x, x86_xmm_reg(c, x86_src1(in)), 16);
	x.w[in->imm & 7] = v;
	x86_xmm_put(c, in, in->reg, &x);
	return 0;
}

HANDLER(pextrw)
{
	uint16_t v;

	TRY(x86_sse_check(c, in));
	memcpy(&v, x86_xmm_reg(c, in->rm) + 2 * (in->imm & 7), 2);
	GPR(c, in->reg) = v;
	return 0;
}

/* MOVHLPS / MOVLHPS (register forms of 0F 12 / 0F 16). */
HANDLER(sse_movhl2)
{
	union xmm x;

	TRY(x86_sse_check(c, in));
	memcpy(&x, x86_xmm_reg(c, x86_src1(in)), 16);
	if (in->arg)
		memcpy(x.b + 8, x86_xmm_reg(c, in->rm), 8);
	else
		memcpy(x.b, x86_xmm_reg(c, in->rm) + 8, 8);
	x86_xmm_put(c, in, in->reg, &x);
	return 0;
}

HANDLER(ldmxcsr)
{
	uint64_t v;

	TRY(x86_sse_check(c, in));
	TRY(x86_read(c, in->seg, x86_ea(c, in), 4, &v));
	if (v & ~0xffffull)
		return x86_gp0(c);
	S(c)->fx.mxcsr = v;
	return 0;
}

HANDLER(stmxcsr)
{
	TRY(x86_sse_check(c, in));
	return x86_write(c, in->seg, x86_ea(c, in), 4, S(c)->fx.mxcsr);
}

HANDLER(fxsave)
{
	uint64_t la;

	if (S(c)->cr0 & (X86_CR0_TS | X86_CR0_EM))
		return x86_exc(c, S(c)->cr0 & X86_CR0_EM ? X86_EXC_UD :
			       X86_EXC_NM);
	TRY(x86_seg_linear(c, in->seg, x86_ea(c, in), 512, ACC_W, &la));
	if (la & 15)
		return x86_gp0(c);
	return x86_write_buf(c, in->seg, x86_ea(c, in), &S(c)->fx, 512);
}

HANDLER(fxrstor)
{
	struct x86_fxsave fx;
	uint64_t la;

	if (S(c)->cr0 & (X86_CR0_TS | X86_CR0_EM))
		return x86_exc(c, S(c)->cr0 & X86_CR0_EM ? X86_EXC_UD :
			       X86_EXC_NM);
	TRY(x86_seg_linear(c, in->seg, x86_ea(c, in), 512, ACC_R, &la));
	if (la & 15)
		return x86_gp0(c);
	TRY(x86_read_buf(c, in->seg, x86_ea(c, in), &fx, 512));
	if (fx.mxcsr & ~0xffffu)
		return x86_gp0(c);
	fx.mxcsr_mask = S(c)->fx.mxcsr_mask;
	memcpy(fx.rsvd2, S(c)->fx.rsvd2, sizeof(fx.rsvd2));
	S(c)->fx = fx;
	return 0;
}
