// SPDX-License-Identifier: GPL-2.0
/*
 * hv_guest_memfd: guest_memfd-backed memslots (seed-apis.md 3.3/3.4) in
 * the shared, mmap-able mode (GUEST_MEMFD_FLAG_MMAP | INIT_SHARED) that a
 * default VM supports: the guest sees what the VMM wrote through the
 * mapping and vice versa (the slot is guest_memfd-only: userspace_addr
 * is not what the guest sees); creation and binding errors; slots are
 * immutable (move gives -EINVAL) and excluded from READONLY/dirty logging.
 * As upstream's guest_memfd_test: GUEST_MEMFD_FLAGS per VM type (MMAP
 * everywhere, INIT_SHARED only without private memory), a punched page
 * reads zero through the mapping and only that page, a touch past EOF is
 * SIGBUS, and a MMAP file that is not INIT_SHARED gives userspace no
 * access (KVM: every fault SIGBUS; emu: the fd cannot be mapped at all).
 * MAP_PRIVATE is refused by KVM; emu's fd is a memfd, where it cannot be
 * (docs/private-memory.md), and the test pins that down.
 */
#include <linux/falloc.h>
#include <setjmp.h>
#include <signal.h>
#include <unistd.h>

#include "hvtest.h"

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, 1);
}

/* Does reading @p raise SIGBUS? */
static bool read_faults(volatile uint8_t *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	bool faulted = false;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1))
		faulted = true;
	else
		(void)*p;
	sigaction(SIGBUS, &old, NULL);
	return faulted;
}

#define GMEM_GPA	0x20000u
#define GMEM_SIZE	0x4000u
#define PAGE		0x1000u

static const uint8_t guest[] = {
	0x66, 0xb8, 0xef, 0xbe, 0xad, 0xde,	/* mov eax, 0xdeadbeef */
	0x66, 0x26, 0xa3, 0x04, 0x00,		/* mov [es:4], eax */
	0x66, 0x26, 0xa1, 0x00, 0x00,		/* mov eax, [es:0] */
	0x66, 0xe7, 0xe1,			/* out 0xe1, eax */
	0xf4,					/* hlt */
};

/*
 * GUEST_MEMFD_FLAGS answered per VM: MMAP in every VM type, INIT_SHARED
 * only in a VM without private memory; the backend answers the union.
 * Each single-bit flag is accepted iff its VM offers it.
 */
static void check_flags_per_vm(struct hv *hv)
{
	const uint64_t both = HV_GUEST_MEMFD_FLAG_MMAP |
			      HV_GUEST_MEMFD_FLAG_INIT_SHARED;
	struct hv_vm_config cfg = { .type = HV_VM_TYPE_SW_PROTECTED };
	struct hv_vm *vms[2] = { NULL, NULL };
	uint64_t f;
	int i, b, r;

	CHECK((hv_check_cap(hv, HV_CAP_GUEST_MEMFD_FLAGS) & both) == both,
	      "the backend's GUEST_MEMFD_FLAGS lack MMAP or INIT_SHARED");
	CHECK_OK(hv_vm_create(hv, NULL, &vms[0]));
	if (hv_check_cap(hv, HV_CAP_VM_TYPES) &
	    (1 << HV_VM_TYPE_SW_PROTECTED))
		CHECK_OK(hv_vm_create(hv, &cfg, &vms[1]));
	for (i = 0; i < 2 && vms[i]; i++) {
		f = hv_vm_check_cap(vms[i], HV_CAP_GUEST_MEMFD_FLAGS);
		CHECK(f & HV_GUEST_MEMFD_FLAG_MMAP,
		      "VM type %d: no MMAP in GUEST_MEMFD_FLAGS", i);
		CHECK(!!(f & HV_GUEST_MEMFD_FLAG_INIT_SHARED) == (i == 0),
		      "VM type %d: INIT_SHARED %s", i,
		      i ? "offered with private memory" : "missing");
		for (b = 0; b < 64; b++) {
			r = hv_create_guest_memfd(vms[i], PAGE, 1ull << b);
			if (f & (1ull << b)) {
				CHECK(r >= 0, "VM type %d: flag bit %d "
				      "offered, create gave %d", i, b, r);
				close(r);
			} else {
				CHECK(r == -EINVAL, "VM type %d: flag bit %d "
				      "not offered, create gave %d", i, b, r);
			}
		}
		hv_vm_destroy(vms[i]);
	}
}

/*
 * MMAP without INIT_SHARED: the memory is private to the guest, so
 * userspace gets nothing through a mapping.  KVM maps it and SIGBUSes
 * every touch; emu's fd is an O_PATH handle that cannot be mapped.
 */
static void check_mmap_private_only(struct hvt *t)
{
	uint8_t *p;
	int fd;

	fd = CHECK_OK(hv_create_guest_memfd(t->vm, 2 * PAGE,
					    HV_GUEST_MEMFD_FLAG_MMAP));
	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (!strcmp(hv_backend_name(t->hv), "emu")) {
		CHECK(p == MAP_FAILED && errno == EBADF,
		      "emu: mmap of a MMAP guest_memfd without INIT_SHARED: %s",
		      p == MAP_FAILED ? strerror(errno) : "mapped");
	} else {
		CHECK(p != MAP_FAILED, "mmap of a MMAP guest_memfd: %s",
		      strerror(errno));
		CHECK(read_faults(p) && read_faults(p + PAGE),
		      "a touch of a guest_memfd without INIT_SHARED did "
		      "not raise SIGBUS");
		munmap(p, 2 * PAGE);
	}
	close(fd);
}

