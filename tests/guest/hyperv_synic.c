// SPDX-License-Identifier: GPL-2.0
/*
 * hyperv_synic.c - SynIC and synthetic timers, with --hyperv stimer:
 *  - periodic stimer0 in message mode: HVMSG_TIMER_EXPIRED messages in
 *    SINT2's SIMP slot, one interrupt each, expiration times COUNT apart;
 *  - a busy slot: the message waits (pending flag) until EOM;
 *  - one-shot: exactly one message, then CONFIG.ENABLE is clear; a time
 *    in the past expires at once;
 *  - direct mode: the APIC vector of CONFIG, no message;
 *  - auto-EOI: the SINT's vector is not left in service.
 */
#include "hyperv.h"

#define SINT		2
#define SINT_VECTOR	0x50
#define DIRECT_VECTOR	0x60
#define SEC		2000000000ull

#define STIMER_ENABLE	(1ull << 0)
#define STIMER_PERIODIC	(1ull << 1)
#define STIMER_AUTOEN	(1ull << 3)
#define STIMER_DIRECT	(1ull << 12)
#define STIMER_VEC(v)	((uint64_t)(v) << 4)
#define STIMER_SINT(s)	((uint64_t)(s) << 16)
#define SINT_MASKED	(1ull << 16)
#define SINT_AUTO_EOI	(1ull << 17)

static struct hv_message *slot;
static volatile int msgs, directs, busy_mode;
static volatile uint64_t exp_times[16];
static volatile bool isr_was_set;

static bool isr_set(uint8_t vec)
{
	return apic_read(0x100 + (vec / 32) * 0x10) & (1u << (vec % 32));
}

static void sint_handler(struct frame *f)
{
	struct hv_message *m = slot;

	if (m->type == HVMSG_TIMER_EXPIRED) {
		if (msgs < 16)
			exp_times[msgs] = m->payload[1];
		msgs++;
		if (!busy_mode) {
			bool pending = m->flags & 1;

			m->type = 0;
			__asm__ __volatile__("mfence" ::: "memory");
			if (pending)
				wrmsr(HV_MSR_EOM, 0);
		}
	}
	isr_was_set = isr_set(SINT_VECTOR);
	if (isr_was_set)
		apic_eoi();
}

static void direct_handler(struct frame *f)
{
	directs++;
	apic_eoi();
}

static void wait_for(volatile int *ctr, int n, uint64_t cycles)
{
	uint64_t t0 = rdtsc();

	while (READ_ONCE(*ctr) < n && rdtsc() - t0 < cycles) {
		sti();
		pause();
		cli();
	}
}

static void window(uint64_t cycles)
{
	uint64_t t0 = rdtsc();

	sti();
	while (rdtsc() - t0 < cycles)
		pause();
	cli();
}

static void synic_on(bool auto_eoi)
{
	wrmsr(HV_MSR_SIMP, ((uintptr_t)slot - SINT * 256) | 1);
	wrmsr(HV_MSR_SIEFP, (uintptr_t)hv_page(1) | 1);
	wrmsr(HV_MSR_SINT0 + SINT, SINT_VECTOR |
	      (auto_eoi ? SINT_AUTO_EOI : 0));
	wrmsr(HV_MSR_SCONTROL, 1);
}

static void test_periodic(void)
{
	uint64_t count = 20000;		/* 2 ms */

	msgs = 0;
	wrmsr(HV_MSR_STIMER0_CONFIG, STIMER_PERIODIC | STIMER_SINT(SINT));
	wrmsr(HV_MSR_STIMER0_COUNT, count);
	wrmsr(HV_MSR_STIMER0_CONFIG, STIMER_ENABLE | STIMER_PERIODIC |
	      STIMER_SINT(SINT));
	wait_for(&msgs, 5, 10 * SEC);
	wrmsr(HV_MSR_STIMER0_CONFIG, 0);
	ASSERT(msgs >= 5);
	for (int i = 1; i < 5; i++) {
		uint64_t d = exp_times[i] - exp_times[i - 1];

		if (d % count || !d)
			exit_fail("expirations %llu and %llu not COUNT apart",
				  (unsigned long long)exp_times[i - 1],
				  (unsigned long long)exp_times[i]);
	}
	ASSERT(!isr_was_set);	/* auto-EOI */
	printf("periodic: %d messages, expiration times %llu apart, auto-EOI\n",
	       msgs, (unsigned long long)(exp_times[1] - exp_times[0]));
}

