/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msr_filter.h - KVM_X86_SET_MSR_FILTER on emu: which guest RDMSR/WRMSR
 * the backend handles itself.
 */
#ifndef CVISOR_EMU_MSR_FILTER_H
#define CVISOR_EMU_MSR_FILTER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

/* Newer than the build host's uapi headers (values as upstream's). */
#define EMU_MSR_FILTER_VALID_MASK	KVM_MSR_FILTER_DEFAULT_DENY
#define EMU_MSR_RANGE_VALID_MASK	(KVM_MSR_FILTER_READ | \
					 KVM_MSR_FILTER_WRITE)
#define EMU_MSR_EXIT_REASON_VALID_MASK	(KVM_MSR_EXIT_REASON_INVAL | \
					 KVM_MSR_EXIT_REASON_UNKNOWN | \
					 KVM_MSR_EXIT_REASON_FILTER)

struct emu_msr_filter_set;

struct emu_msr_filter {
	pthread_mutex_t lock;		/* leaf: guards @set */
	struct emu_msr_filter_set *set;	/* NULL: everything allowed */
	atomic_bool active;		/* @set != NULL, read without the lock */
};

void emu_msr_filter_init(struct emu_msr_filter *f);
void emu_msr_filter_fini(struct emu_msr_filter *f);
/* Replace the filter; KVM's validation and errors. */
int emu_msr_filter_set(struct emu_msr_filter *f,
		       const struct kvm_msr_filter *user);
/* May the guest's access to @idx go to the backend? */
bool emu_msr_filter_allows(struct emu_msr_filter *f, uint32_t idx, bool write);

#endif
