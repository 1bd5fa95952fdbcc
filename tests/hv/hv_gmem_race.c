// SPDX-License-Identifier: GPL-2.0
/*
 * hv_gmem_race: the races of seed-apis.md 3.8 on a SW_PROTECTED VM.
 * Three vCPUs increment words across 16 pages (two guest_memfd slots)
 * while other threads convert random runs between shared and private,
 * punch random guest_memfd pages, and delete the second slot, close its
 * guest_memfd and bind a fresh one, over and over.  Every exit must be a
 * kick, or concern a page of the second slot while it is gone: a memory
 * fault {PRIVATE, page, 4096} for a private page, MMIO for a shared one.
 * Nothing may crash, hang or be reported by the sanitizers.  CVISOR_RACE_SECONDS sets the duration (default 2); the
 * counts are printed.
 */
#include <linux/falloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "hvtest.h"

#define PAGE	0x1000ull
#define GPA	0x20000ull
#define NPAGES	16			/* slot 1: 8 pages, slot 2: 8 */
#define SLOT2	(GPA + 8 * PAGE)
#define NVCPUS	3
#define PUNCH	(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)

/* inc dword [es:bx]; add bx, 0x1000; jmp back (BX wraps at 64 KiB). */
static const uint8_t guest[] = {
	0x66, 0x26, 0xff, 0x07,
	0x81, 0xc3, 0x00, 0x10,
	0xeb, 0xf6,
};

static struct hvt t;
static struct hv_vcpu *vcpus[NVCPUS];
static atomic_bool stop;
static pthread_mutex_t fd_lock = PTHREAD_MUTEX_INITIALIZER;
static int fd1, fd2;			/* fd2 under fd_lock */
static uint8_t *shared;
static _Atomic uint64_t n_faults, n_mmio, n_runs, n_conv, n_punch, n_rebind;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *vcpu_thread(void *arg)
{
	struct hv_vcpu *v = arg;
	struct hv_exit *e = hv_vcpu_exit(v);

	while (!atomic_load(&stop)) {
		int ret = hv_vcpu_run(v);

		atomic_fetch_add(&n_runs, 1);
		if (ret == -EINTR)
			continue;
		if (ret == -EFAULT && e->reason == HV_EXIT_MEMORY_FAULT) {
			HVT_CHECK(e->memory_fault.flags ==
				  HV_MEMORY_EXIT_FLAG_PRIVATE &&
				  e->memory_fault.size == PAGE &&
				  e->memory_fault.gpa >= SLOT2 &&
				  e->memory_fault.gpa < GPA + NPAGES * PAGE &&
				  !(e->memory_fault.gpa & (PAGE - 1)),
				  "memory fault flags 0x%llx gpa 0x%llx size 0x%llx",
				  (unsigned long long)e->memory_fault.flags,
				  (unsigned long long)e->memory_fault.gpa,
				  (unsigned long long)e->memory_fault.size);
			atomic_fetch_add(&n_faults, 1);
			usleep(100);	/* the slot comes back soon */
			continue;
		}
		if (!ret && e->reason == HV_EXIT_MMIO) {
			HVT_CHECK(e->mmio.phys_addr >= SLOT2 &&
				  e->mmio.phys_addr < GPA + NPAGES * PAGE,
				  "MMIO exit at 0x%llx",
				  (unsigned long long)e->mmio.phys_addr);
			atomic_fetch_add(&n_mmio, 1);
			continue;	/* reads complete as zero */
		}
		hvt_fail("vCPU %u: run %d, exit %s", hv_vcpu_id(v), ret,
			 hvt_reason(e->reason));
	}
	return NULL;
}

static void *convert_thread(void *arg)
{
	uint64_t s = 0x1234567;

	while (!atomic_load(&stop)) {
		uint64_t first = rnd(&s) % NPAGES;
		uint64_t n = 1 + rnd(&s) % (NPAGES - first);

		HVT_OK(hv_set_memory_attributes(t.vm, GPA + first * PAGE,
						n * PAGE, rnd(&s) & 1 ?
						HV_MEMORY_ATTRIBUTE_PRIVATE : 0,
						0));
		atomic_fetch_add(&n_conv, 1);
	}
	return NULL;
}

