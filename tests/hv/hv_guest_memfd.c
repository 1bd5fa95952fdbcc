// SPDX-License-Identifier: GPL-2.0
/*
 * hv_guest_memfd: guest_memfd-backed memslots (seed-apis.md 3.3/3.4) in
 * the shared, mmap-able mode (GUEST_MEMFD_FLAG_MMAP | INIT_SHARED) that a
 * default VM supports: the guest sees what the VMM wrote through the
 * mapping and vice versa; creation and binding errors; slots are
 * immutable (move gives -EINVAL) and excluded from READONLY/dirty logging.
 */
#include <unistd.h>

#include "hvtest.h"

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
	fd = CHECK_OK(hv_create_guest_memfd(t.vm, GMEM_SIZE, flags));
	map = mmap(NULL, GMEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED, "mmap of a MMAP guest_memfd: %s",
		  strerror(errno));
	CHECK(mmap(NULL, GMEM_SIZE, PROT_READ, MAP_PRIVATE, fd, 0) ==
		  MAP_FAILED, "MAP_PRIVATE of a guest_memfd succeeded");
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

	munmap(map, GMEM_SIZE);
	close(fd);
	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
