// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu.c - the vCPU file: creation, the state ioctls and KVM_SET_SIGNAL_MASK.
 * KVM_RUN is in run.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm_abi.h"
#include "vcpu.h"

/* KVM's bounds on variable-length arguments (MAX_IO_MSRS, cpuid). */
#define SHIM_MAX_IO_MSRS	256
#define SHIM_MAX_CPUID		256

static void vcpu_release(struct shim_obj *obj)
{
	struct shim_vcpu *v = container_of(obj, struct shim_vcpu, obj);
	struct shim_vm *vm = v->vm;

	shim_run_fini(v);
	hv_vcpu_destroy(v->vcpu);
	free(v->cpuid);
	munmap(v->run, SHIM_RUN_SIZE);
	pthread_mutex_destroy(&v->lock);
	pthread_mutex_lock(&vm->lock);
	vm->vcpu_ids[v->id / 64] &= ~(1ull << (v->id % 64));
	pthread_mutex_unlock(&vm->lock);
	free(v);
	shim_put(&vm->obj);
}

int shim_vcpu_create(struct shim_vm *vm, unsigned long id)
{
	struct shim_vcpu *v;
	int fd, ret;

	/* The whole argument counts: ids with bits 63:32 set are invalid. */
	if (id >= (unsigned long)hv_check_cap(vm->hv, HV_CAP_MAX_VCPUS) ||
	    id >= SHIM_MAX_VCPU_ID ||
	    (vm->max_vcpu_id && id >= vm->max_vcpu_id))
		return -EINVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->obj.kind = SHIM_VCPU;
	v->obj.release = vcpu_release;
	atomic_init(&v->obj.refs, 1);
	v->id = id;
	pthread_mutex_init(&v->lock, NULL);
	fd = shim_memfd("kvm-vcpu", SHIM_RUN_SIZE, true);
	if (fd < 0) {
		ret = fd;
		goto err_free;
	}
	v->run = mmap(NULL, SHIM_RUN_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      fd, 0);
	if (v->run == MAP_FAILED) {
		ret = -errno;
		goto err_close;
	}
	pthread_mutex_lock(&vm->lock);
	if (vm->vcpu_ids[id / 64] & (1ull << (id % 64))) {
		ret = -EEXIST;
	} else {
		ret = hv_vcpu_create(vm->vm, id, &v->vcpu);
		if (!ret && vm->tsc_khz) {
			ret = hv_vcpu_set_tsc_khz(v->vcpu, vm->tsc_khz);
			if (ret)
				hv_vcpu_destroy(v->vcpu);
		}
		if (!ret) {
			vm->vcpu_ids[id / 64] |= 1ull << (id % 64);
			vm->nr_vcpus++;
		}
	}
	pthread_mutex_unlock(&vm->lock);
	if (ret)
		goto err_unmap;
	ret = shim_run_init(v);
	if (ret) {
		hv_vcpu_destroy(v->vcpu);
		pthread_mutex_lock(&vm->lock);
		vm->vcpu_ids[id / 64] &= ~(1ull << (id % 64));
		pthread_mutex_unlock(&vm->lock);
		goto err_unmap;
	}
	/* Complete: the release hook owns everything from here. */
	shim_get(&vm->obj);
	v->vm = vm;
	ret = shim_fd_install(fd, &v->obj);
	if (ret)
		shim_libc()->close(fd);
	shim_put(&v->obj);
	return ret ? ret : fd;

err_unmap:
	munmap(v->run, SHIM_RUN_SIZE);
err_close:
	shim_libc()->close(fd);
err_free:
	pthread_mutex_destroy(&v->lock);
	free(v);
	return ret;
}

/* ------------------------------------------------------ fixed-size state */

/*
 * GET: call, then copy out.  SET: copy in, then call.  Bad pointers are
 * -EFAULT before the backend sees anything.
 */
