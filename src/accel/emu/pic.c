// SPDX-License-Identifier: GPL-2.0
/*
 * pic.c - the emu backend's 8259A pair.
 *
 * Each chip's state is a struct kvm_pic_state, so KVM_GET/SET_IRQCHIP for
 * chips 0 and 1 are copies.  Behaviour follows the 8259A data sheet
 * (fully nested mode, rotation, specific/non-specific EOI, special mask,
 * auto-EOI, ICW1-4, OCW2/3) with the PIIX ELCR selecting level mode per
 * line.  Poll mode answers as KVM's model does: 0x80 | IRQ with the
 * request acknowledged and its ISR bit left clear, 0x07 with none.
 *
 * Locking: pic->lock protects both chips.  The output and ack hooks are
 * called after it is dropped (they kick a vCPU or signal resamplers).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pic.h"

struct emu_pic {
	pthread_mutex_t lock;
	const struct emu_pic_ops *ops;
	void *opaque;
	struct kvm_pic_state chip[2];
	bool output;
};

struct pic_post {
	bool output_changed;
	bool output;
	uint16_t acked;		/* level IRQs EOIed */
};

/* Priority level (0 = highest) of the highest request in @mask, 8 if none. */
static int get_priority(const struct kvm_pic_state *s, uint8_t mask)
{
	int p = 0;

	if (!mask)
		return 8;
	while (!(mask & (1u << ((p + s->priority_add) & 7))))
		p++;
	return p;
}

/* The IRQ this chip would raise INT for, or -1. */
static int get_irq(const struct kvm_pic_state *s, bool master)
{
	uint8_t isr = s->isr;
	int p, cur;

	p = get_priority(s, s->irr & ~s->imr);
	if (p == 8)
		return -1;
	if (s->special_mask)
		isr &= ~s->imr;
	/* SFNM: a slave request may nest into an in-service IR2. */
	if (master && s->special_fully_nested_mode)
		isr &= ~(1u << 2);
	cur = get_priority(s, isr);
	return p < cur ? (p + s->priority_add) & 7 : -1;
}

static void chip_set_irq(struct kvm_pic_state *s, int irq, bool level)
{
	uint8_t mask = 1u << irq;

	if (s->elcr & mask) {
		if (level) {
			s->irr |= mask;
			s->last_irr |= mask;
		} else {
			s->irr &= ~mask;
			s->last_irr &= ~mask;
		}
		return;
	}
	if (level) {
		if (!(s->last_irr & mask))
			s->irr |= mask;
		s->last_irr |= mask;
	} else {
		s->last_irr &= ~mask;
	}
}

static void update_locked(struct emu_pic *pic, struct pic_post *post)
{
	bool out;

	chip_set_irq(&pic->chip[0], 2, get_irq(&pic->chip[1], false) >= 0);
	out = get_irq(&pic->chip[0], true) >= 0;
	if (out != pic->output) {
		pic->output = out;
		post->output_changed = true;
		post->output = out;
	}
}

static void post_run(struct emu_pic *pic, struct pic_post *post)
{
	unsigned int irq;
	bool out = post->output;

	/*
	 * Ack hooks first, as KVM runs its ack notifiers before updating
	 * the output: an irqfd resampler de-asserts its line here, and the
	 * output is then reported as it stands afterwards, so a serviced
	 * level IRQ does not kick a vCPU for nothing.
	 */
	for (irq = 0; post->acked && irq < 16; irq++)
		if ((post->acked & (1u << irq)) && pic->ops && pic->ops->ack)
			pic->ops->ack(pic->opaque, irq);
	if (post->acked && post->output_changed) {
		pthread_mutex_lock(&pic->lock);
		out = pic->output;
		pthread_mutex_unlock(&pic->lock);
	}
	if (post->output_changed && pic->ops && pic->ops->output)
		pic->ops->output(pic->opaque, out);
}

static void chip_reset(struct kvm_pic_state *s, uint8_t elcr_mask)
{
	uint8_t elcr = s->elcr, last = s->last_irr;

	memset(s, 0, sizeof(*s));
	s->elcr = elcr;
	s->elcr_mask = elcr_mask;
	s->last_irr = last;
}

int emu_pic_create(const struct emu_pic_ops *ops, void *opaque,
		   struct emu_pic **out)
{
	struct emu_pic *pic;

