// SPDX-License-Identifier: GPL-2.0
/*
 * irq_routing_test - KVM's default GSI routing to the PIC and IOAPIC,
 * shared lines with per-source levels, table replacement and its
 * validation, MSI routes and KVM_SIGNAL_MSI.
 */
#include <string.h>

#include "accel/emu/irq_routing.h"
#include "emutest.h"

static struct emu_ioapic *io;
static void t_kick(void *o) { }
static void t_eoi(void *o, uint8_t v) { emu_ioapic_eoi(io, v); }
static const struct emu_lapic_ops lops = { .kick = t_kick, .eoi = t_eoi };

static void io_wr(uint32_t reg, uint32_t v)
{
	emu_ioapic_mmio_write(io, EMU_IOAPIC_BASE, &reg, 4);
	emu_ioapic_mmio_write(io, EMU_IOAPIC_BASE + 0x10, &v, 4);
}

static void pic_out(struct emu_pic *pic, uint16_t port, uint8_t v)
{
	emu_pic_pio(pic, port, &v, true);
}

static struct kvm_irq_routing *table(int n)
{
	return calloc(1, sizeof(struct kvm_irq_routing) +
			 n * sizeof(struct kvm_irq_routing_entry));
}

int main(void)
{
	struct emu_apic_bus bus;
	struct emu_clock *clock;
	struct emu_lapic *l[2];
	struct emu_pic *pic;
	struct emu_irq_router *r;
	struct kvm_irq_routing *t;
	struct kvm_msi msi = { 0 };
	uint32_t spiv = 0x1ff, eoi = 0;
	int i, src;

	emu_apic_bus_init(&bus);
	CHECK(!emu_clock_create(&clock));
	for (i = 0; i < 2; i++) {
		CHECK(!emu_lapic_create(&bus, clock, i, i == 0, 1000000, &lops,
					NULL, &l[i]));
		emu_lapic_mmio_write(l[i], APIC_SPIV, &spiv, 4);
	}
	CHECK(!emu_ioapic_create(&bus, NULL, NULL, &io));
	CHECK(!emu_pic_create(NULL, NULL, &pic));
	CHECK(!emu_irq_router_create(pic, io, &bus, &r));

	/* PIC initialised as Linux does, all unmasked. */
	pic_out(pic, 0x20, 0x11); pic_out(pic, 0x21, 0x30);
	pic_out(pic, 0x21, 0x04); pic_out(pic, 0x21, 0x01);
	pic_out(pic, 0xa0, 0x11); pic_out(pic, 0xa1, 0x38);
	pic_out(pic, 0xa1, 0x02); pic_out(pic, 0xa1, 0x01);
	pic_out(pic, 0x21, 0); pic_out(pic, 0xa1, 0);

	/* Default: GSI 4 -> PIC IRQ4 and IOAPIC pin 4; GSI 20 IOAPIC only. */
	io_wr(0x10 + 8, 0x44);
	io_wr(0x11 + 8, 1u << 24);
	CHECK_EQ(emu_irq_line(r, EMU_IRQ_SOURCE_USER, 4, true), 2);
	CHECK_EQ(emu_irq_line(r, EMU_IRQ_SOURCE_USER, 4, false), 2);
	CHECK_EQ(emu_lapic_ack_interrupt(l[1]), 0x44);
	CHECK(emu_pic_has_interrupt(pic));
	CHECK_EQ(emu_pic_read_irq(pic), 0x34);
	CHECK_EQ(emu_irq_line(r, EMU_IRQ_SOURCE_USER, 20, true), 1);
	CHECK_EQ(emu_irq_line(r, EMU_IRQ_SOURCE_USER, 99, true), 0);

	/* Two sources share level GSI 17: the pin stays high until both drop. */
	src = emu_irq_source_alloc(r);
	CHECK(src > 0);
	io_wr(0x10 + 34, 0x57 | (1u << 15));
	io_wr(0x11 + 34, 0);
	emu_irq_line(r, EMU_IRQ_SOURCE_USER, 17, true);
	emu_irq_line(r, src, 17, true);
	CHECK_EQ(emu_lapic_ack_interrupt(l[0]), 0x57);
	emu_irq_line(r, EMU_IRQ_SOURCE_USER, 17, false);
	emu_lapic_mmio_write(l[0], APIC_EOI, &eoi, 4);	/* src still high */
	CHECK_EQ(emu_lapic_ack_interrupt(l[0]), 0x57);
	emu_irq_line(r, src, 17, false);
	emu_lapic_mmio_write(l[0], APIC_EOI, &eoi, 4);
	CHECK_EQ(emu_lapic_has_interrupt(l[0]), -1);
	emu_irq_source_free(r, src);

	/* Validation. */
	t = table(3);
	t->nr = 1;
	t->entries[0].gsi = 5;
	t->entries[0].type = KVM_IRQ_ROUTING_IRQCHIP;
	t->entries[0].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
	t->entries[0].u.irqchip.pin = 24;
	CHECK_EQ(emu_irq_set_routing(r, t), -EINVAL);
	t->entries[0].u.irqchip.pin = 5;
	t->entries[0].u.irqchip.irqchip = 3;
	CHECK_EQ(emu_irq_set_routing(r, t), -EINVAL);
	t->entries[0].u.irqchip.irqchip = KVM_IRQCHIP_PIC_SLAVE;
	t->entries[0].u.irqchip.pin = 8;
	CHECK_EQ(emu_irq_set_routing(r, t), -EINVAL);
	t->entries[0].u.irqchip.pin = 1;
	t->entries[0].gsi = 4096;
	CHECK_EQ(emu_irq_set_routing(r, t), -EINVAL);
	t->entries[0].gsi = 5;
	t->entries[0].type = 99;
	CHECK_EQ(emu_irq_set_routing(r, t), -EINVAL);
	/* Same GSI: MSI plus irqchip, or the same chip twice: -EINVAL. */
	t->nr = 2;
	t->entries[0].type = KVM_IRQ_ROUTING_MSI;
	t->entries[1] = t->entries[0];
	t->entries[1].type = KVM_IRQ_ROUTING_IRQCHIP;
	CHECK_EQ(emu_irq_set_routing(r, t), -EINVAL);
	t->entries[0].type = KVM_IRQ_ROUTING_IRQCHIP;
	CHECK_EQ(emu_irq_set_routing(r, t), -EINVAL);
	t->flags = 1;
	t->nr = 0;
	CHECK_EQ(emu_irq_set_routing(r, t), -EINVAL);
	t->flags = 0;

	/* Replacement: GSI 0 -> IOAPIC pin 2 (the ISA override), GSI 30 MSI. */
	t->nr = 2;
	memset(t->entries, 0, 2 * sizeof(t->entries[0]));
	t->entries[0].gsi = 0;
	t->entries[0].type = KVM_IRQ_ROUTING_IRQCHIP;
	t->entries[0].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
	t->entries[0].u.irqchip.pin = 2;
	t->entries[1].gsi = 30;
	t->entries[1].type = KVM_IRQ_ROUTING_MSI;
	t->entries[1].u.msi.address_lo = 0xfee01000;
	t->entries[1].u.msi.data = 0x66;
	CHECK(!emu_irq_set_routing(r, t));
	io_wr(0x10 + 4, 0x62);
	io_wr(0x11 + 4, 0);
	CHECK_EQ(emu_irq_line(r, EMU_IRQ_SOURCE_USER, 0, true), 1);
	emu_irq_line(r, EMU_IRQ_SOURCE_USER, 0, false);
	CHECK_EQ(emu_lapic_ack_interrupt(l[0]), 0x62);
	emu_lapic_mmio_write(l[0], APIC_EOI, &eoi, 4);
	CHECK_EQ(emu_irq_line(r, EMU_IRQ_SOURCE_USER, 4, true), 0);
	CHECK_EQ(emu_irq_line(r, EMU_IRQ_SOURCE_USER, 30, true), 1);
	CHECK_EQ(emu_lapic_ack_interrupt(l[1]), 0x66);
	emu_lapic_mmio_write(l[1], APIC_EOI, &eoi, 4);
	free(t);

	/* KVM_SIGNAL_MSI. */
	msi.address_lo = 0xfee00000;
	msi.data = 0x67;
	CHECK_EQ(emu_irq_signal_msi(r, &msi), 1);
	CHECK_EQ(emu_lapic_ack_interrupt(l[0]), 0x67);
	msi.address_lo = 0xfee05000;			/* nobody */
	CHECK_EQ(emu_irq_signal_msi(r, &msi), 0);
	msi.flags = 1;
	CHECK_EQ(emu_irq_signal_msi(r, &msi), -EINVAL);

	emu_irq_router_destroy(r);
	emu_pic_destroy(pic);
	emu_ioapic_destroy(io);
	for (i = 0; i < 2; i++)
		emu_lapic_destroy(l[i]);
	emu_clock_destroy(clock);
	emu_apic_bus_fini(&bus);
	printf("irq_routing: ok\n");
	return 0;
}
