/* SPDX-License-Identifier: GPL-2.0 */
/*
 * progs.S - the guest programs of tests/cross/cross.c.  Each runs from
 * PROG_ADDR (0x1000) with flat segments and DATA (0x8000) zeroed, and
 * ends with OUT to port 0x99 and HLT; all flags left in registers or memory are
 * architecturally defined (undefined ones are overwritten before the end).
 * Programs with a name ending in "_32" start in 32-bit protected mode
 * without paging, the others in 64-bit mode.
 */
#define DATA	0x8000

	.section .rodata, "a"

.macro prog name
	.globl prog_\name, prog_\name\()_end
prog_\name:
.endm
.macro endprog name
	outb %al, $0x99
	hlt
prog_\name\()_end:
.endm

	.code64
prog arith
	movq $0x123456789abcdef0, %rax
	movq $0xfedcba9876543210, %rbx
	addq %rbx, %rax
	adcq $5, %rax
	movq %rax, DATA
	subq $0x7fffffff, %rbx
	sbbq %rax, %rbx
	negq %rbx
	pushfq
	popq %rcx
	movq %rcx, DATA+8
	incl %edx
	decw %si
	cmpb $0x80, %al
	setc %dil
	xorq %r8, %r8
	notq %r8
	andq $0x0f0f, %r8
	orl $0xf0000000, %r9d
	addw %ax, %r9w
endprog arith

prog shifts
	movq $0x8000000000000001, %rax
	shlq $1, %rax
	pushfq
	popq %rbx
	andq $~0x10, %rbx		/* AF is undefined after SHL */
	movl $0x80000001, %ecx
	rorl $1, %ecx
	pushfq
	popq %rdx
	andq $~0x10, %rdx
	movq $0x12345678, %rsi
	roll $8, %esi
	rcrq $1, %rsi
	sarw $1, %si
	movb $3, %cl
	shrq %cl, %rax
	shldq $4, %rsi, %rax
	shrdl $8, %ecx, %edx
	addq $0, %rax
endprog shifts

prog string
	cld
	movq $DATA, %rdi
	movl $0x41424344, %eax
	movl $64, %ecx
	rep stosl
	movq $DATA, %rsi
	movq $DATA+0x400, %rdi
	movl $200, %ecx
	rep movsb
	movq $DATA, %rsi
	movq $DATA+0x400, %rdi
	movl $100, %ecx
	repe cmpsw
	std
	movq $DATA+0x4ff, %rdi
	movb $0x55, %al
	movl $16, %ecx
	rep stosb
	cld
	movq $DATA+0x400, %rdi
	movb $0x44, %al
	movl $50, %ecx
	repne scasb
	movq $DATA+0x10, %rsi
	lodsq
endprog string

prog bits
	movq $0x00f0000000001000, %rax
	bsfq %rax, %rbx
	bsrq %rax, %rcx
	btq $12, %rax
	setc %dl
	btsq $3, %rax
	btrq $52, %rax
	btcq $63, %rax
	movq $DATA, %rsi
	movq $0xff00ff00, %r8
	movq %r8, (%rsi)
	btsl $4, (%rsi)
	btrl $9, (%rsi)
	movl $37, %r9d
	btcq %r9, (%rsi)
	bswapq %r8
	bswapl %eax
	addq $1, %rbx
endprog bits

prog muldiv
	movq $0x123456789, %rax
	movq $0xabcdef, %rbx
	mulq %rbx
	movq %rax, %r8
	movq %rdx, %r9
	movq $-12345, %rax
	movq $678, %rcx
	imulq %rcx
	movq %rax, %r10
	imulq $-3, %rcx, %r11
	movq $1000000007, %rax
	xorl %edx, %edx
	movq $97, %rcx
	divq %rcx
	movq %rdx, %r12
	movq $-1000000, %rax
	cqto
	movq $-33, %rcx
	idivq %rcx
	movq %rax, %r13
	movw $1234, %ax
	movb $10, %cl
	divb %cl
	movzwl %ax, %r14d
	addq $0, %r8
endprog muldiv

prog atomics
	movq $DATA, %rsi
	movq $5, (%rsi)
	movq $5, %rax
	movq $9, %rbx
	lock cmpxchgq %rbx, (%rsi)
	setz %cl
	movq $7, %rax
	lock cmpxchgq %rbx, (%rsi)
	setz %ch
	movq $3, %rdx
	lock xaddq %rdx, (%rsi)
	xchgq %rdx, 8(%rsi)
	movq $1, %rax
	xorl %edx, %edx
	movq $2, %rbx
	xorl %ecx, %ecx
	movq $DATA+0x20, %rdi
	cmpxchg8b (%rdi)
	lock incq 16(%rsi)
	lock notq 24(%rsi)