#define STATE_GET(type, fn)						\
	do {								\
		type s;							\
		long r;							\
		memset(&s, 0, sizeof(s));				\
		r = fn(v->vcpu, &s);					\
		return r ? r : shim_copy_to_user(arg, &s, sizeof(s));	\
	} while (0)

#define STATE_SET(type, fn)						\
	do {								\
		type s;							\
		if (shim_copy_from_user(&s, arg, sizeof(s)))		\
			return -EFAULT;					\
		return fn(v->vcpu, &s);					\
	} while (0)

static long vcpu_msrs(struct shim_vcpu *v, unsigned long arg, bool set)
{
	struct kvm_msrs head, *m;
	size_t bytes;
	long ret;

	if (shim_copy_from_user(&head, arg, sizeof(head)))
		return -EFAULT;
	if (head.nmsrs >= SHIM_MAX_IO_MSRS)
		return -E2BIG;
	bytes = sizeof(*m) + head.nmsrs * sizeof(m->entries[0]);
	m = malloc(bytes);
	if (!m)
		return -ENOMEM;
	ret = shim_copy_from_user(m, arg, bytes);
	if (ret)
		goto out;
	m->nmsrs = head.nmsrs;
	ret = set ? hv_vcpu_set_msrs(v->vcpu, m) : hv_vcpu_get_msrs(v->vcpu, m);
	if (ret > 0 && !set &&
	    shim_copy_to_user(arg + sizeof(*m), m->entries,
			      (size_t)ret * sizeof(m->entries[0])))
		ret = -EFAULT;
out:
	free(m);
	return ret;
}

static long vcpu_cpuid2(struct shim_vcpu *v, unsigned long arg, bool hv_cpuid)
{
	struct kvm_cpuid2 head, *c;
	size_t bytes;
	long ret;

	if (shim_copy_from_user(&head, arg, sizeof(head)))
		return -EFAULT;
	if (head.nent > SHIM_MAX_CPUID) {
		if (!hv_cpuid)
			return -E2BIG;
		head.nent = SHIM_MAX_CPUID;
	}
	bytes = sizeof(*c) + head.nent * sizeof(c->entries[0]);
	c = calloc(1, bytes);
	if (!c)
		return -ENOMEM;
	if (!hv_cpuid) {
		ret = shim_copy_from_user(c, arg, bytes);
		if (!ret)
			ret = hv_vcpu_set_cpuid(v->vcpu, c);
		if (!ret) {
			/* Kept for KVM_GET_CPUID2, which hv does not have. */
			free(v->cpuid);
			v->cpuid = c;
			return 0;
		}
		goto out;
	}
	c->nent = head.nent;
	ret = hv_vcpu_get_supported_hv_cpuid(v->vcpu, c);
	if (ret)
		goto out;
	ret = shim_copy_to_user(arg, c, sizeof(*c) +
				c->nent * sizeof(c->entries[0]));
out:
	free(c);
	return ret;
}

/* KVM_GET_CPUID2: what KVM_SET_CPUID2 set (nothing before it). */
static long vcpu_get_cpuid2(struct shim_vcpu *v, unsigned long arg)
{
	struct kvm_cpuid2 head;
	uint32_t n = v->cpuid ? v->cpuid->nent : 0;

	if (shim_copy_from_user(&head, arg, sizeof(head)))
		return -EFAULT;
	if (head.nent < n)
		return -E2BIG;
	if (n && shim_copy_to_user(arg + sizeof(head), v->cpuid->entries,
				   n * sizeof(v->cpuid->entries[0])))
		return -EFAULT;
	head.nent = n;
	return shim_copy_to_user(arg, &head, sizeof(head));
}

