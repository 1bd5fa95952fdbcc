/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86_cpu.h - cvisor's x86-64 CPU core: the API the emu backend drives.
 *
 * One struct x86_cpu per vCPU.  The core has no global mutable state and
 * reaches guest memory and I/O only through struct x86_cpu_ops, so that the
 * backend owns memslots, address spaces (SMM), MMIO, devices and dirty logs.
 *
 * Architectural state lives in cpu->s (struct x86_state) in layouts that map
 * 1:1 onto KVM's (kvm_regs, kvm_sregs, kvm_fpu/kvm_xsave, kvm_vcpu_events),
 * so the backend reads and writes it directly between x86_cpu_run() calls.
 * Exception: RFLAGS is kept lazily while running; use x86_cpu_get_rflags()
 * and x86_cpu_set_rflags() instead of touching s.rflags.
 *
 * After changing CR0/CR3/CR4/EFER/segment state or memory mappings from
 * outside, call x86_cpu_state_changed() (it flushes the TLB, recomputes
 * the cached mode and, with PAE paging outside long mode, reloads
 * s.pdptr from CR3 as KVM_SET_SREGS does); after memslot changes or
 * clearing the dirty log call x86_cpu_flush_tlb().
 *
 * Threading: x86_cpu_run() is called only from the vCPU's own thread.  The
 * atomic request fields (intr_pending, nmi_pending, smi_pending,
 * stop_request) may be set from any thread.
 */
#ifndef CVISOR_X86_CPU_H
#define CVISOR_X86_CPU_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- results of ops callbacks ------------------------------------------ */

/* mmio/pio/rdmsr/wrmsr: access recorded, the VMM must complete it. */
#define X86_IO_EXIT	1
/* rdmsr/wrmsr: the MSR access raises #GP in the guest. */
#define X86_MSR_GP	2
/* hypercall: the instruction raises #UD (Hyper-V: CPL > 0, real mode). */
#define X86_HC_UD	3
/* rdmsr/wrmsr: no one implements the MSR (#GP, KVM's "unsupported"). */
#define X86_MSR_UNKNOWN	4
/* msr_guest: the VMM completed the access (a read's value in *val). */
#define X86_MSR_DONE	5

/* msr_guest's @why. */
enum x86_msr_why {
	X86_MSR_WHY_ACCESS,	/* before the access */
	X86_MSR_WHY_UNKNOWN,	/* it raised #GP: no one implements the MSR */
	X86_MSR_WHY_INVAL,	/* it raised #GP: a value or state refused */
};

/* ---- stop reasons of x86_cpu_run() --------------------------------------- */

enum x86_stop {
	X86_STOP_BUDGET = 0,	/* executed @budget instructions */
	X86_STOP_EXIT,		/* an ops call returned X86_IO_EXIT */
	X86_STOP_HLT,		/* HLT executed, no event to wake on */
	X86_STOP_SHUTDOWN,	/* triple fault */
	X86_STOP_REQUEST,	/* cpu->stop_request was set */
	X86_STOP_INTERNAL,	/* core cannot continue: see internal_msg */
	/*
	 * An exception whose bit is set in cpu->exc_intercept was raised
	 * (like KVM_GUESTDBG's exception bitmap): it is recorded in s.ev
	 * (exc_injected=1), not delivered, RIP points at the faulting
	 * instruction (after it for traps such as INT3).
	 */
	X86_STOP_EXCEPTION,
	/*
	 * The VMM's own debugging (x86_cpu_set_guest_debug) stopped the
	 * vCPU: details in cpu->debug_exit, as KVM_EXIT_DEBUG reports them.
	 */
	X86_STOP_DEBUG,
};

/* x86_cpu_set_guest_debug() flags (KVM_GUESTDBG_* counterparts). */
#define X86_DBG_SINGLESTEP	(1u << 0)	/* stop after each insn */
#define X86_DBG_SW_BP		(1u << 1)	/* INT3 stops, not #BP */
#define X86_DBG_HW_BP		(1u << 2)	/* the VMM's DR0-3/DR7 */
#define X86_DBG_BLOCKIRQ	(1u << 3)	/* no interrupts while set */

struct x86_cpu_debug_exit {
	uint32_t exception;	/* 1 (#DB) or 3 (#BP) */
	uint64_t pc;		/* linear RIP */
	uint64_t dr6, dr7;
};

/* ---- segment / descriptor table registers (mirror kvm_segment) ----------- */