endprog atomics

prog stack
	movq $0xe000, %rsp
	pushq $0x1234
	pushw $0x55
	popw %ax
	popq %rbx
	pushq %rbx
	pushfq
	popq %rcx
	popq %rdx
	call 1f
	jmp 2f
1:	movq (%rsp), %r8
	pushq %rbp
	movq %rsp, %rbp
	subq $32, %rsp
	movq $7, -8(%rbp)
	leave
	ret $0
2:	movq %rsp, %r9
endprog stack

prog enter
	/* ENTER must not write the frame it allocates. */
	movq $0xe000, %rsp
	movq $0x1122334455667788, %rax
	movq %rax, 0xdfe8
	movq %rax, 0xdff0
	enter $16, $0
	movq %rsp, %r9
	movq %rbp, %r8
	leave
	movq %rsp, %r10
	enter $8, $0
	movq %rsp, %r11
	leave
endprog enter

prog loops
	xorl %eax, %eax
	movl $100, %ecx
1:	addl %ecx, %eax
	loop 1b
	movl $5, %ecx
	xorl %ebx, %ebx
2:	incl %ebx
	cmpl $3, %ebx
	loopne 2b
	movl $10, %edx
3:	decl %edx
	jnz 3b
	movl $0, %ecx
	jrcxz 4f
	movl $1, %esi
4:	movl $8, %ecx
	xorl %edi, %edi
5:	addl $3, %edi
	cmpl $9, %edi
	loope 5b
endprog loops

prog setcc
	movq $5, %rax
	cmpq $7, %rax
	setb %bl
	setl %bh
	setg %cl
	sete %ch
	setns %dl
	setp %dh
	movq $-1, %rsi
	movq $42, %rdi
	cmovlq %rdi, %rsi
	cmovaq %rax, %r8
	cmovbeq %rax, %r9
	cmpq $-7, %rax
	cmovgq %rax, %r10
	cmovbq %rdi, %r11
	cmovsw %ax, %r12w
	testl %eax, %eax
	setnz %r13b
	addq $0, %r14			/* TEST leaves AF undefined */
endprog setcc

prog movx
	movq $DATA, %rsi
	movq $0x80ff7f01fedcba98, %rax
	movq %rax, (%rsi)
	movsbq (%rsi), %rbx
	movzbl 1(%rsi), %ecx
	movswq 2(%rsi), %rdx
	movzwq 4(%rsi), %rdi
	movslq 4(%rsi), %r8
	movl (%rsi), %r9d
	leaq 0x10(%rsi,%rbx,4), %r10
	leal -3(%rcx,%rcx,8), %r11d
	cbw
	cwde
	cdqe
	cltq
	xchgw %ax, %bx
	movabsq $0x1122334455667788, %r12
	movq %r12, 16(%rsi)
	movb 17(%rsi), %ah
	addl $0, %eax
endprog movx

prog flagsops
	stc
	cmc
	pushfq
	popq %rax
	clc
	std
	pushfq
	popq %rbx
	cld
	movb $0xd5, %ah
	sahf
	lahf
	movzbl %ah, %ecx
	movq $0x8d5, %rdx
	pushq %rdx
	popfq
	pushfq
	popq %rsi
	addq $1, %rdi
endprog flagsops

prog adcchain
	movq $DATA, %rsi
	movq $-1, (%rsi)
	movq $-1, 8(%rsi)
	movq $-1, 16(%rsi)
	movq $1, %rax
	addq %rax, (%rsi)
	adcq $0, 8(%rsi)
	adcq $0, 16(%rsi)
	adcq $0, 24(%rsi)
	movq $5, %rbx
	subq $6, %rbx
	sbbq $0, %rcx
	sbbq $0, %rdx
	adcq %rcx, %rdx
endprog adcchain

	.code32
prog bcd32_32
	/* 32-bit protected mode: BCD adjust instructions exist here. */
	movb $0x38, %al
	addb $0x47, %al
	movb %al, %bl
	movb $0x20, %al
	subb $0x05, %al
	das
	movb %al, %bh
	movw $0x0105, %ax
	aad
	movw %ax, %dx
	movb $47, %al
	aam
	movw %ax, %si
	pushl $0x11223344
	popl %edi
	pushal
	popal
	addl $0, %edi
