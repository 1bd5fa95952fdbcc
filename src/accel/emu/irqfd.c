// SPDX-License-Identifier: GPL-2.0
/*
 * irqfd.c - KVM_IRQFD for the emu backend (seed-apis.md 4.2-4.4).
 *
 * Ownership rule.  On assign the backend dup()s the eventfd (and the
 * resamplefd) with F_DUPFD_CLOEXEC: the binding owns that descriptor, and
 * with it a reference to the open file description, until deassign or VM
 * destroy closes it.  The owner's fd number is never stored.  Bindings are
 * identified by file description (kcmp(KCMP_FILE), efd.c), so:
 *  - deassign with another fd number for the same eventfd matches, as in
 *    KVM, and a reused number that now names another file never does;
 *  - global uniqueness (one eventfd backs at most one irqfd in the whole
 *    process, any VM: -EBUSY) is a process-wide registry keyed by file
 *    description, the one global of the backend;
 *  - the owner's close() of its number does NOT tear the binding down.
 *    KVM detaches an irqfd on EPOLLHUP, i.e. when the last reference to
 *    the eventfd goes; here the last reference is our own dup, so that
 *    moment never comes while the binding exists, and userspace cannot
 *    observe the owner's close anyway.  This is safe: nothing is freed
 *    under anybody (our dup keeps the eventfd alive, the injector only
 *    ever uses our dup), the binding just lives on until deassign (with
 *    any fd for the same eventfd) or VM destroy, and the eventfd is freed
 *    then.  A VMM that relied on close() to unbind must deassign instead;
 *    the difference is visible only as the eventfd staying -EBUSY for
 *    other irqfds until then.
 *
 * Delivery.  One injector thread per VM (started with the first binding)
 * epoll-waits, level-triggered, on the bindings' descriptors.  On EPOLLIN
 * it consumes the counter (so, as with KVM, the owner's pollers see
 * nothing) and injects: edge irqfds pulse the GSI from the user source,
 * RESAMPLE irqfds assert it from the VM's resample source until the guest
 * EOIs, and an MSI-routed GSI delivers its message (emu_irq_line() reads
 * the routing table under the router's lock, so after hv_set_gsi_routing()
 * returns every injection uses the new route; this is KVM's per-irqfd
 * routing snapshot, kept in one place).  An eventfd signalled before
 * assign is readable when it joins the epoll set and is delivered at once.
 *
 * Teardown (deassign, VM destroy), in KVM's order:
 *  1. under the registry lock take the binding off the list: it is now
 *     inactive and this caller alone owns its teardown;
 *  2. EPOLL_CTL_DEL: no epoll_wait that starts from now on returns it;
 *  3. wait for the injector's epoch to move (injector_quiesce()): the
 *     batch that might still hold the binding has been processed.  From
 *     here no interrupt can come from the binding;
 *  4. leave the resampler (the last one de-asserts the line), after which
 *     no resamplefd signal can come either;
 *  5. close our descriptors and free.
 * VM destroy does 1 for all bindings, stops and joins the injector (a
 * stronger 3), then 4-5.  Routing changes need nothing (see above).
 *
 * Locks (order top to bottom):
 *  - s->lock (per VM): serialises assign, deassign and destroy of one VM,
 *    so a binding is never half built while another caller looks at it.
 *  - registry_lock (process): the list of all bindings of all VMs.
 *  - s->rs_lock: resamplers and their member lists; taken by the ack
 *    hook on vCPU threads (no chip lock held there), then router locks.
 *  - s->q_lock: the injector's epoch and stop flag (leaf).
 * The injector takes none of the first three: it only reads its
 * bindings, which stay allocated until after the quiesce in step 3.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "efd.h"
#include "emu_priv.h"

struct emu_irqfd {
	struct emu_vm *vm;		/* not a reference: see teardown */
	int fd;				/* our dup of the eventfd */
	int resamplefd;			/* our dup, -1 without RESAMPLE */
	uint32_t gsi;
	atomic_bool active;		/* on the registry list */
	atomic_bool ready;		/* fields set; published before epoll */
	struct emu_resampler *rs;	/* set before the fd is in epoll */
	struct emu_irqfd *next;		/* registry (registry_lock) */
	struct emu_irqfd *rs_next;	/* resampler members (rs_lock) */
	struct emu_irqfd *dead_next;	/* teardown batch (owner only) */
};

