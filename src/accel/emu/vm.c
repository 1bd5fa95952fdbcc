// SPDX-License-Identifier: GPL-2.0
/*
 * vm.c - emu backend VMs: memslots, interrupt controllers, PIT, GSI
 * routing and their KVM-shaped save/restore calls.
 *
 * Errors follow KVM's ioctls: interrupt calls without an irqchip give
 * -ENXIO, creating the irqchip after a vCPU -EINVAL, twice -EEXIST.
 * The irqchip pointers are written once under vm->lock before any vCPU
 * exists (hv.h: hv_create_irqchip must precede vCPU creation) and are
 * read-only afterwards; the PIT may appear later and is published with an
 * atomic pointer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emu_priv.h"

static void vm_kick_all(void *opaque)
{
	struct emu_vm *vm = opaque;
	unsigned int i;

	pthread_rwlock_rdlock(&vm->vcpu_lock);
	for (i = 0; i < EMU_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			atomic_store(&vm->vcpus[i]->cpu->stop_request, true);
	pthread_rwlock_unlock(&vm->vcpu_lock);
}

int emu_vm_create(struct hv *hv, const struct hv_vm_config *cfg,
		  struct hv_vm **out)
{
	struct emu_vm *vm;
	int ret;

	if (cfg->type != HV_VM_TYPE_DEFAULT &&
	    cfg->type != HV_VM_TYPE_SW_PROTECTED)
		return -EINVAL;
	if (cfg->max_vcpus > EMU_MAX_VCPUS)
		return -EINVAL;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->vm.hv = hv;
	vm->max_vcpus = cfg->max_vcpus ? cfg->max_vcpus : EMU_MAX_VCPUS;
	pthread_mutex_init(&vm->tsc_lock, NULL);
	vm->tsc_khz = EMU_DEFAULT_TSC_KHZ;
	vm->tsc_offset = -(int64_t)((unsigned __int128)emu_now_ns() *
				    EMU_DEFAULT_TSC_KHZ / 1000000u);
	pthread_mutex_init(&vm->lock, NULL);
	pthread_rwlock_init(&vm->vcpu_lock, NULL);
	emu_apic_bus_init(&vm->bus);
	vm->pit_source = -1;
	emu_irqfds_init(&vm->irqfds);
	emu_ioevs_init(&vm->ioevs);
	emu_hv_vm_init(&vm->hv);
	emu_msr_filter_init(&vm->msr_filter);
	emu_kvmclock_init(&vm->kvmclock);
	ret = emu_mem_create(vm_kick_all, vm, &vm->mem);
	if (ret)
		goto fail;
	ret = emu_clock_create(&vm->clock);
	if (ret)
		goto fail;
	/* Decoded-code tracking for guest-physical pages below 64 GiB. */
	vm->tracker = x86_code_tracker_create(1ull << 36);
	if (!vm->tracker) {
		ret = -ENOMEM;
		goto fail;
	}
	/* Every VM may have guest_memfds; only these have private pages. */
	vm->private_mem = cfg->type == HV_VM_TYPE_SW_PROTECTED;
	emu_mem_enable_gmem(vm->mem, &to_emu_hv(hv)->gmems, vm, vm->tracker,
			    vm->private_mem);
	ret = emu_inject_init(vm);
	if (ret)
		goto fail;
	*out = &vm->vm;
	return 0;
fail:
	emu_vm_destroy(&vm->vm);
	return ret;
}

void emu_vm_destroy(struct hv_vm *hvm)
{
	struct emu_vm *vm = to_emu_vm(hvm);

	/*
	 * irqfds first: their injector drives the router, and hv.h promises
	 * that no irqfd injects and no ioeventfd fires once we return.
	 */
	emu_irqfds_destroy(vm);
	emu_ioevs_destroy(vm);
	/* The PIT's timer callback drives the router: stop it too. */
	emu_pit_destroy(atomic_load(&vm->pit));
	emu_irq_router_destroy(vm->router);
	emu_pic_destroy(vm->pic);
	emu_ioapic_destroy(vm->ioapic);
	emu_clock_destroy(vm->clock);
	/* Our guest_memfds live on (their files pin them), unbound. */
	emu_gmem_owner_gone(&to_emu_hv(vm->vm.hv)->gmems, vm);
	emu_mem_destroy(vm->mem);
	if (vm->tracker)
		x86_code_tracker_destroy(vm->tracker);
	emu_apic_bus_fini(&vm->bus);
	emu_hv_vm_fini(&vm->hv);
	emu_msr_filter_fini(&vm->msr_filter);
	emu_kvmclock_fini(&vm->kvmclock);
	pthread_rwlock_destroy(&vm->vcpu_lock);
	pthread_mutex_destroy(&vm->tsc_lock);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}

