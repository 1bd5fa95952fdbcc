// SPDX-License-Identifier: GPL-2.0
/*
 * hyperv.c - Hyper-V enlightenments on emu: what KVM's arch/x86/kvm/hyperv.c
 * does, in userspace.
 *
 * The guest-visible switch is the CPUID the VMM set (there is no separate
 * enable): Hyper-V MSRs are reachable from the guest once 0x40000001.EAX is
 * "Hv#1", the synthetic debugger once 0x40000082.EAX has
 * ALLOW_KERNEL_DEBUGGING.  With enforce-cpuid (HV_CAP_HYPERV_ENFORCE_CPUID)
 * every MSR and hypercall is checked against the feature bits as well.
 * Host accesses (hv_vcpu_get/set_msrs) always work and never exit, so a
 * state restore can write every value back.
 *
 * Hypercalls are Hyper-V's once the guest set GUEST_OS_ID (KVM's rule
 * since the syndbg series); before that VMCALL is a KVM hypercall.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "emu_priv.h"

#define HV_PAGE_MASK	(~0xfffull)

/* ---------------------------------------------------------------- helpers */

static int hv_write_guest(struct emu_vcpu *v, uint64_t gpa, const void *src,
			  unsigned int len, bool host)
{
	uint8_t *p;

	if ((gpa & 0xfff) + len > EMU_PAGE_SIZE)
		return -EINVAL;
	p = emu_vcpu_map_guest(v, gpa, true, host);
	if (!p)
		return -EFAULT;
	memcpy(p + (gpa & 0xfff), src, len);
	/* Another vCPU may have decoded this page (the hypercall stub). */
	x86_code_tracker_write(v->vm->tracker, gpa, len);
	return 0;
}

uint64_t emu_hv_time_ref(struct emu_hv_vm *hv)
{
	return (uint64_t)((int64_t)emu_now_ns() - atomic_load(&hv->ref_base_ns)) /
	       100;
}

