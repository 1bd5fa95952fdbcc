// SPDX-License-Identifier: GPL-2.0
/*
 * snapcont.c - a guest that must carry on correctly when the host
 * pauses it, snapshots it and restores it into a new process, or
 * live-migrates it while it works (tests/snapshot/).
 *
 * Before "READY" it arms everything whose state must survive: the LAPIC
 * timer (periodic), PIT channel 0 (mode 2, a known reload count), the
 * RTC in binary mode and a CMOS RAM byte.  Then it rewrites a memory
 * buffer round after round with a pattern that depends on the round and
 * verifies the previous round's pattern first, so a page that a
 * migration lost or sent stale is caught.
 *
 * wait=serial (default): the loop also polls COM1 and ends when "go"
 * arrives (the host sends it while the VM is paused, so it is pending
 * input in the UART when the snapshot is taken).  rounds=N: end after N
 * more rounds instead.  Then every armed device is checked (rtc=0 leaves
 * out the RTC and CMOS).  timer=deadline runs the LAPIC timer in
 * TSC-deadline mode instead, re-armed 1 s ahead from its handler (as an
 * idle tickless kernel does), so a far deadline is almost always armed
 * when the host stops the VM: a restore that drops it leaves the guest
 * without timer interrupts for good.
 */
#include "kit.h"

#define TIMER_VECTOR	0x40
#define LVT_PERIODIC	(1u << 17)
#define LVT_TSC_DEADLINE (2u << 17)
#define MSR_TSC_DEADLINE 0x6e0
#define BUF		((volatile uint64_t *)(32ull << 20))
#define PM_TMR		0x608
#define PM_HZ		3579545u
#define PIT_RELOAD	0x2345
#define CMOS_SCRATCH	0x40
#define COM1		0x3f8

static volatile uint64_t ticks;
static uint64_t words;
static uint64_t deadline_step;	/* TSC ticks per re-arm; 0: periodic */

static void timer_handler(struct frame *f)
{
	ticks++;
	if (deadline_step)
		wrmsr(MSR_TSC_DEADLINE, rdtsc() + deadline_step);
	apic_eoi();
}

static uint8_t cmos(uint8_t idx)
{
	outb(0x70, idx);
	return inb(0x71);
}

static void cmos_write(uint8_t idx, uint8_t v)
{
	outb(0x70, idx);
	outb(0x71, v);
}

static uint64_t pattern(uint64_t round, uint64_t i)
{
	uint64_t x = (round + 1) * 0x9e3779b97f4a7c15ull ^ (i * 0xbf58476d1ce4e5b9ull);

	return x ^ (x >> 31);
}

/* Check round @r - 1's pattern, then write round @r's. */
static void mem_round(uint64_t r)
{
	uint64_t i, v;

	for (i = 0; i < words; i++) {
		if (r) {
			v = BUF[i];
			if (v != pattern(r - 1, i))
				exit_fail("memory: word %llu (page 0x%llx) holds 0x%llx, round %llu wrote 0x%llx",
					  (unsigned long long)i,
					  (unsigned long long)((uint64_t)&BUF[i] & ~0xfffull),
					  (unsigned long long)v,
					  (unsigned long long)(r - 1),
					  (unsigned long long)pattern(r - 1, i));
		}
		BUF[i] = pattern(r, i);
	}
}

static uint16_t pit_read0(void)
{
	uint8_t lo, hi;

	outb(0x43, 0x00);		/* latch channel 0 */
	lo = inb(0x40);
	hi = inb(0x40);
	return (uint16_t)(lo | hi << 8);
}

static uint32_t pm_since(uint32_t t0)
{
	return ((inl(PM_TMR) & 0xffffff) - t0) & 0xffffff;
}

/*
 * A (PM timer, TSC) pair read close together.  A vCPU preempted between
 * the two reads (a loaded host runs it a few ms at a time) would skew
 * the measured TSC rate by the whole preemption: 50 ms lost in a 10 ms
 * measurement made the 1 s re-arm step 6 s, longer than the 3.5 s the
 * tick check waits.  So the PM timer is read on both sides of RDTSC and
 * the pair retried until those reads are within ~100 us.
 */
static void pm_tsc_sample(uint32_t *pm, uint64_t *tsc)
{
	unsigned int tries = 0;
	uint32_t a, b;

	do {
		a = inl(PM_TMR) & 0xffffff;
		*tsc = rdtsc();
		b = inl(PM_TMR) & 0xffffff;
	} while (((b - a) & 0xffffff) > PM_HZ / 10000 && ++tries < 10000);
	*pm = (a + (((b - a) & 0xffffff) >> 1)) & 0xffffff;
}

