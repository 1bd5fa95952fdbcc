/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyperv.h - the VMM's side of the Hyper-V enlightenments: the --hyperv
 * configuration, the CPUID leaves it implies, per-vCPU set-up, and the
 * answers to KVM_EXIT_HYPERV exits (SynIC, hypercalls, syndbg).
 */
#ifndef CVISOR_VMM_HYPERV_H
#define CVISOR_VMM_HYPERV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/hv.h"

/* Features, named after QEMU's hv-* properties. */
enum vm_hv_feature {
	VM_HV_RELAXED,
	VM_HV_VAPIC,
	VM_HV_TIME,
	VM_HV_CRASH,
	VM_HV_RESET,
	VM_HV_VPINDEX,
	VM_HV_RUNTIME,
	VM_HV_SYNIC,
	VM_HV_STIMER,
	VM_HV_STIMER_DIRECT,
	VM_HV_FREQUENCIES,
	VM_HV_SYNDBG,
	VM_HV_TLBFLUSH,
	VM_HV_TLBFLUSH_EXT,
	VM_HV_IPI,
	VM_HV_XMM_INPUT,
	VM_HV__COUNT
};

#define VM_HV_DEFAULT_VENDOR	"Microsoft Hv"
#define VM_HV_DEFAULT_DBG_PORT	50000

struct vm_hyperv {
	uint32_t features;		/* 1 << VM_HV_* */
	bool enforce_cpuid;		/* KVM_CAP_HYPERV_ENFORCE_CPUID */
	char vendor[13];		/* 0x40000000 EBX:ECX:EDX */
	uint32_t spinlocks;		/* 0x40000004 EBX */
	/* syndbg: the debugger's UDP address */
	uint32_t dbg_host_ip;		/* network byte order */
	uint16_t dbg_host_port;
	bool dbg_use_hcalls;
};

static inline bool vm_hv_has(const struct vm_hyperv *h, enum vm_hv_feature f)
{
	return h->features & (1u << f);
}

/*
 * Parse one --hyperv value (comma separated, may be given several times)
 * into @h.  Returns 0, or -EINVAL with a message for the user in @err.
 */
int hyperv_parse(const char *arg, struct vm_hyperv *h, char *err,
		 size_t err_len);

struct vm;
struct vcpu;
struct hv_exit;

/* Backend capabilities the configuration needs; message in @err. */
int hyperv_check(struct vm *vm, char *err, size_t err_len);
/*
 * Add the Hyper-V leaves to a CPUID table (KVM's own leaves, if any, move
 * to 0x40000100 as QEMU places them).  Returns a new table or NULL.
 */
struct kvm_cpuid2 *hyperv_cpuid(const struct vm_hyperv *h,
				const struct kvm_cpuid2 *in,
				unsigned int nr_cpus);
/* After KVM_SET_CPUID2: enforce-cpuid, SynIC, syndbg OPTIONS. */
int hyperv_vcpu_setup(struct vcpu *vcpu);
/* KVM_EXIT_HYPERV: answer it the way KVM + QEMU do. */
void hyperv_handle_exit(struct vcpu *vcpu, struct hv_exit *exit);

/*
 * The synthetic debugger device (devices/hv_syndbg.c) registers these on
 * the VM; without it syndbg exits get "invalid" answers.
 */
struct hyperv_dbg_ops {
	/* KVM_EXIT_HYPERV_SYNDBG: returns the value for u.syndbg.status. */
	uint64_t (*syndbg)(void *opaque, uint32_t msr, uint64_t control,
			   uint64_t send_page, uint64_t recv_page,
			   uint64_t pending_page);
	/* Debug-data hypercalls: returns the HV_STATUS_* result. */
	uint64_t (*hcall)(void *opaque, uint16_t code, bool fast,
			  uint64_t ingpa, uint64_t outgpa);
};

#endif
