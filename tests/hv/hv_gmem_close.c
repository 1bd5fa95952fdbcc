// SPDX-License-Identifier: GPL-2.0
/*
 * hv_gmem_close: closing a guest_memfd's fd (seed-apis.md 3.3, 3.7).
 *
 * Both backends: a closed fd cannot be bound (-EBADF) nor fallocated; the
 * slot it was bound to can still be deleted, the VM destroyed, in either
 * order; a new file bound at the same place starts zeroed.  While the
 * slot stays, upstream and emu differ (docs/private-memory.md): KVM's
 * slot holds no reference, the file's release unbinds it and the next
 * private access is a memory-fault exit {PRIVATE, gpa, PAGE_SIZE};
 * emu cannot see the close, its binding keeps the memory and the guest
 * reads its private data on.  On emu the memory itself goes once the
 * file is neither open nor bound (its mapping leaves /proc/self/maps),
 * for a closed-then-unbound file and for an unbound-then-closed one.
 */
#include <linux/falloc.h>
#include <unistd.h>

#include "hvtest.h"

#define PAGE	0x1000ull
#define GPA	0x20000ull
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

static bool is_emu;

/* The backend's guest_memfd mappings (emu names its memfds). */
static int gmem_mappings(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0;

	CHECK(f, "/proc/self/maps: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "cvisor-guest_memfd") != NULL;
	fclose(f);
	return n;
}

/* The guest stores @v (0: nothing) and reports what it then reads. */
static int guest_op(struct hvt *t, uint32_t v, uint32_t *got)
{
	struct hv_exit *e = hvt_run_io(t, 0xe2, HV_EXIT_IO_IN, 4);
	int ret;

	memcpy(e->io.data, &v, 4);
	ret = hv_vcpu_run(t->vcpu);
	if (ret)
		return ret;
	CHECK(e->reason == HV_EXIT_IO && e->io.port == 0xe1,
	      "guest: exit %s, want the OUT to 0xe1", hvt_reason(e->reason));
	*got = hvt_io_value(e);
	return 0;
}

static void bind(struct hvt *t, int fd, void *shared)
{
	struct hv_memslot s = {
		.slot = 1, .flags = HV_MEM_GUEST_MEMFD, .guest_phys_addr = GPA,
		.memory_size = NPAGES * PAGE, .userspace_addr = shared,
		.guest_memfd = fd,
	};

	CHECK_OK(hv_set_memslot(t->vm, &s));
}

static void unbind(struct hvt *t)
{
	struct hv_memslot s = { .slot = 1, .guest_memfd = -1 };

	CHECK_OK(hv_set_memslot(t->vm, &s));
}

int main(void)
{
	struct hv_memslot s = {
		.slot = 2, .flags = HV_MEM_GUEST_MEMFD,
		.guest_phys_addr = 0x40000, .memory_size = PAGE,
	};
	int fd, fd2, ret, maps0 = 0;
	struct hv_exit *e;
	uint32_t *shared, v;
	struct hvt t;

	hvt_setup_private(&t, rw_loop, sizeof(rw_loop));
	is_emu = !strcmp(hv_backend_name(t.hv), "emu");
	shared = hvt_alloc(NPAGES * PAGE);
	if (is_emu)
		maps0 = gmem_mappings();

	fd = CHECK_OK(hv_create_guest_memfd(t.vm, NPAGES * PAGE, 0));
	bind(&t, fd, shared);
	hvt_set_es(t.vcpu, GPA);
	CHECK_OK(hv_set_memory_attributes(t.vm, GPA, PAGE,
					  HV_MEMORY_ATTRIBUTE_PRIVATE, 0));
	CHECK_OK(guest_op(&t, 0xc1a55ed, &v));
	CHECK(v == 0xc1a55ed, "private write read back 0x%x", v);

	/* The fd goes while the slot still binds its file. */
	close(fd);
	CHECK_ERRNO(hv_guest_memfd_fallocate(t.hv, fd, FALLOC_FL_KEEP_SIZE |
					     FALLOC_FL_PUNCH_HOLE, 0, PAGE),
		    EBADF);
	s.guest_memfd = fd;
	s.userspace_addr = shared;
	CHECK_ERRNO(hv_set_memslot(t.vm, &s), EBADF);
	ret = guest_op(&t, 0, &v);
	e = t.exit;
	if (is_emu) {
		CHECK(!ret && v == 0xc1a55ed, "emu: after close, the guest "
		      "got %d, value 0x%x (the binding keeps the memory)",
		      ret, v);
		CHECK(gmem_mappings() == maps0 + 1,
		      "emu: a bound file's memory went at close");
	} else {
		CHECK(ret == -EFAULT && e->reason == HV_EXIT_MEMORY_FAULT &&
		      e->memory_fault.gpa == GPA &&
		      e->memory_fault.size == PAGE &&
		      e->memory_fault.flags == HV_MEMORY_EXIT_FLAG_PRIVATE,
		      "after the file's release: run %d exit %s gpa 0x%llx",
		      ret, hvt_reason(e->reason),
		      (unsigned long long)e->memory_fault.gpa);
	}

	/* Unbinding a closed file works; the memory is gone with it. */
	unbind(&t);
	if (is_emu)
		CHECK(gmem_mappings() == maps0, "emu: %d guest_memfd "
		      "mappings after close and unbind, want %d",
		      gmem_mappings(), maps0);

	/* A new file at the same place: zeroed private memory. */
	fd = CHECK_OK(hv_create_guest_memfd(t.vm, NPAGES * PAGE, 0));
	bind(&t, fd, shared);
	/* KVM left the guest inside the faulting load: start it over. */
	hvt_real_mode(t.vcpu, HVT_CODE);
	hvt_set_es(t.vcpu, GPA);
	CHECK_OK(guest_op(&t, 0, &v));
	CHECK(v == 0, "a fresh guest_memfd reads 0x%x", v);

	/* The other order: unbind first, then close. */
	unbind(&t);
	if (is_emu)
		CHECK(gmem_mappings() == maps0 + 1,
		      "emu: an open file's memory went at unbind");
	close(fd);

	/* A file of a destroyed VM, bound, then closed. */
	fd2 = CHECK_OK(hv_create_guest_memfd(t.vm, PAGE, 0));
	s.guest_memfd = fd2;
	CHECK_OK(hv_set_memslot(t.vm, &s));
	hv_vcpu_destroy(t.vcpu);
	t.vcpu = NULL;
	hv_vm_destroy(t.vm);
	t.vm = NULL;
	if (is_emu)
		CHECK(gmem_mappings() == maps0 + 1, "emu: %d mappings once "
		      "the VM is gone and one file is open", gmem_mappings());
	/* The file pins what it needs: fallocate works without the VM. */
	CHECK_OK(hv_guest_memfd_fallocate(t.hv, fd2, FALLOC_FL_KEEP_SIZE, 0,
					  PAGE));
	close(fd2);
	/* A new file of another VM makes emu look again. */
	CHECK_OK(hv_vm_create(t.hv, &(struct hv_vm_config){
				.type = HV_VM_TYPE_SW_PROTECTED }, &t.vm));
	fd = CHECK_OK(hv_create_guest_memfd(t.vm, PAGE, 0));
	if (is_emu)
		CHECK(gmem_mappings() == maps0 + 1, "emu: %d mappings, want "
		      "only the new file's", gmem_mappings());
	close(fd);
	hv_vm_destroy(t.vm);
	if (is_emu)
		CHECK(gmem_mappings() == maps0, "emu: memory left after the "
		      "last VM and file went");
	hv_close(t.hv);
	printf("PASS\n");
	return 0;
}
