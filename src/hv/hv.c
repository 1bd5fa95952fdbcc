// SPDX-License-Identifier: GPL-2.0
/*
 * hv.c - backend selection and dispatch for the hypervisor API.
 *
 * Deliberately thin: the per-exit path (hv_vcpu_run) is one indirect call,
 * because the exit round trip is measured against a raw KVM_RUN loop.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hv_backend.h"

static const char *const cap_names[HV_CAP__COUNT] = {
	[HV_CAP_IRQCHIP] = "in-kernel irqchip",
	[HV_CAP_PIT] = "in-kernel PIT",
	[HV_CAP_IRQ_ROUTING] = "GSI routing",
	[HV_CAP_SIGNAL_MSI] = "MSI injection",
	[HV_CAP_IRQFD] = "irqfd",
	[HV_CAP_IRQFD_RESAMPLE] = "irqfd resample",
	[HV_CAP_IOEVENTFD] = "ioeventfd",
	[HV_CAP_READONLY_MEM] = "read-only memslots",
	[HV_CAP_DIRTY_LOG] = "dirty page logging",
	[HV_CAP_MAX_VCPUS] = "vCPU count",
	[HV_CAP_NR_VCPUS] = "recommended vCPU count",
	[HV_CAP_VCPU_EVENTS] = "vCPU events",
	[HV_CAP_EXCEPTION_PAYLOAD] = "exception payload",
	[HV_CAP_TRIPLE_FAULT_EVENT] = "triple-fault event",
	[HV_CAP_XSAVE] = "XSAVE state",
	[HV_CAP_XCRS] = "XCR state",
	[HV_CAP_DEBUGREGS] = "debug registers",
	[HV_CAP_X86_SMM] = "SMM",
	[HV_CAP_MULTI_ADDRESS_SPACE] = "SMM address space",
	[HV_CAP_X86_USER_SPACE_MSR] = "MSR exits to userspace",
	[HV_CAP_EXIT_HYPERCALL] = "hypercall exits",
	[HV_CAP_USER_MEMORY2] = "memslot2",
	[HV_CAP_GUEST_MEMFD] = "guest_memfd",
	[HV_CAP_GUEST_MEMFD_FLAGS] = "guest_memfd flags",
	[HV_CAP_MEMORY_ATTRIBUTES] = "memory attributes",
	[HV_CAP_MEMORY_FAULT_INFO] = "memory-fault exits",
	[HV_CAP_VM_TYPES] = "VM types",
	[HV_CAP_PRE_FAULT_MEMORY] = "memory pre-faulting",
	[HV_CAP_HYPERV] = "Hyper-V enlightenments",
	[HV_CAP_HYPERV_SYNDBG] = "Hyper-V synthetic debugger",
	[HV_CAP_HYPERV_CPUID] = "Hyper-V CPUID",
	[HV_CAP_HYPERV_ENFORCE_CPUID] = "Hyper-V enforce-CPUID",
	[HV_CAP_HYPERV_SYNIC] = "Hyper-V SynIC",
	[HV_CAP_HYPERV_TIME] = "Hyper-V reference time",
	[HV_CAP_HYPERV_TLBFLUSH] = "Hyper-V remote TLB flush",
	[HV_CAP_HYPERV_SEND_IPI] = "Hyper-V synthetic cluster IPI",
	[HV_CAP_SET_GUEST_DEBUG] = "guest debugging",
	[HV_CAP_TSC_CONTROL] = "TSC frequency control",
	[HV_CAP_ADJUST_CLOCK] = "kvmclock get/set",
	[HV_CAP_X86_MSR_FILTER] = "MSR filter",
	[HV_CAP_X2APIC_API] = "x2APIC API",
	[HV_CAP_MCE] = "machine-check banks",
};

const char *hv_cap_name(enum hv_cap cap)
{
	if ((unsigned int)cap >= HV_CAP__COUNT || !cap_names[cap])
		return "unknown capability";
	return cap_names[cap];
}

static const struct hv_backend_ops *backend_for(enum hv_accel accel)
{
	switch (accel) {
	case HV_ACCEL_KVM:
		return &kvm_backend_ops;
	case HV_ACCEL_EMU:
		return &emu_backend_ops;
	default:
		return NULL;
	}
}

int hv_open(enum hv_accel accel, struct hv **out, char *why, size_t why_len)
{
	char kvm_why[256] = "";
	char dummy[1];
	int ret;

	if (!why) {
		why = dummy;
		why_len = sizeof(dummy);
	}
	why[0] = '\0';

	if (accel != HV_ACCEL_AUTO) {
		const struct hv_backend_ops *ops = backend_for(accel);

		if (!ops)
			return -EINVAL;
		return ops->open(out, false, why, why_len);
	}

	/*
	 * auto: kvm must not only open but run a probe guest, because a
	 * /dev/kvm that opens can still be unable to run anything.
	 */
	ret = kvm_backend_ops.open(out, true, kvm_why, sizeof(kvm_why));
	if (!ret) {
		snprintf(why, why_len, "kvm: %s", kvm_why);
		return 0;
	}
	ret = emu_backend_ops.open(out, false, why, why_len);
	if (!ret) {
		snprintf(why, why_len, "emu: kvm unusable (%s)", kvm_why);
		return 0;
	}
	return ret;
}

