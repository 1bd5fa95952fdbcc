/* SPDX-License-Identifier: GPL-2.0 */
/* kit_asm.h - constants shared by the kit's assembly files. */
#ifndef CVISOR_GUEST_KIT_ASM_H
#define CVISOR_GUEST_KIT_ASM_H

#define KIT_CS64	0x08
#define KIT_DS		0x10
#define KIT_CS32	0x18
/* 5 descriptors (head.S); the trampoline needs it as a constant. */
#define KIT_GDT_LIMIT	(5 * 8 - 1)

#define CR0_PE		(1 << 0)
#define CR0_MP		(1 << 1)
#define CR0_EM		(1 << 2)
#define CR0_NE		(1 << 5)
#define CR0_NW		(1 << 29)
#define CR0_CD		(1 << 30)
#define CR0_PG		(1 << 31)

#define CR4_PAE		(1 << 5)
#define CR4_OSFXSR	(1 << 9)
#define CR4_OSXMMEXCPT	(1 << 10)

/* Must match kit.h. */
#define MAX_CPUS	8
#define AP_STACK_SIZE	8192

#define MSR_EFER	0xC0000080
#define EFER_LME	(1 << 8)

#endif
