// SPDX-License-Identifier: GPL-2.0
/*
 * sys.c - the /dev/kvm file: KVM_GET_API_VERSION, KVM_CREATE_VM,
 * KVM_CHECK_EXTENSION, KVM_GET_VCPU_MMAP_SIZE and the supported CPUID and
 * MSR lists, all answered by the emu backend.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kvm_abi.h"
#include "shim.h"

/* KVM_GET_SUPPORTED_CPUID accepts at most this many entries. */
#define SHIM_MAX_CPUID_ENTRIES	256

int shim_memfd(const char *name, size_t size, bool cloexec)
{
	int fd = memfd_create(name, cloexec ? MFD_CLOEXEC : 0);

	if (fd < 0)
		return -errno;
	if (size && ftruncate(fd, (off_t)size)) {
		int ret = -errno;

		shim_libc()->close(fd);
		return ret;
	}
	return fd;
}

/*
 * A bad pointer from the program must be -EFAULT, as the kernel's
 * copy_from_user makes it, not a SIGSEGV in the shim: process_vm_readv()
 * on ourselves checks the range the same way.
 */
int shim_copy_from_user(void *dst, unsigned long src, size_t len)
{
	struct iovec l = { dst, len }, r = { (void *)src, len };

	if (!len)
		return 0;
	if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) != (ssize_t)len)
		return -EFAULT;
	return 0;
}

int shim_copy_to_user(unsigned long dst, const void *src, size_t len)
{
	struct iovec l = { (void *)src, len }, r = { (void *)dst, len };

	if (!len)
		return 0;
	if (process_vm_writev(getpid(), &l, 1, &r, 1, 0) != (ssize_t)len)
		return -EFAULT;
	return 0;
}

static void sys_release(struct shim_obj *obj)
{
	free(container_of(obj, struct shim_sys, obj));
}

