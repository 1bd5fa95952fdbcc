/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvmpv.h - KVM's paravirtual interfaces on emu: the "KVMKVMKVM" CPUID
 * leaves, kvmclock (the pvclock system-time and wall-clock MSRs, the
 * VM's KVM_GET/SET_CLOCK) and the PV unhalt used by KVM_HC_KICK_CPU.
 *
 * Time model.  Guest TSC = host ns * khz / 10^6 + tsc_offset (vcpu.c);
 * kvmclock = host ns - clock_base.  Both are linear in host time, so one
 * pvclock record per vCPU stays exact until the TSC rate, the TSC offset
 * or the clock base change; the vCPU re-publishes its record at its next
 * run-loop turn when one of them did (KVM's KVM_REQ_CLOCK_UPDATE).  Every
 * record is anchored at one VM-wide host instant, so all vCPUs compute
 * the same time from the same TSC (KVM's master clock), which is what
 * PVCLOCK_TSC_STABLE_BIT promises the guest.
 */
#ifndef CVISOR_EMU_KVMPV_H
#define CVISOR_EMU_KVMPV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define MSR_KVM_WALL_CLOCK		0x11
#define MSR_KVM_SYSTEM_TIME		0x12
#define MSR_KVM_WALL_CLOCK_NEW		0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW		0x4b564d01

#define KVM_CPUID_SIGNATURE		0x40000000u
#define KVM_CPUID_FEATURES		0x40000001u

#define KVM_FEATURE_CLOCKSOURCE		0
#define KVM_FEATURE_NOP_IO_DELAY	1
#define KVM_FEATURE_CLOCKSOURCE2	3
#define KVM_FEATURE_PV_UNHALT		7
#define KVM_FEATURE_PV_SEND_IPI		11
#define KVM_FEATURE_PV_SCHED_YIELD	13
#define KVM_FEATURE_CLOCKSOURCE_STABLE_BIT 24

#define PVCLOCK_TSC_STABLE_BIT		(1u << 0)

/* KVM_GET_CLOCK flags (newer than some hosts' uapi headers). */
#ifndef KVM_CLOCK_REALTIME
#define KVM_CLOCK_REALTIME		(1 << 2)
#endif
#ifndef KVM_CLOCK_HOST_TSC
#define KVM_CLOCK_HOST_TSC		(1 << 3)
#endif

/* The VM's clock (guarded by lock; gen and the values read lock-free). */
struct emu_kvmclock {
	pthread_mutex_t lock;
	_Atomic int64_t base_ns;	/* kvmclock = host ns - base_ns */
	_Atomic uint64_t anchor_ns;	/* host instant every record uses */
	_Atomic uint64_t gen;		/* bumped when base/anchor change */
	_Atomic uint64_t wall_msr;	/* MSR_KVM_WALL_CLOCK(_NEW), per VM */
};

/* Per vCPU, on its thread (or while it is stopped). */
struct emu_kvmpv_vcpu {
	uint64_t system_time;		/* MSR value: gpa | enable */
	bool new_msr;			/* written through the _NEW index */
	bool dirty;			/* publish the record at the next turn */
	uint8_t version;		/* low byte of the record's version */
	/* What the published record was computed from. */
	uint64_t pub_gen;
	int64_t pub_tsc_offset;
	unsigned int pub_khz;
	atomic_bool pv_unhalted;	/* KVM_HC_KICK_CPU arrived */
};

struct emu_vm;
struct emu_vcpu;
struct kvm_clock_data;
struct kvm_cpuid_entry2;

void emu_kvmclock_init(struct emu_kvmclock *kc);
void emu_kvmclock_fini(struct emu_kvmclock *kc);
uint64_t emu_kvmclock_ns(struct emu_kvmclock *kc);
int emu_get_clock_data(struct emu_kvmclock *kc, struct kvm_clock_data *d);
int emu_set_clock_data(struct emu_kvmclock *kc,
		       const struct kvm_clock_data *d);

/* Re-publish the vCPU's pvclock record if anything it depends on moved. */
void emu_kvmpv_update(struct emu_vcpu *v);
/* The two KVM leaves of KVM_GET_SUPPORTED_CPUID; returns 2. */
unsigned int emu_kvmpv_cpuid(struct kvm_cpuid_entry2 *e);

#endif
