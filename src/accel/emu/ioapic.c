// SPDX-License-Identifier: GPL-2.0
/*
 * ioapic.c - the emu backend's I/O APIC.
 *
 * Line semantics follow KVM's in-kernel IOAPIC: a pin's input is the
 * logical "asserted" level (polarity is recorded but not applied, as in
 * KVM); edge pins fire on a 0->1 transition while unmasked; level pins fire
 * while asserted, unmasked and without remote IRR, and set remote IRR until
 * the LAPIC broadcasts the EOI of their vector.
 *
 * Locking: io->lock protects all state.  Messages are delivered to the
 * APIC bus with io->lock held (order: io->lock, bus->lock, LAPIC lock);
 * that is safe because a LAPIC never holds its own lock while calling
 * emu_ioapic_eoi().  The ack hook is called without io->lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ioapic.h"

#define IOAPIC_VERSION	(0x11u | ((EMU_IOAPIC_PINS - 1u) << 16))

#define IOREGSEL	0x00
#define IOWIN		0x10

#define RTE_VECTOR(e)		((uint8_t)(e))
#define RTE_DM(e)		(((e) >> 8) & 7)
#define RTE_DEST_LOGICAL	(1ull << 11)
#define RTE_DELIVS		(1ull << 12)
#define RTE_POLARITY		(1ull << 13)
#define RTE_REMOTE_IRR		(1ull << 14)
#define RTE_LEVEL		(1ull << 15)
#define RTE_MASKED		(1ull << 16)
#define RTE_DEST(e)		((uint32_t)((e) >> 56))

struct emu_ioapic {
	pthread_mutex_t lock;
	struct emu_apic_bus *bus;
	const struct emu_ioapic_ops *ops;
	void *opaque;
	uint64_t base;
	uint32_t ioregsel;
	uint32_t id;
	uint32_t irr;			/* current (asserted) input levels */
	uint64_t rte[EMU_IOAPIC_PINS];
};

static void service_locked(struct emu_ioapic *io, unsigned int pin)
{
	uint64_t e = io->rte[pin];
	struct emu_apic_irq irq = { 0 };

	if (e & RTE_MASKED)
		return;
	if ((e & RTE_LEVEL) && (e & RTE_REMOTE_IRR))
		return;
	irq.vector = RTE_VECTOR(e);
	irq.delivery_mode = RTE_DM(e);
	irq.dest = RTE_DEST(e);
	irq.dest_logical = e & RTE_DEST_LOGICAL;
	irq.level = e & RTE_LEVEL;
	irq.assert = true;
	if (irq.level)
		io->rte[pin] |= RTE_REMOTE_IRR;
	emu_apic_bus_deliver(io->bus, NULL, &irq);
}

int emu_ioapic_create(struct emu_apic_bus *bus,
		      const struct emu_ioapic_ops *ops, void *opaque,
		      struct emu_ioapic **out)
{
	struct emu_ioapic *io;
	int i;

	io = calloc(1, sizeof(*io));
	if (!io)
		return -ENOMEM;
	pthread_mutex_init(&io->lock, NULL);
	io->bus = bus;
	io->ops = ops;
	io->opaque = opaque;
	io->base = EMU_IOAPIC_BASE;
	for (i = 0; i < EMU_IOAPIC_PINS; i++)
		io->rte[i] = RTE_MASKED;
	*out = io;
	return 0;
}

void emu_ioapic_destroy(struct emu_ioapic *io)
{
	if (!io)
		return;
	pthread_mutex_destroy(&io->lock);
	free(io);
}

void emu_ioapic_set_irq(struct emu_ioapic *io, unsigned int pin, bool level)
{
	uint32_t mask = 1u << pin, old;

	if (pin >= EMU_IOAPIC_PINS)
		return;
	pthread_mutex_lock(&io->lock);
	old = io->irr;
	if (level)
		io->irr |= mask;
	else
		io->irr &= ~mask;
	if (level && ((io->rte[pin] & RTE_LEVEL) || !(old & mask)))
		service_locked(io, pin);
	pthread_mutex_unlock(&io->lock);
}

void emu_ioapic_eoi(struct emu_ioapic *io, uint8_t vector)
{
	uint32_t acked = 0;
	unsigned int pin;

	pthread_mutex_lock(&io->lock);
	for (pin = 0; pin < EMU_IOAPIC_PINS; pin++) {
		uint64_t e = io->rte[pin];

		if (RTE_VECTOR(e) == vector && (e & RTE_LEVEL) &&
		    (e & RTE_REMOTE_IRR))
			acked |= 1u << pin;
	}
	pthread_mutex_unlock(&io->lock);
	if (!acked)
		return;
	/*
	 * KVM's order: the ack hooks run first (without io->lock: an irqfd
	 * resampler de-asserts its source through emu_ioapic_set_irq()),
	 * and only then is remote IRR cleared and the pin re-evaluated.  A
	 * level interrupt whose device was serviced is therefore not
	 * delivered a second time; one that is still (or again) asserted is.
	 */
	for (pin = 0; pin < EMU_IOAPIC_PINS; pin++)
		if ((acked & (1u << pin)) && io->ops && io->ops->ack)
			io->ops->ack(io->opaque, pin);
	pthread_mutex_lock(&io->lock);
	for (pin = 0; pin < EMU_IOAPIC_PINS; pin++) {
		uint64_t e = io->rte[pin];

		if (!(acked & (1u << pin)) || RTE_VECTOR(e) != vector ||
		    !(e & RTE_LEVEL) || !(e & RTE_REMOTE_IRR))
			continue;
		io->rte[pin] &= ~RTE_REMOTE_IRR;
		/* Still asserted: the device wants service again. */
		if (io->irr & (1u << pin))
			service_locked(io, pin);
	}
	pthread_mutex_unlock(&io->lock);
}

