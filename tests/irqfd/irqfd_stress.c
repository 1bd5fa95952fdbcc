// SPDX-License-Identifier: GPL-2.0
/*
 * irqfd_stress: upstream irqfd_test's races (seed-apis.md 4.6), widened.
 *
 * Two VM slots.  Threads run concurrently for a number of cycles:
 *  - 2 "chaos" threads assign/deassign (edge or RESAMPLE) eventfds from a
 *    shared pool on random GSIs of both VMs;
 *  - a closer replaces pool eventfds with new ones and closes the old
 *    (so every other thread may use a number that was just closed);
 *  - a signaller writes pool eventfds;
 *  - a router rewrites the GSI routing of both VMs (IOAPIC/PIC/MSI);
 *  - a reaper destroys and recreates a VM;
 *  - 2 "owner" threads each bind a private eventfd, signal it, deassign
 *    it and signal it again: on emu a test hook on the injector checks
 *    that no injection of an owner GSI happens while it is unbound, i.e.
 *    after hv_irqfd(DEASSIGN) returned, nor from a destroyed VM.
 * Every hv_irqfd() must return 0, -EBUSY or -EBADF (upstream's rule).
 * At the end no fd and no thread may be left over.
 *
 * The pool's numbers are reused by the kernel; the only fds created while
 * workers run are eventfds (and the backend's dups of them), so a reused
 * number is still an eventfd.  VM creation, which opens other kinds of
 * file (emu's epoll fd, kvm's VM fd), holds fd_lock for writing.
 *
 * Usage: irqfd_stress [cycles [seconds]]: cycles = chaos assign/deassign
 * operations (default 4000; also cycles/8 owner cycles and cycles/1000 VM
 * recreations), seconds = time budget after which it stops early
 * (default 25).
 */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "../hv/hvtest.h"
#include "accel/emu/emu_test.h"

#define NVM		2
#define NPOOL		6
#define NOWNER		2
#define OWNER_GSI	20		/* owner o uses GSI 20 + o */
#define NGSI		32

struct track {
	atomic_int bound[NGSI];
	atomic_bool dead;
	atomic_long violations;
	atomic_long owner_injections;
	struct track *next;
};

struct slot {
	pthread_rwlock_t lock;
	struct hv_vm *vm;
	struct track *tr;
};

static struct hv *hv;
static bool is_emu;
static struct slot slots[NVM];
static pthread_rwlock_t fd_lock;
static pthread_mutex_t tracks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct track *tracks;
static atomic_int pool[NPOOL];
static atomic_long ops, target;
static atomic_bool stop;
static atomic_long bad_ret, bad_val;
static atomic_long n_ok, n_busy, n_badf, recreated, routed, owner_cycles;

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void check_ret(int r)
{
	if (r == 0)
		atomic_fetch_add(&n_ok, 1);
	else if (r == -EBUSY)
		atomic_fetch_add(&n_busy, 1);
	else if (r == -EBADF)
		atomic_fetch_add(&n_badf, 1);
	else {
		atomic_fetch_add(&bad_ret, 1);
		atomic_store(&bad_val, r);
	}
}

static void hook(void *opaque, uint32_t gsi)
{
	struct track *tr = opaque;

	if (atomic_load(&tr->dead))
		atomic_fetch_add(&tr->violations, 1);
	if (gsi >= OWNER_GSI && gsi < OWNER_GSI + NOWNER) {
		if (!atomic_load(&tr->bound[gsi]))
			atomic_fetch_add(&tr->violations, 1);
		atomic_fetch_add(&tr->owner_injections, 1);
	}
}

/* fd_lock held for writing. */
static void vm_make(struct slot *s)
{
	struct track *tr = calloc(1, sizeof(*tr));
	struct kvm_irqfd w = { .gsi = 1 };

	if (!tr)
		check_fail("oom");
	CHECK_OK(hv_vm_create(hv, NULL, &s->vm));
	CHECK_OK(hv_create_irqchip(s->vm));
	if (is_emu)
		CHECK_OK(emu_test_irqfd_hook(s->vm, hook, tr));
	/* Make the backend open what it opens lazily, under fd_lock. */
	w.fd = eventfd(0, EFD_CLOEXEC);
	CHECK_OK(hv_irqfd(s->vm, &w));
	w.flags = KVM_IRQFD_FLAG_DEASSIGN;
	CHECK_OK(hv_irqfd(s->vm, &w));
	close(w.fd);
	s->tr = tr;
	pthread_mutex_lock(&tracks_lock);
	tr->next = tracks;
	tracks = tr;
	pthread_mutex_unlock(&tracks_lock);
}

