// SPDX-License-Identifier: GPL-2.0
/*
 * ioeventfd.c - KVM_IOEVENTFD for the emu backend.
 *
 * Semantics are KVM's: PIO, MMIO (and the CCW flag, accepted and never
 * triggered, as on x86 KVM); len 0 (MMIO-notify style: any width at
 * exactly @addr; not with DATAMATCH), 1, 2, 4 or 8; DATAMATCH compares the
 * written value, zero-extended from the access width; -EEXIST when an
 * entry on the same bus and address could match the same writes (KVM's
 * collision rule, which ignores the eventfd); DEASSIGN matches bus, addr,
 * len, eventfd, the DATAMATCH flag and (with it) the value, -ENOENT if
 * none.  A matching guest write signals the eventfd and completes without
 * an exit; anything else exits as before; reads never match.  REP OUTS
 * (count > 1) and MMIO wider than 8 bytes are never matched (they exit),
 * where KVM would try element by element: no virtio driver does either.
 *
 * Ownership: as for irqfds (irqfd.c), an entry owns a dup of the eventfd,
 * identified by file description, closed when the entry is removed; the
 * owner may close its number whenever it likes.
 *
 * The vCPU path takes no lock.  The table is an immutable array sorted by
 * (bus, addr), replaced as a whole by updaters (s->lock) and published
 * with an atomic pointer; NULL when empty, so a VM without ioeventfds pays
 * one load per exit.  Reclamation uses one hazard pointer per vCPU
 * (v->ioev_hazard): the reader announces the table it uses and re-checks
 * the published pointer; the updater swaps the pointer, then waits until
 * no vCPU announces the old table before closing removed descriptors and
 * freeing it.  (Both sides use sequentially consistent atomics, so either
 * the reader sees the new table or the updater sees the hazard.)  Hence
 * once hv_ioeventfd(DEASSIGN) returns, no vCPU can signal that eventfd.
 * vCPUs share nothing written on this path: no contention between them.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "efd.h"
#include "emu_priv.h"

struct emu_ioev {
	uint64_t addr;
	uint64_t datamatch;
	uint32_t len;			/* 0: any width */
	uint8_t bus;			/* EMU_IOEV_* */
	bool wildcard;			/* no DATAMATCH */
	int fd;				/* our dup */
};

struct emu_ioev_table {
	uint32_t nr;
	struct emu_ioev e[];
};

/*
 * KVM_IOEVENTFD_VALID_FLAG_MASK: KVM also accepts (and ignores) bit 4,
 * kvm_ioeventfd_flag_nr_fast_mmio, which has no uapi macro of its own.
 */
#define IOEV_FLAG_FAST_MMIO	(1u << 4)
#define IOEV_FLAGS	(KVM_IOEVENTFD_FLAG_DATAMATCH | KVM_IOEVENTFD_FLAG_PIO | \
			 KVM_IOEVENTFD_FLAG_DEASSIGN | \
			 KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY | \
			 IOEV_FLAG_FAST_MMIO)

void emu_ioevs_init(struct emu_ioevs *s)
{
	pthread_mutex_init(&s->lock, NULL);
}

