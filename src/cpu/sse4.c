// SPDX-License-Identifier: GPL-2.0
/*
 * sse4.c - SSE4.1 and SSE4.2 (entries in x86_sse4.def).
 *
 * Like the SSE FP code in sse.c, most of these run the host's own
 * instruction on the guest operands (the host has SSE4.2): results and
 * flags are bit-exact by construction, and the FP ones (ROUND*, DPPS,
 * DPPD) run under the guest MXCSR.  Memory operands are read first and
 * the register form is executed, which is equivalent for everything
 * except INSERTPS (done in C).  Instructions with an immediate need it
 * encoded in the host instruction, hence the switches over every value.
 */
#include "cpu/internal.h"

#include "cpu/simd.h"

/* Expand m(n) for the immediates 0..255. */
#define I4(m, n)	m(n) m((n) + 1) m((n) + 2) m((n) + 3)
#define I16(m, n)	I4(m, n) I4(m, (n) + 4) I4(m, (n) + 8) I4(m, (n) + 12)
#define I64(m, n)	I16(m, n) I16(m, (n) + 16) I16(m, (n) + 32) \
			I16(m, (n) + 48)
#define I256(m)		I64(m, 0) I64(m, 64) I64(m, 128) I64(m, 192)


/* Memory operand size of an sse4 entry (arg = opcode | 0x100 for 0F 3A). */
static unsigned mem_size(unsigned arg)
{
	switch (arg) {
	case 0x20: case 0x23: case 0x25:
	case 0x30: case 0x33: case 0x35:
	case 0x10b:				/* ROUNDSD */
		return 8;
	case 0x21: case 0x24: case 0x31: case 0x34:
	case 0x10a:				/* ROUNDSS */
	case 0x121:				/* INSERTPS */
		return 4;
	case 0x22: case 0x32:
		return 2;
	}
	return 16;
}

#define H2(insn)	__asm__(insn " %1, %0" : "+x"(va) : "x"(vb))
/* The BLENDV forms take their mask in XMM0. */
#define HV(insn)	__asm__("movdqa %2, %%xmm0\n\t" insn " %%xmm0, %1, %0" \
				: "+x"(va) : "x"(vb), "x"(vm) : "xmm0")
#define HI(n)		case (n): __asm__ volatile(INSN " %[i], %1, %0" : "+x"(va) \
					  : "x"(vb), [i] "i"(n)); break;

/* Integer ops without an immediate: run on the host. */
static void int_op(unsigned op, u64x2 *a, u64x2 b, u64x2 vm)
{
	u64x2 va = *a, vb = b;

	switch (op) {
	case 0x10: HV("pblendvb"); break;
	case 0x14: HV("blendvps"); break;
	case 0x15: HV("blendvpd"); break;
	case 0x20: H2("pmovsxbw"); break;
	case 0x21: H2("pmovsxbd"); break;
	case 0x22: H2("pmovsxbq"); break;
	case 0x23: H2("pmovsxwd"); break;
	case 0x24: H2("pmovsxwq"); break;
	case 0x25: H2("pmovsxdq"); break;
	case 0x28: H2("pmuldq"); break;
	case 0x29: H2("pcmpeqq"); break;
	case 0x2b: H2("packusdw"); break;
	case 0x30: H2("pmovzxbw"); break;
	case 0x31: H2("pmovzxbd"); break;
	case 0x32: H2("pmovzxbq"); break;
	case 0x33: H2("pmovzxwd"); break;
	case 0x34: H2("pmovzxwq"); break;
	case 0x35: H2("pmovzxdq"); break;
	case 0x37: H2("pcmpgtq"); break;
	case 0x38: H2("pminsb"); break;
	case 0x39: H2("pminsd"); break;
	case 0x3a: H2("pminuw"); break;
	case 0x3b: H2("pminud"); break;
	case 0x3c: H2("pmaxsb"); break;
	case 0x3d: H2("pmaxsd"); break;
	case 0x3e: H2("pmaxuw"); break;
	case 0x3f: H2("pmaxud"); break;
	case 0x40: H2("pmulld"); break;
	case 0x41: H2("phminposuw"); break;
	}
	*a = va;
}

/* FP ops with an immediate; the caller has loaded the guest MXCSR. */
static void fp_imm_op(unsigned op, unsigned imm, u64x2 *a, u64x2 b)
{
	u64x2 va = *a, vb = b;

	/* ROUND*: imm[7:4] are ignored. */
	switch (op) {
#define INSN "roundps"
	case 0x108: switch (imm & 15) { I16(HI, 0) } break;
#undef INSN
#define INSN "roundpd"
	case 0x109: switch (imm & 15) { I16(HI, 0) } break;
#undef INSN
#define INSN "roundss"
	case 0x10a: switch (imm & 15) { I16(HI, 0) } break;
#undef INSN
#define INSN "roundsd"
	case 0x10b: switch (imm & 15) { I16(HI, 0) } break;
#undef INSN
#define INSN "dpps"
	case 0x140: switch (imm) { I256(HI) } break;
#undef INSN
#define INSN "dppd"
	case 0x141: switch (imm) { I256(HI) } break;
#undef INSN
	}
	*a = va;
}

