/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guest.S - guest code snippets for the CPU unit tests.  Each snippet
 * is copied to the guest address the test chooses; snippets use absolute
 * data addresses only (0x5000 scratch area), except the mode-switch
 * snippet, which is assembled for load address 0x8000.
 */
#define SNIP(name) .globl name, name##_end; name:
#define END(name) name##_end:

	.section .rodata.guest, "a"

/* Real mode at 0000:8000 -> protected mode -> long mode, then OUT 0xf4. */
#define A(x) ((x) - ms_start + 0x8000)
	.code16
SNIP(ms_start)
	cli
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %ss
	mov $0x7000, %sp
	lgdtl A(ms_gdtp)
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $A(ms_pm32)
	.code32
ms_pm32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x7000, %esp
	movl $0x11003, 0x10000
	movl $0, 0x10004
	movl $0x12003, 0x11000
	movl $0, 0x11004
	movl $0x83, 0x12000
	movl $0, 0x12004
	movl $0x200083, 0x12008
	movl $0, 0x1200c
	mov $0x10000, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $0x20, %eax
	mov %eax, %cr4
	mov $0xc0000080, %ecx
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80000000, %eax
	mov %eax, %cr0
	ljmp $0x18, $A(ms_lm64)
	.code64
ms_lm64:
	movabs $0x123456789abcdef0, %rax
	mov %rax, 0x9000
	push %rax
	pop %rbx
	mov $0x42, %al
	out %al, $0xf4
	hlt
	.p2align 3
ms_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff
	.quad 0x00cf92000000ffff
	.quad 0x00af9a000000ffff
ms_gdtp:
	.word 31
	.long A(ms_gdt)
END(ms_start)

/* 64-bit: one load from (%rax), then UD2. */
SNIP(load_rax)
	mov (%rax), %rbx
	ud2
END(load_rax)

/* 64-bit: one store to (%rax), then UD2. */
SNIP(store_rax)
	mov %rbx, (%rax)
	ud2
END(store_rax)

/* 64-bit: one byte store of BL to (%rax), then UD2. */
SNIP(store8_rax)
	mov %bl, (%rax)
	ud2
END(store8_rax)

/* 64-bit #PF handler: record error code and CR2, skip 3 bytes, IRETQ. */
SNIP(pf_handler)
	pop %rax
	mov %rax, 0x5008
	mov %cr2, %rax
	mov %rax, 0x5010
	mov %rsp, 0x5018
	addq $3, (%rsp)
	iretq
END(pf_handler)

/* 64-bit #BP handler (IST): record RSP, IRETQ. */
SNIP(bp_handler)
	mov %rsp, 0x5020
	incq 0x5028
	iretq
END(bp_handler)

/* User code: fault on (%rax), breakpoint, then UD2. */
SNIP(user_code)
	mov (%rax), %rbx
	int3
	mov %rsp, 0x5030
	ud2
END(user_code)

/* SYSCALL entry: record RCX/R11, SYSRETQ. */
SNIP(sc_entry)
	mov %rcx, 0x5000
	mov %r11, 0x5008
	incq %rdi
	sysretq
END(sc_entry)

SNIP(sc_user)
	mov $41, %rdi
	syscall
	incq %rdi
	ud2
END(sc_user)

/*
 * Self-modifying code: run a loop adding the immediate, patch the
 * immediate (same page, same block), run again.
 */
SNIP(smc)
	xor %eax, %eax
	mov $3, %ecx
1:	lea smc_imm(%rip), %rdx
	add $1, %eax
	movb $0x10, 3(%rdx)
smc_imm:
	add $0x7f, %rax
	dec %ecx
	jnz 1b
	ud2
END(smc)

/* MMIO restart: read-modify-write and xchg on (%rax). */
SNIP(mmio_rmw)
	add %rbx, (%rax)
	xchg %rcx, 8(%rax)
	ud2
END(mmio_rmw)

SNIP(mmio_rep)
	cld
	rep stosl
	ud2
