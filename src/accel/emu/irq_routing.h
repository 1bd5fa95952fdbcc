/* SPDX-License-Identifier: GPL-2.0 */
/*
 * irq_routing.h - GSI routing: GSIs to PIC/IOAPIC pins or MSI messages.
 */
#ifndef CVISOR_EMU_IRQ_ROUTING_H
#define CVISOR_EMU_IRQ_ROUTING_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "ioapic.h"
#include "lapic.h"
#include "pic.h"

/* Same limit as KVM (KVM_MAX_IRQ_ROUTES). */
#define EMU_MAX_IRQ_ROUTES	4096
/* Interrupt sources sharing a line (KVM's irq_source_id). */
#define EMU_IRQ_SOURCES		32
#define EMU_IRQ_SOURCE_USER	0	/* hv_irq_line() */

struct emu_irq_router;

int emu_irq_router_create(struct emu_pic *pic, struct emu_ioapic *ioapic,
			  struct emu_apic_bus *bus,
			  struct emu_irq_router **out);
void emu_irq_router_destroy(struct emu_irq_router *r);

/* KVM_SET_GSI_ROUTING: validate, then replace the whole table. */
int emu_irq_set_routing(struct emu_irq_router *r,
			const struct kvm_irq_routing *table);
/* Allocate/free a source id (> 0); -EBUSY when all are taken. */
int emu_irq_source_alloc(struct emu_irq_router *r);
void emu_irq_source_free(struct emu_irq_router *r, int source);
/*
 * Set @source's level on @gsi; a pin is asserted while any source asserts
 * it.  Returns the number of routes the GSI has (0: nothing routed).
 */
int emu_irq_line(struct emu_irq_router *r, int source, uint32_t gsi,
		 bool level);
/*
 * Does @gsi have a route to irqchip @chip (KVM_IRQCHIP_*) pin @pin?  The
 * irqfd resampler maps an acknowledged pin back to its GSIs with this.
 */
bool emu_irq_gsi_routes_to(struct emu_irq_router *r, uint32_t gsi,
			   uint32_t chip, uint32_t pin);
/* KVM_SIGNAL_MSI: >0 delivered, 0 no LAPIC accepted; -EINVAL bad flags. */
int emu_irq_signal_msi(struct emu_irq_router *r, const struct kvm_msi *msi);

#endif
