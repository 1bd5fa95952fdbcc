// SPDX-License-Identifier: GPL-2.0
/* bcd.c - DAA DAS AAA AAS AAM AAD (legacy modes only). */
#include "cpu/internal.h"

HANDLER(bcd)
{
	uint32_t f = x86_arith_flags(c), nf = 0;
	uint8_t al = GPR(c, X86_RAX), old = al;
	bool cf = f & X86_CF, af = f & X86_AF;

	switch (in->arg) {
	case 0:		/* DAA */
		if ((al & 0xf) > 9 || af) {
			al += 6;
			nf |= X86_AF;
		}
		if (old > 0x99 || cf) {
			al += 0x60;
			nf |= X86_CF;
		}
		break;
	case 1:		/* DAS */
		if ((al & 0xf) > 9 || af) {
			al -= 6;
			nf |= X86_AF;
		}
		if (old > 0x99 || cf) {
			al -= 0x60;
			nf |= X86_CF;
		}
		break;
	case 2:		/* AAA */
	case 3: {	/* AAS */
		uint16_t ax = GPR(c, X86_RAX);

		if ((al & 0xf) > 9 || af) {
			if (in->arg == 2)
				ax = (ax + 0x106);
			else
				ax = ((ax - 6) & 0xff) | ((ax - 0x100) & 0xff00);
			nf = X86_AF | X86_CF;
		}
		ax &= 0xff0f;
		reg_write(c, X86_RAX, 2, true, ax);
		cc_set_eflags(c, nf | (ax & 0xff ? 0 : X86_ZF) | parity8(ax));
		return 0;
	}
	}
	reg_write(c, X86_RAX, 1, true, al);
	nf |= parity8(al) | (al ? 0 : X86_ZF) | (al & 0x80 ? X86_SF : 0);
	cc_set_eflags(c, nf);
	return 0;
}

HANDLER(aam)
{
	uint8_t al = GPR(c, X86_RAX), base = in->imm;

	if (!base)
		return x86_exc(c, X86_EXC_DE);
	reg_write(c, X86_RAX, 2, true, ((al / base) << 8) | (al % base));
	al %= base;
	cc_set_eflags(c, parity8(al) | (al ? 0 : X86_ZF) |
			 (al & 0x80 ? X86_SF : 0));
	return 0;
}

HANDLER(aad)
{
	uint16_t ax = GPR(c, X86_RAX);
	uint8_t al = (ax & 0xff) + (ax >> 8) * (uint8_t)in->imm;

	reg_write(c, X86_RAX, 2, true, al);
	cc_set_eflags(c, parity8(al) | (al ? 0 : X86_ZF) |
			 (al & 0x80 ? X86_SF : 0));
	return 0;
}
