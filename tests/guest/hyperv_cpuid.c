// SPDX-License-Identifier: GPL-2.0
/*
 * hyperv_cpuid.c - the Hyper-V CPUID leaves and MSR gates a guest sees
 * for a --hyperv feature list.  The manifest passes the same list as
 * "hv=a,b,c" on the command line (plus "enforce" with enforce-cpuid), and
 * the guest derives every expected bit from it on its own (QEMU's mapping
 * of hv-* properties), then checks:
 *  - 0x40000000: vendor, max leaf; 0x40000001 "Hv#1"; 0x40000003 EAX, EBX,
 *    EDX and 0x40000004 EAX bit for bit; 0x40000080-82 with syndbg;
 *  - each Hyper-V MSR: with enforce-cpuid it faults exactly when its
 *    feature bit is missing; without, it works (syndbg MSRs only with the
 *    syndbg leaves, as KVM gates them on 0x40000082).
 */
#include "hyperv.h"

static bool has(const char *name)
{
	const char *list = cmdline_get("hv");
	size_t n = strlen(name);

	while (list && *list) {
		const char *end = list;

		while (*end && *end != ',')
			end++;
		if ((size_t)(end - list) == n && !memcmp(list, name, n))
			return true;
		list = *end ? end + 1 : end;
	}
	return false;
}

static uint32_t exp_eax, exp_ebx, exp_edx, exp_hint;

static void expected(void)
{
	bool stimer = has("stimer") || has("stimer-direct");
	bool synic = has("synic") || stimer || has("syndbg");
	bool dbg = has("syndbg");
	bool tlbflush = has("tlbflush") || has("tlbflush-ext");

	exp_eax = HV_HYPERCALL;
	if (has("vapic"))
		exp_eax |= HV_APIC_ACCESS, exp_hint |= HV_APIC_RECOMMENDED;
	if (has("time") || stimer)
		exp_eax |= HV_TIME_REF_COUNT | HV_REFERENCE_TSC;
	if (has("reset"))
		exp_eax |= HV_RESET;
	if (has("vpindex") || synic || tlbflush || has("ipi"))
		exp_eax |= HV_VP_INDEX;
	if (has("runtime"))
		exp_eax |= HV_VP_RUNTIME;
	if (synic)
		exp_eax |= HV_SYNIC;
	if (stimer)
		exp_eax |= HV_SYNTIMER, exp_edx |= HV_STIMER_DIRECT;
	if (has("frequencies"))
		exp_eax |= HV_FREQUENCY_MSRS, exp_edx |= HV_FREQ_AVAILABLE;
	if (has("crash"))
		exp_edx |= HV_CRASH_MSRS;
	if (has("relaxed") || dbg)
		exp_hint |= HV_RELAXED_RECOMMENDED;
	if (tlbflush)
		exp_hint |= HV_TLB_FLUSH_RECOMMENDED | HV_EX_MASKS_RECOMMENDED;
	if (has("tlbflush-ext"))
		exp_edx |= HV_EXT_GVA_RANGES_FLUSH;
	if (has("ipi"))
		exp_hint |= HV_CLUSTER_IPI_RECOMMENDED | HV_EX_MASKS_RECOMMENDED;
	if (has("xmm-input"))
		exp_edx |= HV_XMM_INPUT;
	if (dbg) {
		exp_ebx |= HV_DEBUGGING;
		exp_edx |= HV_GUEST_DEBUGGING | HV_DEBUG_MSRS;
	}
}

