// SPDX-License-Identifier: GPL-2.0
/*
 * hv_gmem_binding: guest_memfd memslots of a SW_PROTECTED VM, the matrix
 * of upstream's set_memory_region_test (add_private_memory_region,
 * add_overlapping_private_memory_regions; seed-apis.md 3.4): bad fd,
 * files that are not guest_memfds, another VM's guest_memfd, bad offsets,
 * GUEST_MEMFD with READONLY or LOG_DIRTY_PAGES; overlapping bindings
 * refused, adjacent ones accepted; slots immutable but deletable, and a
 * deleted binding's range free again.  Attribute validation per VM type
 * (seed-apis.md 3.5) and the one address space of such a VM.
 */
#include <sys/eventfd.h>
#include <unistd.h>

#include "hvtest.h"

#define PAGE	0x1000ull
#define GSIZE	(16 * PAGE)

static int bind(struct hv_vm *vm, uint16_t slot, uint64_t gpa, uint64_t size,
		int fd, uint64_t off, uint32_t extra, void *uaddr)
{
	struct hv_memslot s = {
		.slot = slot, .flags = HV_MEM_GUEST_MEMFD | extra,
		.guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = uaddr, .guest_memfd = fd,
		.guest_memfd_offset = off,
	};

	return hv_set_memslot(vm, &s);
}

