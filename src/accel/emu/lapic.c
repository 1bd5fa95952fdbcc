// SPDX-License-Identifier: GPL-2.0
/*
 * lapic.c - the emu backend's local APIC and APIC bus.
 *
 * State lives in a 1 KiB register page laid out as KVM's struct
 * kvm_lapic_state, so KVM_GET/SET_LAPIC is a copy plus the two fixups KVM
 * applies (current count, x2APIC ID format).  In x2APIC mode the ICR is kept
 * split as in that layout: low half at 0x300, destination at 0x310.
 *
 * Locking:
 *  - l->lock protects the register page, the timer bookkeeping and the
 *    pending NMI/INIT/SIPI state.  It is a leaf lock except for the clock
 *    lock (emu_timer_arm/cancel).
 *  - Anything that leaves the LAPIC (kicking the vCPU, EOI broadcast to
 *    the IOAPIC, sending an IPI over the bus) is collected in a struct
 *    lapic_post while locked and done after unlocking, so a vCPU never
 *    holds its LAPIC lock while taking another LAPIC's or the IOAPIC's.
 *  - bus->lock (rwlock): read side for delivery, write side to add or
 *    remove a LAPIC.  Order: bus->lock, then a LAPIC lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/compiler.h"
#include "lapic.h"

/* 6 LVT entries (timer, thermal, perf, LINT0, LINT1, error), version 0x14. */
#define LAPIC_NR_LVT	6
#define LAPIC_VERSION	(0x14u | ((LAPIC_NR_LVT - 1u) << 16))

#define ESR_SEND_ILLEGAL_VECTOR	(1u << 5)
#define ESR_RECV_ILLEGAL_VECTOR	(1u << 6)
#define ESR_ILLEGAL_REGISTER	(1u << 7)
/* ICR bits 31:20, 17:16 and 13 are reserved in x2APIC mode. */
#define X2APIC_ICR_RSVD		(0xfff00000ull | 0x30000ull | 0x2000ull)

struct emu_lapic {
	pthread_mutex_t lock;
	struct emu_apic_bus *bus;
	unsigned int vcpu_id;
	const struct emu_lapic_ops *ops;
	void *opaque;

	uint8_t regs[KVM_APIC_REG_SIZE] __attribute__((aligned(16)));
	uint64_t base;			/* IA32_APIC_BASE */

	struct emu_timer timer;
	uint64_t timer_deadline;	/* ns; 0 = not running */
	uint64_t timer_period;		/* ns; periodic mode only */
	uint64_t tsc_deadline;		/* IA32_TSC_DEADLINE */
	unsigned int tsc_khz;

	unsigned int nmi_pending;
	bool init_pending;
	bool sipi_pending;
	bool smi_pending;		/* SMI IPI not yet taken by the vCPU */
	uint8_t sipi_vector;
};

/* What to do once l->lock is dropped. */
struct lapic_post {
	bool kick;
	int eoi_vector;
	bool send;
	struct emu_apic_irq irq;
};

static inline uint32_t reg_get(const struct emu_lapic *l, uint32_t off)
{
	uint32_t v;

	memcpy(&v, l->regs + off, 4);
	return v;
}

static inline void reg_set(struct emu_lapic *l, uint32_t off, uint32_t v)
{
	memcpy(l->regs + off, &v, 4);
}

static inline bool vec_test(const struct emu_lapic *l, uint32_t base, int v)
{
	return reg_get(l, base + (v >> 5) * 0x10) & (1u << (v & 31));
}

static inline void vec_set(struct emu_lapic *l, uint32_t base, int v)
{
	uint32_t off = base + (v >> 5) * 0x10;

	reg_set(l, off, reg_get(l, off) | (1u << (v & 31)));
}

static inline void vec_clear(struct emu_lapic *l, uint32_t base, int v)
{
	uint32_t off = base + (v >> 5) * 0x10;

	reg_set(l, off, reg_get(l, off) & ~(1u << (v & 31)));
}