/* TSC-deadline mode, re-armed every 1 s (TSC rate measured on PM). */
static void timer_deadline_start(void)
{
	uint64_t tsc0, tsc1;
	uint32_t pm0, pm1, dpm;

	if (!(cpuid(1).c & (1u << 24)))
		exit_fail("timer=deadline: no TSC-deadline timer in CPUID");
	pm_tsc_sample(&pm0, &tsc0);
	while (pm_since(pm0) < PM_HZ / 50)
		pause();
	pm_tsc_sample(&pm1, &tsc1);
	dpm = (pm1 - pm0) & 0xffffff;
	deadline_step = dpm ? (tsc1 - tsc0) * PM_HZ / dpm : 0;
	if (!deadline_step)
		exit_fail("timer=deadline: the TSC does not run");
	printf("timer=deadline: %llu TSC ticks a second\n",
	       (unsigned long long)deadline_step);
	apic_write(APIC_LVT_TIMER, LVT_TSC_DEADLINE | TIMER_VECTOR);
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + deadline_step);
}

/* "go" on COM1?  Consumes what has arrived. */
static bool param_is(const char *key, const char *val)
{
	const char *v = cmdline_get(key);

	return v && !strcmp(v, val);
}

int main(const char *cmdline)
{
	uint64_t rounds = cmdline_u64("rounds", 0), r, last = 0, t0;
	uint64_t mib = cmdline_u64("mib", 8);
	const char *wait = cmdline_get("wait");
	bool by_serial = !rounds || (wait && !strcmp(wait, "serial"));
	uint16_t a, b;
	uint32_t t;
	uint8_t sec;

	words = mib * (1ull << 20) / 8;
	set_handler(TIMER_VECTOR, timer_handler);
	apic_enable();
	if (param_is("timer", "deadline")) {
		timer_deadline_start();
	} else {
		apic_write(APIC_TDCR, 0xB);
		apic_write(APIC_LVT_TIMER, LVT_PERIODIC | TIMER_VECTOR);
		apic_write(APIC_TMICT, 5000000);	/* ~5 ms */
	}

	outb(0x43, 0x34);		/* channel 0, lo/hi, mode 2 */
	outb(0x40, PIT_RELOAD & 0xff);
	outb(0x40, PIT_RELOAD >> 8);

	cmos_write(0x0b, cmos(0x0b) | 0x06);	/* binary, 24 hour */
	cmos_write(CMOS_SCRATCH, 0xa5);

	sti();
	mem_round(0);
	printf("READY\n");
	for (r = 1; by_serial || r <= rounds; r++) {
		mem_round(r);
		last = r;
		if (by_serial && serial_go()) {
			printf("got go after %llu rounds\n",
			       (unsigned long long)r);
			break;
		}
	}
	mem_round(last + 1);
	printf("memory: %llu rounds of %llu MiB verified\n",
	       (unsigned long long)last + 1, (unsigned long long)mib);

	/* The LAPIC timer still fires: a few ticks within 2 (3.5) s. */
	t0 = READ_ONCE(ticks) + (deadline_step ? 2 : 3);
	t = inl(PM_TMR) & 0xffffff;
	while (READ_ONCE(ticks) < t0 && pm_since(t) < 7 * PM_HZ / 2)
		pause();
	if (READ_ONCE(ticks) < t0)
		exit_fail("LAPIC timer: %llu ticks, none for 3.5 s",
			  (unsigned long long)READ_ONCE(ticks));
	cli();

	/* PIT channel 0 still counts down from our reload value. */
	a = pit_read0();
	t = inl(PM_TMR) & 0xffffff;
	while (pm_since(t) < PM_HZ / 1000)
		pause();
	b = pit_read0();
	ASSERT(a <= PIT_RELOAD && b <= PIT_RELOAD);
	ASSERT_NE(a, b);

	/* RTC: still binary mode, a sane binary seconds value; CMOS RAM. */
	if (cmdline_u64("rtc", 1)) {
		ASSERT((cmos(0x0b) & 0x06) == 0x06);
		sec = cmos(0x00);
		ASSERT(sec < 60);
		ASSERT_EQ(cmos(CMOS_SCRATCH), 0xa5);
		printf("RTC binary, CMOS kept\n");
	}
	printf("timer ticks %llu (%s), PIT %u -> %u\n",
	       (unsigned long long)READ_ONCE(ticks),
	       deadline_step ? "TSC deadline" : "periodic", a, b);
	return 0;
}