void hv_close(struct hv *hv)
{
	if (hv)
		hv->ops->close(hv);
}

const char *hv_backend_name(const struct hv *hv)
{
	return hv->ops->name;
}

const char *hv_backend_desc(const struct hv *hv)
{
	return hv->ops->desc;
}

int hv_check_cap(struct hv *hv, enum hv_cap cap)
{
	if ((unsigned int)cap >= HV_CAP__COUNT)
		return 0;
	return hv->ops->check_cap(hv, cap);
}

struct hv *hv_vm_hv(struct hv_vm *vm)
{
	return vm->hv;
}

unsigned int hv_vcpu_id(const struct hv_vcpu *vcpu)
{
	return vcpu->id;
}

int hv_vm_create(struct hv *hv, const struct hv_vm_config *cfg,
		 struct hv_vm **out)
{
	static const struct hv_vm_config dflt;

	return hv->ops->vm_create(hv, cfg ? cfg : &dflt, out);
}

void hv_vm_destroy(struct hv_vm *vm)
{
	if (vm)
		vm->hv->ops->vm_destroy(vm);
}

int hv_vcpu_create(struct hv_vm *vm, unsigned int id, struct hv_vcpu **out)
{
	return vm->hv->ops->vcpu_create(vm, id, out);
}

void hv_vcpu_destroy(struct hv_vcpu *vcpu)
{
	if (vcpu)
		vcpu->vm->hv->ops->vcpu_destroy(vcpu);
}

int hv_vcpu_run(struct hv_vcpu *vcpu)
{
	return vcpu->vm->hv->ops->vcpu_run(vcpu);
}

struct hv_exit *hv_vcpu_exit(struct hv_vcpu *vcpu)
{
	return vcpu->vm->hv->ops->vcpu_exit(vcpu);
}

void hv_vm_memory_written(struct hv_vm *vm, uint64_t gpa, uint64_t len)
{
	if (vm->hv->ops->memory_written && len)
		vm->hv->ops->memory_written(vm, gpa, len);
}

void hv_vcpu_kick(struct hv_vcpu *vcpu)
{
	vcpu->vm->hv->ops->vcpu_kick(vcpu);
}

/*
 * The remaining calls differ only in name and arguments: a NULL hook means
 * the backend lacks the feature.
 */
#define HV_OPS(obj) ((obj)->ops)
#define VM_OPS(vm) ((vm)->hv->ops)
#define VCPU_OPS(v) ((v)->vm->hv->ops)