static int ioev_cmp(const struct emu_ioev *a, const struct emu_ioev *b)
{
	if (a->bus != b->bus)
		return a->bus < b->bus ? -1 : 1;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/* Index of the first entry >= (bus, addr). */
static uint32_t ioev_lower(const struct emu_ioev_table *t, unsigned int bus,
			   uint64_t addr)
{
	struct emu_ioev key = { .addr = addr, .bus = bus };
	uint32_t lo = 0, hi = t->nr;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (ioev_cmp(&t->e[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool emu_ioeventfd_write(struct emu_vcpu *v, unsigned int bus, uint64_t addr,
			 const void *data, unsigned int len)
{
	struct emu_ioevs *s = &v->vm->ioevs;
	struct emu_ioev_table *t, *t2;
	uint64_t val = 0;
	bool hit = false;
	uint32_t i;

	t = atomic_load(&s->table);
	if (!t)
		return false;
	for (;;) {
		atomic_store(&v->ioev_hazard, t);
		t2 = atomic_load(&s->table);
		if (t2 == t)
			break;
		t = t2;
		if (!t) {
			atomic_store(&v->ioev_hazard, NULL);
			return false;
		}
	}
	memcpy(&val, data, len > 8 ? 8 : len);
	for (i = ioev_lower(t, bus, addr);
	     i < t->nr && t->e[i].bus == bus && t->e[i].addr == addr; i++) {
		const struct emu_ioev *e = &t->e[i];

		if (e->len && (e->len != len ||
			       (!e->wildcard && e->datamatch != val)))
			continue;
		efd_signal(e->fd);
		hit = true;
		break;
	}
	atomic_store(&v->ioev_hazard, NULL);
	return hit;
}

/* Wait until no vCPU can be reading @old.  s->lock held. */
static void ioev_retire(struct emu_vm *vm, struct emu_ioev_table *old)
{
	unsigned int i;

	if (!old)
		return;
	pthread_rwlock_rdlock(&vm->vcpu_lock);
	for (i = 0; i < EMU_MAX_VCPUS; i++) {
		struct emu_vcpu *v = vm->vcpus[i];

		while (v && atomic_load(&v->ioev_hazard) == old)
			sched_yield();
	}
	pthread_rwlock_unlock(&vm->vcpu_lock);
}

/* KVM's ioeventfd_check_collision(). */
static bool ioev_collides(const struct emu_ioev *a, const struct emu_ioev *b)
{
	return a->bus == b->bus && a->addr == b->addr &&
	       (!a->len || !b->len ||
		(a->len == b->len &&
		 (a->wildcard || b->wildcard || a->datamatch == b->datamatch)));
}

/* Publish a new table (NULL if @nr == 0) and retire the old one. */
static int ioev_replace(struct emu_vm *vm, const struct emu_ioev *e,
			uint32_t nr)
{
	struct emu_ioevs *s = &vm->ioevs;
	struct emu_ioev_table *t = NULL, *old;
	uint32_t i, j;

	if (nr) {
		t = malloc(sizeof(*t) + nr * sizeof(t->e[0]));
		if (!t)
			return -ENOMEM;
		t->nr = nr;
		memcpy(t->e, e, nr * sizeof(*e));
		/* Insertion sort: tables are small and nearly sorted. */
		for (i = 1; i < nr; i++) {
			struct emu_ioev x = t->e[i];

			for (j = i; j > 0 && ioev_cmp(&t->e[j - 1], &x) > 0; j--)
				t->e[j] = t->e[j - 1];
			t->e[j] = x;
		}
	}
	old = atomic_exchange(&s->table, t);
	ioev_retire(vm, old);
	free(old);
	return 0;
}

static int ioev_assign(struct emu_vm *vm, const struct kvm_ioeventfd *a,
		       unsigned int bus)
{
	struct emu_ioevs *s = &vm->ioevs;
	struct emu_ioev_table *t;
	struct emu_ioev n = {
		.addr = a->addr, .len = a->len, .bus = bus,
		.wildcard = !(a->flags & KVM_IOEVENTFD_FLAG_DATAMATCH),
	}, *e;
	uint32_t i, nr;
	int ret;

	if (!n.wildcard)
		n.datamatch = a->datamatch;
	n.fd = efd_get(a->fd);
	if (n.fd < 0)
		return n.fd;
	pthread_mutex_lock(&s->lock);
	t = atomic_load(&s->table);
	nr = t ? t->nr : 0;
	for (i = 0; i < nr; i++)
		if (ioev_collides(&t->e[i], &n)) {
			ret = -EEXIST;
			goto out;
		}
	e = malloc((nr + 1) * sizeof(*e));
	if (!e) {
		ret = -ENOMEM;
		goto out;
	}
	if (nr)
		memcpy(e, t->e, nr * sizeof(*e));
	e[nr] = n;
	ret = ioev_replace(vm, e, nr + 1);
	free(e);
out:
	pthread_mutex_unlock(&s->lock);
	if (ret)
		close(n.fd);
	return ret;
}

static int ioev_deassign(struct emu_vm *vm, const struct kvm_ioeventfd *a,
			 unsigned int bus)
{
	struct emu_ioevs *s = &vm->ioevs;
	bool wildcard = !(a->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	struct emu_ioev_table *t;
	struct emu_ioev *e = NULL;
	int fd, ret = -ENOENT, victim = -1;
	uint32_t i, nr;

	fd = efd_get(a->fd);
	if (fd < 0)
		return fd;
	pthread_mutex_lock(&s->lock);
	t = atomic_load(&s->table);
	nr = t ? t->nr : 0;
	for (i = 0; i < nr; i++) {
		const struct emu_ioev *x = &t->e[i];

		if (x->bus != bus || x->addr != a->addr || x->len != a->len ||
		    x->wildcard != wildcard ||
		    (!wildcard && x->datamatch != a->datamatch) ||
		    efd_same(x->fd, fd) != 1)
			continue;
		e = malloc(nr * sizeof(*e));
		if (!e) {
			ret = -ENOMEM;
			break;
		}
		memcpy(e, t->e, i * sizeof(*e));
		memcpy(e + i, t->e + i + 1, (nr - i - 1) * sizeof(*e));
		victim = x->fd;
		ret = ioev_replace(vm, e, nr - 1);
		free(e);
		break;
	}
	pthread_mutex_unlock(&s->lock);
	/* No vCPU can be signalling through it now. */
	if (!ret)
		close(victim);
	close(fd);
	return ret;
}

int emu_ioeventfd_op(struct emu_vm *vm, const struct kvm_ioeventfd *a)
{
	unsigned int bus = (a->flags & KVM_IOEVENTFD_FLAG_PIO) ? EMU_IOEV_PIO :
			   (a->flags & KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY) ?
			   EMU_IOEV_CCW : EMU_IOEV_MMIO;

	if (a->flags & KVM_IOEVENTFD_FLAG_DEASSIGN)
		return ioev_deassign(vm, a, bus);
	/* KVM's checks, in KVM's order. */
	switch (a->len) {
	case 0: case 1: case 2: case 4: case 8:
		break;
	default:
		return -EINVAL;
	}
	if (a->addr + a->len < a->addr)
		return -EINVAL;
	if (a->flags & ~IOEV_FLAGS)
		return -EINVAL;
	if (!a->len && (a->flags & KVM_IOEVENTFD_FLAG_DATAMATCH))
		return -EINVAL;
	return ioev_assign(vm, a, bus);
}

/* VM destroy: no vCPU exists, so nobody reads the table. */
void emu_ioevs_destroy(struct emu_vm *vm)
{
	struct emu_ioevs *s = &vm->ioevs;
	struct emu_ioev_table *t = atomic_exchange(&s->table, NULL);
	uint32_t i;

	for (i = 0; t && i < t->nr; i++)
		close(t->e[i].fd);
	free(t);
	pthread_mutex_destroy(&s->lock);
}
