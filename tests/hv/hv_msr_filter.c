// SPDX-License-Identifier: GPL-2.0
/*
 * hv_msr_filter: KVM_CAP_X86_USER_SPACE_MSR and KVM_X86_SET_MSR_FILTER as
 * KVM implements them.  An MSR no one implements exits with reason
 * UNKNOWN and the VMM's data becomes EDX:EAX; a read the filter denies
 * exits with reason FILTER; an allowed write is handled in the backend;
 * an error answer is a #GP in the guest.  Without FILTER in the exit mask
 * a denied access is a #GP.  Host MSR accesses are never filtered.  Bad
 * filters and exit masks are -EINVAL.
 */
#include "hvtest.h"

#define MSR_FAKE	0x474f4f00u
#define MSR_SYSENTER_CS	0x174u
#define GP_HANDLER	0x1100u

static const uint8_t guest[] = {
	0x66, 0xb9, 0x00, 0x4f, 0x4f, 0x47,	/* 0x1000: mov ecx, MSR_FAKE */
	0x0f, 0x32,				/* rdmsr: UNKNOWN exit */
	0x66, 0xa3, 0x00, 0x20,			/* mov [0x2000], eax */
	0x66, 0x89, 0x16, 0x04, 0x20,		/* mov [0x2004], edx */
	0x66, 0xb9, 0x74, 0x01, 0x00, 0x00,	/* 0x1011: mov ecx, 0x174 */
	0x0f, 0x32,				/* rdmsr: FILTER exit */
	0x66, 0xa3, 0x08, 0x20,			/* mov [0x2008], eax */
	0x66, 0xb8, 0x10, 0x00, 0x00, 0x00,	/* mov eax, 0x10 */
	0x66, 0x31, 0xd2,			/* xor edx, edx */
	0x0f, 0x30,				/* wrmsr: allowed, no exit */
	0x66, 0xb9, 0x00, 0x4f, 0x4f, 0x47,	/* mov ecx, MSR_FAKE */
	0x0f, 0x30,				/* wrmsr: UNKNOWN exit */
	0xf4,					/* hlt: not reached */
};

static struct hv_exit *run_msr(struct hvt *t, uint32_t reason, uint32_t why,
			       uint32_t idx)
{
	struct hv_exit *e = hvt_run(t, reason);

	CHECK(e->msr.reason == why && e->msr.index == idx,
	      "MSR exit: reason %u index 0x%x, want %u 0x%x",
	      e->msr.reason, e->msr.index, why, idx);
	return e;
}

static uint64_t rip(struct hvt *t)
{
	struct kvm_regs regs;

	CHECK_OK(hv_vcpu_get_regs(t->vcpu, &regs));
	return regs.rip;
}

static void run_to_gp(struct hvt *t)
{
	hvt_run(t, HV_EXIT_HLT);
	CHECK(rip(t) == GP_HANDLER + 1, "HLT at 0x%llx, want the #GP handler",
	      (unsigned long long)rip(t));
}

static uint64_t host_get_msr(struct hvt *t, uint32_t idx)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = idx };

	CHECK(hv_vcpu_get_msrs(t->vcpu, &m.h) == 1,
	      "host read of MSR 0x%x refused", idx);
	return m.e.data;
}

static void set_rip(struct hvt *t, uint64_t ip)
{
	struct kvm_regs regs;

	CHECK_OK(hv_vcpu_get_regs(t->vcpu, &regs));
	regs.rip = ip;
	CHECK_OK(hv_vcpu_set_regs(t->vcpu, &regs));
}

static void test_errors(struct hvt *t)
{
	uint64_t bits = 0;
	struct kvm_msr_filter f = { 0 };

	CHECK_ERRNO(hv_vm_enable_cap(t->vm, HV_CAP_X86_USER_SPACE_MSR, 8),
		    EINVAL);
	f.flags = 2;
	CHECK_ERRNO(hv_vm_set_msr_filter(t->vm, &f), EINVAL);
	/* Deny everything with nothing to allow: refused. */
	f.flags = KVM_MSR_FILTER_DEFAULT_DENY;
	CHECK_ERRNO(hv_vm_set_msr_filter(t->vm, &f), EINVAL);
	f.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
	f.ranges[0].nmsrs = 1;
	f.ranges[0].bitmap = (uint8_t *)&bits;
	f.ranges[0].flags = 0;
	CHECK_ERRNO(hv_vm_set_msr_filter(t->vm, &f), EINVAL);
	f.ranges[0].flags = 4;
	CHECK_ERRNO(hv_vm_set_msr_filter(t->vm, &f), EINVAL);
	f.ranges[0].flags = KVM_MSR_FILTER_READ;
	f.ranges[0].nmsrs = KVM_MSR_FILTER_MAX_BITMAP_SIZE * 8 + 1;
	CHECK_ERRNO(hv_vm_set_msr_filter(t->vm, &f), EINVAL);
	printf("bad exit masks and filters: EINVAL\n");
}