struct emu_resampler {
	uint32_t gsi;
	struct emu_irqfd *members;
	struct emu_resampler *next;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct emu_irqfd *registry;

void emu_irqfds_init(struct emu_irqfds *s)
{
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->q_lock, NULL);
	pthread_cond_init(&s->q_cond, NULL);
	pthread_mutex_init(&s->rs_lock, NULL);
	s->epfd = -1;
	s->wakefd = -1;
	s->rs_source = -1;
}

/* ---------------------------------------------------------------- injector */

static void irqfd_fire(struct emu_irqfd *f)
{
	struct emu_vm *vm = f->vm;
	struct emu_irqfds *s = &vm->irqfds;
	emu_irqfd_hook_fn hook;

	/*
	 * The acquire pairs with the release in irqfd_assign(): epoll hands
	 * us the pointer, but only this makes the fields visible (for the
	 * memory model, and for TSan, which does not know epoll).
	 */
	if (!atomic_load_explicit(&f->ready, memory_order_acquire))
		return;
	if (!efd_consume(f->fd))
		return;
	/* Deactivated: teardown is waiting for us; inject nothing. */
	if (!atomic_load(&f->active))
		return;
	hook = atomic_load(&s->hook);
	if (hook)
		hook(atomic_load(&s->hook_opaque), f->gsi);
	if (f->rs) {
		emu_irq_line(vm->router, s->rs_source, f->gsi, true);
	} else {
		emu_irq_line(vm->router, EMU_IRQ_SOURCE_USER, f->gsi, true);
		emu_irq_line(vm->router, EMU_IRQ_SOURCE_USER, f->gsi, false);
	}
}

static void *injector(void *arg)
{
	struct emu_vm *vm = arg;
	struct emu_irqfds *s = &vm->irqfds;
	struct epoll_event ev[32];
	bool stop;
	int n, i;

	for (;;) {
		n = epoll_wait(s->epfd, ev, 32, -1);
		for (i = 0; i < n; i++) {
			if (ev[i].data.ptr)
				irqfd_fire(ev[i].data.ptr);
			else
				efd_consume(s->wakefd);
		}
		/* A quiescent point: nothing from the last batch is held. */
		pthread_mutex_lock(&s->q_lock);
		s->epoch++;
		stop = s->stop;
		pthread_cond_broadcast(&s->q_cond);
		pthread_mutex_unlock(&s->q_lock);
		if (stop)
			return NULL;
	}
}

/* s->lock held. */
static int injector_start(struct emu_vm *vm)
{
	struct emu_irqfds *s = &vm->irqfds;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	int ret;

	if (s->started)
		return 0;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->epfd < 0 || s->wakefd < 0) {
		ret = -errno;
		goto fail;
	}
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->wakefd, &ev)) {
		ret = -errno;
		goto fail;
	}
	s->stop = false;
	ret = -pthread_create(&s->thread, NULL, injector, vm);
	if (ret)
		goto fail;
	s->started = true;
	return 0;
fail:
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->wakefd >= 0)
		close(s->wakefd);
	s->epfd = s->wakefd = -1;
	return ret;
}

/*
 * Called after EPOLL_CTL_DEL of the bindings being torn down.  The epoch
 * counts completed injector iterations.  Read after the DEL, it is e:
 * iteration e+1 may be inside an epoll_wait that started before the DEL
 * (and so may return the binding) or processing its batch; iteration e+2
 * starts its epoll_wait after the epoch became e+1, i.e. after our read,
 * after the DEL, and cannot see the binding.  So wait for the epoch to
 * pass e, waking the injector in case it sleeps.
 */
static void injector_quiesce(struct emu_irqfds *s)
{
	uint64_t e;

	if (!s->started)
		return;
	pthread_mutex_lock(&s->q_lock);
	e = s->epoch;
	efd_signal(s->wakefd);
	while (s->epoch == e)
		pthread_cond_wait(&s->q_cond, &s->q_lock);
	pthread_mutex_unlock(&s->q_lock);
}

static void injector_stop(struct emu_irqfds *s)
{
	if (!s->started)
		return;
	pthread_mutex_lock(&s->q_lock);
	s->stop = true;
	efd_signal(s->wakefd);
	pthread_mutex_unlock(&s->q_lock);
	pthread_join(s->thread, NULL);
	close(s->epfd);
	close(s->wakefd);
	s->epfd = s->wakefd = -1;
	s->started = false;
}

/* ---------------------------------------------------------------- resample */

