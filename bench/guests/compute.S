/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compute: a CPU-bound checksum, no exits until the end.
 *
 * Fill a BUF_WORDS-dword buffer with an LCG, then COMPUTE_ROUNDS times fold
 * every dword into a rotate/xor/add checksum.  The instruction count is
 * exact by construction (every loop below is straight-line code whose
 * length is written next to it):
 *
 *   fill:    3 setup + 6 per word                      = 3 + 6W
 *   rounds:  2 setup + per round (2 + 7 per word + 2)  = 2 + R(4 + 7W)
 *
 * INSNS = 5 + 6W + R(4 + 7W), printed with the checksum so the harness reads
 * N from the guest itself rather than keeping a second copy of the formula.
 * The few dozen instructions of printing and exiting are not counted.
 * BUF_WORDS = 4096 (16 KiB) stays in L1 so the loop measures the CPU (or the
 * emulator's dispatch), not the memory system.
 */
#include "guest.h"

#define BUF_WORDS	4096
#define INSNS		(5 + 6 * BUF_WORDS + COMPUTE_ROUNDS * (4 + 7 * BUF_WORDS))

	.text
	.code32
	.globl bench_main
bench_main:
	movl $buf, %edi				/* fill: 3 setup */
	movl $BUF_WORDS, %ecx
	movl $12345, %eax
1:	imull $1103515245, %eax, %eax		/* 6 per word */
	addl $12345, %eax
	movl %eax, (%edi)
	addl $4, %edi
	decl %ecx
	jnz 1b

	movl $COMPUTE_ROUNDS, %ebp		/* rounds: 2 setup */
	xorl %ebx, %ebx
2:	movl $buf, %esi				/* 2 per round */
	movl $BUF_WORDS, %ecx
3:	movl (%esi), %eax			/* 7 per word */
	xorl %ebx, %eax
	roll $5, %ebx
	addl %eax, %ebx
	addl $4, %esi
	decl %ecx
	jnz 3b
	decl %ebp				/* 2 per round */
	jnz 2b

	movl $msg_sum, %esi
	call puts
	movl %ebx, %eax
	call puthex
	movl $msg_insns, %esi
	call puts
	movl $INSNS, %eax
	call puthex
	movb $'\n', %al
	call putc
	xorl %eax, %eax
	jmp exit

	.section .rodata
msg_sum:
	.asciz "compute: checksum="
msg_insns:
	.asciz " insns=0x"

	.bss
	.balign 64
buf:
	.space BUF_WORDS * 4
