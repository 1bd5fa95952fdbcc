// SPDX-License-Identifier: GPL-2.0
/*
 * run.c - KVM_RUN: the kvm_run page, exits written as KVM writes them,
 * completions read back from it, immediate_exit, signals and sync regs.
 *
 * Order within one KVM_RUN follows kvm_arch_vcpu_ioctl_run(): validate
 * the sync-regs masks, apply kvm_dirty_regs, complete the last exit with
 * what the program wrote into kvm_run, honour immediate_exit, run, then
 * store kvm_valid_regs and the post-run fields (if_flag, cr8, apic_base,
 * ready_for_interrupt_injection, flags).
 *
 * An exit that leaves an instruction half done (PIO, MMIO, MSR, Hyper-V,
 * hypercall; the answer, if any, is in kvm_run) is completed on the next
 * KVM_RUN even with immediate_exit
 * set: the shim then runs the vCPU with a kick already posted, so the
 * backend finishes the interrupted instruction and returns -EINTR, and
 * register state seen after the -EINTR is the completed one, as on KVM.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "kvm_abi.h"
#include "vcpu.h"

#define SYNC_FIELDS	(KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | \
			 KVM_SYNC_X86_EVENTS)

static void *worker_main(void *arg)
{
	struct shim_vcpu *v = arg;
	uint64_t one = 1;
	int ret;

	for (;;) {
		pthread_mutex_lock(&v->wlock);
		while (!v->go && !v->quit)
			pthread_cond_wait(&v->wcond, &v->wlock);
		if (v->quit) {
			pthread_mutex_unlock(&v->wlock);
			break;
		}
		v->go = false;
		pthread_mutex_unlock(&v->wlock);
		ret = hv_vcpu_run(v->vcpu);
		/*
		 * Published under the lock, not only by the eventfd: the
		 * caller's lock then orders everything the run wrote (the
		 * exit record) before its reads, visibly to TSan too.
		 */
		pthread_mutex_lock(&v->wlock);
		v->run_ret = ret;
		pthread_mutex_unlock(&v->wlock);
		if (shim_libc()->write(v->done_efd, &one, sizeof(one)) < 0)
			abort();
	}
	return NULL;
}

