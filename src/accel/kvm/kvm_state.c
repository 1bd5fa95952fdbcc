// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_state.c - vCPU state and event ioctls on the KVM backend.
 *
 * State travels in the KVM uapi layouts already, so these are 1:1
 * mappings; the only logic is the capability gate, so that a missing
 * feature reads as -EOPNOTSUPP rather than KVM's -EINVAL or -ENOTTY.
 */
#include "kvm_priv.h"

/* vCPU ioctl, optionally gated on a cached capability (-1: none). */
static int kvm_vcpu_ioctl(struct hv_vcpu *hvcpu, int cap, unsigned long req,
			  const void *arg)
{
	struct kvm_be_vcpu *v = to_kvm_vcpu(hvcpu);

	if (cap >= 0 && !vcpu_kvm(v)->caps[cap])
		return -EOPNOTSUPP;
	return kvm_be_ioctl(v->fd, req, (void *)arg);
}

#define KVM_BE_STATE(name, type, cap, get, set)				\
int kvm_be_get_##name(struct hv_vcpu *vcpu, type *arg)			\
{									\
	return kvm_vcpu_ioctl(vcpu, cap, get, arg);			\
}									\
int kvm_be_set_##name(struct hv_vcpu *vcpu, const type *arg)		\
{									\
	return kvm_vcpu_ioctl(vcpu, cap, set, arg);			\
}

KVM_BE_STATE(regs, struct kvm_regs, -1, KVM_GET_REGS, KVM_SET_REGS)
KVM_BE_STATE(sregs, struct kvm_sregs, -1, KVM_GET_SREGS, KVM_SET_SREGS)
KVM_BE_STATE(fpu, struct kvm_fpu, -1, KVM_GET_FPU, KVM_SET_FPU)
KVM_BE_STATE(xsave, struct kvm_xsave, HV_CAP_XSAVE, KVM_GET_XSAVE,
	     KVM_SET_XSAVE)
KVM_BE_STATE(xcrs, struct kvm_xcrs, HV_CAP_XCRS, KVM_GET_XCRS, KVM_SET_XCRS)
/* Both return the number of MSRs processed. */
KVM_BE_STATE(msrs, struct kvm_msrs, -1, KVM_GET_MSRS, KVM_SET_MSRS)
/* KVM answers -ENXIO itself when there is no in-kernel LAPIC. */
KVM_BE_STATE(lapic, struct kvm_lapic_state, HV_CAP_IRQCHIP, KVM_GET_LAPIC,
	     KVM_SET_LAPIC)
KVM_BE_STATE(mp_state, struct kvm_mp_state, -1, KVM_GET_MP_STATE,
	     KVM_SET_MP_STATE)
KVM_BE_STATE(debugregs, struct kvm_debugregs, HV_CAP_DEBUGREGS,
	     KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS)

int kvm_be_get_events(struct hv_vcpu *vcpu, struct kvm_vcpu_events *ev)
{
	return kvm_vcpu_ioctl(vcpu, HV_CAP_VCPU_EVENTS, KVM_GET_VCPU_EVENTS,
			      ev);
}

/*
 * KVM validates and applies in the documented order itself.  One thing
 * is ours: a KVM built with SMM whose vendor module cannot run SMM would
 * accept smm = 1 although KVM_CAP_X86_SMM says no; refuse it the way a
 * KVM without SMM does, so the capability and the behaviour agree.
 */
int kvm_be_set_events(struct hv_vcpu *vcpu, const struct kvm_vcpu_events *ev)
{
	struct kvm_be_vcpu *v = to_kvm_vcpu(vcpu);

	if ((ev->flags & KVM_VCPUEVENT_VALID_SMM) &&
	    !vcpu_kvm(v)->caps[HV_CAP_X86_SMM] &&
	    (ev->smi.smm || ev->smi.pending || ev->smi.smm_inside_nmi))
		return -EINVAL;
	return kvm_vcpu_ioctl(vcpu, HV_CAP_VCPU_EVENTS, KVM_SET_VCPU_EVENTS,
			      ev);
}

int kvm_be_set_cpuid(struct hv_vcpu *vcpu, const struct kvm_cpuid2 *cpuid)
{
	return kvm_vcpu_ioctl(vcpu, -1, KVM_SET_CPUID2, cpuid);
}

int kvm_be_set_guest_debug(struct hv_vcpu *vcpu,
			   const struct kvm_guest_debug *dbg)
{
	return kvm_vcpu_ioctl(vcpu, HV_CAP_SET_GUEST_DEBUG, KVM_SET_GUEST_DEBUG,
			      dbg);
}

int kvm_be_interrupt(struct hv_vcpu *vcpu, uint32_t vector)
{
	struct kvm_interrupt irq = { .irq = vector };

	return kvm_vcpu_ioctl(vcpu, -1, KVM_INTERRUPT, &irq);
}

int kvm_be_nmi(struct hv_vcpu *vcpu)
{
	struct kvm_be_vcpu *v = to_kvm_vcpu(vcpu);

	if (!vcpu_kvm(v)->icaps[KVM_BE_ICAP_USER_NMI])
		return -EOPNOTSUPP;
	return kvm_be_ioctl(v->fd, KVM_NMI, NULL);
}

int kvm_be_smi(struct hv_vcpu *vcpu)
{
	return kvm_vcpu_ioctl(vcpu, HV_CAP_X86_SMM, KVM_SMI, NULL);
}

int kvm_be_vcpu_enable_cap(struct hv_vcpu *vcpu, enum hv_cap cap,
			   uint64_t args0)
{
	struct kvm_enable_cap ec = { .args = { args0 } };
	int nr = kvm_be_cap_number(cap);

	if (nr < 0)
		return -EINVAL;
	ec.cap = nr;
	return kvm_vcpu_ioctl(vcpu, cap, KVM_ENABLE_CAP, &ec);
}

int kvm_be_get_supported_hv_cpuid(struct hv_vcpu *vcpu,
				  struct kvm_cpuid2 *cpuid)
{
	return kvm_vcpu_ioctl(vcpu, HV_CAP_HYPERV_CPUID,
			      KVM_GET_SUPPORTED_HV_CPUID, cpuid);
}

int kvm_be_setup_mce(struct hv_vcpu *vcpu, uint64_t mcg_cap)
{
	return kvm_vcpu_ioctl(vcpu, HV_CAP_MCE, KVM_X86_SETUP_MCE, &mcg_cap);
}

int kvm_be_get_tsc_khz(struct hv_vcpu *vcpu)
{
	struct kvm_be_vcpu *v = to_kvm_vcpu(vcpu);

	if (!vcpu_kvm(v)->icaps[KVM_BE_ICAP_GET_TSC_KHZ])
		return -EOPNOTSUPP;
	return kvm_be_ioctl(v->fd, KVM_GET_TSC_KHZ, NULL);
}

int kvm_be_set_tsc_khz(struct hv_vcpu *vcpu, uint32_t khz)
{
	struct kvm_be_vcpu *v = to_kvm_vcpu(vcpu);

	if (!vcpu_kvm(v)->caps[HV_CAP_TSC_CONTROL])
		return -EOPNOTSUPP;
	return kvm_be_ioctl(v->fd, KVM_SET_TSC_KHZ, (void *)(uintptr_t)khz);
}
