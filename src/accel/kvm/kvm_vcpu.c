// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_vcpu.c - vCPU lifetime, the run loop and kicks on the KVM backend.
 *
 * The run path is measured against a bare KVM_RUN loop, so it does no
 * allocation, no locking and at most one copy of the exit's payload.
 *
 * Kicks.  hv_vcpu_kick() may come from any thread at any time and must
 * never be lost.  The kicker sets kvm_run.immediate_exit and, if the vCPU
 * is inside KVM_RUN, sends it KVM_BE_KICK_SIGNAL:
 *
 *	kicker				vCPU thread
 *	immediate_exit = 1		in_run = 1
 *	(full barrier)			(full barrier)
 *	if (in_run) pthread_kill()	KVM_RUN reads immediate_exit
 *
 * Either the vCPU's KVM_RUN sees immediate_exit, or the kicker sees
 * in_run and the signal makes KVM_RUN return -EINTR (KVM checks for
 * pending signals before every guest entry).  A kick that lands after an
 * ordinary exit leaves immediate_exit set, so the next run returns at once
 * (after KVM has completed any pending I/O, as the KVM API documents).
 * Several kicks before one return collapse into one HV_EXIT_INTR.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_priv.h"

#define KVM_BE_KICK_SIGNAL	(SIGRTMIN + 3)

static pthread_once_t kick_signal_once = PTHREAD_ONCE_INIT;
static int kick_signal_err;

static void kick_signal_handler(int sig)
{
	/* Only here so the signal interrupts KVM_RUN instead of killing us. */
}

static void kick_signal_install(void)
{
	/* No SA_RESTART: KVM_RUN must come back with EINTR. */
	struct sigaction sa = { .sa_handler = kick_signal_handler };

	sigemptyset(&sa.sa_mask);
	if (sigaction(KVM_BE_KICK_SIGNAL, &sa, NULL))
		kick_signal_err = -errno;
}

int kvm_be_signal_init(void)
{
	pthread_once(&kick_signal_once, kick_signal_install);
	return kick_signal_err;
}

int kvm_be_vcpu_create(struct hv_vm *hvm, unsigned int id,
		       struct hv_vcpu **out)
{
	struct kvm_be_vm *vm = to_kvm_vm(hvm);
	struct kvm_be *kvm = vm_kvm(vm);
	struct kvm_be_vcpu *v;
	int ret;

	if (id >= vm->max_vcpus)
		return -EINVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->hv.vm = hvm;
	v->hv.id = id;
	v->immediate_exit = kvm->icaps[KVM_BE_ICAP_IMMEDIATE_EXIT];
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (v->fd < 0) {
		ret = -errno;
		goto err_free;
	}
	v->run = mmap(NULL, kvm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED) {
		ret = -errno;
		goto err_close;
	}
	*out = &v->hv;
	return 0;

err_close:
	close(v->fd);
err_free:
	free(v);
	return ret;
}

void kvm_be_vcpu_destroy(struct hv_vcpu *hvcpu)
{
	struct kvm_be_vcpu *v = to_kvm_vcpu(hvcpu);

	munmap(v->run, vcpu_kvm(v)->run_size);
	close(v->fd);
	free(v);
}

struct hv_exit *kvm_be_vcpu_exit(struct hv_vcpu *hvcpu)
{
	return &to_kvm_vcpu(hvcpu)->exit;
}

/* Hand the VMM's completion of the last exit back to KVM. */
static void kvm_complete_exit(struct kvm_be_vcpu *v)
{
	struct kvm_run *run = v->run;
	struct hv_exit *e = &v->exit;

	switch (v->pending) {
	case HV_EXIT_MMIO:
		memcpy(run->mmio.data, e->mmio.data, sizeof(run->mmio.data));
		break;
	case HV_EXIT_RDMSR:
		run->msr.data = e->msr.data;
		/* fallthrough */
	case HV_EXIT_WRMSR:
		run->msr.error = e->msr.error;
		break;
	case HV_EXIT_HYPERV:
		run->hyperv = e->hyperv;
		break;
	case HV_EXIT_HYPERCALL:
		run->hypercall.ret = e->hypercall.ret;
		break;
	}
	v->pending = HV_EXIT_UNKNOWN;
}

