// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu_state.c - vCPU state capture, write-back in restore order, its
 * section layout, and the per-vCPU component (vcpu_state.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/compiler.h"
#include "vmm/component.h"
#include "vmm/vcpu_state.h"
#include "vmm/vm.h"

#define VS_XSAVE_BYTES	sizeof(((struct kvm_xsave *)0)->region)

static const char *const part_names[VS__COUNT] = {
	[VS_REGS] = "regs", [VS_SREGS] = "sregs", [VS_FPU] = "fpu",
	[VS_XSAVE] = "xsave", [VS_XCRS] = "xcrs", [VS_MSRS] = "msrs",
	[VS_LAPIC] = "lapic", [VS_MP] = "mpstate", [VS_EVENTS] = "events",
	[VS_DEBUGREGS] = "dbgregs",
};

static const enum vcpu_state_part restore_order[VS__COUNT] = {
	VS_SREGS, VS_MSRS, VS_LAPIC, VS_XCRS, VS_FPU, VS_XSAVE, VS_EVENTS,
	VS_MP, VS_DEBUGREGS, VS_REGS,
};

/* The events fields another vCPU may change behind a stopped one. */
#define VS_EVENTS_ASYNC	(KVM_VCPUEVENT_VALID_NMI_PENDING |	\
			 KVM_VCPUEVENT_VALID_SIPI_VECTOR |	\
			 KVM_VCPUEVENT_VALID_SMM)

/* Armed LAPIC timer in TSC-deadline mode (a guest TSC value). */
#define MSR_IA32_TSC_DEADLINE	0x6e0

/* LAPIC timer current count register: runs down by itself. */
#define APIC_TMCCT	0x390

const char *vcpu_state_part_name(enum vcpu_state_part part)
{
	return (unsigned int)part < VS__COUNT ? part_names[part] : "?";
}

static struct kvm_msrs *msrs_alloc(uint32_t n)
{
	struct kvm_msrs *m = calloc(1, sizeof(*m) + n * sizeof(m->entries[0]));

	if (m)
		m->nmsrs = n;
	return m;
}

static size_t msrs_size(const struct kvm_msrs *m)
{
	return sizeof(*m) + m->nmsrs * sizeof(m->entries[0]);
}

#define MSR_MTRRCAP		0xfe
#define MSR_MTRR_PHYSBASE0	0x200
#define MSR_MTRR_VAR_MAX	16	/* 0x200-0x21f: what the SDM reserves */
#define MSR_MTRR_DEF_TYPE	0x2ff
#define MSR_PAT			0x277

/*
 * Guest state KVM's index list leaves out: the memory type MSRs (QEMU
 * saves them beside the list too).  The fixed ranges, the default type,
 * PAT, and as many variable pairs as MTRRCAP.VCNT says.  Writes @out
 * (room for MSR_MTRR_EXTRA) and returns how many.
 */
#define MSR_MTRR_EXTRA		(13 + 2 * MSR_MTRR_VAR_MAX)
static uint32_t msr_mtrr_list(struct hv_vcpu *v, struct kvm_msrs *one,
			      uint32_t *out)
{
	static const uint32_t fixed[] = {
		MSR_PAT, MSR_MTRR_DEF_TYPE, 0x250, 0x258, 0x259,
		0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f,
	};
	uint32_t i, n = 0, vcnt = 0;

	_Static_assert(ARRAY_SIZE(fixed) == 13, "MSR_MTRR_EXTRA");
	for (i = 0; i < ARRAY_SIZE(fixed); i++)
		out[n++] = fixed[i];
	one->entries[0].index = MSR_MTRRCAP;
	if (hv_vcpu_get_msrs(v, one) == 1)
		vcnt = (uint32_t)(one->entries[0].data & 0xff);
	for (i = 0; i < vcnt && i < MSR_MTRR_VAR_MAX; i++) {
		out[n++] = MSR_MTRR_PHYSBASE0 + 2 * i;
		out[n++] = MSR_MTRR_PHYSBASE0 + 2 * i + 1;
	}
	return n;
}

/*
 * The MSRs this vCPU can really save: the backend's index list and the
 * MTRRs, minus the ones that fail to read (KVM lists MSRs some CPUs do
 * not have).  NULL with *ret = -EOPNOTSUPP if the backend has no MSR
 * state.
 */
