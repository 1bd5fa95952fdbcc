// SPDX-License-Identifier: GPL-2.0
/*
 * hyperv_synic.c - the Hyper-V synthetic interrupt controller of an emu
 * vCPU: SCONTROL, SVERSION, SIEFP, SIMP, EOM and SINT0-15.
 *
 * As in KVM, the SynIC exists once the VMM enabled it on the vCPU
 * (HV_CAP_HYPERV_SYNIC, KVM_CAP_HYPERV_SYNIC2: pages are never cleared
 * by the backend); guest writes of SCONTROL, SIEFP and SIMP are also
 * reported to the VMM as KVM_EXIT_HYPERV_SYNIC exits (userspace SynIC).
 * A SINT raises its vector as a fixed interrupt on this vCPU's LAPIC;
 * auto-EOI SINTs are EOIed at acceptance (emu_hv_synic_auto_eoi() from
 * the interrupt-acknowledge path).  Messages are written into the 256-byte
 * slot of their SINT in the SIMP page; a busy slot gets the pending flag
 * and the sender retries at EOM (or when the SINT is written).  Everything
 * here runs on the vCPU thread, or on the VMM's while the vCPU is stopped.
 */
#include <errno.h>
#include <string.h>

#include "emu_priv.h"

static void synic_update_auto_eoi(struct emu_hv_vcpu *h)
{
	unsigned int i;

	memset(h->auto_eoi, 0, sizeof(h->auto_eoi));
	for (i = 0; i < HV_SYNIC_SINT_COUNT; i++) {
		uint64_t s = h->sint[i];
		unsigned int vec = s & HV_SYNIC_SINT_VECTOR_MASK;

		if (!(s & HV_SYNIC_SINT_MASKED) && (s & HV_SYNIC_SINT_AUTO_EOI))
			h->auto_eoi[vec / 64] |= 1ull << (vec % 64);
	}
}

bool emu_hv_synic_auto_eoi(struct emu_vcpu *v, int vector)
{
	if (vector < 0 || vector > 255)
		return false;
	return v->hv.auto_eoi[vector / 64] & (1ull << (vector % 64));
}

static int synic_exit(struct emu_vcpu *v, uint32_t msr)
{
	struct emu_hv_vcpu *h = &v->hv;
	struct kvm_hyperv_exit *e = &v->exit.hyperv;

	memset(&v->exit, 0, sizeof(v->exit));
	v->exit.reason = HV_EXIT_HYPERV;
	e->type = KVM_EXIT_HYPERV_SYNIC;
	e->u.synic.msr = msr;
	e->u.synic.control = h->scontrol;
	e->u.synic.evt_page = h->siefp;
	e->u.synic.msg_page = h->simp;
	h->pend = EMU_HV_PEND_SYNIC;
	h->pend_msr = msr;
	return X86_IO_EXIT;
}

int emu_hv_synic_read(struct emu_vcpu *v, uint32_t idx, uint64_t *val,
		      bool host)
{
	struct emu_hv_vcpu *h = &v->hv;

	if (!h->synic_active && !host)
		return -1;
	switch (idx) {
	case HV_X64_MSR_SCONTROL: *val = h->scontrol; return 0;
	case HV_X64_MSR_SVERSION: *val = h->sversion; return 0;
	case HV_X64_MSR_SIEFP: *val = h->siefp; return 0;
	case HV_X64_MSR_SIMP: *val = h->simp; return 0;
	case HV_X64_MSR_EOM: *val = 0; return 0;
	}
	if (idx >= HV_X64_MSR_SINT0 && idx <= HV_X64_MSR_SINT15) {
		*val = h->sint[idx - HV_X64_MSR_SINT0];
		return 0;
	}
	return -1;
}

int emu_hv_synic_write(struct emu_vcpu *v, uint32_t idx, uint64_t val,
		       bool host)
{
	struct emu_hv_vcpu *h = &v->hv;
	unsigned int i;

	if (!h->synic_active && !host)
		return -1;
	switch (idx) {
	case HV_X64_MSR_SCONTROL:
		h->scontrol = val;
		return host ? 0 : synic_exit(v, idx);
	case HV_X64_MSR_SVERSION:
		if (!host)
			return -1;
		h->sversion = val;
		return 0;
	case HV_X64_MSR_SIEFP:
		h->siefp = val;
		return host ? 0 : synic_exit(v, idx);
	case HV_X64_MSR_SIMP:
		h->simp = val;
		return host ? 0 : synic_exit(v, idx);
	case HV_X64_MSR_EOM:
		for (i = 0; i < HV_SYNIC_SINT_COUNT; i++)
			emu_hv_stimer_sint_acked(v, i);
		return 0;
	}
	if (idx >= HV_X64_MSR_SINT0 && idx <= HV_X64_MSR_SINT15) {
		/* Vectors 0-15 are exceptions: refused unless masked. */
		if (!host && !(val & HV_SYNIC_SINT_MASKED) &&
		    (val & HV_SYNIC_SINT_VECTOR_MASK) < 16)
			return -1;
		h->sint[idx - HV_X64_MSR_SINT0] = val;
		synic_update_auto_eoi(h);
		/* An unmasked SINT may have a message waiting. */
		emu_hv_stimer_sint_acked(v, idx - HV_X64_MSR_SINT0);
		return 0;
	}
	return -1;
}

int emu_hv_synic_set_irq(struct emu_vcpu *v, unsigned int sint)
{
	struct emu_hv_vcpu *h = &v->hv;
	struct emu_apic_irq irq = {
		.delivery_mode = EMU_DM_FIXED,
		.assert = true,
	};
	uint64_t s;

	if (sint >= HV_SYNIC_SINT_COUNT || !v->lapic)
		return -1;
	s = h->sint[sint];
	if (!(h->scontrol & HV_SYNIC_CONTROL_ENABLE) ||
	    (s & HV_SYNIC_SINT_MASKED))
		return -1;
	irq.vector = s & HV_SYNIC_SINT_VECTOR_MASK;
	emu_lapic_accept(v->lapic, &irq);
	return 0;
}

int emu_hv_synic_post(struct emu_vcpu *v, unsigned int sint,
		      const void *msg, unsigned int len)
{
	struct emu_hv_vcpu *h = &v->hv;
	uint8_t *page, *slot;
	uint32_t type;

	if (sint >= HV_SYNIC_SINT_COUNT || len > HV_MESSAGE_SIZE || len < 4)
		return -EINVAL;
	if (!(h->scontrol & HV_SYNIC_CONTROL_ENABLE) ||
	    !(h->simp & HV_SYNIC_SIMP_ENABLE) ||
	    (h->sint[sint] & HV_SYNIC_SINT_MASKED))
		return -EAGAIN;
	page = emu_mem_map_page(&v->rd, HV_AS_NORMAL, h->simp & ~0xfffull,
				true);
	if (!page)
		return -EFAULT;
	slot = page + sint * HV_MESSAGE_SIZE;
	memcpy(&type, slot, sizeof(type));
	if (type != HVMSG_NONE) {
		/* Busy: ask the guest for an EOM once it frees the slot. */
		slot[5] |= HV_MESSAGE_FLAG_PENDING;
		return -EAGAIN;
	}
	/* Payload first, the type last: the guest polls the type. */
	memcpy(slot + 4, (const uint8_t *)msg + 4, len - 4);
	__atomic_store_n((uint32_t *)slot, *(const uint32_t *)msg,
			 __ATOMIC_RELEASE);
	emu_hv_synic_set_irq(v, sint);
	return 0;
}
