// SPDX-License-Identifier: GPL-2.0
/*
 * kvmpv.c - KVM's paravirtual interfaces as a guest sees them.
 *
 * "leaves=" says where the manifest line expects the "KVMKVMKVM" leaves,
 * found the way Linux looks for them (every 0x100 from 0x40000000):
 *   base  at 0x40000000, max leaf 0x40000001, kvmclock features set;
 *   high  at 0x40000100, Hyper-V's "Hv#1" at 0x40000000 (--kvm-pv on);
 *   none  nowhere (--kvm-pv off, or --hyperv alone): nothing more to test.
 * With leaves, the rest runs:
 *  - hypercalls (VMCALL on Intel, VMMCALL on AMD): an unknown number gives
 *    -KVM_ENOSYS, never #UD; any call from ring 3 gives -KVM_EPERM;
 *    KVM_HC_VAPIC_POLL_IRQ gives 0;
 *  - kvmclock through MSR_KVM_SYSTEM_TIME_NEW: the record's version is
 *    even, the clock never goes back over many reads, and it runs at the
 *    rate of the ACPI PM timer (an independent clock: a VMM device); the
 *    TSC rate the record implies matches the TSC's measured rate;
 *  - the wall clock (MSR_KVM_WALL_CLOCK_NEW) holds a plausible date;
 *  - with "cpus=2": the AP reads its own record, the BSP's reading that
 *    follows is never earlier (one clock for all vCPUs); the AP waits in
 *    HLT with interrupts off and only KVM_HC_KICK_CPU wakes it; then
 *    KVM_HC_SEND_IPI delivers a vector to it.
 *  - with "snap": READY, then clock checks until "go" on COM1 (the host
 *    snapshots, restores or migrates meanwhile: tests/snapshot/kvmclock.py),
 *    then the clock must have gone on from where it was, at the right rate.
 */
#include "kit.h"
#include "sys.h"

#define KVM_SIG_EBX		0x4b4d564b	/* "KVMK" */
#define KVM_SIG_ECX		0x564b4d56	/* "VMKV" */
#define KVM_SIG_EDX		0x0000004d	/* "M\0\0\0" */
#define KVM_FEATURE_CLOCKSOURCE2	(1u << 3)
#define KVM_FEATURE_PV_UNHALT	(1u << 7)
#define KVM_FEATURE_PV_SEND_IPI	(1u << 11)

#define MSR_KVM_WALL_CLOCK_NEW	0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW	0x4b564d01

#define KVM_HC_VAPIC_POLL_IRQ	1
#define KVM_HC_KICK_CPU		5
#define KVM_HC_SEND_IPI		10
#define KVM_ENOSYS		1000
#define KVM_EPERM		1

#define PM_TMR_PORT		0x608
#define PM_TMR_HZ		3579545ull
#define IPI_VECTOR		0x58
#define TIMEOUT_NS		5000000000ull

struct pvclock {
	volatile uint32_t version;
	uint32_t pad0;
	volatile uint64_t tsc_timestamp;
	volatile uint64_t system_time;
	volatile uint32_t mul;
	volatile int8_t shift;
	volatile uint8_t flags;
	uint8_t pad[2];
} __attribute__((aligned(64)));

struct wall_clock {
	volatile uint32_t version;
	volatile uint32_t sec;
	volatile uint32_t nsec;
} __attribute__((aligned(16)));

static struct pvclock clocks[2];
static struct wall_clock wall;
static bool amd, hcalls;

static volatile int ap_state;		/* 1 up, 2 halting, 3 woken */
static volatile uint64_t ap_reading, ap_seq, bsp_seq;
static volatile int ap_ipis;

static uint64_t hypercall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
			  uint64_t a3)
{
	uint64_t ret;

	if (amd)
		__asm__ __volatile__("vmmcall" : "=a"(ret)
				     : "a"(nr), "b"(a0), "c"(a1), "d"(a2),
				       "S"(a3) : "memory");
	else
		__asm__ __volatile__("vmcall" : "=a"(ret)
				     : "a"(nr), "b"(a0), "c"(a1), "d"(a2),
				       "S"(a3) : "memory");
	return ret;
}