struct x86_seg {
	uint64_t base;
	uint32_t limit;		/* byte granular, already scaled by G */
	uint16_t selector;
	uint8_t type;		/* descriptor type nibble (incl. accessed bit) */
	uint8_t present, dpl, db, s, l, g, avl;
	uint8_t unusable;
	uint8_t padding;
};

struct x86_dtable {
	uint64_t base;
	uint16_t limit;
};

enum x86_seg_index {
	X86_ES, X86_CS, X86_SS, X86_DS, X86_FS, X86_GS,
	X86_NR_SREGS,
	X86_LDTR = X86_NR_SREGS,
	X86_TR,
	X86_NR_SEGS,
};

enum x86_gpr {
	X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI,
	X86_RDI, X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13,
	X86_R14, X86_R15,
};

/* RFLAGS bits. */
#define X86_CF		(1u << 0)
#define X86_FIXED1	(1u << 1)
#define X86_PF		(1u << 2)
#define X86_AF		(1u << 4)
#define X86_ZF		(1u << 6)
#define X86_SF		(1u << 7)
#define X86_TF		(1u << 8)
#define X86_IF		(1u << 9)
#define X86_DF		(1u << 10)
#define X86_OF		(1u << 11)
#define X86_IOPL	(3u << 12)
#define X86_NT		(1u << 14)
#define X86_RF		(1u << 16)
#define X86_VM		(1u << 17)
#define X86_AC		(1u << 18)
#define X86_VIF		(1u << 19)
#define X86_VIP		(1u << 20)
#define X86_ID		(1u << 21)
#define X86_ARITH_FLAGS	(X86_CF | X86_PF | X86_AF | X86_ZF | X86_SF | X86_OF)

/* Control register bits the core implements. */
#define X86_CR0_PE	(1ull << 0)
#define X86_CR0_MP	(1ull << 1)
#define X86_CR0_EM	(1ull << 2)
#define X86_CR0_TS	(1ull << 3)
#define X86_CR0_ET	(1ull << 4)
#define X86_CR0_NE	(1ull << 5)
#define X86_CR0_WP	(1ull << 16)
#define X86_CR0_AM	(1ull << 18)
#define X86_CR0_NW	(1ull << 29)
#define X86_CR0_CD	(1ull << 30)
#define X86_CR0_PG	(1ull << 31)
#define X86_CR4_VME	(1ull << 0)
#define X86_CR4_PVI	(1ull << 1)
#define X86_CR4_TSD	(1ull << 2)
#define X86_CR4_DE	(1ull << 3)
#define X86_CR4_PSE	(1ull << 4)
#define X86_CR4_PAE	(1ull << 5)
#define X86_CR4_MCE	(1ull << 6)
#define X86_CR4_PGE	(1ull << 7)
#define X86_CR4_PCE	(1ull << 8)
#define X86_CR4_OSFXSR	(1ull << 9)
#define X86_CR4_OSXMMEXCPT (1ull << 10)
#define X86_CR4_UMIP	(1ull << 11)
#define X86_CR4_FSGSBASE (1ull << 16)
#define X86_CR4_OSXSAVE	(1ull << 18)
#define X86_CR4_SMEP	(1ull << 20)
#define X86_EFER_SCE	(1ull << 0)
#define X86_EFER_LME	(1ull << 8)
#define X86_EFER_LMA	(1ull << 10)
#define X86_EFER_NXE	(1ull << 11)

/* MSR indices owned by the core (others go to ops->rdmsr/wrmsr). */
#define X86_MSR_TSC			0x00000010
#define X86_MSR_APIC_BASE		0x0000001b
#define X86_MSR_TSC_ADJUST		0x0000003b
#define X86_MSR_BIOS_SIGN_ID		0x0000008b	/* microcode revision */
#define X86_MSR_SMBASE			0x0000009e
#define X86_MSR_MTRRCAP			0x000000fe
#define X86_MSR_SYSENTER_CS		0x00000174
#define X86_MSR_SYSENTER_ESP		0x00000175
#define X86_MSR_SYSENTER_EIP		0x00000176
#define X86_MSR_MCG_CAP			0x00000179
#define X86_MSR_MCG_STATUS		0x0000017a
#define X86_MSR_POWER_CTL		0x000001fc	/* stored only, as KVM */
#define X86_MSR_HWCR			0xc0010015	/* AMD's, on every vendor as KVM */
#define X86_MSR_MISC_ENABLE		0x000001a0
#define X86_MSR_MTRR_PHYSBASE0		0x00000200	/* ..0x20f */
#define X86_MSR_MTRR_FIX64K		0x00000250
#define X86_MSR_MTRR_FIX16K_80000	0x00000258
#define X86_MSR_MTRR_FIX16K_A0000	0x00000259
#define X86_MSR_MTRR_FIX4K_C0000	0x00000268	/* ..0x26f */
#define X86_MSR_PAT			0x00000277
#define X86_MSR_MTRR_DEF_TYPE		0x000002ff
#define X86_MSR_EFER			0xc0000080
#define X86_MSR_STAR			0xc0000081
#define X86_MSR_LSTAR			0xc0000082
#define X86_MSR_CSTAR			0xc0000083
#define X86_MSR_SFMASK			0xc0000084
#define X86_MSR_FS_BASE			0xc0000100
#define X86_MSR_GS_BASE			0xc0000101
#define X86_MSR_KERNEL_GS_BASE		0xc0000102
#define X86_MSR_TSC_AUX			0xc0000103

