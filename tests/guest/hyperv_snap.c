// SPDX-License-Identifier: GPL-2.0
/*
 * hyperv_snap.c - a Hyper-V guest that the host snapshots (or migrates)
 * in the middle of its work and restores into a new process
 * (tests/snapshot/hyperv.py); run with --hyperv stimer,syndbg,use_hcalls=on.
 *
 * Before "READY" it enables everything whose state must survive: the
 * hypercall page, the reference TSC page, SynIC (SIMP, SIEFP, SINT2) with
 * synthetic timer 0 periodic in message mode and timer 1 periodic in
 * direct mode, and the syndbg send/receive/pending buffers.  Then it
 * counts timer messages and interrupts and checks the reference TSC page
 * against TIME_REF_COUNT until "go" arrives on COM1.  After "go" every
 * MSR must read what was written, both timers must keep firing, the
 * reference clock must have gone on (never back), and a debug hypercall
 * (HvResetDebugSession, which needs the syndbg device and USE_HCALLS)
 * must still succeed.
 */
#include "hyperv.h"

#define SINT		2
#define SINT_VECTOR	0x50
#define DIRECT_VECTOR	0x60
#define COM1		0x3f8

#define STIMER_ENABLE	(1ull << 0)
#define STIMER_PERIODIC	(1ull << 1)
#define STIMER_DIRECT	(1ull << 12)
#define STIMER_VEC(v)	((uint64_t)(v) << 4)
#define STIMER_SINT(s)	((uint64_t)(s) << 16)
#define HVMSG_TIMER_EXPIRED	0x80000010u
#define HV_STATUS_SUCCESS	0
#define USE_HCALLS	(1ull << 2)

/* The MSRs whose values must survive, with what was written. */
static struct {
	uint32_t msr;
	uint64_t val;
} kept[16];
static unsigned int nkept;

static struct hv_message *slot;
static volatile uint64_t msgs, directs;

static void sint_handler(struct frame *f)
{
	struct hv_message *m = slot;

	if (m->type == HVMSG_TIMER_EXPIRED) {
		msgs++;
		m->type = 0;
		__asm__ __volatile__("mfence" ::: "memory");
		if (m->flags & 1)
			wrmsr(HV_MSR_EOM, 0);
	}
	apic_eoi();
}

static void direct_handler(struct frame *f)
{
	directs++;
	apic_eoi();
}

static void keep(uint32_t msr, uint64_t val)
{
	wrmsr(msr, val);
	kept[nkept].msr = msr;
	kept[nkept].val = val;
	nkept++;
}

/*
 * The page and the MSR are one clock: the MSR read between two page
 * reads lies between them (a page read is a few instructions, so 1 ms
 * of slack covers an interrupt in between).  Returns the MSR value.
 */
static uint64_t check_clock(struct tsc_page *p, uint64_t last)
{
	uint64_t a, m, b;

	ASSERT(p->seq != 0 && p->seq != 0xffffffffu);
	a = tsc_page_read(p);
	m = rdmsr(HV_MSR_TIME_REF_COUNT);
	b = tsc_page_read(p);
	if (m + 10000 < a || m > b + 10000 || b < a)
		exit_fail("reference clocks apart: page %llu, MSR %llu, page %llu",
			  (unsigned long long)a, (unsigned long long)m,
			  (unsigned long long)b);
	if (m < last)
		exit_fail("TIME_REF_COUNT went back: %llu after %llu",
			  (unsigned long long)m, (unsigned long long)last);
	return m;
}

/* Both timers fire @n more times within about 10 s of reference time. */
static void timers_run(uint64_t n)
{
	uint64_t m0 = READ_ONCE(msgs), d0 = READ_ONCE(directs);
	uint64_t t0 = rdmsr(HV_MSR_TIME_REF_COUNT);

	sti();
	while ((READ_ONCE(msgs) < m0 + n || READ_ONCE(directs) < d0 + n) &&
	       rdmsr(HV_MSR_TIME_REF_COUNT) - t0 < 100000000ull)
		pause();
	cli();
	if (READ_ONCE(msgs) < m0 + n || READ_ONCE(directs) < d0 + n)
		exit_fail("timers stopped: %llu messages, %llu direct interrupts in 10 s",
			  (unsigned long long)(msgs - m0),
			  (unsigned long long)(directs - d0));
}