static struct kvm_msrs *msr_save_list(struct hv *hv, struct hv_vcpu *v,
				      int *ret)
{
	uint32_t cap = 256, i, j, n = 0, nr_extra;
	uint32_t extra[MSR_MTRR_EXTRA];
	struct kvm_msr_list *list;
	struct kvm_msrs *m = NULL, *one = NULL;

	for (;;) {
		list = calloc(1, sizeof(*list) + cap * sizeof(list->indices[0]));
		if (!list) {
			*ret = -ENOMEM;
			return NULL;
		}
		list->nmsrs = cap;
		*ret = hv_get_msr_index_list(hv, list);
		if (*ret != -E2BIG || cap >= 16384 || list->nmsrs <= cap)
			break;
		cap = list->nmsrs;
		free(list);
	}
	if (*ret)
		goto out;
	m = msrs_alloc(list->nmsrs + MSR_MTRR_EXTRA);
	one = msrs_alloc(1);
	if (!m || !one) {
		*ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < list->nmsrs; i++) {
		one->entries[0].index = list->indices[i];
		if (hv_vcpu_get_msrs(v, one) == 1)
			m->entries[n++].index = list->indices[i];
	}
	nr_extra = msr_mtrr_list(v, one, extra);
	for (j = 0; j < nr_extra; j++) {
		for (i = 0; i < list->nmsrs; i++)
			if (list->indices[i] == extra[j])
				break;
		if (i < list->nmsrs)
			continue;	/* listed (emu lists them all) */
		one->entries[0].index = extra[j];
		if (hv_vcpu_get_msrs(v, one) == 1)
			m->entries[n++].index = extra[j];
	}
	m->nmsrs = n;
out:
	free(list);
	free(one);
	if (*ret) {
		free(m);
		m = NULL;
	}
	return m;
}

int vcpu_state_init(struct vcpu_state *st, struct hv *hv, struct hv_vcpu *v)
{
	int ret;

	memset(st, 0, sizeof(*st));
	st->msrs = msr_save_list(hv, v, &ret);
	if (!st->msrs && ret != -EOPNOTSUPP)
		return ret;
	return 0;
}

int vcpu_state_init_like(struct vcpu_state *dst, const struct vcpu_state *src)
{
	memset(dst, 0, sizeof(*dst));
	if (!src->msrs)
		return 0;
	dst->msrs = malloc(msrs_size(src->msrs));
	if (!dst->msrs)
		return -ENOMEM;
	memcpy(dst->msrs, src->msrs, msrs_size(src->msrs));
	return 0;
}

void vcpu_state_release(struct vcpu_state *st)
{
	free(st->msrs);
	st->msrs = NULL;
}

static int get_one(struct hv_vcpu *v, struct vcpu_state *st,
		   enum vcpu_state_part p)
{
	int n;

	switch (p) {
	case VS_REGS: return hv_vcpu_get_regs(v, &st->regs);
	case VS_SREGS: return hv_vcpu_get_sregs(v, &st->sregs);
	case VS_FPU: return hv_vcpu_get_fpu(v, &st->fpu);
	case VS_XSAVE: return hv_vcpu_get_xsave(v, &st->xsave);
	case VS_XCRS: return hv_vcpu_get_xcrs(v, &st->xcrs);
	case VS_LAPIC: return hv_vcpu_get_lapic(v, &st->lapic);
	case VS_MP: return hv_vcpu_get_mp_state(v, &st->mp);
	case VS_EVENTS: return hv_vcpu_get_events(v, &st->events);
	case VS_DEBUGREGS: return hv_vcpu_get_debugregs(v, &st->debugregs);
	case VS_MSRS:
		if (!st->msrs)
			return -EOPNOTSUPP;
		n = hv_vcpu_get_msrs(v, st->msrs);
		if (n < 0)
			return n;
		return (uint32_t)n == st->msrs->nmsrs ? 0 : -EIO;
	case VS__COUNT:
		break;
	}
	return -EINVAL;
}

/*
 * Write @all's MSRs except IA32_TSC_DEADLINE, or (@deadline) only that
 * one.  The deadline is ignored by both backends unless the LAPIC's timer
 * is already in TSC-deadline mode, and a LAPIC write re-arms the timer
 * from its own state: so it goes after the LAPIC (and after IA32_TSC,
 * which it is relative to), as QEMU does, or an armed timer is lost.
 */
