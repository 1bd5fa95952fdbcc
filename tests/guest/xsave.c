// SPDX-License-Identifier: GPL-2.0
/*
 * xsave.c - the XSAVE feature set as a guest kernel uses it: CPUID
 * advertises XSAVE (leaf 1) with x87|SSE in leaf 0DH, CR4.OSXSAVE turns
 * it on (and shows up as CPUID.1:ECX.OSXSAVE), XSETBV/XGETBV program
 * XCR0, XSAVE/XRSTOR round-trip XMM and MXCSR, XRSTOR with XSTATE_BV[1]
 * clear zeroes the XMM registers, and misaligned or malformed areas #GP.
 *
 * The SSE registers are only touched from asm (this image is built
 * integer-only).
 */
#include "kit.h"

#define CR4_OSFXSR	(1ull << 9)
#define CR4_OSXSAVE	(1ull << 18)

static uint8_t area[2][576] __attribute__((aligned(64)));

static inline uint64_t xgetbv(uint32_t idx)
{
	uint32_t lo, hi;

	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(idx));
	return lo | ((uint64_t)hi << 32);
}

static void set_xmm3(const uint64_t v[2])
{
	__asm__ __volatile__("movdqu (%0), %%xmm3" :: "r"(v) : "memory");
}

static void get_xmm3(uint64_t v[2])
{
	__asm__ __volatile__("movdqu %%xmm3, (%0)" :: "r"(v) : "memory");
}

static void xrstor_misaligned(void *arg)
{
	xrstor((uint8_t *)area[1] + 16, 3);
}

static void xrstor_bad_header(void *arg)
{
	xrstor(area[1], 3);
}

static void xsetbv_no_x87(void *arg)
{
	xsetbv(2);
}

int main(const char *cmdline)
{
	static const uint64_t pattern[2] = { 0x0123456789abcdefull,
					     0xfedcba9876543210ull };
	struct cpuid_regs r = cpuid(1);
	struct exc_info info;
	uint64_t v[2], bv;
	uint32_t mxcsr;

	if (!(r.c & (1u << 26)))
		exit_skip("CPUID.1:ECX.XSAVE is clear");
	ASSERT_EQ(r.c & (1u << 27), 0);
	r = cpuid_count(0xd, 0);
	printf("CPUID.0DH.0: eax %#x ebx %u ecx %u\n", r.a, r.b, r.c);
	ASSERT_EQ(r.a & 3, 3);

	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXSAVE);
	ASSERT_EQ(cpuid(1).c & (1u << 27), 1u << 27);
	ASSERT_EQ(xgetbv(0) & 1, 1);
	xsetbv(3);
	ASSERT_EQ(xgetbv(0), 3);
	r = cpuid_count(0xd, 0);
	ASSERT(r.b >= 576);
	ASSERT(catch_exception(GP_VECTOR, xsetbv_no_x87, NULL, &info));
	ASSERT_EQ(xgetbv(0), 3);

	/* Round trip XMM3 and MXCSR. */
	set_xmm3(pattern);
	__asm__ __volatile__("ldmxcsr %0" :: "m"((uint32_t){ 0x3f80 }));
	xsave(area[0], 3);
	memcpy(&bv, area[0] + 512, 8);
	ASSERT_EQ(bv & 3, 3);
	ASSERT(!memcmp(area[0] + 160 + 3 * 16, pattern, 16));
	memcpy(&mxcsr, area[0] + 24, 4);
	ASSERT_EQ(mxcsr, 0x3f80);
	set_xmm3((const uint64_t[2]){ 0, 0 });
	__asm__ __volatile__("ldmxcsr %0" :: "m"((uint32_t){ 0x1f80 }));
	xrstor(area[0], 3);
	get_xmm3(v);
	ASSERT(v[0] == pattern[0] && v[1] == pattern[1]);
	__asm__ __volatile__("stmxcsr %0" : "=m"(mxcsr));
	ASSERT_EQ(mxcsr, 0x3f80);

	/* XSTATE_BV[1] clear: XMM registers to their init state (zero). */
	memcpy(area[1], area[0], sizeof(area[0]));
	bv = 1;
	memcpy(area[1] + 512, &bv, 8);
	xrstor(area[1], 3);
	get_xmm3(v);
	ASSERT(v[0] == 0 && v[1] == 0);

	/* Faults: misaligned area, compacted-format header. */
	ASSERT(catch_exception(GP_VECTOR, xrstor_misaligned, NULL, &info));
	bv = 1ull << 63;
	memcpy(area[1] + 520, &bv, 8);
	ASSERT(catch_exception(GP_VECTOR, xrstor_bad_header, NULL, &info));
	printf("xsave: ok\n");
	return 0;
}