int main(const char *cmdline)
{
	struct tsc_page *tp = hv_page(2);
	uint8_t *reset_out = hv_page(3), *reset_in = hv_page(4);
	uint64_t rounds = 0, last, v;
	unsigned int i;

	ASSERT(hv_present());
	ASSERT(cpuid(HV_CPUID_FEATURES).a & HV_SYNTIMER);
	ASSERT(cpuid(HV_CPUID_SYNDBG_PLATFORM).a & 2);
	apic_enable();
	set_handler(SINT_VECTOR, sint_handler);
	set_handler(DIRECT_VECTOR, direct_handler);

	hv_hypercall_setup();
	kept[nkept].msr = HV_MSR_GUEST_OS_ID;
	kept[nkept++].val = rdmsr(HV_MSR_GUEST_OS_ID);
	kept[nkept].msr = HV_MSR_HYPERCALL;
	kept[nkept++].val = rdmsr(HV_MSR_HYPERCALL);
	keep(HV_MSR_REFERENCE_TSC, (uintptr_t)tp | 1);

	slot = (struct hv_message *)((uint8_t *)hv_page(0) + SINT * 256);
	keep(HV_MSR_SIMP, (uintptr_t)hv_page(0) | 1);
	keep(HV_MSR_SIEFP, (uintptr_t)hv_page(1) | 1);
	keep(HV_MSR_SINT0 + SINT, SINT_VECTOR);
	keep(HV_MSR_SCONTROL, 1);
	keep(HV_MSR_STIMER0_COUNT, 20000);			/* 2 ms */
	keep(HV_MSR_STIMER0_CONFIG, STIMER_ENABLE | STIMER_PERIODIC |
	     STIMER_SINT(SINT));
	keep(HV_MSR_STIMER0_COUNT + 2, 30000);			/* 3 ms */
	keep(HV_MSR_STIMER0_CONFIG + 2, STIMER_ENABLE | STIMER_PERIODIC |
	     STIMER_DIRECT | STIMER_VEC(DIRECT_VECTOR));

	keep(HV_MSR_SYNDBG_SEND_BUFFER, (uintptr_t)hv_page(5));
	keep(HV_MSR_SYNDBG_RECV_BUFFER, (uintptr_t)hv_page(6));
	keep(HV_MSR_SYNDBG_PENDING_BUFFER, (uintptr_t)hv_page(7));
	v = rdmsr(HV_MSR_SYNDBG_OPTIONS);
	ASSERT(v & USE_HCALLS);
	kept[nkept].msr = HV_MSR_SYNDBG_OPTIONS;
	kept[nkept++].val = v;

	timers_run(3);
	last = check_clock(tp, 0);
	printf("READY\n");
	for (;;) {
		timers_run(1);
		last = check_clock(tp, last);
		rounds++;
		if (serial_go())
			break;
	}
	printf("got go after %llu rounds (%llu messages, %llu direct)\n",
	       (unsigned long long)rounds, (unsigned long long)msgs,
	       (unsigned long long)directs);

	for (i = 0; i < nkept; i++) {
		v = rdmsr(kept[i].msr);
		if (v != kept[i].val)
			exit_fail("MSR 0x%x reads 0x%llx, was 0x%llx", kept[i].msr,
				  (unsigned long long)v,
				  (unsigned long long)kept[i].val);
	}
	printf("%u Hyper-V MSRs kept\n", nkept);
	timers_run(5);
	last = check_clock(tp, last);
	printf("timers run on: %llu messages, %llu direct interrupts\n",
	       (unsigned long long)msgs, (unsigned long long)directs);

	/* The debugger device is back: HvResetDebugSession succeeds. */
	memset(reset_in, 0, 8);
	memset(reset_out, 0xff, 24);
	v = hv_hypercall(HVCALL_RESET_DEBUG_SESSION, (uintptr_t)reset_in,
			 (uintptr_t)reset_out);
	ASSERT_EQ(v & 0xffff, HV_STATUS_SUCCESS);
	ASSERT_EQ(*(uint16_t *)(reset_out + 8), cmdline_u64("port", 0));
	printf("debug session reset: host port %u\n",
	       *(uint16_t *)(reset_out + 8));
	wrmsr(HV_MSR_STIMER0_CONFIG, 0);
	wrmsr(HV_MSR_STIMER0_CONFIG + 2, 0);
	return 0;
}