static long vcpu_signal_mask(struct shim_vcpu *v, unsigned long arg)
{
	struct kvm_signal_mask head;
	uint64_t bits;

	if (!arg) {
		v->sigmask_set = false;
		return 0;
	}
	if (shim_copy_from_user(&head, arg, sizeof(head)))
		return -EFAULT;
	if (head.len != sizeof(bits))
		return -EINVAL;
	if (shim_copy_from_user(&bits, arg + sizeof(head), sizeof(bits)))
		return -EFAULT;
	sigemptyset(&v->sigmask);
	memcpy(&v->sigmask, &bits, sizeof(bits));
	/* As the kernel's sigprocmask: these cannot be blocked. */
	sigdelset(&v->sigmask, SIGKILL);
	sigdelset(&v->sigmask, SIGSTOP);
	v->sigmask_set = true;
	return 0;
}

static long vcpu_enable_cap(struct shim_vcpu *v, unsigned long arg)
{
	struct kvm_enable_cap cap;
	int h;

	if (shim_copy_from_user(&cap, arg, sizeof(cap)))
		return -EFAULT;
	if (cap.flags)
		return -EINVAL;
	h = shim_cap_to_hv(cap.cap);
	if (h != HV_CAP_HYPERV_ENFORCE_CPUID && h != HV_CAP_HYPERV_SYNIC)
		return -EINVAL;
	if (!hv_check_cap(v->vm->hv, h))
		return -EINVAL;
	return hv_vcpu_enable_cap(v->vcpu, h, cap.cap == KVM_CAP_HYPERV_SYNIC2 ||
				  cap.cap == KVM_CAP_HYPERV_SYNIC ? 1 :
				  cap.args[0]);
}

static long vcpu_pre_fault(struct shim_vcpu *v, unsigned long arg)
{
	struct shim_pre_fault_memory p;
	long ret;
	size_t i;

	if (shim_copy_from_user(&p, arg, sizeof(p)))
		return -EFAULT;
	for (i = 0; i < ARRAY_SIZE(p.padding); i++)
		if (p.padding[i])
			return -EINVAL;
	ret = hv_vcpu_pre_fault_memory(v->vcpu, &p.gpa, &p.size, p.flags);
	if (shim_copy_to_user(arg, &p, sizeof(p)))
		return -EFAULT;
	return ret;
}

/*
 * KVM_SET_VAPIC_ADDR: KVM mirrors the TPR into a guest page for QEMU's
 * kvmvapic option ROM (TPR patching for old 32-bit Windows, which needs
 * TPR-access exits emu never gives).  QEMU clears the address at every
 * reset; that works.  A real page is refused rather than left stale.
 */
static long vcpu_set_vapic_addr(struct shim_vcpu *v, unsigned long arg)
{
	struct kvm_vapic_addr va;

	if (shim_copy_from_user(&va, arg, sizeof(va)))
		return -EFAULT;
	if (!v->vm->irqchip)
		return -EINVAL;
	return va.vapic_addr ? -EINVAL : 0;
}