static void *punch_thread(void *arg)
{
	uint64_t s = 0x9876543;

	while (!atomic_load(&stop)) {
		uint64_t pg = rnd(&s) % 8;

		HVT_OK(hv_guest_memfd_fallocate(t.hv, fd1, PUNCH, pg * PAGE,
						PAGE));
		pthread_mutex_lock(&fd_lock);
		HVT_OK(hv_guest_memfd_fallocate(t.hv, fd2, PUNCH, pg * PAGE,
						PAGE));
		pthread_mutex_unlock(&fd_lock);
		atomic_fetch_add(&n_punch, 1);
	}
	return NULL;
}

static void bind2(int fd)
{
	struct hv_memslot s = {
		.slot = 2, .flags = HV_MEM_GUEST_MEMFD, .guest_phys_addr = SLOT2,
		.memory_size = 8 * PAGE, .userspace_addr = shared + 8 * PAGE,
		.guest_memfd = fd,
	};

	HVT_OK(hv_set_memslot(t.vm, &s));
}

static void *rebind_thread(void *arg)
{
	struct hv_memslot del = { .slot = 2, .guest_memfd = -1 };

	while (!atomic_load(&stop)) {
		int nfd;

		usleep(500);
		HVT_OK(hv_set_memslot(t.vm, &del));
		usleep(200);		/* vCPUs fault on slot 2 meanwhile */
		nfd = HVT_OK(hv_create_guest_memfd(t.vm, 8 * PAGE, 0));
		pthread_mutex_lock(&fd_lock);
		close(fd2);
		fd2 = nfd;
		pthread_mutex_unlock(&fd_lock);
		bind2(nfd);
		atomic_fetch_add(&n_rebind, 1);
	}
	return NULL;
}

int main(void)
{
	struct hv_memslot s1 = {
		.slot = 1, .flags = HV_MEM_GUEST_MEMFD, .guest_phys_addr = GPA,
		.memory_size = 8 * PAGE,
	};
	const char *secs_env = getenv("CVISOR_RACE_SECONDS");
	unsigned int secs = secs_env ? (unsigned int)atoi(secs_env) : 2, i;
	pthread_t vt[NVCPUS], ct, pt, rt;

	hvt_setup_private(&t, guest, sizeof(guest));
	shared = hvt_alloc(NPAGES * PAGE);
	fd1 = HVT_OK(hv_create_guest_memfd(t.vm, 8 * PAGE, 0));
	fd2 = HVT_OK(hv_create_guest_memfd(t.vm, 8 * PAGE, 0));
	s1.guest_memfd = fd1;
	s1.userspace_addr = shared;
	HVT_OK(hv_set_memslot(t.vm, &s1));
	bind2(fd2);

	vcpus[0] = t.vcpu;
	for (i = 1; i < NVCPUS; i++) {
		HVT_OK(hv_vcpu_create(t.vm, i, &vcpus[i]));
		hvt_real_mode(vcpus[i], HVT_CODE);
	}
	for (i = 0; i < NVCPUS; i++) {
		hvt_set_es(vcpus[i], GPA);
		HVT_CHECK(!pthread_create(&vt[i], NULL, vcpu_thread, vcpus[i]),
			  "vCPU thread");
	}
	HVT_CHECK(!pthread_create(&ct, NULL, convert_thread, NULL) &&
		  !pthread_create(&pt, NULL, punch_thread, NULL) &&
		  !pthread_create(&rt, NULL, rebind_thread, NULL), "threads");
	sleep(secs);
	atomic_store(&stop, true);
	pthread_join(ct, NULL);
	pthread_join(pt, NULL);
	pthread_join(rt, NULL);
	for (i = 0; i < NVCPUS; i++)
		hv_vcpu_kick(vcpus[i]);
	for (i = 0; i < NVCPUS; i++)
		pthread_join(vt[i], NULL);

	printf("%us: %llu runs, %llu memory faults, %llu MMIO exits, "
	       "%llu conversions, %llu punches, %llu slot rebinds\n", secs,
	       (unsigned long long)n_runs, (unsigned long long)n_faults,
	       (unsigned long long)n_mmio,
	       (unsigned long long)n_conv, (unsigned long long)n_punch,
	       (unsigned long long)n_rebind);
	HVT_CHECK(n_conv && n_punch && n_rebind, "a racer never ran");

	for (i = 1; i < NVCPUS; i++)
		hv_vcpu_destroy(vcpus[i]);
	/* VM first, files after: both orders are legal. */
	hvt_teardown(&t);
	close(fd1);
	close(fd2);
	munmap(shared, NPAGES * PAGE);
	printf("PASS\n");
	return 0;
}
