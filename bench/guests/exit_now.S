/* SPDX-License-Identifier: GPL-2.0 */
/* exit_now: the first and only exit is the isa-debug-exit write of 0. */
	.text
	.code32
	.globl bench_main
bench_main:
	xorl %eax, %eax
	jmp exit
