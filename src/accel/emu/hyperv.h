/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyperv.h - Hyper-V enlightenments of the emu backend, as KVM's hyperv.c
 * provides them: the partition (per VM) and per-vCPU MSR state, the
 * hypercall page and dispatch, SynIC and synthetic timers, the synthetic
 * debugger's MSRs and exits.
 *
 * Files: hyperv.c (MSRs, CPUID cache, enforce-cpuid, hypercalls, syndbg,
 * KVM_GET_SUPPORTED_HV_CPUID), hyperv_synic.c (SynIC, auto-EOI, message
 * slots), hyperv_stimer.c (synthetic timers), hyperv_flush.c (remote TLB
 * flush and synthetic cluster IPI hypercalls, VP sets).
 *
 * Locking: the partition block is guarded by emu_hv_vm.lock.  Per-vCPU
 * state is the vCPU thread's (or the VMM's while the vCPU is stopped).
 * The clock thread fires synthetic timers, and that fire() only sets a
 * bit in stimer_pending and kicks the vCPU, which then does the delivery
 * (guest memory, LAPIC) itself, as KVM does with KVM_REQ_HV_STIMER.
 */
#ifndef CVISOR_EMU_HYPERV_H
#define CVISOR_EMU_HYPERV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "hv/hv_hyperv.h"
#include "timer.h"

struct emu_vcpu;
struct emu_vm;
struct kvm_cpuid2;

struct emu_hv_syndbg {
	uint64_t control, status, send_page, recv_page, pending_page;
	uint64_t options;
};

/* Partition-wide state (KVM's struct kvm_hv). */
struct emu_hv_vm {
	pthread_mutex_t lock;
	uint64_t guest_os_id;
	uint64_t hypercall;
	uint64_t tsc_ref;
	uint32_t tsc_seq;
	uint64_t crash_param[5];
	uint64_t crash_ctl;
	/* Stored only, as KVM: reenlightenment is never signalled. */
	uint64_t reenlightenment_control;
	uint64_t tsc_emulation_control, tsc_emulation_status;
	uint64_t invtsc_control;
	struct emu_hv_syndbg syndbg;
	/* TIME_REF_COUNT = (now - ref_base_ns) / 100 */
	_Atomic int64_t ref_base_ns;
};

struct emu_hv_stimer {
	struct emu_timer timer;
	struct emu_vcpu *v;
	unsigned int index;
	uint64_t config;
	uint64_t count;
	uint64_t exp_time;		/* reference time (100 ns) of expiry */
	bool msg_pending;		/* the message slot was busy: retry at EOM */
};

enum emu_hv_pend {
	EMU_HV_PEND_NONE,
	EMU_HV_PEND_SYNDBG,		/* a syndbg MSR write exit */
	EMU_HV_PEND_SYNIC,		/* a SynIC MSR write exit */
	EMU_HV_PEND_HCALL,		/* a hypercall exit */
	EMU_HV_PEND_EVENT,		/* a reset/crash system event */
};

/* Per-vCPU state (KVM's struct kvm_vcpu_hv). */
struct emu_hv_vcpu {
	bool enforce_cpuid;
	bool synic_active;		/* KVM_CAP_HYPERV_SYNIC2 enabled */
	/* The guest's Hyper-V CPUID as last set (KVM's cpuid_cache). */
	bool hyperv_enabled;		/* 0x40000001.EAX == "Hv#1" */
	uint32_t features_eax, features_ebx, features_edx;
	uint32_t enlight_eax, enlight_ebx;
	uint32_t syndbg_cap_eax;
	bool amd;			/* vendor: VMMCALL in the hypercall page */

	atomic_uint vp_index;		/* read by other vCPUs' hypercalls */
	uint64_t vp_assist;
	uint64_t runtime_ns;		/* time spent running guest code */

	/* SynIC */
	uint64_t scontrol, siefp, simp, sversion;
	uint64_t sint[HV_SYNIC_SINT_COUNT];
	uint64_t auto_eoi[4];		/* vector bitmap of auto-EOI SINTs */

	struct emu_hv_stimer stimer[HV_SYNIC_STIMER_COUNT];
	atomic_uint stimer_pending;	/* bit per timer: expired, to deliver */

	/* An exit whose completion the next run consumes. */
	enum emu_hv_pend pend;
	uint32_t pend_msr;