int main(void)
{
	struct hv_vm_config cfg = { .type = HV_VM_TYPE_SW_PROTECTED };
	struct hv_vm *vm, *other, *plain;
	struct hv *hv;
	uint8_t *shared;
	int fd, ofd, mfd, efd;
	struct hv_memslot s;

	hv = hvt_open();
	hvt_require_private(hv);
	CHECK_OK(hv_vm_create(hv, &cfg, &vm));
	CHECK_OK(hv_vm_create(hv, &cfg, &other));
	shared = hvt_alloc(GSIZE);
	fd = CHECK_OK(hv_create_guest_memfd(vm, GSIZE, 0));
	ofd = CHECK_OK(hv_create_guest_memfd(other, GSIZE, 0));
	mfd = memfd_create("not-gmem", MFD_CLOEXEC);
	efd = eventfd(0, EFD_CLOEXEC);
	CHECK(mfd >= 0 && efd >= 0, "memfd/eventfd: %s", strerror(errno));
	CHECK(!ftruncate(mfd, GSIZE), "ftruncate: %s", strerror(errno));

	/* Files that are not this VM's guest_memfd. */
	CHECK_ERRNO(bind(vm, 1, 0x100000, PAGE, -1, 0, 0, shared), EBADF);
	CHECK_ERRNO(bind(vm, 1, 0x100000, PAGE, mfd, 0, 0, shared), EINVAL);
	CHECK_ERRNO(bind(vm, 1, 0x100000, PAGE, efd, 0, 0, shared), EINVAL);
	CHECK_ERRNO(bind(vm, 1, 0x100000, PAGE, ofd, 0, 0, shared), EINVAL);
	/* Offsets: unaligned, past the end, range past the end. */
	CHECK_ERRNO(bind(vm, 1, 0x100000, PAGE, fd, 1, 0, shared), EINVAL);
	CHECK_ERRNO(bind(vm, 1, 0x100000, PAGE, fd, GSIZE, 0, shared), EINVAL);
	CHECK_ERRNO(bind(vm, 1, 0x100000, 2 * PAGE, fd, GSIZE - PAGE, 0, shared),
		EINVAL);
	CHECK_ERRNO(bind(vm, 1, 0x100000, PAGE, fd, ~0ull & ~(PAGE - 1), 0, shared),
		EINVAL);
	/* Private memory is neither read-only nor dirty-logged. */
	CHECK_ERRNO(bind(vm, 1, 0x100000, PAGE, fd, 0, HV_MEM_READONLY, shared),
		EINVAL);
	CHECK_ERRNO(bind(vm, 1, 0x100000, PAGE, fd, 0, HV_MEM_LOG_DIRTY_PAGES,
		     shared), EINVAL);

	/* [0, 8 pages) bound; overlaps refused, adjacent accepted. */
	CHECK_OK(bind(vm, 1, 0x100000, 8 * PAGE, fd, 0, 0, shared));
	CHECK_ERRNO(bind(vm, 2, 0x200000, 8 * PAGE, fd, 0, 0, shared), EINVAL);
	CHECK_ERRNO(bind(vm, 2, 0x200000, PAGE, fd, 7 * PAGE, 0, shared), EINVAL);
	CHECK_ERRNO(bind(vm, 2, 0x200000, 16 * PAGE, fd, 0, 0, shared), EINVAL);
	CHECK_OK(bind(vm, 2, 0x200000, 8 * PAGE, fd, 8 * PAGE, 0,
		    shared + 8 * PAGE));
	/* One file backs both; the other VM binds its own file fine. */
	CHECK_OK(bind(other, 1, 0x100000, GSIZE, ofd, 0, 0, shared));
	CHECK_ERRNO(bind(other, 2, 0x300000, PAGE, fd, 0, 0, shared), EINVAL);

	/* Immutable: move and flag changes refused, delete allowed. */
	CHECK_ERRNO(bind(vm, 1, 0x400000, 8 * PAGE, fd, 0, 0, shared), EINVAL);
	s = (struct hv_memslot){
		.slot = 1, .guest_phys_addr = 0x100000,
		.memory_size = 8 * PAGE, .userspace_addr = shared,
		.guest_memfd = -1,
	};
	CHECK_ERRNO(hv_set_memslot(vm, &s), EINVAL);	/* drop GUEST_MEMFD */
	s.flags = HV_MEM_LOG_DIRTY_PAGES;
	CHECK_ERRNO(hv_set_memslot(vm, &s), EINVAL);
	s.flags = 0;
	s.memory_size = 0;
	CHECK_OK(hv_set_memslot(vm, &s));
	/* The deleted slot's file range is free again. */
	CHECK_OK(bind(vm, 3, 0x500000, 8 * PAGE, fd, 0, 0, shared));

	/* Attributes: validation, and PRIVATE only where there is private memory. */
	CHECK(hv_vm_check_cap(vm, HV_CAP_MEMORY_ATTRIBUTES) &
		  HV_MEMORY_ATTRIBUTE_PRIVATE, "no PRIVATE attribute in a "
		  "SW_PROTECTED VM");
	CHECK_ERRNO(hv_set_memory_attributes(vm, 0, PAGE, 1ull << 0, 0), EINVAL);
	CHECK_ERRNO(hv_set_memory_attributes(vm, 0, PAGE,
					 HV_MEMORY_ATTRIBUTE_PRIVATE, 2), EINVAL);
	CHECK_ERRNO(hv_set_memory_attributes(vm, 0, 0,
					 HV_MEMORY_ATTRIBUTE_PRIVATE, 0), EINVAL);
	CHECK_ERRNO(hv_set_memory_attributes(vm, PAGE / 2, PAGE,
					 HV_MEMORY_ATTRIBUTE_PRIVATE, 0), EINVAL);
	CHECK_ERRNO(hv_set_memory_attributes(vm, 0, PAGE / 2,
					 HV_MEMORY_ATTRIBUTE_PRIVATE, 0), EINVAL);
	CHECK_ERRNO(hv_set_memory_attributes(vm, ~0ull & ~(PAGE - 1), 2 * PAGE,
					 HV_MEMORY_ATTRIBUTE_PRIVATE, 0), EINVAL);
	/* Attributes cover the whole GPA space, slots or not. */
	CHECK_OK(hv_set_memory_attributes(vm, 0, 1ull << 40,
					HV_MEMORY_ATTRIBUTE_PRIVATE, 0));
	CHECK_OK(hv_set_memory_attributes(vm, 0x1000000, 0x200000, 0, 0));
	CHECK_OK(hv_set_memory_attributes(vm, 0, 1ull << 40, 0, 0));

	/* One address space: no SMM view in a SW_PROTECTED VM. */
	s = (struct hv_memslot){
		.slot = 5, .as_id = HV_AS_SMM, .guest_phys_addr = 0xa0000,
		.memory_size = PAGE, .userspace_addr = shared,
		.guest_memfd = -1,
	};
	CHECK_ERRNO(hv_set_memslot(vm, &s), EINVAL);

	/* A default VM has no PRIVATE attribute. */
	CHECK_OK(hv_vm_create(hv, NULL, &plain));
	CHECK(!(hv_vm_check_cap(plain, HV_CAP_MEMORY_ATTRIBUTES) &
		    HV_MEMORY_ATTRIBUTE_PRIVATE),
		  "PRIVATE attribute offered in a default VM");
	CHECK_ERRNO(hv_set_memory_attributes(plain, 0, PAGE,
					 HV_MEMORY_ATTRIBUTE_PRIVATE, 0), EINVAL);
	hv_vm_destroy(plain);

	/* Teardown in the other order: VMs first, files after. */
	hv_vm_destroy(vm);
	hv_vm_destroy(other);
	close(fd);
	close(ofd);
	close(mfd);
	close(efd);
	munmap(shared, GSIZE);
	hv_close(hv);
	printf("PASS\n");
	return 0;
}
