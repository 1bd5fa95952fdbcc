/* SPDX-License-Identifier: GPL-2.0 */
/*
 * private.h - a VM whose RAM can be private (--private-memory): a
 * SW_PROTECTED VM with every RAM slot bound to one guest_memfd, and the
 * VMM's half of conversions (seed-apis.md 3.7).
 */
#ifndef CVISOR_VMM_PRIVATE_H
#define CVISOR_VMM_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct hv;
struct hv_exit;
struct vm;
struct vcpu;

struct vm_private {
	bool enabled;
	int gmem_fd;
	pthread_mutex_t lock;		/* one conversion at a time */
	uint64_t conversions;		/* statistics, under lock */
};

/* Does @hv run private-memory VMs?  If not, say which capability lacks. */
int vm_private_check(struct hv *hv, char *err, size_t err_len);
/* After the VM exists, before RAM is mapped: the guest_memfd, the exit. */
int vm_private_setup(struct vm *vm, char *err, size_t err_len);
void vm_private_release(struct vm *vm);

/*
 * Make [gpa, gpa + len) of RAM private or shared: set the attribute, then
 * discard the stale copy (the shared memfd pages, or a punch of the
 * guest_memfd).  -EINVAL when the range is not page aligned RAM.
 */
int vm_private_convert(struct vm *vm, uint64_t gpa, uint64_t len,
		       bool to_private);

/* HV_EXIT_HYPERCALL: MAP_GPA_RANGE; the result goes to the guest. */
void vm_private_hypercall(struct vcpu *vcpu, struct hv_exit *exit);
/* HV_EXIT_MEMORY_FAULT: convert to the access's kind; false if impossible. */
bool vm_private_memory_fault(struct vcpu *vcpu, struct hv_exit *exit);

#endif
