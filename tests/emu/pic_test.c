// SPDX-License-Identifier: GPL-2.0
/*
 * pic_test - the emu 8259 pair: the ICW sequence Linux and BIOSes use,
 * priorities and preemption, cascade through IR2, EOI forms, masking,
 * ELCR level mode with ack notification, poll, auto-EOI, spurious IRQ 7,
 * state round trip.
 */
#include <string.h>

#include "accel/emu/pic.h"
#include "emutest.h"

static atomic_int out_level, out_changes, acks;

static void t_out(void *o, bool level)
{
	atomic_store(&out_level, level);
	atomic_fetch_add(&out_changes, 1);
}

static void t_ack(void *o, unsigned int irq) { atomic_fetch_add(&acks, 1); }

static const struct emu_pic_ops ops = { .output = t_out, .ack = t_ack };
static struct emu_pic *pic;

static void out(uint16_t port, uint8_t v) { CHECK(emu_pic_pio(pic, port, &v, true)); }
static uint8_t in(uint16_t port)
{
	uint8_t v = 0;

	CHECK(emu_pic_pio(pic, port, &v, false));
	return v;
}

static void init(uint8_t icw4)
{
	out(0x20, 0x11); out(0x21, 0x20); out(0x21, 0x04); out(0x21, icw4);
	out(0xa0, 0x11); out(0xa1, 0x28); out(0xa1, 0x02); out(0xa1, icw4);
	out(0x21, 0); out(0xa1, 0);
}

int main(void)
{
	struct kvm_pic_state st[2], st2[2];
	uint8_t v;

	CHECK(!emu_pic_create(&ops, NULL, &pic));
	CHECK(!emu_pic_pio(pic, 0x60, &v, false));
	init(0x01);

	/* IRQ1, then IRQ0 preempts it. */
	emu_pic_set_irq(pic, 1, true);
	CHECK(atomic_load(&out_level));
	CHECK_EQ(in(0x20), 0x02);			/* IRR */
	CHECK_EQ(emu_pic_read_irq(pic), 0x21);
	CHECK(!emu_pic_has_interrupt(pic));
	out(0x20, 0x0b);				/* read ISR */
	CHECK_EQ(in(0x20), 0x02);
	emu_pic_set_irq(pic, 1, false);
	emu_pic_set_irq(pic, 0, true);
	emu_pic_set_irq(pic, 0, false);
	CHECK(emu_pic_has_interrupt(pic));
	CHECK_EQ(emu_pic_read_irq(pic), 0x20);
	CHECK_EQ(in(0x20), 0x03);
	out(0x20, 0x20);				/* non-specific EOI: IRQ0 */
	CHECK_EQ(in(0x20), 0x02);
	out(0x20, 0x61);				/* specific EOI: IRQ1 */
	CHECK_EQ(in(0x20), 0x00);
	out(0x20, 0x0a);				/* back to IRR */

	/* Cascade: IRQ12 = slave pin 4. */
	emu_pic_set_irq(pic, 12, true);
	emu_pic_set_irq(pic, 12, false);
	CHECK(emu_pic_has_interrupt(pic));
	CHECK_EQ(emu_pic_read_irq(pic), 0x2c);
	out(0x20, 0x0b);
	out(0xa0, 0x0b);
	CHECK_EQ(in(0x20), 0x04);
	CHECK_EQ(in(0xa0), 0x10);
	out(0xa0, 0x20);
	out(0x20, 0x20);
	CHECK_EQ(in(0x20), 0);
	CHECK_EQ(in(0xa0), 0);
	out(0x20, 0x0a);
	out(0xa0, 0x0a);

	/* ELCR: IRQ12 level; stays requested while high; ack notifier. */
	out(0x4d1, 0xff);
	CHECK_EQ(in(0x4d1), 0xde);
	out(0x4d1, 0x10);
	emu_pic_set_irq(pic, 12, true);
	CHECK_EQ(emu_pic_read_irq(pic), 0x2c);
	out(0xa0, 0x20);
	out(0x20, 0x20);
	CHECK_EQ(atomic_load(&acks), 1);
	CHECK(emu_pic_has_interrupt(pic));		/* still high */
	CHECK_EQ(emu_pic_read_irq(pic), 0x2c);
	emu_pic_set_irq(pic, 12, false);
	out(0xa0, 0x20);
	out(0x20, 0x20);
	CHECK(!emu_pic_has_interrupt(pic));
	out(0x4d1, 0);

	/* Masking. */
	out(0x21, 0x02);
	CHECK_EQ(in(0x21), 0x02);
	emu_pic_set_irq(pic, 1, true);
	CHECK(!emu_pic_has_interrupt(pic));
	out(0x21, 0x00);
	CHECK(emu_pic_has_interrupt(pic));
	emu_pic_set_irq(pic, 1, false);

	/* Poll: acknowledges without leaving ISR set. */
	out(0x20, 0x0c);
	CHECK_EQ(in(0x20), 0x81);
	CHECK(!emu_pic_has_interrupt(pic));
	out(0x20, 0x0c);
	CHECK_EQ(in(0x20), 0x07);

	/* Spurious: nothing pending reads IRQ 7. */
	CHECK_EQ(emu_pic_read_irq(pic), 0x27);

	/* Auto-EOI. */
	init(0x03);
	emu_pic_set_irq(pic, 3, true);
	emu_pic_set_irq(pic, 3, false);
	CHECK_EQ(emu_pic_read_irq(pic), 0x23);
	out(0x20, 0x0b);
	CHECK_EQ(in(0x20), 0);

	/* Re-init needs a fresh edge for a line that is already high. */
	emu_pic_set_irq(pic, 4, true);
	init(0x01);
	CHECK(!emu_pic_has_interrupt(pic));
	emu_pic_set_irq(pic, 4, false);
	emu_pic_set_irq(pic, 4, true);
	CHECK(emu_pic_has_interrupt(pic));

	/* Rotation: set lowest priority to IRQ 4 -> IRQ 5 highest. */
	emu_pic_set_irq(pic, 6, true);
	out(0x20, 0xc4);
	CHECK_EQ(emu_pic_read_irq(pic), 0x26);

	/* State round trip. */
	emu_pic_get_state(pic, 0, &st[0]);
	emu_pic_get_state(pic, 1, &st[1]);
	CHECK_EQ(st[0].irq_base, 0x20);
	CHECK_EQ(st[1].irq_base, 0x28);
	CHECK_EQ(st[0].priority_add, 5);
	emu_pic_set_state(pic, 0, &st[0]);
	emu_pic_set_state(pic, 1, &st[1]);
	emu_pic_get_state(pic, 0, &st2[0]);
	emu_pic_get_state(pic, 1, &st2[1]);
	CHECK(!memcmp(st, st2, sizeof(st)));

	emu_pic_destroy(pic);
	printf("pic: ok\n");
	return 0;
}