static uint64_t pvclock_read(const struct pvclock *c)
{
	uint32_t v;
	uint64_t ns, delta;

	do {
		v = c->version;
		__asm__ __volatile__("lfence" ::: "memory");
		delta = rdtsc() - c->tsc_timestamp;
		if (c->shift < 0)
			delta >>= -c->shift;
		else
			delta <<= c->shift;
		ns = c->system_time +
		     (uint64_t)(((unsigned __int128)delta * c->mul) >> 32);
		__asm__ __volatile__("lfence" ::: "memory");
	} while ((v & 1) || v != c->version);
	return ns;
}

static uint32_t pm_read(void)
{
	return inl(PM_TMR_PORT) & 0xffffff;
}

/* Base of the KVM leaves, or 0: Linux's hypervisor_cpuid_base(). */
static uint32_t kvm_base(void)
{
	for (uint32_t b = 0x40000000; b < 0x40010000; b += 0x100) {
		struct cpuid_regs r = cpuid(b);

		if (r.b == KVM_SIG_EBX && r.c == KVM_SIG_ECX &&
		    r.d == KVM_SIG_EDX && r.a >= b + 1)
			return b;
	}
	return 0;
}

static void check_leaves(const char *want)
{
	uint32_t base = kvm_base();
	struct cpuid_regs r;

	printf("KVM leaves at 0x%x (want %s)\n", base, want);
	if (!strcmp(want, "none")) {
		ASSERT_EQ(base, 0);
		return;
	}
	if (!strcmp(want, "high")) {
		ASSERT_EQ(base, 0x40000100);
		r = cpuid(0x40000001);
		ASSERT_EQ(r.a, 0x31237648);	/* "Hv#1" */
	} else {
		ASSERT_EQ(base, 0x40000000);
	}
	r = cpuid(base + 1);
	printf("KVM features 0x%x hints 0x%x\n", r.a, r.d);
	ASSERT(r.a & KVM_FEATURE_CLOCKSOURCE2);
}

static void user_hcall(void *arg)
{
	*(uint64_t *)arg = hypercall(KVM_HC_VAPIC_POLL_IRQ, 0, 0, 0, 0);
}

static void check_hypercalls(void)
{
	struct user_result ur;
	static uint64_t user_ret;

	ASSERT_EQ(hypercall(0xdead, 1, 2, 3, 4), -(uint64_t)KVM_ENOSYS);
	ASSERT_EQ(hypercall(KVM_HC_VAPIC_POLL_IRQ, 0, 0, 0, 0), 0);
	sys_setup();
	user_ret = 0x1234;
	user_run(user_hcall, &user_ret, 0, &ur);
	if (ur.vector != -1)
		exit_fail("VMCALL in ring 3: vector %d, want -KVM_EPERM",
			  ur.vector);
	ASSERT_EQ(user_ret, -(uint64_t)KVM_EPERM);
	printf("hypercalls: ENOSYS, EPERM from ring 3, VAPIC_POLL_IRQ 0\n");
}

static void clock_enable(int cpu)
{
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (uint64_t)(uintptr_t)&clocks[cpu] | 1);
	ASSERT_EQ(rdmsr(MSR_KVM_SYSTEM_TIME_NEW),
		  (uint64_t)(uintptr_t)&clocks[cpu] | 1);
	ASSERT(clocks[cpu].version != 0);
	ASSERT_EQ(clocks[cpu].version & 1, 0);
	ASSERT(clocks[cpu].mul != 0);
}

/* @n reads of this CPU's clock never go back; returns the last. */
static uint64_t check_monotonic(int cpu, uint64_t last, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		uint64_t t = pvclock_read(&clocks[cpu]);

		if (t < last)
			exit_fail("kvmclock went back: %llu after %llu",
				  (unsigned long long)t,
				  (unsigned long long)last);
		last = t;
	}
	return last;
}