static void vm_kill(struct slot *s)
{
	hv_vm_destroy(s->vm);
	/* From here no injection may come from that VM. */
	atomic_store(&s->tr->dead, true);
	s->vm = NULL;
}

static void *chaos(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;

	while (!atomic_load(&stop)) {
		struct slot *s = &slots[rnd(&seed) % NVM];
		struct kvm_irqfd f = { 0 };
		unsigned int k = rnd(&seed);

		f.gsi = rnd(&seed) % OWNER_GSI;
		pthread_rwlock_rdlock(&fd_lock);
		f.fd = (uint32_t)atomic_load(&pool[k % NPOOL]);
		if (rnd(&seed) & 1) {
			if (rnd(&seed) % 3 == 0) {
				f.flags = KVM_IRQFD_FLAG_RESAMPLE;
				f.resamplefd = (uint32_t)atomic_load(
					&pool[(k + 1) % NPOOL]);
			}
		} else {
			f.flags = KVM_IRQFD_FLAG_DEASSIGN;
		}
		pthread_rwlock_rdlock(&s->lock);
		check_ret(hv_irqfd(s->vm, &f));
		pthread_rwlock_unlock(&s->lock);
		pthread_rwlock_unlock(&fd_lock);
		atomic_fetch_add(&ops, 1);
	}
	return NULL;
}

static void *closer(void *arg)
{
	unsigned int seed = 7;

	while (!atomic_load(&stop)) {
		int nfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		int old = atomic_exchange(&pool[rnd(&seed) % NPOOL], nfd);

#ifdef __SANITIZE_THREAD__
		/*
		 * TSan reports the test's own close-vs-use race on a pool fd
		 * (which is the point of this thread).  Under TSan close
		 * only between workers' calls: the backend's races against
		 * closed descriptors are still covered by the plain build,
		 * and TSan checks the backend's own synchronisation.
		 */
		pthread_rwlock_wrlock(&fd_lock);
		close(old);
		pthread_rwlock_unlock(&fd_lock);
#else
		close(old);
#endif
		sched_yield();
	}
	return NULL;
}

static void *signaller(void *arg)
{
	unsigned int seed = 11;
	uint64_t one = 1;

	while (!atomic_load(&stop)) {
		pthread_rwlock_rdlock(&fd_lock);
		if (write(atomic_load(&pool[rnd(&seed) % NPOOL]), &one,
			  sizeof(one)) < 0 && errno != EBADF)
			check_fail("signal: %s", strerror(errno));
		pthread_rwlock_unlock(&fd_lock);
		sched_yield();
	}
	return NULL;
}

static void set_routing(struct hv_vm *vm, unsigned int variant)
{
	struct kvm_irq_routing *r;
	unsigned int g, n = 0;

	r = calloc(1, sizeof(*r) + 64 * sizeof(r->entries[0]));
	for (g = 0; g < 24; g++) {
		struct kvm_irq_routing_entry *e = &r->entries[n++];

		e->gsi = g;
		if ((g + variant) % 4 == 0 && g < OWNER_GSI) {
			e->type = KVM_IRQ_ROUTING_MSI;
			e->u.msi.address_lo = 0xfee00000;
			e->u.msi.data = 0x40 + g;
			continue;
		}
		e->type = KVM_IRQ_ROUTING_IRQCHIP;
		e->u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		e->u.irqchip.pin = g;
		if (g < 16 && (variant & 1)) {
			e = &r->entries[n++];
			e->gsi = g;
			e->type = KVM_IRQ_ROUTING_IRQCHIP;
			e->u.irqchip.irqchip = g < 8 ? KVM_IRQCHIP_PIC_MASTER :
						       KVM_IRQCHIP_PIC_SLAVE;
			e->u.irqchip.pin = g & 7;
		}
	}
	r->nr = n;
	CHECK_OK(hv_set_gsi_routing(vm, r));
	free(r);
}

