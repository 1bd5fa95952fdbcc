// SPDX-License-Identifier: GPL-2.0
/*
 * emu.c - the emu backend: cvisor's own x86-64 CPU behind hv.h
 * ("KVM in userspace").
 *
 * Files: vm.c (VMs, memslots, irqchip calls), irqfd.c, ioeventfd.c and
 * efd.c (eventfd bindings), vcpu.c (run loop, exits,
 * INIT/SIPI, HLT), state.c (KVM-layout state), lapic.c, ioapic.c, pic.c,
 * pit.c, irq_routing.c, mem.c, timer.c (devices, each with its locking
 * rules at the top).
 *
 * Capabilities are answered for what is implemented: in-backend LAPIC,
 * IOAPIC, PIC and PIT, GSI routing and MSIs, read-only slots, dirty log,
 * vcpu events with exception payload and triple-fault events, XSAVE
 * (x87+SSE), debug registers, TSC rate control, two memslot address
 * spaces, irqfd (with resample) and ioeventfd, KVM_X86_SW_PROTECTED_VM
 * with guest_memfd (gmem.c), memory attributes, memory-fault exits and
 * pre-faulting, the KVM_HC_MAP_GPA_RANGE hypercall exit (hypercall.c),
 * SMM (not for SW_PROTECTED VMs), and Hyper-V enlightenments with SynIC,
 * synthetic timers and the synthetic debugger (hyperv*.c), kvmclock and
 * KVM's paravirtual CPUID leaves and hypercalls (kvmpv.c).  Not yet:
 * MSR exits, guest debugging, guest_memfd's MMAP and INIT_SHARED flags.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "emu_priv.h"

static int emu_open(struct hv **out, bool probe, char *why, size_t why_len)
{
	struct emu_hv *h;

	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(why, why_len, "emu: out of memory");
		return -ENOMEM;
	}
	h->hv.ops = &emu_backend_ops;
	emu_gmems_init(&h->gmems);
	snprintf(why, why_len, "built-in x86-64 CPU core");
	*out = &h->hv;
	return 0;
}

static void emu_close(struct hv *hv)
{
	struct emu_hv *h = to_emu_hv(hv);

	emu_gmems_fini(&h->gmems);
	free(h);
}

static int emu_check_cap(struct hv *hv, enum hv_cap cap)
{
	long n;

	switch (cap) {
	case HV_CAP_IRQCHIP:
	case HV_CAP_PIT:
	case HV_CAP_SIGNAL_MSI:
	case HV_CAP_READONLY_MEM:
	case HV_CAP_DIRTY_LOG:
	case HV_CAP_VCPU_EVENTS:
	case HV_CAP_EXCEPTION_PAYLOAD:
	case HV_CAP_TRIPLE_FAULT_EVENT:
	case HV_CAP_XSAVE:
	case HV_CAP_XCRS:
	case HV_CAP_DEBUGREGS:
	case HV_CAP_SET_GUEST_DEBUG:
	case HV_CAP_USER_MEMORY2:
	case HV_CAP_TSC_CONTROL:
	case HV_CAP_IRQFD:
	case HV_CAP_IRQFD_RESAMPLE:
	case HV_CAP_IOEVENTFD:
	case HV_CAP_GUEST_MEMFD:
	case HV_CAP_MEMORY_FAULT_INFO:
	case HV_CAP_PRE_FAULT_MEMORY:
	case HV_CAP_HYPERV:
	case HV_CAP_HYPERV_SYNDBG:
	case HV_CAP_HYPERV_CPUID:
	case HV_CAP_HYPERV_ENFORCE_CPUID:
	case HV_CAP_HYPERV_SYNIC:
	case HV_CAP_HYPERV_TIME:
	case HV_CAP_HYPERV_TLBFLUSH:
	case HV_CAP_HYPERV_SEND_IPI:
	case HV_CAP_X86_MSR_FILTER:
	case HV_CAP_X86_USER_SPACE_MSR:
		return 1;
	case HV_CAP_X2APIC_API:
		return KVM_X2APIC_API_USE_32BIT_IDS;
	case HV_CAP_MEMORY_ATTRIBUTES:
		/* Asked of the backend: every attribute it knows. */
		return HV_MEMORY_ATTRIBUTE_PRIVATE;
	case HV_CAP_EXIT_HYPERCALL:
		return EMU_HYPERCALL_EXITS;
	case HV_CAP_MCE:
		return EMU_MCE_BANKS;
	case HV_CAP_ADJUST_CLOCK:
		/* KVM answers with the KVM_CLOCK_* flags it reports. */
		return KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME;
	case HV_CAP_IRQ_ROUTING:
		return EMU_MAX_IRQ_ROUTES;
	case HV_CAP_MAX_VCPUS:
		return EMU_MAX_VCPUS;
	case HV_CAP_NR_VCPUS:
		n = sysconf(_SC_NPROCESSORS_ONLN);
		return n < 1 ? 1 : n > EMU_MAX_VCPUS ? EMU_MAX_VCPUS : (int)n;
	case HV_CAP_X86_SMM:
		return 1;
	case HV_CAP_MULTI_ADDRESS_SPACE:
		return EMU_NR_AS;	/* AS1 is the SMM view */
	case HV_CAP_VM_TYPES:
		return 1 << HV_VM_TYPE_DEFAULT | 1 << HV_VM_TYPE_SW_PROTECTED;
	case HV_CAP_GUEST_MEMFD_FLAGS:
		/* Asked of the backend: the union over VM types. */
		return HV_GUEST_MEMFD_FLAG_MMAP |
		       HV_GUEST_MEMFD_FLAG_INIT_SHARED;
	default:
		return 0;
	}
}

