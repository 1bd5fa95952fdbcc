// SPDX-License-Identifier: GPL-2.0
/*
 * hv_events: hv_vcpu_get/set_events semantics (seed-apis.md 1.3/1.4).
 * NMI pending and the interrupt shadow are set through their VALID_*
 * bits; a set with a VALID bit clear must leave that field alone; a full
 * get/set/get round trip is identical; and the validation errors: unknown
 * flags, VALID_PAYLOAD without the capability enabled, exception vector 2
 * or > 31, VALID_TRIPLE_FAULT without its capability, and SMM requested
 * where the backend has no SMM.
 */
#include "hvtest.h"

#define VALID_NMI_PENDING	0x01
#define VALID_SIPI_VECTOR	0x02
#define VALID_SHADOW		0x04
#define VALID_SMM		0x08
#define VALID_PAYLOAD		0x10
#define VALID_TRIPLE_FAULT	0x20

#define SHADOW_INT_MOV_SS	0x01

static struct kvm_vcpu_events get(struct hvt *t)
{
	struct kvm_vcpu_events ev;

	memset(&ev, 0xcc, sizeof(ev));
	CHECK_OK(hv_vcpu_get_events(t->vcpu, &ev));
	return ev;
}

int main(void)
{
	struct kvm_vcpu_events ev, a, b;
	struct hvt t;
	int smm, ret;

	hvt_setup(&t, NULL, 0, false);
	hvt_require_cap(t.hv, HV_CAP_VCPU_EVENTS);

	ev = get(&t);
	CHECK((ev.flags & (VALID_NMI_PENDING | VALID_SHADOW | VALID_SMM)) ==
		  (VALID_NMI_PENDING | VALID_SHADOW | VALID_SMM),
		  "get reports flags 0x%x", ev.flags);
	CHECK(!(ev.flags & (VALID_PAYLOAD | VALID_TRIPLE_FAULT)),
		  "get reports capability-gated flags 0x%x before enabling",
		  ev.flags);
	CHECK(!ev.nmi.pending && !ev.interrupt.shadow && !ev.smi.smm,
		  "fresh vCPU has events pending");

	/* NMI pending and MOV-SS shadow, each through its VALID bit. */
	ev.flags = VALID_NMI_PENDING | VALID_SHADOW;
	ev.nmi.pending = 1;
	ev.interrupt.shadow = SHADOW_INT_MOV_SS;
	CHECK_OK(hv_vcpu_set_events(t.vcpu, &ev));
	a = get(&t);
	CHECK(a.nmi.pending == 1, "NMI pending not set (%u)",
		  a.nmi.pending);
	CHECK(a.interrupt.shadow == SHADOW_INT_MOV_SS,
		  "interrupt shadow not set (%u)", a.interrupt.shadow);

	/* VALID bits clear: those fields must not be written. */
	ev = a;
	ev.flags = 0;
	ev.nmi.pending = 0;
	ev.interrupt.shadow = 0;
	CHECK_OK(hv_vcpu_set_events(t.vcpu, &ev));
	b = get(&t);
	CHECK(b.nmi.pending == 1,
		  "NMI pending cleared although VALID_NMI_PENDING was clear");
	CHECK(b.interrupt.shadow == SHADOW_INT_MOV_SS,
		  "shadow cleared although VALID_SHADOW was clear");

	/* Round trip. */
	a = get(&t);
	CHECK_OK(hv_vcpu_set_events(t.vcpu, &a));
	b = get(&t);
	CHECK(!memcmp(&a, &b, sizeof(a)), "events differ after get/set/get");

	/* Validation. */
	ev = a;
	ev.flags = a.flags | 0x80;
	CHECK_ERRNO(hv_vcpu_set_events(t.vcpu, &ev), EINVAL);
	ev.flags = VALID_PAYLOAD;
	CHECK_ERRNO(hv_vcpu_set_events(t.vcpu, &ev), EINVAL);
	ev.flags = VALID_TRIPLE_FAULT;
	ev.triple_fault.pending = 0;
	CHECK_ERRNO(hv_vcpu_set_events(t.vcpu, &ev), EINVAL);
	ev.flags = 0;
	ev.exception.injected = 1;
	ev.exception.nr = 2;
	CHECK_ERRNO(hv_vcpu_set_events(t.vcpu, &ev), EINVAL);
	ev.exception.nr = 32;
	CHECK_ERRNO(hv_vcpu_set_events(t.vcpu, &ev), EINVAL);
	ev.exception.nr = 255;
	CHECK_ERRNO(hv_vcpu_set_events(t.vcpu, &ev), EINVAL);
	/* A legal exception is accepted and reported. */
	ev.exception.nr = 13;
	ev.exception.has_error_code = 1;
	ev.exception.error_code = 0x18;
	CHECK_OK(hv_vcpu_set_events(t.vcpu, &ev));
	b = get(&t);
	CHECK(b.exception.injected && b.exception.nr == 13 &&
		  b.exception.has_error_code && b.exception.error_code == 0x18,
		  "injected #GP(0x18) not reported");
	ev.exception.injected = 0;
	CHECK_OK(hv_vcpu_set_events(t.vcpu, &ev));

	/* SMM: works with the capability, -EINVAL without. */
	smm = hv_check_cap(t.hv, HV_CAP_X86_SMM);
	ev = get(&t);
	ev.flags = VALID_SMM;
	ev.smi.smm = 1;
	ret = hv_vcpu_set_events(t.vcpu, &ev);
	if (smm) {
		CHECK(ret == 0, "SMM capability present but smm=1 gave %d",
			  ret);
		CHECK(get(&t).smi.smm == 1, "smm=1 not reported");
		ev.smi.smm = 0;
		CHECK_OK(hv_vcpu_set_events(t.vcpu, &ev));
	} else {
		CHECK(ret == -EINVAL,
			  "no SMM capability but smm=1 gave %d, want -EINVAL",
			  ret);
		CHECK(get(&t).smi.smm == 0, "refused smm=1 entered SMM");
		ev.smi.smm = 0;
		ev.smi.pending = 1;
		CHECK_ERRNO(hv_vcpu_set_events(t.vcpu, &ev), EINVAL);
		CHECK_ERRNO(hv_vcpu_smi(t.vcpu), EOPNOTSUPP);
	}

	/* With the payload capability enabled, VALID_PAYLOAD is accepted. */
	if (hv_check_cap(t.hv, HV_CAP_EXCEPTION_PAYLOAD)) {
		CHECK_OK(hv_vm_enable_cap(t.vm, HV_CAP_EXCEPTION_PAYLOAD, 1));
		ev = get(&t);
		CHECK(ev.flags & VALID_PAYLOAD,
			  "payload enabled but get lacks VALID_PAYLOAD");
		ev.flags = VALID_PAYLOAD;
		ev.exception.pending = 1;
		ev.exception.nr = 14;
		ev.exception.has_error_code = 1;
		ev.exception.error_code = 2;
		ev.exception_has_payload = 1;
		ev.exception_payload = 0xdead000;
		CHECK_OK(hv_vcpu_set_events(t.vcpu, &ev));
		b = get(&t);
		CHECK(b.exception.pending && b.exception.nr == 14 &&
			  b.exception_has_payload &&
			  b.exception_payload == 0xdead000,
			  "pending #PF with payload not reported");
	} else {
		printf("exception payload: not supported, VALID_PAYLOAD only checked refused\n");
	}
	if (hv_check_cap(t.hv, HV_CAP_TRIPLE_FAULT_EVENT)) {
		CHECK_OK(hv_vm_enable_cap(t.vm, HV_CAP_TRIPLE_FAULT_EVENT, 1));
		ev = get(&t);
		CHECK(ev.flags & VALID_TRIPLE_FAULT,
			  "triple-fault event enabled but get lacks its flag");
	}

	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