#define X86_NR_MTRR_VAR	8
#define X86_UCODE_REV	0x1	/* reported in BIOS_SIGN_ID[63:32] */

/* Exception vectors. */
enum {
	X86_EXC_DE = 0, X86_EXC_DB = 1, X86_EXC_NMI = 2, X86_EXC_BP = 3,
	X86_EXC_OF = 4, X86_EXC_BR = 5, X86_EXC_UD = 6, X86_EXC_NM = 7,
	X86_EXC_DF = 8, X86_EXC_TS = 10, X86_EXC_NP = 11, X86_EXC_SS = 12,
	X86_EXC_GP = 13, X86_EXC_PF = 14, X86_EXC_MF = 16, X86_EXC_AC = 17,
	X86_EXC_MC = 18, X86_EXC_XM = 19,
};

/*
 * The 512-byte FXSAVE image (64-bit layout) holds all x87/MMX/SSE state,
 * so KVM_GET/SET_FPU and the legacy region of KVM_GET/SET_XSAVE are
 * straight copies.  The x87 tag word is kept abridged (one bit per
 * register) as FXSAVE stores it.
 */
struct x86_fxsave {
	uint16_t fcw;
	uint16_t fsw;
	uint8_t ftw;		/* abridged tag: bit i = ST register i valid */
	uint8_t rsvd1;
	uint16_t fop;
	uint64_t fip;
	uint64_t fdp;
	uint32_t mxcsr;
	uint32_t mxcsr_mask;
	uint8_t st[8][16];	/* ST0..ST7 / MM0..MM7, 80-bit in low 10 bytes */
	uint8_t xmm[16][16];
	uint8_t rsvd2[96];
} __attribute__((aligned(16)));

/* Event state, KVM_GET/SET_VCPU_EVENTS shaped. */
struct x86_events {
	/* An exception being delivered when the last run stopped. */
	uint8_t exc_injected;
	uint8_t exc_nr;
	uint8_t exc_has_error;
	uint32_t exc_error;
	/* An external interrupt being delivered (vector) or none. */
	uint8_t intr_injected;
	uint8_t intr_nr;
	uint8_t intr_soft;
	/* Interrupt shadow after STI / MOV SS / POP SS. */
#define X86_SHADOW_STI		1
#define X86_SHADOW_MOV_SS	2
	uint8_t int_shadow;
	uint8_t nmi_injected;
	uint8_t nmi_masked;	/* NMI blocked until the next IRET */
	uint8_t smm;		/* in System Management Mode */
	uint8_t smm_inside_nmi;	/* NMIs were masked when SMM was entered */
	uint8_t smm_latched_init;
};

/* Architectural state, read and written directly by the backend. */
struct x86_state {
	uint64_t gpr[16];
	uint64_t rip;
	uint64_t rflags;	/* use x86_cpu_get/set_rflags() */
	struct x86_seg seg[X86_NR_SEGS];	/* ES CS SS DS FS GS LDTR TR */
	struct x86_dtable gdt, idt;
	uint64_t cr0, cr2, cr3, cr4, cr8;
	uint64_t efer;
	uint64_t dr[8];		/* DR0-3, DR6 at [6], DR7 at [7] */
	uint64_t xcr0;
	uint64_t apic_base;	/* storage only; side effects are the backend's */
	uint64_t pdptr[4];	/* PAE PDPTEs loaded at CR3 write (32-bit PAE) */

