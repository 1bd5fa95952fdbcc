/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trampoline.S - the AP start-up code, copied to AP_TRAMPOLINE_ADDR
 * (0x8000) by smp_boot() because a SIPI can only start a CPU in real mode
 * at a page below 1 MiB (vector 0x08 -> CS = 0x0800, IP = 0).
 *
 * It loads the kit's GDT (through a pointer kept inside the copied code,
 * since only CS-relative 16-bit offsets are reachable here), sets CR0.PE
 * and far-jumps to ap_entry32 in the main image, which shares the BSP's
 * long-mode switch.  The code is position independent apart from that
 * absolute jump target, which is fine since the image never moves.
 */
#include "kit_asm.h"

	.section .rodata, "a"
	.code16
	.globl ap_trampoline, ap_trampoline_end
ap_trampoline:
	cli
	cld
	lgdtl %cs:(tramp_gdt_ptr - ap_trampoline)
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl $KIT_CS32, $ap_entry32
	.p2align 2
	.word 0
tramp_gdt_ptr:
	.word KIT_GDT_LIMIT
	.long kit_gdt
ap_trampoline_end:
	.code64