endprog bcd32_32

	.code32
prog paging_32
	/*
	 * From 32-bit protected mode without paging into long mode the way
	 * a kernel does: build PML4/PDPT/PD at 0x20000 (2 MiB pages), PAE,
	 * CR3, EFER.LME, CR0.PG, far jump to the 64-bit segment 0x08.
	 */
	cld
	movl $0x20000, %edi
	xorl %eax, %eax
	movl $(3 * 4096 / 4), %ecx
	rep stosl
	movl $0x21003, 0x20000
	movl $0x22003, 0x21000
	movl $0x22000, %edi
	movl $0x83, %eax
	movl $4, %ecx
1:	movl %eax, (%edi)
	addl $0x200000, %eax
	addl $8, %edi
	loop 1b
	movl %cr4, %eax
	orl $0x20, %eax
	movl %eax, %cr4
	movl $0x20000, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80000000, %eax
	movl %eax, %cr0
	ljmpl $0x08, $(0x1000 + 2f - prog_paging_32)
	.code64
2:	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %ss
	movq $0x400000, %rbx
	movq (%rbx), %rcx		/* touches PD[2]: sets its A bit */
	movq %rcx, 8(%rbx)		/* and D */
	movq %cr0, %r8
	movq %cr4, %r9
	movl $0xc0000080, %ecx
	rdmsr
	movq %rax, %r10
	movq $0x1234, %rax
	movq %rax, 0x8000
	addq $0, %r10
endprog paging_32

	.code64
prog sysregs
	movq %cr0, %rax
	movq %cr3, %rbx
	movq %cr4, %rcx
	sgdt DATA
	sidt DATA+16
	movq $0x00cf93000000ffff, %rdx
	movq %rdx, 0x13020
	movw $0x20, %si
	movw %si, %es
	movw %si, %fs
	movl $0x174, %ecx
	movq $0x70, %rax
	xorl %edx, %edx
	wrmsr
	rdmsr
	movq %rax, %r11
	xorl %eax, %eax
	cpuid
	movl $0, %eax
	movl $0, %ebx
	movl $0, %ecx
	movl $0, %edx
	invlpg 0x8000
	addq $0, %r11
endprog sysregs

prog sum
	/* A small checksum loop, like the bench guest. */
	xorl %eax, %eax
	movl $0x9e3779b9, %ebx
	movl $5000, %ecx
1:	imull $0x01000193, %eax, %eax
	xorl %ecx, %eax
	roll $5, %ebx
	addl %ebx, %eax
	decl %ecx
	jnz 1b
	movl %eax, DATA
	addl $0, %eax
endprog sum

prog xlat
	movq $DATA, %rbx
	xorl %ecx, %ecx
1:	movb %cl, %al
	notb %al
	movb %al, (%rbx,%rcx)
	incl %ecx
	cmpl $256, %ecx
	jne 1b
	movb $0x10, %al
	xlatb
	movzbl %al, %edx
	movq $DATA+0x200, %rdi
	movl $4, %ecx
	movq $0x1111222233334444, %rax
	rep stosq
	movq $DATA+0x200, %rsi
	movq $DATA+0x300, %rdi
	movl $4, %ecx
	rep movsq
endprog xlat

prog neg_edge
	movq $0x8000000000000000, %rax
	negq %rax
	pushfq
	popq %rbx
	movl $0x7fffffff, %ecx
	incl %ecx
	pushfq
	popq %rdx
	movw $0x8000, %si
	decw %si
	pushfq
	popq %rdi
	movb $0x7f, %r8b
	addb $1, %r8b
	pushfq
	popq %r9
	xorl %r10d, %r10d
	subl $1, %r10d
	pushfq
	popq %r11
endprog neg_edge

prog far_ret
	movq $0xe000, %rsp
	pushq $0x08
	leaq 1f(%rip), %rax
	pushq %rax
	lretq
1:	movq %rsp, %rbx
	pushq $0x10
	pushq $0xdff0
	pushfq
	pushq $0x08
	leaq 2f(%rip), %rax
	pushq %rax
	iretq
2:	movq %rsp, %rcx
	movw %ss, %dx
	addq $0, %rcx
endprog far_ret
	.section .note.GNU-stack, "", @progbits