	/*
	 * Remote TLB flushes (hyperv_flush.c): another vCPU bumps flush_req
	 * and waits, while in_guest, until flush_done catches up; this vCPU
	 * flushes at the top of its run loop (emu_hv_flush_ack()).
	 */
	atomic_uint flush_req, flush_done;
	atomic_bool in_guest;		/* executing guest code (or may) */
};

/* One decoded hypercall (KVM's struct kvm_hv_hcall). */
struct emu_hv_hcall {
	uint64_t param, ingpa, outgpa;
	uint16_t code, var_cnt, rep_cnt, rep_idx;
	bool fast, rep;
	uint64_t xmm[2 * HV_HYPERCALL_MAX_XMM_REGISTERS];	/* halves */
	/* Input consumed so far: bytes at ingpa, or XMM halves if fast. */
	uint64_t data_offset;
};

/* hyperv.c */
void emu_hv_vm_init(struct emu_hv_vm *hv);
void emu_hv_vm_fini(struct emu_hv_vm *hv);
int emu_hv_vcpu_init(struct emu_vcpu *v);
void emu_hv_vcpu_fini(struct emu_vcpu *v);
bool emu_hv_msr_owned(uint32_t idx);
/* 0, X86_MSR_GP or X86_IO_EXIT (guest); 0 or -1 (host). */
int emu_hv_msr_read(struct emu_vcpu *v, uint32_t idx, uint64_t *val,
		    bool host);
int emu_hv_msr_write(struct emu_vcpu *v, uint32_t idx, uint64_t val,
		     bool host);
void emu_hv_cpuid_changed(struct emu_vcpu *v);
bool emu_hv_hypercall_enabled(struct emu_vcpu *v);
/* VMCALL/VMMCALL with Hyper-V enabled: 0, X86_HC_UD or X86_IO_EXIT. */
int emu_hv_hypercall(struct emu_vcpu *v, unsigned int cpl, bool op64);
int emu_hv_enable_cap(struct emu_vcpu *v, int cap, uint64_t args0);
int emu_hv_get_supported_cpuid(struct emu_vcpu *v, struct kvm_cpuid2 *c);
/* MSR indices that travel with vCPU state (KVM_GET_MSR_INDEX_LIST). */
unsigned int emu_hv_msr_list(uint32_t *idx, unsigned int max);
uint64_t emu_hv_time_ref(struct emu_hv_vm *hv);
/* The host set the guest TSC or its rate: the reference TSC page follows. */
void emu_hv_tsc_changed(struct emu_vcpu *v);

/* hyperv_synic.c */
int emu_hv_synic_read(struct emu_vcpu *v, uint32_t idx, uint64_t *val,
		      bool host);
int emu_hv_synic_write(struct emu_vcpu *v, uint32_t idx, uint64_t val,
		       bool host);
/* Raise SINT @sint's vector on this vCPU: 0, or -1 if masked/disabled. */
int emu_hv_synic_set_irq(struct emu_vcpu *v, unsigned int sint);
/* Post a message into SINT @sint's slot: 0, -EAGAIN (busy or disabled:
 * retry later) or -EINVAL/-EFAULT. */
int emu_hv_synic_post(struct emu_vcpu *v, unsigned int sint,
		      const void *msg, unsigned int len);
bool emu_hv_synic_auto_eoi(struct emu_vcpu *v, int vector);

/* hyperv_flush.c: HV_STATUS_* results (rep count included). */
uint64_t emu_hv_flush_tlb(struct emu_vcpu *v, struct emu_hv_hcall *hc);
uint64_t emu_hv_send_ipi(struct emu_vcpu *v, struct emu_hv_hcall *hc);
/* The run loop, entering guest code: take the flushes asked of us. */
void emu_hv_flush_ack(struct emu_vcpu *v);
/* Read @len bytes of guest-physical memory: 0 or -EFAULT. */
int emu_hv_read_guest(struct emu_vcpu *v, uint64_t gpa, void *dst,
		      unsigned int len);

/* hyperv_stimer.c */
void emu_hv_stimer_init(struct emu_vcpu *v);
void emu_hv_stimer_fini(struct emu_vcpu *v);
int emu_hv_stimer_read(struct emu_vcpu *v, uint32_t idx, uint64_t *val);
int emu_hv_stimer_write(struct emu_vcpu *v, uint32_t idx, uint64_t val,
			bool host);
/* On the vCPU thread: deliver expired timers, retry busy message slots. */
void emu_hv_stimer_process(struct emu_vcpu *v);
/* EOM or a slot freed: retry the messages waiting for @sint. */
void emu_hv_stimer_sint_acked(struct emu_vcpu *v, unsigned int sint);

#endif
