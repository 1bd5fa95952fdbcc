// SPDX-License-Identifier: GPL-2.0
/*
 * hyperv_stimer.c - Hyper-V synthetic timers (STIMER0-3 CONFIG/COUNT) of
 * an emu vCPU, with KVM's semantics:
 *  - times are in the partition's reference time (100 ns units);
 *  - periodic: expiry every COUNT, re-based to "now" when late; one-shot:
 *    COUNT is the absolute expiry, one in the past expires at once, and
 *    the timer disables itself after delivering;
 *  - a COUNT write of 0 disables, a non-zero one enables with AUTOENABLE;
 *  - delivery is a HVMSG_TIMER_EXPIRED message in the SINT's slot, or in
 *    direct mode the APIC vector of CONFIG as a fixed interrupt; a busy
 *    slot keeps the expiry pending until EOM.
 * The clock thread only marks a timer pending and kicks the vCPU; the
 * vCPU thread (emu_hv_stimer_process) does the rest.
 */
#include <errno.h>
#include <string.h>

#include "emu_priv.h"

struct hv_timer_msg {
	uint32_t type;
	uint8_t payload_size;
	uint8_t flags;
	uint16_t rsvd;
	uint64_t sender;
	uint32_t timer_index;
	uint32_t rsvd2;
	uint64_t expiration_time;
	uint64_t delivery_time;
};

static void stimer_fire(struct emu_timer *t)
{
	struct emu_hv_stimer *st = container_of(t, struct emu_hv_stimer, timer);

	atomic_fetch_or(&st->v->hv.stimer_pending, 1u << st->index);
	emu_vcpu_event(st->v);
}

void emu_hv_stimer_init(struct emu_vcpu *v)
{
	for (unsigned int i = 0; i < HV_SYNIC_STIMER_COUNT; i++) {
		struct emu_hv_stimer *st = &v->hv.stimer[i];

		st->v = v;
		st->index = i;
		emu_timer_add(&st->timer, v->vm->clock, stimer_fire);
	}
}

void emu_hv_stimer_fini(struct emu_vcpu *v)
{
	for (unsigned int i = 0; i < HV_SYNIC_STIMER_COUNT; i++)
		emu_timer_del(&v->hv.stimer[i].timer);
}

static uint64_t ref_to_ns(struct emu_vcpu *v, uint64_t ref)
{
	return (uint64_t)atomic_load(&v->vm->hv.ref_base_ns) + ref * 100;
}

static void stimer_cleanup(struct emu_hv_stimer *st)
{
	emu_timer_cancel(&st->timer);
	atomic_fetch_and(&st->v->hv.stimer_pending, ~(1u << st->index));
	st->msg_pending = false;
	st->exp_time = 0;
}

static void stimer_mark_pending(struct emu_hv_stimer *st)
{
	atomic_fetch_or(&st->v->hv.stimer_pending, 1u << st->index);
	atomic_store(&st->v->cpu->stop_request, true);
}

static void stimer_start(struct emu_hv_stimer *st)
{
	struct emu_vcpu *v = st->v;
	uint64_t now = emu_hv_time_ref(&v->vm->hv);

	if (st->config & HV_STIMER_PERIODIC) {
		if (st->exp_time) {
			if (now >= st->exp_time)
				st->exp_time = now + st->count -
					       (now - st->exp_time) % st->count;
		} else {
			st->exp_time = now + st->count;
		}
		emu_timer_arm(&st->timer, ref_to_ns(v, st->exp_time));
		return;
	}
	st->exp_time = st->count;
	if (now >= st->count) {
		/* The TLFS: a one-shot time in the past expires at once. */
		stimer_mark_pending(st);
		return;
	}
	emu_timer_arm(&st->timer, ref_to_ns(v, st->exp_time));
}

