/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86_optab.h - vocabulary of x86_ops.def and the generated tables.
 *
 * Shared by the core, the table generator (gen_tables.c) and the
 * differential tester, so it depends on nothing but x86_cpu.h.
 */
#ifndef CVISOR_X86_OPTAB_H
#define CVISOR_X86_OPTAB_H

#include <stdint.h>

#include "cpu/x86_cpu.h"

/* Legacy maps, then the VEX maps (VEX.mmmmm 1, 2, 3). */
enum { M1, M0F, M38, M3A, V0F, V38, V3A, X86_NR_MAPS };

/* sub: which ModRM forms an entry covers. */
#define S_REGV		0x008
#define S_RMV		0x080
#define S_MODMEM	0x100
#define S_MODREG	0x200
#define S_NOMODRM_F	0x400
#define S_ANY		0
#define S_NOMODRM	S_NOMODRM_F
#define S_R(n)		((n) | S_REGV)
#define S_M		S_MODMEM
#define S_X		S_MODREG
#define S_RM(n)		(S_R(n) | S_MODMEM)
#define S_RX(n)		(S_R(n) | S_MODREG)
#define S_RR(n, m)	(S_R(n) | S_MODREG | ((m) << 4) | S_RMV)

/* Mandatory-prefix slots: 0 none, 1 66, 2 F3, 3 F2. */
#define P_NP		0x1
#define P_66		0x2
#define P_F3		0x4
#define P_F2		0x8
#define P_NOREP		0x3
#define P_ANY		0xf

/* Immediate kinds (dflags bits 16..19). */
enum {
	I_NONE, I_B, I_BS, I_W, I_Z, I_V, I_ENTER, I_FAR, I_MOFFS,
	I_REL8, I_RELZ,
};
#define IMM(k)		((uint32_t)(k) << 16)
#define DF_IMM(f)	(((f) >> 16) & 0xf)

#define DF_MODRM	(1u << 0)
#define DF_BYTE		(1u << 1)	/* 8-bit operand size */
#define DF_DEF64	(1u << 2)	/* 64-bit default operand size in LM */
#define DF_F64		(1u << 3)	/* operand size forced to 64 in LM */
#define DF_INV64	(1u << 4)	/* #UD in 64-bit mode */
#define DF_ONLY64	(1u << 5)	/* #UD outside 64-bit mode */
#define DF_LOCK		(1u << 6)	/* LOCK allowed (memory destination) */
#define DF_END		(1u << 7)	/* ends a decoded block */
#define DF_USER		(1u << 8)	/* difftest generates it */
#define DF_SSE		(1u << 9)	/* SSE: #UD/#NM checks */
#define SH_1		(1u << 10)	/* shift count 1 */
#define SH_CL		(1u << 11)	/* shift count CL */
#define DF_RFLAGS	(1u << 12)	/* reads arithmetic flags */
#define DF_X87		(1u << 13)	/* x87 FPU instruction */
#define DF_MMX		(1u << 14)	/* MMX instruction */
/* VEX encodings (maps V0F, V38, V3A); their #UD rules are decoded. */
#define DF_L0		(1u << 20)	/* #UD with VEX.L = 1 */
#define DF_L1		(1u << 21)	/* #UD with VEX.L = 0 */
#define DF_NOV		(1u << 22)	/* #UD unless VEX.vvvv = 1111b */
#define DF_W0		(1u << 23)	/* #UD with VEX.W = 1 (in 64-bit mode) */
#define DF_VGPR		(1u << 24)	/* VEX operands are general registers */
#define DF_W1		(1u << 25)	/* #UD with VEX.W = 0 */

/* Undefined-flag masks used by the table. */
/* AND/OR/XOR leave AF undefined. */
#define ALU_UNDEF(op)	((op) == 1 || (op) == 4 || (op) == 6 ? X86_AF : 0)
#define SHIFT_UNDEF(n)	((n) < 4 ? X86_OF : (X86_OF | X86_AF))

/* sse_mov / sse_movs / sse_movd args. */
#define SSE_LD		0x100	/* destination is the XMM register */
#define SSE_AL		0x200	/* 16-byte alignment required */