	/* MSRs the core owns (FS/GS base are seg[X86_FS/GS].base). */
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t star, lstar, cstar, sfmask;
	uint64_t kernel_gs_base;
	int64_t tsc_offset;	/* guest TSC = ops->tsc() + tsc_offset */
	int64_t tsc_adjust;	/* IA32_TSC_ADJUST */
	uint64_t tsc_aux;
	uint64_t pat;
	uint64_t misc_enable;
	uint64_t power_ctl;
	uint64_t hwcr;
	uint64_t smbase;	/* reset value 0x30000 */
	uint64_t mtrr_def_type;
	uint64_t mtrr_fixed[11];	/* 64K, 16K x2, 4K x8 */
	uint64_t mtrr_var[X86_NR_MTRR_VAR][2];	/* base, mask */

	struct x86_events ev;
	uint8_t halted;		/* HLT executed; cleared by the core on an event */

	struct x86_fxsave fx;	/* x87 / MMX / SSE */
	/* Bits 255:128 of YMM0-15 (XSAVE component 2, AVX). */
	uint8_t ymmh[16][16];

	/*
	 * A20: guest-physical addresses are ANDed with this mask; the
	 * backend clears bit 20 while the A20 gate is disabled.
	 */
	uint64_t a20_mask;
};

/* ---- callbacks the backend implements ------------------------------------ */

struct x86_cpu_ops {
	/*
	 * Host pointer to the start of the 4 KiB guest-physical page holding
	 * @gpa, in the SMM address space when @smm, or NULL when that page
	 * is not RAM, or not writable and @write is set: the access then
	 * goes to ->mmio.  Pointers stay valid until x86_cpu_flush_tlb().
	 * For dirty logging the backend marks the page dirty when it is
	 * mapped with @write and calls x86_cpu_flush_tlb() when it clears
	 * the log.
	 */
	void *(*map_page)(void *opaque, uint64_t gpa, bool write, bool smm);
	/*
	 * Return 0 when handled (data filled in for reads) or X86_IO_EXIT.
	 * After X86_IO_EXIT the core stops without committing the
	 * instruction; the next x86_cpu_run() re-executes it and repeats
	 * the same access, which the backend then completes from the VMM's
	 * answer.  Accesses that returned 0 earlier in the same instruction
	 * are replayed from the core's per-instruction log and not repeated
	 * (so an MMIO write is never performed twice, a read never twice).
	 * Never called with an access that crosses a page; len <= 8 (16 for
	 * SSE moves).
	 */
	int (*mmio)(void *opaque, uint64_t gpa, void *data, unsigned len,
		    bool write);
	/* @count > 1 for REP INS/OUTS chunks: @data holds count items. */
	int (*pio)(void *opaque, uint16_t port, void *data, unsigned size,
		   unsigned count, bool write);
	/*
	 * MSRs the core does not own: 0, X86_MSR_GP, X86_MSR_UNKNOWN or
	 * X86_IO_EXIT.
	 */
	int (*rdmsr)(void *opaque, uint32_t idx, uint64_t *val);
	int (*wrmsr)(void *opaque, uint32_t idx, uint64_t val);
	/*
	 * Optional: the guest's RDMSR/WRMSR (not host accesses), for KVM's
	 * MSR filter and MSR exits.  Called with X86_MSR_WHY_ACCESS before
	 * the access: 0 lets it go on, X86_MSR_DONE completes it (a read
	 * returns *val), X86_MSR_GP raises #GP, X86_IO_EXIT stops without
	 * committing (the instruction runs again and this hook completes
	 * it).  When the access then raises #GP, called again with why it
	 * did: 0 keeps the #GP, X86_IO_EXIT stops as above.  @val is the
	 * value written.
	 */
	int (*msr_guest)(void *opaque, uint32_t idx, uint64_t *val, bool write,
			 enum x86_msr_why why);
	/*
	 * VMCALL/VMMCALL (optional; #UD without it): the backend reads its
	 * arguments from and writes its result to s.gpr.  0: done, RIP moves
	 * on; X86_IO_EXIT: stop without committing, the next run executes
	 * the instruction again and the backend completes it; X86_HC_UD:
	 * raise #UD instead.  @cpl and
	 * @op64 (64-bit code segment) are what a hypercall ABI checks.
	 */
	int (*hypercall)(void *opaque, unsigned int cpl, bool op64);
	/*
	 * Optional: an instruction fetch from @gpa, which map_page() did not
	 * back with RAM.  X86_IO_EXIT when the backend turned it into an
	 * exit of its own (a memory fault on private memory), else 0 (the
	 * core reports execution from MMIO as an internal error).
	 */
	int (*fetch_fault)(void *opaque, uint64_t gpa);
	/* Guest CPUID as configured by the VMM. */
	void (*cpuid)(void *opaque, uint32_t leaf, uint32_t subleaf,
		      uint32_t regs[4]);
	/*
	 * Called at an instruction boundary with IF=1, no shadow, and
	 * cpu->intr_pending set: return the vector to deliver now (the
	 * backend clears intr_pending itself when nothing else is pending),
	 * or -1.
	 */
	int (*intr_ack)(void *opaque);
	/* Host-time based TSC (the core adds s.tsc_offset). */
	uint64_t (*tsc)(void *opaque);
	/*
	 * CR8 is the local APIC's TPR[7:4], and the APIC is the backend's:
	 * MOV from/to CR8 go through these when set (else s.cr8 is used), so
	 * that the APIC's interrupt masking sees the value at once.  After
	 * set_cr8 the backend re-evaluates cpu->intr_pending (a lower TPR can
	 * unmask a waiting interrupt).
	 */
	uint64_t (*get_cr8)(void *opaque);
	void (*set_cr8)(void *opaque, uint64_t cr8);
};