int shim_run_init(struct shim_vcpu *v)
{
	sigset_t all, old;
	int ret;

	v->sig_fd = -1;
	v->done_efd = eventfd(0, EFD_CLOEXEC);
	if (v->done_efd < 0)
		return -errno;
	pthread_mutex_init(&v->wlock, NULL);
	pthread_cond_init(&v->wcond, NULL);
	/* The worker inherits a full mask: signals are the caller's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&v->thread, NULL, worker_main, v);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		pthread_cond_destroy(&v->wcond);
		pthread_mutex_destroy(&v->wlock);
		shim_libc()->close(v->done_efd);
	}
	return ret;
}

void shim_run_fini(struct shim_vcpu *v)
{
	pthread_mutex_lock(&v->wlock);
	v->quit = true;
	pthread_cond_signal(&v->wcond);
	pthread_mutex_unlock(&v->wlock);
	pthread_join(v->thread, NULL);
	pthread_cond_destroy(&v->wcond);
	pthread_mutex_destroy(&v->wlock);
	shim_libc()->close(v->done_efd);
	if (v->sig_fd >= 0)
		shim_libc()->close(v->sig_fd);
}

/*
 * The mask ppoll() waits with.  Without KVM_SET_SIGNAL_MASK it is the
 * thread's own.  With a run mask R, KVM lets a signal R unblocks interrupt
 * KVM_RUN, but one the thread itself blocks stays pending (its handler
 * runs only once the thread unblocks it).  So the wait blocks R plus those
 * (X = thread mask minus R) and watches X through a signalfd, which sees
 * pending signals without taking them.  Returns the number of fds to poll.
 */
static int run_wait_setup(struct shim_vcpu *v, struct pollfd *pfd,
			  sigset_t *mask)
{
	sigset_t thread, x;
	bool any = false;
	int sig, fd;

	if (!v->sigmask_set)
		return 1;
	pthread_sigmask(SIG_BLOCK, NULL, &thread);
	sigemptyset(&x);
	for (sig = 1; sig < NSIG; sig++) {
		if (sigismember(&thread, sig) == 1 &&
		    sigismember(&v->sigmask, sig) != 1) {
			sigaddset(&x, sig);
			any = true;
		}
	}
	sigorset(mask, &v->sigmask, &x);
	if (!any)
		return 1;
	fd = signalfd(v->sig_fd, &x, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return 1;	/* no fd left: those signals wait for the exit */
	v->sig_fd = fd;
	pfd[1].fd = fd;
	pfd[1].events = POLLIN;
	return 2;
}

/*
 * One hv_vcpu_run() on the worker.  Returns its result; a signal for the
 * caller during the run kicks the vCPU (the run then normally ends with
 * -EINTR).  @kicked: a kick was posted during this call.
 */
static int run_once(struct shim_vcpu *v, bool *kicked)
{
	struct pollfd pfd[2] = { { .fd = v->done_efd, .events = POLLIN } };
	sigset_t mask;
	uint64_t cnt;
	int r, nfds;

	nfds = run_wait_setup(v, pfd, &mask);
	pthread_mutex_lock(&v->wlock);
	v->go = true;
	pthread_cond_signal(&v->wcond);
	pthread_mutex_unlock(&v->wlock);
	for (;;) {
		r = ppoll(pfd, nfds, NULL, v->sigmask_set ? &mask : NULL);
		if (r > 0 && (pfd[0].revents & POLLIN))
			break;
		if ((r > 0 || (r < 0 && errno == EINTR)) && !*kicked) {
			hv_vcpu_kick(v->vcpu);
			*kicked = true;
		}
		/* After the kick, only the worker's answer matters. */
		if (r > 0)
			nfds = 1;
	}
	if (shim_libc()->read(v->done_efd, &cnt, sizeof(cnt)) < 0)
		return -EIO;
	pthread_mutex_lock(&v->wlock);
	r = v->run_ret;
	pthread_mutex_unlock(&v->wlock);
	return r;
}

/* The program's answer to the last exit, into the backend's exit record. */
static void complete_exit(struct shim_vcpu *v)
{
	struct kvm_run *run = v->run;
	struct hv_exit *e = hv_vcpu_exit(v->vcpu);
	const struct shim_run_hypercall *hc = (const void *)&run->hypercall;

	switch (v->pending) {
	case KVM_EXIT_IO:
		if (e->io.direction == HV_EXIT_IO_IN)
			memcpy(e->io.data, (uint8_t *)run + SHIM_PIO_OFFSET,
			       (size_t)e->io.size * e->io.count);
		break;
	case KVM_EXIT_MMIO:
		if (!e->mmio.is_write)
			memcpy(e->mmio.data, run->mmio.data,
			       sizeof(e->mmio.data));
		break;
	case KVM_EXIT_X86_RDMSR:
		e->msr.data = run->msr.data;
		/* fallthrough */
	case KVM_EXIT_X86_WRMSR:
		e->msr.error = run->msr.error;
		break;
	case KVM_EXIT_HYPERV:
		e->hyperv = run->hyperv;
		break;
	case KVM_EXIT_HYPERCALL:
		e->hypercall.ret = hc->ret;
		break;
	}
}

/* hv_exit -> kvm_run, field by field as KVM fills it. */
static int write_exit(struct shim_vcpu *v, int ret)
{
	struct kvm_run *run = v->run;
	struct hv_exit *e = hv_vcpu_exit(v->vcpu);
	struct shim_run_hypercall *hc = (void *)&run->hypercall;
	struct shim_run_memory_fault *mf = (void *)&run->mmio;
	size_t bytes;

	v->pending = 0;
	run->flags = e->flags & KVM_RUN_X86_SMM;
	switch (e->reason) {
	case HV_EXIT_IO:
		run->exit_reason = KVM_EXIT_IO;
		run->io.direction = e->io.direction == HV_EXIT_IO_OUT ?
				    KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
		run->io.size = e->io.size;
		run->io.port = e->io.port;
		run->io.count = e->io.count;
		run->io.data_offset = SHIM_PIO_OFFSET;
		bytes = (size_t)e->io.size * e->io.count;
		if (bytes > SHIM_RUN_SIZE - SHIM_PIO_OFFSET)
			goto internal;
		if (e->io.direction == HV_EXIT_IO_OUT)
			memcpy((uint8_t *)run + SHIM_PIO_OFFSET, e->io.data, bytes);
		v->pending = KVM_EXIT_IO;
		break;
	case HV_EXIT_MMIO:
		run->exit_reason = KVM_EXIT_MMIO;
		run->mmio.phys_addr = e->mmio.phys_addr;
		memcpy(run->mmio.data, e->mmio.data, sizeof(run->mmio.data));
		run->mmio.len = e->mmio.len;
		run->mmio.is_write = e->mmio.is_write;
		v->pending = KVM_EXIT_MMIO;
		break;
	case HV_EXIT_HLT:
		run->exit_reason = KVM_EXIT_HLT;
		break;
	case HV_EXIT_SHUTDOWN:
		run->exit_reason = KVM_EXIT_SHUTDOWN;
		break;
	case HV_EXIT_INTR:
		run->exit_reason = KVM_EXIT_INTR;
		break;
	case HV_EXIT_INTERNAL_ERROR:
		run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
		run->internal.suberror = e->internal.suberror;
		run->internal.ndata = e->internal.ndata;
		memcpy(run->internal.data, e->internal.data,
		       sizeof(run->internal.data));
		break;
	case HV_EXIT_FAIL_ENTRY:
		run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason =
			e->fail_entry.hardware_entry_failure_reason;
		run->fail_entry.cpu = e->fail_entry.cpu;
		break;
	case HV_EXIT_RDMSR:
	case HV_EXIT_WRMSR:
		run->exit_reason = e->reason == HV_EXIT_RDMSR ?
				   KVM_EXIT_X86_RDMSR : KVM_EXIT_X86_WRMSR;
		memset(&run->msr, 0, sizeof(run->msr));
		run->msr.reason = e->msr.reason;
		run->msr.index = e->msr.index;
		run->msr.data = e->msr.data;
		v->pending = run->exit_reason;
		break;
	case HV_EXIT_HYPERV:
		run->exit_reason = KVM_EXIT_HYPERV;
		run->hyperv = e->hyperv;
		v->pending = KVM_EXIT_HYPERV;
		break;
	case HV_EXIT_MEMORY_FAULT:
		run->exit_reason = SHIM_EXIT_MEMORY_FAULT;
		mf->flags = e->memory_fault.flags;
		mf->gpa = e->memory_fault.gpa;
		mf->size = e->memory_fault.size;
		break;
	case HV_EXIT_HYPERCALL:
		run->exit_reason = KVM_EXIT_HYPERCALL;
		hc->nr = e->hypercall.nr;
		memcpy(hc->args, e->hypercall.args, sizeof(hc->args));
		hc->ret = e->hypercall.ret;
		hc->flags = e->hypercall.flags;
		v->pending = KVM_EXIT_HYPERCALL;
		break;
	case HV_EXIT_DEBUG:
		run->exit_reason = KVM_EXIT_DEBUG;
		run->debug.arch.exception = e->debug.exception;
		run->debug.arch.pc = e->debug.pc;
		run->debug.arch.dr6 = e->debug.dr6;
		run->debug.arch.dr7 = e->debug.dr7;
		break;
	case HV_EXIT_SYSTEM_EVENT:
		run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
		run->system_event.type = e->system_event.type;
		run->system_event.ndata = e->system_event.ndata;
		memcpy(run->system_event.data, e->system_event.data,
		       sizeof(run->system_event.data));
		break;
	default:
		run->exit_reason = KVM_EXIT_UNKNOWN;
		break;
	}
	return ret;

internal:
	/* Cannot happen with emu (one PIO element per exit); never overflow. */
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->internal.ndata = 0;
	return 0;
}

static int sync_regs_in(struct shim_vcpu *v)
{
	struct kvm_run *run = v->run;
	int r;

	if (run->kvm_dirty_regs & KVM_SYNC_X86_REGS) {
		r = hv_vcpu_set_regs(v->vcpu, &run->s.regs.regs);
		if (r)
			return r;
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_REGS;
	}
	if (run->kvm_dirty_regs & KVM_SYNC_X86_SREGS) {
		r = hv_vcpu_set_sregs(v->vcpu, &run->s.regs.sregs);
		if (r)
			return r;
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_SREGS;
	}
	if (run->kvm_dirty_regs & KVM_SYNC_X86_EVENTS) {
		r = hv_vcpu_set_events(v->vcpu, &run->s.regs.events);
		if (r)
			return r;
		run->kvm_dirty_regs &= ~KVM_SYNC_X86_EVENTS;
	}
	return 0;
}

/* store_regs() and post_kvm_run_save() of KVM. */
static void sync_regs_out(struct shim_vcpu *v)
{
	struct kvm_run *run = v->run;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (run->kvm_valid_regs & KVM_SYNC_X86_REGS)
		hv_vcpu_get_regs(v->vcpu, &run->s.regs.regs);
	if (run->kvm_valid_regs & KVM_SYNC_X86_SREGS)
		hv_vcpu_get_sregs(v->vcpu, &run->s.regs.sregs);
	if (run->kvm_valid_regs & KVM_SYNC_X86_EVENTS)
		hv_vcpu_get_events(v->vcpu, &run->s.regs.events);
	if (!hv_vcpu_get_regs(v->vcpu, &regs))
		run->if_flag = !!(regs.rflags & (1u << 9));
	if (!hv_vcpu_get_sregs(v->vcpu, &sregs)) {
		run->cr8 = sregs.cr8;
		run->apic_base = sregs.apic_base;
	}
	/* Only an irqchip-less VM asks; emu takes KVM_INTERRUPT any time. */
	run->ready_for_interrupt_injection = 1;
}

long shim_vcpu_run(struct shim_vcpu *v)
{
	struct kvm_run *run = v->run;
	bool kicked = false, immediate;
	int ret;

	run->flags = 0;
	if ((run->kvm_valid_regs & ~SYNC_FIELDS) ||
	    (run->kvm_dirty_regs & ~SYNC_FIELDS)) {
		ret = -EINVAL;
		goto out;
	}
	ret = sync_regs_in(v);
	if (ret)
		goto out;
	immediate = __atomic_load_n(&run->immediate_exit, __ATOMIC_RELAXED);
	if (v->pending)
		complete_exit(v);
	if (immediate) {
		ret = -EINTR;
		if (!v->pending)
			goto out;
		/* Finish the instruction of the pending exit, then stop. */
		hv_vcpu_kick(v->vcpu);
		kicked = true;
	}
	for (;;) {
		bool this_kick = kicked;

		ret = run_once(v, &this_kick);
		if (ret == -EINTR && hv_vcpu_exit(v->vcpu)->reason ==
		    HV_EXIT_INTR && v->stale_kick && !this_kick) {
			/* A kick meant for an earlier KVM_RUN: run on. */
			v->stale_kick = false;
			continue;
		}
		if (this_kick && ret != -EINTR)
			v->stale_kick = true;	/* still posted */
		else if (ret == -EINTR)
			v->stale_kick = false;
		break;
	}
	if (immediate && ret == -EINTR) {
		/* As KVM: the exit fields keep the completed exit's values. */
		v->pending = 0;
		goto out;
	}
	ret = write_exit(v, ret);
out:
	sync_regs_out(v);
	return ret;
}
