/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pio_loop: PIO_ITERS byte writes to PIO_PORT, then exit 0.  Each OUT is
 * one full exit to the VMM's userspace and back; the loop around it is
 * three instructions.  PIO_ITERS comes from the build (bench/build.mk) so
 * the harness knows N without parsing anything.
 */
#include "guest.h"

	.text
	.code32
	.globl bench_main
bench_main:
	movl $PIO_ITERS, %ecx
	movw $PIO_PORT, %dx
	xorl %eax, %eax
1:	outb %al, %dx
	decl %ecx
	jnz 1b
	xorl %eax, %eax
	jmp exit
