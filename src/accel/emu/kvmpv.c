// SPDX-License-Identifier: GPL-2.0
/*
 * kvmpv.c - KVM's paravirtual clock on emu (kvmpv.h has the time model).
 *
 * What KVM does, in userspace:
 *  - MSR_KVM_SYSTEM_TIME(_NEW) holds a guest-physical address and an
 *    enable bit; the vCPU then keeps a pvclock_vcpu_time_info there
 *    (version odd while it changes, even when stable).  As in KVM, only
 *    the _NEW MSR gets PVCLOCK_TSC_STABLE_BIT (the old one had a guest
 *    bug that KVM works around by dropping its master clock).
 *  - MSR_KVM_WALL_CLOCK(_NEW): a guest write puts the host's real time
 *    at kvmclock 0 into a pvclock_wall_clock at that address.  A host
 *    write (a state restore) only sets the value: the guest's copy is in
 *    its RAM already, and the VM's clock is not restored yet.
 *  - KVM_GET/SET_CLOCK read and set the VM's kvmclock, with
 *    KVM_CLOCK_REALTIME to account for the time between the two.
 * Accesses are allowed whatever CPUID says (KVM without
 * KVM_CAP_ENFORCE_PV_FEATURE_CPUID, which emu does not offer).
 *
 * Threads: the record is written only by its own vCPU thread (a guest
 * MSR write, or the run loop); other vCPUs of the guest may read it at
 * any time (a vDSO reading another CPU's record), hence the version
 * protocol and the fences.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "emu_priv.h"

#define KVM_CLOCK_VALID_FLAGS	(KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME | \
				 KVM_CLOCK_HOST_TSC)

#define PVCLOCK_RECORD_SIZE	32
#define PVCLOCK_WALL_SIZE	12

struct pvclock_record {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
};

BUILD_BUG_ON(sizeof(struct pvclock_record) != PVCLOCK_RECORD_SIZE);

/*
 * Between the version word and the fields: x86 keeps stores in program
 * order (and the guest reads them with the loads ordered too), so only
 * the compiler must not move them.  A C fence would do the same here,
 * but ThreadSanitizer builds reject fences.
 */
