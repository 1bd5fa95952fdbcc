/* SPDX-License-Identifier: GPL-2.0 */
/*
 * isr.S - the 256 IDT entry stubs, the common register save/restore path,
 * and the setjmp-like helper behind catch_exception().
 *
 * Every stub is 16-byte aligned so that its address is isr_stubs + 16*vec
 * (idt.c relies on that).  Vectors without a CPU error code push a zero so
 * that all frames have the same layout (struct frame in kit.h).
 */
	.text
	.code64
	.altmacro

.macro isr_stub vec
	.p2align 4
	.if !((\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30))
	pushq $0
	.endif
	pushq $\vec
	jmp isr_common
.endm

	.p2align 4
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	isr_stub %vec
	.set vec, vec + 1
	.endr

isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	movq %rsp, %rbx			/* callee-saved: survives the call */
	andq $-16, %rsp			/* SysV alignment for the C handler */
	cld
	call isr_dispatch
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp			/* vector, error code */
	iretq

/*
 * bool kit_try(void (*fn)(void *) rdi, void *arg rsi, struct kit_jmp *jb rdx)
 *
 * Saves the callee-saved registers and the stack pointer in *jb, then calls
 * fn(arg) and returns false.  If the expected exception fires, idt.c edits
 * the exception frame so that IRETQ lands on kit_try_recover with those
 * registers and stack restored, which returns true from kit_try.
 */
	.globl kit_try, kit_try_recover
kit_try:
	movq %rbx, 0(%rdx)
	movq %rbp, 8(%rdx)
	movq %r12, 16(%rdx)
	movq %r13, 24(%rdx)
	movq %r14, 32(%rdx)
	movq %r15, 40(%rdx)
	movq %rsp, 48(%rdx)		/* points at our return address */
	movq %rdi, %rax
	movq %rsi, %rdi
	subq $8, %rsp			/* keep the callee's stack 16-aligned */
	call *%rax
	addq $8, %rsp
	xorl %eax, %eax
	ret
kit_try_recover:
	movl $1, %eax
	ret
