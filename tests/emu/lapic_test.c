// SPDX-License-Identifier: GPL-2.0
/*
 * lapic_test - the emu LAPIC and APIC bus on their own: register reset
 * values, IPIs (fixed, lowest, NMI, INIT, SIPI, shorthands, physical,
 * logical flat/cluster, x2APIC cluster), priorities, EOI broadcast, the
 * three timer modes against host time, x2APIC MSRs and state save/restore.
 */
#include <string.h>

#include "accel/emu/lapic.h"
#include "emutest.h"

#define N 4

struct cpu {
	atomic_int kicks;
	atomic_int eois;
	atomic_int last_eoi;
};

static struct cpu cpus[N];

static void t_kick(void *o)
{
	atomic_fetch_add(&((struct cpu *)o)->kicks, 1);
}

static void t_eoi(void *o, uint8_t v)
{
	atomic_fetch_add(&((struct cpu *)o)->eois, 1);
	atomic_store(&((struct cpu *)o)->last_eoi, v);
}

/* 1 GHz TSC = host nanoseconds. */
static uint64_t t_tsc(void *o)
{
	return emu_now_ns();
}

static const struct emu_lapic_ops ops = {
	.kick = t_kick, .eoi = t_eoi, .read_tsc = t_tsc,
};

static uint32_t rd(struct emu_lapic *l, uint32_t off)
{
	uint32_t v;

	emu_lapic_mmio_read(l, off, &v, 4);
	return v;
}

static void wr(struct emu_lapic *l, uint32_t off, uint32_t v)
{
	emu_lapic_mmio_write(l, off, &v, 4);
}

/* Poll (up to 2 s, the machine may be loaded) for @vec to be pending. */
static bool wait_vector(struct emu_lapic *l, int vec)
{
	int i;

	for (i = 0; i < 2000; i++) {
		if (emu_lapic_has_interrupt(l) == vec)
			return true;
		sleep_ms(1);
	}
	return false;
}

static void ipi(struct emu_lapic *l, uint32_t dest, uint32_t icr)
{
	wr(l, APIC_ICR2, dest << 24);
	wr(l, APIC_ICR, icr);
}

