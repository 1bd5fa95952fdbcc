// SPDX-License-Identifier: GPL-2.0
/*
 * decode.c - instruction decoder driven by the generated opcode tables.
 *
 * Decoding never raises: an undefined or invalid encoding decodes to an
 * instruction whose handler raises #UD (or #GP for over-long
 * instructions) when it is reached, because blocks are decoded ahead of
 * execution.
 */
#include "cpu/internal.h"

HANDLER(ud)
{
	return x86_ud(c);
}

HANDLER(gp_toolong)
{
	return x86_gp0(c);
}

HANDLER(lock_ud)
{
	return x86_ud(c);
}

struct dstate {
	const uint8_t *p;
	unsigned pos, avail;
	bool short_;
};

static inline uint64_t fetch(struct dstate *d, unsigned n)
{
	uint64_t v = 0;

	if (d->pos + n > d->avail) {
		d->short_ = true;
		d->pos += n;
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)d->p[d->pos + i] << (8 * i);
	d->pos += n;
	return v;
}

static void decode_modrm16(struct x86_insn *in, struct dstate *d, unsigned mod,
			   unsigned rm)
{
	static const uint8_t b16[8] = { X86_RBX, X86_RBX, X86_RBP, X86_RBP,
		X86_RSI, X86_RDI, X86_RBP, X86_RBX };
	static const uint8_t i16[8] = { X86_RSI, X86_RDI, X86_RSI, X86_RDI,
		X86_NOREG, X86_NOREG, X86_NOREG, X86_NOREG };

	in->base = b16[rm];
	in->index = i16[rm];
	in->scale = 0;
	if (rm == 2 || rm == 3 || rm == 6)
		in->seg = X86_SS;
	if (mod == 0 && rm == 6) {
		in->base = X86_NOREG;
		in->seg = X86_DS;
		in->disp = (int16_t)fetch(d, 2);
	} else if (mod == 1) {
		in->disp = (int8_t)fetch(d, 1);
	} else if (mod == 2) {
		in->disp = (int16_t)fetch(d, 2);
	}
}

static void decode_modrm32(struct x86_insn *in, struct dstate *d, unsigned mod,
			   unsigned rm, unsigned rex, bool mode64)
{
	unsigned base;

	in->index = X86_NOREG;
	in->scale = 0;
	if (rm == 4) {
		unsigned sib = fetch(d, 1);
		unsigned idx = ((sib >> 3) & 7) | ((rex & 2) << 2);

		in->scale = sib >> 6;
		in->sibidx = idx;	/* a vector register for VSIB */
		if (idx != 4)
			in->index = idx;
		base = sib & 7;
		if (base == 5 && mod == 0) {
			in->base = X86_NOREG;
			in->disp = (int32_t)fetch(d, 4);
			return;
		}
		base |= (rex & 1) << 3;
	} else if (rm == 5 && mod == 0) {
		in->base = mode64 ? X86_RIPREL : X86_NOREG;
		in->disp = (int32_t)fetch(d, 4);
		return;
	} else {
		base = rm | ((rex & 1) << 3);
	}
	in->base = base;
	if (base == X86_RSP || base == X86_RBP)
		in->seg = X86_SS;
	if (mod == 1)
		in->disp = (int8_t)fetch(d, 1);
	else if (mod == 2)
		in->disp = (int32_t)fetch(d, 4);
}

/*
 * The VEX prefix after its first byte @b (C4: three bytes, C5: two).
 * Sets the map, the REX-equivalent bits (64-bit mode only: elsewhere
 * R, X, B and the top bit of vvvv do not exist) and VEX.pp in in->arg.
 * Returns false for a reserved map.
 */
static bool decode_vex(struct dstate *d, unsigned b, bool mode64,
		       struct x86_insn *in, unsigned *map, unsigned *rex)
{
	unsigned b1 = fetch(d, 1), b2, mmmmm = 1, r;

