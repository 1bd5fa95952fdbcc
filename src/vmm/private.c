// SPDX-License-Identifier: GPL-2.0
/*
 * private.c - private guest memory, the VMM's side (seed-apis.md 3.7).
 *
 * RAM keeps its shared memfd (userspace_addr of every slot) and gains one
 * guest_memfd of the same size and layout, bound to the same slots.  The
 * guest asks for conversions with KVM_HC_MAP_GPA_RANGE; a memory-fault
 * exit is an implicit request for the kind of access that faulted.  A
 * conversion sets the attribute first (from then on no vCPU reaches the
 * old copy) and then discards the stale copy: the shared pages of the
 * memfd when the range became private, the guest_memfd pages (a punch:
 * they read zero next time) when it became shared.  The VMM tracks which
 * pages are private (guest_mem's bitmap), so that device DMA refuses them;
 * their contents are never in any memory the VMM maps.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/falloc.h>

#include "vmm/private.h"
#include "vmm/vm.h"

#define PAGE		4096ull
#define PUNCH		(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)

static bool cap_missing(struct hv *hv, enum hv_cap cap, uint64_t need,
			const char *what, char *err, size_t err_len)
{
	uint64_t have = (uint64_t)hv_check_cap(hv, cap);

	if ((have & need) == need && have)
		return false;
	snprintf(err, err_len, "--private-memory: %s%s: not supported by %s",
		 hv_cap_name(cap), what, hv_backend_desc(hv));
	return true;
}

int vm_private_check(struct hv *hv, char *err, size_t err_len)
{
	if (cap_missing(hv, HV_CAP_VM_TYPES, 1u << HV_VM_TYPE_SW_PROTECTED,
			" (SW_PROTECTED)", err, err_len) ||
	    cap_missing(hv, HV_CAP_GUEST_MEMFD, 1, "", err, err_len) ||
	    cap_missing(hv, HV_CAP_MEMORY_ATTRIBUTES,
			HV_MEMORY_ATTRIBUTE_PRIVATE, " (private)", err,
			err_len) ||
	    cap_missing(hv, HV_CAP_MEMORY_FAULT_INFO, 1, "", err, err_len) ||
	    cap_missing(hv, HV_CAP_EXIT_HYPERCALL,
			1u << HV_HC_MAP_GPA_RANGE, " (MAP_GPA_RANGE)", err,
			err_len))
		return -EOPNOTSUPP;
	return 0;
}

int vm_private_setup(struct vm *vm, char *err, size_t err_len)
{
	struct vm_private *p = &vm->priv;
	int ret;

	pthread_mutex_init(&p->lock, NULL);
	p->gmem_fd = -1;
	p->enabled = true;
	ret = hv_create_guest_memfd(vm->hv_vm, vm->cfg.ram_size, 0);
	if (ret < 0) {
		snprintf(err, err_len, "cannot create the guest_memfd: %s",
			 strerror(-ret));
		return ret;
	}
	p->gmem_fd = ret;
	ret = hv_vm_enable_cap(vm->hv_vm, HV_CAP_EXIT_HYPERCALL,
			       1ull << HV_HC_MAP_GPA_RANGE);
	if (ret) {
		snprintf(err, err_len, "cannot enable MAP_GPA_RANGE exits: %s",
			 strerror(-ret));
		return ret;
	}
	return 0;
}

void vm_private_release(struct vm *vm)
{
	struct vm_private *p = &vm->priv;

	if (!p->enabled)
		return;
	if (p->gmem_fd >= 0)
		close(p->gmem_fd);
	p->gmem_fd = -1;
	pthread_mutex_destroy(&p->lock);
	p->enabled = false;
}

/* One region's part of a conversion; p->lock held. */
static int convert_one(struct vm *vm, uint64_t gpa, uint64_t len,
		       uint64_t off, bool to_private)
{
	struct guest_mem *mem = &vm->mem;
	int ret;

	/* Mark before the switch to private: DMA stops first. */
	if (to_private)
		guest_mem_mark_private(mem, off, len, true);
	ret = hv_set_memory_attributes(vm->hv_vm, gpa, len,
				       to_private ?
				       HV_MEMORY_ATTRIBUTE_PRIVATE : 0, 0);
	if (ret) {
		if (to_private)
			guest_mem_mark_private(mem, off, len, false);
		return ret;
	}
	if (to_private) {
		/* The shared copy is stale: give its pages back. */
		if (fallocate(mem->fd, PUNCH, (off_t)off, (off_t)len))
			return -errno;
		return 0;
	}
	/* Private contents are gone for good: they read zero next time. */
	ret = hv_guest_memfd_fallocate(vm->hv, vm->priv.gmem_fd, PUNCH, off,
				       len);
	guest_mem_mark_private(mem, off, len, false);
	return ret;
}