static void mpsadbw(unsigned imm, u64x2 *a, u64x2 b)
{
	u64x2 va = *a, vb = b;

	/* imm[7:3] are ignored. */
#define INSN "mpsadbw"
	switch (imm & 7) { I4(HI, 0) I4(HI, 4) }
#undef INSN
	*a = va;
}

/*
 * One 128-bit lane of an sse4 op: a = a op b (m: XMM0 for the BLENDV
 * forms, @mem: b came from memory).  FP ops run on the host under
 * whatever MXCSR the caller loaded.
 */
void x86_sse4_lane(unsigned op, unsigned imm, bool mem, union xmm *a,
		   const union xmm *b, const union xmm *m)
{
	switch (op) {
	case 0x108: case 0x109: case 0x10a: case 0x10b:
	case 0x140: case 0x141:
		fp_imm_op(op, imm, &a->vq, b->vq);
		break;
	case 0x10c:				/* BLENDPS */
		for (int i = 0; i < 4; i++)
			if (imm & (1u << i))
				a->d[i] = b->d[i];
		break;
	case 0x10d:				/* BLENDPD */
		for (int i = 0; i < 2; i++)
			if (imm & (1u << i))
				a->q[i] = b->q[i];
		break;
	case 0x10e:				/* PBLENDW */
		for (int i = 0; i < 8; i++)
			if (imm & (1u << i))
				a->w[i] = b->w[i];
		break;
	case 0x121: {				/* INSERTPS */
		/* A memory source is the dword itself: imm[7:6] unused. */
		uint32_t v = mem ? b->d[0] : b->d[(imm >> 6) & 3];

		a->d[(imm >> 4) & 3] = v;
		for (int i = 0; i < 4; i++)
			if (imm & (1u << i))
				a->d[i] = 0;
		break;
	}
	case 0x142:
		mpsadbw(imm, &a->vq, b->vq);
		break;
	default:
		int_op(op, &a->vq, b->vq, m->vq);
		break;
	}
}

unsigned x86_sse4_msize(unsigned op)
{
	return mem_size(op);
}

HANDLER(sse4)
{
	unsigned op = in->arg, imm = in->imm & 0xff, sz = mem_size(op);
	union xmm a, b, m;
	unsigned nsr;

	TRY(x86_sse_check(c, in));
	/*
	 * m128 operands of legacy SSE need 16-byte alignment; the narrower
	 * loads do not.
	 */
	TRY(x86_sse_src_read(c, in, &b, sz, sz == 16));
	memcpy(&a, x86_xmm_reg(c, in->reg), 16);
	memcpy(&m, x86_xmm_reg(c, 0), 16);
	/* Host exceptions masked; the guest's are checked after. */
	WITH_GUEST_MXCSR(c, nsr, x86_sse4_lane(op, imm, in->mem, &a, &b, &m));
	TRY(x86_sse_mxcsr_update(c, nsr));
	memcpy(x86_xmm_reg(c, in->reg), &a, 16);
	return 0;
}

HANDLER(ptest)
{
	union xmm a, b;
	uint64_t rfl;
	u64x2 va, vb;

	TRY(x86_sse_check(c, in));
	TRY(x86_sse_src_read(c, in, &b, 16, true));
	memcpy(&a, x86_xmm_reg(c, in->reg), 16);
	va = a.vq;
	vb = b.vq;
	__asm__ volatile("ptest %1, %2; pushfq; popq %0"
			 : "=r"(rfl) : "x"(vb), "x"(va) : "cc");
	/* ZF and CF from the test; AF OF PF SF cleared. */
	cc_set_eflags(c, rfl & (X86_ZF | X86_CF));
	return 0;
}

/*
 * PCMPxSTRx.  The explicit-length forms read EAX/EDX, or RAX/RDX with
 * REX.W: the length is the absolute value saturated to the element
 * count, so the saturated value is handed to the host's 32-bit form.
 */
static unsigned str_len(uint64_t v, bool q, unsigned max)
{
	int64_t l = q ? (int64_t)v : (int32_t)v;
	uint64_t a = l < 0 ? -(uint64_t)l : (uint64_t)l;

	return a > max ? max : a;
}

#define PSTR(insn, ...) __asm__ volatile(insn " %[i], %[b], %[a]\n\t" \
	__VA_ARGS__ "pushfq; popq %[f]"
#define PSE_I(n) case (n): PSTR("pcmpestri") : [f] "=r"(rfl), "+c"(rcx) \
	: [a] "x"(va), [b] "x"(vb), "a"(la), "d"(ld), [i] "i"(n) : "cc"); break;
