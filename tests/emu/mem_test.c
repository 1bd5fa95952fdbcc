// SPDX-License-Identifier: GPL-2.0
/*
 * mem_test - emu memslots: KVM's validation rules, address spaces,
 * read-only slots, moves, dirty logging, and the update protocol: once
 * emu_mem_set_slot() returns, no running reader still uses the old map
 * (checked by scribbling over a deleted slot's backing while two reader
 * threads keep translating).
 */
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include "accel/emu/mem.h"
#include "emutest.h"

#define SZ	0x10000ull

static struct emu_mem *mem;
static atomic_bool stop;
static atomic_int kicks;
static atomic_long reads;

static void kick_all(void *o) { atomic_fetch_add(&kicks, 1); }

static int set(uint16_t id, uint16_t as, uint32_t flags, uint64_t gpa,
	       uint64_t size, void *hva)
{
	struct hv_memslot s = {
		.slot = id, .as_id = as, .flags = flags,
		.guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = hva, .guest_memfd = -1,
	};

	return emu_mem_set_slot(mem, &s);
}

static void *reader(void *arg)
{
	struct emu_mem_reader rd;
	uint8_t *p, v;

	emu_mem_reader_add(mem, &rd);
	emu_mem_reader_enter(mem, &rd);
	while (!atomic_load(&stop)) {
		emu_mem_reader_sync(mem, &rd);
		p = emu_mem_map_page(&rd, 0, 0x100000, false);
		if (p) {
			v = p[123];
			if (v != 0xaa && v != 0xbb) {
				printf("FAIL: reader saw stale byte %#x\n", v);
				exit(1);
			}
			atomic_fetch_add(&reads, 1);
		}
	}
	emu_mem_reader_leave(mem, &rd);
	emu_mem_reader_del(mem, &rd);
	return NULL;
}

int main(void)
{
	uint8_t *a, *b, *p;
	uint64_t bm[2];
	pthread_t th[2];
	int i;

	a = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	b = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	CHECK(a != MAP_FAILED && b != MAP_FAILED);
	CHECK(!emu_mem_create(kick_all, NULL, &mem));

	/* Validation, in KVM's terms. */
	CHECK_EQ(set(0, 0, 0, 0x1000, 0x1001, a), -EINVAL);
	CHECK_EQ(set(0, 0, 0, 0x1001, 0x1000, a), -EINVAL);
	CHECK_EQ(set(0, 0, 0, 0x1000, 0x1000, a + 8), -EINVAL);
	CHECK_EQ(set(0, 2, 0, 0x1000, 0x1000, a), -EINVAL);
	CHECK_EQ(set(EMU_MAX_SLOTS, 0, 0, 0x1000, 0x1000, a), -EINVAL);
	CHECK_EQ(set(0, 0, 1u << 3, 0x1000, 0x1000, a), -EINVAL);
	/* guest_memfd slots only in a VM with private memory, as KVM. */
	CHECK_EQ(set(0, 0, HV_MEM_GUEST_MEMFD, 0x1000, 0x1000, a), -EINVAL);
	CHECK_EQ(set(0, 0, 0, ~0xfffull, 0x2000, a), -EINVAL);
	CHECK_EQ(set(0, 0, 0, 0, 0, a), -EINVAL);	/* delete missing */

	/* Create, overlap, other address space. */
	CHECK(!set(0, 0, 0, 0, SZ, a));
	CHECK_EQ(set(1, 0, 0, SZ - 0x1000, SZ, b), -EEXIST);
	CHECK(!set(1, 1, 0, 0, SZ, b));			/* SMM view */
	CHECK(emu_mem_lookup(mem, 0, 0x2345, false) == a + 0x2000);
	CHECK(emu_mem_lookup(mem, 1, 0x2345, false) == b + 0x2000);
	CHECK(emu_mem_lookup(mem, 0, SZ, false) == NULL);

	/* Modify: size/backing change refused; move; flags. */
	CHECK_EQ(set(0, 0, 0, 0, SZ / 2, a), -EINVAL);
	CHECK_EQ(set(0, 0, 0, 0, SZ, b), -EINVAL);
	CHECK_EQ(set(0, 0, HV_MEM_READONLY, 0, SZ, a), -EINVAL);
	CHECK(!set(2, 0, 0, 0x100000, SZ, b));
	CHECK_EQ(set(0, 0, 0, 0x100000 + 0x1000, SZ, a), -EEXIST);
	CHECK(!set(0, 0, 0, 0x200000, SZ, a));
	CHECK(emu_mem_lookup(mem, 0, 0x1000, false) == NULL);
	CHECK(emu_mem_lookup(mem, 0, 0x201000, false) == a + 0x1000);
	CHECK(!set(0, 0, 0, 0x200000, SZ, a));		/* no change */

	/* Read-only slot: reads map, writes are MMIO. */
	CHECK(!set(3, 0, HV_MEM_READONLY, 0x300000, 0x1000, a));
	CHECK(emu_mem_lookup(mem, 0, 0x300010, false) == a);
	CHECK(emu_mem_lookup(mem, 0, 0x300010, true) == NULL);
	CHECK(!set(3, 0, 0, 0x300000, 0, NULL));

	/* Dirty log: flags-only change turns it on; get clears it. */
	CHECK_EQ(emu_mem_get_dirty_log(mem, 0, 0, bm), -ENOENT);
	CHECK_EQ(emu_mem_get_dirty_log(mem, 0, 9, bm), -EINVAL);
	CHECK(!set(0, 0, HV_MEM_LOG_DIRTY_PAGES, 0x200000, SZ, a));
	CHECK(emu_mem_lookup(mem, 0, 0x203000, true) == a + 0x3000);
	CHECK(emu_mem_lookup(mem, 0, 0x20f000, true) == a + 0xf000);
	CHECK(emu_mem_lookup(mem, 0, 0x205000, false) == a + 0x5000);
	CHECK(!emu_mem_get_dirty_log(mem, 0, 0, bm));
	CHECK_EQ(bm[0], (1ull << 3) | (1ull << 15));
	CHECK(!emu_mem_get_dirty_log(mem, 0, 0, bm));
	CHECK_EQ(bm[0], 0);
	CHECK(!set(0, 0, 0, 0x200000, SZ, a));
	CHECK_EQ(emu_mem_get_dirty_log(mem, 0, 0, bm), -ENOENT);

	/* Concurrent readers vs. delete/re-create with a scribbled backing. */
	CHECK(!set(2, 0, 0, 0x100000, 0, NULL));
	memset(a, 0xaa, SZ);
	memset(b, 0xbb, SZ);
	CHECK(!set(2, 0, 0, 0x100000, SZ, a));
	for (i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, reader, NULL);
	for (i = 0; i < 300; i++) {
		uint8_t *cur = (i & 1) ? b : a, *next = (i & 1) ? a : b;
		uint8_t fill = (i & 1) ? 0xbb : 0xaa;

		CHECK(!set(2, 0, 0, 0x100000, 0, NULL));
		memset(cur, 0xcc, 0x1000);	/* "freed": nobody may read it */
		memset(cur, fill, 0x1000);
		CHECK(!set(2, 0, 0, 0x100000, SZ, next));
	}
	atomic_store(&stop, true);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	printf("%ld reader translations across 600 updates, %d kicks\n",
	       atomic_load(&reads), atomic_load(&kicks));
	p = emu_mem_lookup(mem, 0, 0x100000, false);
	CHECK(p == a || p == b);

	emu_mem_destroy(mem);
	printf("mem: ok\n");
	return 0;
}
