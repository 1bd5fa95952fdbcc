// SPDX-License-Identifier: GPL-2.0
/*
 * pit.c - the emu backend's 8254.
 *
 * Counters are not ticked: the count and output of a channel are computed
 * from the host time elapsed since the count was loaded (count_load_time,
 * ns of CLOCK_MONOTONIC) at 1.193182 MHz, as in the 8254 data sheet's
 * per-mode descriptions.  Only channel 0 needs a host timer, to pulse
 * IRQ0; periodic modes are clamped to 200 us like the LAPIC timer.
 * Channels 0 and 1 have their gate tied high; channel 2's gate is port
 * 0x61 bit 0, and its output is readable at port 0x61 bit 5 (Linux's TSC
 * calibration polls it).  BCD counting is not implemented (the bit is
 * stored and reported, the count stays binary).
 *
 * Locking: pit->lock protects all state; the IRQ hook is called after it
 * is dropped.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/compiler.h"
#include "pit.h"

#define RW_LSB		1
#define RW_MSB		2
#define RW_WORD0	3
#define RW_WORD1	4

#define PIT_MIN_PERIOD_NS	200000ull

struct emu_pit {
	pthread_mutex_t lock;
	const struct emu_pit_ops *ops;
	void *opaque;
	struct kvm_pit_channel_state ch[3];
	uint32_t flags;			/* KVM_PIT_FLAGS_* */
	struct emu_timer timer;		/* channel 0 */
	uint64_t deadline;		/* 0 = not armed */
	uint64_t period;		/* 0 = one shot */
};

static inline int ch_mode(const struct kvm_pit_channel_state *c)
{
	return c->mode >= 6 ? c->mode - 4 : c->mode;
}

static uint64_t ticks_to_ns(uint64_t ticks)
{
	return (uint64_t)((unsigned __int128)ticks * 1000000000ull / EMU_PIT_HZ);
}

static uint64_t elapsed_ticks(const struct kvm_pit_channel_state *c,
			      uint64_t now)
{
	uint64_t d = now > (uint64_t)c->count_load_time ?
		     now - c->count_load_time : 0;

	return (uint64_t)((unsigned __int128)d * EMU_PIT_HZ / 1000000000ull);
}

static uint32_t get_count(const struct kvm_pit_channel_state *c, uint64_t now)
{
	uint64_t d = elapsed_ticks(c, now);
	uint32_t count = c->count ? c->count : 0x10000;

	switch (ch_mode(c)) {
	case 2:
		return count - d % count;
	case 3:
		return count - (2 * d) % count;
	default:
		return (uint32_t)(count - d) & 0xffff;
	}
}

static bool get_out(const struct kvm_pit_channel_state *c, uint64_t now)
{
	uint64_t d = elapsed_ticks(c, now);
	uint32_t count = c->count ? c->count : 0x10000;

	switch (ch_mode(c)) {
	case 0:
	case 1:
		return d >= count;
	case 2:
		return d % count != 0 || d == 0;
	case 3:
		return d % count < (count + 1) / 2;
	default:			/* 4, 5: one low pulse at terminal count */
		return d != count;
	}
}

static void ch0_arm(struct emu_pit *pit, uint64_t now)
{
	struct kvm_pit_channel_state *c = &pit->ch[0];
	uint64_t ns = ticks_to_ns(c->count ? c->count : 0x10000);
	int mode = ch_mode(c);

	if (mode == 2 || mode == 3) {
		pit->period = ns < PIT_MIN_PERIOD_NS ? PIT_MIN_PERIOD_NS : ns;
		pit->deadline = now + pit->period;
	} else if (mode == 0 || mode == 4) {
		pit->period = 0;
		pit->deadline = now + ns;
	} else {
		/* Modes 1 and 5 wait for a gate edge that never comes. */
		pit->deadline = 0;
		emu_timer_cancel(&pit->timer);
		return;
	}
	emu_timer_arm(&pit->timer, pit->deadline);
}

static void load_count(struct emu_pit *pit, int ch, uint32_t val)
{
	struct kvm_pit_channel_state *c = &pit->ch[ch];
	uint64_t now = emu_now_ns();

	c->count = val ? val : 0x10000;
	c->count_load_time = now;
	if (ch == 0)
		ch0_arm(pit, now);
}

static void pit_timer_fire(struct emu_timer *t)
{
	struct emu_pit *pit = container_of(t, struct emu_pit, timer);
	bool pulse = false;
	uint64_t now;

	pthread_mutex_lock(&pit->lock);
	now = emu_now_ns();
	if (!pit->deadline || now < pit->deadline)
		goto out;
	pulse = true;
	if (pit->period) {
		pit->deadline += pit->period;
		if (pit->deadline <= now)
			pit->deadline = now + pit->period;
		emu_timer_arm(&pit->timer, pit->deadline);
	} else {
		pit->deadline = 0;
	}
out:
	pthread_mutex_unlock(&pit->lock);
	if (pulse && pit->ops && pit->ops->irq)
		pit->ops->irq(pit->opaque);
}

int emu_pit_create(struct emu_clock *clock, const struct emu_pit_ops *ops,
		   void *opaque, struct emu_pit **out)
{
	struct emu_pit *pit;
	int i;

	pit = calloc(1, sizeof(*pit));
	if (!pit)
		return -ENOMEM;
	pthread_mutex_init(&pit->lock, NULL);
	pit->ops = ops;
	pit->opaque = opaque;
	for (i = 0; i < 3; i++) {
		pit->ch[i].gate = i != 2;
		pit->ch[i].count = 0x10000;
		pit->ch[i].count_load_time = emu_now_ns();
	}
	emu_timer_add(&pit->timer, clock, pit_timer_fire);
	*out = pit;
	return 0;
}

