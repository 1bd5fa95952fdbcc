// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_mem.c - memslots, dirty logging, memory attributes and guest_memfd
 * on the KVM backend.
 */
#include <fcntl.h>

#include "kvm_priv.h"

#define KVM_BE_PAGE_SIZE	4096ull

static uint32_t kvm_slot_id(uint16_t as_id, uint16_t slot)
{
	return (uint32_t)as_id << 16 | slot;
}

/*
 * Checks that are ours to make (a missing capability is -EOPNOTSUPP, which
 * KVM would report as -EINVAL); everything else KVM validates itself, and
 * the cheap duplicates here only keep the errors identical on kernels that
 * predate REGION2.
 */
static int kvm_check_memslot(struct kvm_be *kvm, const struct hv_memslot *s)
{
	const uint32_t known = HV_MEM_LOG_DIRTY_PAGES | HV_MEM_READONLY |
			       HV_MEM_GUEST_MEMFD;

	if (s->flags & ~known)
		return -EINVAL;
	if ((s->flags & HV_MEM_GUEST_MEMFD) &&
	    (s->flags & (HV_MEM_LOG_DIRTY_PAGES | HV_MEM_READONLY)))
		return -EINVAL;
	if ((s->flags & HV_MEM_GUEST_MEMFD) && !kvm->caps[HV_CAP_GUEST_MEMFD])
		return -EOPNOTSUPP;
	if ((s->flags & HV_MEM_READONLY) && !kvm->caps[HV_CAP_READONLY_MEM])
		return -EOPNOTSUPP;
	/* Address space 1 is the SMM view; KVM reports how many it has. */
	if (s->as_id && s->as_id >= kvm->caps[HV_CAP_MULTI_ADDRESS_SPACE])
		return s->as_id == HV_AS_SMM ? -EOPNOTSUPP : -EINVAL;
	if (!IS_ALIGNED(s->guest_phys_addr, KVM_BE_PAGE_SIZE) ||
	    !IS_ALIGNED(s->memory_size, KVM_BE_PAGE_SIZE) ||
	    !IS_ALIGNED((uintptr_t)s->userspace_addr, KVM_BE_PAGE_SIZE))
		return -EINVAL;
	return 0;
}

int kvm_be_set_memslot(struct hv_vm *hvm, const struct hv_memslot *s)
{
	struct kvm_be_vm *vm = to_kvm_vm(hvm);
	struct kvm_be *kvm = vm_kvm(vm);
	struct kvm_be_memory_region2 r = {
		.slot = kvm_slot_id(s->as_id, s->slot),
		.flags = s->flags,
		.guest_phys_addr = s->guest_phys_addr,
		.memory_size = s->memory_size,
		.userspace_addr = (uintptr_t)s->userspace_addr,
	};
	int ret;

	ret = kvm_check_memslot(kvm, s);
	if (ret)
		return ret;
	if (s->flags & HV_MEM_GUEST_MEMFD) {
		if (s->guest_memfd < 0)
			return -EBADF;
		r.guest_memfd = s->guest_memfd;
		r.guest_memfd_offset = s->guest_memfd_offset;
	}
	if (kvm->caps[HV_CAP_USER_MEMORY2])
		return kvm_be_ioctl(vm->fd, KVM_BE_SET_USER_MEMORY_REGION2, &r);
	/* The old struct is the first 32 bytes of the new one. */
	return kvm_be_ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r);
}

int kvm_be_get_dirty_log(struct hv_vm *hvm, uint16_t as_id, uint16_t slot,
			 uint64_t *bitmap)
{
	struct kvm_dirty_log log = {
		.slot = kvm_slot_id(as_id, slot),
		.dirty_bitmap = bitmap,
	};

	return kvm_be_ioctl(to_kvm_vm(hvm)->fd, KVM_GET_DIRTY_LOG, &log);
}

int kvm_be_set_memory_attributes(struct hv_vm *hvm, uint64_t gpa,
				 uint64_t size, uint64_t attributes,
				 uint64_t flags)
{
	struct kvm_be_vm *vm = to_kvm_vm(hvm);
	struct kvm_be_memory_attributes a = {
		.address = gpa,
		.size = size,
		.attributes = attributes,
		.flags = flags,
	};

	if (!vm_kvm(vm)->caps[HV_CAP_MEMORY_ATTRIBUTES])
		return -EOPNOTSUPP;
	return kvm_be_ioctl(vm->fd, KVM_BE_SET_MEMORY_ATTRIBUTES, &a);
}

int kvm_be_create_guest_memfd(struct hv_vm *hvm, uint64_t size,
			      uint64_t flags)
{
	struct kvm_be_vm *vm = to_kvm_vm(hvm);
	struct kvm_be_create_guest_memfd g = { .size = size, .flags = flags };

	/* Flags are validated per VM type by KVM (-EINVAL), as upstream. */
	if (!vm_kvm(vm)->caps[HV_CAP_GUEST_MEMFD])
		return -EOPNOTSUPP;
	return kvm_be_ioctl(vm->fd, KVM_BE_CREATE_GUEST_MEMFD, &g);
}

/* KVM validates and implements it: the fd is the kernel's guest_memfd. */
int kvm_be_guest_memfd_fallocate(struct hv *hv, int fd, int mode,
				 uint64_t offset, uint64_t len)
{
	if (!to_kvm(hv)->caps[HV_CAP_GUEST_MEMFD])
		return -EOPNOTSUPP;
	if (offset > INT64_MAX || len > INT64_MAX)
		return -EINVAL;
	if (fallocate(fd, mode, (off_t)offset, (off_t)len))
		return -errno;
	return 0;
}

int kvm_be_vm_check_cap(struct hv_vm *hvm, enum hv_cap cap)
{
	int nr = kvm_be_cap_number(cap);
	int ret;

	if (nr < 0)
		return hv_check_cap(hvm->hv, cap);
	ret = ioctl(to_kvm_vm(hvm)->fd, KVM_CHECK_EXTENSION, (unsigned long)nr);
	return ret < 0 ? 0 : ret;
}

int kvm_be_pre_fault_memory(struct hv_vcpu *hvcpu, uint64_t *gpa,
			    uint64_t *size, uint64_t flags)
{
	struct kvm_be_vcpu *v = to_kvm_vcpu(hvcpu);
	struct kvm_be_pre_fault_memory r = {
		.gpa = *gpa, .size = *size, .flags = flags,
	};
	int ret;

	if (!vm_kvm(to_kvm_vm(hvcpu->vm))->caps[HV_CAP_PRE_FAULT_MEMORY])
		return -EOPNOTSUPP;
	ret = kvm_be_ioctl(v->fd, KVM_BE_PRE_FAULT_MEMORY, &r);
	*gpa = r.gpa;
	*size = r.size;
	return ret;
}
