/* SPDX-License-Identifier: GPL-2.0 */
/*
 * head.S - Multiboot v1 entry: 32-bit protected mode -> 64-bit long mode.
 *
 * The loader enters _start in flat 32-bit protected mode, paging off,
 * EAX = 0x2BADB002, EBX = physical address of the multiboot info.  We load
 * our own GDT, zero BSS, identity-map the first 4 GiB with 2 MiB pages
 * (deliberately no 1 GiB pages: not every CPU model, including cvisor's
 * emulator, has them), turn on PAE + EFER.LME + PG and jump to 64-bit code.
 *
 * APs come through the same enter_long32 path from the real-mode
 * trampoline (trampoline.S) with EBP = 1, reusing the BSP's page tables.
 */
#include "kit_asm.h"

#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000000

	.section .multiboot, "a"
	.p2align 2
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl %eax, %esi			/* magic; EBX = info, both kept */
	lgdtl gdt_ptr
	ljmpl $KIT_CS32, $1f
1:	movl $KIT_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs

	/* Zero BSS first: the page tables and saved boot values live there. */
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb
	movl %esi, mb_magic
	movl %ebx, mb_info

	/* PML4[0] -> PDPT; PDPT[0..3] -> the four page directories. */
	movl $(kit_pdpt + 3), kit_pml4
	movl $(kit_pd + 3), %eax
	movl $kit_pdpt, %edi
	movl $4, %ecx
2:	movl %eax, (%edi)
	addl $4096, %eax
	addl $8, %edi
	loop 2b

	/*
	 * 2048 PDEs of 2 MiB: present, writable, PS.  The top GiB holds the
	 * LAPIC, IOAPIC and device MMIO, so it is mapped uncached (PCD|PWT),
	 * as a real kernel would; emulated devices don't care either way.
	 */
	movl $kit_pd, %edi
	xorl %ecx, %ecx
3:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax
	cmpl $1536, %ecx
	jb 4f
	orl $0x18, %eax
4:	movl %eax, (%edi)
	addl $8, %edi
	incl %ecx
	cmpl $2048, %ecx
	jb 3b

	xorl %ebp, %ebp			/* BSP */
	jmp enter_long32

	/* AP path: the trampoline far-jumps here with our GDT loaded. */
	.globl ap_entry32
ap_entry32:
	movl $1, %ebp
	/* fall through */

enter_long32:
	movl $KIT_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	/*
	 * CR4: PAE, plus OSFXSR/OSXMMEXCPT so SSE works in the SSE-enabled
	 * tests (the rest of the kit is built with -mgeneral-regs-only).
	 */
	movl %cr4, %eax
	orl $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	movl %eax, %cr4
	movl $kit_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	/* PG, PE, MP, NE on; EM, CD, NW off. */
	movl %cr0, %eax
	orl $(CR0_PG | CR0_PE | CR0_MP | CR0_NE), %eax
	andl $~(CR0_EM | CR0_CD | CR0_NW), %eax
	movl %eax, %cr0
	ljmpl $KIT_CS64, $long_entry

	.code64
long_entry:
	movl $KIT_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	testl %ebp, %ebp
	jnz 5f
	movq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	call kit_start
	jmp halt_forever
5:	movq ap_boot_stack(%rip), %rsp
	xorl %ebp, %ebp
	call kit_ap_start
	jmp halt_forever

	.globl halt_forever
halt_forever:
	cli
6:	hlt
	jmp 6b

	.section .data
	.p2align 3
	.globl kit_gdt
kit_gdt:
	.quad 0				/* null */
	.quad 0x00af9b000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf93000000ffff	/* 0x10: flat data */
	.quad 0x00cf9b000000ffff	/* 0x18: 32-bit code */
	.quad 0x00cf93000000ffff	/* 0x20: second flat data (tests) */
kit_gdt_end:
	.if kit_gdt_end - kit_gdt - 1 - KIT_GDT_LIMIT
	.error "KIT_GDT_LIMIT does not match the GDT"
	.endif
	.p2align 2
	.word 0				/* so that gdt_ptr.base is 4-aligned */
gdt_ptr:
	.word kit_gdt_end - kit_gdt - 1
	.long kit_gdt

	.section .bss
	.p2align 12
	.globl kit_pml4
kit_pml4:
	.skip 4096
kit_pdpt:
	.skip 4096
kit_pd:
	.skip 4 * 4096
	.globl mb_magic, mb_info, ap_boot_stack
mb_magic:
	.skip 4
mb_info:
	.skip 4
ap_boot_stack:
	.skip 8

	/* Stacks need no zeroing: outside __bss_start..__bss_end. */
	.section .stack, "aw", @nobits
	.p2align 12
	.skip 16384
boot_stack_top:
	/* Per-CPU stacks for APs, indexed by CPU index (slot 0 unused). */
	.globl ap_stacks
	.p2align 12
ap_stacks:
	.skip MAX_CPUS * AP_STACK_SIZE