#define PSE_M(n) case (n): PSTR("pcmpestrm", "movdqa %%xmm0, %[r]\n\t") \
	: [f] "=r"(rfl), [r] "=x"(vr) \
	: [a] "x"(va), [b] "x"(vb), "a"(la), "d"(ld), [i] "i"(n) \
	: "cc", "xmm0"); break;
#define PSI_I(n) case (n): PSTR("pcmpistri") : [f] "=r"(rfl), "+c"(rcx) \
	: [a] "x"(va), [b] "x"(vb), [i] "i"(n) : "cc"); break;
#define PSI_M(n) case (n): PSTR("pcmpistrm", "movdqa %%xmm0, %[r]\n\t") \
	: [f] "=r"(rfl), [r] "=x"(vr) \
	: [a] "x"(va), [b] "x"(vb), [i] "i"(n) : "cc", "xmm0"); break;

HANDLER(pcmpstr)
{
	unsigned imm = in->imm & 0xff, max = (imm & 1) ? 8 : 16;
	bool q = in->osz == 8;
	uint32_t la = str_len(GPR(c, X86_RAX), q, max);
	uint32_t ld = str_len(GPR(c, X86_RDX), q, max);
	uint64_t rcx = GPR(c, X86_RCX), rfl = 0;
	union xmm a, b;
	u64x2 va, vb, vr = { 0, 0 };

	TRY(x86_sse_check(c, in));
	/* SSE4.2 string ops do not require an aligned m128. */
	TRY(x86_sse_src_read(c, in, &b, 16, false));
	memcpy(&a, x86_xmm_reg(c, in->reg), 16);
	va = a.vq;
	vb = b.vq;
	switch (in->arg) {
	case 0x60: switch (imm) { I256(PSE_M) } break;
	case 0x61: switch (imm) { I256(PSE_I) } break;
	case 0x62: switch (imm) { I256(PSI_M) } break;
	default: switch (imm) { I256(PSI_I) } break;
	}
	if (in->arg & 1) {
		GPR(c, X86_RCX) = rcx;
	} else {
		a.vq = vr;
		x86_xmm_put(c, in, 0, &a);
	}
	/* CF ZF SF OF from the compare; AF and PF cleared. */
	cc_set_eflags(c, rfl & (X86_CF | X86_ZF | X86_SF | X86_OF));
	return 0;
}

/* PEXTRB/W/D/Q, EXTRACTPS: to memory, or zero-extended into a GPR. */
HANDLER(pextr)
{
	unsigned w = in->arg & 0xf, n;
	uint64_t v = 0;

	TRY(x86_sse_check(c, in));
	if (w == 4 && !(in->arg & 0x80) && in->osz == 8)
		w = 8;				/* PEXTRQ */
	n = (in->imm & 0xff) & (16 / w - 1);
	memcpy(&v, x86_xmm_reg(c, in->reg) + n * w, w);
	if (in->mem)
		return x86_write(c, in->seg, x86_ea(c, in), w, v);
	GPR(c, in->rm) = v;
	return 0;
}

/* PINSRB/D/Q: from memory or the low bits of a GPR. */
HANDLER(pinsr)
{
	unsigned w = in->arg, n;
	union xmm x;
	uint64_t v;

	TRY(x86_sse_check(c, in));
	if (w == 4 && in->osz == 8)
		w = 8;				/* PINSRQ */
	n = (in->imm & 0xff) & (16 / w - 1);
	if (in->mem)
		TRY(x86_read(c, in->seg, x86_ea(c, in), w, &v));
	else
		v = GPR(c, in->rm);
	memcpy(&x, x86_xmm_reg(c, x86_src1(in)), 16);
	memcpy(x.b + n * w, &v, w);
	x86_xmm_put(c, in, in->reg, &x);
	return 0;
}

/*
 * CRC32 (CRC-32C, SSE4.2): the destination is 32 bits (64 with REX.W,
 * upper half zero), the source 8 bits (F0) or the operand size (F1).
 */
HANDLER(crc32)
{
	unsigned sz = in->arg ? 1 : in->osz;
	uint64_t src, crc = (uint32_t)GPR(c, in->reg);

	if (in->mem)
		TRY(x86_read(c, in->seg, x86_ea(c, in), sz, &src));
	else
		src = reg_read(c, in->rm, sz, in->rex);
	switch (sz) {
	case 1: __asm__("crc32b %b1, %k0" : "+r"(crc) : "r"(src)); break;
	case 2: __asm__("crc32w %w1, %k0" : "+r"(crc) : "r"(src)); break;
	case 4: __asm__("crc32l %k1, %k0" : "+r"(crc) : "r"(src)); break;
	default: __asm__("crc32q %1, %0" : "+r"(crc) : "r"(src)); break;
	}
	GPR(c, in->reg) = (uint32_t)crc;
	return 0;
}
