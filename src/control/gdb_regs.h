/* SPDX-License-Identifier: GPL-2.0 */
/* gdb_regs.h - GDB's amd64 register numbers and their kvm_* sources. */
#ifndef CVISOR_CONTROL_GDB_REGS_H
#define CVISOR_CONTROL_GDB_REGS_H

#include <stdint.h>
#include <linux/kvm.h>

enum {
	GDB_REG_RIP = 16,
	GDB_REG_EFLAGS,
	GDB_REG_CS,		/* CS, SS, DS, ES, FS, GS */
	GDB_REG_GS = GDB_REG_CS + 5,
	GDB_REG_ST0,
	GDB_REG_FCTRL = GDB_REG_ST0 + 8,	/* then fstat ftag fiseg fioff foseg fooff fop */
	GDB_REG_XMM0 = GDB_REG_FCTRL + 8,
	GDB_REG_MXCSR = GDB_REG_XMM0 + 16,
	GDB_REG_FS_BASE,
	GDB_REG_GS_BASE,
	/* What a 'g' packet carries: through MXCSR. */
	GDB_NR_G_REGS = GDB_REG_MXCSR + 1,
};

struct gdb_cpu_regs {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
};

/* Size of register @n in bytes, -1 if there is none. */
int gdb_reg_size(int n);
/* Copy register @n to/from @buf; returns its size, or -1. */
int gdb_reg_get(struct gdb_cpu_regs *c, int n, uint8_t *out);
int gdb_reg_set(struct gdb_cpu_regs *c, int n, const uint8_t *in);

#endif