/*
 * Over about 200 ms of PM timer: kvmclock's and the TSC's rates.  The
 * 10% margin covers a descheduled vCPU between two paired reads on a
 * loaded host; a wrong scale is off by far more (a factor, not percent).
 */
static void check_rate(int cpu)
{
	uint64_t pm_ticks = 0, k0, k1, t0, t1, pm_ns, k_ns, tsc_khz, pv_khz;
	uint32_t p0, p, prev;
	const struct pvclock *c = &clocks[cpu];

	p0 = prev = pm_read();
	k0 = pvclock_read(c);
	t0 = rdtsc();
	while (pm_ticks < PM_TMR_HZ / 5) {
		p = pm_read();
		pm_ticks += (p - prev) & 0xffffff;
		prev = p;
	}
	k1 = pvclock_read(c);
	t1 = rdtsc();
	(void)p0;
	pm_ns = pm_ticks * 1000000000ull / PM_TMR_HZ;
	k_ns = k1 - k0;
	printf("kvmclock %llu ns over %llu ns of PM timer\n",
	       (unsigned long long)k_ns, (unsigned long long)pm_ns);
	if (k_ns < pm_ns * 9 / 10 || k_ns > pm_ns * 11 / 10)
		exit_fail("kvmclock ran %llu ns in %llu ns of PM timer",
			  (unsigned long long)k_ns, (unsigned long long)pm_ns);
	/* The TSC rate the record implies against the one measured. */
	tsc_khz = (t1 - t0) * 1000000ull / pm_ns;
	/* khz = 10^6 * 2^32 / (mul * 2^shift); |shift| is small. */
	if (c->shift >= 0)
		pv_khz = (1000000ull << 32) / ((uint64_t)c->mul << c->shift);
	else
		pv_khz = ((1000000ull << 32) / c->mul) << -c->shift;
	printf("TSC %llu kHz measured, %llu kHz in the record\n",
	       (unsigned long long)tsc_khz, (unsigned long long)pv_khz);
	if (tsc_khz < pv_khz * 9 / 10 || tsc_khz > pv_khz * 11 / 10)
		exit_fail("TSC at %llu kHz, kvmclock scales for %llu kHz",
			  (unsigned long long)tsc_khz,
			  (unsigned long long)pv_khz);
}

static void check_wall_clock(void)
{
	wall.version = 1;	/* odd garbage: the host must not trust it */
	wrmsr(MSR_KVM_WALL_CLOCK_NEW, (uint64_t)(uintptr_t)&wall);
	ASSERT_EQ(wall.version & 1, 0);
	printf("wall clock at kvmclock 0: %u s\n", wall.sec);
	/* After 2020 and before 2100. */
	ASSERT(wall.sec > 1577836800u && wall.sec < 4102444800u);
	ASSERT(wall.nsec < 1000000000u);
}

static void ipi_handler(struct frame *f)
{
	ap_ipis++;
	apic_eoi();
}

void ap_main(int cpu)
{
	uint64_t seen = 0;

	clock_enable(1);
	apic_enable();
	WRITE_ONCE(ap_state, 1);
	/* Ping-pong: publish a reading, wait for the BSP to check it. */
	for (;;) {
		uint64_t s = READ_ONCE(bsp_seq);

		if (s == ~0ull)
			break;
		if (s == seen)
			continue;
		seen = s;
		WRITE_ONCE(ap_reading, pvclock_read(&clocks[1]));
		WRITE_ONCE(ap_seq, s);
	}
	/* IF = 0: only a PV kick can end this HLT. */
	cli();
	WRITE_ONCE(ap_state, 2);
	hlt();
	WRITE_ONCE(ap_state, 3);
	sti();
	for (;;)
		hlt();
}

static bool wait_for(volatile int *p, int val)
{
	uint64_t end = pvclock_read(&clocks[0]) + TIMEOUT_NS;

	while (READ_ONCE(*p) != val)
		if (pvclock_read(&clocks[0]) > end)
			return false;
	return true;
}