	if (b == 0xc5) {
		b2 = b1;
		r = (~b1 >> 5) & 4;		/* R */
	} else {
		b2 = fetch(d, 1);
		mmmmm = b1 & 0x1f;
		r = (~b1 >> 5) & 7;		/* R X B */
		in->vexw = b2 >> 7;
		r |= in->vexw << 3;
	}
	in->vex = 1;
	in->vvvv = (~b2 >> 3) & (mode64 ? 15 : 7);
	in->vl = (b2 >> 2) & 1;
	in->arg = b2 & 3;
	*rex = mode64 ? 0x40 | r : 0;
	if (mmmmm < 1 || mmmmm > 3) {
		*map = V0F;
		return false;
	}
	*map = V0F + mmmmm - 1;
	return true;
}

/* The decode-time #UD rules of a VEX instruction (SDM vol. 2, 2.3). */
static bool vex_check(const struct x86_insn *in, unsigned df, bool mode64,
		      bool ok)
{
	if (!ok)
		return false;
	if ((df & DF_L0) && in->vl)
		return false;
	if ((df & DF_L1) && !in->vl)
		return false;
	if ((df & DF_NOV) && in->vvvv)
		return false;
	if ((df & DF_W0) && in->vexw && mode64)
		return false;
	if ((df & DF_W1) && !in->vexw)
		return false;
	return true;
}

/*
 * Decode one instruction from @bytes (@avail valid).  Returns its length,
 * or 0 when more than @avail bytes are needed.
 */
int x86_decode(struct x86_core *c, const uint8_t *bytes, unsigned avail,
	       struct x86_insn *in)
{
	struct dstate d = { .p = bytes, .avail = avail };
	bool mode64 = c->mode64;
	unsigned rex = 0, b, map = M1, modrm = 0, mod = 0, pfxslot;
	int segov = -1;
	bool p66 = false, p67 = false;
	uint8_t rep = 0, lastrep = 0;
	const struct x86_opcode *oc;
	const struct x86_opinfo *oi;
	unsigned idx, df, pp = 0;
	bool vex_ok = true, lastrex;

	memset(in, 0, sizeof(*in));
	in->base = X86_NOREG;
	in->index = X86_NOREG;
	in->sibidx = X86_NOREG;
	for (;;) {
		b = fetch(&d, 1);
		if (d.short_)
			return 0;
		if (d.pos > X86_MAX_INSN)
			goto toolong;
		switch (b) {
		case 0x66: p66 = true; rex = 0; continue;
		case 0x67: p67 = true; rex = 0; continue;
		case 0xf0: in->lock = 1; rex = 0; continue;
		case 0xf2: case 0xf3: rep = lastrep = b; rex = 0; continue;
		case 0x26: segov = X86_ES; rex = 0; continue;
		case 0x2e: segov = X86_CS; rex = 0; continue;
		case 0x36: segov = X86_SS; rex = 0; continue;
		case 0x3e: segov = X86_DS; rex = 0; continue;
		case 0x64: segov = X86_FS; rex = 0; continue;
		case 0x65: segov = X86_GS; rex = 0; continue;
		}
		if (mode64 && (b & 0xf0) == 0x40) {
			rex = b;	/* only effective right before the opcode */
			continue;
		}
		break;
	}
	lastrex = rex != 0;
	if (b == 0xc4 || b == 0xc5) {
		/*
		 * Outside 64-bit mode these are LES/LDS unless the next byte
		 * would be a register ModRM, which LES/LDS cannot have.
		 */
		if (d.pos >= d.avail)
			return 0;
		if (mode64 || (d.p[d.pos] >> 6) == 3) {
			vex_ok = decode_vex(&d, b, mode64, in, &map, &rex);
			pp = in->arg;
			in->arg = 0;
			/* A legacy 66/F2/F3/REX or LOCK before VEX is #UD. */
			if (p66 || rep || in->lock || lastrex)
				vex_ok = false;
			b = fetch(&d, 1);
		}
	}
	if (b == 0x0f && !in->vex) {
		b = fetch(&d, 1);
		map = M0F;
		if (b == 0x38 || b == 0x3a) {
			map = b == 0x38 ? M38 : M3A;
			b = fetch(&d, 1);
		}
	}
	oc = &x86_opcodes[map * 256 + b];
	if (oc->modrm) {
		modrm = fetch(&d, 1);
		mod = modrm >> 6;
	}
	if (d.short_)
		return 0;
	idx = 0;
	if (oc->sel & SEL_PFX) {
		pfxslot = lastrep == 0xf3 ? 2 : lastrep == 0xf2 ? 3 : p66 ? 1 : 0;
		if (in->vex)
			pfxslot = pp;
		idx = pfxslot;
	}
	if (oc->sel & SEL_MOD)
		idx = idx * 2 + (mod == 3);
	if (oc->sel & SEL_REG)
		idx = idx * 8 + ((modrm >> 3) & 7);
	if (oc->sel & SEL_RM)
		idx = idx * 8 + (modrm & 7);
	in->op = oc->base ? oc->base + idx : 0;
	oi = &x86_opinfo[in->op];
	df = oi->dflags;
	in->fn = oi->fn;
	in->arg = oi->arg;
	in->rex = rex != 0;
	in->rep = rep;
	in->pfx66 = p66;

