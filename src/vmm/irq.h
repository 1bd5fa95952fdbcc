/* SPDX-License-Identifier: GPL-2.0 */
/*
 * irq.h - the machine's GSI routing: the fixed ISA/IOAPIC routes the ACPI
 * tables promise, plus one MSI route per GSI handed out to an irqfd.
 *
 * Both backends start with KVM's default table, where the PIT's GSI 0
 * reaches IOAPIC pin 0; the MADT says ISA IRQ 0 is GSI 2, so the VMM
 * installs its own table (GSI 0 -> PIC master pin 0 and IOAPIC pin 2)
 * whenever the backend has HV_CAP_IRQ_ROUTING.  hv_set_gsi_routing()
 * replaces the whole table, so every change rebuilds it from this state.
 */
#ifndef CVISOR_VMM_IRQ_H
#define CVISOR_VMM_IRQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct vm;

#define VM_IRQ_ISA_GSIS		24	/* IOAPIC pins */
#define VM_IRQ_MSI_BASE		24	/* first GSI for MSI routes */
#define VM_IRQ_MSI_MAX		1024	/* MSI GSIs the VMM hands out */

struct vm_msi_route {
	uint64_t addr;
	uint32_t data;
	bool valid;
};

struct vm_irq {
	pthread_mutex_t lock;
	bool routing;		/* the backend takes a routing table */
	unsigned int nr_msi;	/* GSIs allocated from VM_IRQ_MSI_BASE */
	struct vm_msi_route *msi;	/* VM_IRQ_MSI_MAX entries */
};

/* Install the base table (if the backend has routing). */
int vm_irq_init(struct vm *vm);
void vm_irq_release(struct vm *vm);
/* A new GSI for an MSI route; -ENOSPC when none are left. */
int vm_irq_alloc_msi_gsi(struct vm *vm, uint32_t *gsi);
/* Point @gsi at an MSI message (and commit the table). */
int vm_irq_set_msi_route(struct vm *vm, uint32_t gsi, uint64_t addr,
			 uint32_t data);
/* Deliver one MSI directly (hv_signal_msi); -EOPNOTSUPP without it. */
int vm_signal_msi(struct vm *vm, uint64_t addr, uint32_t data);

#endif