static uint64_t mul_u64_u64_shr64(uint64_t a, uint64_t b)
{
	return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

/* ---------------------------------------------------------------- init */

void emu_hv_vm_init(struct emu_hv_vm *hv)
{
	memset(hv, 0, sizeof(*hv));
	pthread_mutex_init(&hv->lock, NULL);
	atomic_init(&hv->ref_base_ns, (int64_t)emu_now_ns());
}

void emu_hv_vm_fini(struct emu_hv_vm *hv)
{
	pthread_mutex_destroy(&hv->lock);
}

int emu_hv_vcpu_init(struct emu_vcpu *v)
{
	struct emu_hv_vcpu *h = &v->hv;

	memset(h, 0, sizeof(*h));
	h->vp_index = v->vcpu.id;
	h->sversion = HV_SYNIC_VERSION_1;
	for (unsigned int i = 0; i < HV_SYNIC_SINT_COUNT; i++)
		h->sint[i] = HV_SYNIC_SINT_MASKED;
	emu_hv_stimer_init(v);
	return 0;
}

void emu_hv_vcpu_fini(struct emu_vcpu *v)
{
	emu_hv_stimer_fini(v);
}

/* ---------------------------------------------------------------- CPUID */

static const struct kvm_cpuid_entry2 *hv_cpuid(const struct emu_vcpu *v,
					       uint32_t fn)
{
	for (unsigned int i = 0; i < v->cpuid_nent; i++)
		if (v->cpuid[i].function == fn)
			return &v->cpuid[i];
	return NULL;
}

void emu_hv_cpuid_changed(struct emu_vcpu *v)
{
	struct emu_hv_vcpu *h = &v->hv;
	const struct kvm_cpuid_entry2 *e;

	e = hv_cpuid(v, HV_CPUID_INTERFACE);
	h->hyperv_enabled = e && e->eax == HV_INTERFACE_SIGNATURE;
	e = hv_cpuid(v, HV_CPUID_FEATURES);
	h->features_eax = e ? e->eax : 0;
	h->features_ebx = e ? e->ebx : 0;
	h->features_edx = e ? e->edx : 0;
	e = hv_cpuid(v, HV_CPUID_ENLIGHTENMENT);
	h->enlight_eax = e ? e->eax : 0;
	h->enlight_ebx = e ? e->ebx : 0;
	e = hv_cpuid(v, HV_CPUID_SYNDBG_PLATFORM);
	h->syndbg_cap_eax = e ? e->eax : 0;
	e = hv_cpuid(v, 0);
	/* "AuthenticAMD" / "HygonGenuine": the stub uses VMMCALL. */
	h->amd = e && (e->ebx == 0x68747541 || e->ebx == 0x6f677948);
}

static bool syndbg_enabled(struct emu_vcpu *v)
{
	return v->hv.syndbg_cap_eax & HV_X64_SYNDBG_CAP_ALLOW_KERNEL_DEBUGGING;
}

/* KVM's hv_check_msr_access(): only with enforce-cpuid. */
static bool msr_allowed(struct emu_vcpu *v, uint32_t idx)
{
	const struct emu_hv_vcpu *h = &v->hv;
	uint32_t need_eax = 0, need_edx = 0;

	if (!h->enforce_cpuid)
		return true;
	switch (idx) {
	case HV_X64_MSR_VP_RUNTIME:
		need_eax = HV_MSR_VP_RUNTIME_AVAILABLE;
		break;
	case HV_X64_MSR_TIME_REF_COUNT:
		need_eax = HV_MSR_TIME_REF_COUNT_AVAILABLE;
		break;
	case HV_X64_MSR_VP_INDEX:
		need_eax = HV_MSR_VP_INDEX_AVAILABLE;
		break;
	case HV_X64_MSR_REFERENCE_TSC:
		need_eax = HV_MSR_REFERENCE_TSC_AVAILABLE;
		break;
	case HV_X64_MSR_GUEST_OS_ID:
	case HV_X64_MSR_HYPERCALL:
		need_eax = HV_MSR_HYPERCALL_AVAILABLE;
		break;
	case HV_X64_MSR_RESET:
		need_eax = HV_MSR_RESET_AVAILABLE;
		break;
	case HV_X64_MSR_TSC_FREQUENCY:
	case HV_X64_MSR_APIC_FREQUENCY:
		need_eax = HV_ACCESS_FREQUENCY_MSRS;
		break;
	case HV_X64_MSR_EOI:
	case HV_X64_MSR_ICR:
	case HV_X64_MSR_TPR:
	case HV_X64_MSR_VP_ASSIST_PAGE:
		need_eax = HV_MSR_APIC_ACCESS_AVAILABLE;
		break;
	case HV_X64_MSR_CRASH_P0 ... HV_X64_MSR_CRASH_CTL:
		need_edx = HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE;
		break;
	case HV_X64_MSR_REENLIGHTENMENT_CONTROL:
	case HV_X64_MSR_TSC_EMULATION_CONTROL:
	case HV_X64_MSR_TSC_EMULATION_STATUS:
		need_eax = HV_ACCESS_REENLIGHTENMENT;
		break;
	case HV_X64_MSR_TSC_INVARIANT_CONTROL:
		need_eax = HV_ACCESS_TSC_INVARIANT;
		break;
	case HV_X64_MSR_SYNDBG_CONTROL ... HV_X64_MSR_SYNDBG_PENDING_BUFFER:
	case HV_X64_MSR_SYNDBG_OPTIONS:
		need_edx = HV_FEATURE_DEBUG_MSRS_AVAILABLE;
		break;
	default:
		if (idx >= HV_X64_MSR_SCONTROL && idx <= HV_X64_MSR_SINT15)
			need_eax = HV_MSR_SYNIC_AVAILABLE;
		else if (idx >= HV_X64_MSR_STIMER0_CONFIG &&
			 idx <= HV_X64_MSR_STIMER3_COUNT)
			need_eax = HV_MSR_SYNTIMER_AVAILABLE;
		else
			return false;
	}
	return (h->features_eax & need_eax) == need_eax &&
	       (h->features_edx & need_edx) == need_edx;
}

bool emu_hv_msr_owned(uint32_t idx)
{
	switch (idx) {
	case HV_X64_MSR_GUEST_OS_ID:
	case HV_X64_MSR_HYPERCALL:
	case HV_X64_MSR_VP_INDEX:
	case HV_X64_MSR_RESET:
	case HV_X64_MSR_VP_RUNTIME:
	case HV_X64_MSR_TIME_REF_COUNT:
	case HV_X64_MSR_REFERENCE_TSC:
	case HV_X64_MSR_TSC_FREQUENCY:
	case HV_X64_MSR_APIC_FREQUENCY:
	case HV_X64_MSR_EOI:
	case HV_X64_MSR_ICR:
	case HV_X64_MSR_TPR:
	case HV_X64_MSR_VP_ASSIST_PAGE:
	case HV_X64_MSR_SCONTROL ... HV_X64_MSR_EOM:
	case HV_X64_MSR_SINT0 ... HV_X64_MSR_SINT15:
	case HV_X64_MSR_STIMER0_CONFIG ... HV_X64_MSR_STIMER3_COUNT:
	case HV_X64_MSR_SYNDBG_CONTROL ... HV_X64_MSR_SYNDBG_PENDING_BUFFER:
	case HV_X64_MSR_SYNDBG_OPTIONS:
	case HV_X64_MSR_CRASH_P0 ... HV_X64_MSR_CRASH_CTL:
	case HV_X64_MSR_REENLIGHTENMENT_CONTROL:
	case HV_X64_MSR_TSC_EMULATION_CONTROL:
	case HV_X64_MSR_TSC_EMULATION_STATUS:
	case HV_X64_MSR_TSC_INVARIANT_CONTROL:
		return true;
	}
	return false;
}

/* Everything that is state (not EOI/ICR/TPR aliases, not EOM). */
unsigned int emu_hv_msr_list(uint32_t *idx, unsigned int max)
{
	static const uint32_t fixed[] = {
		HV_X64_MSR_GUEST_OS_ID, HV_X64_MSR_HYPERCALL,
		HV_X64_MSR_VP_INDEX, HV_X64_MSR_VP_RUNTIME,
		HV_X64_MSR_TIME_REF_COUNT, HV_X64_MSR_REFERENCE_TSC,
		HV_X64_MSR_VP_ASSIST_PAGE, HV_X64_MSR_SCONTROL,
		HV_X64_MSR_SIEFP, HV_X64_MSR_SIMP,
		HV_X64_MSR_SYNDBG_OPTIONS, HV_X64_MSR_SYNDBG_CONTROL,
		HV_X64_MSR_SYNDBG_STATUS, HV_X64_MSR_SYNDBG_SEND_BUFFER,
		HV_X64_MSR_SYNDBG_RECV_BUFFER, HV_X64_MSR_SYNDBG_PENDING_BUFFER,
		HV_X64_MSR_CRASH_P0, HV_X64_MSR_CRASH_P0 + 1,
		HV_X64_MSR_CRASH_P0 + 2, HV_X64_MSR_CRASH_P0 + 3,
		HV_X64_MSR_CRASH_P4, HV_X64_MSR_CRASH_CTL,
		HV_X64_MSR_REENLIGHTENMENT_CONTROL,
		HV_X64_MSR_TSC_EMULATION_CONTROL,
		HV_X64_MSR_TSC_EMULATION_STATUS,
		HV_X64_MSR_TSC_INVARIANT_CONTROL,
	};
	unsigned int n = 0, i;

#define ADD(x) do { if (idx && n < max) idx[n] = (x); n++; } while (0)
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		ADD(fixed[i]);
	for (i = 0; i < HV_SYNIC_SINT_COUNT; i++)
		ADD(HV_X64_MSR_SINT0 + i);
	/* Config before count: a restored count then re-arms the timer. */
	for (i = 0; i < 2 * HV_SYNIC_STIMER_COUNT; i++)
		ADD(HV_X64_MSR_STIMER0_CONFIG + i);
#undef ADD
	return n;
}

/* ---------------------------------------------------------------- partition */

static void tsc_page_update(struct emu_vcpu *v, bool host)
{
	struct emu_hv_vm *hv = &v->vm->hv;
	struct {
		uint32_t seq, rsvd;
		uint64_t scale;
		int64_t offset;
	} page;
	unsigned int khz = atomic_load(&v->tsc_khz);
	uint64_t ns, tsc, ref;

	if (!(hv->tsc_ref & HV_X64_MSR_TSC_REFERENCE_ENABLE))
		return;
	/* One instant for both clocks, as vcpu.c derives the TSC. */
	ns = emu_now_ns();
	tsc = (uint64_t)((unsigned __int128)ns * khz / 1000000u) +
	      v->cpu->s.tsc_offset;
	ref = (uint64_t)((int64_t)ns - atomic_load(&hv->ref_base_ns)) / 100;
	/* ref (100 ns) = tsc * 10^4 / khz = (tsc * scale) >> 64 + offset */
	page.scale = (uint64_t)(((unsigned __int128)10000 << 64) / khz);
	page.offset = (int64_t)(ref - mul_u64_u64_shr64(tsc, page.scale));
	if (++hv->tsc_seq == 0 || hv->tsc_seq == 0xffffffffu)
		hv->tsc_seq = 1;
	page.seq = hv->tsc_seq;
	page.rsvd = 0;
	/* A page outside RAM leaves the guest on TIME_REF_COUNT, as KVM. */
	hv_write_guest(v, hv->tsc_ref & HV_PAGE_MASK, &page, sizeof(page),
		       host);
}

/*
 * The host moved the guest TSC (IA32_TSC written, a new rate): the page's
 * scale and offset were for the old one, so they are computed again, as
 * KVM recomputes the page on a clock update.  A restore writes the TSC
 * after the Hyper-V MSRs (the clock component comes after the vCPUs);
 * without this the page would lag TIME_REF_COUNT by the time in between.
 */
void emu_hv_tsc_changed(struct emu_vcpu *v)
{
	struct emu_hv_vm *hv = &v->vm->hv;

	pthread_mutex_lock(&hv->lock);
	tsc_page_update(v, true);
	pthread_mutex_unlock(&hv->lock);
}

static int hypercall_page_write(struct emu_vcpu *v, uint64_t data, bool host)
{
	/* VMCALL or VMMCALL, then RET: what KVM patches in. */
	uint8_t stub[4] = { 0x0f, 0x01, v->hv.amd ? 0xd9 : 0xc1, 0xc3 };

	return hv_write_guest(v, data & HV_PAGE_MASK, stub, sizeof(stub),
			      host);
}

static int syndbg_exit(struct emu_vcpu *v, uint32_t msr)
{
	const struct emu_hv_syndbg *s = &v->vm->hv.syndbg;
	struct kvm_hyperv_exit *e = &v->exit.hyperv;

	memset(&v->exit, 0, sizeof(v->exit));
	v->exit.reason = HV_EXIT_HYPERV;
	e->type = KVM_EXIT_HYPERV_SYNDBG;
	e->u.syndbg.msr = msr;
	e->u.syndbg.control = s->control;
	e->u.syndbg.status = s->status;
	e->u.syndbg.send_page = s->send_page;
	e->u.syndbg.recv_page = s->recv_page;
	e->u.syndbg.pending_page = s->pending_page;
	v->hv.pend = EMU_HV_PEND_SYNDBG;
	v->hv.pend_msr = msr;
	return X86_IO_EXIT;
}

static int system_event_exit(struct emu_vcpu *v, uint32_t type, uint32_t msr)
{
	memset(&v->exit, 0, sizeof(v->exit));
	v->exit.reason = HV_EXIT_SYSTEM_EVENT;
	v->exit.system_event.type = type;
	v->hv.pend = EMU_HV_PEND_EVENT;
	v->hv.pend_msr = msr;
	return X86_IO_EXIT;
}

static int pw_write(struct emu_vcpu *v, uint32_t idx, uint64_t data,
		    bool host)
{
	struct emu_hv_vm *hv = &v->vm->hv;
	struct emu_hv_syndbg *s = &hv->syndbg;
	bool exit = false;
	int ret = 0;

	pthread_mutex_lock(&hv->lock);
	switch (idx) {
	case HV_X64_MSR_GUEST_OS_ID:
		hv->guest_os_id = data;
		/* Without an OS id the hypercall page goes away. */
		if (!data)
			hv->hypercall &= ~HV_X64_MSR_HYPERCALL_ENABLE;
		break;
	case HV_X64_MSR_HYPERCALL:
		if (!host && (hv->hypercall & HV_X64_MSR_HYPERCALL_LOCKED))
			break;
		/* The TLFS: no hypercall page before the OS identifies. */
		if (!hv->guest_os_id && !host)
			break;
		if ((data & HV_X64_MSR_HYPERCALL_ENABLE) &&
		    hypercall_page_write(v, data, host)) {
			ret = -1;
			break;
		}
		hv->hypercall = data;
		break;
	case HV_X64_MSR_REFERENCE_TSC:
		hv->tsc_ref = data;
		tsc_page_update(v, host);
		break;
	case HV_X64_MSR_TIME_REF_COUNT:
		/*
		 * Read-only for the guest.  A host write sets the partition's
		 * reference time, as IA32_TSC's sets the TSC: a restored VM
		 * (a new process, a new base) goes on from the time it was
		 * saved at instead of starting over at 0.  KVM ignores the
		 * write (its reference time follows kvmclock, which
		 * KVM_SET_CLOCK restores).  The TSC page follows the clock.
		 */
		if (!host || data > (uint64_t)INT64_MAX / 200) {
			ret = -1;
			break;
		}
		atomic_store(&hv->ref_base_ns,
			     (int64_t)emu_now_ns() - (int64_t)data * 100);
		tsc_page_update(v, host);
		break;
	case HV_X64_MSR_CRASH_P0 ... HV_X64_MSR_CRASH_P4:
		hv->crash_param[idx - HV_X64_MSR_CRASH_P0] = data;
		break;
	case HV_X64_MSR_CRASH_CTL:
		if (host)
			hv->crash_ctl = data & HV_CRASH_CTL_CRASH_NOTIFY;
		else if (data & HV_CRASH_CTL_CRASH_NOTIFY)
			ret = 1;	/* below: crash event */
		break;
	case HV_X64_MSR_RESET:
		if (!host && (data & 1))
			ret = 2;	/* below: reset event */
		break;
	case HV_X64_MSR_REENLIGHTENMENT_CONTROL:
		hv->reenlightenment_control = data;
		break;
	case HV_X64_MSR_TSC_EMULATION_CONTROL:
		hv->tsc_emulation_control = data;
		break;
	case HV_X64_MSR_TSC_EMULATION_STATUS:
		/* The guest may only clear it. */
		if (data && !host)
			ret = -1;
		else
			hv->tsc_emulation_status = data;
		break;
	case HV_X64_MSR_TSC_INVARIANT_CONTROL:
		/* Only EXPOSE_INVARIANT_TSC, and the guest cannot undo it. */
		if ((data & ~HV_EXPOSE_INVARIANT_TSC) ||
		    (!host && hv->invtsc_control && !data))
			ret = -1;
		else
			hv->invtsc_control = data;
		break;
	case HV_X64_MSR_SYNDBG_CONTROL:
		s->control = data;
		exit = !host;
		break;
	case HV_X64_MSR_SYNDBG_STATUS:
		s->status = data;
		break;
	case HV_X64_MSR_SYNDBG_SEND_BUFFER:
		s->send_page = data;
		break;
	case HV_X64_MSR_SYNDBG_RECV_BUFFER:
		s->recv_page = data;
		break;
	case HV_X64_MSR_SYNDBG_PENDING_BUFFER:
		s->pending_page = data;
		exit = !host;
		break;
	case HV_X64_MSR_SYNDBG_OPTIONS:
		s->options = data;
		break;
	default:
		ret = -1;
	}
	pthread_mutex_unlock(&hv->lock);
	if (ret == 1)
		return system_event_exit(v, KVM_SYSTEM_EVENT_CRASH, idx);
	if (ret == 2)
		return system_event_exit(v, KVM_SYSTEM_EVENT_RESET, idx);
	if (ret)
		return host ? -1 : X86_MSR_GP;
	if (exit) {
		pthread_mutex_lock(&hv->lock);
		ret = syndbg_exit(v, idx);
		pthread_mutex_unlock(&hv->lock);
		return ret;
	}
	return 0;
}

static int pw_read(struct emu_vcpu *v, uint32_t idx, uint64_t *val)
{
	struct emu_hv_vm *hv = &v->vm->hv;
	struct emu_hv_syndbg *s = &hv->syndbg;
	int ret = 0;

	pthread_mutex_lock(&hv->lock);
	switch (idx) {
	case HV_X64_MSR_GUEST_OS_ID: *val = hv->guest_os_id; break;
	case HV_X64_MSR_HYPERCALL: *val = hv->hypercall; break;
	case HV_X64_MSR_REFERENCE_TSC: *val = hv->tsc_ref; break;
	case HV_X64_MSR_TIME_REF_COUNT: *val = emu_hv_time_ref(hv); break;
	case HV_X64_MSR_CRASH_P0 ... HV_X64_MSR_CRASH_P4:
		*val = hv->crash_param[idx - HV_X64_MSR_CRASH_P0];
		break;
	case HV_X64_MSR_CRASH_CTL: *val = hv->crash_ctl; break;
	case HV_X64_MSR_RESET: *val = 0; break;
	case HV_X64_MSR_REENLIGHTENMENT_CONTROL:
		*val = hv->reenlightenment_control;
		break;
	case HV_X64_MSR_TSC_EMULATION_CONTROL:
		*val = hv->tsc_emulation_control;
		break;
	case HV_X64_MSR_TSC_EMULATION_STATUS:
		*val = hv->tsc_emulation_status;
		break;
	case HV_X64_MSR_TSC_INVARIANT_CONTROL: *val = hv->invtsc_control; break;
	case HV_X64_MSR_SYNDBG_CONTROL: *val = s->control; break;
	case HV_X64_MSR_SYNDBG_STATUS: *val = s->status; break;
	case HV_X64_MSR_SYNDBG_SEND_BUFFER: *val = s->send_page; break;
	case HV_X64_MSR_SYNDBG_RECV_BUFFER: *val = s->recv_page; break;
	case HV_X64_MSR_SYNDBG_PENDING_BUFFER: *val = s->pending_page; break;
	case HV_X64_MSR_SYNDBG_OPTIONS: *val = s->options; break;
	default: ret = -1;
	}
	pthread_mutex_unlock(&hv->lock);
	return ret;
}

/* ---------------------------------------------------------------- per vCPU */

/*
 * HV_X64_MSR_EOI/ICR/TPR are the LAPIC's EOI, ICR and TPR in either mode:
 * through the x2APIC MSRs when the LAPIC is in x2APIC mode (its MMIO page
 * is off then), else through the xAPIC registers.
 */
static int apic_msr(struct emu_vcpu *v, uint32_t idx, uint64_t *val,
		    bool write, bool host)
{
	struct emu_lapic *l = v->lapic;
	uint32_t reg, lo, hi;

	if (!l)
		return -1;
	switch (idx) {
	case HV_X64_MSR_EOI:
		if (!write)
			return -1;	/* write-only, as in KVM */
		reg = 0xb0;
		break;
	case HV_X64_MSR_TPR:
		reg = 0x80;
		break;
	case HV_X64_MSR_ICR:
		reg = 0x300;
		break;
	default:
		return -1;
	}
	if (emu_lapic_x2apic(l)) {
		uint32_t msr = 0x800 + (reg >> 4);

		if (idx == HV_X64_MSR_EOI)
			return emu_lapic_msr_write(l, msr, 0);
		return write ? emu_lapic_msr_write(l, msr, *val) :
			       emu_lapic_msr_read(l, msr, val);
	}
	if (idx == HV_X64_MSR_ICR) {
		if (write) {
			hi = *val >> 32;
			lo = (uint32_t)*val;
			emu_lapic_mmio_write(l, 0x310, &hi, 4);
			emu_lapic_mmio_write(l, 0x300, &lo, 4);
		} else {
			emu_lapic_mmio_read(l, 0x310, &hi, 4);
			emu_lapic_mmio_read(l, 0x300, &lo, 4);
			*val = (uint64_t)hi << 32 | lo;
		}
		return 0;
	}
	if (write) {
		lo = idx == HV_X64_MSR_EOI ? 0 : (uint32_t)*val;
		emu_lapic_mmio_write(l, reg, &lo, 4);
	} else {
		emu_lapic_mmio_read(l, reg, &lo, 4);
		*val = lo;
	}
	return 0;
}

static int vp_write(struct emu_vcpu *v, uint32_t idx, uint64_t data,
		    bool host)
{
	struct emu_hv_vcpu *h = &v->hv;
	static const uint8_t zero[EMU_PAGE_SIZE];

	switch (idx) {
	case HV_X64_MSR_VP_INDEX:
		if (!host || data >= EMU_MAX_VCPUS)
			return -1;
		h->vp_index = data;
		return 0;
	case HV_X64_MSR_VP_RUNTIME:
		if (!host)
			return -1;
		h->runtime_ns = data * 100;
		return 0;
	case HV_X64_MSR_VP_ASSIST_PAGE:
		/* KVM clears a newly enabled assist page for the guest. */
		if (!host && (data & HV_X64_MSR_VP_ASSIST_PAGE_ENABLE) &&
		    hv_write_guest(v, data & HV_PAGE_MASK, zero, sizeof(zero),
				   false))
			return -1;
		h->vp_assist = data;
		return 0;
	case HV_X64_MSR_TSC_FREQUENCY:
	case HV_X64_MSR_APIC_FREQUENCY:
		/* Read-only; a restore may write back what it read. */
		return host ? 0 : -1;
	case HV_X64_MSR_EOI:
	case HV_X64_MSR_ICR:
	case HV_X64_MSR_TPR:
		return apic_msr(v, idx, &data, true, host);
	}
	if (idx >= HV_X64_MSR_SCONTROL && idx <= HV_X64_MSR_SINT15)
		return emu_hv_synic_write(v, idx, data, host);
	if (idx >= HV_X64_MSR_STIMER0_CONFIG && idx <= HV_X64_MSR_STIMER3_COUNT)
		return emu_hv_stimer_write(v, idx, data, host);
	return pw_write(v, idx, data, host);
}

static int vp_read(struct emu_vcpu *v, uint32_t idx, uint64_t *val, bool host)
{
	struct emu_hv_vcpu *h = &v->hv;

	switch (idx) {
	case HV_X64_MSR_VP_INDEX:
		*val = h->vp_index;
		return 0;
	case HV_X64_MSR_VP_RUNTIME:
		*val = emu_vcpu_runtime_ns(v) / 100;
		return 0;
	case HV_X64_MSR_VP_ASSIST_PAGE:
		*val = h->vp_assist;
		return 0;
	case HV_X64_MSR_TSC_FREQUENCY:
		*val = (uint64_t)atomic_load(&v->tsc_khz) * 1000;
		return 0;
	case HV_X64_MSR_APIC_FREQUENCY:
		*val = 1000000000ull;	/* the emu LAPIC timer counts ns */
		return 0;
	case HV_X64_MSR_EOI:
	case HV_X64_MSR_ICR:
	case HV_X64_MSR_TPR:
		return apic_msr(v, idx, val, false, host);
	}
	if (idx >= HV_X64_MSR_SCONTROL && idx <= HV_X64_MSR_SINT15)
		return emu_hv_synic_read(v, idx, val, host);
	if (idx >= HV_X64_MSR_STIMER0_CONFIG && idx <= HV_X64_MSR_STIMER3_COUNT)
		return emu_hv_stimer_read(v, idx, val);
	return pw_read(v, idx, val);
}

static bool is_syndbg_msr(uint32_t idx)
{
	return (idx >= HV_X64_MSR_SYNDBG_CONTROL &&
		idx <= HV_X64_MSR_SYNDBG_PENDING_BUFFER) ||
	       idx == HV_X64_MSR_SYNDBG_OPTIONS;
}

/* Guest access allowed at all?  (Host accesses always are.) */
static bool guest_gate(struct emu_vcpu *v, uint32_t idx)
{
	if (!v->hv.hyperv_enabled)
		return false;
	if (is_syndbg_msr(idx) && !syndbg_enabled(v))
		return false;
	return msr_allowed(v, idx);
}

int emu_hv_msr_read(struct emu_vcpu *v, uint32_t idx, uint64_t *val,
		    bool host)
{
	if (!host && !guest_gate(v, idx))
		return X86_MSR_GP;
	if (vp_read(v, idx, val, host))
		return host ? -1 : X86_MSR_GP;
	return 0;
}

int emu_hv_msr_write(struct emu_vcpu *v, uint32_t idx, uint64_t val,
		     bool host)
{
	struct emu_hv_vcpu *h = &v->hv;
	int r;

	/* The instruction that exited runs again: its completion. */
	if (!host && h->pend != EMU_HV_PEND_NONE && h->pend_msr == idx &&
	    h->pend != EMU_HV_PEND_HCALL) {
		if (h->pend == EMU_HV_PEND_SYNDBG &&
		    idx == HV_X64_MSR_SYNDBG_CONTROL) {
			pthread_mutex_lock(&v->vm->hv.lock);
			v->vm->hv.syndbg.status = v->exit.hyperv.u.syndbg.status;
			pthread_mutex_unlock(&v->vm->hv.lock);
		}
		h->pend = EMU_HV_PEND_NONE;
		return 0;
	}
	if (!host && !guest_gate(v, idx))
		return X86_MSR_GP;
	r = vp_write(v, idx, val, host);
	if (host)
		return r ? -1 : 0;
	if (r == X86_IO_EXIT || r == X86_MSR_GP)
		return r;
	return r ? X86_MSR_GP : 0;
}

int emu_hv_enable_cap(struct emu_vcpu *v, int cap, uint64_t args0)
{
	switch (cap) {
	case HV_CAP_HYPERV_ENFORCE_CPUID:
		v->hv.enforce_cpuid = args0 != 0;
		return 0;
	case HV_CAP_HYPERV_SYNIC:
		v->hv.synic_active = true;
		return 0;
	}
	return -EINVAL;
}

/* ---------------------------------------------------------------- hypercalls */

bool emu_hv_hypercall_enabled(struct emu_vcpu *v)
{
	bool on;

	if (!v->hv.hyperv_enabled)
		return false;
	pthread_mutex_lock(&v->vm->hv.lock);
	on = v->vm->hv.guest_os_id != 0;
	pthread_mutex_unlock(&v->vm->hv.lock);
	return on;
}

/* KVM's hv_check_hypercall_access(). */
static bool hcall_allowed(struct emu_vcpu *v, uint16_t code)
{
	const struct emu_hv_vcpu *h = &v->hv;

	if (!h->enforce_cpuid)
		return true;
	switch (code) {
	case HVCALL_NOTIFY_LONG_SPIN_WAIT:
		return h->enlight_ebx && h->enlight_ebx != 0xffffffffu;
	case HVCALL_POST_MESSAGE:
		return h->features_ebx & HV_POST_MESSAGES;
	case HVCALL_SIGNAL_EVENT:
		return h->features_ebx & HV_SIGNAL_EVENTS;
	case HVCALL_POST_DEBUG_DATA:
	case HVCALL_RETRIEVE_DEBUG_DATA:
	case HVCALL_RESET_DEBUG_SESSION:
		/* Without syndbg the answer is INVALID_HYPERCALL_CODE. */
		return !syndbg_enabled(v) || (h->features_ebx & HV_DEBUGGING);
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX:
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX:
		if (!(h->enlight_eax & HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED))
			return false;
		/* fall through */
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST:
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE:
		return h->enlight_eax & HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED;
	case HVCALL_SEND_IPI_EX:
		if (!(h->enlight_eax & HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED))
			return false;
		/* fall through */
	case HVCALL_SEND_IPI:
		return h->enlight_eax & HV_X64_CLUSTER_IPI_RECOMMENDED;
	case HV_EXT_CALL_QUERY_CAPABILITIES ... HV_EXT_CALL_MAX:
		return h->features_ebx & HV_ENABLE_EXTENDED_HYPERCALLS;
	}
	return true;
}

static void hcall_set_result(struct emu_vcpu *v, uint64_t result, bool op64)
{
	uint64_t *g = v->cpu->s.gpr;

	if (op64) {
		g[X86_RAX] = result;
	} else {
		g[X86_RDX] = result >> 32;
		g[X86_RAX] = (uint32_t)result;
	}
}

static int hcall_exit(struct emu_vcpu *v, uint64_t param, uint64_t ingpa,
		      uint64_t outgpa)
{
	struct kvm_hyperv_exit *e = &v->exit.hyperv;

	memset(&v->exit, 0, sizeof(v->exit));
	v->exit.reason = HV_EXIT_HYPERV;
	e->type = KVM_EXIT_HYPERV_HCALL;
	e->u.hcall.input = param;
	e->u.hcall.params[0] = ingpa;
	e->u.hcall.params[1] = outgpa;
	v->hv.pend = EMU_HV_PEND_HCALL;
	return X86_IO_EXIT;
}

/* The hypercalls that may take fast input in XMM registers. */
static bool hcall_xmm_fast(uint16_t code)
{
	switch (code) {
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST:
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE:
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX:
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX:
	case HVCALL_SEND_IPI_EX:
		return true;
	}
	return false;
}

static void hcall_read_xmm(struct emu_vcpu *v, struct emu_hv_hcall *hc)
{
	const struct x86_fxsave *fx = &v->cpu->s.fx;
	unsigned int i;

	for (i = 0; i < HV_HYPERCALL_MAX_XMM_REGISTERS; i++) {
		memcpy(&hc->xmm[2 * i], fx->xmm[i], 8);
		memcpy(&hc->xmm[2 * i + 1], fx->xmm[i] + 8, 8);
	}
}

int emu_hv_hypercall(struct emu_vcpu *v, unsigned int cpl, bool op64)
{
	struct x86_state *s = &v->cpu->s;
	struct emu_hv_hcall hc = { 0 };
	uint64_t ret = HV_STATUS_SUCCESS;

	if (v->hv.pend == EMU_HV_PEND_HCALL) {
		/* The VMM answered; its status is the return value. */
		v->hv.pend = EMU_HV_PEND_NONE;
		hcall_set_result(v, v->exit.hyperv.u.hcall.result, op64);
		return 0;
	}
	/* The TLFS: #UD from CPL > 0 and from real mode. */
	if (cpl != 0 || !(s->cr0 & X86_CR0_PE))
		return X86_HC_UD;
	if (op64) {
		hc.param = s->gpr[X86_RCX];
		hc.ingpa = s->gpr[X86_RDX];
		hc.outgpa = s->gpr[X86_R8];
	} else {
		hc.param = (s->gpr[X86_RDX] << 32) | (uint32_t)s->gpr[X86_RAX];
		hc.ingpa = (s->gpr[X86_RBX] << 32) | (uint32_t)s->gpr[X86_RCX];
		hc.outgpa = (s->gpr[X86_RDI] << 32) | (uint32_t)s->gpr[X86_RSI];
	}
	hc.code = hc.param & 0xffff;
	hc.fast = hc.param & HV_HYPERCALL_FAST_BIT;
	hc.var_cnt = (hc.param & HV_HYPERCALL_VARHEAD_MASK) >>
		     HV_HYPERCALL_VARHEAD_OFFSET;
	hc.rep_cnt = (hc.param >> HV_HYPERCALL_REP_COMP_OFFSET) & 0xfff;
	hc.rep_idx = (hc.param >> HV_HYPERCALL_REP_START_OFFSET) & 0xfff;
	hc.rep = hc.rep_cnt || hc.rep_idx;

	if (!hcall_allowed(v, hc.code)) {
		ret = HV_STATUS_ACCESS_DENIED;
		goto complete;
	}
	if (hc.param & HV_HYPERCALL_RSVD_MASK) {
		ret = HV_STATUS_INVALID_HYPERCALL_INPUT;
		goto complete;
	}
	if (hc.fast && hcall_xmm_fast(hc.code)) {
		/* XMM input the guest was not offered is #UD (KVM). */
		if (v->hv.enforce_cpuid &&
		    !(v->hv.features_edx & HV_X64_HYPERCALL_XMM_INPUT_AVAILABLE))
			return X86_HC_UD;
		hcall_read_xmm(v, &hc);
	}
	switch (hc.code) {
	case HVCALL_NOTIFY_LONG_SPIN_WAIT:
		if (hc.rep || hc.var_cnt)
			ret = HV_STATUS_INVALID_HYPERCALL_INPUT;
		break;
	case HVCALL_SIGNAL_EVENT:
	case HVCALL_POST_MESSAGE:
		/* No in-backend event connections: the VMM decides. */
		if (hc.rep || hc.var_cnt || !v->hv.synic_active) {
			ret = HV_STATUS_INVALID_HYPERCALL_INPUT;
			break;
		}
		return hcall_exit(v, hc.param, hc.ingpa, hc.outgpa);
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST:
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX:
		/* A list has at least one element, and starts at the first. */
		if ((hc.code == HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST && hc.var_cnt) ||
		    !hc.rep_cnt || hc.rep_idx) {
			ret = HV_STATUS_INVALID_HYPERCALL_INPUT;
			break;
		}
		ret = emu_hv_flush_tlb(v, &hc);
		break;
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE:
	case HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX:
		if ((hc.code == HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE &&
		     hc.var_cnt) || hc.rep) {
			ret = HV_STATUS_INVALID_HYPERCALL_INPUT;
			break;
		}
		ret = emu_hv_flush_tlb(v, &hc);
		break;
	case HVCALL_SEND_IPI:
	case HVCALL_SEND_IPI_EX:
		if ((hc.code == HVCALL_SEND_IPI && hc.var_cnt) || hc.rep) {
			ret = HV_STATUS_INVALID_HYPERCALL_INPUT;
			break;
		}
		ret = emu_hv_send_ipi(v, &hc);
		break;
	case HVCALL_POST_DEBUG_DATA:
	case HVCALL_RETRIEVE_DEBUG_DATA:
		if (hc.fast) {
			ret = HV_STATUS_INVALID_PARAMETER;
			break;
		}
		/* fall through */
	case HVCALL_RESET_DEBUG_SESSION: {
		uint64_t options;

		if (!syndbg_enabled(v)) {
			ret = HV_STATUS_INVALID_HYPERCALL_CODE;
			break;
		}
		pthread_mutex_lock(&v->vm->hv.lock);
		options = v->vm->hv.syndbg.options;
		pthread_mutex_unlock(&v->vm->hv.lock);
		if (!(options & HV_X64_SYNDBG_OPTION_USE_HCALLS)) {
			ret = HV_STATUS_OPERATION_DENIED;
			break;
		}
		return hcall_exit(v, hc.param, hc.ingpa, hc.outgpa);
	}
	case HV_EXT_CALL_QUERY_CAPABILITIES ... HV_EXT_CALL_MAX:
		/* Extended calls are the VMM's; none has a fast form. */
		if (hc.fast) {
			ret = HV_STATUS_INVALID_PARAMETER;
			break;
		}
		return hcall_exit(v, hc.param, hc.ingpa, hc.outgpa);
	default:
		ret = HV_STATUS_INVALID_HYPERCALL_CODE;
	}
complete:
	/* A successful rep call reports every element done. */
	if (ret == HV_STATUS_SUCCESS && hc.rep)
		ret |= (uint64_t)hc.rep_cnt << HV_HYPERCALL_REP_COMP_OFFSET;
	hcall_set_result(v, ret, op64);
	return 0;
}

/* ---------------------------------------------------------------- HV CPUID */

/*
 * Can the host run two threads on one core?  KVM's cpu_smt_possible():
 * only "forceoff" and "notsupported" rule it out; without the file (no
 * CONFIG_HOTPLUG_SMT) it may.  vCPUs are host threads, so a guest may
 * skip its own core-scheduling mitigations only when it cannot happen.
 */
static bool host_smt_possible(void)
{
	char buf[16] = "";
	FILE *f = fopen("/sys/devices/system/cpu/smt/control", "re");
	bool possible = true;

	if (!f)
		return true;
	if (fgets(buf, sizeof(buf), f) &&
	    (!strncmp(buf, "forceoff", 8) || !strncmp(buf, "notsupported", 12)))
		possible = false;
	fclose(f);
	return possible;
}

/* KVM_GET_SUPPORTED_HV_CPUID: KVM's ten leaves, with what emu implements. */
int emu_hv_get_supported_cpuid(struct emu_vcpu *v, struct kvm_cpuid2 *c)
{
	static const uint32_t leaves[] = {
		HV_CPUID_VENDOR, HV_CPUID_INTERFACE, HV_CPUID_VERSION,
		HV_CPUID_FEATURES, HV_CPUID_ENLIGHTENMENT, HV_CPUID_LIMITS,
		HV_CPUID_NESTED, HV_CPUID_SYNDBG_VENDOR,
		HV_CPUID_SYNDBG_INTERFACE, HV_CPUID_SYNDBG_PLATFORM,
	};
	const unsigned int n = sizeof(leaves) / sizeof(leaves[0]);
	static const char sig[12] = "Linux KVM Hv";
	uint32_t s[3];
	unsigned int i;

	if (c->nent < n)
		return -E2BIG;
	memcpy(s, sig, sizeof(s));
	c->nent = n;
	for (i = 0; i < n; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		memset(e, 0, sizeof(*e));
		e->function = leaves[i];
		switch (leaves[i]) {
		case HV_CPUID_VENDOR:
			e->eax = HV_CPUID_SYNDBG_PLATFORM;
			e->ebx = s[0];
			e->ecx = s[1];
			e->edx = s[2];
			break;
		case HV_CPUID_INTERFACE:
			e->eax = HV_INTERFACE_SIGNATURE;
			break;
		case HV_CPUID_VERSION:
			/* KVM claims Windows Server 2016 (build 14393). */
			e->eax = 0x00003839;
			e->ebx = 0x000a0000;
			break;
		case HV_CPUID_FEATURES:
			e->eax = HV_MSR_VP_RUNTIME_AVAILABLE |
				 HV_MSR_TIME_REF_COUNT_AVAILABLE |
				 HV_MSR_SYNIC_AVAILABLE |
				 HV_MSR_SYNTIMER_AVAILABLE |
				 HV_MSR_APIC_ACCESS_AVAILABLE |
				 HV_MSR_HYPERCALL_AVAILABLE |
				 HV_MSR_VP_INDEX_AVAILABLE |
				 HV_MSR_RESET_AVAILABLE |
				 HV_MSR_REFERENCE_TSC_AVAILABLE |
				 HV_ACCESS_FREQUENCY_MSRS |
				 HV_ACCESS_REENLIGHTENMENT |
				 HV_ACCESS_TSC_INVARIANT;
			e->ebx = HV_POST_MESSAGES | HV_SIGNAL_EVENTS |
				 HV_ENABLE_EXTENDED_HYPERCALLS |
				 HV_DEBUGGING;
			/* Every GVA range flushes the whole TLB: "ext" too. */
			e->edx = HV_X64_HYPERCALL_XMM_INPUT_AVAILABLE |
				 HV_FEATURE_FREQUENCY_MSRS_AVAILABLE |
				 HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE |
				 HV_X64_GUEST_DEBUGGING_AVAILABLE |
				 HV_FEATURE_DEBUG_MSRS_AVAILABLE |
				 HV_FEATURE_EXT_GVA_RANGES_FLUSH;
			/* Direct timers need the in-backend LAPIC. */
			if (v->lapic)
				e->edx |= HV_STIMER_DIRECT_MODE_AVAILABLE;
			break;
		case HV_CPUID_ENLIGHTENMENT:
			e->eax = HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED |
				 HV_X64_APIC_ACCESS_RECOMMENDED |
				 HV_X64_RELAXED_TIMING_RECOMMENDED |
				 HV_X64_EX_PROCESSOR_MASKS_RECOMMENDED |
				 HV_DEPRECATING_AEOI_RECOMMENDED;
			/* Synthetic IPIs need the in-backend LAPIC. */
			if (v->lapic)
				e->eax |= HV_X64_CLUSTER_IPI_RECOMMENDED;
			if (!host_smt_possible())
				e->eax |= HV_X64_NO_NONARCH_CORESHARING;
			e->ebx = 0x00000fff;	/* spinlock retries: never */
			break;
		case HV_CPUID_LIMITS:
			e->eax = EMU_MAX_VCPUS;
			e->ebx = 64;
			break;
		case HV_CPUID_NESTED:
			/*
			 * What KVM always reports (no eVMCS version: emu has
			 * no VMX, so no guest ever runs a nested hypervisor
			 * that could use these).
			 */
			e->eax = HV_X64_NESTED_DIRECT_FLUSH |
				 HV_X64_NESTED_MSR_BITMAP;
			e->ebx = HV_X64_NESTED_EVMCS1_PERF_GLOBAL_CTRL;
			break;
		case HV_CPUID_SYNDBG_VENDOR:
			e->ebx = s[0];
			e->ecx = s[1];
			e->edx = s[2];
			break;
		case HV_CPUID_SYNDBG_INTERFACE:
			e->eax = HV_SYNDBG_INTERFACE_SIGNATURE;
			break;
		case HV_CPUID_SYNDBG_PLATFORM:
			e->eax = HV_X64_SYNDBG_CAP_ALLOW_KERNEL_DEBUGGING;
			break;
		}
	}
	return 0;
}

const struct emu_msr_group emu_hv_msrs = {
	.owned = emu_hv_msr_owned,
	.read = emu_hv_msr_read,
	.write = emu_hv_msr_write,
	.list = emu_hv_msr_list,
};
