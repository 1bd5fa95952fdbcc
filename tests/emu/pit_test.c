// SPDX-License-Identifier: GPL-2.0
/*
 * pit_test - the emu 8254: channel 2 one-shot with the port 0x61 gate and
 * OUT2 (Linux's PIT calibration loop), counter latch, read-back status,
 * channel 0 rate generator pulsing IRQ0, state round trip.
 */
#include <string.h>

#include "accel/emu/pit.h"
#include "emutest.h"

static atomic_int irqs;
static void t_irq(void *o) { atomic_fetch_add(&irqs, 1); }
static const struct emu_pit_ops ops = { .irq = t_irq };
static struct emu_pit *pit;

static void out(uint16_t port, uint8_t v) { CHECK(emu_pit_pio(pit, port, &v, true)); }
static uint8_t in(uint16_t port)
{
	uint8_t v = 0;

	CHECK(emu_pit_pio(pit, port, &v, false));
	return v;
}

int main(void)
{
	struct kvm_pit_state2 st, st2;
	struct emu_clock *clock;
	uint64_t t0, t1, dt;
	uint16_t c1, c2;
	uint8_t v;
	int n;

	CHECK(!emu_clock_create(&clock));
	CHECK(!emu_pit_create(clock, &ops, NULL, &pit));
	CHECK(!emu_pit_pio(pit, 0x44, &v, false));

	/* Channel 2, mode 0, count 0xffff: OUT2 rises after ~54.9 ms. */
	out(0x61, (in(0x61) & ~0x02) | 0x01);
	CHECK_EQ(in(0x61) & 1, 1);
	out(0x43, 0xb0);
	out(0x42, 0xff);
	out(0x42, 0xff);
	t0 = emu_now_ns();
	CHECK_EQ(in(0x61) & 0x20, 0);
	out(0x43, 0x80);			/* latch channel 2 */
	c1 = in(0x42);
	c1 |= in(0x42) << 8;
	t1 = emu_now_ns();
	sleep_ms(2);
	out(0x43, 0x80);
	c2 = in(0x42);
	c2 |= in(0x42) << 8;
	t1 = emu_now_ns() - t1;
	/*
	 * 1.193182 ticks per us, within the time the latches took; only
	 * meaningful if this thread was not descheduled long enough for
	 * the 16-bit counter to wrap (54.9 ms).
	 */
	if (t1 < 50000000) {
		CHECK(c1 > c2);
		CHECK(c1 - c2 >= 2300 &&
		      (uint64_t)(c1 - c2) <= t1 * 1193182 / 1000000000 + 50);
	}
	while (!(in(0x61) & 0x20))
		;
	dt = emu_now_ns() - t0;
	printf("OUT2 after %llu us (expect ~54925)\n",
	       (unsigned long long)dt / 1000);
	/* Never early; late only by scheduling delays of this thread. */
	CHECK(dt >= 54000000 && dt < 2000000000);
	/* Read-back: status of channel 2 = OUT high, lobyte/hibyte, mode 0. */
	out(0x43, 0xe8);
	CHECK_EQ(in(0x42), 0xb0);
	/* Unlatched word read goes low byte then high byte. */
	v = in(0x42);
	(void)v;
	(void)in(0x42);

	/* Channel 0 rate generator at ~1 kHz pulses IRQ0. */
	out(0x43, 0x34);
	out(0x40, 1193 & 0xff);
	out(0x40, 1193 >> 8);
	t0 = emu_now_ns();
	/*
	 * Wait for at least ten pulses: a loaded host may deschedule the
	 * timer thread, and missed periods coalesce, so the count in a
	 * fixed window is only bounded from above.
	 */
	do {
		sleep_ms(10);
		n = atomic_load(&irqs);
		dt = (emu_now_ns() - t0) / 1000000;
	} while (n < 10 && dt < 10000);
	printf("channel 0: %d IRQ0 pulses in %llu ms\n", n,
	       (unsigned long long)dt);
	/* ~1 per ms; missed periods coalesce, none come early. */
	CHECK(n >= 10 && (uint64_t)n <= dt + 2);

	/* State round trip. */
	emu_pit_get_state(pit, &st);
	CHECK_EQ(st.channels[0].mode, 2);
	CHECK_EQ(st.channels[0].count, 1193);
	CHECK_EQ(st.channels[2].gate, 1);
	emu_pit_set_state(pit, &st);
	emu_pit_get_state(pit, &st2);
	CHECK_EQ(st2.channels[0].count, 1193);
	CHECK_EQ(st2.channels[0].rw_mode, st.channels[0].rw_mode);
	CHECK_EQ(st2.channels[2].mode, 0);
	CHECK(st2.channels[0].count_load_time >= st.channels[0].count_load_time);

	/* Reprogramming channel 0 to mode 0 stops the periodic pulses. */
	out(0x43, 0x30);
	sleep_ms(50);		/* let a pulse already in flight land */
	n = atomic_load(&irqs);
	sleep_ms(10);
	CHECK_EQ(atomic_load(&irqs), n);

	emu_pit_destroy(pit);
	emu_clock_destroy(clock);
	printf("pit: ok\n");
	return 0;
}