void emu_pit_destroy(struct emu_pit *pit)
{
	if (!pit)
		return;
	emu_timer_del(&pit->timer);
	pthread_mutex_destroy(&pit->lock);
	free(pit);
}

static void latch_count(struct kvm_pit_channel_state *c, uint64_t now)
{
	if (c->count_latched)
		return;
	c->latched_count = get_count(c, now);
	c->count_latched = c->rw_mode;
}

static void latch_status(struct kvm_pit_channel_state *c, uint64_t now)
{
	if (c->status_latched)
		return;
	c->status = (get_out(c, now) << 7) | (c->rw_mode << 4) |
		    (c->mode << 1) | c->bcd;
	c->status_latched = 1;
}

static void control_write(struct emu_pit *pit, uint8_t val)
{
	uint64_t now = emu_now_ns();
	int ch = val >> 6, i, access;
	struct kvm_pit_channel_state *c;

	if (ch == 3) {				/* read-back */
		for (i = 0; i < 3; i++) {
			if (!(val & (2 << i)))
				continue;
			if (!(val & 0x20))
				latch_count(&pit->ch[i], now);
			if (!(val & 0x10))
				latch_status(&pit->ch[i], now);
		}
		return;
	}
	c = &pit->ch[ch];
	access = (val >> 4) & 3;
	if (!access) {
		latch_count(c, now);
		return;
	}
	c->rw_mode = access;
	c->read_state = access;
	c->write_state = access;
	c->mode = (val >> 1) & 7;
	c->bcd = val & 1;
	if (ch == 0) {
		/* A new mode stops counting until the count is written. */
		pit->deadline = 0;
		emu_timer_cancel(&pit->timer);
	}
}

static void counter_write(struct emu_pit *pit, int ch, uint8_t val)
{
	struct kvm_pit_channel_state *c = &pit->ch[ch];

	switch (c->write_state) {
	case RW_LSB:
		load_count(pit, ch, val);
		break;
	case RW_MSB:
		load_count(pit, ch, val << 8);
		break;
	case RW_WORD0:
		c->write_latch = val;
		c->write_state = RW_WORD1;
		break;
	case RW_WORD1:
		load_count(pit, ch, c->write_latch | (val << 8));
		c->write_state = RW_WORD0;
		break;
	}
}

static uint8_t counter_read(struct emu_pit *pit, int ch)
{
	struct kvm_pit_channel_state *c = &pit->ch[ch];
	uint32_t count;
	uint8_t ret;

	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->count_latched) {
		switch (c->count_latched) {
		case RW_MSB:
			ret = c->latched_count >> 8;
			c->count_latched = 0;
			break;
		case RW_WORD0:
			ret = c->latched_count & 0xff;
			c->count_latched = RW_MSB;
			break;
		default:
			ret = c->latched_count & 0xff;
			c->count_latched = 0;
			break;
		}
		return ret;
	}
	count = get_count(c, emu_now_ns());
	switch (c->read_state) {
	case RW_MSB:
		return count >> 8;
	case RW_WORD0:
		c->read_state = RW_WORD1;
		return count & 0xff;
	case RW_WORD1:
		c->read_state = RW_WORD0;
		return count >> 8;
	default:
		return count & 0xff;
	}
}

static void gate_write(struct emu_pit *pit, bool gate)
{
	struct kvm_pit_channel_state *c = &pit->ch[2];
	int mode = ch_mode(c);

	/* A rising gate (re)starts modes 1, 2, 3 and 5 (8254 data sheet). */
	if (gate && !c->gate && mode != 0 && mode != 4)
		c->count_load_time = emu_now_ns();
	c->gate = gate;
}

bool emu_pit_pio(struct emu_pit *pit, uint16_t port, uint8_t *data,
		 bool write)
{
	uint64_t now;

	if ((port < 0x40 || port > 0x43) && port != 0x61)
		return false;
	pthread_mutex_lock(&pit->lock);
	if (port == 0x61) {
		if (write) {
			gate_write(pit, *data & 1);
			if (*data & 2)
				pit->flags |= KVM_PIT_FLAGS_SPEAKER_DATA_ON;
			else
				pit->flags &= ~KVM_PIT_FLAGS_SPEAKER_DATA_ON;
		} else {
			now = emu_now_ns();
			/* Bit 4 toggles with DRAM refresh, ~15 us. */
			*data = pit->ch[2].gate |
				(pit->flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON ?
				 2 : 0) |
				(((now >> 14) & 1) << 4) |
				(get_out(&pit->ch[2], now) << 5);
		}
	} else if (port == 0x43) {
		if (write)
			control_write(pit, *data);
		else
			*data = 0xff;	/* the control word is write-only */
	} else if (write) {
		counter_write(pit, port - 0x40, *data);
	} else {
		*data = counter_read(pit, port - 0x40);
	}
	pthread_mutex_unlock(&pit->lock);
	return true;
}

void emu_pit_get_state(struct emu_pit *pit, struct kvm_pit_state2 *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&pit->lock);
	memcpy(s->channels, pit->ch, sizeof(s->channels));
	s->flags = pit->flags;
	pthread_mutex_unlock(&pit->lock);
}

void emu_pit_set_state(struct emu_pit *pit, const struct kvm_pit_state2 *s)
{
	int i;

	pthread_mutex_lock(&pit->lock);
	memcpy(pit->ch, s->channels, sizeof(pit->ch));
	pit->flags = s->flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON;
	/* Load times are host-relative: restart each count now, as KVM does. */
	for (i = 0; i < 3; i++)
		load_count(pit, i, pit->ch[i].count & 0xffff);
	pthread_mutex_unlock(&pit->lock);
}
