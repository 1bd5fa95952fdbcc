// SPDX-License-Identifier: GPL-2.0
/*
 * irq_stress_test - every interrupt path of the emu devices at once, from
 * many threads, to exercise the locking rules (meant for the TSan build,
 * where lock-order inversions and races are reported): "vCPU" threads
 * acknowledge, EOI, send IPIs and reprogram their LAPIC timers; device
 * threads drive shared level GSIs and MSIs; another replaces the routing
 * table; the PIT pulses GSI 0.  Passes if nothing deadlocks and every
 * thread made progress.
 */
#include <pthread.h>
#include <string.h>

#include "accel/emu/irq_routing.h"
#include "accel/emu/pit.h"
#include "emutest.h"

#define NCPU	4
#define RUN_MS	700

static struct emu_ioapic *io;
static struct emu_lapic *lapics[NCPU];
static struct emu_irq_router *router;
static struct emu_pic *pic;
static atomic_bool stop;
static atomic_long acked[NCPU], lines, msis, routes;

static void t_kick(void *o) { }
static void t_eoi(void *o, uint8_t v) { emu_ioapic_eoi(io, v); }
static uint64_t t_tsc(void *o) { return emu_now_ns(); }
static const struct emu_lapic_ops lops = {
	.kick = t_kick, .eoi = t_eoi, .read_tsc = t_tsc,
};

static void pit_irq(void *o)
{
	emu_irq_line(router, (int)(intptr_t)o, 0, true);
	emu_irq_line(router, (int)(intptr_t)o, 0, false);
}

static const struct emu_pit_ops pops = { .irq = pit_irq };

static void wr(struct emu_lapic *l, uint32_t off, uint32_t v)
{
	emu_lapic_mmio_write(l, off, &v, 4);
}

static void io_wr(uint32_t reg, uint32_t v)
{
	emu_ioapic_mmio_write(io, EMU_IOAPIC_BASE, &reg, 4);
	emu_ioapic_mmio_write(io, EMU_IOAPIC_BASE + 0x10, &v, 4);
}

static void *cpu_thread(void *arg)
{
	int id = (int)(intptr_t)arg, vec, n = 0;
	struct emu_lapic *l = lapics[id];
	uint32_t tmp;

	while (!atomic_load(&stop)) {
		vec = emu_lapic_ack_interrupt(l);
		if (vec >= 0) {
			atomic_fetch_add(&acked[id], 1);
			wr(l, APIC_EOI, 0);
		}
		if (id == 0 && emu_pic_has_interrupt(pic))
			emu_pic_try_read_irq(pic);
		switch (n++ % 5) {
		case 0:				/* IPI to the next one */
			wr(l, APIC_ICR2, ((id + 1) % NCPU) << 24);
			wr(l, APIC_ICR, 0x80 + id);
			break;
		case 1:				/* broadcast but self */
			wr(l, APIC_ICR, 0x90 | (EMU_SH_ALL_BUT_SELF << 18));
			break;
		case 2:
			wr(l, APIC_TMICT, 100000 + id * 1000);
			break;
		case 3:
			emu_lapic_mmio_read(l, APIC_TMCCT, &tmp, 4);
			emu_lapic_set_cr8(l, n & 1);
			break;
		default:
			emu_lapic_pending(l);
			break;
		}
	}
	return NULL;
}

static void *dev_thread(void *arg)
{
	int src = emu_irq_source_alloc(router), n = 0;
	struct kvm_msi msi = { .address_lo = 0xfee00000 };

	CHECK(src > 0);
	while (!atomic_load(&stop)) {
		uint32_t gsi = 16 + n % 4;

		emu_irq_line(router, src, gsi, true);
		emu_irq_line(router, src, gsi, false);
		emu_irq_line(router, EMU_IRQ_SOURCE_USER, 4, n & 1);
		atomic_fetch_add(&lines, 1);
		msi.address_lo = 0xfee00000 | ((n % NCPU) << 12);
		msi.data = 0xa0 + n % 8;
		emu_irq_signal_msi(router, &msi);
		atomic_fetch_add(&msis, 1);
		n++;
	}
	emu_irq_source_free(router, src);
	return NULL;
}

