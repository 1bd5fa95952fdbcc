// SPDX-License-Identifier: GPL-2.0
/*
 * hv_gmem_access: a guest's accesses in a SW_PROTECTED VM are routed by
 * the page's attribute (seed-apis.md 3.5-3.7): shared pages are the
 * slot's userspace memory, private pages its guest_memfd, which the host
 * never sees; conversions keep the shared copy, a punched private page
 * reads zero again.  Memory-fault exits as upstream's
 * private_mem_kvm_exits_test: a private access while another thread
 * deletes the slot, and a private page without guest_memfd (for a data
 * access and for an instruction fetch), both -EFAULT with {PRIVATE, gpa,
 * PAGE_SIZE}.  KVM_PRE_FAULT_MEMORY with its ENOENT tail.
 */
#include <linux/falloc.h>
#include <pthread.h>
#include <unistd.h>

#include "hvtest.h"

#define PAGE	0x1000ull
#define GPA	0x20000ull		/* 4 guest_memfd pages */
#define NPAGES	4

/* Take a value from the host; store it at [es:0] unless 0; report [es:0]. */
static const uint8_t rw_loop[] = {
	0x66, 0xe5, 0xe2,		/* 0: in eax, 0xe2 */
	0x66, 0x85, 0xc0,		/* 3: test eax, eax */
	0x74, 0x05,			/* 6: jz 13 */
	0x66, 0x26, 0xa3, 0x00, 0x00,	/* 8: mov [es:0], eax */
	0x66, 0x26, 0xa1, 0x00, 0x00,	/* 13: mov eax, [es:0] */
	0x66, 0xe7, 0xe1,		/* 18: out 0xe1, eax */
	0xeb, 0xe9,			/* 21: jmp 0 */
};

/* Read [es:0] forever, without exits. */
static const uint8_t spin_read[] = {
	0x66, 0x26, 0xa1, 0x00, 0x00,	/* mov eax, [es:0] */
	0xeb, 0xf9,			/* jmp $-5 */
};

static void guest_take(struct hvt *t, uint32_t v)
{
	struct hv_exit *e = hvt_run_io(t, 0xe2, HV_EXIT_IO_IN, 4);

	memcpy(e->io.data, &v, 4);
}

/* The guest stores @v (0: nothing) and reports what it then reads. */
static uint32_t guest_op(struct hvt *t, uint32_t v)
{
	guest_take(t, v);
	return hvt_io_value(hvt_run_io(t, 0xe1, HV_EXIT_IO_OUT, 4));
}

static void set_private(struct hvt *t, uint64_t gpa, bool priv)
{
	CHECK_OK(hv_set_memory_attributes(t->vm, gpa, PAGE,
					priv ? HV_MEMORY_ATTRIBUTE_PRIVATE : 0,
					0));
}

static void check_fault(struct hvt *t, int ret, uint64_t gpa, const char *what)
{
	struct hv_exit *e = t->exit;

	CHECK(ret == -EFAULT && e->reason == HV_EXIT_MEMORY_FAULT,
		  "%s: run %d exit %s, want -EFAULT MEMORY_FAULT", what, ret,
		  hvt_reason(e->reason));
	CHECK(e->memory_fault.gpa == gpa && e->memory_fault.size == PAGE &&
		  e->memory_fault.flags == HV_MEMORY_EXIT_FLAG_PRIVATE,
		  "%s: fault gpa 0x%llx size 0x%llx flags 0x%llx", what,
		  (unsigned long long)e->memory_fault.gpa,
		  (unsigned long long)e->memory_fault.size,
		  (unsigned long long)e->memory_fault.flags);
}

static void *delete_slot(void *arg)
{
	struct hv_vm *vm = arg;
	struct hv_memslot s = { .slot = 1, .guest_memfd = -1 };

	usleep(100 * 1000);		/* let the vCPU spin on the page */
	CHECK_OK(hv_set_memslot(vm, &s));
	return NULL;
}