/*
 * First run on a thread: remember it for kicks and make sure the kick
 * signal is not blocked there (VMMs often block everything in vCPU
 * threads).  Doing this per thread change keeps it off the hot path.
 */
static void kvm_adopt_thread(struct kvm_be_vcpu *v, pthread_t self)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, KVM_BE_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	atomic_store(&v->thread, self);
}

static void kvm_copy_exit(struct kvm_be_vcpu *v)
{
	struct kvm_run *run = v->run;
	struct hv_exit *e = &v->exit;
	struct kvm_be_hypercall hc;

	e->flags = run->flags;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		e->reason = HV_EXIT_IO;
		e->io.direction = run->io.direction;
		e->io.size = run->io.size;
		e->io.port = run->io.port;
		e->io.count = run->io.count;
		/* In place, so an IN is completed by writing through it. */
		e->io.data = (uint8_t *)run + run->io.data_offset;
		break;
	case KVM_EXIT_MMIO:
		e->reason = HV_EXIT_MMIO;
		e->mmio.phys_addr = run->mmio.phys_addr;
		memcpy(e->mmio.data, run->mmio.data, sizeof(e->mmio.data));
		e->mmio.len = run->mmio.len;
		e->mmio.is_write = run->mmio.is_write;
		if (!run->mmio.is_write)
			v->pending = HV_EXIT_MMIO;
		break;
	case KVM_EXIT_HLT:
		e->reason = HV_EXIT_HLT;
		break;
	case KVM_EXIT_SHUTDOWN:
		e->reason = HV_EXIT_SHUTDOWN;
		break;
	case KVM_EXIT_INTR:
		e->reason = HV_EXIT_INTR;
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		e->reason = HV_EXIT_INTERNAL_ERROR;
		e->internal.suberror = run->internal.suberror;
		e->internal.ndata = run->internal.ndata;
		if (e->internal.ndata > ARRAY_SIZE(e->internal.data))
			e->internal.ndata = ARRAY_SIZE(e->internal.data);
		memcpy(e->internal.data, run->internal.data,
		       e->internal.ndata * sizeof(e->internal.data[0]));
		break;
	case KVM_EXIT_FAIL_ENTRY:
		e->reason = HV_EXIT_FAIL_ENTRY;
		e->fail_entry.hardware_entry_failure_reason =
			run->fail_entry.hardware_entry_failure_reason;
		e->fail_entry.cpu = run->fail_entry.cpu;
		break;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		e->reason = run->exit_reason == KVM_EXIT_X86_RDMSR ?
			    HV_EXIT_RDMSR : HV_EXIT_WRMSR;
		e->msr.error = 0;
		e->msr.reason = run->msr.reason;
		e->msr.index = run->msr.index;
		e->msr.data = run->msr.data;
		v->pending = e->reason;
		break;
	case KVM_EXIT_HYPERV:
		e->reason = HV_EXIT_HYPERV;
		e->hyperv = run->hyperv;
		v->pending = HV_EXIT_HYPERV;
		break;
	case KVM_EXIT_HYPERCALL:
		memcpy(&hc, &run->hypercall, sizeof(hc));
		e->reason = HV_EXIT_HYPERCALL;
		e->hypercall.nr = hc.nr;
		memcpy(e->hypercall.args, hc.args, sizeof(hc.args));
		e->hypercall.ret = hc.ret;
		e->hypercall.flags = hc.flags;
		v->pending = HV_EXIT_HYPERCALL;
		break;
	case KVM_EXIT_DEBUG:
		e->reason = HV_EXIT_DEBUG;
		e->debug.exception = run->debug.arch.exception;
		e->debug.pc = run->debug.arch.pc;
		e->debug.dr6 = run->debug.arch.dr6;
		e->debug.dr7 = run->debug.arch.dr7;
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		e->reason = HV_EXIT_SYSTEM_EVENT;
		e->system_event.type = run->system_event.type;
		e->system_event.ndata = run->system_event.ndata;
		if (e->system_event.ndata > ARRAY_SIZE(e->system_event.data))
			e->system_event.ndata =
				ARRAY_SIZE(e->system_event.data);
		memcpy(e->system_event.data, run->system_event.data,
		       e->system_event.ndata * sizeof(e->system_event.data[0]));
		break;
	default:
		e->reason = HV_EXIT_UNKNOWN;
		break;
	}
}

