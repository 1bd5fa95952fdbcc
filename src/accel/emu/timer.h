/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timer.h - host-time driven timers for the emu backend's devices.
 *
 * KVM drives the LAPIC timer and the PIT with hrtimers; here one clock
 * thread per VM plays that part.  A device embeds a struct emu_timer, arms
 * it with an absolute CLOCK_MONOTONIC deadline and gets its fire() callback
 * from the clock thread once the deadline has passed.
 *
 * Locking rules:
 *  - clock->lock protects the timer list and every timer's deadline/armed.
 *  - fire() is called WITHOUT clock->lock, so it may take its device's
 *    lock and re-arm or cancel timers.  The device's own state is the
 *    authority: fire() must re-check under the device lock that the expiry
 *    it is called for is still current (a cancel or re-arm can race with
 *    the clock thread picking the timer).
 *  - emu_timer_del() waits for a running fire() of that timer to return, so
 *    it must not be called with the device lock held.
 */
#ifndef CVISOR_EMU_TIMER_H
#define CVISOR_EMU_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct emu_clock;

struct emu_timer {
	struct emu_clock *clock;
	void (*fire)(struct emu_timer *t);
	uint64_t deadline;		/* ns, CLOCK_MONOTONIC */
	bool armed;
	struct emu_timer *next;		/* clock's list */
};

uint64_t emu_now_ns(void);

int emu_clock_create(struct emu_clock **out);
/* All timers must have been deleted. Joins the clock thread. */
void emu_clock_destroy(struct emu_clock *clock);

void emu_timer_add(struct emu_timer *t, struct emu_clock *clock,
		   void (*fire)(struct emu_timer *t));
void emu_timer_del(struct emu_timer *t);
void emu_timer_arm(struct emu_timer *t, uint64_t deadline_ns);
void emu_timer_cancel(struct emu_timer *t);

#endif
