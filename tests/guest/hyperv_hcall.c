// SPDX-License-Identifier: GPL-2.0
/*
 * hyperv_hcall.c - the hypercall page and the per-partition clocks, with
 * --hyperv relaxed,vapic,time,vpindex,runtime,crash,frequencies:
 *  - HYPERCALL stays disabled until GUEST_OS_ID is set; then the page
 *    holds VMCALL (or VMMCALL) + RET and calls through it return KVM's
 *    status codes (unknown code, reserved control bits, fast debug calls
 *    without syndbg);
 *  - VP_INDEX is the vCPU index and read-only; TIME_REF_COUNT and the
 *    reference TSC page agree and never go backwards; VP_RUNTIME grows no
 *    faster than the reference time;
 *  - the APIC access MSRs (TPR, ICR self-IPI, EOI) and the assist page;
 *  - crash parameter MSRs hold their values; TSC_FREQUENCY is the TSC's.
 */
#include "hyperv.h"

static void check_hypercall_page(void)
{
	uint8_t *page = hv_page(0);
	uint64_t v, r;

	/* No OS id: the enable bit does not stick. */
	wrmsr(HV_MSR_HYPERCALL, (uintptr_t)page | 1);
	ASSERT_EQ(rdmsr(HV_MSR_HYPERCALL), 0);
	page = hv_hypercall_setup();
	v = rdmsr(HV_MSR_HYPERCALL);
	ASSERT_EQ(v, (uintptr_t)page | 1);
	ASSERT_EQ(page[0], 0x0f);
	ASSERT_EQ(page[1], 0x01);
	ASSERT(page[2] == 0xc1 || page[2] == 0xd9);
	ASSERT_EQ(page[3], 0xc3);

	r = hv_hypercall(0x7777, 0, 0);
	ASSERT_EQ(r, HV_STATUS_INVALID_HYPERCALL_CODE);
	r = hv_hypercall(0x7777 | (1ull << 63), 0, 0);
	ASSERT_EQ(r, HV_STATUS_INVALID_HYPERCALL_INPUT);
	r = hv_hypercall_fast(HVCALL_POST_DEBUG_DATA, 0, 0);
	ASSERT_EQ(r, HV_STATUS_INVALID_PARAMETER);
	/* Without the syndbg leaves the debug calls do not exist. */
	r = hv_hypercall(HVCALL_RESET_DEBUG_SESSION, 0,
			 (uintptr_t)hv_page(1));
	ASSERT_EQ(r, HV_STATUS_INVALID_HYPERCALL_CODE);
	/* HvNotifyLongSpinWait with a rep count: invalid input. */
	r = hv_hypercall(0x0008 | (1ull << 32), 0, 0);
	ASSERT_EQ(r, HV_STATUS_INVALID_HYPERCALL_INPUT);
	r = hv_hypercall(0x0008, 0, 0);
	ASSERT_EQ(r, HV_STATUS_SUCCESS);
	printf("hypercall page: %02x %02x %02x %02x, status codes ok\n",
	       page[0], page[1], page[2], page[3]);
}

