// SPDX-License-Identifier: GPL-2.0
/*
 * debug.c - the machine's side of a debugger (debug.h): debug exits,
 * held start, registers, and guest-virtual memory through a software
 * page walk of the vCPU's current tables (a debugger reads kernel
 * addresses; nothing here changes accessed/dirty bits).
 */
#include <errno.h>
#include <string.h>

#include "vmm/debug.h"
#include "vmm/vm.h"

#define CR0_PG		(1ull << 31)
#define CR4_PSE		(1ull << 4)
#define CR4_PAE		(1ull << 5)
#define EFER_LMA	(1ull << 10)
#define PTE_P		1ull
#define PTE_PS		(1ull << 7)
#define PTE_ADDR	0x000ffffffffff000ull

int vm_debug_attach(struct vm *vm, vm_debug_stop_fn fn, void *opaque)
{
	if (vm->debug_fn)
		return -EBUSY;
	vm->debug_opaque = opaque;
	vm->debug_fn = fn;
	return 0;
}

void vm_debug_detach(struct vm *vm)
{
	vm->debug_fn = NULL;
	vm->debug_opaque = NULL;
}

void vm_debug_hold_start(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	vm->pause_req = true;
	pthread_mutex_unlock(&vm->pause_lock);
}

void vm_debug_request_pause(struct vm *vm)
{
	vm_pause_request(vm);
}

bool vm_debug_exit(struct vcpu *vcpu, const struct hv_exit *exit)
{
	struct vm *vm = vcpu->vm;
	struct vm_debug_stop st = {
		.vcpu = vcpu->id,
		.exception = exit->debug.exception,
		.pc = exit->debug.pc,
		.dr6 = exit->debug.dr6,
	};

	if (!vm->debug_fn)
		return false;
	vm->debug_fn(vm->debug_opaque, &st);
	return true;
}

unsigned int vm_debug_nr_vcpus(struct vm *vm)
{
	return vm->nr_vcpus;
}

int vm_debug_get_regs(struct vm *vm, unsigned int vcpu, struct kvm_regs *regs,
		      struct kvm_sregs *sregs, struct kvm_fpu *fpu)
{
	struct hv_vcpu *v;
	int ret = 0;

	if (vcpu >= vm->nr_vcpus)
		return -EINVAL;
	v = vm->vcpus[vcpu].hv;
	if (regs)
		ret = hv_vcpu_get_regs(v, regs);
	if (!ret && sregs)
		ret = hv_vcpu_get_sregs(v, sregs);
	if (!ret && fpu)
		ret = hv_vcpu_get_fpu(v, fpu);
	return ret;
}

int vm_debug_set_regs(struct vm *vm, unsigned int vcpu,
		      const struct kvm_regs *regs, const struct kvm_fpu *fpu)
{
	struct hv_vcpu *v;
	int ret = 0;

	if (vcpu >= vm->nr_vcpus)
		return -EINVAL;
	v = vm->vcpus[vcpu].hv;
	if (regs)
		ret = hv_vcpu_set_regs(v, regs);
	if (!ret && fpu)
		ret = hv_vcpu_set_fpu(v, fpu);
	return ret;
}

int vm_debug_set_guest_debug(struct vm *vm, unsigned int vcpu,
			     const struct kvm_guest_debug *dbg)
{
	if (vcpu >= vm->nr_vcpus)
		return -EINVAL;
	return hv_vcpu_set_guest_debug(vm->vcpus[vcpu].hv, dbg);
}

static bool read_pte(struct vm *vm, uint64_t gpa, unsigned int size,
		     uint64_t *pte)
{
	const void *p = guest_mem_ptr(&vm->mem, gpa, size);

	*pte = 0;
	if (!p)
		return false;
	memcpy(pte, p, size);
	return true;
}

/* Walk @sregs' tables for @va; false if not mapped. */
static bool translate(struct vm *vm, const struct kvm_sregs *sregs,
		      uint64_t va, uint64_t *gpa)
{
	uint64_t pte, table, size;
	int level, shift;

	if (!(sregs->cr0 & CR0_PG)) {
		*gpa = va & 0xffffffffull;
		return true;
	}
	if (!(sregs->cr4 & CR4_PAE)) {
		/* 32-bit paging: 2 levels of 4-byte entries, PSE 4 MiB. */
		va &= 0xffffffffull;
		if (!read_pte(vm, (sregs->cr3 & 0xfffff000) + (va >> 22) * 4,
			      4, &pte) || !(pte & PTE_P))
			return false;
		if ((pte & PTE_PS) && (sregs->cr4 & CR4_PSE)) {
			*gpa = (pte & 0xffc00000) |
			       ((pte & 0x1fe000ull) << 19) | (va & 0x3fffff);
			return true;
		}
		if (!read_pte(vm, (pte & 0xfffff000) + ((va >> 12) & 0x3ff) * 4,
			      4, &pte) || !(pte & PTE_P))
			return false;
		*gpa = (pte & 0xfffff000) | (va & 0xfff);
		return true;
	}
	if (sregs->efer & EFER_LMA) {
		level = 4;
		table = sregs->cr3 & PTE_ADDR;
	} else {
		va &= 0xffffffffull;
		if (!read_pte(vm, (sregs->cr3 & 0xffffffe0) + (va >> 30) * 8,
			      8, &pte) || !(pte & PTE_P))
			return false;
		level = 2;
		table = pte & PTE_ADDR;
	}
	for (; level >= 1; level--) {
		shift = 12 + 9 * (level - 1);
		if (!read_pte(vm, table + ((va >> shift) & 0x1ff) * 8, 8,
			      &pte) || !(pte & PTE_P))
			return false;
		if (level == 1 || ((pte & PTE_PS) && level <= 3)) {
			size = 1ull << shift;
			*gpa = (pte & PTE_ADDR & ~(size - 1)) | (va & (size - 1));
			return true;
		}
		table = pte & PTE_ADDR;
	}
	return false;
}

size_t vm_debug_access(struct vm *vm, unsigned int vcpu, uint64_t va,
		       void *buf, size_t len, bool write)
{
	struct kvm_sregs sregs;
	size_t done = 0;

	if (vm_debug_get_regs(vm, vcpu, NULL, &sregs, NULL))
		return 0;
	while (done < len) {
		uint64_t a = va + done, gpa;
		size_t n = 4096 - (a & 0xfff);
		void *p;

		if (n > len - done)
			n = len - done;
		if (!translate(vm, &sregs, a, &gpa))
			break;
		p = guest_mem_ptr(&vm->mem, gpa, n);
		if (!p)
			break;
		if (write) {
			/* Decoded copies of the code must go first. */
			hv_vm_memory_written(vm->hv_vm, gpa, n);
			memcpy(p, (uint8_t *)buf + done, n);
			guest_mem_mark_dirty(&vm->mem, gpa, n);
		} else {
			memcpy((uint8_t *)buf + done, p, n);
		}
		done += n;
	}
	return done;
}
