/* SPDX-License-Identifier: GPL-2.0 */
/*
 * touch: write one byte to every 4 KiB page of [TOUCH_BASE, TOUCH_BASE +
 * TOUCH_MIB MiB), print "READY\n" on COM1, then spin in a pause loop so the
 * VMM process stays alive while the harness reads its VmRSS.  The range
 * starts at 16 MiB: clear of the image at 1 MiB and 2 MiB aligned, so a
 * host using transparent huge pages backs it with exactly TOUCH_MIB MiB.
 */
#include "guest.h"

#define TOUCH_BASE	0x1000000

	.text
	.code32
	.globl bench_main
bench_main:
	movl $TOUCH_BASE, %edi
	movl $(TOUCH_MIB * 256), %ecx
1:	movb $1, (%edi)
	addl $4096, %edi
	decl %ecx
	jnz 1b
	movl $ready, %esi
	call puts
2:	pause
	jmp 2b

	.section .rodata
ready:
	.asciz "READY\n"
