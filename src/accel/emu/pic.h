/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pic.h - the 8259A pair (master 0x20/0x21, slave 0xa0/0xa1, cascade on
 * master IR2) with the PIIX ELCR at 0x4d0/0x4d1.
 */
#ifndef CVISOR_EMU_PIC_H
#define CVISOR_EMU_PIC_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

struct emu_pic;

struct emu_pic_ops {
	/* The master's INT output changed (KVM: kick the BSP). */
	void (*output)(void *opaque, bool level);
	/* A level-triggered IRQ (0-15) was EOIed (irqfd resample; may be NULL). */
	void (*ack)(void *opaque, unsigned int irq);
};

int emu_pic_create(const struct emu_pic_ops *ops, void *opaque,
		   struct emu_pic **out);
void emu_pic_destroy(struct emu_pic *pic);

/* IRQ 0-15, @level = wired-OR of the line's sources. */
void emu_pic_set_irq(struct emu_pic *pic, unsigned int irq, bool level);
/* Is the master's INT output asserted? */
bool emu_pic_has_interrupt(struct emu_pic *pic);
/* INTA cycle: the vector to deliver (spurious IRQ 7/15 if none). */
int emu_pic_read_irq(struct emu_pic *pic);
/* INTA only if INT is asserted right now (another vCPU may have won). */
int emu_pic_try_read_irq(struct emu_pic *pic);

/* Ports 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1; false if not ours. */
bool emu_pic_pio(struct emu_pic *pic, uint16_t port, uint8_t *data,
		 bool write);

/* chip 0 master, 1 slave. */
void emu_pic_get_state(struct emu_pic *pic, int chip,
		       struct kvm_pic_state *s);
void emu_pic_set_state(struct emu_pic *pic, int chip,
		       const struct kvm_pic_state *s);

#endif
