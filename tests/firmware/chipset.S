/* SPDX-License-Identifier: GPL-2.0 */
/*
 * chipset.S - a 128 KiB BIOS image that tests the firmware machine's
 * chipset from real mode (tests/firmware/chipset runs it):
 * PAM segments (ROM side, write-only, read-only, read-write, nothing),
 * the i440FX's PAM and SMRAM registers (write masks, D_OPEN, the D_LCK
 * lock) and the SMRAM window where the backend has SMM, the i8042, fw_cfg
 * (legacy, file directory over DMA, and hostile DMA descriptors), the
 * debug console and the APM status port.
 *
 * Layout: offset 0 is 0xE0000 in the legacy window (test data), the code
 * is at 0x10000 = F000:0000, the reset vector at 0x1FFF0 jumps there.
 * Byte FLAG_SMM of the image is patched to 1 by the runner when the
 * backend has SMM (then the SMRAM window must open and close).  Byte
 * FLAG_IOREQ is patched to 1 when cvisor-dm's iotest device model is
 * attached: each change of the map a device model sees (a PAM segment's
 * routing, SMRAM opened or closed outside SMM) must then send it one
 * IOREQ_TYPE_INVALIDATE, and a write that changes nothing must not.
 * A failed check writes its number N to isa-debug-exit (status 2N+1) and
 * a line to the debug console; success writes 0 (status 1).  With
 * I8042_RESET defined the image ends by pulsing the reset line (0xFE):
 * the VM must end with status 0.
 */
	.code16
	.text

#define FLAG_SMM	0x10
#define FLAG_IOREQ	0x11
#define FSEG		0x10000
#define RAM_END		0x04000000	/* the runner's --memory 64M */
#define DMA_DESC	0x2000
#define DMA_BUF		0x3000
#define SMM_FLAG_RAM	0x500		/* FLAG_SMM copied to RAM */
#define IOT_INVAL	0x5b0		/* iotest: INVALIDATEs received */

/* Config address of devfn @d, register @r into 0xCF8; DX = data port. */
.macro cfgaddr d, r
	movl $(0x80000000 | ((\d) << 8) | ((\r) & 0xfc)), %eax
	movw $0xcf8, %dx
	outl %eax, %dx
	movw $(0xcfc + ((\r) & 3)), %dx
.endm
.macro cfgwb d, r, v
	cfgaddr \d, \r
	movb $(\v), %al
	outb %al, %dx
.endm
.macro cfgrb d, r
	cfgaddr \d, \r
	inb %dx, %al
.endm
/* Fail with @n unless AL == @v. */
.macro expect_al v, n
	cmpb $(\v), %al
	je 1f
	movb $(\n), %bl
	jmp fail
1:
.endm
/* Fail with @n unless the iotest's INVALIDATE count is ESI + @d. */
.macro expect_inval d, n
	movw $IOT_INVAL, %dx
	inl %dx, %eax
	subl %esi, %eax
	cmpl $(\d), %eax
	je 1f
	movb $(\n), %bl
	jmp fail
1:
.endm
.macro expect_ax v, n
	cmpw $(\v), %ax
	je 1f
	movb $(\n), %bl
	jmp fail
1:
.endm

image:
	.ascii "CVROM-E!"		/* 0xE0000: the ROM side of PAM5 */
	.org FLAG_SMM
	.byte 0
	.org FLAG_IOREQ
	.byte 0

	.org FSEG
start:
	cli
	xorw %ax, %ax
	movw %ax, %ss
	movw $0x7000, %sp
	movw %ax, %ds

	/* ---- PAM: 0xE0000 (PAM5 low nibble) reads the ROM side first. */
	movw $0xe000, %ax
	movw %ax, %es
	movb %es:0, %al
	expect_al 'C', 1
	movb %es:FLAG_SMM, %al
	movb %al, SMM_FLAG_RAM
	cmpb $0, %es:FLAG_IOREQ
	je 1f
	call inval_checks
