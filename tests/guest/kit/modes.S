/* SPDX-License-Identifier: GPL-2.0 */
/*
 * modes.S - a tour of the x86 operating modes, copied to MODES_BASE in low
 * memory (real mode can only run below 1 MiB, and the code must survive
 * paging being switched off, so it runs identity mapped from there):
 *
 *   64-bit -> compatibility (CS 0x18) -> paging off: legacy 32-bit
 *   protected mode, EFER.LME cleared -> 32-bit paging with 4 MiB pages on
 *   and off -> PAE paging on and off -> 16-bit protected mode (CS 0x28)
 *   -> real mode (CR0.PE off) -> 32-bit protected mode -> PAE + LME + PG:
 *   compatibility mode -> 64-bit, and back to the C caller.
 *
 * In each mode it measures how many bytes a plain PUSH of rAX (opcode 50,
 * no prefix) and a near CALL push, which is what CS.D/CS.L select, and
 * stores them with EFER/CR0 snapshots in the u32 slots of struct
 * modes_result at MODES_DATA (modes_result.h), which the caller zeroed.
 * The caller also stores the GDT pointer, the kit's CR3/CR4 and the page
 * tables for the 32-bit paging steps (see modes.c).
 */
#include "kit_asm.h"
#include "modes_result.h"

#define ABS(x)		(MODES_BASE + ((x) - modes_tramp))
#define R(f)		(MODES_DATA + (f))

#define CR4_PSE		(1 << 4)

/* Store the byte count an instruction sequence pushes, 32-bit code. */
.macro width32 slot, insn:vararg
	movl %esp, %eax
	\insn
	movl %esp, %edx
	movl %eax, %esp
	subl %edx, %eax
	movl %eax, R(\slot)
.endm

.macro call32 slot
	movl %esp, %eax
	call 9f
9:	movl %esp, %edx
	movl %eax, %esp
	subl %edx, %eax
	movl %eax, R(\slot)
.endm

.macro call16 slot
	movw %sp, %ax
	call 9f
9:	movw %sp, %dx
	movw %ax, %sp
	subw %dx, %ax
	movw %ax, R(\slot)
.endm

.macro width16 slot, insn:vararg
	movw %sp, %ax
	\insn
	movw %sp, %dx
	movw %ax, %sp
	subw %dx, %ax
	movw %ax, R(\slot)
.endm

	.section .rodata, "a"
	.globl modes_tramp, modes_tramp_end
	.code64
modes_tramp:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, R(MR_SAVED_RSP)

	/* 64-bit mode: PUSH is 8 bytes, CALL pushes 8. */
	movq %rsp, %rax
	.byte 0x50
	movq %rsp, %rdx
	movq %rax, %rsp
	subq %rdx, %rax
	movl %eax, R(MR_PUSH64)
	movq %rsp, %rax
	call 1f
1:	movq %rsp, %rdx
	movq %rax, %rsp
	subq %rdx, %rax
	movl %eax, R(MR_CALL64)

	/* Into compatibility mode: a 32-bit code segment, still paging. */
	pushq $KIT_CS32
	pushq $ABS(compat1)
	lretq

	.code32
compat1:
	width32 MR_PUSH_COMPAT, .byte 0x50
	call32 MR_CALL_COMPAT
	movl $MSR_EFER, %ecx
	rdmsr
	movl %eax, R(MR_EFER_COMPAT)

	/* Leave long mode the way the SDM says: PG off, then LME off. */
	movl %cr0, %eax
	andl $~CR0_PG, %eax
	movl %eax, %cr0
	movl $MSR_EFER, %ecx
	rdmsr
	andl $~EFER_LME, %eax
	wrmsr
	rdmsr
	movl %eax, R(MR_EFER_LEGACY)
	movl %cr0, %eax
	movl %eax, R(MR_CR0_LEGACY)
	/* Low stack from here on: the 16-bit parts need one below 64 KiB. */
	movl $MODES_STACK, %esp
	width32 MR_PUSH32, .byte 0x50
	call32 MR_CALL32
	width32 MR_PUSH32_66, .byte 0x66, 0x50

	/* 32-bit paging, 4 MiB pages: read the magic through an alias. */
	movl %cr4, %eax
	andl $~CR4_PAE, %eax
	orl $CR4_PSE, %eax
	movl %eax, %cr4
	movl R(MR_PD32), %eax
	movl %eax, %cr3
	movl %cr0, %eax
	orl $CR0_PG, %eax
	movl %eax, %cr0
	movl ALIAS_VA + R(MR_MAGIC), %eax
	movl %eax, R(MR_ALIAS32)
	movl %cr0, %eax
	andl $~CR0_PG, %eax
	movl %eax, %cr0

	/* PAE paging without long mode, 2 MiB pages, same alias. */
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl R(MR_PDPT_PAE), %eax
	movl %eax, %cr3
	movl %cr0, %eax
	orl $CR0_PG, %eax
	movl %eax, %cr0
	movl ALIAS_VA + R(MR_MAGIC), %eax
	movl %eax, R(MR_ALIASPAE)
	movl %cr0, %eax
	andl $~CR0_PG, %eax
	movl %eax, %cr0

	/* 16-bit protected mode. */
	ljmpl $0x28, $ABS(pm16)

	.code16
pm16:
	movw $0x30, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw $MODES_STACK, %sp
	width16 MR_PUSH16, .byte 0x50
	call16 MR_CALL16
	width16 MR_PUSH16_66, .byte 0x66, 0x50

	/* Real mode: PE off, then a far jump reloads CS as a paragraph. */
	movl %cr0, %eax
	andl $~CR0_PE, %eax
	movl %eax, %cr0
	ljmp $0, $ABS(real)
real:
	xorw %ax, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw $MODES_STACK, %sp
	width16 MR_PUSHREAL, .byte 0x50
	call16 MR_CALLREAL
	movl %cr0, %eax
	movl %eax, R(MR_CR0_REAL)
	/* Segment arithmetic: FS = MODES_DATA >> 4, offset of the magic. */
	movw $(MODES_DATA >> 4), %ax
	movw %ax, %fs
	movl %fs:MR_MAGIC, %eax
	movl %eax, R(MR_MAGIC_REAL)

	/* Back up: GDT from a low-memory pointer, PE, far jump to 32-bit. */
	lgdtl R(MR_GDTR)
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl $KIT_CS32, $ABS(pm32b)

	.code32
pm32b:
	movl $KIT_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl $MODES_STACK, %esp
	width32 MR_PUSH32B, .byte 0x50

	/* Long mode as a kernel enters it: PAE, CR3, LME, then PG. */
	movl R(MR_CR4), %eax
	movl %eax, %cr4
	movl R(MR_CR3), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $CR0_PG, %eax
	movl %eax, %cr0
	/* Compatibility mode now: CS is still the 32-bit 0x18. */
	movl $MSR_EFER, %ecx
	rdmsr
	movl %eax, R(MR_EFER_COMPAT2)
	width32 MR_PUSH_COMPAT2, .byte 0x50
	ljmpl $KIT_CS64, $ABS(long2)

	.code64
long2:
	movl $KIT_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movq R(MR_SAVED_RSP), %rsp
	movq %rsp, %rax
	.byte 0x50
	movq %rsp, %rdx
	movq %rax, %rsp
	subq %rdx, %rax
	movl %eax, R(MR_PUSH64B)
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret
modes_tramp_end:
