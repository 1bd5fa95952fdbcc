// SPDX-License-Identifier: GPL-2.0
/*
 * avxsnap.c - the guest of tests/snapshot/avx.py: enables AVX state,
 * loads YMM0-15 with distinct patterns in both halves, prints READY and
 * spins until "go" arrives on COM1 (the VM is snapshotted meanwhile and
 * restored into a new process), then checks that every YMM register
 * still holds its pattern.
 *
 * Vector registers are only touched from asm (this image is built
 * integer-only); the spin loop uses none of them.
 */
#include "kit.h"

#define CR4_OSFXSR	(1ull << 9)
#define CR4_OSXSAVE	(1ull << 18)

static uint8_t in[16][32] __attribute__((aligned(32)));
static uint8_t out[16][32] __attribute__((aligned(32)));

#define YMM_ALL(op)							\
	op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7)			\
	op(8) op(9) op(10) op(11) op(12) op(13) op(14) op(15)
#define LD(n)	"vmovdqu " #n "*32(%0), %%ymm" #n "\n\t"
#define ST(n)	"vmovdqu %%ymm" #n ", " #n "*32(%0)\n\t"

int main(const char *cmdline)
{
	if (!(cpuid_count(0xd, 0).a & 4))
		exit_skip("AVX state: XCR0 bit 2 not offered in CPUID.0DH");
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXSAVE);
	__asm__ __volatile__("xsetbv" :: "a"(7), "d"(0), "c"(0));
	for (int r = 0; r < 16; r++)
		for (int i = 0; i < 32; i++)
			in[r][i] = r * 32 + i + 1;
	__asm__ __volatile__(YMM_ALL(LD) :: "r"(in) : "memory");
	printf("READY\n");
	while (!serial_go())
		pause();
	printf("got go\n");
	__asm__ __volatile__(YMM_ALL(ST) :: "r"(out) : "memory");
	for (int r = 0; r < 16; r++)
		if (memcmp(in[r], out[r], 32))
			exit_fail("ymm%d changed across the snapshot", r);
	return 0;
}