const struct hv_backend_ops emu_backend_ops = {
	.name = "emu",
	.desc = "the emu backend",
	.open = emu_open,
	.close = emu_close,
	.check_cap = emu_check_cap,
	.get_supported_cpuid = emu_get_supported_cpuid,
	.get_mce_cap_supported = emu_get_mce_cap_supported,
	.get_msr_index_list = emu_get_msr_index_list,

	.vm_create = emu_vm_create,
	.vm_destroy = emu_vm_destroy,
	.vm_enable_cap = emu_vm_enable_cap,
	.set_msr_filter = emu_set_msr_filter,
	.set_memslot = emu_set_memslot,
	.get_dirty_log = emu_get_dirty_log,
	.memory_written = emu_memory_written,
	.set_memory_attributes = emu_set_memory_attributes,
	.create_guest_memfd = emu_create_guest_memfd,
	.guest_memfd_fallocate = emu_guest_memfd_fallocate,
	.vm_check_cap = emu_vm_check_cap,
	.get_clock = emu_get_clock,
	.set_clock = emu_set_clock,
	.create_irqchip = emu_create_irqchip,
	.create_pit = emu_create_pit,
	.irq_line = emu_irq_line_op,
	.signal_msi = emu_signal_msi,
	.set_gsi_routing = emu_set_gsi_routing,
	.get_irqchip = emu_get_irqchip,
	.set_irqchip = emu_set_irqchip,
	.get_pit = emu_get_pit,
	.set_pit = emu_set_pit,
	.irqfd = emu_irqfd,
	.ioeventfd = emu_ioeventfd,

	.vcpu_create = emu_vcpu_create,
	.vcpu_destroy = emu_vcpu_destroy,
	.vcpu_run = emu_vcpu_run,
	.vcpu_exit = emu_vcpu_exit,
	.vcpu_kick = emu_vcpu_kick,
	.get_regs = emu_get_regs,
	.set_regs = emu_set_regs,
	.get_sregs = emu_get_sregs,
	.set_sregs = emu_set_sregs,
	.get_fpu = emu_get_fpu,
	.set_fpu = emu_set_fpu,
	.get_xsave = emu_get_xsave,
	.set_xsave = emu_set_xsave,
	.get_xcrs = emu_get_xcrs,
	.set_xcrs = emu_set_xcrs,
	.get_msrs = emu_get_msrs,
	.set_msrs = emu_set_msrs,
	.get_lapic = emu_get_lapic,
	.set_lapic = emu_set_lapic,
	.set_cpuid = emu_set_cpuid,
	.get_mp_state = emu_get_mp_state,
	.set_mp_state = emu_set_mp_state,
	.get_events = emu_get_events,
	.set_events = emu_set_events,
	.get_debugregs = emu_get_debugregs,
	.set_debugregs = emu_set_debugregs,
	.set_guest_debug = emu_set_guest_debug,
	.pre_fault_memory = emu_pre_fault_memory,
	.interrupt = emu_interrupt,
	.nmi = emu_nmi,
	.smi = emu_smi,
	.get_tsc_khz = emu_get_tsc_khz,
	.set_tsc_khz = emu_set_tsc_khz,
	.setup_mce = emu_setup_mce,
	.get_vcpu_stats = emu_get_vcpu_stats,
	.vcpu_enable_cap = emu_vcpu_enable_cap,
	.get_supported_hv_cpuid = emu_get_supported_hv_cpuid,
};