static int put_msrs(struct hv_vcpu *v, const struct kvm_msrs *all,
		    bool deadline)
{
	struct kvm_msrs *m;
	uint32_t i, n = 0;
	int ret;

	m = msrs_alloc(all->nmsrs);
	if (!m)
		return -ENOMEM;
	for (i = 0; i < all->nmsrs; i++)
		if ((all->entries[i].index == MSR_IA32_TSC_DEADLINE) ==
		    deadline)
			m->entries[n++] = all->entries[i];
	m->nmsrs = n;
	ret = n ? hv_vcpu_set_msrs(v, m) : 0;
	if (ret >= 0)
		ret = (uint32_t)ret == n ? 0 : -EIO;
	free(m);
	return ret;
}

static int put_one(struct hv_vcpu *v, const struct vcpu_state *st,
		   enum vcpu_state_part p, enum vcpu_put_level level)
{
	struct kvm_vcpu_events ev;

	switch (p) {
	case VS_REGS: return hv_vcpu_set_regs(v, &st->regs);
	case VS_SREGS: return hv_vcpu_set_sregs(v, &st->sregs);
	case VS_FPU: return hv_vcpu_set_fpu(v, &st->fpu);
	case VS_XSAVE: return hv_vcpu_set_xsave(v, &st->xsave);
	case VS_XCRS: return hv_vcpu_set_xcrs(v, &st->xcrs);
	case VS_LAPIC: return hv_vcpu_set_lapic(v, &st->lapic);
	case VS_MP: return hv_vcpu_set_mp_state(v, &st->mp);
	case VS_EVENTS:
		/* seed-apis.md 1.8 item 4: never at runtime. */
		ev = st->events;
		if (level == VCPU_PUT_RUNTIME)
			ev.flags &= ~VS_EVENTS_ASYNC;
		else
			ev.flags |= VS_EVENTS_ASYNC;
		return hv_vcpu_set_events(v, &ev);
	case VS_DEBUGREGS: return hv_vcpu_set_debugregs(v, &st->debugregs);
	case VS_MSRS:
		return put_msrs(v, st->msrs, false);
	case VS__COUNT:
		break;
	}
	return -EINVAL;
}

int vcpu_state_get(struct hv_vcpu *v, struct vcpu_state *st,
		   enum vcpu_state_part *bad)
{
	bool first = !st->have;
	unsigned int p;
	int ret;

	for (p = 0; p < VS__COUNT; p++) {
		if (!first && !(st->have & (1u << p)))
			continue;
		ret = get_one(v, st, p);
		if (ret == -EOPNOTSUPP && first)
			continue;
		if (ret) {
			*bad = p;
			return ret;
		}
		st->have |= 1u << p;
	}
	return 0;
}

int vcpu_state_put(struct hv_vcpu *v, const struct vcpu_state *st,
		   enum vcpu_put_level level, enum vcpu_state_part *bad)
{
	unsigned int i;
	int ret;

	for (i = 0; i < VS__COUNT; i++) {
		enum vcpu_state_part p = restore_order[i];

		if (!(st->have & (1u << p)))
			continue;
		ret = put_one(v, st, p, level);
		if (ret) {
			*bad = p;
			return ret;
		}
	}
	if (st->have & (1u << VS_MSRS)) {
		ret = put_msrs(v, st->msrs, true);
		if (ret) {
			*bad = VS_MSRS;
			return ret;
		}
	}
	return 0;
}

/* MSRs that move on their own while the vCPU is stopped. */
static bool msr_is_clock(uint32_t index)
{
	return index == 0x10 ||		/* IA32_TSC */
	       index == 0xE7 ||		/* IA32_MPERF */
	       index == 0xE8 ||		/* IA32_APERF */
	       index == 0x40000020;	/* Hyper-V TIME_REF_COUNT */
}

bool vcpu_state_part_equal(const struct vcpu_state *a,
			   const struct vcpu_state *b,
			   enum vcpu_state_part p)
{
	struct kvm_lapic_state la, lb;
	unsigned int i;

