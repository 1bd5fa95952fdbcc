/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ioapic.h - userspace 82093AA-style I/O APIC, 24 pins at 0xfec00000.
 */
#ifndef CVISOR_EMU_IOAPIC_H
#define CVISOR_EMU_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "lapic.h"

#define EMU_IOAPIC_BASE		0xfec00000ull
#define EMU_IOAPIC_PINS		24

struct emu_ioapic;

struct emu_ioapic_ops {
	/* A level-triggered pin was EOIed (for irqfd resample; may be NULL). */
	void (*ack)(void *opaque, unsigned int pin);
};

int emu_ioapic_create(struct emu_apic_bus *bus,
		      const struct emu_ioapic_ops *ops, void *opaque,
		      struct emu_ioapic **out);
void emu_ioapic_destroy(struct emu_ioapic *io);

/* @level is the wired-OR of all sources of the pin (1 = asserted). */
void emu_ioapic_set_irq(struct emu_ioapic *io, unsigned int pin, bool level);
/* A LAPIC EOIed a level-triggered @vector. */
void emu_ioapic_eoi(struct emu_ioapic *io, uint8_t vector);

bool emu_ioapic_mmio_hit(struct emu_ioapic *io, uint64_t gpa);
void emu_ioapic_mmio_read(struct emu_ioapic *io, uint64_t gpa, void *data,
			  unsigned int len);
void emu_ioapic_mmio_write(struct emu_ioapic *io, uint64_t gpa,
			   const void *data, unsigned int len);

void emu_ioapic_get_state(struct emu_ioapic *io, struct kvm_ioapic_state *s);
void emu_ioapic_set_state(struct emu_ioapic *io,
			  const struct kvm_ioapic_state *s);

#endif