	pic = calloc(1, sizeof(*pic));
	if (!pic)
		return -ENOMEM;
	pthread_mutex_init(&pic->lock, NULL);
	pic->ops = ops;
	pic->opaque = opaque;
	/* IRQ 0, 1, 2, 8 and 13 are edge only on the PIIX. */
	chip_reset(&pic->chip[0], 0xf8);
	chip_reset(&pic->chip[1], 0xde);
	*out = pic;
	return 0;
}

void emu_pic_destroy(struct emu_pic *pic)
{
	if (!pic)
		return;
	pthread_mutex_destroy(&pic->lock);
	free(pic);
}

void emu_pic_set_irq(struct emu_pic *pic, unsigned int irq, bool level)
{
	struct pic_post post = { 0 };

	if (irq >= 16)
		return;
	pthread_mutex_lock(&pic->lock);
	chip_set_irq(&pic->chip[irq >> 3], irq & 7, level);
	update_locked(pic, &post);
	pthread_mutex_unlock(&pic->lock);
	post_run(pic, &post);
}

bool emu_pic_has_interrupt(struct emu_pic *pic)
{
	bool r;

	pthread_mutex_lock(&pic->lock);
	r = pic->output;
	pthread_mutex_unlock(&pic->lock);
	return r;
}

static void clear_isr(struct kvm_pic_state *s, int irq, int base,
		      struct pic_post *post)
{
	s->isr &= ~(1u << irq);
	if (s->elcr & (1u << irq))
		post->acked |= 1u << (base + irq);
}

static void intack(struct kvm_pic_state *s, int irq, int base,
		   struct pic_post *post)
{
	s->isr |= 1u << irq;
	if (s->auto_eoi) {
		if (s->rotate_on_auto_eoi)
			s->priority_add = (irq + 1) & 7;
		clear_isr(s, irq, base, post);
	}
	/* Edge requests are consumed by the acknowledge; level ones stay. */
	if (!(s->elcr & (1u << irq)))
		s->irr &= ~(1u << irq);
}

static int read_irq(struct emu_pic *pic, bool only_if_asserted)
{
	struct pic_post post = { 0 };
	int irq, irq2, vec;

	pthread_mutex_lock(&pic->lock);
	if (only_if_asserted && !pic->output) {
		pthread_mutex_unlock(&pic->lock);
		return -1;
	}
	irq = get_irq(&pic->chip[0], true);
	if (irq >= 0) {
		intack(&pic->chip[0], irq, 0, &post);
		if (irq == 2) {
			irq2 = get_irq(&pic->chip[1], false);
			if (irq2 >= 0)
				intack(&pic->chip[1], irq2, 8, &post);
			else
				irq2 = 7;	/* spurious on the slave */
			vec = pic->chip[1].irq_base + irq2;
		} else {
			vec = pic->chip[0].irq_base + irq;
		}
	} else {
		vec = pic->chip[0].irq_base + 7;	/* spurious */
	}
	update_locked(pic, &post);
	pthread_mutex_unlock(&pic->lock);
	post_run(pic, &post);
	return vec;
}

int emu_pic_read_irq(struct emu_pic *pic)
{
	return read_irq(pic, false);
}

int emu_pic_try_read_irq(struct emu_pic *pic)
{
	return read_irq(pic, true);
}

static uint8_t poll_read(struct emu_pic *pic, int c, struct pic_post *post)
{
	struct kvm_pic_state *s = &pic->chip[c];
	int irq = get_irq(s, c == 0);

	if (irq < 0) {
		update_locked(pic, post);
		return 0x07;
	}
	if (c == 1) {
		pic->chip[0].isr &= ~(1u << 2);
		pic->chip[0].irr &= ~(1u << 2);
	}
	s->irr &= ~(1u << irq);
	clear_isr(s, irq, c * 8, post);
	update_locked(pic, post);
	return 0x80 | irq;
}

static void command_write(struct emu_pic *pic, int c, uint8_t val,
			  struct pic_post *post)
{
	struct kvm_pic_state *s = &pic->chip[c];
	int p, irq, cmd;