static inline void pvclock_store_order(void)
{
	__asm__ __volatile__("" ::: "memory");
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------- VM clock */

void emu_kvmclock_init(struct emu_kvmclock *kc)
{
	uint64_t now = emu_now_ns();

	pthread_mutex_init(&kc->lock, NULL);
	/* A new VM's kvmclock counts from its creation, as KVM's. */
	atomic_init(&kc->base_ns, (int64_t)now);
	atomic_init(&kc->anchor_ns, now);
	atomic_init(&kc->gen, 1);
	atomic_init(&kc->wall_msr, 0);
}

void emu_kvmclock_fini(struct emu_kvmclock *kc)
{
	pthread_mutex_destroy(&kc->lock);
}

uint64_t emu_kvmclock_ns(struct emu_kvmclock *kc)
{
	return (uint64_t)((int64_t)emu_now_ns() - atomic_load(&kc->base_ns));
}

/* New anchor (and base): every vCPU re-publishes at its next turn. */
static void kvmclock_reanchor(struct emu_kvmclock *kc, const int64_t *base)
{
	pthread_mutex_lock(&kc->lock);
	if (base)
		atomic_store(&kc->base_ns, *base);
	atomic_store(&kc->anchor_ns, emu_now_ns());
	atomic_fetch_add(&kc->gen, 1);
	pthread_mutex_unlock(&kc->lock);
}

int emu_get_clock_data(struct emu_kvmclock *kc, struct kvm_clock_data *d)
{
	memset(d, 0, sizeof(*d));
	d->clock = emu_kvmclock_ns(kc);
	d->realtime = realtime_ns();
	d->flags = KVM_CLOCK_TSC_STABLE | KVM_CLOCK_REALTIME;
	return 0;
}

int emu_set_clock_data(struct emu_kvmclock *kc,
		       const struct kvm_clock_data *d)
{
	uint64_t clock = d->clock, now_real;
	int64_t base;

	if (d->flags & ~KVM_CLOCK_VALID_FLAGS)
		return -EINVAL;
	/* The time since the source read it has passed for the guest too. */
	if (d->flags & KVM_CLOCK_REALTIME) {
		now_real = realtime_ns();
		if (now_real > d->realtime)
			clock += now_real - d->realtime;
	}
	base = (int64_t)(emu_now_ns() - clock);
	kvmclock_reanchor(kc, &base);
	return 0;
}

/* ---------------------------------------------------------------- records */

/*
 * ns = ((ticks << shift) * mul) >> 32 (a right shift for negative
 * shift): the smallest shift with 10^6 / khz < 2^shift keeps mul below
 * 2^32 with the most precision (1 GHz: shift 1, mul 2^31, exact).
 */
static void tsc_scale(unsigned int khz, int8_t *shift, uint32_t *mul)
{
	int s = -31;

	/* Grow s while khz * 2^s <= 10^6. */
	while (s < 31 && (s >= 0 ? (uint64_t)khz << s <= 1000000u :
			  khz <= 1000000ull << -s))
		s++;
	*shift = (int8_t)s;
	*mul = (uint32_t)(((unsigned __int128)1000000u << (32 - s)) / khz);
}

/* A guest's version word: even (an odd leftover was not ours). */
static uint32_t version_even(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v & 1 ? v + 1 : v;
}

static void pvclock_publish(struct emu_vcpu *v)
{
	struct emu_kvmpv_vcpu *pv = &v->pv;
	struct emu_kvmclock *kc = &v->vm->kvmclock;
	struct pvclock_record r;
	uint64_t gpa = pv->system_time & ~1ull, anchor;
	unsigned int khz = atomic_load(&v->tsc_khz);
	uint8_t *p;
	uint32_t version;

	pv->dirty = false;
	pthread_mutex_lock(&kc->lock);
	pv->pub_gen = atomic_load(&kc->gen);
	anchor = atomic_load(&kc->anchor_ns);
	memset(&r, 0, sizeof(r));
	r.system_time = anchor - (uint64_t)atomic_load(&kc->base_ns);
	pthread_mutex_unlock(&kc->lock);
	pv->pub_tsc_offset = v->cpu->s.tsc_offset;
	pv->pub_khz = khz;
	if (!(pv->system_time & 1))
		return;
	/* KVM's cache covers one page: a record across two never runs. */
	if ((gpa & 0xfff) + sizeof(r) > EMU_PAGE_SIZE)
		return;
	p = emu_vcpu_map_guest(v, gpa, true, false);
	if (!p)
		return;
	p += gpa & 0xfff;
	r.tsc_timestamp = (uint64_t)((unsigned __int128)anchor * khz /
				     1000000u) + v->cpu->s.tsc_offset;
	tsc_scale(khz, &r.tsc_shift, &r.tsc_to_system_mul);
	r.flags = pv->new_msr ? PVCLOCK_TSC_STABLE_BIT : 0;

	/* Odd while it changes, the next even number when done. */
	version = version_even(p) + 1;
	r.version = version + 1;
	memcpy(p, &version, sizeof(version));
	pvclock_store_order();
	memcpy(p + 4, (uint8_t *)&r + 4, sizeof(r) - 4);
	pvclock_store_order();
	memcpy(p, &r.version, sizeof(r.version));
	x86_code_tracker_write(v->vm->tracker, gpa, sizeof(r));
}

void emu_kvmpv_update(struct emu_vcpu *v)
{
	struct emu_kvmpv_vcpu *pv = &v->pv;

	if (!(pv->system_time & 1))
		return;
	if (pv->dirty || pv->pub_gen != atomic_load(&v->vm->kvmclock.gen) ||
	    pv->pub_tsc_offset != v->cpu->s.tsc_offset ||
	    pv->pub_khz != atomic_load(&v->tsc_khz))
		pvclock_publish(v);
}

static void wall_clock_write(struct emu_vcpu *v, uint64_t gpa)
{
	uint64_t wall = realtime_ns() - emu_kvmclock_ns(&v->vm->kvmclock);
	uint32_t version, rec[2];
	uint8_t *p;

	if ((gpa & 0xfff) + PVCLOCK_WALL_SIZE > EMU_PAGE_SIZE)
		return;
	p = emu_vcpu_map_guest(v, gpa, true, false);
	if (!p)
		return;
	p += gpa & 0xfff;
	rec[0] = (uint32_t)(wall / 1000000000ull);
	rec[1] = (uint32_t)(wall % 1000000000ull);
	version = version_even(p) + 1;
	memcpy(p, &version, sizeof(version));
	pvclock_store_order();
	memcpy(p + 4, rec, sizeof(rec));
	pvclock_store_order();
	version++;
	memcpy(p, &version, sizeof(version));
	x86_code_tracker_write(v->vm->tracker, gpa, PVCLOCK_WALL_SIZE);
}

/* ---------------------------------------------------------------- MSRs */

static bool kvmpv_msr_owned(uint32_t idx)
{
	return idx == MSR_KVM_WALL_CLOCK || idx == MSR_KVM_SYSTEM_TIME ||
	       idx == MSR_KVM_WALL_CLOCK_NEW || idx == MSR_KVM_SYSTEM_TIME_NEW;
}

static int kvmpv_msr_read(struct emu_vcpu *v, uint32_t idx, uint64_t *val,
			  bool host)
{
	(void)host;
	switch (idx) {
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		*val = atomic_load(&v->vm->kvmclock.wall_msr);
		return 0;
	default:
		*val = v->pv.system_time;
		return 0;
	}
}

static int kvmpv_msr_write(struct emu_vcpu *v, uint32_t idx, uint64_t val,
			   bool host)
{
	struct emu_kvmpv_vcpu *pv = &v->pv;

	switch (idx) {
	case MSR_KVM_WALL_CLOCK:
	case MSR_KVM_WALL_CLOCK_NEW:
		atomic_store(&v->vm->kvmclock.wall_msr, val);
		if (!host)
			wall_clock_write(v, val);
		return 0;
	default:
		pv->system_time = val;
		pv->new_msr = idx == MSR_KVM_SYSTEM_TIME_NEW;
		pv->dirty = true;
		if (host || !(val & 1))
			return 0;
		/*
		 * A fresh anchor for all vCPUs, so that no record is
		 * computed from before this vCPU's TSC existed; this one
		 * publishes now, the guest reads it next.
		 */
		kvmclock_reanchor(&v->vm->kvmclock, NULL);
		pvclock_publish(v);
		return 0;
	}
}

static unsigned int kvmpv_msr_list(uint32_t *idx, unsigned int max)
{
	static const uint32_t msrs[] = {
		MSR_KVM_SYSTEM_TIME, MSR_KVM_WALL_CLOCK,
		MSR_KVM_SYSTEM_TIME_NEW, MSR_KVM_WALL_CLOCK_NEW,
	};
	unsigned int i;

	for (i = 0; idx && i < ARRAY_SIZE(msrs) && i < max; i++)
		idx[i] = msrs[i];
	return ARRAY_SIZE(msrs);
}

const struct emu_msr_group emu_kvmpv_msrs = {
	.owned = kvmpv_msr_owned,
	.read = kvmpv_msr_read,
	.write = kvmpv_msr_write,
	.list = kvmpv_msr_list,
};

/* ---------------------------------------------------------------- CPUID */

unsigned int emu_kvmpv_cpuid(struct kvm_cpuid_entry2 *e)
{
	memset(e, 0, 2 * sizeof(*e));
	e[0].function = KVM_CPUID_SIGNATURE;
	e[0].eax = KVM_CPUID_FEATURES;
	memcpy(&e[0].ebx, "KVMK", 4);
	memcpy(&e[0].ecx, "VMKV", 4);
	memcpy(&e[0].edx, "M\0\0\0", 4);
	e[1].function = KVM_CPUID_FEATURES;
	e[1].eax = 1u << KVM_FEATURE_CLOCKSOURCE |
		   1u << KVM_FEATURE_NOP_IO_DELAY |
		   1u << KVM_FEATURE_CLOCKSOURCE2 |
		   1u << KVM_FEATURE_PV_UNHALT |
		   1u << KVM_FEATURE_PV_SEND_IPI |
		   1u << KVM_FEATURE_PV_SCHED_YIELD |
		   1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT;
	return 2;
}
