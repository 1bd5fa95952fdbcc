// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_irq.c - interrupt controllers, interrupt injection, irqfd and
 * ioeventfd on the KVM backend.  These are all VM-fd ioctls, which KVM
 * makes thread safe, so nothing here takes a lock.
 */
#include "kvm_priv.h"

/* VM ioctl gated on a capability that was cached at open. */
static int kvm_vm_ioctl(struct hv_vm *hvm, enum hv_cap cap,
			unsigned long req, const void *arg)
{
	struct kvm_be_vm *vm = to_kvm_vm(hvm);

	if (!vm_kvm(vm)->caps[cap])
		return -EOPNOTSUPP;
	return kvm_be_ioctl(vm->fd, req, (void *)arg);
}

int kvm_be_create_irqchip(struct hv_vm *vm)
{
	return kvm_vm_ioctl(vm, HV_CAP_IRQCHIP, KVM_CREATE_IRQCHIP, NULL);
}

/*
 * SPEAKER_DUMMY makes KVM claim port 0x61 as well, so the PIT channel 2
 * gate and output that guests use for TSC calibration stay in-kernel.
 */
int kvm_be_create_pit(struct hv_vm *vm)
{
	struct kvm_pit_config cfg = { .flags = KVM_PIT_SPEAKER_DUMMY };

	return kvm_vm_ioctl(vm, HV_CAP_PIT, KVM_CREATE_PIT2, &cfg);
}

int kvm_be_irq_line(struct hv_vm *vm, uint32_t gsi, int level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = level };

	return kvm_vm_ioctl(vm, HV_CAP_IRQCHIP, KVM_IRQ_LINE, &irq);
}

int kvm_be_signal_msi(struct hv_vm *vm, const struct kvm_msi *msi)
{
	return kvm_vm_ioctl(vm, HV_CAP_SIGNAL_MSI, KVM_SIGNAL_MSI, msi);
}

int kvm_be_set_gsi_routing(struct hv_vm *vm, const struct kvm_irq_routing *r)
{
	return kvm_vm_ioctl(vm, HV_CAP_IRQ_ROUTING, KVM_SET_GSI_ROUTING, r);
}

int kvm_be_get_irqchip(struct hv_vm *vm, struct kvm_irqchip *chip)
{
	return kvm_vm_ioctl(vm, HV_CAP_IRQCHIP, KVM_GET_IRQCHIP, chip);
}

int kvm_be_set_irqchip(struct hv_vm *vm, const struct kvm_irqchip *chip)
{
	return kvm_vm_ioctl(vm, HV_CAP_IRQCHIP, KVM_SET_IRQCHIP, chip);
}

int kvm_be_get_pit(struct hv_vm *vm, struct kvm_pit_state2 *pit)
{
	return kvm_vm_ioctl(vm, HV_CAP_PIT, KVM_GET_PIT2, pit);
}

int kvm_be_set_pit(struct hv_vm *vm, const struct kvm_pit_state2 *pit)
{
	return kvm_vm_ioctl(vm, HV_CAP_PIT, KVM_SET_PIT2, pit);
}

int kvm_be_get_clock(struct hv_vm *vm, struct kvm_clock_data *clock)
{
	return kvm_vm_ioctl(vm, HV_CAP_ADJUST_CLOCK, KVM_GET_CLOCK, clock);
}

int kvm_be_set_clock(struct hv_vm *vm, const struct kvm_clock_data *clock)
{
	return kvm_vm_ioctl(vm, HV_CAP_ADJUST_CLOCK, KVM_SET_CLOCK, clock);
}

int kvm_be_irqfd(struct hv_vm *vm, const struct kvm_irqfd *irqfd)
{
	if ((irqfd->flags & KVM_IRQFD_FLAG_RESAMPLE) &&
	    !vm_kvm(to_kvm_vm(vm))->caps[HV_CAP_IRQFD_RESAMPLE])
		return -EOPNOTSUPP;
	return kvm_vm_ioctl(vm, HV_CAP_IRQFD, KVM_IRQFD, irqfd);
}

int kvm_be_ioeventfd(struct hv_vm *vm, const struct kvm_ioeventfd *io)
{
	return kvm_vm_ioctl(vm, HV_CAP_IOEVENTFD, KVM_IOEVENTFD, io);
}