static void *router(void *arg)
{
	unsigned int seed = 13, i = 0;

	while (!atomic_load(&stop)) {
		struct slot *s = &slots[rnd(&seed) % NVM];

		pthread_rwlock_rdlock(&s->lock);
		set_routing(s->vm, i++);
		pthread_rwlock_unlock(&s->lock);
		atomic_fetch_add(&routed, 1);
		usleep(200);
	}
	return NULL;
}

static void *reaper(void *arg)
{
	unsigned int seed = 17;

	while (!atomic_load(&stop)) {
		struct slot *s = &slots[rnd(&seed) % NVM];

		usleep(2000);
		/* Order: fd_lock, then a slot (as the workers). */
		pthread_rwlock_wrlock(&fd_lock);
		pthread_rwlock_wrlock(&s->lock);
		vm_kill(s);
		vm_make(s);
		pthread_rwlock_unlock(&s->lock);
		pthread_rwlock_unlock(&fd_lock);
		atomic_fetch_add(&recreated, 1);
	}
	return NULL;
}

static void *owner(void *arg)
{
	unsigned int o = (unsigned int)(uintptr_t)arg, seed = 19 + o;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	uint64_t one = 1;

	while (!atomic_load(&stop)) {
		struct slot *s = &slots[rnd(&seed) % NVM];
		struct kvm_irqfd f = { .fd = (uint32_t)efd,
				       .gsi = OWNER_GSI + o };
		int r, i;

		pthread_rwlock_rdlock(&s->lock);
		atomic_store(&s->tr->bound[f.gsi], 1);
		r = hv_irqfd(s->vm, &f);
		if (r)
			check_fail("owner assign: %d", r);
		for (i = 0; i < 3; i++) {
			if (write(efd, &one, sizeof(one)) != sizeof(one))
				check_fail("owner write");
			sched_yield();
		}
		f.flags = KVM_IRQFD_FLAG_DEASSIGN;
		r = hv_irqfd(s->vm, &f);
		if (r)
			check_fail("owner deassign: %d", r);
		atomic_store(&s->tr->bound[f.gsi], 0);
		/* Must never be injected now. */
		if (write(efd, &one, sizeof(one)) != sizeof(one))
			check_fail("owner write");
		pthread_rwlock_unlock(&s->lock);
		atomic_fetch_add(&owner_cycles, 1);
		sched_yield();
	}
	close(efd);
	return NULL;
}

static void *nop(void *arg)
{
	return NULL;
}

static int count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!d)
		check_fail("opendir %s", path);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - (strstr(path, "fd") ? 1 : 0);	/* the DIR's own fd */
}

/* Upstream's deterministic checks before the races. */
static void basics(void)
{
	struct kvm_irqfd f = { .gsi = 3 }, g;
	int efd = eventfd(0, EFD_CLOEXEC);

	f.fd = (uint32_t)efd;
	CHECK_OK(hv_irqfd(slots[0].vm, &f));
	g = f;
	g.gsi = 4;
	CHECK_ERRNO(hv_irqfd(slots[0].vm, &g), EBUSY);
	CHECK_ERRNO(hv_irqfd(slots[1].vm, &f), EBUSY);
	/* Never-assigned (fd, gsi) pairs deassign fine. */
	g.flags = KVM_IRQFD_FLAG_DEASSIGN;
	CHECK_OK(hv_irqfd(slots[0].vm, &g));
	g.gsi = 3;
	CHECK_OK(hv_irqfd(slots[1].vm, &g));
	f.flags = KVM_IRQFD_FLAG_DEASSIGN;
	CHECK_OK(hv_irqfd(slots[0].vm, &f));
	f.flags = 0;
	CHECK_OK(hv_irqfd(slots[1].vm, &f));
	f.flags = KVM_IRQFD_FLAG_DEASSIGN;
	CHECK_OK(hv_irqfd(slots[1].vm, &f));
	close(efd);
}

