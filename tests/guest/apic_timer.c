// SPDX-License-Identifier: GPL-2.0
/*
 * apic_timer.c - the LAPIC timer: one-shot fires once and TMCCT stops at
 * 0; periodic reloads and keeps firing; TSC-deadline (if CPUID.1:ECX[24])
 * fires no earlier than the deadline and not at all when disarmed; the
 * divide configuration scales the count rate; a masked LVT never
 * interrupts while the counter still runs down.
 */
#include "kit.h"

#define TIMER_VECTOR	0x40
#define LVT_MASKED	(1u << 16)
#define LVT_PERIODIC	(1u << 17)
#define LVT_TSC_DEADLINE (2u << 17)
#define MSR_TSC_DEADLINE 0x6E0
#define SEC		2000000000ull	/* TSC cycles: generous "long" */

static volatile int ticks;
static volatile uint64_t tick_tsc;

static void timer_handler(struct frame *f)
{
	ticks++;
	tick_tsc = rdtsc();
	apic_eoi();
}

/* Wait with interrupts on until @n ticks or @cycles pass. */
static void wait_ticks(int n, uint64_t cycles)
{
	uint64_t t0 = rdtsc();

	while (READ_ONCE(ticks) < n && rdtsc() - t0 < cycles) {
		sti();
		pause();
		cli();
	}
}

/* Let any stray interrupt in, for @cycles. */
static void open_window(uint64_t cycles)
{
	uint64_t t0 = rdtsc();

	sti();
	while (rdtsc() - t0 < cycles)
		pause();
	cli();
}

static void test_oneshot(void)
{
	ticks = 0;
	apic_timer_oneshot(TIMER_VECTOR, 100000);	/* ~100 us */
	wait_ticks(1, SEC);
	ASSERT_EQ(ticks, 1);
	open_window(SEC / 20);
	ASSERT_EQ(ticks, 1);
	ASSERT_EQ(apic_read(APIC_TMCCT), 0);
	printf("one-shot: fired once, TMCCT 0 afterwards\n");
}

static void test_periodic(void)
{
	uint32_t cur;

	ticks = 0;
	apic_write(APIC_TDCR, 0xB);
	apic_write(APIC_LVT_TIMER, LVT_PERIODIC | TIMER_VECTOR);
	apic_write(APIC_TMICT, 200000);			/* ~200 us */
	wait_ticks(5, 5 * SEC);
	cur = apic_read(APIC_TMCCT);
	apic_timer_stop();
	ASSERT(ticks >= 5);
	ASSERT(cur <= 200000);
	printf("periodic: %d ticks, TMCCT reloaded (%u)\n", ticks, cur);
	ticks = 0;
	open_window(SEC / 20);
	ASSERT_EQ(ticks, 0);
	printf("periodic: stopped by masking and TMICT=0\n");
}

static void test_deadline(void)
{
	uint64_t dl;

	if (!(cpuid(1).c & (1u << 24))) {
		printf("TSC-deadline: not advertised, skipped\n");
		return;
	}
	ticks = 0;
	apic_write(APIC_LVT_TIMER, LVT_TSC_DEADLINE | TIMER_VECTOR);
	dl = rdtsc() + 2000000;
	wrmsr(MSR_TSC_DEADLINE, dl);
	wait_ticks(1, SEC);
	ASSERT_EQ(ticks, 1);
	ASSERT(tick_tsc >= dl);
	/* Fired: the MSR reads 0 again. */
	ASSERT_EQ(rdmsr(MSR_TSC_DEADLINE), 0);
	printf("TSC-deadline: fired after the deadline, MSR cleared\n");
	ticks = 0;
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + 2000000);
	wrmsr(MSR_TSC_DEADLINE, 0);
	open_window(SEC / 10);
	ASSERT_EQ(ticks, 0);
	printf("TSC-deadline: writing 0 disarms\n");
	apic_timer_stop();
}

/*
 * Counts the timer makes in @cycles TSC cycles with TDCR = @tdcr.  Both
 * clocks follow host time, so only the two TMCCT reads can blur the
 * result: a read during which this vCPU was descheduled has an unknown
 * instant, and such a measurement is taken again.
 */
static uint32_t rate(uint32_t tdcr, uint64_t cycles)
{
	uint64_t t0, t1, t2, t3, span;
	uint32_t a, b;
	int tries = 0;

	do {
		apic_write(APIC_LVT_TIMER, LVT_MASKED | TIMER_VECTOR);
		apic_write(APIC_TDCR, tdcr);
		apic_write(APIC_TMICT, 0xffffffff);
		t0 = rdtsc();
		a = apic_read(APIC_TMCCT);
		t1 = rdtsc();
		tsc_delay(cycles);
		t2 = rdtsc();
		b = apic_read(APIC_TMCCT);
		t3 = rdtsc();
		apic_write(APIC_TMICT, 0);
	} while ((t1 - t0) + (t3 - t2) > cycles / 100 && ++tries < 50);
	/* Between the midpoints of the two reads. */
	span = (t2 + t3) / 2 - (t0 + t1) / 2;
	return (uint64_t)(a - b) * cycles / span;
}

static void test_divide(void)
{
	uint32_t r1 = rate(0xB, SEC / 20);	/* divide by 1 */
	uint32_t r16 = rate(0x3, SEC / 20);	/* divide by 16 */

	printf("divide: %u counts at /1, %u at /16\n", r1, r16);
	ASSERT(r16 > 0);
	/* Roughly 16x; the reads' own latency blurs it a little. */
	ASSERT(r1 / r16 >= 10 && r1 / r16 <= 24);
}

static void test_masked(void)
{
	ticks = 0;
	apic_write(APIC_TDCR, 0xB);
	apic_write(APIC_LVT_TIMER, LVT_MASKED | TIMER_VECTOR);
	apic_write(APIC_TMICT, 50000);
	open_window(SEC / 10);
	ASSERT_EQ(ticks, 0);
	ASSERT_EQ(apic_read(APIC_TMCCT), 0);
	printf("masked LVT: no interrupt, counter ran down to 0\n");
}

int main(const char *cmdline)
{
	testdev_require();
	if (testdev_has_cap(HV_CAP_IRQCHIP) <= 0)
		exit_skip("no in-backend LAPIC (irqchip capability)");
	apic_enable();
	set_handler(TIMER_VECTOR, timer_handler);
	test_oneshot();
	test_periodic();
	test_deadline();
	test_divide();
	test_masked();
	return 0;
}
