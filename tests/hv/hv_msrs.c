// SPDX-License-Identifier: GPL-2.0
/*
 * hv_msrs: MSRs whose semantics are KVM's own rather than a vendor's.
 * MSR_K7_HWCR (0xc0010015): the flush-filter, IGNNE and TLB-cache disable
 * bits are accepted and dropped, McStatusWrEn and TscFreqSel kept, any
 * other bit refused, from the host and from the guest (#GP) alike.
 * MSR_IA32_POWER_CTL (0x1fc) stores what is written.  IA32_TSC and
 * TSC_ADJUST: a host write of either leaves the other alone, a guest
 * write of the TSC moves TSC_ADJUST by as much.  A vCPU created after a
 * host TSC write shares that TSC once it runs at the same frequency (KVM's
 * TSC synchronization).
 */
#include "hvtest.h"

#define MSR_HWCR	0xc0010015u
#define MSR_POWER_CTL	0x1fcu
#define MSR_TSC		0x10u
#define MSR_TSC_ADJUST	0x3bu
#define GP_HANDLER	0x1100u
#define TSC_CODE	0x1200u
/* Far apart, so that time passing under load cannot blur the checks. */
#define HOST_TSC	1000000000000ull
#define GUEST_TSC	(1ull << 44)
#define SLACK		(1ull << 36)

static const uint8_t tsc_guest[] = {
	0x66, 0xb9, 0x10, 0x00, 0x00, 0x00,	/* mov ecx, 0x10 */
	0x66, 0x31, 0xc0,			/* xor eax, eax */
	0x66, 0xba, 0x00, 0x10, 0x00, 0x00,	/* mov edx, 0x1000 */
	0x0f, 0x30,				/* wrmsr: TSC = 1 << 44 */
	0xf4,					/* hlt */
};

static const uint8_t guest[] = {
	0x66, 0xb9, 0x15, 0x00, 0x01, 0xc0,	/* mov ecx, 0xc0010015 */
	0x66, 0xb8, 0x48, 0x01, 0x00, 0x01,	/* mov eax, 0x01000148 */
	0x66, 0x31, 0xd2,			/* xor edx, edx */
	0x0f, 0x30,				/* wrmsr: kept 1 << 24 */
	0x66, 0xb8, 0x01, 0x00, 0x00, 0x00,	/* mov eax, 1 */
	0x0f, 0x30,				/* wrmsr: #GP */
	0xf4,					/* hlt: not reached */
};

static int host_set(struct hvt *t, uint32_t idx, uint64_t v)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = idx, .e.data = v };

	return hv_vcpu_set_msrs(t->vcpu, &m.h);
}

static uint64_t vcpu_get(struct hv_vcpu *vcpu, uint32_t idx)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = idx };

	CHECK(hv_vcpu_get_msrs(vcpu, &m.h) == 1,
	      "host read of MSR 0x%x refused", idx);
	return m.e.data;
}

static uint64_t host_get(struct hvt *t, uint32_t idx)
{
	return vcpu_get(t->vcpu, idx);
}

/*
 * vCPU 1, created after vCPU 0's TSC was written at @khz: once it runs at
 * that frequency too, it reads the same TSC.
 */
static void check_tsc_sync(struct hvt *t, uint32_t khz)
{
	struct hv_vcpu *v1;
	uint64_t t0, t1, t2;

	CHECK_OK(hv_vcpu_set_tsc_khz(t->vcpu, khz));
	CHECK(host_set(t, MSR_TSC, HOST_TSC) == 1, "TSC refused");
	CHECK_OK(hv_vcpu_create(t->vm, 1, &v1));
	CHECK_OK(hv_vcpu_set_tsc_khz(v1, khz));
	t0 = host_get(t, MSR_TSC);
	t1 = vcpu_get(v1, MSR_TSC);
	t2 = host_get(t, MSR_TSC);
	CHECK(t0 <= t1 && t1 <= t2 && t0 >= HOST_TSC,
	      "vCPU 1's TSC %llu not between vCPU 0's %llu and %llu",
	      (unsigned long long)t1, (unsigned long long)t0,
	      (unsigned long long)t2);
	hv_vcpu_destroy(v1);
	printf("TSC synchronization: a later vCPU at the same frequency shares the TSC\n");
}

