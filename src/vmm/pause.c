// SPDX-License-Identifier: GPL-2.0
/*
 * pause.c - stop and restart the vCPUs of a running VM.
 *
 * A pause sets pause_req and kicks every vCPU.  A kick makes the backend
 * return -EINTR from its run call at an instruction boundary, after it
 * has completed any port or MMIO access whose exit was already handled
 * (KVM's immediate_exit contract, and emu's equivalent), so a parked
 * vCPU's state is complete and architectural.  The vCPU thread parks in
 * vcpu_park_if_paused() until vm_resume() or the end of the VM.
 *
 * Once all are parked, the handlers of ready device fds run at once
 * (vm_loop_drain()): a kick the guest made just before is done before
 * anybody saves device state, so that the process that saved it does
 * not complete the request a second time after the save.
 *
 * Nothing is torn down while paused: irqfds and ioeventfds stay
 * assigned, the event loop keeps draining device fds, and an interrupt
 * raised meanwhile stays pending in the (in-backend) LAPIC/IOAPIC until
 * the vCPUs run again.
 */
#include <errno.h>

#include "vmm/vm.h"

static unsigned int vm_nr_threads(struct vm *vm)
{
	unsigned int i, n = 0;

	for (i = 0; i < vm->nr_vcpus; i++)
		n += vm->vcpus[i].started;
	return n;
}

bool vm_paused(struct vm *vm)
{
	bool p;

	pthread_mutex_lock(&vm->pause_lock);
	p = vm->paused;
	pthread_mutex_unlock(&vm->pause_lock);
	return p;
}

void vm_pause_request(struct vm *vm)
{
	unsigned int i;

	pthread_mutex_lock(&vm->pause_lock);
	vm->pause_req = true;
	pthread_mutex_unlock(&vm->pause_lock);

	for (i = 0; i < vm->nr_vcpus; i++) {
		if (!vm->vcpus[i].started)
			continue;
		hv_vcpu_kick(vm->vcpus[i].hv);
		vcpu_wake(&vm->vcpus[i]);
	}
}

int vm_pause(struct vm *vm)
{
	unsigned int want = vm_nr_threads(vm);
	int ret = 0;

	pthread_mutex_lock(&vm->pause_lock);
	if (vm->paused) {
		pthread_mutex_unlock(&vm->pause_lock);
		return 0;
	}
	pthread_mutex_unlock(&vm->pause_lock);
	vm_pause_request(vm);

	pthread_mutex_lock(&vm->pause_lock);
	while (vm->nr_parked + vm->nr_exited < want && !vm_stopping(vm))
		pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
	if (vm_stopping(vm)) {
		vm->pause_req = false;
		pthread_cond_broadcast(&vm->pause_cond);
		ret = -ESHUTDOWN;
	} else {
		vm->paused = true;
	}
	pthread_mutex_unlock(&vm->pause_lock);
	/* Devices finish what the guest asked before it stopped. */
	if (!ret)
		vm_loop_drain(vm);
	return ret;
}

void vm_resume(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	vm->pause_req = false;
	vm->paused = false;
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
}

void vcpu_park_if_paused(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;

	pthread_mutex_lock(&vm->pause_lock);
	if (vm->pause_req) {
		vm->nr_parked++;
		pthread_cond_broadcast(&vm->pause_cond);
		while (vm->pause_req && !vm_stopping(vm))
			pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
		vm->nr_parked--;
	}
	pthread_mutex_unlock(&vm->pause_lock);
}

void vcpu_thread_exited(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;

	pthread_mutex_lock(&vm->pause_lock);
	vm->nr_exited++;
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
}
