/* SPDX-License-Identifier: GPL-2.0 */
/*
 * boot.S - entry shared by every bench guest.
 *
 * The image carries both a Multiboot v1 header (cvisor's loader, QEMU -M pc)
 * and a PVH ELF note (QEMU -M microvm), so every contender runs the very
 * same bytes.  Both protocols enter here in flat 32-bit protected mode with
 * paging off; neither promises a stack, so we set our own.  The raw KVM loop
 * enters the same way (see bench/raw_kvm.c).
 */
#include "guest.h"

#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0		/* ELF image: no a.out kludge, no info wanted */

	.section .multiboot, "a"
	.balign 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	/* XEN_ELFNOTE_PHYS32_ENTRY (18): the 32-bit PVH entry point. */
	.section .note.Xen, "a"
	.balign 4
	.long 4			/* namesz: "Xen\0" */
	.long 4			/* descsz */
	.long 18		/* type */
	.asciz "Xen"
	.long _start

	.text
	.code32
	.globl _start
_start:
	cli
	movl $stack_top, %esp
	jmp bench_main

	/* Write the byte in %al to COM1 THR.  No LSR polling: every
	 * contender's UART (or the raw loop's stub) takes a write at once,
	 * and polling would add one exit per byte. */
	.globl putc
putc:
	movw $COM1, %dx
	outb %al, %dx
	ret

	/* Print %eax as 8 hex digits. */
	.globl puthex
puthex:
	pushl %ecx
	pushl %ebx
	movl %eax, %ebx
	movl $8, %ecx
1:	roll $4, %ebx
	movl %ebx, %eax
	andl $0xf, %eax
	movb hexdigits(%eax), %al
	call putc
	decl %ecx
	jnz 1b
	popl %ebx
	popl %ecx
	ret

	/* Print the NUL-terminated string at %esi. */
	.globl puts
puts:
	lodsb
	testb %al, %al
	jz 1f
	call putc
	jmp puts
1:	ret

	/* Report v = %eax through isa-debug-exit; never returns. */
	.globl exit
exit:
	movw $DEBUG_EXIT, %dx
	outl %eax, %dx
	/* Only reached if nobody handles the port: park quietly. */
2:	hlt
	jmp 2b

	.section .rodata
hexdigits:
	.ascii "0123456789abcdef"

	.bss
	.balign 16
	.space 4096
stack_top:
