// SPDX-License-Identifier: GPL-2.0
/*
 * memory.c - guest RAM: one lazily backed memfd, split around the 3-4 GiB
 * MMIO hole when the guest has more than 3 GiB.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/memory.h"

int guest_mem_init(struct guest_mem *mem, uint64_t size)
{
	uint64_t low;
	int ret;

	mem->fd = -1;
	mem->host = NULL;
	mem->size = size;
	mem->nr_regions = 0;

	mem->fd = memfd_create("cvisor-ram", MFD_CLOEXEC);
	if (mem->fd < 0)
		return -errno;
	if (ftruncate(mem->fd, (off_t)size) < 0) {
		ret = -errno;
		goto err;
	}
	/*
	 * MAP_NORESERVE: the guest may never touch most of its RAM, so do not
	 * charge it against overcommit up front.
	 */
	mem->host = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_NORESERVE, mem->fd, 0);
	if (mem->host == MAP_FAILED) {
		ret = -errno;
		mem->host = NULL;
		goto err;
	}

	low = size > MEM_LOW_END ? MEM_LOW_END : size;
	mem->regions[0] = (struct guest_region){
		.gpa = 0, .size = low, .host = mem->host, .offset = 0,
	};
	mem->nr_regions = 1;
	if (size > low) {
		mem->regions[1] = (struct guest_region){
			.gpa = SZ_4G, .size = size - low,
			.host = mem->host + low, .offset = low,
		};
		mem->nr_regions = 2;
	}
	return 0;
err:
	guest_mem_release(mem);
	return ret;
}

void guest_mem_release(struct guest_mem *mem)
{
	if (mem->host)
		munmap(mem->host, mem->size);
	if (mem->fd >= 0)
		close(mem->fd);
	mem->host = NULL;
	mem->fd = -1;
	mem->nr_regions = 0;
}

void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < mem->nr_regions; i++) {
		const struct guest_region *r = &mem->regions[i];

		/* Written as subtractions so no sum can wrap. */
		if (gpa < r->gpa || gpa - r->gpa >= r->size)
			continue;
		if (len > r->size - (gpa - r->gpa))
			return NULL;
		return r->host + (gpa - r->gpa);
	}
	return NULL;
}

uint64_t guest_mem_low_end(const struct guest_mem *mem)
{
	return mem->regions[0].size;
}

bool guest_mem_overlaps(const struct guest_mem *mem, uint64_t gpa,
			uint64_t len)
{
	unsigned int i;

	if (!len)
		return false;
	for (i = 0; i < mem->nr_regions; i++) {
		const struct guest_region *r = &mem->regions[i];
		uint64_t end = gpa + len - 1;	/* inclusive; caller checked */

		if (end < gpa)
			end = UINT64_MAX;
		if (gpa <= r->gpa + r->size - 1 && end >= r->gpa)
			return true;
	}
	return false;
}
