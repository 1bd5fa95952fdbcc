// SPDX-License-Identifier: GPL-2.0
/*
 * caps.c - KVM_CHECK_EXTENSION under the shim.
 *
 * A capability is advertised only when the call behind it works on the
 * emu backend: the hv-level ones are answered by hv_check_cap() (or
 * hv_vm_check_cap() on a VM fd, which knows the VM's type), the rest are
 * things the shim itself implements (immediate_exit, sync regs, the
 * no-op TSS/identity-map addresses that only VMX needs).  Everything
 * else is 0, including capabilities KVM has and emu lacks.
 */
#include "kvm_abi.h"
#include "shim.h"

static const struct {
	long kvm;
	enum hv_cap hv;
} hv_caps[] = {
	{ KVM_CAP_IRQCHIP, HV_CAP_IRQCHIP },
	{ KVM_CAP_PIT2, HV_CAP_PIT },
	{ KVM_CAP_PIT_STATE2, HV_CAP_PIT },
	{ KVM_CAP_IRQ_ROUTING, HV_CAP_IRQ_ROUTING },
	{ KVM_CAP_SIGNAL_MSI, HV_CAP_SIGNAL_MSI },
	{ KVM_CAP_IRQFD, HV_CAP_IRQFD },
	{ KVM_CAP_IRQFD_RESAMPLE, HV_CAP_IRQFD_RESAMPLE },
	{ KVM_CAP_IOEVENTFD, HV_CAP_IOEVENTFD },
	{ KVM_CAP_READONLY_MEM, HV_CAP_READONLY_MEM },
	{ KVM_CAP_MAX_VCPUS, HV_CAP_MAX_VCPUS },
	{ KVM_CAP_NR_VCPUS, HV_CAP_NR_VCPUS },
	{ KVM_CAP_VCPU_EVENTS, HV_CAP_VCPU_EVENTS },
	{ KVM_CAP_EXCEPTION_PAYLOAD, HV_CAP_EXCEPTION_PAYLOAD },
	{ KVM_CAP_X86_TRIPLE_FAULT_EVENT, HV_CAP_TRIPLE_FAULT_EVENT },
	{ KVM_CAP_XSAVE, HV_CAP_XSAVE },
	{ KVM_CAP_XCRS, HV_CAP_XCRS },
	{ KVM_CAP_DEBUGREGS, HV_CAP_DEBUGREGS },
	{ KVM_CAP_X86_SMM, HV_CAP_X86_SMM },
	{ KVM_CAP_MULTI_ADDRESS_SPACE, HV_CAP_MULTI_ADDRESS_SPACE },
	{ KVM_CAP_X86_USER_SPACE_MSR, HV_CAP_X86_USER_SPACE_MSR },
	{ KVM_CAP_X86_MSR_FILTER, HV_CAP_X86_MSR_FILTER },
	{ KVM_CAP_X2APIC_API, HV_CAP_X2APIC_API },
	{ KVM_CAP_EXIT_HYPERCALL, HV_CAP_EXIT_HYPERCALL },
	{ SHIM_CAP_USER_MEMORY2, HV_CAP_USER_MEMORY2 },
	{ SHIM_CAP_GUEST_MEMFD, HV_CAP_GUEST_MEMFD },
	{ SHIM_CAP_GUEST_MEMFD_FLAGS, HV_CAP_GUEST_MEMFD_FLAGS },
	{ SHIM_CAP_MEMORY_ATTRIBUTES, HV_CAP_MEMORY_ATTRIBUTES },
	{ SHIM_CAP_MEMORY_FAULT_INFO, HV_CAP_MEMORY_FAULT_INFO },
	{ SHIM_CAP_VM_TYPES, HV_CAP_VM_TYPES },
	{ SHIM_CAP_PRE_FAULT_MEMORY, HV_CAP_PRE_FAULT_MEMORY },
	{ KVM_CAP_HYPERV, HV_CAP_HYPERV },
	{ KVM_CAP_HYPERV_CPUID, HV_CAP_HYPERV_CPUID },
	{ KVM_CAP_SYS_HYPERV_CPUID, HV_CAP_HYPERV_CPUID },
	{ KVM_CAP_HYPERV_ENFORCE_CPUID, HV_CAP_HYPERV_ENFORCE_CPUID },
	{ KVM_CAP_HYPERV_SYNIC, HV_CAP_HYPERV_SYNIC },
	{ KVM_CAP_HYPERV_SYNIC2, HV_CAP_HYPERV_SYNIC },
	{ KVM_CAP_HYPERV_TIME, HV_CAP_HYPERV_TIME },
	{ KVM_CAP_HYPERV_TLBFLUSH, HV_CAP_HYPERV_TLBFLUSH },
	{ KVM_CAP_HYPERV_SEND_IPI, HV_CAP_HYPERV_SEND_IPI },
	{ KVM_CAP_SET_GUEST_DEBUG, HV_CAP_SET_GUEST_DEBUG },
	{ KVM_CAP_TSC_CONTROL, HV_CAP_TSC_CONTROL },
	{ KVM_CAP_GET_TSC_KHZ, HV_CAP_TSC_CONTROL },
	{ KVM_CAP_VM_TSC_CONTROL, HV_CAP_TSC_CONTROL },
	{ KVM_CAP_ADJUST_CLOCK, HV_CAP_ADJUST_CLOCK },
	{ KVM_CAP_MCE, HV_CAP_MCE },
};

int shim_cap_to_hv(long cap)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hv_caps); i++)
		if (hv_caps[i].kvm == cap)
			return hv_caps[i].hv;
	return -1;
}

/* What the shim does itself, whatever the backend. */
static int shim_own_cap(long cap)
{
	switch (cap) {
	case KVM_CAP_HLT:
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_SET_IDENTITY_MAP_ADDR:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_USER_NMI:
	case KVM_CAP_SYNC_MMU:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_INTERNAL_ERROR_DATA:
	case KVM_CAP_ENABLE_CAP:
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_IMMEDIATE_EXIT:
		return 1;
	case KVM_CAP_SYNC_REGS:
		return KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS |
		       KVM_SYNC_X86_EVENTS;
	case KVM_CAP_NR_MEMSLOTS:
		return SHIM_NR_MEMSLOTS;
	default:
		return 0;
	}
}

int shim_check_extension(struct hv *hv, struct hv_vm *vm, unsigned int abi,
			 long cap)
{
	int h = shim_cap_to_hv(cap);
	int r;

	/* vCPU ids are below the vCPU count on emu. */
	if (cap == KVM_CAP_MAX_VCPU_ID)
		h = HV_CAP_MAX_VCPUS;
	if (h < 0)
		return shim_own_cap(cap);
	r = vm ? hv_vm_check_cap(vm, h) : hv_check_cap(hv, h);
	if (r < 0)
		return 0;
	/* A capability newer than the ABI presented does not exist there. */
	if (cap == SHIM_CAP_GUEST_MEMFD_FLAGS)
		r &= (int)shim_abi_gmem_flags(abi);
	return r;
}