1:
	movb $0x55, %es:0		/* to the ROM side: dropped */
	movb %es:0, %al
	expect_al 'C', 2
	cfgwb 0, 0x5e, 0x02		/* WE: reads ROM, writes RAM */
	movb $0xab, %es:0
	movb %es:0, %al
	expect_al 'C', 3
	cfgwb 0, 0x5e, 0x01		/* RE: RAM, read-only */
	movb %es:0, %al
	expect_al 0xab, 4
	movb $0xcd, %es:0
	movb %es:0, %al
	expect_al 0xab, 5
	cfgwb 0, 0x5e, 0x03		/* RE|WE: RAM */
	movb $0xcd, %es:0
	movb %es:0, %al
	expect_al 0xcd, 6
	cfgwb 0, 0x5e, 0x00
	movb %es:0, %al
	expect_al 'C', 7

	/* ---- 0xC0000 (PAM1 low nibble): nothing on the ROM side. */
	movw $0xc000, %ax
	movw %ax, %es
	movw %es:0, %ax
	expect_ax 0xffff, 8
	cfgwb 0, 0x5a, 0x03
	movw $0x5a5a, %es:0
	movw %es:0, %ax
	expect_ax 0x5a5a, 9
	cfgwb 0, 0x5a, 0x00
	movw %es:0, %ax
	expect_ax 0xffff, 10

	/* ---- write masks: PAM1-6 0x33, PAM0 0x30 (its low nibble is
	 * reserved); the code runs from the F segment, so PAM0 only gets WE. */
	cfgwb 0, 0x5a, 0xff
	cfgrb 0, 0x5a
	expect_al 0x33, 11
	cfgwb 0, 0x5a, 0x00
	cfgwb 0, 0x59, 0x2f
	cfgrb 0, 0x59
	expect_al 0x20, 12
	cfgwb 0, 0x59, 0x00

	/* ---- SMRAM control (0x72): C_BASE_SEG reads 010. */
	cfgrb 0, 0x72
	expect_al 0x02, 13
	movw $0xa000, %ax
	movw %ax, %es
	cfgwb 0, 0x72, 0x4a		/* D_OPEN | G_SMRAME */
	cfgrb 0, 0x72
	expect_al 0x4a, 14
	cmpb $0, SMM_FLAG_RAM
	je no_smm
	movw $0x1234, %es:0		/* SMRAM, open to everyone */
	movw %es:0, %ax
	expect_ax 0x1234, 15
	cfgwb 0, 0x72, 0x0a		/* closed: the VGA hole again */
	movw %es:0, %ax
	expect_ax 0xffff, 16
	cfgwb 0, 0x72, 0x4a		/* SMRAM kept its contents */
	movw %es:0, %ax
	expect_ax 0x1234, 17
	jmp smram_lock
no_smm:
	movw %es:0, %ax			/* no SMM: no SMRAM to open */
	expect_ax 0xffff, 18
smram_lock:
	cfgwb 0, 0x72, 0x7a		/* D_LCK clears D_OPEN */
	cfgrb 0, 0x72
	expect_al 0x3a, 19
	cfgwb 0, 0x72, 0x42		/* locked: only D_CLS still changes */
	cfgrb 0, 0x72
	expect_al 0x1a, 20
	movw %es:0, %ax
	expect_ax 0xffff, 21

	/* ---- i8042 */
	movb $0xaa, %al			/* controller self test */
	outb %al, $0x64
	call kbd_read
	expect_al 0x55, 22
	movb $0x20, %al			/* command byte */
	outb %al, $0x64
	call kbd_read
	expect_al 0x41, 23
	movb $0xd1, %al			/* output port: reset line high, A20 */
	outb %al, $0x64
	movb $0x03, %al
	outb %al, $0x60
	movb $0xd0, %al
	outb %al, $0x64
	call kbd_read
	expect_al 0x03, 24
	movb $0xff, %al			/* keyboard reset: ACK, BAT passed */
	outb %al, $0x60
	call kbd_read
	expect_al 0xfa, 25
	call kbd_read
	expect_al 0xaa, 26

	/* ---- fw_cfg, legacy: signature and an ID with the DMA bit. */
	movw $0x510, %dx
	xorw %ax, %ax
	outw %ax, %dx
	incw %dx
	inb %dx, %al
	expect_al 'Q', 27
	inb %dx, %al
	expect_al 'E', 28
	movw $0x510, %dx
	movw $1, %ax
	outw %ax, %dx
	incw %dx
	inb %dx, %al
	expect_al 0x03, 29

	/* ---- fw_cfg DMA: the file directory's count (big endian). */
	movl $0, DMA_BUF
	movl $DMA_BUF, %ebx
	movl $4, %ecx
	xorl %esi, %esi
	movl $((0x19 << 16) | 0x08 | 0x02), %eax
	movl $DMA_DESC, %edi
	call dma_run
	expect_al 0, 30
	movb DMA_BUF + 3, %al		/* low byte of the count */
	cmpb $5, %al			/* e820, boot-fail-wait, sercon, acpi x3 */
	jae 1f
	movb $31, %bl
	jmp fail
