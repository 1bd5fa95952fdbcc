// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_vm.c - VM lifetime and VM capabilities on the KVM backend.
 */
#include <stdlib.h>
#include <unistd.h>

#include "kvm_priv.h"

/*
 * Real-mode and protected-mode guests on VMX without unrestricted guest
 * need a TSS (three pages) and an identity-mapped page table page that KVM
 * keeps in guest memory.  Put them at the top of the 32-bit space, below
 * the BIOS flash window, where no RAM and no device goes (QEMU's choice).
 */
#define KVM_BE_IDENTITY_MAP_ADDR	0xfffbc000ull
#define KVM_BE_TSS_ADDR			0xfffbd000ul

int kvm_be_vm_create(struct hv *hv, const struct hv_vm_config *cfg,
		     struct hv_vm **out)
{
	struct kvm_be *kvm = to_kvm(hv);
	struct kvm_be_vm *vm;
	uint64_t idmap = KVM_BE_IDENTITY_MAP_ADDR;
	int ret;

	if ((unsigned int)cfg->type >= 32 ||
	    !(kvm->caps[HV_CAP_VM_TYPES] & (1u << cfg->type)))
		return -EOPNOTSUPP;
	if (cfg->max_vcpus > (unsigned int)kvm->caps[HV_CAP_MAX_VCPUS])
		return -EINVAL;

	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->hv.hv = hv;
	vm->max_vcpus = cfg->max_vcpus ?:
			(unsigned int)kvm->caps[HV_CAP_MAX_VCPUS];

	vm->fd = ioctl(kvm->fd, KVM_CREATE_VM, (unsigned long)cfg->type);
	if (vm->fd < 0) {
		ret = -errno;
		goto err_free;
	}
	if (kvm->icaps[KVM_BE_ICAP_SET_IDENTITY_MAP_ADDR]) {
		ret = kvm_be_ioctl(vm->fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap);
		if (ret)
			goto err_close;
	}
	if (kvm->icaps[KVM_BE_ICAP_SET_TSS_ADDR]) {
		ret = ioctl(vm->fd, KVM_SET_TSS_ADDR, KVM_BE_TSS_ADDR);
		if (ret < 0) {
			ret = -errno;
			goto err_close;
		}
	}
	*out = &vm->hv;
	return 0;

err_close:
	close(vm->fd);
err_free:
	free(vm);
	return ret;
}

/*
 * Closing the VM fd is KVM's teardown: on the last reference it shuts
 * down every irqfd and ioeventfd of the VM.  Note that a guest_memfd file
 * holds a VM reference too, so the VMM closes those first.
 */
void kvm_be_vm_destroy(struct hv_vm *hvm)
{
	struct kvm_be_vm *vm = to_kvm_vm(hvm);

	close(vm->fd);
	free(vm);
}

int kvm_be_vm_enable_cap(struct hv_vm *hvm, enum hv_cap cap, uint64_t args0)
{
	struct kvm_be_vm *vm = to_kvm_vm(hvm);
	struct kvm_enable_cap ec = { .args = { args0 } };
	int nr = kvm_be_cap_number(cap);

	if (nr < 0)
		return -EINVAL;
	if (!vm_kvm(vm)->caps[cap])
		return -EOPNOTSUPP;
	ec.cap = nr;
	return kvm_be_ioctl(vm->fd, KVM_ENABLE_CAP, &ec);
}

int kvm_be_set_msr_filter(struct hv_vm *hvm,
			  const struct kvm_msr_filter *filter)
{
	struct kvm_be_vm *vm = to_kvm_vm(hvm);

	if (!vm_kvm(vm)->caps[HV_CAP_X86_MSR_FILTER])
		return -EOPNOTSUPP;
	return kvm_be_ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, (void *)filter);
}