int main(int argc, char **argv)
{
	pthread_t th[16];
	int nth = 0, fds0, tasks0, fds1, tasks1, i;
	long viol = 0, owner_inj = 0;
	struct timespec t0, t1;
	pthread_rwlockattr_t rwa;
	struct track *tr;
	long budget;

	atomic_store(&target, argc > 1 ? atol(argv[1]) : 4000);
	budget = argc > 2 ? atol(argv[2]) : 25;
	/* Sanitizer runtimes start a helper thread lazily: get it now. */
	pthread_create(&th[0], NULL, nop, NULL);
	pthread_join(th[0], NULL);
	usleep(10000);
	hv = hvt_open();
	hvt_require_cap(hv, HV_CAP_IRQFD);
	hvt_require_cap(hv, HV_CAP_IRQCHIP);
	is_emu = !strcmp(hv_backend_name(hv), "emu");
	fds0 = count_dir("/proc/self/fd");
	tasks0 = count_dir("/proc/self/task");

	/* Writer-preferring, or the reaper starves behind the workers. */
	pthread_rwlockattr_init(&rwa);
	pthread_rwlockattr_setkind_np(&rwa,
			PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&fd_lock, &rwa);
	for (i = 0; i < NVM; i++) {
		pthread_rwlock_init(&slots[i].lock, &rwa);
		vm_make(&slots[i]);
	}
	basics();
	for (i = 0; i < NPOOL; i++)
		atomic_store(&pool[i], eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&th[nth++], NULL, chaos, (void *)1);
	pthread_create(&th[nth++], NULL, chaos, (void *)2);
	pthread_create(&th[nth++], NULL, closer, NULL);
	pthread_create(&th[nth++], NULL, signaller, NULL);
	pthread_create(&th[nth++], NULL, router, NULL);
	pthread_create(&th[nth++], NULL, reaper, NULL);
	for (i = 0; i < NOWNER; i++)
		pthread_create(&th[nth++], NULL, owner, (void *)(uintptr_t)i);
	/*
	 * Run until every kind of cycle had its share: @target chaos
	 * operations, target/8 owner bind-signal-unbind cycles and
	 * target/1000 VM recreations, or until the time budget is spent
	 * (sanitizer builds and nested KVM are slow; the counts are printed).
	 */
	for (;;) {
		long t = atomic_load(&target);

		usleep(1000);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if ((atomic_load(&ops) >= t &&
		     atomic_load(&owner_cycles) >= t / 8 &&
		     atomic_load(&recreated) >= t / 1000) ||
		    t1.tv_sec - t0.tv_sec >= budget)
			break;
	}
	atomic_store(&stop, true);
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	for (i = 0; i < NVM; i++) {
		vm_kill(&slots[i]);
		pthread_rwlock_destroy(&slots[i].lock);
	}
	for (i = 0; i < NPOOL; i++)
		close(atomic_load(&pool[i]));
	for (tr = tracks; tr; tr = tracks) {
		viol += atomic_load(&tr->violations);
		owner_inj += atomic_load(&tr->owner_injections);
		tracks = tr->next;
		free(tr);
	}
	fds1 = count_dir("/proc/self/fd");
	tasks1 = count_dir("/proc/self/task");

	printf("%s: %ld chaos ops in %.2fs: %ld ok, %ld EBUSY, %ld EBADF; "
	       "%ld VM recreations, %ld routing changes; %ld owner cycles, "
	       "owner injections %ld\n",
	       hv_backend_name(hv), atomic_load(&ops),
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       atomic_load(&n_ok), atomic_load(&n_busy), atomic_load(&n_badf),
	       atomic_load(&recreated), atomic_load(&routed),
	       atomic_load(&owner_cycles), owner_inj);
	printf("fds %d -> %d, threads %d -> %d\n", fds0, fds1, tasks0, tasks1);
	CHECK(!atomic_load(&bad_ret), "%ld calls returned other errors "
		  "(last %ld)", atomic_load(&bad_ret), atomic_load(&bad_val));
	CHECK(fds0 == fds1, "leaked %d fds", fds1 - fds0);
	CHECK(tasks0 == tasks1, "leaked %d threads", tasks1 - tasks0);
	CHECK(!viol, "%ld injections after deassign/destroy returned",
		  viol);
	if (!is_emu)
		printf("(kvm: no injection hook; the no-interrupt-after-"
		       "deassign invariant is checked by irqfd_guest)\n");
	hv_close(hv);
	printf("PASS\n");
	return 0;
}