static void test_busy_slot(void)
{
	uint64_t now;

	/* Leave the first message in the slot: the next one must wait. */
	msgs = 0;
	busy_mode = 1;
	now = rdmsr(HV_MSR_TIME_REF_COUNT);
	wrmsr(HV_MSR_STIMER0_CONFIG, STIMER_PERIODIC | STIMER_SINT(SINT));
	wrmsr(HV_MSR_STIMER0_COUNT, 10000);
	wrmsr(HV_MSR_STIMER0_CONFIG, STIMER_ENABLE | STIMER_PERIODIC |
	      STIMER_SINT(SINT));
	wait_for(&msgs, 1, 10 * SEC);
	ASSERT_EQ(msgs, 1);
	window(SEC / 10);
	ASSERT_EQ(msgs, 1);			/* blocked behind the slot */
	ASSERT(slot->flags & 1);		/* message pending */
	busy_mode = 0;
	slot->type = 0;
	wrmsr(HV_MSR_EOM, 0);
	wait_for(&msgs, 2, 10 * SEC);
	wrmsr(HV_MSR_STIMER0_CONFIG, 0);
	ASSERT(msgs >= 2);
	printf("busy slot: held until EOM (after %llu)\n",
	       (unsigned long long)(rdmsr(HV_MSR_TIME_REF_COUNT) - now));
	slot->type = 0;
}

static void test_oneshot(void)
{
	uint64_t now;

	msgs = 0;
	now = rdmsr(HV_MSR_TIME_REF_COUNT);
	/* COUNT first: enabling with the old COUNT would fire at once. */
	wrmsr(HV_MSR_STIMER0_COUNT, now + 30000);	/* +3 ms */
	wrmsr(HV_MSR_STIMER0_CONFIG, STIMER_ENABLE | STIMER_SINT(SINT));
	wait_for(&msgs, 1, 10 * SEC);
	window(SEC / 10);
	ASSERT_EQ(msgs, 1);
	if (exp_times[0] != now + 30000)
		exit_fail("one-shot expired at %llu, programmed %llu",
			  (unsigned long long)exp_times[0],
			  (unsigned long long)(now + 30000));
	ASSERT_EQ(rdmsr(HV_MSR_STIMER0_CONFIG) & STIMER_ENABLE, 0);
	/* In the past: at once, with AUTOENABLE through the COUNT write. */
	msgs = 0;
	wrmsr(HV_MSR_STIMER0_CONFIG, STIMER_AUTOEN | STIMER_SINT(SINT));
	wrmsr(HV_MSR_STIMER0_COUNT, 1);
	wait_for(&msgs, 1, SEC);
	ASSERT_EQ(msgs, 1);
	printf("one-shot: one message at the programmed time, then disabled\n");
}

static void test_direct(void)
{
	directs = 0;
	msgs = 0;
	wrmsr(HV_MSR_STIMER0_CONFIG, 0);	/* drop AUTOENABLE */
	wrmsr(HV_MSR_STIMER0_COUNT, 20000);
	wrmsr(HV_MSR_STIMER0_CONFIG, STIMER_ENABLE | STIMER_PERIODIC |
	      STIMER_DIRECT | STIMER_VEC(DIRECT_VECTOR));
	wait_for(&directs, 3, 10 * SEC);
	wrmsr(HV_MSR_STIMER0_CONFIG, 0);
	ASSERT(directs >= 3);
	ASSERT_EQ(msgs, 0);
	printf("direct mode: %d interrupts on vector 0x%x, no message\n",
	       directs, DIRECT_VECTOR);
}

int main(const char *cmdline)
{
	ASSERT(hv_present());
	ASSERT(cpuid(HV_CPUID_FEATURES).a & HV_SYNTIMER);
	slot = (struct hv_message *)((uint8_t *)hv_page(0) + SINT * 256);
	apic_enable();
	set_handler(SINT_VECTOR, sint_handler);
	set_handler(DIRECT_VECTOR, direct_handler);
	ASSERT_EQ(rdmsr(HV_MSR_SVERSION), 1);
	/* Vectors below 16 are refused for an unmasked SINT. */
	ASSERT(hv_wrmsr_safe(HV_MSR_SINT0, 5));
	synic_on(true);
	test_periodic();
	test_busy_slot();
	test_oneshot();
	test_direct();
	return 0;
}