enum x86_sse_int_op {
	SI_PUNPCKLBW, SI_PUNPCKLWD, SI_PUNPCKLDQ, SI_PACKSSWB, SI_PCMPGTB,
	SI_PCMPGTW, SI_PCMPGTD, SI_PACKUSWB, SI_PUNPCKHBW, SI_PUNPCKHWD,
	SI_PUNPCKHDQ, SI_PACKSSDW, SI_PUNPCKLQDQ, SI_PUNPCKHQDQ, SI_PCMPEQB,
	SI_PCMPEQW, SI_PCMPEQD, SI_PSRLW, SI_PSRLD, SI_PSRLQ, SI_PADDQ,
	SI_PMULLW, SI_PSUBUSB, SI_PSUBUSW, SI_PMINUB, SI_PAND, SI_PADDUSB,
	SI_PADDUSW, SI_PMAXUB, SI_PANDN, SI_PAVGB, SI_PSRAW, SI_PSRAD,
	SI_PAVGW, SI_PMULHUW, SI_PMULHW, SI_PSUBSB, SI_PSUBSW, SI_PMINSW,
	SI_POR, SI_PADDSB, SI_PADDSW, SI_PMAXSW, SI_PXOR, SI_PSLLW, SI_PSLLD,
	SI_PSLLQ, SI_PMULUDQ, SI_PMADDWD, SI_PSADBW, SI_PSUBB, SI_PSUBW,
	SI_PSUBD, SI_PSUBQ, SI_PADDB, SI_PADDW, SI_PADDD,
	/* SSSE3 */
	SI_PSHUFB, SI_PHADDW, SI_PHADDD, SI_PHADDSW, SI_PMADDUBSW, SI_PHSUBW,
	SI_PHSUBD, SI_PHSUBSW, SI_PSIGNB, SI_PSIGNW, SI_PSIGND, SI_PMULHRSW,
	SI_PABSB, SI_PABSW, SI_PABSD,
};

enum x86_sse_fp_op {
	SF_SQRTPS, SF_SQRTSS, SF_SQRTPD, SF_SQRTSD, SF_ADDPS, SF_ADDSS,
	SF_ADDPD, SF_ADDSD, SF_MULPS, SF_MULSS, SF_MULPD, SF_MULSD, SF_SUBPS,
	SF_SUBSS, SF_SUBPD, SF_SUBSD, SF_MINPS, SF_MINSS, SF_MINPD, SF_MINSD,
	SF_DIVPS, SF_DIVSS, SF_DIVPD, SF_DIVSD, SF_MAXPS, SF_MAXSS, SF_MAXPD,
	SF_MAXSD, SF_CVTPS2PD, SF_CVTPD2PS, SF_CVTSS2SD, SF_CVTSD2SS,
	SF_CVTDQ2PS, SF_CVTPS2DQ, SF_CVTTPS2DQ, SF_CVTPD2DQ, SF_CVTTPD2DQ,
	SF_CVTDQ2PD, SF_RCPPS, SF_RCPSS, SF_RSQRTPS, SF_RSQRTSS,
	SF_ADDSUBPD, SF_ADDSUBPS, SF_HADDPD, SF_HADDPS, SF_HSUBPD, SF_HSUBPS,
	SF_MOVSLDUP, SF_MOVSHDUP, SF_MOVDDUP,
};

enum x86_sse_cvt_op {
	CV_SI2SS, CV_SI2SD, CV_TSS2SI, CV_TSD2SI, CV_SS2SI, CV_SD2SI,
};

struct x86_core;
struct x86_insn;
typedef int (*x86_handler_t)(struct x86_core *c, const struct x86_insn *in);

/* One table entry, as generated. */
struct x86_opinfo {
	x86_handler_t fn;
	const char *name;
	uint32_t dflags;
	uint16_t arg;
	uint16_t undef;		/* undefined arithmetic flags */
	uint8_t map, opc;
	uint16_t sub;
	uint8_t pfx;
};

/* Per (map, opcode): where its entries are and what selects one. */
#define SEL_PFX		1
#define SEL_MOD		2
#define SEL_REG		4
#define SEL_RM		8
struct x86_opcode {
	uint16_t base;		/* first entry in x86_opinfo[] */
	uint8_t sel;		/* SEL_* dimensions indexing from base */
	uint8_t modrm;		/* opcode has a ModRM byte */
};

extern const struct x86_opcode x86_opcodes[X86_NR_MAPS * 256];
extern const struct x86_opinfo x86_opinfo[];
extern const unsigned int x86_nr_opinfo;

int h_ud(struct x86_core *c, const struct x86_insn *in);

#endif