int shim_sys_open(int flags)
{
	struct shim_sys *sys;
	int fd, ret, abi;

	abi = shim_abi_from_env();
	if (abi < 0)
		return abi;
	if ((flags & O_ACCMODE) != O_RDWR && (flags & O_ACCMODE) != O_RDONLY &&
	    (flags & O_ACCMODE) != O_WRONLY)
		return -EINVAL;
	sys = calloc(1, sizeof(*sys));
	if (!sys)
		return -ENOMEM;
	sys->obj.kind = SHIM_SYS;
	sys->abi = (unsigned int)abi;
	sys->obj.release = sys_release;
	atomic_init(&sys->obj.refs, 1);
	fd = shim_memfd("kvm", 0, flags & O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	ret = shim_fd_install(fd, &sys->obj);
	if (ret) {
		shim_libc()->close(fd);
		goto out;
	}
	ret = fd;
out:
	shim_put(&sys->obj);
	return ret;
}

/* A throwaway emu instance for the questions asked of /dev/kvm itself. */
static int with_hv(struct hv **hv)
{
	return hv_open(HV_ACCEL_EMU, hv, NULL, 0);
}

static long sys_get_cpuid(unsigned long arg)
{
	struct kvm_cpuid2 head, *c;
	struct hv *hv;
	size_t bytes;
	long ret;

	if (shim_copy_from_user(&head, arg, sizeof(head)))
		return -EFAULT;
	if (head.nent < 1)
		return -E2BIG;
	if (head.nent > SHIM_MAX_CPUID_ENTRIES)
		head.nent = SHIM_MAX_CPUID_ENTRIES;
	bytes = sizeof(*c) + head.nent * sizeof(c->entries[0]);
	c = calloc(1, bytes);
	if (!c)
		return -ENOMEM;
	c->nent = head.nent;
	ret = with_hv(&hv);
	if (ret)
		goto out;
	ret = hv_get_supported_cpuid(hv, c);
	hv_close(hv);
	if (ret)
		goto out;
	bytes = sizeof(*c) + c->nent * sizeof(c->entries[0]);
	ret = shim_copy_to_user(arg, c, bytes);
out:
	free(c);
	return ret;
}

static long sys_get_msr_list(unsigned long arg)
{
	struct kvm_msr_list head, *l;
	struct hv *hv;
	long ret;

	if (shim_copy_from_user(&head, arg, sizeof(head)))
		return -EFAULT;
	l = calloc(1, sizeof(*l) + head.nmsrs * sizeof(l->indices[0]));
	if (!l)
		return -ENOMEM;
	l->nmsrs = head.nmsrs;
	ret = with_hv(&hv);
	if (ret)
		goto out;
	ret = hv_get_msr_index_list(hv, l);
	hv_close(hv);
	if (ret == -E2BIG) {
		/* KVM reports the count it needs and fails. */
		if (shim_copy_to_user(arg, &l->nmsrs, sizeof(l->nmsrs)))
			ret = -EFAULT;
		goto out;
	}
	if (ret)
		goto out;
	ret = shim_copy_to_user(arg, l, sizeof(*l) +
				l->nmsrs * sizeof(l->indices[0]));
out:
	free(l);
	return ret;
}

/*
 * KVM_GET_SUPPORTED_HV_CPUID on /dev/kvm (KVM_CAP_SYS_HYPERV_CPUID): the
 * same answer as on a vCPU, asked of a vCPU of a throwaway VM.  That VM
 * gets an in-kernel irqchip: KVM's system answer includes what needs one
 * (direct synthetic timers, synthetic cluster IPIs).
 */
static long sys_get_hv_cpuid(unsigned long arg)
{
	struct hv_vm_config cfg = { 0 };
	struct kvm_cpuid2 head, *c = NULL;
	struct hv_vcpu *vcpu;
	struct hv_vm *vm;
	struct hv *hv;
	long ret;

	if (shim_copy_from_user(&head, arg, sizeof(head)))
		return -EFAULT;
	if (head.nent > SHIM_MAX_CPUID_ENTRIES)
		head.nent = SHIM_MAX_CPUID_ENTRIES;
	ret = with_hv(&hv);
	if (ret)
		return ret;
	ret = hv_vm_create(hv, &cfg, &vm);
	if (ret)
		goto out_hv;
	ret = hv_create_irqchip(vm);
	if (ret && ret != -EOPNOTSUPP)
		goto out_vm;
	ret = hv_vcpu_create(vm, 0, &vcpu);
	if (ret)
		goto out_vm;
	c = calloc(1, sizeof(*c) + head.nent * sizeof(c->entries[0]));
	if (!c) {
		ret = -ENOMEM;
		goto out_vcpu;
	}
	c->nent = head.nent;
	ret = hv_vcpu_get_supported_hv_cpuid(vcpu, c);
	if (!ret)
		ret = shim_copy_to_user(arg, c, sizeof(*c) +
					c->nent * sizeof(c->entries[0]));
	free(c);
out_vcpu:
	hv_vcpu_destroy(vcpu);
out_vm:
	hv_vm_destroy(vm);
out_hv:
	hv_close(hv);
	return ret == -EOPNOTSUPP ? -EINVAL : ret;
}

/* KVM_X86_GET_MCE_CAP_SUPPORTED (with KVM_CAP_MCE). */
static long sys_get_mce_cap(unsigned long arg)
{
	uint64_t cap = 0;
	struct hv *hv;
	long ret;

	ret = with_hv(&hv);
	if (ret)
		return ret;
	ret = hv_get_mce_cap_supported(hv, &cap);
	hv_close(hv);
	if (ret)
		return ret == -EOPNOTSUPP ? -EINVAL : ret;
	return shim_copy_to_user(arg, &cap, sizeof(cap));
}

long shim_sys_ioctl(struct shim_sys *sys, unsigned long req, unsigned long arg)
{
	struct hv *hv;
	long ret;

	switch (req) {
	case KVM_GET_API_VERSION:
		return arg ? -EINVAL : KVM_API_VERSION;
	case KVM_CREATE_VM:
		return shim_vm_create(sys, arg);
	case KVM_CHECK_EXTENSION:
		ret = with_hv(&hv);
		if (ret)
			return ret;
		ret = shim_check_extension(hv, NULL, sys->abi, (long)arg);
		hv_close(hv);
		return ret;
	case KVM_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : SHIM_RUN_SIZE;
	case KVM_GET_SUPPORTED_CPUID:
		return sys_get_cpuid(arg);
	case KVM_GET_MSR_INDEX_LIST:
		return sys_get_msr_list(arg);
	case KVM_GET_SUPPORTED_HV_CPUID:
		return sys_get_hv_cpuid(arg);
	case KVM_X86_GET_MCE_CAP_SUPPORTED:
		return sys_get_mce_cap(arg);
	default:
		/* Feature MSRs, emulated CPUID, ...: not offered. */
		return -EINVAL;
	}
}
