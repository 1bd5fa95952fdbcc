// SPDX-License-Identifier: GPL-2.0
/*
 * avx.c - AVX state as a guest kernel sees it: CPUID leaf 0DH offers
 * XCR0 bit 2 with the YMM upper halves at the offset sub-leaf 2 gives,
 * XSETBV enables it (and the area size of leaf 0DH.0 EBX follows), XSAVE
 * stores YMM_Hi128 there and XRSTOR loads it (or zeroes it when
 * XSTATE_BV[2] is clear); a VEX.128 instruction zeroes bits 255:128 of
 * its destination, a legacy SSE one keeps them; and the VEX gate: #UD
 * with XCR0.AVX clear or a 66 prefix before VEX, #NM with CR0.TS.
 *
 * Vector registers are only touched from asm (this image is built
 * integer-only).  Buffers are passed in RDI.
 */
#include "kit.h"

#define CR0_TS		(1ull << 3)
#define CR4_OSFXSR	(1ull << 9)
#define CR4_OSXSAVE	(1ull << 18)
#define NM_VECTOR	7

static uint8_t area[1024] __attribute__((aligned(64)));
static uint8_t pat[32] __attribute__((aligned(32)));
static uint8_t out[32] __attribute__((aligned(32)));

static void load_ymm3(void *p)
{
	__asm__ __volatile__("vmovdqu (%0), %%ymm3" :: "D"(p) : "memory");
}

static void store_ymm3(void *p)
{
	__asm__ __volatile__("vmovdqu %%ymm3, (%0)" :: "D"(p) : "memory");
}

/* 66 C5 FE 6F 1F: a 66 prefix before VMOVDQU ymm3, [rdi]. */
static void vex_66(void *p)
{
	__asm__ __volatile__(".byte 0x66, 0xc5, 0xfe, 0x6f, 0x1f"
			     :: "D"(p) : "memory");
}

static bool upper_is(const uint8_t *v, const uint8_t *want)
{
	return !memcmp(v + 16, want, 16);
}

int main(const char *cmdline)
{
	static const uint8_t zero[16];
	struct cpuid_regs r = cpuid_count(0xd, 0);
	struct exc_info info;
	uint32_t off;
	uint64_t bv;

	if (!(r.a & 4))
		exit_skip("AVX state: XCR0 bit 2 not offered in CPUID.0DH");
	/* AVX is offered once YMM state is (emu offers both). */
	ASSERT(cpuid(1).c & (1u << 28));
	r = cpuid_count(0xd, 2);
	printf("CPUID.0DH.2: size %u offset %u\n", r.a, r.b);
	ASSERT_EQ(r.a, 256);
	off = r.b;
	ASSERT(off >= 576 && off + 256 <= sizeof(area));
	for (int i = 0; i < 32; i++)
		pat[i] = 0xa0 + i;

	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXSAVE);
	xsetbv(7);
	r = cpuid_count(0xd, 0);
	ASSERT(r.b >= off + 256);

	/* Round trip through YMM3; XSAVE puts the upper half at off+48. */
	load_ymm3(pat);
	store_ymm3(out);
	ASSERT(!memcmp(out, pat, 32));
	memset(area, 0, sizeof(area));
	xsave(area, 7);
	memcpy(&bv, area + 512, 8);
	ASSERT_EQ(bv & 4, 4);
	ASSERT(!memcmp(area + off + 3 * 16, pat + 16, 16));
	ASSERT(!memcmp(area + 160 + 3 * 16, pat, 16));

	/* Legacy SSE keeps bits 255:128, VEX.128 zeroes them. */
	__asm__ __volatile__("paddd %%xmm3, %%xmm3" ::: "memory");
	store_ymm3(out);
	ASSERT(upper_is(out, pat + 16));
	__asm__ __volatile__("vpaddd %%xmm3, %%xmm3, %%xmm3" ::: "memory");
	store_ymm3(out);
	ASSERT(upper_is(out, zero));

	/* XRSTOR loads YMM_Hi128; with XSTATE_BV[2] clear it zeroes it. */
	xrstor(area, 7);
	store_ymm3(out);
	ASSERT(!memcmp(out, pat, 32));
	bv = 3;
	memcpy(area + 512, &bv, 8);
	xrstor(area, 7);
	store_ymm3(out);
	ASSERT(!memcmp(out, pat, 16) && upper_is(out, zero));
	/* VZEROUPPER after a 256-bit load. */
	load_ymm3(pat);
	__asm__ __volatile__("vzeroupper" ::: "memory");
	store_ymm3(out);
	ASSERT(!memcmp(out, pat, 16) && upper_is(out, zero));

	/* The VEX gate. */
	ASSERT(catch_exception(UD_VECTOR, vex_66, pat, &info));
	xsetbv(3);
	ASSERT(catch_exception(UD_VECTOR, load_ymm3, pat, &info));
	xsetbv(7);
	write_cr0(read_cr0() | CR0_TS);
	ASSERT(catch_exception(NM_VECTOR, load_ymm3, pat, &info));
	write_cr0(read_cr0() & ~CR0_TS);
	load_ymm3(pat);
	printf("avx: ok\n");
	return 0;
}
