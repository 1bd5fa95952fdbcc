// SPDX-License-Identifier: GPL-2.0
/*
 * gmem_bench - private memory on each backend that runs SW_PROTECTED VMs.
 *
 *  convert   round trips of a VMM conversion (attribute private, then
 *            shared plus a punch of the guest_memfd, as vmm/private.c
 *            does) of 4 KiB pages and of 2 MiB runs, while a vCPU runs a
 *            guest loop (so each change waits for it): pages/s;
 *  access    the same guest loop (inc dword over 16 pages, 8M accesses)
 *            on shared pages and on private pages: ns per access, ratio;
 *  prefault  KVM_PRE_FAULT_MEMORY of 64 MiB of fresh guest_memfd: MiB/s.
 *
 * Usage: gmem_bench.  One line per measurement, "BACKEND what ...".
 */
#include <linux/falloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "../tests/hv/hvtest.h"

#define PAGE		4096ull
#define GPA		0x100000ull
#define SIZE		(64ull << 20)
#define ACCESS_ITERS	8000000u
#define PUNCH		(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)

/* ecx = N; 1: inc dword [es:bx]; add bx, 4; dec ecx; jnz 1b; out; hlt */
static uint8_t access_loop[] = {
	0x66, 0xb9, 0, 0, 0, 0,
	0x66, 0x26, 0xff, 0x07,
	0x83, 0xc3, 0x04,
	0x66, 0x49,
	0x75, 0xf5,
	0xe6, 0xe1,
	0xf4,
};
/* A vCPU that keeps running during conversions: jmp $ */
static const uint8_t spin[] = { 0xeb, 0xfe };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static atomic_bool spin_stop;

static void *spin_thread(void *arg)
{
	struct hv_vcpu *v = arg;

	while (!atomic_load(&spin_stop))
		hv_vcpu_run(v);
	return NULL;
}

static void bench_convert(struct hvt *t, int fd, const char *be)
{
	static const uint64_t sizes[] = { PAGE, 2ull << 20 };
	struct hv_vcpu *v;
	pthread_t th;
	unsigned int i, s;

	HVT_OK(hv_vcpu_create(t->vm, 1, &v));
	memcpy(t->ram + 0x3000, spin, sizeof(spin));
	hvt_real_mode(v, 0x3000);
	HVT_CHECK(!pthread_create(&th, NULL, spin_thread, v), "thread");
	for (s = 0; s < 2; s++) {
		uint64_t len = sizes[s], n = s ? 16 : 2000, pages = 0;
		double t0 = now(), dt;

		for (i = 0; i < n; i++) {
			uint64_t off = (i * len) % SIZE;

			HVT_OK(hv_set_memory_attributes(t->vm, GPA + off, len,
					HV_MEMORY_ATTRIBUTE_PRIVATE, 0));
			HVT_OK(hv_set_memory_attributes(t->vm, GPA + off, len,
							0, 0));
			HVT_OK(hv_guest_memfd_fallocate(t->hv, fd, PUNCH, off,
							len));
			pages += len / PAGE;
		}
		dt = now() - t0;
		printf("%s convert %s: %llu round trips in %.3f s: %.0f round "
		       "trips/s, %.0f pages/s\n", be, s ? "2M" : "4K",
		       (unsigned long long)n, dt, n / dt, pages / dt);
	}
	atomic_store(&spin_stop, true);
	hv_vcpu_kick(v);
	pthread_join(th, NULL);
	hv_vcpu_destroy(v);
}

static double run_access(struct hvt *t)
{
	double t0;
	hvt_real_mode(t->vcpu, HVT_CODE);
	hvt_set_es(t->vcpu, GPA);
	double dt;

	t0 = now();
	hvt_run_io(t, 0xe1, HV_EXIT_IO_OUT, 1);
	dt = now() - t0;
	hvt_run(t, HV_EXIT_HLT);	/* completes the OUT */
	return dt;
}

static void bench_access(struct hvt *t, const char *be)
{
	double sh, pr;

	memcpy(&access_loop[2], &(uint32_t){ ACCESS_ITERS }, 4);
	memcpy(t->ram + HVT_CODE, access_loop, sizeof(access_loop));
	hv_vm_memory_written(t->vm, HVT_CODE, sizeof(access_loop));
	run_access(t);				/* warm up */
	sh = run_access(t);
	HVT_OK(hv_set_memory_attributes(t->vm, GPA, 16 * PAGE,
					HV_MEMORY_ATTRIBUTE_PRIVATE, 0));
	run_access(t);
	pr = run_access(t);
	HVT_OK(hv_set_memory_attributes(t->vm, GPA, 16 * PAGE, 0, 0));
	printf("%s access: shared %.2f ns, private %.2f ns per loop "
	       "iteration (%u), private/shared %.3f\n", be,
	       sh * 1e9 / ACCESS_ITERS, pr * 1e9 / ACCESS_ITERS,
	       ACCESS_ITERS, pr / sh);
}

static void bench_prefault(struct hvt *t, int fd, const char *be)
{
	uint64_t gpa = GPA, size = SIZE;
	double t0, dt;

	HVT_OK(hv_guest_memfd_fallocate(t->hv, fd, PUNCH, 0, SIZE));
	HVT_OK(hv_set_memory_attributes(t->vm, GPA, SIZE,
					HV_MEMORY_ATTRIBUTE_PRIVATE, 0));
	t0 = now();
	while (size)
		HVT_OK(hv_vcpu_pre_fault_memory(t->vcpu, &gpa, &size, 0));
	dt = now() - t0;
	printf("%s prefault: %llu MiB private in %.3f s: %.0f MiB/s\n", be,
	       (unsigned long long)(SIZE >> 20), dt, (SIZE >> 20) / dt);
	HVT_OK(hv_set_memory_attributes(t->vm, GPA, SIZE, 0, 0));
}

static void bench_backend(const char *be)
{
	struct hv_memslot s = {
		.slot = 1, .flags = HV_MEM_GUEST_MEMFD, .guest_phys_addr = GPA,
		.memory_size = SIZE,
	};
	struct hvt t;
	int fd;

	setenv("CVISOR_ACCEL", be, 1);
	memset(&t, 0, sizeof(t));
	{
		char why[256] = "";

		if (hv_open(hvt_accel(), &t.hv, why, sizeof(why))) {
			printf("%s skipped: %s\n", be, why);
			return;
		}
		if (!(hv_check_cap(t.hv, HV_CAP_VM_TYPES) &
		      (1 << HV_VM_TYPE_SW_PROTECTED)) ||
		    hv_check_cap(t.hv, HV_CAP_GUEST_MEMFD) <= 0 ||
		    hv_check_cap(t.hv, HV_CAP_PRE_FAULT_MEMORY) <= 0) {
			printf("%s skipped: SW_PROTECTED VMs, guest_memfd or "
			       "pre-faulting not supported by %s\n", be,
			       hv_backend_desc(t.hv));
			hv_close(t.hv);
			return;
		}
		hv_close(t.hv);
	}
	hvt_setup_private(&t, NULL, 0);
	s.userspace_addr = hvt_alloc(SIZE);
	fd = HVT_OK(hv_create_guest_memfd(t.vm, SIZE, 0));
	s.guest_memfd = fd;
	HVT_OK(hv_set_memslot(t.vm, &s));
	bench_access(&t, be);
	bench_prefault(&t, fd, be);
	bench_convert(&t, fd, be);
	close(fd);
	munmap(s.userspace_addr, SIZE);
	hvt_teardown(&t);
}

int main(void)
{
	bench_backend("kvm");
	bench_backend("emu");
	return 0;
}
