/* SPDX-License-Identifier: GPL-2.0 */
/*
 * modes_result.h - the low-memory layout of the mode tour (modes.S) and
 * the offsets of its result slots, shared by the asm and modes.c.
 */
#ifndef CVISOR_GUEST_MODES_RESULT_H
#define CVISOR_GUEST_MODES_RESULT_H

#define MODES_PAE_PD	0x1000	/* PAE page directory, 2 MiB pages */
#define MODES_PD32	0x2000	/* 32-bit page directory, 4 MiB pages */
#define MODES_PDPT	0x3000	/* PAE PDPT (4 entries) */
#define MODES_STACK	0x4ff0	/* grows down, below 64 KiB */
#define MODES_DATA	0x5000	/* result slots and inputs */
#define MODES_BASE	0x6000	/* the copied code */
#define ALIAS_VA	0x80000000	/* maps physical 0 in both tables */

/* u32 slots (byte offsets into MODES_DATA). */
#define MR_PUSH64	0x00
#define MR_CALL64	0x04
#define MR_PUSH_COMPAT	0x08
#define MR_CALL_COMPAT	0x0c
#define MR_EFER_COMPAT	0x10
#define MR_EFER_LEGACY	0x14
#define MR_CR0_LEGACY	0x18
#define MR_PUSH32	0x1c
#define MR_CALL32	0x20
#define MR_PUSH32_66	0x24
#define MR_ALIAS32	0x28
#define MR_ALIASPAE	0x2c
#define MR_PUSH16	0x30
#define MR_CALL16	0x34
#define MR_PUSH16_66	0x38
#define MR_PUSHREAL	0x3c
#define MR_CALLREAL	0x40
#define MR_CR0_REAL	0x44
#define MR_MAGIC_REAL	0x48
#define MR_PUSH32B	0x4c
#define MR_EFER_COMPAT2	0x50
#define MR_PUSH_COMPAT2	0x54
#define MR_PUSH64B	0x58
#define MR_NSLOTS	23
/* Inputs. */
#define MR_MAGIC	0x80	/* u32 read through aliases and FS */
#define MR_PD32		0x84	/* u32: CR3 for 32-bit paging */
#define MR_PDPT_PAE	0x88	/* u32: CR3 for PAE paging */
#define MR_CR3		0x8c	/* u32: the kit's CR3 */
#define MR_CR4		0x90	/* u32: the kit's CR4 */
#define MR_GDTR		0xa0	/* 6 bytes: limit, 32-bit base */
#define MR_SAVED_RSP	0xb0	/* u64 */

#endif
