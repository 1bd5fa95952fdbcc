/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sys.h - system-level helpers for the mode, paging, exception and IRET
 * guest tests: a larger GDT (16-bit, ring-3 and SYSENTER segments, a
 * 64-bit TSS), ring-3 execution with the exception that ended it recorded,
 * IST selection, self-NMI, and the low-memory mode-switch trampoline.
 *
 * Nothing here runs unless a test calls sys_setup(): the kit's own GDT
 * stays in use for every other test.
 */
#ifndef CVISOR_GUEST_SYS_H
#define CVISOR_GUEST_SYS_H

#include "kit.h"

/*
 * GDT of sys_setup().  0x08..0x20 are the kit's own descriptors at the
 * same selectors, so kit code (and APs started later) keeps working.
 */
#define SEL_CS16	0x28	/* 16-bit code, base 0, limit 0xFFFF */
#define SEL_DS16	0x30	/* 16-bit data, base 0, limit 0xFFFF */
/* SYSRET block: STAR[63:48] = SEL_UCS32. */
#define SEL_UCS32	0x38	/* DPL 3, 32-bit code */
#define SEL_UDS		0x40	/* DPL 3, flat data */
#define SEL_UCS64	0x48	/* DPL 3, 64-bit code */
#define SEL_TSS		0x50	/* 64-bit TSS, 16 bytes */
#define SEL_NP_DS	0x60	/* data segment with P = 0 */
/* SYSENTER block: IA32_SYSENTER_CS = SEL_SE_KCS. */
#define SEL_SE_KCS	0x70	/* 64-bit code DPL 0 */
#define SEL_SE_KDS	0x78	/* data DPL 0 */
#define SEL_SE_UCS32	0x80	/* 32-bit code DPL 3 */
#define SEL_SE_UDS32	0x88	/* data DPL 3 */
#define SEL_SE_UCS64	0x90	/* 64-bit code DPL 3 */
#define SEL_SE_UDS64	0x98	/* data DPL 3 */
#define SEL_NP_CS	0xA0	/* 64-bit code DPL 0, P = 0 */
#define SYS_GDT_ENTRIES	21

#define NMI_VECTOR	2
#define NP_VECTOR	11
#define SS_VECTOR	12

#define MSR_STAR		0xC0000081
#define MSR_LSTAR		0xC0000082
#define MSR_CSTAR		0xC0000083
#define MSR_SFMASK		0xC0000084
#define MSR_SYSENTER_CS		0x174
#define MSR_SYSENTER_ESP	0x175
#define MSR_SYSENTER_EIP	0x176
#define EFER_SCE		(1ull << 0)
#define EFER_LMA		(1ull << 10)
#define EFER_NXE		(1ull << 11)

#define RFLAGS_CF	(1ull << 0)
#define RFLAGS_FIXED	(1ull << 1)
#define RFLAGS_ZF	(1ull << 6)
#define RFLAGS_TF	(1ull << 8)
#define RFLAGS_IF	(1ull << 9)
#define RFLAGS_DF	(1ull << 10)
#define RFLAGS_OF	(1ull << 11)
#define RFLAGS_AC	(1ull << 18)

/* The 104-byte 64-bit TSS. */
struct __attribute__((packed)) tss64 {
	uint32_t rsvd0;
	uint64_t rsp[3];
	uint64_t rsvd1;
	uint64_t ist[7];	/* IST1..IST7 */
	uint64_t rsvd2;
	uint16_t rsvd3;
	uint16_t iopb;
};

extern struct tss64 sys_tss;
extern uint64_t sys_gdt[SYS_GDT_ENTRIES];

/* Top of the ring-0 stack in TSS.RSP0 and of the IST1..IST3 stacks. */
uint64_t sys_rsp0_top(void);
uint64_t sys_ist_top(int ist);

/*
 * Load the GDT above and the TSS (LTR), and set U/S on every level of the
 * kit's identity map so that ring-3 code can run the image's own code and
 * data.  Call once, on the BSP.
 */
void sys_setup(void);

/* Set the IST field (0 = none) and the DPL of IDT gate @vec. */
void sys_set_ist(int vec, int ist);
void sys_set_gate_dpl(int vec, int dpl);

/* What ended a user_run(). */
struct user_result {
	int vector;		/* -1: fn returned normally */
	uint64_t error_code;
	uint64_t rip, cs, rflags, rsp, ss;	/* the exception frame */
	uint64_t cr2;
	uint64_t frame_top;	/* address just above the CPU-pushed SS */
};

/*
 * Run fn(arg) in 64-bit ring 3 (CS SEL_UCS64|3, SS SEL_UDS|3) on a user
 * stack with RFLAGS = 0x2 | @rflags_or.  Any exception (vectors 0-31) or
 * fn's return ends it; the result says which.  Ring 0 resumes on the
 * stack it left from.  Vectors 0-31 have their kit handlers replaced
 * (then reset to the default) while it runs.
 */
void user_run(void (*fn)(void *), void *arg, uint64_t rflags_or,
	      struct user_result *r);
/*
 * The general form: IRETQ to @cs:@rip with @ss:@rsp and @rflags, RDI/RSI
 * = @rdi/@rsi; ends like user_run() (returning to user_exit_insn, or any
 * exception 0-31).
 */
void sys_run_at(uint64_t rip, uint64_t cs, uint64_t ss, uint64_t rsp,
		uint64_t rflags, uint64_t rdi, uint64_t rsi,
		struct user_result *r);
extern const char user_tramp[], user_exit_insn[];
/* Top of the user stack user_run() uses. */
uint64_t user_stack_top(void);

/* Deliver an NMI to this CPU through the LAPIC (physical destination). */
void self_nmi(void);

/* Print and count a check: "name: ok". */
#define CHECK_EQ(name, a, b) do {					\
	ASSERT_EQ(a, b);						\
	printf("  %s: 0x%llx ok\n", name, (unsigned long long)(b));	\
} while (0)

#endif
