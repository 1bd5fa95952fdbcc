/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pit.h - 8254 PIT: channels 0-2 on ports 0x40-0x43, channel 2 gate and
 * output on port 0x61.  Channel 0 pulses its IRQ (GSI 0) through a hook.
 */
#ifndef CVISOR_EMU_PIT_H
#define CVISOR_EMU_PIT_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "timer.h"

#define EMU_PIT_HZ	1193182ull

struct emu_pit;

struct emu_pit_ops {
	/* Channel 0 output edge: raise then lower GSI 0. */
	void (*irq)(void *opaque);
};

int emu_pit_create(struct emu_clock *clock, const struct emu_pit_ops *ops,
		   void *opaque, struct emu_pit **out);
/* Call without locks: waits for a running timer callback. */
void emu_pit_destroy(struct emu_pit *pit);

/* Ports 0x40-0x43 and 0x61; false if not ours. */
bool emu_pit_pio(struct emu_pit *pit, uint16_t port, uint8_t *data,
		 bool write);

void emu_pit_get_state(struct emu_pit *pit, struct kvm_pit_state2 *s);
void emu_pit_set_state(struct emu_pit *pit, const struct kvm_pit_state2 *s);

#endif
