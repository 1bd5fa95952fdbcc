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
 *
 * Handled in the backend, as KVM does: KVM_HC_VAPIC_POLL_IRQ (a no-op),
 * KVM_HC_KICK_CPU (wakes a vCPU halted in a PV spinlock wait, whatever
 * its IF), KVM_HC_SEND_IPI (an IPI to up to 128 APIC IDs in one call)
 * and KVM_HC_SCHED_YIELD (gives up the host CPU).
 */
#include <sched.h>
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

/* The vCPU whose initial APIC ID (its index on emu) is @apic_id. */
static struct emu_vcpu *vcpu_by_apic_id(struct emu_vm *vm, uint64_t apic_id)
{
	return apic_id < EMU_MAX_VCPUS ? vm->vcpus[apic_id] : NULL;
}

static uint64_t kick_cpu(struct emu_vcpu *v, uint64_t apic_id)
{
	struct emu_vm *vm = v->vm;
	struct emu_vcpu *t;

	pthread_rwlock_rdlock(&vm->vcpu_lock);
	t = vcpu_by_apic_id(vm, apic_id);
	if (t) {
		/* Latched: a kick before the HLT makes the HLT return. */
		atomic_store(&t->pv.pv_unhalted, true);
		emu_vcpu_event(t);
	}
	pthread_rwlock_unlock(&vm->vcpu_lock);
	return 0;
}

/*
 * KVM's kvm_pv_send_ipi(): bit i of the bitmap (low, then high) is APIC
 * ID min + i; 64 bits per half in 64-bit code, 32 otherwise.  The ICR
 * gives vector, delivery mode and trigger.  Returns how many got it.
 */
static uint64_t send_ipi(struct emu_vcpu *v, uint64_t low, uint64_t high,
			 uint64_t min, uint64_t icr, bool op64)
{
	unsigned int half = op64 ? 64 : 32, i;
	struct emu_apic_irq irq;
	uint64_t n = 0;

	/* KVM without an in-kernel APIC map: -EOPNOTSUPP (95). */
	if (!v->lapic)
		return -(uint64_t)95;
	memset(&irq, 0, sizeof(irq));
	irq.vector = icr & 0xff;
	irq.delivery_mode = (icr >> 8) & 7;
	irq.level = icr & (1u << 15);
	irq.assert = icr & (1u << 14);
	irq.x2apic_dest = true;
	for (i = 0; i < 2 * half; i++) {
		uint64_t word = i < half ? low : high;
		unsigned int bit = i % half;

		if (!(word >> bit & 1) || min + i >= EMU_MAX_VCPUS)
			continue;
		irq.dest = (uint32_t)(min + i);
		n += emu_apic_bus_deliver(&v->vm->bus, v->lapic, &irq) > 0;
	}
	return n;
}

int emu_kvm_hypercall(struct emu_vcpu *v, unsigned int cpl, bool op64)
{
	uint64_t *r = v->cpu->s.gpr;
	uint64_t nr = r[X86_RAX], a0 = r[X86_RBX], a1 = r[X86_RCX];
	uint64_t a2 = r[X86_RDX], a3 = r[X86_RSI];
	uint64_t ret = -(uint64_t)HV_KVM_ENOSYS;
	int exit = 0;

	if (!op64) {
		nr = (uint32_t)nr;
		a0 = (uint32_t)a0;
		a1 = (uint32_t)a1;
		a2 = (uint32_t)a2;
		a3 = (uint32_t)a3;
	}
	if (cpl) {
		ret = -(uint64_t)HV_KVM_EPERM;
	} else if (nr == HV_HC_MAP_GPA_RANGE) {
		exit = map_gpa_range(v, a0, a1, a2, op64, &ret);
		if (exit)
			return exit;
	} else if (nr == KVM_HC_VAPIC_POLL_IRQ) {
		ret = 0;
	} else if (nr == KVM_HC_KICK_CPU) {
		/* a0 is KVM's unused "flags", a1 the APIC ID. */
		ret = kick_cpu(v, a1);
	} else if (nr == KVM_HC_SEND_IPI) {
		ret = send_ipi(v, a0, a1, a2, a3, op64);
	} else if (nr == KVM_HC_SCHED_YIELD) {
		sched_yield();
		ret = 0;
	}
	r[X86_RAX] = op64 ? ret : (uint32_t)ret;
	return 0;
}