	switch (p) {
	case VS_REGS: return !memcmp(&a->regs, &b->regs, sizeof(a->regs));
	case VS_SREGS: return !memcmp(&a->sregs, &b->sregs, sizeof(a->sregs));
	case VS_FPU: return !memcmp(&a->fpu, &b->fpu, sizeof(a->fpu));
	case VS_XSAVE:
		return !memcmp(a->xsave.region, b->xsave.region,
			       VS_XSAVE_BYTES);
	case VS_XCRS: return !memcmp(&a->xcrs, &b->xcrs, sizeof(a->xcrs));
	case VS_LAPIC:
		la = a->lapic;
		lb = b->lapic;
		memset(&la.regs[APIC_TMCCT], 0, 4);
		memset(&lb.regs[APIC_TMCCT], 0, 4);
		return !memcmp(&la, &lb, sizeof(la));
	case VS_MP: return !memcmp(&a->mp, &b->mp, sizeof(a->mp));
	case VS_EVENTS:
		return !memcmp(&a->events, &b->events, sizeof(a->events));
	case VS_DEBUGREGS:
		return !memcmp(&a->debugregs, &b->debugregs,
			       sizeof(a->debugregs));
	case VS_MSRS:
		if (!a->msrs || !b->msrs)
			return a->msrs == b->msrs;
		if (a->msrs->nmsrs != b->msrs->nmsrs)
			return false;
		for (i = 0; i < a->msrs->nmsrs; i++) {
			const struct kvm_msr_entry *x = &a->msrs->entries[i];
			const struct kvm_msr_entry *y = &b->msrs->entries[i];

			if (x->index != y->index)
				return false;
			if (!msr_is_clock(x->index) && x->data != y->data)
				return false;
		}
		return true;
	case VS__COUNT:
		break;
	}
	return false;
}

bool vcpu_state_equal(const struct vcpu_state *a, const struct vcpu_state *b,
		      enum vcpu_state_part *bad)
{
	unsigned int p;

	for (p = 0; p < VS__COUNT; p++) {
		if ((a->have ^ b->have) & (1u << p) ||
		    ((a->have & (1u << p)) && !vcpu_state_part_equal(a, b, p))) {
			*bad = p;
			return false;
		}
	}
	return true;
}

/* ---------------------------------------------------------------- layout */

/*
 * Version 1: u32 mask of present parts, then each present part in
 * enum order: the KVM uapi struct's bytes (x86: little endian), except
 * MSRs = u32 count + count * (u32 index, u64 data) and XSAVE = the
 * 4 KiB legacy region.
 */
static void *part_ptr(struct vcpu_state *st, enum vcpu_state_part p,
		      size_t *len)
{
	switch (p) {
	case VS_REGS: *len = sizeof(st->regs); return &st->regs;
	case VS_SREGS: *len = sizeof(st->sregs); return &st->sregs;
	case VS_FPU: *len = sizeof(st->fpu); return &st->fpu;
	case VS_XSAVE: *len = VS_XSAVE_BYTES; return st->xsave.region;
	case VS_XCRS: *len = sizeof(st->xcrs); return &st->xcrs;
	case VS_LAPIC: *len = sizeof(st->lapic); return &st->lapic;
	case VS_MP: *len = sizeof(st->mp); return &st->mp;
	case VS_EVENTS: *len = sizeof(st->events); return &st->events;
	case VS_DEBUGREGS:
		*len = sizeof(st->debugregs);
		return &st->debugregs;
	case VS_MSRS:
	case VS__COUNT:
		break;
	}
	*len = 0;
	return NULL;
}

void vcpu_state_save(const struct vcpu_state *st, struct sbuf *out)
{
	struct vcpu_state *s = (struct vcpu_state *)st;	/* part_ptr only reads */
	unsigned int p, i;
	size_t len;
	void *ptr;

	sbuf_put_u32(out, st->have);
	for (p = 0; p < VS__COUNT; p++) {
		if (!(st->have & (1u << p)))
			continue;
		if (p == VS_MSRS) {
			sbuf_put_u32(out, st->msrs->nmsrs);
			for (i = 0; i < st->msrs->nmsrs; i++) {
				sbuf_put_u32(out, st->msrs->entries[i].index);
				sbuf_put_u64(out, st->msrs->entries[i].data);
			}
			continue;
		}
		ptr = part_ptr(s, p, &len);
		sbuf_put_bytes(out, ptr, len);
	}
}

int vcpu_state_load(struct vcpu_state *st, struct sbuf *in)
{
	uint32_t have, n, i;
	unsigned int p;
	size_t len;
	void *ptr;

	memset(st, 0, sizeof(*st));
	have = sbuf_get_u32(in);
	if (sbuf_error(in))
		return sbuf_error(in);
	if (have & ~((1u << VS__COUNT) - 1))
		return -EINVAL;
	for (p = 0; p < VS__COUNT; p++) {
		if (!(have & (1u << p)))
			continue;
		if (p == VS_MSRS) {
			n = sbuf_get_u32(in);
			if (sbuf_error(in))
				return sbuf_error(in);
			/* Check the length before allocating for it. */
			if (n > VCPU_STATE_MAX_MSRS ||
			    (uint64_t)n * 12 > sbuf_remaining(in))
				return -EBADMSG;
			st->msrs = msrs_alloc(n);
			if (!st->msrs)
				return -ENOMEM;
			for (i = 0; i < n; i++) {
				st->msrs->entries[i].index = sbuf_get_u32(in);
				st->msrs->entries[i].data = sbuf_get_u64(in);
			}
			continue;
		}
		ptr = part_ptr(st, p, &len);
		sbuf_get_bytes(in, ptr, len);
	}
	if (sbuf_error(in))
		return sbuf_error(in);
	st->have = have;
	return 0;
}