END(mmio_rep)

/* Real mode: INT 0x21 to a handler that sets BX, IRET. */
	.code16
SNIP(rm_int)
	xor %ax, %ax
	mov %ax, %ss
	mov $0x7000, %sp
	int $0x21
	mov $0x55, %al
	out %al, $0xf4
	hlt
END(rm_int)
SNIP(rm_handler)
	mov $0x1234, %bx
	iret
END(rm_handler)
	.code64

/* IDIV of INT64_MIN by -1 (32-bit operands): must be #DE, not a crash. */
SNIP(idiv_min)
	mov $0x80000000, %edx
	xor %eax, %eax
	mov $-1, %ecx
	idiv %ecx
	ud2
END(idiv_min)

/* Loop for the speed measurement: 4 instructions per iteration. */
SNIP(bench_loop)
1:	add %rcx, %rax
	xor $0x5a, %rax
	dec %rcx
	jnz 1b
	ud2
END(bench_loop)

/* Cross-vCPU code modification: spin until the immediate changes. */
SNIP(spin)
1:	mov $1, %eax
	cmp $1, %eax
	je 1b
	ud2
END(spin)
	.code64
/* Interrupt tests (64-bit, CPL0). */
SNIP(irq_handler)
	incq 0x5000
	mov %rax, 0x5008
	mov %rbx, 0x5010
	iretq
END(irq_handler)

SNIP(sti_hlt)
	sti
	hlt
	ud2
END(sti_hlt)

SNIP(sti_shadow)
	sti
	mov $1, %eax
	mov $2, %ebx
	ud2
END(sti_shadow)

SNIP(nmi_handler)
	incq 0x5018
	mov $0x4444, %ecx
	iretq
END(nmi_handler)

/* 32-bit protected mode: ring 3 INT 0x80 to a ring-0 handler via TSS. */
	.code32
SNIP(pm_user)
	mov $5, %eax
	int $0x80
	mov %eax, 0x5040
	mov %esp, 0x5044
	ud2
END(pm_user)
SNIP(load_eax)
	mov (%eax), %ebx
	ud2
END(load_eax)
SNIP(pm_int80)
	mov %esp, 0x5000
	mov 4(%esp), %ebx
	mov %ebx, 0x5004
	add $10, %eax
	iret
END(pm_int80)
SNIP(pm_sysenter_user)
	mov %esp, %ecx
	call 2f
2:	pop %edx
	add $(1f - 2b), %edx
	sysenter
1:	mov %eax, 0x5050
	ud2
END(pm_sysenter_user)
SNIP(pm_sysenter_kern)
	mov $0x99, %eax
	sysexit
END(pm_sysenter_kern)
	.code64

/*
 * RCX rounds of locked updates of shared counters at 0x200000 (the
 * lock_smp test runs it on two vCPU threads): LOCK XADD, a LOCK CMPXCHG
 * loop, an XCHG spinlock around a plain increment, a misaligned LOCK ADD
 * inside a page and a page-crossing LOCK INC (split locks), and a
 * LOCK CMPXCHG16B loop.  Ends with UD2.
 */
SNIP(lock_loop)
1:	mov $1, %eax
	lock xadd %rax, 0x200000
2:	mov 0x200008, %rax
	lea 1(%rax), %rdx
	lock cmpxchg %rdx, 0x200008
	jne 2b
3:	mov $1, %eax
	xchg %eax, 0x200010
	test %eax, %eax
	jnz 3b
	incq 0x200018
	movl $0, 0x200010
	lock addl $1, 0x200101
	lock incl 0x200ffe
	mov %rcx, %rsi
4:	mov 0x200020, %rax
	mov 0x200028, %rdx
	lea 1(%rax), %rbx
	lea 2(%rdx), %rcx
	lock cmpxchg16b 0x200020
	jne 4b
	mov %rsi, %rcx
	dec %rcx
	jnz 1b
	ud2
END(lock_loop)

	.section .note.GNU-stack, "", @progbits
