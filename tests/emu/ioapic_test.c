// SPDX-License-Identifier: GPL-2.0
/*
 * ioapic_test - the emu IOAPIC with two LAPICs: register access, edge and
 * level pins, remote IRR and EOI re-delivery, masking, state round trip.
 */
#include <string.h>

#include "accel/emu/ioapic.h"
#include "emutest.h"

static struct emu_ioapic *io;
static atomic_int acks;

static void t_kick(void *o) { }
static void t_eoi(void *o, uint8_t v) { emu_ioapic_eoi(io, v); }
static void t_ack(void *o, unsigned int pin) { atomic_fetch_add(&acks, 1); }

static const struct emu_lapic_ops lops = { .kick = t_kick, .eoi = t_eoi };
static const struct emu_ioapic_ops iops = { .ack = t_ack };

static uint32_t io_rd(uint32_t reg)
{
	uint32_t v;

	emu_ioapic_mmio_write(io, EMU_IOAPIC_BASE, &reg, 4);
	emu_ioapic_mmio_read(io, EMU_IOAPIC_BASE + 0x10, &v, 4);
	return v;
}

static void io_wr(uint32_t reg, uint32_t v)
{
	emu_ioapic_mmio_write(io, EMU_IOAPIC_BASE, &reg, 4);
	emu_ioapic_mmio_write(io, EMU_IOAPIC_BASE + 0x10, &v, 4);
}

static void rte(int pin, uint32_t lo, uint8_t dest)
{
	io_wr(0x11 + 2 * pin, (uint32_t)dest << 24);
	io_wr(0x10 + 2 * pin, lo);
}

int main(void)
{
	struct emu_apic_bus bus;
	struct emu_clock *clock;
	struct emu_lapic *l[2];
	struct kvm_ioapic_state st, st2;
	uint32_t spiv = 0x1ff;
	int i;

	emu_apic_bus_init(&bus);
	CHECK(!emu_clock_create(&clock));
	for (i = 0; i < 2; i++) {
		CHECK(!emu_lapic_create(&bus, clock, i, i == 0, 1000000, &lops,
					NULL, &l[i]));
		emu_lapic_mmio_write(l[i], APIC_SPIV, &spiv, 4);
	}
	CHECK(!emu_ioapic_create(&bus, &iops, NULL, &io));

	CHECK(emu_ioapic_mmio_hit(io, 0xfec00010));
	CHECK(!emu_ioapic_mmio_hit(io, 0xfec01000));
	CHECK_EQ(io_rd(1), 0x170011);
	io_wr(0, 0x0a000000);
	CHECK_EQ(io_rd(0), 0x0a000000);
	CHECK_EQ(io_rd(0x10), 0x10000);		/* masked at reset */

	/* Edge pin 5 -> LAPIC 1 vector 0x35. */
	rte(5, 0x35, 1);
	emu_ioapic_set_irq(io, 5, true);
	CHECK_EQ(emu_lapic_ack_interrupt(l[1]), 0x35);
	emu_ioapic_set_irq(io, 5, true);	/* no new edge */
	CHECK_EQ(emu_lapic_has_interrupt(l[1]), -1);
	emu_ioapic_set_irq(io, 5, false);
	emu_lapic_mmio_write(l[1], APIC_EOI, &spiv, 4);
	emu_ioapic_set_irq(io, 5, true);
	CHECK_EQ(emu_lapic_ack_interrupt(l[1]), 0x35);
	emu_lapic_mmio_write(l[1], APIC_EOI, &spiv, 4);
	emu_ioapic_set_irq(io, 5, false);
	CHECK_EQ(atomic_load(&acks), 0);

	/* Level pin 9 -> LAPIC 0 vector 0x49: remote IRR, re-delivery. */
	rte(9, 0x49 | (1u << 15), 0);
	emu_ioapic_set_irq(io, 9, true);
	CHECK(io_rd(0x10 + 18) & (1u << 14));
	CHECK_EQ(emu_lapic_ack_interrupt(l[0]), 0x49);
	CHECK(emu_lapic_has_interrupt(l[0]) < 0);
	emu_lapic_mmio_write(l[0], APIC_EOI, &spiv, 4);	/* still high */
	CHECK_EQ(atomic_load(&acks), 1);
	CHECK(io_rd(0x10 + 18) & (1u << 14));
	CHECK_EQ(emu_lapic_ack_interrupt(l[0]), 0x49);
	emu_ioapic_set_irq(io, 9, false);
	emu_lapic_mmio_write(l[0], APIC_EOI, &spiv, 4);
	CHECK_EQ(atomic_load(&acks), 2);
	CHECK(!(io_rd(0x10 + 18) & (1u << 14)));
	CHECK_EQ(emu_lapic_has_interrupt(l[0]), -1);

	/* Masked level pin: delivered when unmasked while asserted. */
	rte(10, 0x4a | (1u << 15) | (1u << 16), 0);
	emu_ioapic_set_irq(io, 10, true);
	CHECK_EQ(emu_lapic_has_interrupt(l[0]), -1);
	CHECK(io_rd(0x10 + 20) & (1u << 16));
	rte(10, 0x4a | (1u << 15), 0);
	CHECK_EQ(emu_lapic_ack_interrupt(l[0]), 0x4a);

	/* Logical destination (flat, LDR bit 1 on LAPIC 1). */
	{
		uint32_t ldr = 2u << 24;

		emu_lapic_mmio_write(l[1], APIC_LDR, &ldr, 4);
		rte(11, 0x5b | (1u << 11), 2);
		emu_ioapic_set_irq(io, 11, true);
		CHECK_EQ(emu_lapic_ack_interrupt(l[1]), 0x5b);
	}

	/* State round trip (remote IRR of pin 10 included). */
	emu_ioapic_get_state(io, &st);
	CHECK_EQ(st.base_address, EMU_IOAPIC_BASE);
	CHECK_EQ(st.id, 0xa);
	CHECK(st.redirtbl[10].fields.remote_irr);
	CHECK_EQ(st.redirtbl[10].fields.vector, 0x4a);
	CHECK_EQ(st.irr & (1u << 10), 1u << 10);
	emu_ioapic_set_state(io, &st);
	emu_ioapic_get_state(io, &st2);
	CHECK(!memcmp(&st, &st2, sizeof(st)));

	emu_ioapic_destroy(io);
	for (i = 0; i < 2; i++)
		emu_lapic_destroy(l[i]);
	emu_clock_destroy(clock);
	emu_apic_bus_fini(&bus);
	printf("ioapic: ok\n");
	return 0;
}