/* KVM_RUN failed with @err (positive errno). */
static int kvm_run_error(struct kvm_be_vcpu *v, int err)
{
	struct kvm_run *run = v->run;
	struct hv_exit *e = &v->exit;

	e->flags = run->flags;
	if (err == EINTR) {
		/* A kick (or a stray signal): consume it. */
		__atomic_store_n(&run->immediate_exit, 0, __ATOMIC_RELAXED);
		atomic_store_explicit(&v->kicked, false, memory_order_relaxed);
		e->reason = HV_EXIT_INTR;
		return -EINTR;
	}
	/*
	 * The one exit that comes with an error return; for any other errno
	 * exit_reason is stale.
	 */
	if ((err == EFAULT || err == EHWPOISON) &&
	    run->exit_reason == KVM_EXIT_MEMORY_FAULT) {
		const struct kvm_be_memory_fault *mf =
			(const void *)((const char *)run + KVM_RUN_EXIT_UNION);

		e->reason = HV_EXIT_MEMORY_FAULT;
		e->memory_fault.flags = mf->flags;
		e->memory_fault.gpa = mf->gpa;
		e->memory_fault.size = mf->size;
		return -err;
	}
	e->reason = HV_EXIT_UNKNOWN;
	return -err;
}

int kvm_be_vcpu_run(struct hv_vcpu *hvcpu)
{
	struct kvm_be_vcpu *v = to_kvm_vcpu(hvcpu);
	pthread_t self = pthread_self();
	int ret;

	if (unlikely(v->pending))
		kvm_complete_exit(v);
	if (unlikely(!pthread_equal(self, atomic_load_explicit(
			&v->thread, memory_order_relaxed))))
		kvm_adopt_thread(v, self);

	atomic_store(&v->in_run, true);
	/*
	 * Without KVM_CAP_IMMEDIATE_EXIT (pre-4.11 kernels) a kick racing
	 * with entry can only be caught here, and a small window remains.
	 */
	if (unlikely(!v->immediate_exit) &&
	    atomic_exchange(&v->kicked, false)) {
		atomic_store(&v->in_run, false);
		v->exit.reason = HV_EXIT_INTR;
		return -EINTR;
	}
	ret = ioctl(v->fd, KVM_RUN, 0UL);
	atomic_store_explicit(&v->in_run, false, memory_order_release);
	if (unlikely(ret < 0))
		return kvm_run_error(v, errno);
	kvm_copy_exit(v);
	return 0;
}

void kvm_be_vcpu_kick(struct hv_vcpu *hvcpu)
{
	struct kvm_be_vcpu *v = to_kvm_vcpu(hvcpu);

	if (v->immediate_exit)
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	else
		atomic_store(&v->kicked, true);
	/*
	 * The thread may leave KVM_RUN right after this test; the signal
	 * then only interrupts whatever it does next (the handler is empty)
	 * and immediate_exit turns the next run into an immediate return.
	 * The VMM must not let a vCPU thread exit while it can be kicked.
	 */
	if (atomic_load(&v->in_run))
		pthread_kill(atomic_load_explicit(&v->thread,
						  memory_order_relaxed),
			     KVM_BE_KICK_SIGNAL);
}