/* A punched page reads zero through the mapping; its neighbours keep. */
static void check_punch(struct hv *hv, int fd, uint32_t *map)
{
	const int punch = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE;
	unsigned int i;

	for (i = 0; i < 3; i++)
		memset((uint8_t *)map + i * PAGE, 0xaa, PAGE);
	CHECK_OK(hv_guest_memfd_fallocate(hv, fd, punch, PAGE, PAGE));
	for (i = 0; i < 3 * PAGE / 4; i++) {
		uint32_t want = i / (PAGE / 4) == 1 ? 0 : 0xaaaaaaaa;

		CHECK(map[i] == want, "after a punch of page 1: word %u is "
		      "0x%x, want 0x%x", i, map[i], want);
	}
	memset(map, 0, 3 * PAGE);
}

int main(void)
{
	const uint64_t flags = HV_GUEST_MEMFD_FLAG_MMAP |
			       HV_GUEST_MEMFD_FLAG_INIT_SHARED;
	struct hv_memslot s = {
		.slot = 1, .flags = HV_MEM_GUEST_MEMFD,
		.guest_phys_addr = GMEM_GPA, .memory_size = 2 * PAGE,
		.guest_memfd_offset = PAGE,
	};
	struct kvm_sregs sregs;
	struct hvt t;
	uint32_t *map, v;
	void *priv;
	int fd;

	hvt_setup(&t, guest, sizeof(guest), false);
	hvt_require_cap(t.hv, HV_CAP_GUEST_MEMFD);
	if ((hv_check_cap(t.hv, HV_CAP_GUEST_MEMFD_FLAGS) & flags) != flags)
		check_skip("%s (mmap, init-shared): not supported by %s",
			 hv_cap_name(HV_CAP_GUEST_MEMFD_FLAGS),
			 hv_backend_desc(t.hv));

	CHECK_ERRNO(hv_create_guest_memfd(t.vm, PAGE / 2, flags), EINVAL);
	CHECK_ERRNO(hv_create_guest_memfd(t.vm, 0, flags), EINVAL);
	CHECK_ERRNO(hv_create_guest_memfd(t.vm, GMEM_SIZE, 1ull << 40), EINVAL);
	check_flags_per_vm(t.hv);
	check_mmap_private_only(&t);
	fd = CHECK_OK(hv_create_guest_memfd(t.vm, GMEM_SIZE, flags));
	/* Two pages more than the file: the tail is past EOF. */
	map = mmap(NULL, GMEM_SIZE + 2 * PAGE, PROT_READ | PROT_WRITE,
		   MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap of a MMAP guest_memfd: %s",
		  strerror(errno));
	CHECK(read_faults((uint8_t *)map + GMEM_SIZE + PAGE),
	      "a touch past the end of a guest_memfd did not raise SIGBUS");
	priv = mmap(NULL, GMEM_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
	if (!strcmp(hv_backend_name(t.hv), "emu")) {
		/* A memfd cannot refuse it; the memory is shared anyway. */
		CHECK(priv != MAP_FAILED, "MAP_PRIVATE on emu: %s",
		      strerror(errno));
		munmap(priv, GMEM_SIZE);
	} else {
		CHECK(priv == MAP_FAILED,
		      "MAP_PRIVATE of a guest_memfd succeeded");
	}
	check_punch(t.hv, fd, map);
	map[PAGE / 4] = 0x600dcafe;

	s.guest_memfd = fd;
	s.userspace_addr = (uint8_t *)map + PAGE;
	/* guest_memfd excludes READONLY and dirty logging */
	s.flags = HV_MEM_GUEST_MEMFD | HV_MEM_READONLY;
	CHECK_ERRNO(hv_set_memslot(t.vm, &s), EINVAL);
	s.flags = HV_MEM_GUEST_MEMFD;
	/* the binding must lie inside the file */
	s.guest_memfd_offset = GMEM_SIZE - PAGE;
	CHECK_ERRNO(hv_set_memslot(t.vm, &s), EINVAL);
	s.guest_memfd_offset = PAGE;
	CHECK_OK(hv_set_memslot(t.vm, &s));

	CHECK_OK(hv_vcpu_get_sregs(t.vcpu, &sregs));
	sregs.es.base = GMEM_GPA;
	sregs.es.selector = GMEM_GPA >> 4;
	CHECK_OK(hv_vcpu_set_sregs(t.vcpu, &sregs));
	v = hvt_io_value(hvt_run_io(&t, 0xe1, HV_EXIT_IO_OUT, 4));
	CHECK(v == 0x600dcafe, "guest read 0x%x from guest_memfd", v);
	CHECK(map[PAGE / 4 + 1] == 0xdeadbeef,
		  "guest write not visible through the mapping (0x%x)",
		  map[PAGE / 4 + 1]);
	hvt_run(&t, HV_EXIT_HLT);

	/* Another slot may not bind an overlapping file range. */
	s.slot = 2;
	s.guest_phys_addr = 0x30000;
	s.guest_memfd_offset = 2 * PAGE;
	CHECK_ERRNO(hv_set_memslot(t.vm, &s), EINVAL);
	s.guest_memfd_offset = 3 * PAGE;
	s.memory_size = PAGE;
	s.userspace_addr = (uint8_t *)map + 3 * PAGE;
	CHECK_OK(hv_set_memslot(t.vm, &s));

	/* Immutable: a move is refused, a delete works. */
	s.guest_phys_addr = 0x40000;
	CHECK_ERRNO(hv_set_memslot(t.vm, &s), EINVAL);
	s.memory_size = 0;
	CHECK_OK(hv_set_memslot(t.vm, &s));
	s.slot = 1;
	CHECK_OK(hv_set_memslot(t.vm, &s));

	munmap(map, GMEM_SIZE + 2 * PAGE);
	close(fd);
	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