#define HV_CALL(getops, hook, obj, ...)					\
	do {								\
		const struct hv_backend_ops *o_ = getops(obj);		\
		if (!o_->hook)						\
			return -EOPNOTSUPP;				\
		return o_->hook(obj, ##__VA_ARGS__);			\
	} while (0)

int hv_get_supported_cpuid(struct hv *hv, struct kvm_cpuid2 *cpuid)
{ HV_CALL(HV_OPS, get_supported_cpuid, hv, cpuid); }
int hv_get_msr_index_list(struct hv *hv, struct kvm_msr_list *list)
{ HV_CALL(HV_OPS, get_msr_index_list, hv, list); }
int hv_get_mce_cap_supported(struct hv *hv, uint64_t *mcg_cap)
{ HV_CALL(HV_OPS, get_mce_cap_supported, hv, mcg_cap); }

int hv_vm_enable_cap(struct hv_vm *vm, enum hv_cap cap, uint64_t args0)
{ HV_CALL(VM_OPS, vm_enable_cap, vm, cap, args0); }
int hv_vm_set_msr_filter(struct hv_vm *vm, const struct kvm_msr_filter *filter)
{ HV_CALL(VM_OPS, set_msr_filter, vm, filter); }
int hv_set_memslot(struct hv_vm *vm, const struct hv_memslot *slot)
{ HV_CALL(VM_OPS, set_memslot, vm, slot); }
int hv_get_dirty_log(struct hv_vm *vm, uint16_t as_id, uint16_t slot,
		     uint64_t *bitmap)
{ HV_CALL(VM_OPS, get_dirty_log, vm, as_id, slot, bitmap); }
int hv_set_memory_attributes(struct hv_vm *vm, uint64_t gpa, uint64_t size,
			     uint64_t attributes, uint64_t flags)
{ HV_CALL(VM_OPS, set_memory_attributes, vm, gpa, size, attributes, flags); }
int hv_create_guest_memfd(struct hv_vm *vm, uint64_t size, uint64_t flags)
{ HV_CALL(VM_OPS, create_guest_memfd, vm, size, flags); }
int hv_guest_memfd_fallocate(struct hv *hv, int fd, int mode, uint64_t offset,
			     uint64_t len)
{ HV_CALL(HV_OPS, guest_memfd_fallocate, hv, fd, mode, offset, len); }

int hv_vm_check_cap(struct hv_vm *vm, enum hv_cap cap)
{
	if ((unsigned int)cap >= HV_CAP__COUNT)
		return 0;
	if (!vm->hv->ops->vm_check_cap)
		return hv_check_cap(vm->hv, cap);
	return vm->hv->ops->vm_check_cap(vm, cap);
}

int hv_create_irqchip(struct hv_vm *vm)
{ HV_CALL(VM_OPS, create_irqchip, vm); }
int hv_create_pit(struct hv_vm *vm)
{ HV_CALL(VM_OPS, create_pit, vm); }
int hv_irq_line(struct hv_vm *vm, uint32_t gsi, int level)
{ HV_CALL(VM_OPS, irq_line, vm, gsi, level); }
int hv_signal_msi(struct hv_vm *vm, const struct kvm_msi *msi)
{ HV_CALL(VM_OPS, signal_msi, vm, msi); }
int hv_set_gsi_routing(struct hv_vm *vm, const struct kvm_irq_routing *r)
{ HV_CALL(VM_OPS, set_gsi_routing, vm, r); }
int hv_get_irqchip(struct hv_vm *vm, struct kvm_irqchip *chip)
{ HV_CALL(VM_OPS, get_irqchip, vm, chip); }
int hv_set_irqchip(struct hv_vm *vm, const struct kvm_irqchip *chip)
{ HV_CALL(VM_OPS, set_irqchip, vm, chip); }
int hv_get_pit(struct hv_vm *vm, struct kvm_pit_state2 *pit)
{ HV_CALL(VM_OPS, get_pit, vm, pit); }
int hv_set_pit(struct hv_vm *vm, const struct kvm_pit_state2 *pit)
{ HV_CALL(VM_OPS, set_pit, vm, pit); }
int hv_get_clock(struct hv_vm *vm, struct kvm_clock_data *clock)
{ HV_CALL(VM_OPS, get_clock, vm, clock); }
int hv_set_clock(struct hv_vm *vm, const struct kvm_clock_data *clock)
{ HV_CALL(VM_OPS, set_clock, vm, clock); }
int hv_irqfd(struct hv_vm *vm, const struct kvm_irqfd *irqfd)
{ HV_CALL(VM_OPS, irqfd, vm, irqfd); }
int hv_ioeventfd(struct hv_vm *vm, const struct kvm_ioeventfd *io)
{ HV_CALL(VM_OPS, ioeventfd, vm, io); }

int hv_vcpu_get_regs(struct hv_vcpu *v, struct kvm_regs *regs)
{ HV_CALL(VCPU_OPS, get_regs, v, regs); }
int hv_vcpu_set_regs(struct hv_vcpu *v, const struct kvm_regs *regs)
{ HV_CALL(VCPU_OPS, set_regs, v, regs); }
int hv_vcpu_get_sregs(struct hv_vcpu *v, struct kvm_sregs *sregs)
{ HV_CALL(VCPU_OPS, get_sregs, v, sregs); }
int hv_vcpu_set_sregs(struct hv_vcpu *v, const struct kvm_sregs *sregs)
{ HV_CALL(VCPU_OPS, set_sregs, v, sregs); }
int hv_vcpu_get_fpu(struct hv_vcpu *v, struct kvm_fpu *fpu)
{ HV_CALL(VCPU_OPS, get_fpu, v, fpu); }
int hv_vcpu_set_fpu(struct hv_vcpu *v, const struct kvm_fpu *fpu)
{ HV_CALL(VCPU_OPS, set_fpu, v, fpu); }
int hv_vcpu_get_xsave(struct hv_vcpu *v, struct kvm_xsave *xsave)
{ HV_CALL(VCPU_OPS, get_xsave, v, xsave); }
int hv_vcpu_set_xsave(struct hv_vcpu *v, const struct kvm_xsave *xsave)
{ HV_CALL(VCPU_OPS, set_xsave, v, xsave); }
int hv_vcpu_get_xcrs(struct hv_vcpu *v, struct kvm_xcrs *xcrs)
{ HV_CALL(VCPU_OPS, get_xcrs, v, xcrs); }
int hv_vcpu_set_xcrs(struct hv_vcpu *v, const struct kvm_xcrs *xcrs)
{ HV_CALL(VCPU_OPS, set_xcrs, v, xcrs); }
int hv_vcpu_get_msrs(struct hv_vcpu *v, struct kvm_msrs *msrs)
{ HV_CALL(VCPU_OPS, get_msrs, v, msrs); }
int hv_vcpu_set_msrs(struct hv_vcpu *v, const struct kvm_msrs *msrs)
{ HV_CALL(VCPU_OPS, set_msrs, v, msrs); }
int hv_vcpu_get_lapic(struct hv_vcpu *v, struct kvm_lapic_state *lapic)
{ HV_CALL(VCPU_OPS, get_lapic, v, lapic); }
int hv_vcpu_set_lapic(struct hv_vcpu *v, const struct kvm_lapic_state *lapic)
{ HV_CALL(VCPU_OPS, set_lapic, v, lapic); }
int hv_vcpu_set_cpuid(struct hv_vcpu *v, const struct kvm_cpuid2 *cpuid)
{ HV_CALL(VCPU_OPS, set_cpuid, v, cpuid); }
int hv_vcpu_get_mp_state(struct hv_vcpu *v, struct kvm_mp_state *mp)
{ HV_CALL(VCPU_OPS, get_mp_state, v, mp); }
int hv_vcpu_set_mp_state(struct hv_vcpu *v, const struct kvm_mp_state *mp)
{ HV_CALL(VCPU_OPS, set_mp_state, v, mp); }
int hv_vcpu_get_events(struct hv_vcpu *v, struct kvm_vcpu_events *ev)
{ HV_CALL(VCPU_OPS, get_events, v, ev); }
int hv_vcpu_set_events(struct hv_vcpu *v, const struct kvm_vcpu_events *ev)
{ HV_CALL(VCPU_OPS, set_events, v, ev); }
int hv_vcpu_get_debugregs(struct hv_vcpu *v, struct kvm_debugregs *dr)
{ HV_CALL(VCPU_OPS, get_debugregs, v, dr); }
int hv_vcpu_set_debugregs(struct hv_vcpu *v, const struct kvm_debugregs *dr)
{ HV_CALL(VCPU_OPS, set_debugregs, v, dr); }
int hv_vcpu_set_guest_debug(struct hv_vcpu *v,
			    const struct kvm_guest_debug *dbg)
{ HV_CALL(VCPU_OPS, set_guest_debug, v, dbg); }
int hv_vcpu_pre_fault_memory(struct hv_vcpu *v, uint64_t *gpa,
			     uint64_t *size, uint64_t flags)
{ HV_CALL(VCPU_OPS, pre_fault_memory, v, gpa, size, flags); }
int hv_vcpu_interrupt(struct hv_vcpu *v, uint32_t vector)
{ HV_CALL(VCPU_OPS, interrupt, v, vector); }
int hv_vcpu_nmi(struct hv_vcpu *v)
{ HV_CALL(VCPU_OPS, nmi, v); }
int hv_vcpu_smi(struct hv_vcpu *v)
{ HV_CALL(VCPU_OPS, smi, v); }
int hv_vcpu_enable_cap(struct hv_vcpu *v, enum hv_cap cap, uint64_t args0)
{ HV_CALL(VCPU_OPS, vcpu_enable_cap, v, cap, args0); }
int hv_vcpu_get_supported_hv_cpuid(struct hv_vcpu *v, struct kvm_cpuid2 *c)
{ HV_CALL(VCPU_OPS, get_supported_hv_cpuid, v, c); }
int hv_vcpu_setup_mce(struct hv_vcpu *v, uint64_t mcg_cap)
{ HV_CALL(VCPU_OPS, setup_mce, v, mcg_cap); }
int hv_vcpu_get_tsc_khz(struct hv_vcpu *v)
{ HV_CALL(VCPU_OPS, get_tsc_khz, v); }
int hv_vcpu_set_tsc_khz(struct hv_vcpu *v, uint32_t khz)
{ HV_CALL(VCPU_OPS, set_tsc_khz, v, khz); }
int hv_vcpu_get_stats(struct hv_vcpu *v, struct hv_vcpu_stats *st)
{ HV_CALL(VCPU_OPS, get_vcpu_stats, v, st); }