static void *route_thread(void *arg)
{
	struct kvm_irq_routing *t;
	int i, n = 0;

	t = calloc(1, sizeof(*t) + 26 * sizeof(t->entries[0]));
	CHECK(t);
	while (!atomic_load(&stop)) {
		memset(t->entries, 0, 26 * sizeof(t->entries[0]));
		for (i = 0; i < 24; i++) {
			t->entries[i].gsi = i;
			t->entries[i].type = KVM_IRQ_ROUTING_IRQCHIP;
			t->entries[i].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
			t->entries[i].u.irqchip.pin = (i == 0 && (n & 1)) ? 2 : i;
		}
		t->entries[24].gsi = 0;
		t->entries[24].type = KVM_IRQ_ROUTING_IRQCHIP;
		t->entries[24].u.irqchip.irqchip = KVM_IRQCHIP_PIC_MASTER;
		t->entries[25].gsi = 40;
		t->entries[25].type = KVM_IRQ_ROUTING_MSI;
		t->entries[25].u.msi.address_lo = 0xfee00000;
		t->entries[25].u.msi.data = 0xb0;
		t->nr = 26;
		CHECK(!emu_irq_set_routing(router, t));
		emu_irq_line(router, EMU_IRQ_SOURCE_USER, 40, true);
		atomic_fetch_add(&routes, 1);
		n++;
	}
	free(t);
	return NULL;
}

int main(void)
{
	struct emu_apic_bus bus;
	struct emu_clock *clock;
	struct emu_pit *pit;
	pthread_t th[NCPU + 3];
	uint8_t b;
	int i, src;

	emu_apic_bus_init(&bus);
	CHECK(!emu_clock_create(&clock));
	for (i = 0; i < NCPU; i++) {
		CHECK(!emu_lapic_create(&bus, clock, i, i == 0, 1000000, &lops,
					NULL, &lapics[i]));
		wr(lapics[i], APIC_SPIV, 0x1ff);
		wr(lapics[i], APIC_TDCR, 0xb);
		wr(lapics[i], APIC_LVTT, 0x70 | APIC_TIMER_PERIODIC);
		wr(lapics[i], APIC_LVT0, EMU_DM_EXTINT << 8);
	}
	CHECK(!emu_ioapic_create(&bus, NULL, NULL, &io));
	CHECK(!emu_pic_create(NULL, NULL, &pic));
	CHECK(!emu_irq_router_create(pic, io, &bus, &router));
	for (i = 0; i < 24; i++) {		/* level for 16-23 */
		io_wr(0x11 + 2 * i, (uint32_t)(i % NCPU) << 24);
		io_wr(0x10 + 2 * i, (0x40 + i) | (i >= 16 ? 1u << 15 : 0));
	}
	b = 0x11; emu_pic_pio(pic, 0x20, &b, true);
	b = 0x20; emu_pic_pio(pic, 0x21, &b, true);
	b = 0x04; emu_pic_pio(pic, 0x21, &b, true);
	b = 0x03; emu_pic_pio(pic, 0x21, &b, true);	/* auto-EOI */
	b = 0x00; emu_pic_pio(pic, 0x21, &b, true);
	src = emu_irq_source_alloc(router);
	CHECK(src > 0);
	CHECK(!emu_pit_create(clock, &pops, (void *)(intptr_t)src, &pit));
	b = 0x34; emu_pit_pio(pit, 0x43, &b, true);
	b = 0xa9; emu_pit_pio(pit, 0x40, &b, true);	/* ~1 ms */
	b = 0x04; emu_pit_pio(pit, 0x40, &b, true);

	for (i = 0; i < NCPU; i++)
		pthread_create(&th[i], NULL, cpu_thread, (void *)(intptr_t)i);
	pthread_create(&th[NCPU], NULL, dev_thread, NULL);
	pthread_create(&th[NCPU + 1], NULL, dev_thread, NULL);
	pthread_create(&th[NCPU + 2], NULL, route_thread, NULL);
	sleep_ms(RUN_MS);
	atomic_store(&stop, true);
	for (i = 0; i < NCPU + 3; i++)
		pthread_join(th[i], NULL);

	for (i = 0; i < NCPU; i++) {
		printf("cpu %d: %ld interrupts\n", i, atomic_load(&acked[i]));
		CHECK(atomic_load(&acked[i]) > 0);
	}
	printf("%ld line pulses, %ld MSIs, %ld routing tables\n",
	       atomic_load(&lines), atomic_load(&msis), atomic_load(&routes));
	CHECK(atomic_load(&lines) > 0 && atomic_load(&routes) > 0);

	emu_pit_destroy(pit);
	emu_irq_router_destroy(router);
	emu_pic_destroy(pic);
	emu_ioapic_destroy(io);
	for (i = 0; i < NCPU; i++)
		emu_lapic_destroy(lapics[i]);
	emu_clock_destroy(clock);
	emu_apic_bus_fini(&bus);
	printf("irq_stress: ok\n");
	return 0;
}
