// SPDX-License-Identifier: GPL-2.0
/*
 * fsgsbase.c - RDFSBASE/RDGSBASE/WRFSBASE/WRGSBASE: #UD until CR4.FSGSBASE
 * is set; then the bases round-trip, an FS-relative load goes through the
 * new base, the 32-bit forms zero-extend, a non-canonical base is #GP(0),
 * and ring 3 may use them.  "no-ud-check" leaves out the #UD check, for
 * a host KVM whose emulator does not make it.
 */
#include "sys.h"

#define CR4_FSGSBASE	(1ull << 16)

static uint64_t buf[4] = { 0x1111, 0x2222, 0x3333, 0x4444 };

static uint64_t rdfs(void) { uint64_t v; __asm__ __volatile__("rdfsbase %0" : "=r"(v)); return v; }
static uint64_t rdgs(void) { uint64_t v; __asm__ __volatile__("rdgsbase %0" : "=r"(v)); return v; }
static void wrfs(uint64_t v) { __asm__ __volatile__("wrfsbase %0" :: "r"(v) : "memory"); }
static void wrgs(uint64_t v) { __asm__ __volatile__("wrgsbase %0" :: "r"(v) : "memory"); }

static void do_rdfs(void *arg) { *(volatile uint64_t *)arg = rdfs(); }
static void do_wrfs_bad(void *arg) { wrfs(0x8000000000000000ull); }
static void do_user(void *arg)
{
	wrfs((uintptr_t)buf);
	*(volatile uint64_t *)arg = rdfs();
}

int main(const char *cmdline)
{
	struct exc_info info;
	struct user_result r;
	uint64_t v = 0, gs0, out = 0;

	if (!(cpuid_count(7, 0).b & 1))
		exit_skip("FSGSBASE: not in this backend's CPUID");
	if (!cmdline_get("no-ud-check"))
		ASSERT(catch_exception(UD_VECTOR, do_rdfs, &v, &info));
	write_cr4(read_cr4() | CR4_FSGSBASE);

	wrfs((uintptr_t)buf);
	ASSERT_EQ(rdfs(), (uintptr_t)buf);
	__asm__ __volatile__("movq %%fs:8, %0" : "=r"(v));
	ASSERT_EQ(v, 0x2222);
	gs0 = rdgs();
	wrgs((uintptr_t)&buf[2]);
	__asm__ __volatile__("movq %%gs:0, %0" : "=r"(v));
	ASSERT_EQ(v, 0x3333);
	wrgs(gs0);
	/* 32-bit forms: the upper half of the register is ignored. */
	__asm__ __volatile__("wrfsbase %k0" :: "r"(0xdead000012345678ull));
	__asm__ __volatile__("rdfsbase %k0" : "=r"(v));
	ASSERT_EQ(v, 0x12345678);
	ASSERT_EQ(rdfs(), 0x12345678);
	ASSERT(catch_exception(GP_VECTOR, do_wrfs_bad, NULL, &info));
	ASSERT_EQ(info.error_code, 0);
	ASSERT_EQ(rdfs(), 0x12345678);
	printf("FSGSBASE: round trips, FS/GS loads, 32-bit forms, #GP\n");

	sys_setup();
	user_run(do_user, &out, 0, &r);
	ASSERT_EQ(r.vector, -1);
	ASSERT_EQ(out, (uintptr_t)buf);
	wrfs(0);
	write_cr4(read_cr4() & ~CR4_FSGSBASE);
	printf("FSGSBASE: ring 3 may use them\n");
	return 0;
}