static long vcpu_ioctl_locked(struct shim_vcpu *v, unsigned long req,
			      unsigned long arg)
{
	switch (req) {
	case KVM_RUN:
		return arg ? -EINVAL : shim_vcpu_run(v);
	case KVM_GET_REGS:
		STATE_GET(struct kvm_regs, hv_vcpu_get_regs);
	case KVM_SET_REGS:
		STATE_SET(struct kvm_regs, hv_vcpu_set_regs);
	case KVM_GET_SREGS:
		STATE_GET(struct kvm_sregs, hv_vcpu_get_sregs);
	case KVM_SET_SREGS:
		STATE_SET(struct kvm_sregs, hv_vcpu_set_sregs);
	case KVM_GET_FPU:
		STATE_GET(struct kvm_fpu, hv_vcpu_get_fpu);
	case KVM_SET_FPU:
		STATE_SET(struct kvm_fpu, hv_vcpu_set_fpu);
	case KVM_GET_XSAVE:
		STATE_GET(struct kvm_xsave, hv_vcpu_get_xsave);
	case KVM_SET_XSAVE:
		STATE_SET(struct kvm_xsave, hv_vcpu_set_xsave);
	case KVM_GET_XCRS:
		STATE_GET(struct kvm_xcrs, hv_vcpu_get_xcrs);
	case KVM_SET_XCRS:
		STATE_SET(struct kvm_xcrs, hv_vcpu_set_xcrs);
	case KVM_GET_LAPIC:
		STATE_GET(struct kvm_lapic_state, hv_vcpu_get_lapic);
	case KVM_SET_LAPIC:
		STATE_SET(struct kvm_lapic_state, hv_vcpu_set_lapic);
	case KVM_GET_MP_STATE:
		STATE_GET(struct kvm_mp_state, hv_vcpu_get_mp_state);
	case KVM_SET_MP_STATE:
		STATE_SET(struct kvm_mp_state, hv_vcpu_set_mp_state);
	case KVM_GET_VCPU_EVENTS:
		STATE_GET(struct kvm_vcpu_events, hv_vcpu_get_events);
	case KVM_SET_VCPU_EVENTS:
		STATE_SET(struct kvm_vcpu_events, hv_vcpu_set_events);
	case KVM_GET_DEBUGREGS:
		STATE_GET(struct kvm_debugregs, hv_vcpu_get_debugregs);
	case KVM_SET_DEBUGREGS:
		STATE_SET(struct kvm_debugregs, hv_vcpu_set_debugregs);
	case KVM_SET_GUEST_DEBUG:
		STATE_SET(struct kvm_guest_debug, hv_vcpu_set_guest_debug);
	case KVM_GET_MSRS:
		return vcpu_msrs(v, arg, false);
	case KVM_SET_MSRS:
		return vcpu_msrs(v, arg, true);
	case KVM_SET_CPUID2:
		return vcpu_cpuid2(v, arg, false);
	case KVM_GET_CPUID2:
		return vcpu_get_cpuid2(v, arg);
	case KVM_GET_SUPPORTED_HV_CPUID:
		return vcpu_cpuid2(v, arg, true);
	case KVM_INTERRUPT: {
		struct kvm_interrupt irq;

		if (shim_copy_from_user(&irq, arg, sizeof(irq)))
			return -EFAULT;
		return hv_vcpu_interrupt(v->vcpu, irq.irq);
	}
	case KVM_NMI:
		return hv_vcpu_nmi(v->vcpu);
	case KVM_SMI:
		return hv_vcpu_smi(v->vcpu);
	case KVM_SET_SIGNAL_MASK:
		return vcpu_signal_mask(v, arg);
	case KVM_ENABLE_CAP:
		return vcpu_enable_cap(v, arg);
	case KVM_GET_TSC_KHZ:
		return hv_vcpu_get_tsc_khz(v->vcpu);
	case KVM_SET_TSC_KHZ:
		return hv_vcpu_set_tsc_khz(v->vcpu, (uint32_t)arg);
	case SHIM_PRE_FAULT_MEMORY:
		return vcpu_pre_fault(v, arg);
	case KVM_SET_VAPIC_ADDR:
		return vcpu_set_vapic_addr(v, arg);
	case KVM_X86_SETUP_MCE: {
		uint64_t cap;

		if (shim_copy_from_user(&cap, arg, sizeof(cap)))
			return -EFAULT;
		return hv_vcpu_setup_mce(v->vcpu, cap);
	}
	default:
		/* KVM's x86 vCPU ioctl default. */
		return -EINVAL;
	}
}

long shim_vcpu_ioctl(struct shim_vcpu *v, unsigned long req, unsigned long arg)
{
	long ret;

	if (v->vm->owner != getpid())
		return -EIO;
	/* KVM holds vcpu->mutex for every vCPU ioctl; so do we. */
	pthread_mutex_lock(&v->lock);
	ret = vcpu_ioctl_locked(v, req, arg);
	pthread_mutex_unlock(&v->lock);
	/* -EOPNOTSUPP from hv: a capability not advertised. */
	return ret == -EOPNOTSUPP ? -EINVAL : ret;
}