/* ---------------------------------------------------------------- component */

struct vcpu_comp {
	struct vcpu *vcpu;
	struct vcpu_state reset;	/* the state hv_vcpu_create() gave */
};

static void vcpu_comp_reset(void *opaque)
{
	struct vcpu_comp *vc = opaque;
	enum vcpu_state_part bad;

	/*
	 * Reset has no error path; a backend that refuses its own power-on
	 * state is broken, and the VM stops on its next exit anyway.
	 */
	if (vcpu_state_put(vc->vcpu->hv, &vc->reset, VCPU_PUT_RESET, &bad))
		vm_fail(vc->vcpu->vm, "vCPU %u: cannot reset its %s",
			vc->vcpu->id, vcpu_state_part_name(bad));
}

static int vcpu_comp_save(void *opaque, struct sbuf *out)
{
	struct vcpu_comp *vc = opaque;
	struct vcpu_state st;
	enum vcpu_state_part bad;
	int ret;

	ret = vcpu_state_init_like(&st, &vc->reset);
	if (!ret)
		ret = vcpu_state_get(vc->vcpu->hv, &st, &bad);
	if (!ret)
		vcpu_state_save(&st, out);
	vcpu_state_release(&st);
	return ret;
}

/*
 * Read-only MSRs that describe the CPU or count by themselves rather
 * than hold guest state: after a restore from another backend the
 * destination describes its own (as its CPUID does): where this side
 * does not save such an MSR, the image's value is left out (KVM even
 * refuses host writes to some, such as MTRRCAP).
 */
static bool msr_is_capability(uint32_t index)
{
	return index == 0xFE ||			/* IA32_MTRRCAP */
	       index == 0x179 ||		/* IA32_MCG_CAP */
	       index == 0x10A ||		/* IA32_ARCH_CAPABILITIES */
	       index == 0xCE ||			/* MSR_PLATFORM_INFO */
	       index == 0x345 ||		/* IA32_PERF_CAPABILITIES */
	       index == 0x34 ||			/* MSR_SMI_COUNT (a counter) */
	       index == 0x40000002 ||		/* Hyper-V VP_INDEX (host-set) */
	       index == 0x40000010 ||		/* Hyper-V VP_RUNTIME (counter) */
	       index == 0x40000020 ||		/* Hyper-V TIME_REF_COUNT */
	       (index >= 0x480 && index <= 0x491);	/* VMX capabilities */
}

/* Power-on values: an MSR that still holds one was never used. */
static bool msr_is_unused(uint32_t index, uint64_t data)
{
	if (!data)
		return true;
	return (index == 0x9E && data == 0x30000) ||	/* IA32_SMBASE */
	       (index == 0x4B564D05 && data == 1) ||	/* KVM POLL_CONTROL */
	       (index == 0x40000082 && data == 1) ||	/* Hyper-V SVERSION */
	       (index >= 0x40000090 && index <= 0x4000009F &&
		data == 0x10000);			/* Hyper-V SINTx: masked */
}

static bool msr_in_list(const struct kvm_msrs *l, uint32_t index)
{
	uint32_t i;

	for (i = 0; l && i < l->nmsrs; i++)
		if (l->entries[i].index == index)
			return true;
	return false;
}

static int msr_read_one(struct hv_vcpu *v, uint32_t index, uint64_t *data)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.e.index = index;
	if (hv_vcpu_get_msrs(v, &m.hdr) != 1)
		return -EOPNOTSUPP;
	*data = m.e.data;
	return 0;
}

/*
 * An image from another backend (or another host) lists other MSRs than
 * this vCPU saves.  The rule: restore every MSR both sides know; leave
 * out one this side cannot hold if it still has its power-on value (the
 * guest never used it) or describes the source's CPU (capability MSRs
 * take this side's value); refuse, naming it, an MSR the guest has put
 * to use that this side cannot represent.
 */
