// SPDX-License-Identifier: GPL-2.0
/*
 * gdb_regs.c - GDB's amd64 register file (the layout GDB uses for
 * i386:x86-64 when the target description names no registers): RAX..R15,
 * RIP, EFLAGS, CS..GS, ST0-ST7, the x87 control registers, XMM0-15,
 * MXCSR, then FS_BASE and GS_BASE, little-endian.
 */
#include <string.h>

#include "control/gdb_regs.h"

/* GDB's order of the first 16 registers, as kvm_regs fields. */
static uint64_t *gpr(struct kvm_regs *r, int n)
{
	uint64_t *const map[16] = {
		(uint64_t *)&r->rax, (uint64_t *)&r->rbx, (uint64_t *)&r->rcx,
		(uint64_t *)&r->rdx, (uint64_t *)&r->rsi, (uint64_t *)&r->rdi,
		(uint64_t *)&r->rbp, (uint64_t *)&r->rsp, (uint64_t *)&r->r8,
		(uint64_t *)&r->r9, (uint64_t *)&r->r10, (uint64_t *)&r->r11,
		(uint64_t *)&r->r12, (uint64_t *)&r->r13, (uint64_t *)&r->r14,
		(uint64_t *)&r->r15,
	};

	return map[n];
}

static struct kvm_segment *seg(struct kvm_sregs *s, int n)
{
	struct kvm_segment *const map[6] = {
		&s->cs, &s->ss, &s->ds, &s->es, &s->fs, &s->gs,
	};

	return map[n];
}

int gdb_reg_size(int n)
{
	if (n < 0)
		return -1;
	if (n <= GDB_REG_RIP)
		return 8;
	if (n <= GDB_REG_GS)
		return 4;
	if (n < GDB_REG_FCTRL)
		return 10;
	if (n < GDB_REG_XMM0)
		return 4;
	if (n < GDB_REG_MXCSR)
		return 16;
	if (n == GDB_REG_MXCSR)
		return 4;
	if (n <= GDB_REG_GS_BASE)
		return 8;
	return -1;
}

/* x87 tag word from FXSAVE's abridged one: valid or empty, per register. */
static uint32_t full_tag(uint8_t ftwx)
{
	uint32_t tag = 0;

	for (int i = 0; i < 8; i++)
		if (!(ftwx & (1u << i)))
			tag |= 3u << (i * 2);
	return tag;
}

static uint8_t abridged_tag(uint32_t tag)
{
	uint8_t ftwx = 0;

	for (int i = 0; i < 8; i++)
		if (((tag >> (i * 2)) & 3) != 3)
			ftwx |= 1u << i;
	return ftwx;
}

int gdb_reg_get(struct gdb_cpu_regs *c, int n, uint8_t *out)
{
	uint32_t v32 = 0;
	int size = gdb_reg_size(n);

	if (size < 0)
		return -1;
	if (n < 16) {
		memcpy(out, gpr(&c->regs, n), 8);
	} else if (n == GDB_REG_RIP) {
		memcpy(out, &c->regs.rip, 8);
	} else if (n == GDB_REG_EFLAGS) {
		v32 = (uint32_t)c->regs.rflags;
		memcpy(out, &v32, 4);
	} else if (n <= GDB_REG_GS) {
		v32 = seg(&c->sregs, n - GDB_REG_CS)->selector;
		memcpy(out, &v32, 4);
	} else if (n < GDB_REG_FCTRL) {
		memcpy(out, c->fpu.fpr[n - GDB_REG_ST0], 10);
	} else if (n < GDB_REG_XMM0) {
		switch (n - GDB_REG_FCTRL) {
		case 0: v32 = c->fpu.fcw; break;
		case 1: v32 = c->fpu.fsw; break;
		case 2: v32 = full_tag(c->fpu.ftwx); break;
		case 4: v32 = (uint32_t)c->fpu.last_ip; break;
		case 6: v32 = (uint32_t)c->fpu.last_dp; break;
		case 7: v32 = c->fpu.last_opcode; break;
		default: v32 = 0; break;	/* selectors: not kept */
		}
		memcpy(out, &v32, 4);
	} else if (n < GDB_REG_MXCSR) {
		memcpy(out, c->fpu.xmm[n - GDB_REG_XMM0], 16);
	} else if (n == GDB_REG_MXCSR) {
		memcpy(out, &c->fpu.mxcsr, 4);
	} else if (n == GDB_REG_FS_BASE) {
		memcpy(out, &c->sregs.fs.base, 8);
	} else {
		memcpy(out, &c->sregs.gs.base, 8);
	}
	return size;
}

int gdb_reg_set(struct gdb_cpu_regs *c, int n, const uint8_t *in)
{
	uint32_t v32;
	int size = gdb_reg_size(n);

	if (size < 0)
		return -1;
	memcpy(&v32, in, 4);
	if (n < 16) {
		memcpy(gpr(&c->regs, n), in, 8);
	} else if (n == GDB_REG_RIP) {
		memcpy(&c->regs.rip, in, 8);
	} else if (n == GDB_REG_EFLAGS) {
		c->regs.rflags = v32 | 2;
	} else if (n <= GDB_REG_GS) {
		/* Segment loads need descriptors; a debugger may not do them. */
		return seg(&c->sregs, n - GDB_REG_CS)->selector == v32 ?
		       size : -1;
	} else if (n < GDB_REG_FCTRL) {
		memcpy(c->fpu.fpr[n - GDB_REG_ST0], in, 10);
	} else if (n < GDB_REG_XMM0) {
		switch (n - GDB_REG_FCTRL) {
		case 0: c->fpu.fcw = v32; break;
		case 1: c->fpu.fsw = v32; break;
		case 2: c->fpu.ftwx = abridged_tag(v32); break;
		case 4: c->fpu.last_ip = v32; break;
		case 6: c->fpu.last_dp = v32; break;
		case 7: c->fpu.last_opcode = v32; break;
		default: break;
		}
	} else if (n < GDB_REG_MXCSR) {
		memcpy(c->fpu.xmm[n - GDB_REG_XMM0], in, 16);
	} else if (n == GDB_REG_MXCSR) {
		c->fpu.mxcsr = v32;
	} else {
		/* FS/GS bases: read-only here (sregs are not written back). */
		return -1;
	}
	return size;
}
