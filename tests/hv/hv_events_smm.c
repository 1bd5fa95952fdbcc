// SPDX-License-Identifier: GPL-2.0
/*
 * hv_events_smm: SMM state through vCPU events where the backend has SMM:
 * an SMI request shows up as smi.pending, smm=1 round-trips with
 * smm_inside_nmi, and INIT_RECEIVED together with SMM or a pending SMI is
 * refused before any field is applied.
 */
#include "hvtest.h"

#define VALID_SMM	0x08

int main(void)
{
	struct kvm_vcpu_events ev, a, b;
	struct kvm_mp_state mp;
	struct hvt t;

	hvt_setup(&t, NULL, 0, true);
	hvt_require_cap(t.hv, HV_CAP_VCPU_EVENTS);
	hvt_require_cap(t.hv, HV_CAP_X86_SMM);

	CHECK_OK(hv_vcpu_smi(t.vcpu));
	CHECK_OK(hv_vcpu_get_events(t.vcpu, &ev));
	CHECK(ev.smi.pending == 1, "KVM_SMI not reported as smi.pending");

	ev.flags = VALID_SMM;
	ev.smi.smm = 1;
	ev.smi.pending = 0;
	ev.smi.smm_inside_nmi = 1;
	CHECK_OK(hv_vcpu_set_events(t.vcpu, &ev));
	CHECK_OK(hv_vcpu_get_events(t.vcpu, &a));
	CHECK(a.smi.smm == 1 && a.smi.smm_inside_nmi == 1 &&
		  !a.smi.pending, "SMM state not reported back");
	CHECK_OK(hv_vcpu_set_events(t.vcpu, &a));
	CHECK_OK(hv_vcpu_get_events(t.vcpu, &b));
	CHECK(!memcmp(&a, &b, sizeof(a)), "SMM events differ after round trip");

	ev.smi.smm = 0;
	ev.smi.smm_inside_nmi = 0;
	CHECK_OK(hv_vcpu_set_events(t.vcpu, &ev));
	mp.mp_state = KVM_MP_STATE_INIT_RECEIVED;
	CHECK_OK(hv_vcpu_set_mp_state(t.vcpu, &mp));
	ev.smi.smm = 1;
	CHECK_ERRNO(hv_vcpu_set_events(t.vcpu, &ev), EINVAL);
	/* A pending SMI is refused with INIT_RECEIVED too (1.3 step 4). */
	ev.smi.smm = 0;
	ev.smi.pending = 1;
	CHECK_ERRNO(hv_vcpu_set_events(t.vcpu, &ev), EINVAL);
	/* Checked before anything is applied: the NMI must not be set. */
	ev.flags = VALID_SMM | 0x01;
	ev.nmi.pending = 1;
	CHECK_ERRNO(hv_vcpu_set_events(t.vcpu, &ev), EINVAL);
	CHECK_OK(hv_vcpu_get_events(t.vcpu, &a));
	CHECK(!a.nmi.pending && !a.smi.pending,
		  "a refused SET_VCPU_EVENTS changed state");
	/* Without SMM fields the same vCPU takes other events. */
	ev.flags = 0;
	CHECK_OK(hv_vcpu_set_events(t.vcpu, &ev));

	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
