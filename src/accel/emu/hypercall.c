// SPDX-License-Identifier: GPL-2.0
/*
 * hypercall.c - KVM's own hypercall ABI on the emu backend.
 *
 * VMCALL/VMMCALL with the number in RAX and arguments in RBX, RCX, RDX,
 * RSI (32-bit values outside 64-bit code); the result goes to RAX.  As in
 * KVM, a hypercall from CPL > 0 gets -KVM_EPERM, an unknown or
 * not-enabled one -KVM_ENOSYS.  KVM_HC_MAP_GPA_RANGE exits to the VMM when
 * it was enabled with HV_CAP_EXIT_HYPERCALL; the VMM's answer is the
 * result.  Hyper-V hypercalls (another ABI on the same instruction) are
 * dispatched before this one where Hyper-V is enabled.
 */
#include <string.h>

#include "emu_priv.h"

static int map_gpa_range(struct emu_vcpu *v, uint64_t gpa, uint64_t npages,
			 uint64_t attrs, bool op64, uint64_t *ret)
{
	if (!(atomic_load(&v->vm->hypercall_exits) &
	      (1ull << HV_HC_MAP_GPA_RANGE))) {
		*ret = -(uint64_t)HV_KVM_ENOSYS;
		return 0;
	}
	if ((gpa & (EMU_PAGE_SIZE - 1)) || !npages ||
	    (gpa >> 12) + npages <= (gpa >> 12)) {
		*ret = -(uint64_t)HV_KVM_EINVAL;
		return 0;
	}
	memset(&v->exit, 0, sizeof(v->exit));
	v->exit.reason = HV_EXIT_HYPERCALL;
	v->exit.hypercall.nr = HV_HC_MAP_GPA_RANGE;
	v->exit.hypercall.args[0] = gpa;
	v->exit.hypercall.args[1] = npages;
	v->exit.hypercall.args[2] = attrs;
	v->exit.hypercall.flags = op64 ? HV_EXIT_HYPERCALL_LONG_MODE : 0;
	v->pend = EMU_PEND_HYPERCALL;
	return X86_IO_EXIT;
}

int emu_kvm_hypercall(struct emu_vcpu *v, unsigned int cpl, bool op64)
{
	uint64_t *r = v->cpu->s.gpr;
	uint64_t nr = r[X86_RAX], a0 = r[X86_RBX], a1 = r[X86_RCX];
	uint64_t a2 = r[X86_RDX];
	uint64_t ret = -(uint64_t)HV_KVM_ENOSYS;
	int exit = 0;

	if (!op64) {
		nr = (uint32_t)nr;
		a0 = (uint32_t)a0;
		a1 = (uint32_t)a1;
		a2 = (uint32_t)a2;
	}
	if (cpl) {
		ret = -(uint64_t)HV_KVM_EPERM;
	} else if (nr == HV_HC_MAP_GPA_RANGE) {
		exit = map_gpa_range(v, a0, a1, a2, op64, &ret);
		if (exit)
			return exit;
	}
	r[X86_RAX] = op64 ? ret : (uint32_t)ret;
	return 0;
}