static int stimer_deliver(struct emu_hv_stimer *st)
{
	struct emu_vcpu *v = st->v;
	struct hv_timer_msg m;
	struct emu_apic_irq irq = {
		.delivery_mode = EMU_DM_FIXED,
		.assert = true,
	};

	if (st->config & HV_STIMER_DIRECT) {
		if (!v->lapic)
			return 0;
		irq.vector = HV_STIMER_APIC_VECTOR(st->config);
		emu_lapic_accept(v->lapic, &irq);
		return 0;
	}
	memset(&m, 0, sizeof(m));
	m.type = HVMSG_TIMER_EXPIRED;
	m.payload_size = 24;
	m.timer_index = st->index;
	m.expiration_time = st->exp_time;
	m.delivery_time = emu_hv_time_ref(&v->vm->hv);
	return emu_hv_synic_post(v, HV_STIMER_SINT(st->config), &m, sizeof(m));
}

static void stimer_expire(struct emu_hv_stimer *st)
{
	st->msg_pending = true;
	if (stimer_deliver(st))
		return;
	st->msg_pending = false;
	if (!(st->config & HV_STIMER_PERIODIC))
		st->config &= ~HV_STIMER_ENABLE;
}

void emu_hv_stimer_process(struct emu_vcpu *v)
{
	unsigned int bits = atomic_exchange(&v->hv.stimer_pending, 0), i;

	for (i = 0; i < HV_SYNIC_STIMER_COUNT; i++) {
		struct emu_hv_stimer *st = &v->hv.stimer[i];

		if (!(bits & (1u << i)) || !(st->config & HV_STIMER_ENABLE))
			continue;
		if (st->exp_time &&
		    emu_hv_time_ref(&v->vm->hv) >= st->exp_time)
			stimer_expire(st);
		if ((st->config & HV_STIMER_ENABLE) && st->count) {
			if (!st->msg_pending)
				stimer_start(st);
		} else {
			stimer_cleanup(st);
		}
	}
}

void emu_hv_stimer_sint_acked(struct emu_vcpu *v, unsigned int sint)
{
	for (unsigned int i = 0; i < HV_SYNIC_STIMER_COUNT; i++) {
		struct emu_hv_stimer *st = &v->hv.stimer[i];

		if (st->msg_pending && !(st->config & HV_STIMER_DIRECT) &&
		    HV_STIMER_SINT(st->config) == sint)
			stimer_mark_pending(st);
	}
}

int emu_hv_stimer_read(struct emu_vcpu *v, uint32_t idx, uint64_t *val)
{
	struct emu_hv_stimer *st;
	unsigned int n = idx - HV_X64_MSR_STIMER0_CONFIG;

	if (n >= 2 * HV_SYNIC_STIMER_COUNT)
		return -1;
	st = &v->hv.stimer[n / 2];
	*val = n & 1 ? st->count : st->config;
	return 0;
}

int emu_hv_stimer_write(struct emu_vcpu *v, uint32_t idx, uint64_t val,
			bool host)
{
	struct emu_hv_vcpu *h = &v->hv;
	struct emu_hv_stimer *st;
	unsigned int n = idx - HV_X64_MSR_STIMER0_CONFIG;
	uint64_t old;

	if (n >= 2 * HV_SYNIC_STIMER_COUNT)
		return -1;
	if (!h->synic_active && (!host || val))
		return -1;
	st = &h->stimer[n / 2];
	if (n & 1) {
		stimer_cleanup(st);
		st->count = val;
		if (!host) {
			if (!val)
				st->config &= ~HV_STIMER_ENABLE;
			else if (st->config & HV_STIMER_AUTOENABLE)
				st->config |= HV_STIMER_ENABLE;
		}
	} else {
		if (!host && h->enforce_cpuid && (val & HV_STIMER_DIRECT) &&
		    !(h->features_edx & HV_STIMER_DIRECT_MODE_AVAILABLE))
			return -1;
		old = st->config;
		stimer_cleanup(st);
		/* Message mode needs a SINT: SINT0 with no direct mode stops. */
		if ((old & HV_STIMER_ENABLE) && !(val & HV_STIMER_DIRECT) &&
		    HV_STIMER_SINT(val) == 0)
			val &= ~HV_STIMER_ENABLE;
		st->config = val;
	}
	if (st->config & HV_STIMER_ENABLE)
		stimer_mark_pending(st);
	return 0;
}
