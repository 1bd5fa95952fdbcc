// SPDX-License-Identifier: GPL-2.0
/*
 * irq_routing.c - the emu backend's GSI routing table.
 *
 * The default table is KVM's: GSI 0-15 go to both the 8259 pair (master
 * pins 0-7, slave pins 0-7 for GSI 8-15) and IOAPIC pin = GSI; GSI 16-23
 * go to the IOAPIC only.  In particular the PIT on GSI 0 reaches IOAPIC
 * pin 0; a VMM that describes the ISA IRQ0 -> GSI 2 override in its MADT
 * installs the matching route with KVM_SET_GSI_ROUTING, on either backend.
 *
 * Locking:
 *  - r->lock (rwlock): the read side for every delivery, the write side
 *    to swap in a new table, so a delivery sees one whole table.
 *  - r->line_lock: the per-source level bitmaps of each pin, held across
 *    the call into the chip so that level changes of one pin reach the
 *    chip in the order they were computed.
 *  Order: r->lock, r->line_lock, chip lock, bus lock, LAPIC lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "irq_routing.h"

struct emu_route {
	uint32_t gsi;
	uint32_t type;			/* KVM_IRQ_ROUTING_IRQCHIP / _MSI */
	uint32_t chip, pin;
	uint64_t msi_addr;
	uint32_t msi_data;
};

struct emu_route_table {
	uint32_t nr;
	struct emu_route e[];		/* sorted by gsi */
};

struct emu_irq_router {
	pthread_rwlock_t lock;
	struct emu_route_table *table;
	pthread_mutex_t line_lock;
	uint32_t pic_src[16];
	uint32_t ioapic_src[EMU_IOAPIC_PINS];
	uint32_t sources;		/* allocated source ids */
	struct emu_pic *pic;
	struct emu_ioapic *ioapic;
	struct emu_apic_bus *bus;
};

static int route_cmp(const void *a, const void *b)
{
	const struct emu_route *x = a, *y = b;

	return x->gsi < y->gsi ? -1 : x->gsi > y->gsi;
}

static int route_check(const struct kvm_irq_routing_entry *ue)
{
	if (ue->gsi >= EMU_MAX_IRQ_ROUTES || ue->flags)
		return -EINVAL;
	switch (ue->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		switch (ue->u.irqchip.irqchip) {
		case KVM_IRQCHIP_PIC_MASTER:
		case KVM_IRQCHIP_PIC_SLAVE:
			return ue->u.irqchip.pin < 8 ? 0 : -EINVAL;
		case KVM_IRQCHIP_IOAPIC:
			return ue->u.irqchip.pin < EMU_IOAPIC_PINS ? 0 : -EINVAL;
		}
		return -EINVAL;
	case KVM_IRQ_ROUTING_MSI:
		return 0;
	default:
		return -EINVAL;
	}
}

static struct emu_route_table *table_build(const struct kvm_irq_routing *t,
					   int *err)
{
	struct emu_route_table *tab;
	uint32_t i;

	*err = -EINVAL;
	if (t->nr > EMU_MAX_IRQ_ROUTES || t->flags)
		return NULL;
	tab = calloc(1, sizeof(*tab) + t->nr * sizeof(tab->e[0]));
	if (!tab) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < t->nr; i++) {
		const struct kvm_irq_routing_entry *ue = &t->entries[i];
		struct emu_route *e = &tab->e[i];

		if (route_check(ue))
			goto fail;
		e->gsi = ue->gsi;
		e->type = ue->type;
		if (ue->type == KVM_IRQ_ROUTING_IRQCHIP) {
			e->chip = ue->u.irqchip.irqchip;
			e->pin = ue->u.irqchip.pin;
		} else {
			e->msi_addr = ue->u.msi.address_lo |
				      (uint64_t)ue->u.msi.address_hi << 32;
			e->msi_data = ue->u.msi.data;
		}
	}
	tab->nr = t->nr;
	qsort(tab->e, tab->nr, sizeof(tab->e[0]), route_cmp);
	/*
	 * As KVM: one GSI may feed several irqchips (each at most once),
	 * but an MSI route must be the GSI's only route.
	 */
	for (i = 1; i < tab->nr; i++) {
		const struct emu_route *a = &tab->e[i - 1], *b = &tab->e[i];

		if (a->gsi != b->gsi)
			continue;
		if (a->type != KVM_IRQ_ROUTING_IRQCHIP ||
		    b->type != KVM_IRQ_ROUTING_IRQCHIP || a->chip == b->chip)
			goto fail;
	}
	*err = 0;
	return tab;
fail:
	free(tab);
	return NULL;
}

static struct emu_route_table *table_default(void)
{
	struct kvm_irq_routing *t;
	struct emu_route_table *tab;
	int i, n = 0, err;

