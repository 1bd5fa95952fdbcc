/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sys_entry.S - entering code at another privilege level or code segment with
 * IRETQ (sys_run_at in sys.c) and the ring-3 trampoline of user_run().
 */
	.text
	.code64

/*
 * void sys_enter(rip rdi, cs rsi, rflags rdx, rsp rcx, ss r8,
 *		  struct sys_jmp *jb r9, uint64_t args[2] on the stack)
 *
 * Saves the callee-saved registers and RSP in *jb, then IRETQs to
 * cs:rip with ss:rsp and rflags, RDI = args[0], RSI = args[1].  The
 * exception handler of sys.c comes back to sys_resume, which returns to
 * sys_enter's caller.
 */
	.globl sys_enter, sys_resume
sys_enter:
	movq 8(%rsp), %rax		/* args */
	movq %rbx, 0(%r9)
	movq %rbp, 8(%r9)
	movq %r12, 16(%r9)
	movq %r13, 24(%r9)
	movq %r14, 32(%r9)
	movq %r15, 40(%r9)
	movq %rsp, 48(%r9)
	pushq %r8
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	movq 8(%rax), %rsi
	movq 0(%rax), %rdi
	iretq
sys_resume:
	ret

/*
 * Ring-3 side of user_run(): RDI = fn, RSI = arg.  fn returning lands on
 * the UD2 at user_exit_insn, which the handler reports as "returned".
 */
	.globl user_tramp, user_exit_insn
user_tramp:
	movq %rdi, %rax
	movq %rsi, %rdi
	call *%rax
user_exit_insn:
	ud2