static void check_smp(void)
{
	uint64_t mine;

	set_handler(IPI_VECTOR, ipi_handler);
	if (smp_boot(2) != 2)
		exit_fail("the AP did not start");
	if (!wait_for(&ap_state, 1))
		exit_fail("the AP did not come up");
	for (uint64_t i = 1; i <= 200; i++) {
		uint64_t end = pvclock_read(&clocks[0]) + TIMEOUT_NS;

		WRITE_ONCE(bsp_seq, i);
		while (READ_ONCE(ap_seq) != i)
			if (pvclock_read(&clocks[0]) > end)
				exit_fail("the AP stopped answering");
		mine = pvclock_read(&clocks[0]);
		if (mine < READ_ONCE(ap_reading))
			exit_fail("vCPU 0 read %llu after vCPU 1 read %llu",
				  (unsigned long long)mine,
				  (unsigned long long)ap_reading);
	}
	printf("two vCPUs: one clock over 200 exchanges\n");

	WRITE_ONCE(bsp_seq, ~0ull);
	if (!wait_for(&ap_state, 2))
		exit_fail("the AP did not reach its HLT");
	/* Let it sleep: nothing but the kick may wake it. */
	tsc_delay(20000000);
	ASSERT_EQ(READ_ONCE(ap_state), 2);
	if (!hcalls)
		return;
	ASSERT_EQ(hypercall(KVM_HC_KICK_CPU, 0, 1, 0, 0), 0);
	if (!wait_for(&ap_state, 3))
		exit_fail("KVM_HC_KICK_CPU did not wake the AP");
	printf("KVM_HC_KICK_CPU woke the AP from HLT with IF=0\n");

	/* Bit 1 of the low bitmap with min 0: APIC ID 1, fixed, assert. */
	ASSERT_EQ(hypercall(KVM_HC_SEND_IPI, 2, 0, 0,
			    (1u << 14) | IPI_VECTOR), 1);
	if (!wait_for(&ap_ipis, 1))
		exit_fail("KVM_HC_SEND_IPI: no interrupt on the AP");
	printf("KVM_HC_SEND_IPI delivered vector 0x%x\n", IPI_VECTOR);
}

static void snap_loop(void)
{
	uint64_t last = pvclock_read(&clocks[0]), before;

	printf("READY\n");
	while (!serial_go())
		last = check_monotonic(0, last, 1000);
	before = last;
	printf("got go\n");
	last = check_monotonic(0, last, 100000);
	check_rate(0);
	last = check_monotonic(0, last, 1000);
	printf("kvmclock went on: %llu ns at go, %llu ns now\n",
	       (unsigned long long)before, (unsigned long long)last);
}

int main(const char *cmdline)
{
	const char *want = cmdline_get("leaves");
	struct cpuid_regs r = cpuid(0);

	amd = r.b == 0x68747541 || r.b == 0x6f677948;
	check_leaves(want ? want : "base");
	if (want && !strcmp(want, "none"))
		return 0;
	hcalls = !cmdline_get("nohcall");
	if (hcalls)
		check_hypercalls();
	else
		printf("SUBSKIP: hypercalls: this host's nested KVM never "
		       "completes a guest VMCALL\n");
	clock_enable(0);
	printf("kvmclock: version %u, mul %u, shift %d, flags 0x%x\n",
	       clocks[0].version, clocks[0].mul, clocks[0].shift,
	       clocks[0].flags);
	if (cmdline_get("snap")) {
		snap_loop();
		return 0;
	}
	check_monotonic(0, 0, 100000);
	check_rate(0);
	check_wall_clock();
	if (cmdline_u64("cpus", 1) >= 2) {
		r = cpuid(kvm_base() + 1);
		if (!(r.a & KVM_FEATURE_PV_UNHALT) ||
		    !(r.a & KVM_FEATURE_PV_SEND_IPI))
			exit_fail("no PV_UNHALT/PV_SEND_IPI (features 0x%x)",
				  r.a);
		check_smp();
	}
	return 0;
}