	t = calloc(1, sizeof(*t) + 40 * sizeof(t->entries[0]));
	if (!t)
		return NULL;
	for (i = 0; i < EMU_IOAPIC_PINS; i++) {
		t->entries[n].gsi = i;
		t->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		t->entries[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		t->entries[n++].u.irqchip.pin = i;
		if (i >= 16)
			continue;
		t->entries[n].gsi = i;
		t->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		t->entries[n].u.irqchip.irqchip = i < 8 ? KVM_IRQCHIP_PIC_MASTER :
						  KVM_IRQCHIP_PIC_SLAVE;
		t->entries[n++].u.irqchip.pin = i & 7;
	}
	t->nr = n;
	tab = table_build(t, &err);
	free(t);
	return tab;
}

int emu_irq_router_create(struct emu_pic *pic, struct emu_ioapic *ioapic,
			  struct emu_apic_bus *bus,
			  struct emu_irq_router **out)
{
	struct emu_irq_router *r;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->table = table_default();
	if (!r->table) {
		free(r);
		return -ENOMEM;
	}
	pthread_rwlock_init(&r->lock, NULL);
	pthread_mutex_init(&r->line_lock, NULL);
	r->sources = 1u << EMU_IRQ_SOURCE_USER;
	r->pic = pic;
	r->ioapic = ioapic;
	r->bus = bus;
	*out = r;
	return 0;
}

void emu_irq_router_destroy(struct emu_irq_router *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->line_lock);
	pthread_rwlock_destroy(&r->lock);
	free(r->table);
	free(r);
}

int emu_irq_set_routing(struct emu_irq_router *r,
			const struct kvm_irq_routing *t)
{
	struct emu_route_table *tab, *old;
	int err;

	tab = table_build(t, &err);
	if (!tab)
		return err;
	pthread_rwlock_wrlock(&r->lock);
	old = r->table;
	r->table = tab;
	pthread_rwlock_unlock(&r->lock);
	free(old);
	return 0;
}

int emu_irq_source_alloc(struct emu_irq_router *r)
{
	int i, ret = -EBUSY;

	pthread_mutex_lock(&r->line_lock);
	for (i = 1; i < EMU_IRQ_SOURCES; i++) {
		if (!(r->sources & (1u << i))) {
			r->sources |= 1u << i;
			ret = i;
			break;
		}
	}
	pthread_mutex_unlock(&r->line_lock);
	return ret;
}

void emu_irq_source_free(struct emu_irq_router *r, int source)
{
	int i;

	if (source <= 0 || source >= EMU_IRQ_SOURCES)
		return;
	pthread_mutex_lock(&r->line_lock);
	r->sources &= ~(1u << source);
	/* The source's assertions go with it (lines are re-evaluated
	 * the next time someone drives them). */
	for (i = 0; i < 16; i++)
		r->pic_src[i] &= ~(1u << source);
	for (i = 0; i < EMU_IOAPIC_PINS; i++)
		r->ioapic_src[i] &= ~(1u << source);
	pthread_mutex_unlock(&r->line_lock);
}

/* Update one source bit of @state; returns the wired-OR line level. */
static bool line_state(uint32_t *state, int source, bool level)
{
	if (level)
		*state |= 1u << source;
	else
		*state &= ~(1u << source);
	return *state != 0;
}

static int msi_deliver(struct emu_irq_router *r, uint64_t addr, uint32_t data)
{
	struct emu_apic_irq irq;

	emu_msi_to_irq(addr, data, &irq);
	return emu_apic_bus_deliver(r->bus, NULL, &irq);
}

int emu_irq_line(struct emu_irq_router *r, int source, uint32_t gsi,
		 bool level)
{
	const struct emu_route_table *tab;
	size_t lo = 0, hi;
	int n = 0;

	if (source < 0 || source >= EMU_IRQ_SOURCES)
		return -EINVAL;
	pthread_rwlock_rdlock(&r->lock);
	tab = r->table;
	hi = tab->nr;
	while (lo < hi) {			/* first route of @gsi */
		size_t mid = (lo + hi) / 2;

		if (tab->e[mid].gsi < gsi)
			lo = mid + 1;
		else
			hi = mid;
	}
	pthread_mutex_lock(&r->line_lock);
	for (; lo < tab->nr && tab->e[lo].gsi == gsi; lo++, n++) {
		const struct emu_route *e = &tab->e[lo];
		unsigned int irq;

		if (e->type == KVM_IRQ_ROUTING_MSI) {
			if (level)
				msi_deliver(r, e->msi_addr, e->msi_data);
			continue;
		}
		switch (e->chip) {
		case KVM_IRQCHIP_PIC_MASTER:
		case KVM_IRQCHIP_PIC_SLAVE:
			irq = e->pin + (e->chip == KVM_IRQCHIP_PIC_SLAVE ? 8 : 0);
			emu_pic_set_irq(r->pic, irq,
					line_state(&r->pic_src[irq], source,
						   level));
			break;
		case KVM_IRQCHIP_IOAPIC:
			emu_ioapic_set_irq(r->ioapic, e->pin,
					   line_state(&r->ioapic_src[e->pin],
						      source, level));
			break;
		}
	}
	pthread_mutex_unlock(&r->line_lock);
	pthread_rwlock_unlock(&r->lock);
	return n;
}

bool emu_irq_gsi_routes_to(struct emu_irq_router *r, uint32_t gsi,
			   uint32_t chip, uint32_t pin)
{
	const struct emu_route_table *tab;
	bool hit = false;
	uint32_t i;

	pthread_rwlock_rdlock(&r->lock);
	tab = r->table;
	for (i = 0; i < tab->nr && !hit; i++)
		hit = tab->e[i].gsi == gsi &&
		      tab->e[i].type == KVM_IRQ_ROUTING_IRQCHIP &&
		      tab->e[i].chip == chip && tab->e[i].pin == pin;
	pthread_rwlock_unlock(&r->lock);
	return hit;
}

int emu_irq_signal_msi(struct emu_irq_router *r, const struct kvm_msi *msi)
{
	if (msi->flags)
		return -EINVAL;
	return msi_deliver(r, msi->address_lo | (uint64_t)msi->address_hi << 32,
			   msi->data);
}