int main(void)
{
	struct emu_apic_bus bus;
	struct emu_clock *clock;
	struct emu_lapic *l[N];
	struct kvm_lapic_state st, st2;
	uint64_t v, t0;
	int i, n;

	emu_apic_bus_init(&bus);
	CHECK(!emu_clock_create(&clock));
	for (i = 0; i < N; i++)
		CHECK(!emu_lapic_create(&bus, clock, i, i == 0, 1000000, &ops,
					&cpus[i], &l[i]));

	/* Reset values. */
	CHECK_EQ(rd(l[2], APIC_ID), 2u << 24);
	CHECK_EQ(rd(l[0], APIC_LVR), 0x50014);
	CHECK_EQ(rd(l[0], APIC_SPIV), 0xff);
	CHECK_EQ(rd(l[0], APIC_DFR), 0xffffffffu);
	CHECK_EQ(rd(l[0], APIC_LVT0), APIC_LVT_MASKED);
	CHECK_EQ(emu_lapic_get_base(l[0]), 0xfee00900u);
	CHECK_EQ(emu_lapic_get_base(l[1]), 0xfee00800u);
	CHECK(emu_lapic_mmio_hit(l[0], 0xfee00030));
	CHECK(!emu_lapic_mmio_hit(l[0], 0xfee01000));

	/* Software-disabled LAPICs drop fixed interrupts. */
	ipi(l[0], 1, 0x40);
	CHECK_EQ(emu_lapic_has_interrupt(l[1]), -1);
	for (i = 0; i < N; i++)
		wr(l[i], APIC_SPIV, 0x1ff);

	/* Fixed physical IPI. */
	n = atomic_load(&cpus[2].kicks);
	ipi(l[0], 2, 0x40);
	CHECK_EQ(emu_lapic_has_interrupt(l[2]), 0x40);
	CHECK_EQ(emu_lapic_has_interrupt(l[1]), -1);
	CHECK(atomic_load(&cpus[2].kicks) > n);
	CHECK_EQ(rd(l[2], APIC_IRR + 0x20), 1u);	/* vector 0x40 */
	CHECK_EQ(rd(l[0], APIC_ICR) & (1u << 12), 0);	/* idle */

	/* Priority: 0x80 preempts 0x40; PPR; TPR; EOI. */
	ipi(l[0], 2, 0x80);
	CHECK_EQ(emu_lapic_ack_interrupt(l[2]), 0x80);
	CHECK_EQ(rd(l[2], APIC_PROCPRI), 0x80);
	CHECK_EQ(emu_lapic_has_interrupt(l[2]), -1);
	wr(l[2], APIC_EOI, 0);
	CHECK_EQ(rd(l[2], APIC_PROCPRI), 0);
	wr(l[2], APIC_TASKPRI, 0x50);
	CHECK_EQ(emu_lapic_has_interrupt(l[2]), -1);
	CHECK_EQ(emu_lapic_get_cr8(l[2]), 5);
	emu_lapic_set_cr8(l[2], 3);
	CHECK_EQ(rd(l[2], APIC_TASKPRI), 0x30);
	CHECK_EQ(emu_lapic_ack_interrupt(l[2]), 0x40);
	wr(l[2], APIC_EOI, 0);
	CHECK_EQ(atomic_load(&cpus[2].eois), 0);	/* edge: no broadcast */
	emu_lapic_set_cr8(l[2], 0);

	/* Level-triggered: TMR and EOI broadcast. */
	{
		struct emu_apic_irq irq = {
			.dest = 3, .vector = 0x61, .level = true, .assert = true,
		};

		CHECK_EQ(emu_apic_bus_deliver(&bus, NULL, &irq), 1);
		CHECK_EQ(rd(l[3], APIC_TMR + 0x30), 2u);
		CHECK_EQ(emu_lapic_ack_interrupt(l[3]), 0x61);
		wr(l[3], APIC_EOI, 0);
		CHECK_EQ(atomic_load(&cpus[3].eois), 1);
		CHECK_EQ(atomic_load(&cpus[3].last_eoi), 0x61);
	}

	/* Shorthands. */
	ipi(l[1], 0, 0x50 | (EMU_SH_ALL_BUT_SELF << 18));
	CHECK_EQ(emu_lapic_has_interrupt(l[1]), -1);
	for (i = 0; i < N; i++)
		if (i != 1) {
			CHECK_EQ(emu_lapic_ack_interrupt(l[i]), 0x50);
			wr(l[i], APIC_EOI, 0);
		}
	ipi(l[1], 0, 0x51 | (EMU_SH_SELF << 18));
	CHECK_EQ(emu_lapic_ack_interrupt(l[1]), 0x51);
	wr(l[1], APIC_EOI, 0);
	ipi(l[1], 0, 0x52 | (EMU_SH_ALL << 18));
	for (i = 0; i < N; i++) {
		CHECK_EQ(emu_lapic_ack_interrupt(l[i]), 0x52);
		wr(l[i], APIC_EOI, 0);
	}
	/* Physical broadcast. */
	ipi(l[0], 0xff, 0x53);
	for (i = 0; i < N; i++) {
		CHECK_EQ(emu_lapic_ack_interrupt(l[i]), 0x53);
		wr(l[i], APIC_EOI, 0);
	}

	/* Logical flat. */
	for (i = 0; i < N; i++)
		wr(l[i], APIC_LDR, (1u << i) << 24);
	ipi(l[0], 0x0a, 0x60 | (1u << 11));
	CHECK_EQ(emu_lapic_has_interrupt(l[0]), -1);
	CHECK_EQ(emu_lapic_ack_interrupt(l[1]), 0x60);
	CHECK_EQ(emu_lapic_has_interrupt(l[2]), -1);
	CHECK_EQ(emu_lapic_ack_interrupt(l[3]), 0x60);
	wr(l[1], APIC_EOI, 0);
	wr(l[3], APIC_EOI, 0);
	/* Lowest priority: exactly one (the lowest id that matches). */
	ipi(l[0], 0x0e, 0x62 | (1u << 11) | (EMU_DM_LOWEST << 8));
	CHECK_EQ(emu_lapic_ack_interrupt(l[1]), 0x62);
	CHECK_EQ(emu_lapic_has_interrupt(l[2]), -1);
	CHECK_EQ(emu_lapic_has_interrupt(l[3]), -1);
	wr(l[1], APIC_EOI, 0);
	/* Logical cluster: cluster 1, members bits 0 and 1. */
	for (i = 0; i < N; i++) {
		wr(l[i], APIC_DFR, 0x0fffffff);
		wr(l[i], APIC_LDR, (0x10u | (1u << (i & 1))) << 24 |
				   ((i < 2) ? 0 : 0x20u << 24));
	}
	/* l0: 0x11, l1: 0x12, l2: 0x31, l3: 0x32 */
	ipi(l[0], 0x12, 0x63 | (1u << 11));
	CHECK_EQ(emu_lapic_has_interrupt(l[0]), -1);
	CHECK_EQ(emu_lapic_ack_interrupt(l[1]), 0x63);
	CHECK_EQ(emu_lapic_has_interrupt(l[3]), -1);
	wr(l[1], APIC_EOI, 0);

	/* NMI, INIT (assert; level de-assert ignored), SIPI. */
	ipi(l[0], 1, EMU_DM_NMI << 8);
	CHECK(emu_lapic_take_nmi(l[1]));
	CHECK(!emu_lapic_take_nmi(l[1]));
	ipi(l[0], 1, (EMU_DM_INIT << 8) | (1u << 15));	/* de-assert */
	CHECK(!emu_lapic_take_init(l[1]));
	ipi(l[0], 1, (EMU_DM_INIT << 8) | (1u << 14));
	CHECK_EQ(emu_lapic_pending(l[1]), EMU_LAPIC_EV_INIT);
	CHECK(emu_lapic_take_init(l[1]));
	ipi(l[0], 1, (EMU_DM_SIPI << 8) | 0x9a);
	CHECK_EQ(emu_lapic_take_sipi(l[1]), 0x9a);
	CHECK_EQ(emu_lapic_take_sipi(l[1]), -1);

	/*
	 * Linux sends INIT, SIPI, SIPI back to back: both may be latched
	 * before the target's thread handles the INIT, and the SIPI that came
	 * after the INIT must survive it.  A SIPI from before an INIT must not.
	 */
	ipi(l[0], 1, (EMU_DM_INIT << 8) | (1u << 14));
	ipi(l[0], 1, (EMU_DM_SIPI << 8) | 0x9b);
	CHECK(emu_lapic_take_init(l[1]));
	emu_lapic_reset(l[1], true);
	CHECK_EQ(emu_lapic_take_sipi(l[1]), 0x9b);
	ipi(l[0], 1, (EMU_DM_SIPI << 8) | 0x9c);
	ipi(l[0], 1, (EMU_DM_INIT << 8) | (1u << 14));
	CHECK(emu_lapic_take_init(l[1]));
	CHECK_EQ(emu_lapic_take_sipi(l[1]), -1);

	/* Illegal vector: ESR after the next ESR write. */
	ipi(l[0], 1, 0x05);
	wr(l[0], APIC_ESR, 0);
	CHECK_EQ(emu_lapic_has_interrupt(l[1]), -1);

	/* INIT reset keeps the ID and base. */
	emu_lapic_reset(l[1], true);
	CHECK_EQ(rd(l[1], APIC_ID), 1u << 24);
	CHECK_EQ(rd(l[1], APIC_SPIV), 0xff);
	CHECK_EQ(rd(l[1], APIC_LDR), 0);
	wr(l[1], APIC_SPIV, 0x1ff);

	/* ExtINT on LINT0 lets the 8259 through. */
	CHECK(!emu_lapic_accept_pic_intr(l[0]));
	wr(l[0], APIC_LVT0, EMU_DM_EXTINT << 8);
	CHECK(emu_lapic_accept_pic_intr(l[0]));

	/* One-shot timer, divide by 1: 2 ms. */
	wr(l[0], APIC_TDCR, 0xb);
	wr(l[0], APIC_LVTT, 0x30);
	t0 = emu_now_ns();
	wr(l[0], APIC_TMICT, 2000000);
	v = rd(l[0], APIC_TMCCT);
	CHECK(v <= 2000000);
	if (emu_now_ns() - t0 < 1500000)
		CHECK(v > 0);
	CHECK(wait_vector(l[0], 0x30));
	CHECK_EQ(rd(l[0], APIC_TMCCT), 0);
	CHECK_EQ(emu_lapic_ack_interrupt(l[0]), 0x30);
	wr(l[0], APIC_EOI, 0);
	sleep_ms(5);
	CHECK_EQ(emu_lapic_has_interrupt(l[0]), -1);	/* no second shot */
	/* Divide by 16: the count runs 16 times slower (16 ms). */
	wr(l[0], APIC_TDCR, 0x3);
	t0 = emu_now_ns();
	wr(l[0], APIC_TMICT, 1000000);
	sleep_ms(4);
	v = rd(l[0], APIC_TMCCT);
	if (emu_now_ns() - t0 < 15000000) {	/* not descheduled too long */
		CHECK_EQ(emu_lapic_has_interrupt(l[0]), -1);
		CHECK(v > 0 && v < 1000000);
	}
	wr(l[0], APIC_TMICT, 0);	/* stop */
	CHECK_EQ(rd(l[0], APIC_TMCCT), 0);
	emu_lapic_ack_interrupt(l[0]);
	wr(l[0], APIC_EOI, 0);

	/* Periodic, 1 ms: count deliveries over ~100 ms. */
	wr(l[0], APIC_TDCR, 0xb);
	wr(l[0], APIC_LVTT, 0x31 | APIC_TIMER_PERIODIC);
	wr(l[0], APIC_TMICT, 1000000);
	n = 0;
	v = emu_now_ns();
	for (i = 0; i < 100; i++) {
		sleep_ms(1);
		if (emu_lapic_ack_interrupt(l[0]) == 0x31) {
			n++;
			wr(l[0], APIC_EOI, 0);
		}
	}
	v = (emu_now_ns() - v) / 1000000;
	printf("periodic 1 ms timer: %d interrupts in 100 polls, %llu ms\n",
	       n, (unsigned long long)v);
	/* Coalescing may eat some, but never more than one per period. */
	CHECK(n >= 20 && (uint64_t)n <= v + 1);
	/* Masking stops delivery; a mode switch stops the timer. */
	wr(l[0], APIC_LVTT, 0x31 | APIC_TIMER_ONESHOT);
	CHECK_EQ(rd(l[0], APIC_TMICT), 0);
	sleep_ms(3);
	emu_lapic_ack_interrupt(l[0]);
	wr(l[0], APIC_EOI, 0);
	sleep_ms(3);
	CHECK_EQ(emu_lapic_has_interrupt(l[0]), -1);

	/* TSC deadline (1 GHz TSC). */
	CHECK(!emu_lapic_msr_write(l[0], MSR_IA32_TSC_DEADLINE, emu_now_ns()));
	CHECK(!emu_lapic_msr_read(l[0], MSR_IA32_TSC_DEADLINE, &v));
	CHECK_EQ(v, 0);			/* ignored outside deadline mode */
	wr(l[0], APIC_LVTT, 0x32 | APIC_TIMER_TSCDEADLINE);
	t0 = emu_now_ns();
	CHECK(!emu_lapic_msr_write(l[0], MSR_IA32_TSC_DEADLINE, t0 + 3000000));
	CHECK(!emu_lapic_msr_read(l[0], MSR_IA32_TSC_DEADLINE, &v));
	if (emu_now_ns() - t0 < 2500000) {
		CHECK(v != 0);
		CHECK_EQ(emu_lapic_has_interrupt(l[0]), -1);
	}
	CHECK(wait_vector(l[0], 0x32));
	CHECK(emu_now_ns() >= t0 + 3000000);	/* never early */
	CHECK_EQ(emu_lapic_ack_interrupt(l[0]), 0x32);
	wr(l[0], APIC_EOI, 0);
	CHECK(!emu_lapic_msr_read(l[0], MSR_IA32_TSC_DEADLINE, &v));
	CHECK_EQ(v, 0);

	/* Save/restore round trip. */
	emu_lapic_get_state(l[2], &st, false);
	emu_lapic_set_state(l[2], &st, false);
	emu_lapic_get_state(l[2], &st2, false);
	CHECK(!memcmp(&st, &st2, sizeof(st)));

	/* x2APIC. */
	CHECK(emu_lapic_msr_read(l[3], 0x802, &v) < 0);	/* not in x2APIC */
	CHECK_EQ(emu_lapic_set_base(l[3], 0xfee00000u | EMU_APIC_BASE_EXTD,
				    false), -1);
	CHECK(!emu_lapic_set_base(l[3], 0xfee00c00u, false));
	CHECK(!emu_lapic_mmio_hit(l[3], 0xfee00000));
	CHECK(!emu_lapic_msr_read(l[3], 0x802, &v));
	CHECK_EQ(v, 3);
	CHECK(!emu_lapic_msr_read(l[3], 0x80d, &v));
	CHECK_EQ(v, (0u << 16) | (1u << 3));
	CHECK(emu_lapic_msr_write(l[3], 0x802, 7) < 0);	/* ID read-only */
	CHECK(emu_lapic_msr_write(l[3], 0x80b, 1) < 0);	/* EOI must be 0 */
	/* x2APIC back to xAPIC directly is invalid. */
	CHECK_EQ(emu_lapic_set_base(l[3], 0xfee00800u, false), -1);
	emu_lapic_get_state(l[3], &st, false);
	CHECK_EQ(*(uint32_t *)(st.regs + APIC_ID), 3u << 24);
	/* Without 32-bit ids the program's x2APIC ID is ignored... */
	*(uint32_t *)(st.regs + APIC_ID) = 9u << 24;
	CHECK_EQ(emu_lapic_set_state(l[3], &st, false), 0);
	CHECK(!emu_lapic_msr_read(l[3], 0x802, &v));
	CHECK_EQ(v, 3);
	/* ...with them (KVM_CAP_X2APIC_API) it is the id, and must match. */
	emu_lapic_get_state(l[3], &st, true);
	CHECK_EQ(*(uint32_t *)(st.regs + APIC_ID), 3u);
	CHECK_EQ(emu_lapic_set_state(l[3], &st, true), 0);
	*(uint32_t *)(st.regs + APIC_ID) = 9u;
	CHECK_EQ(emu_lapic_set_state(l[3], &st, true), -EINVAL);
	CHECK(!emu_lapic_msr_read(l[3], 0x802, &v));
	CHECK_EQ(v, 3);
	/* ICR bits 31:20, 17:16 and 13 are reserved: #GP. */
	CHECK(emu_lapic_msr_write(l[3], 0x830, 0x70 | (1u << 13)) < 0);
	CHECK(emu_lapic_msr_write(l[3], 0x830, 0x70 | (1u << 16)) < 0);
	CHECK(emu_lapic_msr_write(l[3], 0x830, 0x70 | (1u << 20)) < 0);
	/* x2APIC physical IPI from l3 to l0, and self IPI. */
	CHECK(!emu_lapic_msr_write(l[3], 0x830, (0ull << 32) | 0x70));
	CHECK_EQ(emu_lapic_ack_interrupt(l[0]), 0x70);
	wr(l[0], APIC_EOI, 0);
	CHECK(!emu_lapic_msr_write(l[3], 0x83f, 0x71));
	CHECK_EQ(emu_lapic_ack_interrupt(l[3]), 0x71);
	CHECK(!emu_lapic_msr_write(l[3], 0x80b, 0));
	/* x2APIC logical (cluster 0, bit 3) from l3 to itself. */
	CHECK(!emu_lapic_msr_write(l[3], 0x830,
				   (0x0008ull << 32) | (1u << 11) | 0x72));
	CHECK_EQ(emu_lapic_ack_interrupt(l[3]), 0x72);
	CHECK(!emu_lapic_msr_write(l[3], 0x80b, 0));

	/* MSI decode. */
	{
		struct emu_apic_irq irq;

		emu_msi_to_irq(0xfee02000u, 0x0141, &irq);
		CHECK_EQ(irq.dest, 2);
		CHECK_EQ(irq.vector, 0x41);
		CHECK_EQ(irq.delivery_mode, EMU_DM_LOWEST);
		CHECK(!irq.dest_logical);
	}

	for (i = 0; i < N; i++)
		emu_lapic_destroy(l[i]);
	emu_clock_destroy(clock);
	emu_apic_bus_fini(&bus);
	printf("lapic: ok\n");
	return 0;
}
