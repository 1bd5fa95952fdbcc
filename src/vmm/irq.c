// SPDX-License-Identifier: GPL-2.0
/*
 * irq.c - GSI routing table of the machine (see irq.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/vm.h"

/* Fixed routes: ISA IRQs on the 8259 pair and the IOAPIC, PCI on 16-23. */
static unsigned int irq_base_routes(struct kvm_irq_routing_entry *e)
{
	unsigned int n = 0, gsi;

	for (gsi = 0; gsi < VM_IRQ_ISA_GSIS; gsi++) {
		/* GSI 2 is the cascade on the PIC and IRQ 0's pin on the
		 * IOAPIC: nothing raises GSI 2 itself. */
		if (gsi == 2)
			continue;
		if (gsi < 16) {
			e[n++] = (struct kvm_irq_routing_entry){
				.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip = {
					.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
						   KVM_IRQCHIP_PIC_SLAVE,
					.pin = gsi % 8,
				},
			};
		}
		/* MADT interrupt source override: ISA IRQ 0 -> IOAPIC pin 2. */
		e[n++] = (struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = {
				.irqchip = KVM_IRQCHIP_IOAPIC,
				.pin = gsi ? gsi : 2,
			},
		};
	}
	return n;
}

/* Caller holds irq->lock. */
static int irq_commit(struct vm *vm)
{
	struct vm_irq *irq = &vm->irq;
	struct kvm_irq_routing *r;
	unsigned int n, i;
	int ret;

	r = calloc(1, sizeof(*r) + (2 * VM_IRQ_ISA_GSIS + irq->nr_msi) *
		   sizeof(r->entries[0]));
	if (!r)
		return -ENOMEM;
	n = irq_base_routes(r->entries);
	for (i = 0; i < irq->nr_msi; i++) {
		const struct vm_msi_route *m = &irq->msi[i];

		if (!m->valid)
			continue;
		r->entries[n++] = (struct kvm_irq_routing_entry){
			.gsi = VM_IRQ_MSI_BASE + i,
			.type = KVM_IRQ_ROUTING_MSI,
			.u.msi = {
				.address_lo = (uint32_t)m->addr,
				.address_hi = (uint32_t)(m->addr >> 32),
				.data = m->data,
			},
		};
	}
	r->nr = n;
	ret = hv_set_gsi_routing(vm->hv_vm, r);
	free(r);
	return ret;
}

int vm_irq_init(struct vm *vm)
{
	struct vm_irq *irq = &vm->irq;
	int ret;

	if (!vm->has_irqchip || hv_check_cap(vm->hv, HV_CAP_IRQ_ROUTING) <= 0)
		return 0;
	irq->msi = calloc(VM_IRQ_MSI_MAX, sizeof(*irq->msi));
	if (!irq->msi)
		return -ENOMEM;
	pthread_mutex_lock(&irq->lock);
	ret = irq_commit(vm);
	pthread_mutex_unlock(&irq->lock);
	if (!ret)
		irq->routing = true;
	return ret;
}

void vm_irq_release(struct vm *vm)
{
	free(vm->irq.msi);
	vm->irq.msi = NULL;
	pthread_mutex_destroy(&vm->irq.lock);
}

int vm_irq_alloc_msi_gsi(struct vm *vm, uint32_t *gsi)
{
	struct vm_irq *irq = &vm->irq;
	int ret = -ENOSPC;

	if (!irq->routing)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&irq->lock);
	if (irq->nr_msi < VM_IRQ_MSI_MAX) {
		*gsi = VM_IRQ_MSI_BASE + irq->nr_msi++;
		ret = 0;
	}
	pthread_mutex_unlock(&irq->lock);
	return ret;
}

int vm_irq_set_msi_route(struct vm *vm, uint32_t gsi, uint64_t addr,
			 uint32_t data)
{
	struct vm_irq *irq = &vm->irq;
	struct vm_msi_route *m;
	int ret = 0;

	if (!irq->routing)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&irq->lock);
	if (gsi < VM_IRQ_MSI_BASE || gsi - VM_IRQ_MSI_BASE >= irq->nr_msi) {
		pthread_mutex_unlock(&irq->lock);
		return -EINVAL;
	}
	m = &irq->msi[gsi - VM_IRQ_MSI_BASE];
	/* The guest rewrites entries often (masking): commit only changes. */
	if (!m->valid || m->addr != addr || m->data != data) {
		m->addr = addr;
		m->data = data;
		m->valid = true;
		ret = irq_commit(vm);
	}
	pthread_mutex_unlock(&irq->lock);
	return ret;
}

int vm_signal_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)addr,
		.address_hi = (uint32_t)(addr >> 32),
		.data = data,
	};

	if (!vm->has_irqchip || !vm->hv_vm)
		return 0;
	return hv_signal_msi(vm->hv_vm, &msi);
}