int main(void)
{
	struct hv_memslot s = {
		.slot = 1, .flags = HV_MEM_GUEST_MEMFD, .guest_phys_addr = GPA,
		.memory_size = NPAGES * PAGE,
	};
	uint64_t gpa, size;
	uint32_t *shared;
	pthread_t th;
	struct hvt t;
	int fd, ret;

	hvt_setup_private(&t, rw_loop, sizeof(rw_loop));
	hvt_require_cap(t.hv, HV_CAP_PRE_FAULT_MEMORY);
	shared = hvt_alloc(NPAGES * PAGE);
	shared[0] = 0x5aa5c33c;
	fd = CHECK_OK(hv_create_guest_memfd(t.vm, NPAGES * PAGE, 0));
	s.guest_memfd = fd;
	s.userspace_addr = shared;
	CHECK_OK(hv_set_memslot(t.vm, &s));
	hvt_set_es(t.vcpu, GPA);

	/* Shared: the guest sees and changes the host's memory. */
	CHECK(guest_op(&t, 0) == 0x5aa5c33c, "shared read");
	CHECK(guest_op(&t, 0x11111111) == 0x11111111,
		  "shared write");
	CHECK(shared[0] == 0x11111111, "host misses the shared write");

	/* Private: a fresh guest_memfd page, invisible to the host. */
	set_private(&t, GPA, true);
	CHECK(guest_op(&t, 0) == 0, "fresh private page not zero");
	CHECK(guest_op(&t, 0xdeadbeef) == 0xdeadbeef,
		  "private write lost");
	CHECK(shared[0] == 0x11111111, "private write reached shared "
		  "memory (0x%x)", shared[0]);

	/* Back to shared: the shared copy was kept. */
	set_private(&t, GPA, false);
	CHECK(guest_op(&t, 0) == 0x11111111, "shared copy not kept");
	CHECK(guest_op(&t, 0x22222222) == 0x22222222,
		  "shared after conversion");
	CHECK(shared[0] == 0x22222222, "shared store after conversion");
	/* Private again without a punch: private data is still there... */
	set_private(&t, GPA, true);
	CHECK(guest_op(&t, 0) == 0xdeadbeef,
		  "private data lost without a punch");
	/* ...until the VMM punches it: then it reads zero. */
	CHECK_OK(hv_guest_memfd_fallocate(t.hv, fd, FALLOC_FL_KEEP_SIZE |
					FALLOC_FL_PUNCH_HOLE, 0, PAGE));
	CHECK(guest_op(&t, 0) == 0, "punched private page not zero");
	CHECK(shared[0] == 0x22222222, "punch touched shared memory");

	/* Pre-fault: the slot, then a tail past it gives ENOENT. */
	gpa = GPA;
	size = NPAGES * PAGE;
	CHECK_ERRNO(hv_vcpu_pre_fault_memory(t.vcpu, &gpa, &size, 1), EINVAL);
	CHECK_ERRNO(hv_vcpu_pre_fault_memory(t.vcpu, &gpa, &(uint64_t){ 0 }, 0),
		EINVAL);
	CHECK_OK(hv_vcpu_pre_fault_memory(t.vcpu, &gpa, &size, 0));
	CHECK(gpa == GPA + NPAGES * PAGE && !size,
		  "pre-fault left gpa 0x%llx size 0x%llx",
		  (unsigned long long)gpa, (unsigned long long)size);
	gpa = GPA + 2 * PAGE;
	size = 4 * PAGE;
	CHECK_OK(hv_vcpu_pre_fault_memory(t.vcpu, &gpa, &size, 0));
	CHECK(gpa == GPA + NPAGES * PAGE && size == 2 * PAGE,
		  "pre-fault tail: gpa 0x%llx size 0x%llx",
		  (unsigned long long)gpa, (unsigned long long)size);
	CHECK_ERRNO(hv_vcpu_pre_fault_memory(t.vcpu, &gpa, &size, 0), ENOENT);

	/* A private page with no guest_memfd behind it (slot 0). */
	set_private(&t, 0x8000, true);
	hvt_set_es(t.vcpu, 0x8000);
	t.ram[0x8000] = 0x42;
	guest_take(&t, 0);
	check_fault(&t, hv_vcpu_run(t.vcpu), 0x8000, "data access");
	/* The VMM's answer: convert, run again; the access completes. */
	set_private(&t, 0x8000, false);
	CHECK(hvt_io_value(hvt_run_io(&t, 0xe1, HV_EXIT_IO_OUT, 4)) == 0x42,
		  "access after the fault");
	/* The same for code: fetching from a private page of slot 0. */
	set_private(&t, HVT_CODE, true);
	check_fault(&t, hv_vcpu_run(t.vcpu), HVT_CODE, "instruction fetch");
	set_private(&t, HVT_CODE, false);

	/* The slot deleted while the vCPU reads its private page. */
	memcpy(t.ram + HVT_CODE, spin_read, sizeof(spin_read));
	hv_vm_memory_written(t.vm, HVT_CODE, sizeof(spin_read));
	hvt_real_mode(t.vcpu, HVT_CODE);
	hvt_set_es(t.vcpu, GPA + PAGE);
	set_private(&t, GPA + PAGE, true);
	CHECK(!pthread_create(&th, NULL, delete_slot, t.vm), "thread");
	ret = hv_vcpu_run(t.vcpu);
	pthread_join(th, NULL);
	check_fault(&t, ret, GPA + PAGE, "slot deleted under the access");

	close(fd);
	munmap(shared, NPAGES * PAGE);
	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