static void check_clocks(void)
{
	struct tsc_page *p = hv_page(2);
	uint64_t a, b, c, prev = 0, rt0, rt1, t0, t1;
	int i;

	ASSERT_EQ(rdmsr(HV_MSR_VP_INDEX), 0);
	ASSERT(hv_wrmsr_safe(HV_MSR_VP_INDEX, 5));
	ASSERT(hv_wrmsr_safe(HV_MSR_TIME_REF_COUNT, 0));

	wrmsr(HV_MSR_REFERENCE_TSC, (uintptr_t)p | 1);
	ASSERT(p->seq != 0 && p->seq != 0xffffffffu);
	ASSERT(p->scale != 0);
	for (i = 0; i < 2000; i++) {
		a = rdmsr(HV_MSR_TIME_REF_COUNT);
		b = tsc_page_read(p);
		c = rdmsr(HV_MSR_TIME_REF_COUNT);
		/* One 100 ns unit of rounding either way. */
		if (b + 1 < a || b > c + 1)
			exit_fail("TSC page %llu outside MSR [%llu, %llu]",
				  (unsigned long long)b, (unsigned long long)a,
				  (unsigned long long)c);
		if (b < prev)
			exit_fail("TSC page went back: %llu after %llu",
				  (unsigned long long)b,
				  (unsigned long long)prev);
		prev = b;
	}
	/* VP_RUNTIME: grows while running, not faster than real time. */
	rt0 = rdmsr(HV_MSR_VP_RUNTIME);
	t0 = rdmsr(HV_MSR_TIME_REF_COUNT);
	tsc_delay(20000000);
	rt1 = rdmsr(HV_MSR_VP_RUNTIME);
	t1 = rdmsr(HV_MSR_TIME_REF_COUNT);
	ASSERT(rt1 > rt0);
	ASSERT(rt1 - rt0 <= t1 - t0 + 1);
	ASSERT(t1 > t0);
	printf("clocks: TSC page (seq %u) within TIME_REF_COUNT, monotonic; runtime +%llu of +%llu\n",
	       p->seq, (unsigned long long)(rt1 - rt0),
	       (unsigned long long)(t1 - t0));
}

static volatile int ipis;

static void ipi_handler(struct frame *f)
{
	ipis++;
	wrmsr(HV_MSR_EOI, 0);		/* EOI through the Hyper-V MSR */
}

static void check_apic_msrs(void)
{
	uint64_t v;
	uint8_t *assist = hv_page(3);

	apic_enable();
	wrmsr(HV_MSR_TPR, 0x20);
	ASSERT_EQ(apic_read(APIC_TPR), 0x20);
	ASSERT_EQ(rdmsr(HV_MSR_TPR), 0x20);
	wrmsr(HV_MSR_TPR, 0);
	set_handler(0x41, ipi_handler);
	wrmsr(HV_MSR_ICR, APIC_ICR_SELF | APIC_ICR_ASSERT | 0x41);
	sti();
	for (int i = 0; i < 1000000 && !ipis; i++)
		pause();
	cli();
	ASSERT_EQ(ipis, 1);
	/* The EOI went through: a second IPI is taken too. */
	wrmsr(HV_MSR_ICR, APIC_ICR_SELF | APIC_ICR_ASSERT | 0x41);
	sti();
	for (int i = 0; i < 1000000 && ipis < 2; i++)
		pause();
	cli();
	ASSERT_EQ(ipis, 2);
	memset(assist, 0xa5, 4096);
	wrmsr(HV_MSR_VP_ASSIST_PAGE, (uintptr_t)assist | 1);
	ASSERT_EQ(rdmsr(HV_MSR_VP_ASSIST_PAGE), (uintptr_t)assist | 1);
	ASSERT_EQ(assist[0], 0);
	ASSERT_EQ(assist[4095], 0);
	ASSERT(hv_rdmsr_safe(HV_MSR_EOI, &v));	/* write-only */
	printf("APIC MSRs: TPR, ICR self-IPI and EOI, assist page cleared\n");
}

static void check_misc(void)
{
	for (unsigned int i = 0; i < 5; i++)
		wrmsr(HV_MSR_CRASH_P0 + i, 0x1111ull * (i + 1));
	for (unsigned int i = 0; i < 5; i++)
		ASSERT_EQ(rdmsr(HV_MSR_CRASH_P0 + i), 0x1111ull * (i + 1));
	ASSERT_EQ(rdmsr(HV_MSR_CRASH_CTL), 0);
	ASSERT(rdmsr(HV_MSR_TSC_FREQUENCY) > 0);
	ASSERT(rdmsr(HV_MSR_APIC_FREQUENCY) > 0);
	printf("crash parameters kept; TSC %llu Hz\n",
	       (unsigned long long)rdmsr(HV_MSR_TSC_FREQUENCY));
}

int main(const char *cmdline)
{
	ASSERT(hv_present());
	check_hypercall_page();
	check_clocks();
	check_apic_msrs();
	check_misc();
	return 0;
}
