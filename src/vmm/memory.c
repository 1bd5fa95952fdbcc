// SPDX-License-Identifier: GPL-2.0
/*
 * memory.c - guest RAM: one lazily backed memfd, split around the 3-4 GiB
 * MMIO hole when the guest has more than 3 GiB.
 */
#include <errno.h>
#include <stdlib.h>
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
	mem->ram.nr = 0;
	mem->private_bits = NULL;

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
	mem->ram.region[0] = (struct boot_ram_region){
		.gpa = 0, .size = low, .host = mem->host,
	};
	mem->ram.nr = 1;
	if (size > low) {
		mem->ram.region[1] = (struct boot_ram_region){
			.gpa = SZ_4G, .size = size - low,
			.host = mem->host + low,
		};
		mem->ram.nr = 2;
	}
	return 0;
err:
	guest_mem_release(mem);
	return ret;
}

void guest_mem_release(struct guest_mem *mem)
{
	free(atomic_exchange(&mem->dma_dirty, NULL));
	if (mem->host)
		munmap(mem->host, mem->size);
	if (mem->fd >= 0)
		close(mem->fd);
	free(mem->private_bits);
	mem->private_bits = NULL;
	mem->host = NULL;
	mem->fd = -1;
	mem->ram.nr = 0;
}

void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	uint8_t *p = boot_ram_ptr(&mem->ram, gpa, len);

	if (p && mem->private_bits &&
	    guest_mem_any_private(mem, (uint64_t)(p - mem->host), len))
		return NULL;
	return p;
}

uint64_t guest_mem_span(const struct guest_mem *mem, uint64_t gpa,
			uint64_t *off)
{
	unsigned int i;

	for (i = 0; i < mem->ram.nr; i++) {
		const struct boot_ram_region *r = &mem->ram.region[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size) {
			*off = (uint64_t)(r->host - mem->host) + (gpa - r->gpa);
			return r->size - (gpa - r->gpa);
		}
	}
	return 0;
}

int guest_mem_enable_private(struct guest_mem *mem)
{
	uint64_t words = (mem->size / 4096 + 63) / 64;

	mem->private_bits = calloc(words ? words : 1, sizeof(uint64_t));
	return mem->private_bits ? 0 : -ENOMEM;
}

void guest_mem_mark_private(struct guest_mem *mem, uint64_t off, uint64_t len,
			    bool priv)
{
	uint64_t pg;

	for (pg = off / 4096; pg < (off + len + 4095) / 4096; pg++) {
		if (priv)
			atomic_fetch_or(&mem->private_bits[pg / 64],
					1ull << (pg % 64));
		else
			atomic_fetch_and(&mem->private_bits[pg / 64],
					 ~(1ull << (pg % 64)));
	}
}

bool guest_mem_any_private(const struct guest_mem *mem, uint64_t off,
			   uint64_t len)
{
	uint64_t pg;

	if (!mem->private_bits || !len)
		return false;
	for (pg = off / 4096; pg <= (off + len - 1) / 4096; pg++)
		if (atomic_load(&mem->private_bits[pg / 64]) &
		    (1ull << (pg % 64)))
			return true;
	return false;
}

uint64_t guest_mem_low_end(const struct guest_mem *mem)
{
	return mem->ram.region[0].size;
}

bool guest_mem_overlaps(const struct guest_mem *mem, uint64_t gpa,
			uint64_t len)
{
	unsigned int i;

	if (!len)
		return false;
	for (i = 0; i < mem->ram.nr; i++) {
		const struct boot_ram_region *r = &mem->ram.region[i];
		uint64_t end = gpa + len - 1;	/* inclusive; caller checked */

		if (end < gpa)
			end = UINT64_MAX;
		if (gpa <= r->gpa + r->size - 1 && end >= r->gpa)
			return true;
	}
	return false;
}

void guest_mem_mark_dirty(struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	uint64_t *bm = atomic_load(&mem->dma_dirty);
	uint8_t *p;
	uint64_t first, last, pg;

	if (!bm || !len)
		return;
	p = guest_mem_ptr(mem, gpa, len);
	if (!p)
		return;
	first = (uint64_t)(p - mem->host) >> 12;
	last = ((uint64_t)(p - mem->host) + len - 1) >> 12;
	for (pg = first; pg <= last; pg++)
		atomic_fetch_or((_Atomic uint64_t *)&bm[pg / 64],
				1ull << (pg % 64));
}

/*
 * The bitmap is freed only by guest_mem_release(): a device thread may
 * still be marking it when tracking stops, so "off" only clears it.
 */
int guest_mem_track_dirty(struct guest_mem *mem, bool on)
{
	uint64_t words = (mem->size / 4096 + 63) / 64;
	uint64_t *bm = atomic_load(&mem->dma_dirty);

	if (!on) {
		if (bm)
			guest_mem_take_dirty(mem, 0, mem->size / 4096, NULL);
		return 0;
	}
	if (bm)
		return 0;
	bm = calloc(words, sizeof(*bm));
	if (!bm)
		return -ENOMEM;
	atomic_store(&mem->dma_dirty, bm);
	return 0;
}

void guest_mem_take_dirty(struct guest_mem *mem, uint64_t first, uint64_t n,
			  uint64_t *bitmap)
{
	uint64_t *bm = atomic_load(&mem->dma_dirty);
	uint64_t i, pg;

	if (!bm)
		return;
	for (i = 0; i < n; i++) {
		pg = first + i;
		if (!(atomic_load_explicit((_Atomic uint64_t *)&bm[pg / 64],
					   memory_order_relaxed) &
		      (1ull << (pg % 64))))
			continue;
		atomic_fetch_and((_Atomic uint64_t *)&bm[pg / 64],
				 ~(1ull << (pg % 64)));
		if (bitmap)
			bitmap[i / 64] |= 1ull << (i % 64);
	}
}

static int u64_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/*
 * Count the 8-byte aligned copies of any of @pat[0..n) in everything the
 * VMM can read of guest RAM: the RAM memfd, through read(2) rather than
 * our own mapping, so that this is what any VMM code could see.
 */
int guest_mem_scan(const struct guest_mem *mem, uint64_t *pat, size_t n)
{
	enum { CHUNK = 1 << 20 };
	uint64_t off, *buf;
	int count = 0;
	ssize_t got;
	size_t i;

	buf = malloc(CHUNK);
	if (!buf)
		return -ENOMEM;
	qsort(pat, n, sizeof(*pat), u64_cmp);
	for (off = 0; off < mem->size; off += (uint64_t)got) {
		/* Holes read as zero: go to the next data. */
		off_t data = lseek(mem->fd, (off_t)off, SEEK_DATA);

		if (data < 0)
			break;		/* ENXIO: no data after off */
		off = (uint64_t)data & ~7ull;
		got = pread(mem->fd, buf, CHUNK, (off_t)off);
		if (got <= 0) {
			count = got ? -errno : count;
			break;
		}
		for (i = 0; i < (size_t)got / 8; i++)
			if (buf[i] && bsearch(&buf[i], pat, n, sizeof(*pat),
					      u64_cmp))
				count++;
	}
	free(buf);
	return count;
}