int emu_vm_enable_cap(struct hv_vm *hvm, enum hv_cap cap, uint64_t args0)
{
	struct emu_vm *vm = to_emu_vm(hvm);

	switch (cap) {
	case HV_CAP_EXCEPTION_PAYLOAD:
		atomic_store(&vm->cap_exception_payload, args0 != 0);
		return 0;
	case HV_CAP_TRIPLE_FAULT_EVENT:
		atomic_store(&vm->cap_triple_fault, args0 != 0);
		return 0;
	case HV_CAP_EXIT_HYPERCALL:
		if (args0 & ~EMU_HYPERCALL_EXITS)
			return -EINVAL;
		atomic_store(&vm->hypercall_exits, args0);
		return 0;
	case HV_CAP_X2APIC_API:
		/* 32-bit ids only: the broadcast quirk is not modelled. */
		if (args0 & ~(uint64_t)KVM_X2APIC_API_USE_32BIT_IDS)
			return -EINVAL;
		atomic_store(&vm->x2apic_format, args0 != 0);
		return 0;
	case HV_CAP_X86_USER_SPACE_MSR:
		if (args0 & ~(uint64_t)EMU_MSR_EXIT_REASON_VALID_MASK)
			return -EINVAL;
		atomic_store(&vm->user_msr_exits, (uint32_t)args0);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

int emu_set_msr_filter(struct hv_vm *vm, const struct kvm_msr_filter *filter)
{
	return emu_msr_filter_set(&to_emu_vm(vm)->msr_filter, filter);
}

int emu_set_memslot(struct hv_vm *hvm, const struct hv_memslot *slot)
{
	struct emu_vm *vm = to_emu_vm(hvm);

	/* A SW_PROTECTED VM has no SMM, hence one address space. */
	if (vm->private_mem && slot->as_id != HV_AS_NORMAL)
		return -EINVAL;
	return emu_mem_set_slot(vm->mem, slot);
}

/*
 * The creation flags a VM accepts (seed-apis.md 3.3): MMAP always, and
 * INIT_SHARED only where there is no private memory.
 */
static uint64_t emu_gmem_flags(struct emu_vm *vm)
{
	return HV_GUEST_MEMFD_FLAG_MMAP |
	       (vm->private_mem ? 0 : HV_GUEST_MEMFD_FLAG_INIT_SHARED);
}

/* KVM_CHECK_EXTENSION on a VM: what differs with the VM type. */
int emu_get_clock(struct hv_vm *vm, struct kvm_clock_data *clock)
{
	return emu_get_clock_data(&to_emu_vm(vm)->kvmclock, clock);
}

int emu_set_clock(struct hv_vm *vm, const struct kvm_clock_data *clock)
{
	return emu_set_clock_data(&to_emu_vm(vm)->kvmclock, clock);
}

int emu_vm_check_cap(struct hv_vm *hvm, enum hv_cap cap)
{
	struct emu_vm *vm = to_emu_vm(hvm);

	switch (cap) {
	case HV_CAP_MEMORY_ATTRIBUTES:
		return (int)emu_mem_supported_attributes(vm->mem);
	case HV_CAP_GUEST_MEMFD:
		return 1;
	case HV_CAP_GUEST_MEMFD_FLAGS:
		return (int)emu_gmem_flags(vm);
	case HV_CAP_MULTI_ADDRESS_SPACE:
		return vm->private_mem ? 1 : EMU_NR_AS;
	case HV_CAP_X86_SMM:
		return !vm->private_mem;
	default:
		return hv_check_cap(hvm->hv, cap);
	}
}

int emu_set_memory_attributes(struct hv_vm *vm, uint64_t gpa, uint64_t size,
			      uint64_t attributes, uint64_t flags)
{
	return emu_mem_set_attributes(to_emu_vm(vm)->mem, gpa, size,
				      attributes, flags);
}

int emu_create_guest_memfd(struct hv_vm *hvm, uint64_t size, uint64_t flags)
{
	struct emu_vm *vm = to_emu_vm(hvm);

	return emu_gmem_create(&to_emu_hv(hvm->hv)->gmems, vm, vm->tracker,
			       size, flags, emu_gmem_flags(vm));
}

int emu_guest_memfd_fallocate(struct hv *hv, int fd, int mode,
			      uint64_t offset, uint64_t len)
{
	return emu_gmem_fallocate(&to_emu_hv(hv)->gmems, fd, mode, offset,
				  len);
}

/* Device DMA into guest RAM: every vCPU must re-decode those pages. */
void emu_memory_written(struct hv_vm *vm, uint64_t gpa, uint64_t len)
{
	x86_code_tracker_write(to_emu_vm(vm)->tracker, gpa, len);
}

int emu_get_dirty_log(struct hv_vm *vm, uint16_t as_id, uint16_t slot,
		      uint64_t *bitmap)
{
	return emu_mem_get_dirty_log(to_emu_vm(vm)->mem, as_id, slot, bitmap);
}

/* ---------------------------------------------------------------- irqchip */

/* A level pin was EOIed (vCPU thread, no chip lock held): resample. */
static void vm_ioapic_ack(void *opaque, unsigned int pin)
{
	emu_irqfd_ack(opaque, KVM_IRQCHIP_IOAPIC, pin);
}

static void vm_pic_ack(void *opaque, unsigned int irq)
{
	emu_irqfd_ack(opaque, irq < 8 ? KVM_IRQCHIP_PIC_MASTER :
			      KVM_IRQCHIP_PIC_SLAVE, irq & 7);
}

static const struct emu_ioapic_ops vm_ioapic_ops = {
	.ack = vm_ioapic_ack,
};

/*
 * The 8259's INT reaches every vCPU whose LAPIC passes it (LINT0 in
 * ExtINT mode, or the LAPIC hardware-disabled), as in KVM; normally that
 * is the BSP only.  The first to acknowledge it takes the vector.
 */
static void vm_pic_output(void *opaque, bool level)
{
	struct emu_vm *vm = opaque;
	unsigned int i;

	if (!level)
		return;
	pthread_rwlock_rdlock(&vm->vcpu_lock);
	for (i = 0; i < EMU_MAX_VCPUS; i++) {
		struct emu_vcpu *v = vm->vcpus[i];

		if (v && emu_lapic_accept_pic_intr(v->lapic))
			emu_vcpu_event(v);
	}
	pthread_rwlock_unlock(&vm->vcpu_lock);
}

static const struct emu_pic_ops vm_pic_ops = {
	.output = vm_pic_output,
	.ack = vm_pic_ack,
};

int emu_create_irqchip(struct hv_vm *hvm)
{
	struct emu_vm *vm = to_emu_vm(hvm);
	int ret;

	pthread_mutex_lock(&vm->lock);
	if (vm->irqchip) {
		ret = -EEXIST;
		goto out;
	}
	if (vm->nr_vcpus) {
		ret = -EINVAL;
		goto out;
	}
	ret = emu_ioapic_create(&vm->bus, &vm_ioapic_ops, vm, &vm->ioapic);
	if (ret)
		goto out;
	ret = emu_pic_create(&vm_pic_ops, vm, &vm->pic);
	if (ret)
		goto fail;
	ret = emu_irq_router_create(vm->pic, vm->ioapic, &vm->bus, &vm->router);
	if (ret)
		goto fail;
	vm->irqchip = true;
	goto out;
fail:
	emu_pic_destroy(vm->pic);
	emu_ioapic_destroy(vm->ioapic);
	vm->pic = NULL;
	vm->ioapic = NULL;
out:
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

static void vm_pit_irq(void *opaque)
{
	struct emu_vm *vm = opaque;

	/* One edge per terminal count, as KVM's PIT does on GSI 0. */
	emu_irq_line(vm->router, vm->pit_source, 0, true);
	emu_irq_line(vm->router, vm->pit_source, 0, false);
}

static const struct emu_pit_ops vm_pit_ops = {
	.irq = vm_pit_irq,
};

int emu_create_pit(struct hv_vm *hvm)
{
	struct emu_vm *vm = to_emu_vm(hvm);
	struct emu_pit *pit;
	int ret;

	pthread_mutex_lock(&vm->lock);
	if (atomic_load(&vm->pit)) {
		ret = -EEXIST;
		goto out;
	}
	if (!vm->irqchip) {
		ret = -ENXIO;
		goto out;
	}
	ret = emu_irq_source_alloc(vm->router);
	if (ret < 0)
		goto out;
	vm->pit_source = ret;
	ret = emu_pit_create(vm->clock, &vm_pit_ops, vm, &pit);
	if (ret) {
		emu_irq_source_free(vm->router, vm->pit_source);
		goto out;
	}
	atomic_store(&vm->pit, pit);
out:
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

int emu_irq_line_op(struct hv_vm *hvm, uint32_t gsi, int level)
{
	struct emu_vm *vm = to_emu_vm(hvm);

	if (!vm->irqchip)
		return -ENXIO;
	emu_irq_line(vm->router, EMU_IRQ_SOURCE_USER, gsi, level != 0);
	return 0;
}

int emu_signal_msi(struct hv_vm *hvm, const struct kvm_msi *msi)
{
	struct emu_vm *vm = to_emu_vm(hvm);

	if (!vm->irqchip)
		return -ENXIO;
	return emu_irq_signal_msi(vm->router, msi);
}

int emu_set_gsi_routing(struct hv_vm *hvm, const struct kvm_irq_routing *r)
{
	struct emu_vm *vm = to_emu_vm(hvm);

	if (!vm->irqchip)
		return -ENXIO;
	return emu_irq_set_routing(vm->router, r);
}

int emu_get_irqchip(struct hv_vm *hvm, struct kvm_irqchip *chip)
{
	struct emu_vm *vm = to_emu_vm(hvm);

	if (!vm->irqchip)
		return -ENXIO;
	switch (chip->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		emu_pic_get_state(vm->pic, chip->chip_id, &chip->chip.pic);
		return 0;
	case KVM_IRQCHIP_IOAPIC:
		emu_ioapic_get_state(vm->ioapic, &chip->chip.ioapic);
		return 0;
	default:
		return -EINVAL;
	}
}

int emu_set_irqchip(struct hv_vm *hvm, const struct kvm_irqchip *chip)
{
	struct emu_vm *vm = to_emu_vm(hvm);

	if (!vm->irqchip)
		return -ENXIO;
	switch (chip->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		emu_pic_set_state(vm->pic, chip->chip_id, &chip->chip.pic);
		return 0;
	case KVM_IRQCHIP_IOAPIC:
		emu_ioapic_set_state(vm->ioapic, &chip->chip.ioapic);
		return 0;
	default:
		return -EINVAL;
	}
}

int emu_get_pit(struct hv_vm *hvm, struct kvm_pit_state2 *pit)
{
	struct emu_pit *p = atomic_load(&to_emu_vm(hvm)->pit);

	if (!p)
		return -ENXIO;
	emu_pit_get_state(p, pit);
	return 0;
}

int emu_set_pit(struct hv_vm *hvm, const struct kvm_pit_state2 *pit)
{
	struct emu_pit *p = atomic_load(&to_emu_vm(hvm)->pit);

	if (!p)
		return -ENXIO;
	emu_pit_set_state(p, pit);
	return 0;
}

int emu_irqfd(struct hv_vm *hvm, const struct kvm_irqfd *irqfd)
{
	return emu_irqfd_op(to_emu_vm(hvm), irqfd);
}

int emu_ioeventfd(struct hv_vm *hvm, const struct kvm_ioeventfd *io)
{
	return emu_ioeventfd_op(to_emu_vm(hvm), io);
}
