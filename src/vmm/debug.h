/* SPDX-License-Identifier: GPL-2.0 */
/*
 * debug.h - what a debugger front end (the GDB stub) needs from the
 * machine: the debug exits of the vCPUs, holding the vCPUs before their
 * first instruction, vCPU registers and KVM_SET_GUEST_DEBUG, and guest
 * memory by virtual address through a vCPU's page tables.
 *
 * Register and memory calls are for a paused VM (vm_pause()): a vCPU
 * that runs meanwhile may change what was read.
 */
#ifndef CVISOR_VMM_DEBUG_H
#define CVISOR_VMM_DEBUG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

struct vm;

/* A vCPU stopped for the debugger (HV_EXIT_DEBUG). */
struct vm_debug_stop {
	unsigned int vcpu;
	uint32_t exception;	/* 1 (#DB) or 3 (#BP) */
	uint64_t pc;		/* linear RIP */
	uint64_t dr6;
};

/*
 * Called on the vCPU thread that stopped; the vCPU parks at its next
 * run if the callee requests a pause (it must not wait for one: this
 * thread is one of those a pause waits for).
 */
typedef void (*vm_debug_stop_fn)(void *opaque, const struct vm_debug_stop *st);

/* One debugger per VM: -EBUSY if one is attached. */
int vm_debug_attach(struct vm *vm, vm_debug_stop_fn fn, void *opaque);
void vm_debug_detach(struct vm *vm);
/* Before vm_run(): the vCPUs park before their first instruction. */
void vm_debug_hold_start(struct vm *vm);
/* Ask every vCPU to park, without waiting (any thread). */
void vm_debug_request_pause(struct vm *vm);

unsigned int vm_debug_nr_vcpus(struct vm *vm);
/* Any pointer may be NULL. */
int vm_debug_get_regs(struct vm *vm, unsigned int vcpu, struct kvm_regs *regs,
		      struct kvm_sregs *sregs, struct kvm_fpu *fpu);
int vm_debug_set_regs(struct vm *vm, unsigned int vcpu,
		      const struct kvm_regs *regs, const struct kvm_fpu *fpu);
int vm_debug_set_guest_debug(struct vm *vm, unsigned int vcpu,
			     const struct kvm_guest_debug *dbg);
/*
 * Read or write @len bytes at virtual address @va as @vcpu sees it now
 * (its paging mode and CR3).  Returns the number of bytes done, which is
 * less than @len where a page is not mapped or not RAM.  Writes reach
 * decoded code too (the backend is told).
 */
size_t vm_debug_access(struct vm *vm, unsigned int vcpu, uint64_t va,
		       void *buf, size_t len, bool write);

/* vcpu.c: an HV_EXIT_DEBUG; false if no debugger wants it. */
struct vcpu;
struct hv_exit;
bool vm_debug_exit(struct vcpu *vcpu, const struct hv_exit *exit);

#endif
