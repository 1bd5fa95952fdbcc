// SPDX-License-Identifier: GPL-2.0
/*
 * hlt.c - HLT wakes on interrupts:
 *  1. LAPIC one-shot timer, "sti; hlt": the handler ran once, the timer
 *     expired, and time (TSC) passed while halted.
 *  2. A self-IPI made pending with interrupts off, then "sti; hlt": the
 *     pending interrupt must wake the HLT at once (a backstop timer turns
 *     a hang into a clear failure).
 * Needs a LAPIC: skipped when testdev says the backend has no irqchip.
 */
#include "kit.h"

#define TIMER_VECTOR	0x40
#define IPI_VECTOR	0x41
#define TIMER_COUNT	2000000		/* 2 ms at KVM/QEMU's 1 GHz APIC clock */
#define BACKSTOP_COUNT	1000000000	/* 1 s */

static volatile int timer_hits, ipi_hits;
static volatile uint64_t timer_tsc;

static void timer_handler(struct frame *f)
{
	timer_tsc = rdtsc();
	timer_hits++;
	apic_eoi();
}

static void ipi_handler(struct frame *f)
{
	ipi_hits++;
	apic_eoi();
}

int main(const char *cmdline)
{
	uint64_t t0, dt;
	int cap = testdev_has_cap(HV_CAP_IRQCHIP);

	/* Without testdev (QEMU) there is a LAPIC: test it anyway. */
	if (cap == 0)
		exit_skip("hlt: the backend has no in-kernel irqchip (HV_CAP_IRQCHIP = 0)");

	set_handler(TIMER_VECTOR, timer_handler);
	set_handler(IPI_VECTOR, ipi_handler);
	apic_enable();

	/* 1: timer wakes HLT. */
	cli();
	t0 = rdtsc();
	apic_timer_oneshot(TIMER_VECTOR, TIMER_COUNT);
	while (!timer_hits)
		sti_hlt();
	cli();
	dt = timer_tsc - t0;
	printf("timer: woke after %llu TSC cycles\n", (unsigned long long)dt);
	ASSERT_EQ(timer_hits, 1);
	ASSERT_EQ(apic_read(APIC_TMCCT), 0);
	/* 2 ms at a TSC of at least 100 MHz; catches a timer firing at once. */
	ASSERT(dt >= 200000);

	/* 2: pending IPI wakes HLT; the backstop timer must not fire first. */
	timer_hits = 0;
	apic_self_ipi(IPI_VECTOR);
	apic_timer_oneshot(TIMER_VECTOR, BACKSTOP_COUNT);
	sti_hlt();
	cli();
	apic_timer_stop();
	ASSERT_EQ(timer_hits, 0);
	ASSERT_EQ(ipi_hits, 1);

	/* Nothing left pending: one more IPI is delivered exactly once. */
	sti();
	apic_self_ipi(IPI_VECTOR);
	t0 = rdtsc();
	while (ipi_hits < 2 && rdtsc() - t0 < 10000000000ull)
		pause();
	cli();
	ASSERT_EQ(ipi_hits, 2);
	ASSERT_EQ(timer_hits, 0);
	return 0;
}