int main(void)
{
	const uint64_t ignored = 1ull << 3 | 1ull << 6 | 1ull << 8;
	const uint64_t valid = 1ull << 18 | 1ull << 24;
	uint16_t ivt_gp[2] = { GP_HANDLER, 0 };
	struct kvm_regs regs;
	uint64_t tsc, adj;
	struct hvt t;
	int bit;

	hvt_setup(&t, guest, sizeof(guest), false);
	memcpy(t.ram + 13 * 4, ivt_gp, sizeof(ivt_gp));
	t.ram[GP_HANDLER] = 0xf4;	/* hlt */

	for (bit = 0; bit < 64; bit++) {
		uint64_t v = 1ull << bit;
		int want = (v & ~(ignored | valid)) ? 0 : 1;

		CHECK(host_set(&t, MSR_HWCR, v) == want,
		      "host HWCR bit %d: %s", bit, want ? "refused" : "taken");
		CHECK(host_get(&t, MSR_HWCR) == (v & valid),
		      "host HWCR bit %d reads 0x%llx", bit,
		      (unsigned long long)host_get(&t, MSR_HWCR));
		CHECK(host_set(&t, MSR_HWCR, 0) == 1, "HWCR 0 refused");
	}
	printf("HWCR from the host: ignored bits dropped, valid kept, rest refused\n");

	hvt_run(&t, HV_EXIT_HLT);
	CHECK_OK(hv_vcpu_get_regs(t.vcpu, &regs));
	CHECK(regs.rip == GP_HANDLER + 1, "HLT at 0x%llx, want the #GP handler",
	      (unsigned long long)regs.rip);
	CHECK(host_get(&t, MSR_HWCR) == 1ull << 24, "guest HWCR write: 0x%llx",
	      (unsigned long long)host_get(&t, MSR_HWCR));
	printf("HWCR from the guest: same rules, #GP for the rest\n");

	CHECK(host_set(&t, MSR_POWER_CTL, 0x1234) == 1, "POWER_CTL refused");
	CHECK(host_get(&t, MSR_POWER_CTL) == 0x1234, "POWER_CTL not kept");
	printf("POWER_CTL stores what is written\n");

	/*
	 * This host's nested KVM does not keep a host TSC write (the
	 * kernel's own tsc_msrs_test fails on it), so emu alone is held
	 * to KVM's documented behaviour here.
	 */
	if (hvt_accel() != HV_ACCEL_EMU) {
		check_subskip("TSC writes: this host's nested KVM does not keep host TSC writes");
		goto out;
	}
	CHECK(host_set(&t, MSR_TSC_ADJUST, 0) == 1, "TSC_ADJUST refused");
	CHECK(host_set(&t, MSR_TSC, HOST_TSC) == 1, "TSC refused");
	CHECK(host_get(&t, MSR_TSC_ADJUST) == 0,
	      "host TSC write moved TSC_ADJUST");
	CHECK(host_set(&t, MSR_TSC_ADJUST, 12345) == 1, "TSC_ADJUST refused");
	tsc = host_get(&t, MSR_TSC);
	CHECK(tsc >= HOST_TSC && tsc < HOST_TSC + SLACK,
	      "host TSC_ADJUST write moved the TSC: %llu",
	      (unsigned long long)tsc);
	CHECK(host_set(&t, MSR_TSC_ADJUST, 0) == 1, "TSC_ADJUST refused");
	memcpy(t.ram + TSC_CODE, tsc_guest, sizeof(tsc_guest));
	regs.rip = TSC_CODE;
	CHECK_OK(hv_vcpu_set_regs(t.vcpu, &regs));
	hvt_run(&t, HV_EXIT_HLT);
	adj = host_get(&t, MSR_TSC_ADJUST);
	CHECK(adj <= GUEST_TSC - HOST_TSC && adj > GUEST_TSC - HOST_TSC - SLACK,
	      "guest TSC write: TSC_ADJUST %llu",
	      (unsigned long long)adj);
	tsc = host_get(&t, MSR_TSC);
	CHECK(tsc >= GUEST_TSC && tsc < GUEST_TSC + SLACK, "TSC %llu",
	      (unsigned long long)tsc);
	printf("TSC and TSC_ADJUST: host writes apart, guest TSC write moves both\n");
	check_tsc_sync(&t, 2345678);
out:
	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