/* ---- shared code-page tracker (one per VM) ------------------------------- */

/*
 * Records which guest-physical pages hold decoded code of any vCPU, so that
 * a store by any vCPU or a device DMA (x86_code_tracker_write()) into such
 * a page invalidates every vCPU's decoded copy.
 */
struct x86_code_tracker;

/* Pages at or above @max_gpa are executed without caching decodes. */
struct x86_code_tracker *x86_code_tracker_create(uint64_t max_gpa);
void x86_code_tracker_destroy(struct x86_code_tracker *t);
/* Device DMA / VMM write into guest memory: drop decodes of those pages. */
void x86_code_tracker_write(struct x86_code_tracker *t, uint64_t gpa,
			    uint64_t len);

/* ---- the vCPU ------------------------------------------------------------- */

struct x86_cpu_internal;	/* decode cache, TLB, lazy flags: private */

struct x86_cpu {
	struct x86_state s;

	/*
	 * Requests, set by any thread.  The core clears nmi_pending when it
	 * delivers the NMI and stop_request when it stops for it; the
	 * backend owns intr_pending (see ops->intr_ack).  The core clears
	 * smi_pending when it enters SMM; an SMI that arrives in SMM stays
	 * pending until RSM.
	 */
	atomic_bool intr_pending;
	atomic_bool nmi_pending;
	atomic_bool smi_pending;
	atomic_bool stop_request;

	/* Set when x86_cpu_run() returns X86_STOP_INTERNAL. */
	char internal_msg[128];

	/*
	 * Exceptions (bit = vector) that stop the run instead of being
	 * delivered (X86_STOP_EXCEPTION).  The exception is left in s.ev as
	 * injected: the next run delivers it unless the caller clears
	 * s.ev.exc_injected.
	 */
	uint32_t exc_intercept;

	/* Set when x86_cpu_run() returns X86_STOP_DEBUG. */
	struct x86_cpu_debug_exit debug_exit;

	/* Retired-instruction counter (statistics, bench). */
	uint64_t insns;
	/* SMIs taken (statistics; not architectural state). */
	uint64_t smm_entries;

	const struct x86_cpu_ops *ops;
	void *opaque;
	struct x86_code_tracker *tracker;
	struct x86_cpu_internal *in;
};

/*
 * Allocate a vCPU in power-on reset state.  @tracker may be shared by all
 * vCPUs of the VM (may be NULL: then only this vCPU's own stores
 * invalidate decoded code).  Returns NULL on allocation failure.
 */
struct x86_cpu *x86_cpu_create(const struct x86_cpu_ops *ops, void *opaque,
			       struct x86_code_tracker *tracker);
void x86_cpu_destroy(struct x86_cpu *cpu);

/* Power-on reset: real mode, CS=F000 base FFFF0000, RIP=FFF0. */
void x86_cpu_reset(struct x86_cpu *cpu);
/*
 * INIT (SDM table 9-1): as reset, but keeps x87/SSE state, MTRRs, PAT,
 * SMBASE, APIC base and the other MSRs that INIT leaves alone.
 */
void x86_cpu_init_state(struct x86_cpu *cpu);