/* s->lock held; the resampler exists before the binding is reachable. */
static int resampler_join(struct emu_vm *vm, struct emu_irqfd *f)
{
	struct emu_irqfds *s = &vm->irqfds;
	struct emu_resampler *rs;
	int ret = 0;

	pthread_mutex_lock(&s->rs_lock);
	if (s->rs_source < 0) {
		ret = emu_irq_source_alloc(vm->router);
		if (ret < 0)
			goto out;
		s->rs_source = ret;
		ret = 0;
	}
	for (rs = s->rs; rs && rs->gsi != f->gsi; rs = rs->next)
		;
	if (!rs) {
		rs = calloc(1, sizeof(*rs));
		if (!rs) {
			ret = -ENOMEM;
			goto out;
		}
		rs->gsi = f->gsi;
		rs->next = s->rs;
		s->rs = rs;
		atomic_fetch_add(&s->nr_rs, 1);
	}
	f->rs_next = rs->members;
	rs->members = f;
	f->rs = rs;
out:
	pthread_mutex_unlock(&s->rs_lock);
	return ret;
}

/* After the injector quiesced for @f: it cannot assert the line again. */
static void resampler_leave(struct emu_vm *vm, struct emu_irqfd *f)
{
	struct emu_irqfds *s = &vm->irqfds;
	struct emu_resampler *rs = f->rs, **pp;
	struct emu_irqfd **fp;

	if (!rs)
		return;
	pthread_mutex_lock(&s->rs_lock);
	for (fp = &rs->members; *fp && *fp != f; fp = &(*fp)->rs_next)
		;
	if (*fp)
		*fp = f->rs_next;
	if (!rs->members) {
		/* The last one: nobody will re-assert, drop the line. */
		emu_irq_line(vm->router, s->rs_source, rs->gsi, false);
		for (pp = &s->rs; *pp && *pp != rs; pp = &(*pp)->next)
			;
		if (*pp)
			*pp = rs->next;
		atomic_fetch_sub(&s->nr_rs, 1);
		free(rs);
	}
	pthread_mutex_unlock(&s->rs_lock);
}

void emu_irqfd_ack(struct emu_vm *vm, uint32_t chip, uint32_t pin)
{
	struct emu_irqfds *s = &vm->irqfds;
	struct emu_resampler *rs;
	struct emu_irqfd *f;

	/* Every level EOI comes here: no lock unless resamplers exist. */
	if (!atomic_load(&s->nr_rs))
		return;
	pthread_mutex_lock(&s->rs_lock);
	for (rs = s->rs; rs; rs = rs->next) {
		if (!emu_irq_gsi_routes_to(vm->router, rs->gsi, chip, pin))
			continue;
		/* De-assert once, then tell every device on the GSI. */
		emu_irq_line(vm->router, s->rs_source, rs->gsi, false);
		for (f = rs->members; f; f = f->rs_next)
			efd_signal(f->resamplefd);
	}
	pthread_mutex_unlock(&s->rs_lock);
}

/* ---------------------------------------------------------------- teardown */

static void binding_free(struct emu_irqfd *f)
{
	close(f->fd);
	if (f->resamplefd >= 0)
		close(f->resamplefd);
	free(f);
}

/*
 * Steps 2-5 for a batch already taken off the registry (step 1).
 * s->lock held.  @stop: VM destroy, join the injector instead of waiting
 * for one epoch.
 */
static void teardown(struct emu_vm *vm, struct emu_irqfd *dead, bool stop)
{
	struct emu_irqfds *s = &vm->irqfds;
	struct emu_irqfd *f, *next;

	for (f = dead; f; f = f->dead_next)
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, f->fd, NULL);
	if (stop)
		injector_stop(s);
	else if (dead)
		injector_quiesce(s);
	for (f = dead; f; f = next) {
		next = f->dead_next;
		resampler_leave(vm, f);
		binding_free(f);
	}
}

/* ---------------------------------------------------------------- ioctl */

