/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vcpu.h - the shim's vCPU object (vcpu.c) and its KVM_RUN (run.c).
 */
#ifndef CVISOR_KVMSHIM_VCPU_H
#define CVISOR_KVMSHIM_VCPU_H

#include "shim.h"

/*
 * KVM_RUN runs hv_vcpu_run() on a worker thread of the vCPU while the
 * calling thread waits in ppoll() with the run signal mask: a signal for
 * the caller then interrupts the wait exactly as it interrupts KVM_RUN
 * (the handler runs on the caller, with its mask), and the shim kicks the
 * vCPU and returns -EINTR.  The worker blocks every signal.
 */
struct shim_vcpu {
	struct shim_obj obj;
	struct shim_vm *vm;		/* reference */
	struct hv_vcpu *vcpu;
	unsigned int id;
	struct kvm_run *run;		/* the shim's mapping of the vCPU memfd */
	pthread_mutex_t lock;		/* KVM's vcpu->mutex */

	/* KVM_SET_SIGNAL_MASK */
	bool sigmask_set;
	sigset_t sigmask;
	int sig_fd;			/* signalfd for the run wait, or -1 */

	/* The CPUID the program set last (KVM_GET_CPUID2 returns it). */
	struct kvm_cpuid2 *cpuid;

	/* The exit whose completion the program writes into kvm_run. */
	uint32_t pending;
	/* A kick outlived its KVM_RUN: swallow the -EINTR it will cause. */
	bool stale_kick;

	/* Worker (run.c) */
	pthread_t thread;
	pthread_mutex_t wlock;
	pthread_cond_t wcond;
	bool go, quit;
	int done_efd;
	int run_ret;
};

int shim_run_init(struct shim_vcpu *v);
void shim_run_fini(struct shim_vcpu *v);
long shim_vcpu_run(struct shim_vcpu *v);

#endif