	if (val & 0x10) {			/* ICW1 */
		chip_reset(s, s->elcr_mask);
		/* The edge sense latch restarts: an already high edge line
		 * needs a new rising edge. */
		s->irr &= s->elcr;
		s->init4 = val & 1;
		s->init_state = 1;
		update_locked(pic, post);
		return;
	}
	if (val & 0x08) {			/* OCW3 */
		if (val & 0x04)
			s->poll = 1;
		if (val & 0x02)
			s->read_reg_select = val & 1;
		if (val & 0x40)
			s->special_mask = (val >> 5) & 1;
		update_locked(pic, post);
		return;
	}
	cmd = val >> 5;				/* OCW2 */
	switch (cmd) {
	case 0:
	case 4:
		s->rotate_on_auto_eoi = cmd >> 2;
		break;
	case 1:					/* non-specific EOI */
	case 5:					/* ... and rotate */
		p = get_priority(s, s->isr);
		if (p != 8) {
			irq = (p + s->priority_add) & 7;
			clear_isr(s, irq, c * 8, post);
			if (cmd == 5)
				s->priority_add = (irq + 1) & 7;
		}
		break;
	case 3:					/* specific EOI */
		clear_isr(s, val & 7, c * 8, post);
		break;
	case 6:					/* set priority */
		s->priority_add = (val + 1) & 7;
		break;
	case 7:					/* rotate on specific EOI */
		irq = val & 7;
		clear_isr(s, irq, c * 8, post);
		s->priority_add = (irq + 1) & 7;
		break;
	default:
		break;
	}
	update_locked(pic, post);
}

static void data_write(struct emu_pic *pic, int c, uint8_t val,
		       struct pic_post *post)
{
	struct kvm_pic_state *s = &pic->chip[c];

	switch (s->init_state) {
	case 0:					/* OCW1: IMR */
		s->imr = val;
		update_locked(pic, post);
		break;
	case 1:					/* ICW2 */
		s->irq_base = val & 0xf8;
		s->init_state = 2;		/* cascade mode: ICW3 follows */
		break;
	case 2:					/* ICW3 */
		s->init_state = s->init4 ? 3 : 0;
		break;
	case 3:					/* ICW4 */
		s->special_fully_nested_mode = (val >> 4) & 1;
		s->auto_eoi = (val >> 1) & 1;
		s->init_state = 0;
		break;
	}
}

bool emu_pic_pio(struct emu_pic *pic, uint16_t port, uint8_t *data,
		 bool write)
{
	struct pic_post post = { 0 };
	struct kvm_pic_state *s;
	int c;

	switch (port) {
	case 0x20: case 0x21: c = 0; break;
	case 0xa0: case 0xa1: c = 1; break;
	case 0x4d0: c = 0; break;
	case 0x4d1: c = 1; break;
	default:
		return false;
	}
	s = &pic->chip[c];
	pthread_mutex_lock(&pic->lock);
	if (port >= 0x4d0) {
		if (write)
			s->elcr = *data & s->elcr_mask;
		else
			*data = s->elcr;
	} else if (write) {
		if (port & 1)
			data_write(pic, c, *data, &post);
		else
			command_write(pic, c, *data, &post);
	} else if (s->poll) {
		s->poll = 0;
		*data = poll_read(pic, c, &post);
	} else if (port & 1) {
		*data = s->imr;
	} else {
		*data = s->read_reg_select ? s->isr : s->irr;
	}
	pthread_mutex_unlock(&pic->lock);
	post_run(pic, &post);
	return true;
}

void emu_pic_get_state(struct emu_pic *pic, int chip, struct kvm_pic_state *s)
{
	pthread_mutex_lock(&pic->lock);
	*s = pic->chip[chip & 1];
	pthread_mutex_unlock(&pic->lock);
}

void emu_pic_set_state(struct emu_pic *pic, int chip,
		       const struct kvm_pic_state *s)
{
	struct pic_post post = { 0 };
	uint8_t mask = (chip & 1) ? 0xde : 0xf8;

	pthread_mutex_lock(&pic->lock);
	pic->chip[chip & 1] = *s;
	pic->chip[chip & 1].elcr_mask = mask;
	pic->chip[chip & 1].elcr &= mask;
	update_locked(pic, &post);
	pthread_mutex_unlock(&pic->lock);
	post_run(pic, &post);
}