int vm_private_convert(struct vm *vm, uint64_t gpa, uint64_t len,
		       bool to_private)
{
	struct vm_private *p = &vm->priv;
	uint64_t g, n, off;
	int ret = 0;

	if (!p->enabled)
		return -EOPNOTSUPP;
	if (!len || (gpa | len) & (PAGE - 1) || gpa + len < gpa)
		return -EINVAL;
	/* All of it must be RAM: check before changing anything. */
	for (g = gpa; g < gpa + len; g += n) {
		n = guest_mem_span(&vm->mem, g, &off);
		if (!n)
			return -EINVAL;
	}
	pthread_mutex_lock(&p->lock);
	for (g = gpa; g < gpa + len && !ret; g += n) {
		n = guest_mem_span(&vm->mem, g, &off);
		if (n > gpa + len - g)
			n = gpa + len - g;
		ret = convert_one(vm, g, n, off, to_private);
	}
	p->conversions++;
	pthread_mutex_unlock(&p->lock);
	return ret;
}

void vm_private_hypercall(struct vcpu *vcpu, struct hv_exit *exit)
{
	uint64_t gpa = exit->hypercall.args[0];
	uint64_t npages = exit->hypercall.args[1];
	uint64_t attrs = exit->hypercall.args[2];
	char what[96];
	int ret;

	if (exit->hypercall.nr != HV_HC_MAP_GPA_RANGE) {
		exit->hypercall.ret = -(uint64_t)HV_KVM_ENOSYS;
		return;
	}
	/* npages counts 4 KiB pages whatever the page-size hint says. */
	if (npages > (UINT64_MAX - gpa) / PAGE) {
		exit->hypercall.ret = -(uint64_t)HV_KVM_EINVAL;
		return;
	}
	ret = vm_private_convert(vcpu->vm, gpa, npages * PAGE,
				 attrs & HV_MAP_GPA_RANGE_ENCRYPTED);
	if (ret == -EINVAL) {
		exit->hypercall.ret = -(uint64_t)HV_KVM_EINVAL;
		return;
	}
	if (ret) {
		snprintf(what, sizeof(what),
			 "converting GPA 0x%llx+0x%llx failed: %s",
			 (unsigned long long)gpa,
			 (unsigned long long)(npages * PAGE), strerror(-ret));
		vcpu_fail(vcpu, what);
		return;
	}
	/* Shared pages just became private: device models must let go. */
	if (attrs & HV_MAP_GPA_RANGE_ENCRYPTED)
		vm_ioreq_invalidate(vcpu->vm, vcpu->id);
	exit->hypercall.ret = 0;
}

/*
 * True if some page of [gpa, gpa + len) is RAM in the other state than
 * @to_private: only then can a conversion change what the vCPU meets.
 */
static bool conversion_needed(struct vm *vm, uint64_t gpa, uint64_t len,
			      bool to_private)
{
	uint64_t g, off;

	for (g = gpa; g < gpa + len; g += PAGE) {
		if (!guest_mem_span(&vm->mem, g, &off))
			return false;	/* not RAM: nothing to convert */
		if (guest_mem_any_private(&vm->mem, off, PAGE) != to_private)
			return true;
	}
	return false;
}

bool vm_private_memory_fault(struct vcpu *vcpu, struct hv_exit *exit)
{
	struct vm *vm = vcpu->vm;
	uint64_t gpa = exit->memory_fault.gpa & ~(PAGE - 1);
	uint64_t end = exit->memory_fault.gpa + exit->memory_fault.size;
	bool to_private = exit->memory_fault.flags &
			  HV_MEMORY_EXIT_FLAG_PRIVATE;
	bool needed;

	if (!vm->priv.enabled || end < gpa || !exit->memory_fault.size)
		return false;
	end = (end + PAGE - 1) & ~(PAGE - 1);
	/*
	 * A page already in the state asked for cannot be fixed by
	 * converting it (a private access where no guest_memfd backs the
	 * page): running again would fault again, forever.
	 */
	pthread_mutex_lock(&vm->priv.lock);
	needed = conversion_needed(vm, gpa, end - gpa, to_private);
	pthread_mutex_unlock(&vm->priv.lock);
	return needed && !vm_private_convert(vm, gpa, end - gpa, to_private);
}