int main(void)
{
	uint64_t deny = 0;
	struct kvm_msr_filter f = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges = { {
			.flags = KVM_MSR_FILTER_READ,
			.nmsrs = 1,
			.base = MSR_SYSENTER_CS,
			.bitmap = (uint8_t *)&deny,
		} },
	};
	uint16_t ivt_gp[2] = { GP_HANDLER, 0 };
	struct hv_exit *e;
	struct hvt t;
	uint32_t v;

	hvt_setup(&t, guest, sizeof(guest), false);
	hvt_require_cap(t.hv, HV_CAP_X86_USER_SPACE_MSR);
	hvt_require_cap(t.hv, HV_CAP_X86_MSR_FILTER);
	memcpy(t.ram + 13 * 4, ivt_gp, sizeof(ivt_gp));
	t.ram[GP_HANDLER] = 0xf4;	/* hlt */
	test_errors(&t);

	CHECK_OK(hv_vm_enable_cap(t.vm, HV_CAP_X86_USER_SPACE_MSR,
				  KVM_MSR_EXIT_REASON_UNKNOWN |
				  KVM_MSR_EXIT_REASON_FILTER));
	CHECK_OK(hv_vm_set_msr_filter(t.vm, &f));
	/* The filter is copied: changing the bitmap now changes nothing. */
	deny = ~0ull;

	e = run_msr(&t, HV_EXIT_RDMSR, KVM_MSR_EXIT_REASON_UNKNOWN, MSR_FAKE);
	e->msr.data = 0x1122334455667788ull;
	e = run_msr(&t, HV_EXIT_RDMSR, KVM_MSR_EXIT_REASON_FILTER,
		    MSR_SYSENTER_CS);
	e->msr.data = 0xabcd;
	e = run_msr(&t, HV_EXIT_WRMSR, KVM_MSR_EXIT_REASON_UNKNOWN, MSR_FAKE);
	CHECK(e->msr.data == 0x10, "WRMSR exit data 0x%llx",
	      (unsigned long long)e->msr.data);
	e->msr.error = 1;
	run_to_gp(&t);
	memcpy(&v, t.ram + 0x2000, 4);
	CHECK(v == 0x55667788, "EAX after the UNKNOWN read: 0x%x", v);
	memcpy(&v, t.ram + 0x2004, 4);
	CHECK(v == 0x11223344, "EDX after the UNKNOWN read: 0x%x", v);
	memcpy(&v, t.ram + 0x2008, 4);
	CHECK(v == 0xabcd, "EAX after the FILTER read: 0x%x", v);
	/* The write the filter allowed went to the backend; host reads pass. */
	CHECK(host_get_msr(&t, MSR_SYSENTER_CS) == 0x10,
	      "SYSENTER_CS not written by the allowed WRMSR");
	printf("UNKNOWN and FILTER exits, allowed write, error -> #GP\n");

	/* Without FILTER in the mask the denied read is a #GP. */
	CHECK_OK(hv_vm_enable_cap(t.vm, HV_CAP_X86_USER_SPACE_MSR,
				  KVM_MSR_EXIT_REASON_UNKNOWN));
	set_rip(&t, 0x1011);
	run_to_gp(&t);
	/* With the filter gone the read is the backend's again. */
	f.ranges[0].nmsrs = 0;
	CHECK_OK(hv_vm_set_msr_filter(t.vm, &f));
	set_rip(&t, 0x1011);
	/* The UNKNOWN write at the end exits; a zero error lets it pass. */
	run_msr(&t, HV_EXIT_WRMSR, KVM_MSR_EXIT_REASON_UNKNOWN, MSR_FAKE);
	hvt_run(&t, HV_EXIT_HLT);
	memcpy(&v, t.ram + 0x2008, 4);
	CHECK(v == 0x10, "EAX after the unfiltered read: 0x%x", v);
	CHECK(rip(&t) == HVT_CODE + sizeof(guest), "HLT at 0x%llx",
	      (unsigned long long)rip(&t));
	printf("denied without the FILTER reason: #GP; no filter: backend\n");
	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