static int irqfd_assign(struct emu_vm *vm, const struct kvm_irqfd *a)
{
	struct emu_irqfds *s = &vm->irqfds;
	struct epoll_event ev = { .events = EPOLLIN };
	struct emu_irqfd *f, *o;
	int fd, rfd = -1, ret;

	/*
	 * x86 KVM answers -EINVAL here (kvm_arch_irqfd_allowed(), checked on
	 * Linux 6.18); seed-apis.md's -EAGAIN is the arm64 "vgic not yet
	 * initialised" case.  We follow what x86 KVM does.
	 */
	if (!atomic_load(&vm->irqchip))
		return -EINVAL;
	fd = efd_get(a->fd);
	if (fd < 0)
		return fd;
	if (a->flags & KVM_IRQFD_FLAG_RESAMPLE) {
		rfd = efd_get(a->resamplefd);
		if (rfd < 0) {
			close(fd);
			return rfd;
		}
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		ret = -ENOMEM;
		goto fail_fds;
	}
	f->vm = vm;
	f->fd = fd;
	f->resamplefd = rfd;
	f->gsi = a->gsi;

	pthread_mutex_lock(&s->lock);
	ret = injector_start(vm);
	if (ret)
		goto fail_unlock;
	/* Global uniqueness: check and insert under one lock. */
	pthread_mutex_lock(&registry_lock);
	for (o = registry; o; o = o->next) {
		ret = efd_same(o->fd, fd);
		if (ret) {
			ret = ret > 0 ? -EBUSY : ret;
			break;
		}
	}
	if (!ret) {
		atomic_store(&f->active, true);
		f->next = registry;
		registry = f;
	}
	pthread_mutex_unlock(&registry_lock);
	if (ret)
		goto fail_unlock;
	if (rfd >= 0) {
		ret = resampler_join(vm, f);
		if (ret)
			goto fail_unlist;
	}
	/* Reachable from here; a count already pending fires at once. */
	atomic_store_explicit(&f->ready, true, memory_order_release);
	ev.data.ptr = f;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		ret = -errno;
		resampler_leave(vm, f);
		goto fail_unlist;
	}
	pthread_mutex_unlock(&s->lock);
	return 0;

fail_unlist:
	pthread_mutex_lock(&registry_lock);
	for (struct emu_irqfd **pp = &registry; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	pthread_mutex_unlock(&registry_lock);
fail_unlock:
	pthread_mutex_unlock(&s->lock);
	free(f);
fail_fds:
	close(fd);
	if (rfd >= 0)
		close(rfd);
	return ret;
}

/* Step 1 for every binding of @vm matching (@fd, @gsi), or all if @fd < 0. */
static struct emu_irqfd *unlist(struct emu_vm *vm, int fd, uint32_t gsi)
{
	struct emu_irqfd **pp, *f, *dead = NULL;

	pthread_mutex_lock(&registry_lock);
	for (pp = &registry; (f = *pp);) {
		if (f->vm != vm ||
		    (fd >= 0 && (f->gsi != gsi || efd_same(f->fd, fd) != 1))) {
			pp = &f->next;
			continue;
		}
		*pp = f->next;
		atomic_store(&f->active, false);
		f->dead_next = dead;
		dead = f;
	}
	pthread_mutex_unlock(&registry_lock);
	return dead;
}

static int irqfd_deassign(struct emu_vm *vm, const struct kvm_irqfd *a)
{
	struct emu_irqfds *s = &vm->irqfds;
	int fd;

	/* A valid eventfd is required even if nothing matches (KVM). */
	fd = efd_get(a->fd);
	if (fd < 0)
		return fd;
	pthread_mutex_lock(&s->lock);
	teardown(vm, unlist(vm, fd, a->gsi), false);
	pthread_mutex_unlock(&s->lock);
	close(fd);
	return 0;
}

int emu_irqfd_op(struct emu_vm *vm, const struct kvm_irqfd *a)
{
	if (a->flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;
	if (a->flags & KVM_IRQFD_FLAG_DEASSIGN)
		return irqfd_deassign(vm, a);
	return irqfd_assign(vm, a);
}

void emu_irqfds_destroy(struct emu_vm *vm)
{
	struct emu_irqfds *s = &vm->irqfds;

	pthread_mutex_lock(&s->lock);
	teardown(vm, unlist(vm, -1, 0), true);
	pthread_mutex_unlock(&s->lock);
	pthread_mutex_destroy(&s->rs_lock);
	pthread_cond_destroy(&s->q_cond);
	pthread_mutex_destroy(&s->q_lock);
	pthread_mutex_destroy(&s->lock);
}

/* ---------------------------------------------------------------- tests */

int emu_test_irqfd_hook(struct hv_vm *hvm, emu_irqfd_hook_fn fn, void *opaque)
{
	struct emu_vm *vm;

	if (hvm->hv->ops != &emu_backend_ops)
		return -EOPNOTSUPP;
	vm = to_emu_vm(hvm);
	atomic_store(&vm->irqfds.hook_opaque, opaque);
	atomic_store(&vm->irqfds.hook, fn);
	return 0;
}