static int vec_highest(const struct emu_lapic *l, uint32_t base)
{
	int i;

	for (i = 7; i >= 0; i--) {
		uint32_t w = reg_get(l, base + i * 0x10);

		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return -1;
}

static inline bool hw_enabled(const struct emu_lapic *l)
{
	return l->base & EMU_APIC_BASE_ENABLE;
}

static inline bool x2apic_mode(const struct emu_lapic *l)
{
	return (l->base & (EMU_APIC_BASE_ENABLE | EMU_APIC_BASE_EXTD)) ==
	       (EMU_APIC_BASE_ENABLE | EMU_APIC_BASE_EXTD);
}

static inline bool sw_enabled(const struct emu_lapic *l)
{
	return reg_get(l, APIC_SPIV) & APIC_SPIV_ENABLE;
}

static inline uint32_t timer_mode(const struct emu_lapic *l)
{
	return reg_get(l, APIC_LVTT) & APIC_TIMER_MODE_MASK;
}

static uint32_t apic_id(const struct emu_lapic *l)
{
	uint32_t id = reg_get(l, APIC_ID);

	return x2apic_mode(l) ? id : id >> 24;
}

static uint32_t x2apic_ldr(uint32_t id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

static void update_ppr(struct emu_lapic *l)
{
	uint32_t tpr = reg_get(l, APIC_TASKPRI) & 0xff;
	int isrv = vec_highest(l, APIC_ISR);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	reg_set(l, APIC_PROCPRI, (tpr & 0xf0) >= isr_class ? tpr : isr_class);
}

/* ---------------------------------------------------------------- timer */

static uint64_t timer_divisor(const struct emu_lapic *l)
{
	uint32_t tdcr = reg_get(l, APIC_TDCR);
	uint32_t v = (tdcr & 3) | ((tdcr >> 1) & 4);

	return 1ull << ((v + 1) & 7);
}

static void timer_stop(struct emu_lapic *l)
{
	l->timer_deadline = 0;
	l->timer_period = 0;
	emu_timer_cancel(&l->timer);
}

/* (Re)start one-shot/periodic counting from TMICT. */
static void timer_start(struct emu_lapic *l)
{
	uint64_t ns, tmict = reg_get(l, APIC_TMICT);
	uint32_t mode = timer_mode(l);

	if (mode == APIC_TIMER_TSCDEADLINE || !tmict) {
		if (mode != APIC_TIMER_TSCDEADLINE)
			timer_stop(l);
		return;
	}
	ns = tmict * timer_divisor(l) * (1000000000ull / EMU_APIC_BUS_HZ);
	if (mode == APIC_TIMER_PERIODIC) {
		if (ns < EMU_APIC_MIN_PERIOD_NS)
			ns = EMU_APIC_MIN_PERIOD_NS;
		l->timer_period = ns;
	} else {
		l->timer_period = 0;
	}
	l->timer_deadline = emu_now_ns() + ns;
	emu_timer_arm(&l->timer, l->timer_deadline);
}

static uint64_t tsc_to_deadline_ns(struct emu_lapic *l, uint64_t tsc)
{
	uint64_t now = emu_now_ns(), cur, delta;

	cur = l->ops->read_tsc ? l->ops->read_tsc(l->opaque) : 0;
	if (tsc <= cur || !l->tsc_khz)
		return now;
	delta = (uint64_t)((unsigned __int128)(tsc - cur) * 1000000u /
			   l->tsc_khz);
	return now + delta;
}

static void tsc_deadline_arm(struct emu_lapic *l)
{
	if (!l->tsc_deadline || timer_mode(l) != APIC_TIMER_TSCDEADLINE) {
		l->timer_deadline = 0;
		emu_timer_cancel(&l->timer);
		return;
	}
	l->timer_period = 0;
	l->timer_deadline = tsc_to_deadline_ns(l, l->tsc_deadline);
	emu_timer_arm(&l->timer, l->timer_deadline);
}

static uint32_t timer_current_count(struct emu_lapic *l)
{
	uint64_t now;

	if (!l->timer_deadline || timer_mode(l) == APIC_TIMER_TSCDEADLINE)
		return 0;
	now = emu_now_ns();
	if (now >= l->timer_deadline)
		return 0;
	return (uint32_t)((l->timer_deadline - now) /
			  (timer_divisor(l) * (1000000000ull / EMU_APIC_BUS_HZ)));
}

static bool accept_locked(struct emu_lapic *l, const struct emu_apic_irq *irq);

static bool local_deliver_locked(struct emu_lapic *l, uint32_t off)
{
	uint32_t lvt = reg_get(l, off);
	struct emu_apic_irq irq = { 0 };

	if (!hw_enabled(l) || (lvt & APIC_LVT_MASKED))
		return false;
	irq.vector = lvt & 0xff;
	irq.delivery_mode = (off == APIC_LVTT || off == APIC_LVTERR) ?
			    EMU_DM_FIXED : (lvt >> 8) & 7;
	/* ExtINT on LINT0 is the 8259's path (emu_lapic_accept_pic_intr). */
	if (irq.delivery_mode == EMU_DM_EXTINT)
		return false;
	irq.level = (off == APIC_LVT0 || off == APIC_LVT1) &&
		    irq.delivery_mode == EMU_DM_FIXED && (lvt & APIC_LVT_LEVEL);
	irq.assert = true;
	return accept_locked(l, &irq);
}

static void lapic_timer_fire(struct emu_timer *t)
{
	struct emu_lapic *l = container_of(t, struct emu_lapic, timer);
	bool kick = false;
	uint64_t now;

	pthread_mutex_lock(&l->lock);
	now = emu_now_ns();
	/* Stale expiry: cancelled or re-armed since the clock picked it. */
	if (!l->timer_deadline || now < l->timer_deadline)
		goto out;
	kick = local_deliver_locked(l, APIC_LVTT);
	if (timer_mode(l) == APIC_TIMER_TSCDEADLINE) {
		l->tsc_deadline = 0;
		l->timer_deadline = 0;
	} else if (timer_mode(l) == APIC_TIMER_PERIODIC && l->timer_period) {
		/* Missed periods are coalesced, as a busy IRR would anyway. */
		l->timer_deadline += l->timer_period;
		if (l->timer_deadline <= now)
			l->timer_deadline = now + l->timer_period;
		emu_timer_arm(&l->timer, l->timer_deadline);
	} else {
		l->timer_deadline = 0;
	}
out:
	pthread_mutex_unlock(&l->lock);
	if (kick)
		l->ops->kick(l->opaque);
}

/* ---------------------------------------------------------------- accept */

static void set_error(struct emu_lapic *l, uint32_t bits)
{
	/* ESR bits latch here; the guest sees them after its next ESR write. */
	reg_set(l, APIC_ESR, reg_get(l, APIC_ESR) | bits);
}

static bool accept_locked(struct emu_lapic *l, const struct emu_apic_irq *irq)
{
	if (!hw_enabled(l))
		return false;
	switch (irq->delivery_mode) {
	case EMU_DM_FIXED:
	case EMU_DM_LOWEST:
		if (!sw_enabled(l))
			return false;
		if (irq->vector < 16) {
			set_error(l, ESR_RECV_ILLEGAL_VECTOR);
			return false;
		}
		vec_set(l, APIC_IRR, irq->vector);
		if (irq->level)
			vec_set(l, APIC_TMR, irq->vector);
		else
			vec_clear(l, APIC_TMR, irq->vector);
		return true;
	case EMU_DM_NMI:
		/* At most one NMI can be latched behind the one in service. */
		if (l->nmi_pending < 2)
			l->nmi_pending++;
		return true;
	case EMU_DM_INIT:
		if (irq->level && !irq->assert)
			return false;	/* INIT level de-assert: no-op */
		/*
		 * A SIPI latched before this INIT is stale, one latched after
		 * it is the start-up the sender wants: forget the old one here,
		 * in arrival order, not when the vCPU thread gets to the INIT
		 * (Linux sends INIT, SIPI, SIPI within microseconds).
		 */
		l->init_pending = true;
		l->sipi_pending = false;
		return true;
	case EMU_DM_SIPI:
		l->sipi_vector = irq->vector;
		l->sipi_pending = true;
		return true;
	case EMU_DM_SMI:
		/* As KVM: any destination form, the vCPU decides when. */
		l->smi_pending = true;
		return true;
	default:
		/* ExtINT comes through the 8259 path. */
		return false;
	}
}

bool emu_lapic_accept(struct emu_lapic *l, const struct emu_apic_irq *irq)
{
	bool kick;

	pthread_mutex_lock(&l->lock);
	kick = accept_locked(l, irq);
	pthread_mutex_unlock(&l->lock);
	if (kick)
		l->ops->kick(l->opaque);
	return kick;
}

void emu_lapic_local_deliver(struct emu_lapic *l, uint32_t lvt_off)
{
	bool kick;

	pthread_mutex_lock(&l->lock);
	kick = local_deliver_locked(l, lvt_off);
	pthread_mutex_unlock(&l->lock);
	if (kick)
		l->ops->kick(l->opaque);
}

/* ---------------------------------------------------------------- bus */

void emu_apic_bus_init(struct emu_apic_bus *bus)
{
	pthread_rwlock_init(&bus->lock, NULL);
	memset(bus->lapics, 0, sizeof(bus->lapics));
}

void emu_apic_bus_fini(struct emu_apic_bus *bus)
{
	pthread_rwlock_destroy(&bus->lock);
}

/* Does @l match @irq's destination?  l->lock held. */
static bool dest_match(const struct emu_lapic *l, const struct emu_lapic *src,
		       const struct emu_apic_irq *irq)
{
	uint32_t bcast = irq->x2apic_dest ? 0xffffffffu : 0xffu;
	uint32_t dest = irq->dest, ldr;

	switch (irq->shorthand) {
	case EMU_SH_SELF:
		return l == src;
	case EMU_SH_ALL:
		return true;
	case EMU_SH_ALL_BUT_SELF:
		return l != src;
	}
	if (dest == bcast)
		return true;
	if (!irq->dest_logical)
		return dest == apic_id(l);
	ldr = reg_get(l, APIC_LDR);
	if (x2apic_mode(l))
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	dest &= 0xff;
	ldr >>= 24;
	if ((reg_get(l, APIC_DFR) >> 28) == 0xf)	/* flat */
		return dest & ldr;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf);	/* cluster */
}

int emu_apic_bus_deliver(struct emu_apic_bus *bus, struct emu_lapic *src,
			 const struct emu_apic_irq *irq)
{
	bool lowest = irq->delivery_mode == EMU_DM_LOWEST;
	int i, n = 0;

	pthread_rwlock_rdlock(&bus->lock);
	for (i = 0; i < EMU_APIC_BUS_MAX; i++) {
		struct emu_lapic *l = bus->lapics[i];
		bool match, kick = false;

		if (!l)
			continue;
		pthread_mutex_lock(&l->lock);
		match = hw_enabled(l) && dest_match(l, src, irq);
		/*
		 * Lowest priority goes to the first (lowest-id) LAPIC that
		 * matches and is software enabled: a valid arbitration
		 * outcome, and deterministic.
		 */
		if (match && lowest && !sw_enabled(l))
			match = false;
		if (match)
			kick = accept_locked(l, irq);
		pthread_mutex_unlock(&l->lock);
		if (kick)
			l->ops->kick(l->opaque);
		if (match) {
			n++;
			if (lowest)
				break;
		}
	}
	pthread_rwlock_unlock(&bus->lock);
	return n;
}

void emu_msi_to_irq(uint64_t addr, uint32_t data, struct emu_apic_irq *irq)
{
	memset(irq, 0, sizeof(*irq));
	/* Address bits 19:12 dest id, 11:5 extended dest id (x2APIC), 2 DM. */
	irq->dest = ((addr >> 12) & 0xff) | (((addr >> 5) & 0x7f) << 8);
	irq->dest_logical = addr & (1u << 2);
	irq->vector = data & 0xff;
	irq->delivery_mode = (data >> 8) & 7;
	irq->level = data & (1u << 15);
	irq->assert = true;
	irq->x2apic_dest = irq->dest > 0xff;
}

/* ---------------------------------------------------------------- create */

static void reset_locked(struct emu_lapic *l, bool init_event, bool bsp)
{
	uint32_t id = apic_id(l);
	int off;

	if (!init_event) {
		l->base = EMU_APIC_DEFAULT_BASE | EMU_APIC_BASE_ENABLE |
			  (bsp ? EMU_APIC_BASE_BSP : 0);
		id = l->vcpu_id;
		l->nmi_pending = 0;
		l->sipi_pending = false;
		l->smi_pending = false;
	}
	l->init_pending = false;
	memset(l->regs, 0, sizeof(l->regs));
	reg_set(l, APIC_ID, x2apic_mode(l) ? id : id << 24);
	reg_set(l, APIC_LVR, LAPIC_VERSION);
	reg_set(l, APIC_DFR, 0xffffffffu);
	reg_set(l, APIC_SPIV, 0xff);
	for (off = APIC_LVTT; off <= APIC_LVTERR; off += 0x10)
		reg_set(l, off, APIC_LVT_MASKED);
	reg_set(l, APIC_LVTCMCI, APIC_LVT_MASKED);
	if (x2apic_mode(l))
		reg_set(l, APIC_LDR, x2apic_ldr(id));
	l->tsc_deadline = 0;
	timer_stop(l);
}

int emu_lapic_create(struct emu_apic_bus *bus, struct emu_clock *clock,
		     unsigned int id, bool bsp, unsigned int tsc_khz,
		     const struct emu_lapic_ops *ops, void *opaque,
		     struct emu_lapic **out)
{
	struct emu_lapic *l;
	int ret = 0;

	if (id >= EMU_APIC_BUS_MAX)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	pthread_mutex_init(&l->lock, NULL);
	l->bus = bus;
	l->vcpu_id = id;
	l->ops = ops;
	l->opaque = opaque;
	l->tsc_khz = tsc_khz;
	emu_timer_add(&l->timer, clock, lapic_timer_fire);
	pthread_mutex_lock(&l->lock);
	reset_locked(l, false, bsp);
	pthread_mutex_unlock(&l->lock);

	pthread_rwlock_wrlock(&bus->lock);
	if (bus->lapics[id])
		ret = -EEXIST;
	else
		bus->lapics[id] = l;
	pthread_rwlock_unlock(&bus->lock);
	if (ret) {
		emu_timer_del(&l->timer);
		pthread_mutex_destroy(&l->lock);
		free(l);
		return ret;
	}
	*out = l;
	return 0;
}

void emu_lapic_destroy(struct emu_lapic *l)
{
	if (!l)
		return;
	pthread_rwlock_wrlock(&l->bus->lock);
	l->bus->lapics[l->vcpu_id] = NULL;
	pthread_rwlock_unlock(&l->bus->lock);
	emu_timer_del(&l->timer);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

void emu_lapic_set_tsc_khz(struct emu_lapic *l, unsigned int khz)
{
	pthread_mutex_lock(&l->lock);
	l->tsc_khz = khz;
	pthread_mutex_unlock(&l->lock);
}

void emu_lapic_reset(struct emu_lapic *l, bool init_event)
{
	pthread_mutex_lock(&l->lock);
	reset_locked(l, init_event, l->base & EMU_APIC_BASE_BSP);
	pthread_mutex_unlock(&l->lock);
}

/* ---------------------------------------------------------------- base */

uint64_t emu_lapic_get_base(struct emu_lapic *l)
{
	uint64_t v;

	pthread_mutex_lock(&l->lock);
	v = l->base;
	pthread_mutex_unlock(&l->lock);
	return v;
}

bool emu_lapic_x2apic(struct emu_lapic *l)
{
	bool v;

	pthread_mutex_lock(&l->lock);
	v = x2apic_mode(l);
	pthread_mutex_unlock(&l->lock);
	return v;
}

int emu_lapic_set_base(struct emu_lapic *l, uint64_t value, bool host)
{
	const uint64_t en = EMU_APIC_BASE_ENABLE, extd = EMU_APIC_BASE_EXTD;
	uint64_t old;
	uint32_t id;

	/* Bits 0-7 and 9 reserved; 52-bit physical address width at most. */
	if (value & (0xffull | (1ull << 9) | (~0ull << 52)))
		return -1;
	/* EXTD without EN is no mode at all: refused to the host too (KVM). */
	if ((value & (en | extd)) == extd)
		return -1;
	pthread_mutex_lock(&l->lock);
	old = l->base;
	if (!host) {
		/* SDM 10.12.5: x2APIC -> xAPIC directly and disabled ->
		 * x2APIC are invalid transitions. */
		if (((old & (en | extd)) == (en | extd) &&
		     (value & (en | extd)) == en) ||
		    (!(old & en) && (value & (en | extd)) == (en | extd))) {
			pthread_mutex_unlock(&l->lock);
			return -1;
		}
	}
	id = apic_id(l);
	l->base = value;
	if ((old ^ value) & (en | extd)) {
		if (x2apic_mode(l)) {
			/* As KVM: the x2APIC ID is the vCPU id. */
			reg_set(l, APIC_ID, l->vcpu_id);
			reg_set(l, APIC_LDR, x2apic_ldr(l->vcpu_id));
		} else if (value & en) {
			reg_set(l, APIC_ID, (old & extd) ? l->vcpu_id << 24 :
				id << 24);
			if (old & extd)
				reg_set(l, APIC_LDR, 0);
		}
		if (!(value & en))
			timer_stop(l);
	}
	pthread_mutex_unlock(&l->lock);
	return 0;
}

bool emu_lapic_mmio_hit(struct emu_lapic *l, uint64_t gpa)
{
	bool hit;

	pthread_mutex_lock(&l->lock);
	hit = hw_enabled(l) && !x2apic_mode(l) &&
	      (gpa & ~0xfffull) == (l->base & ~0xfffull & ((1ull << 52) - 1));
	pthread_mutex_unlock(&l->lock);
	return hit;
}

/* ---------------------------------------------------------------- registers */

static uint32_t read_locked(struct emu_lapic *l, uint32_t off)
{
	switch (off) {
	case APIC_TMCCT:
		return timer_current_count(l);
	case APIC_ICR2:
		return x2apic_mode(l) ? 0 : reg_get(l, off);
	default:
		if (off >= KVM_APIC_REG_SIZE)
			return 0;
		return reg_get(l, off);
	}
}

static void eoi_locked(struct emu_lapic *l, struct lapic_post *post)
{
	int v = vec_highest(l, APIC_ISR);

	if (v < 0)
		return;
	vec_clear(l, APIC_ISR, v);
	update_ppr(l);
	if (vec_test(l, APIC_TMR, v))
		post->eoi_vector = v;
	post->kick = true;	/* a masked IRR vector may be deliverable now */
}

static void icr_send_locked(struct emu_lapic *l, uint64_t icr,
			    struct lapic_post *post)
{
	struct emu_apic_irq *irq = &post->irq;

	memset(irq, 0, sizeof(*irq));
	irq->vector = icr & 0xff;
	irq->delivery_mode = (icr >> 8) & 7;
	irq->dest_logical = icr & (1u << 11);
	irq->assert = icr & (1u << 14);
	irq->level = icr & (1u << 15);
	irq->shorthand = (icr >> 18) & 3;
	irq->x2apic_dest = x2apic_mode(l);
	irq->dest = x2apic_mode(l) ? icr >> 32 : reg_get(l, APIC_ICR2) >> 24;
	if ((irq->delivery_mode == EMU_DM_FIXED ||
	     irq->delivery_mode == EMU_DM_LOWEST) && irq->vector < 16) {
		set_error(l, ESR_SEND_ILLEGAL_VECTOR);
		return;
	}
	post->send = true;
}

static void lvt_write_locked(struct emu_lapic *l, uint32_t off, uint32_t val)
{
	static const uint32_t lvt_mask[] = {
		[0] = 0x000710ffu,	/* LVTT: vector, mask, mode */
		[1] = 0x000107ffu,	/* thermal */
		[2] = 0x000107ffu,	/* perf */
		[3] = 0x0001a7ffu,	/* LINT0 */
		[4] = 0x0001a7ffu,	/* LINT1 */
		[5] = 0x000100ffu,	/* error */
	};
	uint32_t old = reg_get(l, off);

	val &= lvt_mask[(off - APIC_LVTT) >> 4];
	if (off == APIC_LVTT && (val & APIC_TIMER_MODE_MASK) ==
				APIC_TIMER_MODE_MASK)
		val &= ~APIC_TIMER_MODE_MASK;	/* reserved mode: one-shot */
	if (!sw_enabled(l))
		val |= APIC_LVT_MASKED;
	if (off == APIC_LVT0 || off == APIC_LVT1)
		val |= old & (1u << 14);	/* remote IRR is read-only */
	reg_set(l, off, val);
	if (off == APIC_LVTT && ((old ^ val) & APIC_TIMER_MODE_MASK)) {
		/* A mode switch disarms the timer and clears both counts. */
		reg_set(l, APIC_TMICT, 0);
		l->tsc_deadline = 0;
		timer_stop(l);
	}
}

/* Returns false for a register the guest may not write (x2APIC #GP). */
static bool write_locked(struct emu_lapic *l, uint32_t off, uint64_t val,
			 struct lapic_post *post)
{
	uint32_t v = (uint32_t)val;
	bool x2 = x2apic_mode(l);

	switch (off) {
	case APIC_ID:
		if (x2)
			return false;
		reg_set(l, APIC_ID, v & 0xff000000u);
		break;
	case APIC_TASKPRI:
		reg_set(l, APIC_TASKPRI, v & 0xff);
		update_ppr(l);
		post->kick = true;
		break;
	case APIC_EOI:
		if (x2 && v)
			return false;
		eoi_locked(l, post);
		break;
	case APIC_LDR:
		if (x2)
			return false;
		reg_set(l, APIC_LDR, v & 0xff000000u);
		break;
	case APIC_DFR:
		if (x2)
			return false;
		reg_set(l, APIC_DFR, v | 0x0fffffffu);
		break;
	case APIC_SPIV:
		reg_set(l, APIC_SPIV, v & 0x3ff);
		if (!(v & APIC_SPIV_ENABLE)) {
			uint32_t o;

			for (o = APIC_LVTT; o <= APIC_LVTERR; o += 0x10)
				reg_set(l, o, reg_get(l, o) | APIC_LVT_MASKED);
		}
		post->kick = true;
		break;
	case APIC_ESR:
		if (x2 && v)
			return false;
		reg_set(l, APIC_ESR, 0);
		break;
	case APIC_ICR:
		if (x2) {
			reg_set(l, APIC_ICR, v & ~(1u << 12));
			reg_set(l, APIC_ICR2, val >> 32);
			icr_send_locked(l, val, post);
		} else {
			reg_set(l, APIC_ICR, v & ~(1u << 12));
			icr_send_locked(l, v, post);
		}
		break;
	case APIC_ICR2:
		if (x2)
			return false;
		reg_set(l, APIC_ICR2, v & 0xff000000u);
		break;
	case APIC_LVTT:
	case APIC_LVTTHMR:
	case APIC_LVTPC:
	case APIC_LVT0:
	case APIC_LVT1:
	case APIC_LVTERR:
		lvt_write_locked(l, off, v);
		break;
	case APIC_LVTCMCI:
		reg_set(l, off, (v & 0x107ff) |
			(sw_enabled(l) ? 0 : APIC_LVT_MASKED));
		break;
	case APIC_TMICT:
		if (timer_mode(l) == APIC_TIMER_TSCDEADLINE)
			break;
		reg_set(l, APIC_TMICT, v);
		timer_start(l);
		break;
	case APIC_TDCR:
		reg_set(l, APIC_TDCR, v & 0xb);
		break;
	case APIC_SELF_IPI:
		if (!x2)
			return true;
		icr_send_locked(l, (v & 0xff) | (EMU_SH_SELF << 18), post);
		break;
	default:
		if (x2)
			return false;
		set_error(l, ESR_ILLEGAL_REGISTER);
		break;
	}
	return true;
}

static void post_run(struct emu_lapic *l, struct lapic_post *post)
{
	if (post->send)
		emu_apic_bus_deliver(l->bus, l, &post->irq);
	if (post->eoi_vector >= 0 && l->ops->eoi)
		l->ops->eoi(l->opaque, post->eoi_vector);
	if (post->kick)
		l->ops->kick(l->opaque);
}

void emu_lapic_mmio_read(struct emu_lapic *l, uint32_t off, void *data,
			 unsigned int len)
{
	uint32_t reg = off & 0xff0, sub = off & 0xf, v = 0;
	uint8_t window[16] = { 0 };

	/* Only the low dword of each 16-byte register is decoded. */
	pthread_mutex_lock(&l->lock);
	if (reg != APIC_SELF_IPI)	/* x2APIC only */
		v = read_locked(l, reg);
	pthread_mutex_unlock(&l->lock);
	memcpy(window, &v, 4);
	memset(data, 0, len);
	memcpy(data, window + sub, len < 16 - sub ? len : 16 - sub);
}

void emu_lapic_mmio_write(struct emu_lapic *l, uint32_t off,
			  const void *data, unsigned int len)
{
	struct lapic_post post = { .eoi_vector = -1 };
	uint32_t v = 0;

	/* The SDM makes non-dword accesses undefined; honour aligned dwords. */
	if ((off & 0xf) || len < 4)
		return;
	memcpy(&v, data, 4);
	pthread_mutex_lock(&l->lock);
	if (hw_enabled(l) && !x2apic_mode(l))
		write_locked(l, off & 0xff0, v, &post);
	pthread_mutex_unlock(&l->lock);
	post_run(l, &post);
}

int emu_lapic_msr_read(struct emu_lapic *l, uint32_t msr, uint64_t *val)
{
	uint32_t off = (msr - MSR_X2APIC_FIRST) << 4;
	int ret = 0;

	pthread_mutex_lock(&l->lock);
	if (msr == MSR_IA32_TSC_DEADLINE) {
		*val = timer_mode(l) == APIC_TIMER_TSCDEADLINE ?
		       l->tsc_deadline : 0;
		goto out;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST ||
	    !x2apic_mode(l)) {
		ret = -1;
		goto out;
	}
	switch (off) {
	case APIC_ID: case APIC_LVR: case APIC_TASKPRI: case APIC_PROCPRI:
	case APIC_LDR: case APIC_SPIV: case APIC_ESR: case APIC_LVTCMCI:
	case APIC_LVTT: case APIC_LVTTHMR: case APIC_LVTPC: case APIC_LVT0:
	case APIC_LVT1: case APIC_LVTERR: case APIC_TMICT: case APIC_TMCCT:
	case APIC_TDCR:
		*val = read_locked(l, off);
		break;
	case APIC_ICR:
		*val = reg_get(l, APIC_ICR) |
		       (uint64_t)reg_get(l, APIC_ICR2) << 32;
		break;
	default:
		if (off >= APIC_ISR && off < APIC_IRR + 0x80) {
			*val = reg_get(l, off);
			break;
		}
		ret = -1;
	}
out:
	pthread_mutex_unlock(&l->lock);
	return ret;
}

int emu_lapic_msr_write(struct emu_lapic *l, uint32_t msr, uint64_t val)
{
	struct lapic_post post = { .eoi_vector = -1 };
	uint32_t off = (msr - MSR_X2APIC_FIRST) << 4;
	int ret = 0;

	pthread_mutex_lock(&l->lock);
	if (msr == MSR_IA32_TSC_DEADLINE) {
		/* Ignored outside TSC-deadline mode (SDM 10.5.4.1). */
		if (timer_mode(l) == APIC_TIMER_TSCDEADLINE) {
			l->tsc_deadline = val;
			tsc_deadline_arm(l);
		}
		goto out;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST ||
	    !x2apic_mode(l)) {
		ret = -1;
		goto out;
	}
	/* Reserved upper halves except for the ICR. */
	if (off != APIC_ICR && (val >> 32)) {
		ret = -1;
		goto out;
	}
	/* The ICR's reserved bits #GP in x2APIC mode (as KVM checks them). */
	if (off == APIC_ICR && (val & X2APIC_ICR_RSVD)) {
		ret = -1;
		goto out;
	}
	switch (off) {
	case APIC_LVR: case APIC_PROCPRI: case APIC_TMCCT:
		ret = -1;
		goto out;
	}
	if (off >= APIC_ISR && off < APIC_IRR + 0x80) {
		ret = -1;
		goto out;
	}
	if (!write_locked(l, off, val, &post))
		ret = -1;
out:
	pthread_mutex_unlock(&l->lock);
	post_run(l, &post);
	return ret;
}

uint64_t emu_lapic_get_cr8(struct emu_lapic *l)
{
	uint64_t v;

	pthread_mutex_lock(&l->lock);
	v = (reg_get(l, APIC_TASKPRI) >> 4) & 0xf;
	pthread_mutex_unlock(&l->lock);
	return v;
}

void emu_lapic_set_cr8(struct emu_lapic *l, uint64_t cr8)
{
	struct lapic_post post = { .eoi_vector = -1 };

	pthread_mutex_lock(&l->lock);
	write_locked(l, APIC_TASKPRI, (cr8 & 0xf) << 4, &post);
	pthread_mutex_unlock(&l->lock);
	post_run(l, &post);
}

/* ---------------------------------------------------------------- vCPU side */

static int pending_vector_locked(struct emu_lapic *l)
{
	int v;

	if (!hw_enabled(l) || !sw_enabled(l))
		return -1;
	v = vec_highest(l, APIC_IRR);
	if (v < 0 || ((uint32_t)v & 0xf0) <= (reg_get(l, APIC_PROCPRI) & 0xf0))
		return -1;
	return v;
}

int emu_lapic_has_interrupt(struct emu_lapic *l)
{
	int v;

	pthread_mutex_lock(&l->lock);
	v = pending_vector_locked(l);
	pthread_mutex_unlock(&l->lock);
	return v;
}

int emu_lapic_ack_interrupt(struct emu_lapic *l)
{
	int v;

	pthread_mutex_lock(&l->lock);
	v = pending_vector_locked(l);
	if (v >= 0) {
		vec_clear(l, APIC_IRR, v);
		vec_set(l, APIC_ISR, v);
		update_ppr(l);
	}
	pthread_mutex_unlock(&l->lock);
	return v;
}

void emu_lapic_eoi_vector(struct emu_lapic *l, int vector)
{
	pthread_mutex_lock(&l->lock);
	if (vector >= 0 && vector < 256 && vec_test(l, APIC_ISR, vector)) {
		vec_clear(l, APIC_ISR, vector);
		update_ppr(l);
	}
	pthread_mutex_unlock(&l->lock);
}

bool emu_lapic_take_nmi(struct emu_lapic *l)
{
	bool r;

	pthread_mutex_lock(&l->lock);
	r = l->nmi_pending;
	if (r)
		l->nmi_pending--;
	pthread_mutex_unlock(&l->lock);
	return r;
}

bool emu_lapic_take_init(struct emu_lapic *l)
{
	bool r;

	pthread_mutex_lock(&l->lock);
	r = l->init_pending;
	l->init_pending = false;
	pthread_mutex_unlock(&l->lock);
	return r;
}

bool emu_lapic_init_pending(struct emu_lapic *l)
{
	bool r;

	pthread_mutex_lock(&l->lock);
	r = l->init_pending;
	pthread_mutex_unlock(&l->lock);
	return r;
}

void emu_lapic_set_init_pending(struct emu_lapic *l, bool pending)
{
	pthread_mutex_lock(&l->lock);
	l->init_pending = pending;
	pthread_mutex_unlock(&l->lock);
}

int emu_lapic_take_sipi(struct emu_lapic *l)
{
	int v = -1;

	pthread_mutex_lock(&l->lock);
	if (l->sipi_pending)
		v = l->sipi_vector;
	l->sipi_pending = false;
	pthread_mutex_unlock(&l->lock);
	return v;
}

void emu_lapic_set_sipi_vector(struct emu_lapic *l, uint8_t vector)
{
	pthread_mutex_lock(&l->lock);
	l->sipi_vector = vector;
	pthread_mutex_unlock(&l->lock);
}

void emu_lapic_raise_sipi(struct emu_lapic *l)
{
	pthread_mutex_lock(&l->lock);
	l->sipi_pending = true;
	pthread_mutex_unlock(&l->lock);
}

unsigned int emu_lapic_pending(struct emu_lapic *l)
{
	unsigned int r = 0;

	pthread_mutex_lock(&l->lock);
	if (pending_vector_locked(l) >= 0)
		r |= EMU_LAPIC_EV_INTR;
	if (l->nmi_pending)
		r |= EMU_LAPIC_EV_NMI;
	if (l->init_pending)
		r |= EMU_LAPIC_EV_INIT;
	if (l->sipi_pending)
		r |= EMU_LAPIC_EV_SIPI;
	if (l->smi_pending)
		r |= EMU_LAPIC_EV_SMI;
	pthread_mutex_unlock(&l->lock);
	return r;
}

bool emu_lapic_take_smi(struct emu_lapic *l)
{
	bool r;

	pthread_mutex_lock(&l->lock);
	r = l->smi_pending;
	l->smi_pending = false;
	pthread_mutex_unlock(&l->lock);
	return r;
}

void emu_lapic_clear_nmi(struct emu_lapic *l)
{
	pthread_mutex_lock(&l->lock);
	l->nmi_pending = 0;
	pthread_mutex_unlock(&l->lock);
}

bool emu_lapic_accept_pic_intr(struct emu_lapic *l)
{
	uint32_t lvt0;
	bool r;

	pthread_mutex_lock(&l->lock);
	lvt0 = reg_get(l, APIC_LVT0);
	r = !hw_enabled(l) || (!(lvt0 & APIC_LVT_MASKED) &&
			       ((lvt0 >> 8) & 7) == EMU_DM_EXTINT);
	pthread_mutex_unlock(&l->lock);
	return r;
}

/* ---------------------------------------------------------------- state */

void emu_lapic_get_state(struct emu_lapic *l, struct kvm_lapic_state *s,
			 bool x2apic_format)
{
	uint32_t v;

	pthread_mutex_lock(&l->lock);
	memcpy(s->regs, l->regs, sizeof(s->regs));
	v = timer_current_count(l);
	memcpy(s->regs + APIC_TMCCT, &v, 4);
	if (x2apic_mode(l) && !x2apic_format) {
		/* KVM without KVM_CAP_X2APIC_API: x2APIC ID saved as id << 24. */
		v = reg_get(l, APIC_ID) << 24;
		memcpy(s->regs + APIC_ID, &v, 4);
	}
	pthread_mutex_unlock(&l->lock);
}

int emu_lapic_set_state(struct emu_lapic *l, const struct kvm_lapic_state *s,
			bool x2apic_format)
{
	uint32_t id;
	bool kick;

	pthread_mutex_lock(&l->lock);
	/*
	 * The x2APIC ID is read-only, the vCPU id (KVM's model): with
	 * KVM_CAP_X2APIC_API's 32-bit ids another value is refused, without
	 * it the program's value (id << 24) is ignored.
	 */
	memcpy(&id, s->regs + APIC_ID, 4);
	if (x2apic_mode(l) && x2apic_format && id != l->vcpu_id) {
		pthread_mutex_unlock(&l->lock);
		return -EINVAL;
	}
	memcpy(l->regs, s->regs, sizeof(l->regs));
	reg_set(l, APIC_LVR, LAPIC_VERSION);
	if (x2apic_mode(l)) {
		reg_set(l, APIC_ID, l->vcpu_id);
		reg_set(l, APIC_LDR, x2apic_ldr(l->vcpu_id));
	}
	reg_set(l, APIC_TMCCT, 0);
	update_ppr(l);
	/* Like KVM: the timer restarts from the initial count. */
	timer_stop(l);
	if (timer_mode(l) == APIC_TIMER_TSCDEADLINE)
		tsc_deadline_arm(l);
	else
		timer_start(l);
	kick = true;
	pthread_mutex_unlock(&l->lock);
	if (kick)
		l->ops->kick(l->opaque);
	return 0;
}