/*
 * Run up to @budget instructions; returns enum x86_stop.  A stop request
 * is honoured only at an instruction boundary: an instruction that
 * stopped for an I/O exit is completed first (KVM's contract for
 * KVM_RUN with immediate_exit), so the state seen after a kick is
 * architectural and can be saved.
 */
int x86_cpu_run(struct x86_cpu *cpu, uint64_t budget);
/* The last run stopped for an I/O exit that the next run completes. */
bool x86_cpu_io_pending(struct x86_cpu *cpu);

uint64_t x86_cpu_get_rflags(struct x86_cpu *cpu);
void x86_cpu_set_rflags(struct x86_cpu *cpu, uint64_t rflags);

/*
 * The VMM's debugging of this vCPU (KVM_SET_GUEST_DEBUG): @flags is a
 * mask of X86_DBG_*, @dr (may be NULL without X86_DBG_HW_BP) its DR0-3
 * at [0..3] and DR7 at [7].  As with KVM, RF in RFLAGS lets the VMM
 * resume at the instruction its code breakpoint stopped.
 */
void x86_cpu_set_guest_debug(struct x86_cpu *cpu, uint32_t flags,
			     const uint64_t dr[8]);
/* s.dr[] was written from outside x86_cpu_run() (KVM_SET_DEBUGREGS). */
void x86_cpu_debugregs_changed(struct x86_cpu *cpu);

/* Drop all cached translations (memslot change, dirty-log clear). */
void x86_cpu_flush_tlb(struct x86_cpu *cpu);
/* Control/segment registers were changed from outside x86_cpu_run(). */
void x86_cpu_state_changed(struct x86_cpu *cpu);
/* Drop this vCPU's decoded code for [gpa, gpa+len). */
void x86_cpu_invalidate_code(struct x86_cpu *cpu, uint64_t gpa, uint64_t len);

/*
 * Put the x87 part of @fx in its initial configuration (FNINIT's control
 * and status words, registers zeroed): what XRSTOR and KVM_SET_XSAVE load
 * for an x87 component whose XSTATE_BV bit is clear.
 */
void x86_fx_x87_init(struct x86_fxsave *fx);

/* XSAVE state components and the standard-format layout. */
#define X86_XCR0_X87		1ull
#define X86_XCR0_SSE		2ull
#define X86_XCR0_AVX		4ull
#define X86_XCR0_SUPPORTED	(X86_XCR0_X87 | X86_XCR0_SSE | X86_XCR0_AVX)
#define X86_XSAVE_LEGACY_SIZE	576u	/* legacy region + header */
#define X86_XSAVE_AVX_OFF	576u	/* YMM_Hi128, 256 bytes */
#define X86_XSAVE_AVX_SIZE	832u
/* Bytes of a standard-format area holding the components of @xcr0. */
uint32_t x86_xsave_size(uint64_t xcr0);

/* MSR access as the guest would see it (for KVM_GET/SET_MSRS). */
int x86_cpu_get_msr(struct x86_cpu *cpu, uint32_t idx, uint64_t *val);
int x86_cpu_set_msr(struct x86_cpu *cpu, uint32_t idx, uint64_t val);
/* The MSR indices x86_cpu_get/set_msr own, for KVM_GET_MSR_INDEX_LIST. */
size_t x86_cpu_msr_list(uint32_t *idx, size_t max);

/*
 * What the core implements, as CPUID leaves.  Fills up to @max entries
 * and returns the number needed; the backend serves ops->cpuid from the
 * VMM's (filtered) copy of it.
 */
struct x86_cpuid_entry {
	uint32_t function, index;
	uint32_t flags;			/* 1 = index significant */
	uint32_t eax, ebx, ecx, edx;
};
size_t x86_cpu_supported_cpuid(struct x86_cpuid_entry *e, size_t max);

/*
 * SMM (smm.c).  A pending SMI (cpu->smi_pending) is taken at an instruction
 * boundary outside SMM, even in an interrupt shadow, before NMIs and
 * interrupts: the state is saved at SMBASE+0xFE00 through the SMM address
 * space (map_page(..., smm=true)) in KVM's layouts, and RSM restores it.
 *
 * x86_cpu_smm_changed() is the one place s.ev.smm flips (SMI entry, RSM,
 * and the backend's KVM_SET_VCPU_EVENTS): it drops the translations of
 * the other view and, when leaving, clears smm_inside_nmi and sets
 * stop_request so the backend re-evaluates latched INITs.  The backend
 * must not write s.ev.smm itself.
 */
void x86_cpu_smm_changed(struct x86_cpu *cpu, bool entering);

#endif