static int vcpu_msrs_adapt(struct vcpu_comp *vc, struct kvm_msrs *m)
{
	struct hv_vcpu *v = vc->vcpu->hv;
	uint32_t i, n = 0;
	uint64_t here;

	for (i = 0; i < m->nmsrs; i++) {
		struct kvm_msr_entry e = m->entries[i];
		bool known = msr_in_list(vc->reset.msrs, e.index) ||
			     !msr_read_one(v, e.index, &here);

		if (msr_is_capability(e.index) &&
		    !msr_in_list(vc->reset.msrs, e.index)) {
			continue;
		} else if (!known) {
			if (msr_is_unused(e.index, e.data))
				continue;
			vm_log(vc->vcpu->vm, LOG_LEVEL_WARN,
			       "vCPU %u: MSR 0x%x = 0x%llx is in use, and %s cannot hold it",
			       vc->vcpu->id, e.index,
			       (unsigned long long)e.data,
			       hv_backend_desc(vc->vcpu->vm->hv));
			return -EOPNOTSUPP;
		}
		m->entries[n++] = e;
	}
	m->nmsrs = n;
	return 0;
}

static int vcpu_comp_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct vcpu_comp *vc = opaque;
	struct vcpu_state *st;
	enum vcpu_state_part bad = VS_REGS;
	int ret;

	/* About 5 KiB: not on a vCPU-sized stack. */
	st = malloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	ret = vcpu_state_load(st, in);
	if (!ret && (st->have & (1u << VS_MSRS)))
		ret = vcpu_msrs_adapt(vc, st->msrs);
	if (!ret)
		ret = vcpu_state_put(vc->vcpu->hv, st, VCPU_PUT_FULL, &bad);
	vcpu_state_release(st);
	free(st);
	return ret;
}

static void vcpu_comp_destroy(void *opaque)
{
	struct vcpu_comp *vc = opaque;

	vcpu_state_release(&vc->reset);
	free(vc);
}

static const struct component_ops vcpu_comp_ops = {
	.version = 1,
	.reset = vcpu_comp_reset,
	.save = vcpu_comp_save,
	.load = vcpu_comp_load,
	.destroy = vcpu_comp_destroy,
};

int vcpu_state_register(struct vcpu *vcpu)
{
	struct vcpu_comp *vc;
	enum vcpu_state_part bad;
	char name[COMP_NAME_MAX];
	int ret;

	vc = calloc(1, sizeof(*vc));
	if (!vc)
		return -ENOMEM;
	vc->vcpu = vcpu;
	ret = vcpu_state_init(&vc->reset, vcpu->vm->hv, vcpu->hv);
	if (!ret)
		ret = vcpu_state_get(vcpu->hv, &vc->reset, &bad);
	if (!ret) {
		snprintf(name, sizeof(name), "vcpu%u", vcpu->id);
		ret = vm_component_add(vcpu->vm, name, COMP_STAGE_VCPU,
				       &vcpu_comp_ops, vc);
	}
	if (ret)
		vcpu_comp_destroy(vc);
	return ret;
}

/*
 * Get every part, write it back at runtime level (vcpu_state.h: the
 * asynchronous event fields are not written), get again and compare.
 */
int vcpu_state_roundtrip(struct hv *hv, struct hv_vcpu *v, char *part,
			 size_t part_len)
{
	struct vcpu_state *a, *b = NULL;
	enum vcpu_state_part bad = VS_MSRS;
	int ret;

	a = calloc(1, sizeof(*a));
	b = calloc(1, sizeof(*b));
	if (!a || !b) {
		ret = -ENOMEM;
		goto out;
	}
	ret = vcpu_state_init(a, hv, v);
	if (ret)
		goto out_named;
	ret = vcpu_state_init_like(b, a);
	if (ret)
		goto out;
	ret = vcpu_state_get(v, a, &bad);
	if (ret)
		goto out_named;
	ret = vcpu_state_put(v, a, VCPU_PUT_RUNTIME, &bad);
	if (ret)
		goto out_named;
	b->have = a->have;
	ret = vcpu_state_get(v, b, &bad);
	if (ret)
		goto out_named;
	if (!vcpu_state_equal(a, b, &bad)) {
		ret = -EIO;
		goto out_named;
	}
	goto out;
out_named:
	snprintf(part, part_len, "%s", vcpu_state_part_name(bad));
out:
	if (a)
		vcpu_state_release(a);
	if (b)
		vcpu_state_release(b);
	free(a);
	free(b);
	return ret;
}