static void check_leaves(void)
{
	const char *want_vendor = cmdline_get("vendor");
	struct cpuid_regs r;
	char v[13];

	static char want[13];

	ASSERT(hv_present());
	hv_vendor(HV_CPUID_VENDOR, v);
	/* "vendor=Linux_KVM_Hv": the command line has no spaces in values. */
	memcpy(want, want_vendor ? want_vendor : "Microsoft Hv", 12);
	for (int i = 0; i < 12; i++)
		if (want[i] == '_')
			want[i] = ' ';
	want_vendor = want;
	if (strcmp(v, want_vendor))
		exit_fail("vendor \"%s\", want \"%s\"", v, want_vendor);
	r = cpuid(HV_CPUID_VENDOR);
	ASSERT_EQ(r.a, has("syndbg") ? 0x40000082u : 0x40000005u);
	r = cpuid(HV_CPUID_FEATURES);
	ASSERT_EQ(r.a, exp_eax);
	ASSERT_EQ(r.b, exp_ebx);
	ASSERT_EQ(r.d, exp_edx);
	r = cpuid(HV_CPUID_ENLIGHTENMENT);
	ASSERT_EQ(r.a, exp_hint);
	ASSERT_EQ(r.b, 0xffffffffu);	/* spinlock retries: never notify */
	r = cpuid(HV_CPUID_LIMITS);
	ASSERT(r.a >= 1);
	r = cpuid(HV_CPUID_SYNDBG_PLATFORM);
	if (has("syndbg")) {
		ASSERT_EQ(r.a, 2u);	/* ALLOW_KERNEL_DEBUGGING */
		ASSERT_EQ(cpuid(HV_CPUID_SYNDBG_INTERFACE).a, 0x31235356u);
		hv_vendor(HV_CPUID_SYNDBG_VENDOR, v);
		ASSERT(!strcmp(v, want_vendor));
	}
	printf("leaves: eax 0x%x ebx 0x%x edx 0x%x hints 0x%x\n", exp_eax,
	       exp_ebx, exp_edx, exp_hint);
}

static const struct {
	uint32_t msr;
	uint32_t eax, edx;	/* the bits that allow it */
	bool syndbg;
} msrs[] = {
	{ HV_MSR_GUEST_OS_ID, HV_HYPERCALL, 0, false },
	{ HV_MSR_HYPERCALL, HV_HYPERCALL, 0, false },
	{ HV_MSR_VP_INDEX, HV_VP_INDEX, 0, false },
	{ HV_MSR_VP_RUNTIME, HV_VP_RUNTIME, 0, false },
	{ HV_MSR_TIME_REF_COUNT, HV_TIME_REF_COUNT, 0, false },
	{ HV_MSR_REFERENCE_TSC, HV_REFERENCE_TSC, 0, false },
	{ HV_MSR_RESET, HV_RESET, 0, false },
	{ HV_MSR_TSC_FREQUENCY, HV_FREQUENCY_MSRS, 0, false },
	{ HV_MSR_APIC_FREQUENCY, HV_FREQUENCY_MSRS, 0, false },
	{ HV_MSR_TPR, HV_APIC_ACCESS, 0, false },
	{ HV_MSR_VP_ASSIST_PAGE, HV_APIC_ACCESS, 0, false },
	{ HV_MSR_SCONTROL, HV_SYNIC, 0, false },
	{ HV_MSR_SIMP, HV_SYNIC, 0, false },
	{ HV_MSR_SINT0, HV_SYNIC, 0, false },
	{ HV_MSR_STIMER0_CONFIG, HV_SYNTIMER, 0, false },
	{ HV_MSR_CRASH_P0, 0, HV_CRASH_MSRS, false },
	{ HV_MSR_CRASH_CTL, 0, HV_CRASH_MSRS, false },
	{ HV_MSR_SYNDBG_STATUS, 0, HV_DEBUG_MSRS, true },
	{ HV_MSR_SYNDBG_OPTIONS, 0, HV_DEBUG_MSRS, true },
};

static void check_gates(void)
{
	bool enforce = cmdline_get("enforce") != NULL;
	unsigned int i, faults = 0;
	uint64_t v;

	for (i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
		bool allowed = (exp_eax & msrs[i].eax) == msrs[i].eax &&
			       (exp_edx & msrs[i].edx) == msrs[i].edx;
		bool want_fault = enforce ? !allowed :
				  (msrs[i].syndbg && !has("syndbg"));
		bool fault;

		/* SynIC registers exist only where the VMM enabled SynIC. */
		if (!enforce && (msrs[i].eax & HV_SYNIC))
			want_fault = !(exp_eax & HV_SYNIC);
		fault = hv_rdmsr_safe(msrs[i].msr, &v);
		if (fault != want_fault)
			exit_fail("MSR 0x%x: %s, want %s", msrs[i].msr,
				  fault ? "#GP" : "readable",
				  want_fault ? "#GP" : "readable");
		faults += fault;
	}
	printf("MSR gates (%s): %u of %u fault as expected\n",
	       enforce ? "enforce-cpuid" : "no enforcement", faults, i);
}

int main(const char *cmdline)
{
	expected();
	check_leaves();
	check_gates();
	return 0;
}