	if (in->vex && !vex_check(in, df, mode64, vex_ok))
		in->fn = h_ud;
	if ((df & DF_INV64) && mode64)
		in->fn = h_ud;
	if ((df & DF_ONLY64) && !mode64)
		in->fn = h_ud;

	/* Operand and address size. */
	if (df & DF_BYTE)
		in->osz = 1;
	else if (mode64 && (rex & 8))
		in->osz = 8;
	else if (mode64 && (df & DF_F64))
		in->osz = 8;
	else if (mode64 && (df & DF_DEF64))
		in->osz = p66 ? 2 : 8;
	else
		in->osz = (c->code32 ^ p66) ? 4 : 2;
	/* VEX: 32-bit operands unless VEX.W in 64-bit mode (BMI). */
	if (in->vex && in->osz == 2)
		in->osz = 4;
	if (mode64)
		in->asz = p67 ? 4 : 8;
	else
		in->asz = (c->code32 ^ p67) ? 4 : 2;

	in->seg = X86_DS;
	if (oc->modrm) {
		in->reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);
		if (mod == 3) {
			in->rm = (modrm & 7) | ((rex & 1) << 3);
		} else {
			in->mem = 1;
			if (in->asz == 2)
				decode_modrm16(in, &d, mod, modrm & 7);
			else
				decode_modrm32(in, &d, mod, modrm & 7, rex,
					       mode64);
		}
	} else {
		/* Register in the opcode's low bits (PUSH r, MOV r, imm...). */
		in->reg = (b & 7) | ((rex & 1) << 3);
	}
	if (segov >= 0 && (!mode64 || segov >= X86_FS))
		in->seg = segov;
	else if (segov >= 0)
		in->seg = X86_DS;
	/* String instructions and XLAT use DS unless overridden. */
	if (!oc->modrm && segov < 0)
		in->seg = X86_DS;

	switch (DF_IMM(df)) {
	case I_B:
		in->imm = fetch(&d, 1);
		break;
	case I_BS:
	case I_REL8:
		in->imm = (int64_t)(int8_t)fetch(&d, 1);
		break;
	case I_W:
		in->imm = fetch(&d, 2);
		break;
	case I_Z:
	case I_RELZ:
		if (in->osz == 2)
			in->imm = (int64_t)(int16_t)fetch(&d, 2);
		else
			in->imm = (int64_t)(int32_t)fetch(&d, 4);
		break;
	case I_V:
		in->imm = fetch(&d, in->osz);
		break;
	case I_ENTER:
		in->imm = fetch(&d, 2);
		in->imm2 = fetch(&d, 1);
		break;
	case I_FAR:
		in->imm = fetch(&d, in->osz == 2 ? 2 : 4);
		in->imm2 = fetch(&d, 2);
		break;
	case I_MOFFS:
		in->imm = fetch(&d, in->asz);
		break;
	}
	if (d.pos > X86_MAX_INSN) {
		if (d.short_ && avail < X86_MAX_INSN)
			return 0;
		goto toolong;
	}
	if (d.short_)
		return 0;
	in->len = d.pos;
	if (in->lock && (!(df & DF_LOCK) || !in->mem))
		in->fn = h_lock_ud;
	x86_specialize(in);
	return in->len;

toolong:
	memset(in, 0, sizeof(*in));
	in->fn = h_gp_toolong;
	in->len = X86_MAX_INSN;
	return X86_MAX_INSN;
}
