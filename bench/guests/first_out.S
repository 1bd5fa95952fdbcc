/* SPDX-License-Identifier: GPL-2.0 */
/*
 * first_out: the start-up guest.  Its first exit is one OUT of '\n' to
 * COM1 THR, which every contender turns into one write(2) on its stdout at
 * once (raw_kvm flushes its line buffer on '\n', cvisor's 16550 and QEMU's
 * chardev write unbuffered); benchtool's "startup" mode timestamps that
 * byte's arrival on the pipe.  Then the isa-debug-exit write of 0 ends the
 * process, and the time from the byte to waitpid is the VM's teardown.
 * The OUT is inline, not putc: no call, nothing but the exit itself.
 */
#include "guest.h"

	.text
	.code32
	.globl bench_main
bench_main:
	movb $'\n', %al
	movw $COM1, %dx
	outb %al, %dx
	xorl %eax, %eax
	jmp exit