bool emu_ioapic_mmio_hit(struct emu_ioapic *io, uint64_t gpa)
{
	/* base_address is fixed (as in KVM), so no lock is needed. */
	return gpa >= io->base && gpa < io->base + 0x100;
}

static uint32_t read_indirect(struct emu_ioapic *io)
{
	uint32_t sel = io->ioregsel & 0xff;

	switch (sel) {
	case 0x00:
		return (io->id & 0xf) << 24;
	case 0x01:
		return IOAPIC_VERSION;
	case 0x02:
		return (io->id & 0xf) << 24;
	default:
		if (sel >= 0x10 && sel < 0x10 + 2 * EMU_IOAPIC_PINS) {
			uint64_t e = io->rte[(sel - 0x10) / 2];

			return (sel & 1) ? e >> 32 : (uint32_t)e;
		}
		return 0xffffffffu;
	}
}

static void write_indirect(struct emu_ioapic *io, uint32_t val)
{
	uint32_t sel = io->ioregsel & 0xff;
	unsigned int pin;
	uint64_t e;

	if (sel == 0x00) {
		io->id = (val >> 24) & 0xf;
		return;
	}
	if (sel < 0x10 || sel >= 0x10 + 2 * EMU_IOAPIC_PINS)
		return;
	pin = (sel - 0x10) / 2;
	e = io->rte[pin];
	if (sel & 1) {
		e = (e & 0xffffffffull) | (uint64_t)val << 32;
	} else {
		const uint64_t ro = RTE_DELIVS | RTE_REMOTE_IRR;

		e = (e & ~0xffffffffull & ~ro) | (val & ~ro) | (e & ro);
		if (!(e & RTE_LEVEL))
			e &= ~RTE_REMOTE_IRR;
	}
	io->rte[pin] = e;
	/* Unmasking an asserted level pin delivers it now. */
	if ((e & RTE_LEVEL) && (io->irr & (1u << pin)))
		service_locked(io, pin);
}

void emu_ioapic_mmio_read(struct emu_ioapic *io, uint64_t gpa, void *data,
			  unsigned int len)
{
	uint32_t off = gpa - io->base, v = 0;

	pthread_mutex_lock(&io->lock);
	if ((off & ~3u) == IOREGSEL)
		v = io->ioregsel;
	else if ((off & ~3u) == IOWIN)
		v = read_indirect(io);
	pthread_mutex_unlock(&io->lock);
	v >>= (off & 3) * 8;
	memset(data, 0, len);
	memcpy(data, &v, len > 4 ? 4 : len);
}

void emu_ioapic_mmio_write(struct emu_ioapic *io, uint64_t gpa,
			   const void *data, unsigned int len)
{
	uint32_t off = gpa - io->base, v = 0;

	memcpy(&v, data, len > 4 ? 4 : len);
	pthread_mutex_lock(&io->lock);
	if (off == IOREGSEL)
		io->ioregsel = v & 0xff;
	else if (off == IOWIN && len >= 4)
		write_indirect(io, v);
	pthread_mutex_unlock(&io->lock);
}

void emu_ioapic_get_state(struct emu_ioapic *io, struct kvm_ioapic_state *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&io->lock);
	s->base_address = io->base;
	s->ioregsel = io->ioregsel;
	s->id = io->id;
	s->irr = io->irr;
	for (i = 0; i < EMU_IOAPIC_PINS; i++)
		s->redirtbl[i].bits = io->rte[i];
	pthread_mutex_unlock(&io->lock);
}

void emu_ioapic_set_state(struct emu_ioapic *io,
			  const struct kvm_ioapic_state *s)
{
	int i;

	pthread_mutex_lock(&io->lock);
	io->ioregsel = s->ioregsel;
	io->id = s->id;
	io->irr = s->irr & ((1u << EMU_IOAPIC_PINS) - 1);
	for (i = 0; i < EMU_IOAPIC_PINS; i++)
		io->rte[i] = s->redirtbl[i].bits & ~RTE_DELIVS;
	/* Like KVM: re-evaluate asserted level pins after a restore. */
	for (i = 0; i < EMU_IOAPIC_PINS; i++)
		if ((io->rte[i] & RTE_LEVEL) && (io->irr & (1u << i)))
			service_locked(io, i);
	pthread_mutex_unlock(&io->lock);
}