1:
	/* Hostile: buffer in MMIO, not RAM. */
	movl $0xf0000000, %ebx
	movl $16, %ecx
	xorl %esi, %esi
	movl $((0x00 << 16) | 0x08 | 0x02), %eax
	movl $DMA_DESC, %edi
	call dma_run
	expect_al 1, 32
	/* Hostile: an address that wraps around 2^64. */
	movl $0xfffff000, %ebx
	movl $0x2000, %ecx
	movl $0xffffffff, %esi
	movl $0x02, %eax
	movl $DMA_DESC, %edi
	call dma_run
	expect_al 1, 33
	/* Hostile: 4 GiB - 1 bytes from RAM. */
	movl $DMA_BUF, %ebx
	movl $0xffffffff, %ecx
	xorl %esi, %esi
	movl $0x02, %eax
	movl $DMA_DESC, %edi
	call dma_run
	expect_al 1, 34
	/* Hostile: two bytes past the end of RAM. */
	movl $(RAM_END - 2), %ebx
	movl $4, %ecx
	xorl %esi, %esi
	movl $0x02, %eax
	movl $DMA_DESC, %edi
	call dma_run
	expect_al 1, 35
	/* Items are read-only: a DMA write fails. */
	movl $DMA_BUF, %ebx
	movl $4, %ecx
	xorl %esi, %esi
	movl $((0x19 << 16) | 0x08 | 0x10), %eax
	movl $DMA_DESC, %edi
	call dma_run
	expect_al 1, 36
	/* Hostile: a descriptor outside RAM is ignored... */
	movl $0xd0000000, %eax
	bswapl %eax
	movw $0x518, %dx
	outl %eax, %dx
	/* ...and the device still works afterwards: "QE" by DMA. */
	movl $0, DMA_BUF
	movl $DMA_BUF, %ebx
	movl $2, %ecx
	xorl %esi, %esi
	movl $((0x00 << 16) | 0x08 | 0x02), %eax
	movl $DMA_DESC, %edi
	call dma_run
	expect_al 0, 37
	movw DMA_BUF, %ax
	expect_ax 0x4551, 38		/* 'Q', 'E' */

	/* ---- debug console reads back 0xE9; APM status is a scratch byte. */
	movw $0x402, %dx
	inb %dx, %al
	expect_al 0xe9, 39
	movb $0x5a, %al
	outb %al, $0xb3
	inb $0xb3, %al
	expect_al 0x5a, 40

	movw $(msg_ok - FSEG), %si
	call puts
#ifdef I8042_RESET
	movb $0xfe, %al			/* pulse the reset line */
	outb %al, $0x64
	movb $41, %bl			/* still here: the reset did nothing */
	jmp fail
#endif
	xorb %al, %al
	outb %al, $0xf4
	hlt

/*
 * fw_cfg DMA: EAX control, ECX length, ESI:EBX address, EDI descriptor.
 * Returns AL = the control word's low byte after the transfer (0 or the
 * error bit).
 */
dma_run:
	bswapl %eax
	movl %eax, (%di)
	bswapl %ecx
	movl %ecx, 4(%di)
	bswapl %esi
	movl %esi, 8(%di)
	bswapl %ebx
	movl %ebx, 12(%di)
	xorl %eax, %eax
	movw $0x514, %dx
	outl %eax, %dx			/* descriptor address, high half */
	movl %edi, %eax
	bswapl %eax
	movw $0x518, %dx
	outl %eax, %dx			/* low half: go */
	movb 3(%di), %al		/* big endian: the low byte is last */
	ret

/*
 * The device model's mapcache invalidations: one per change of what it
 * can see.  PAM5's low nibble is 0xE0000 (nothing is written there); the
 * SMRAM register ends as it started (C_BASE_SEG only).
 */
inval_checks:
	movw $IOT_INVAL, %dx
	inl %dx, %eax
	movl %eax, %esi
	cfgwb 0, 0x5e, 0x03		/* 0xE0000 to RAM */
	expect_inval 1, 41
	cfgwb 0, 0x5e, 0x03		/* the same again: nothing changes */
	expect_inval 1, 42
	cfgwb 0, 0x5e, 0x01		/* still RAM to read, writes dropped */
	expect_inval 2, 43
	cfgwb 0, 0x5e, 0x00		/* back to the ROM side */
	expect_inval 3, 44
	cfgwb 0, 0x72, 0x0a		/* G_SMRAME: only SMM's view changes */
	expect_inval 3, 45
	cmpb $0, SMM_FLAG_RAM
	je inval_no_smm
	cfgwb 0, 0x72, 0x4a		/* D_OPEN: SMRAM outside SMM */
	expect_inval 4, 46
	cfgwb 0, 0x72, 0x4a
	expect_inval 4, 47
	cfgwb 0, 0x72, 0x0a		/* closed: the VGA hole again */
	expect_inval 5, 48
	jmp inval_done
inval_no_smm:
	cfgwb 0, 0x72, 0x4a		/* no SMM: no window to open */
	expect_inval 3, 49
inval_done:
	cfgwb 0, 0x72, 0x02
	movw $(msg_inval - FSEG), %si
	call puts
	ret

/* Wait for the i8042's output buffer, read it into AL. */
kbd_read:
	movw $0xffff, %cx
1:	inb $0x64, %al
	testb $1, %al
	jnz 2f
	loop 1b
	movb $0xff, %al			/* timeout: no expected value is 0xff */
	ret
2:	inb $0x60, %al
	ret

/* Print the NUL-terminated string at CS:SI on the debug console. */
puts:
	movw $0x402, %dx
1:	movb %cs:(%si), %al
	testb %al, %al
	jz 2f
	outb %al, %dx
	incw %si
	jmp 1b
2:	ret

/* Check number BL failed. */
fail:
	movw $(msg_fail - FSEG), %si
	call puts
	movb %bl, %al
	outb %al, $0xf4
	hlt
	jmp fail

msg_ok:
	.asciz "chipset.S: all checks passed\n"
msg_inval:
	.asciz "chipset.S: one INVALIDATE per PAM/SMRAM map change\n"
msg_fail:
	.asciz "chipset.S: FAIL (check number on isa-debug-exit)\n"

	.org 0x1fff0
reset_vector:
	ljmp $0xf000, $(start - FSEG)
	.org 0x20000
