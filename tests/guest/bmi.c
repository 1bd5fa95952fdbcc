// SPDX-License-Identifier: GPL-2.0
/*
 * bmi.c - BMI1, BMI2 and ADX as a guest sees them: CPUID leaf 7 offers
 * them, and each instruction gives the known answer in 32- and 64-bit
 * forms (values from the SDM's definitions, so kvm and emu must agree):
 * ANDN, BEXTR, BLSI, BLSMSK, BLSR, TZCNT with its flags, BZHI, MULX, PDEP,
 * PEXT, RORX, SARX, SHLX, SHRX, and an ADCX/ADOX carry chain that keeps
 * the two carries apart.  The VEX-encoded ones need no AVX state: XCR0
 * stays at its reset value.
 */
#include "kit.h"

#define CF	1ull
#define ZF	(1ull << 6)
#define OF	(1ull << 11)

static uint64_t rflags_after_tzcnt(uint64_t v, uint64_t *r)
{
	uint64_t fl;

	__asm__ __volatile__("tzcnt %2, %0\n\tpushfq\n\tpopq %1"
			     : "=&r"(*r), "=r"(fl) : "r"(v) : "cc");
	return fl;
}

int main(const char *cmdline)
{
	struct cpuid_regs r = cpuid_count(7, 0);
	uint64_t a, b, lo, hi, fl;
	uint32_t d;

	if (!(r.b & (1u << 3)) || !(r.b & (1u << 8)) || !(r.b & (1u << 19)))
		exit_skip("BMI1/BMI2/ADX not offered (CPUID.7.EBX %#x)", r.b);

	__asm__("andn %2, %1, %0" : "=r"(a) : "r"(0xff00ull), "r"(0x0ff0ull));
	ASSERT_EQ(a, 0x00f0);
	/* BEXTR: 8 bits from bit 4. */
	__asm__("bextr %2, %1, %0" : "=r"(a) : "r"(0xabcdull), "r"(0x0804ull));
	ASSERT_EQ(a, 0xbc);
	__asm__("blsi %1, %0" : "=r"(a) : "r"(0x58ull));
	ASSERT_EQ(a, 0x8);
	__asm__("blsmsk %1, %0" : "=r"(a) : "r"(0x58ull));
	ASSERT_EQ(a, 0xf);
	__asm__("blsr %1, %0" : "=r"(a) : "r"(0x58ull));
	ASSERT_EQ(a, 0x50);
	fl = rflags_after_tzcnt(0x40, &a);
	ASSERT_EQ(a, 6);
	ASSERT_EQ(fl & (CF | ZF), 0);
	fl = rflags_after_tzcnt(0, &a);
	ASSERT_EQ(a, 64);
	ASSERT_EQ(fl & CF, CF);
	/* 32-bit forms zero-extend. */
	__asm__("bzhil %2, %1, %0" : "=r"(d) : "r"(0xffffffffu), "r"(12u));
	ASSERT_EQ(d, 0xfff);
	__asm__("bzhi %2, %1, %0" : "=r"(a) : "r"(~0ull), "r"(70ull));
	ASSERT_EQ(a, ~0ull);
	__asm__("mulx %2, %0, %1" : "=r"(lo), "=r"(hi)
		: "r"(0x100000000ull), "d"(0x300000000ull));
	ASSERT_EQ(lo, 0);
	ASSERT_EQ(hi, 3);
	__asm__("pdep %2, %1, %0" : "=r"(a) : "r"(0x5ull), "r"(0xf0f0ull));
	ASSERT_EQ(a, 0x50);
	__asm__("pext %2, %1, %0" : "=r"(a) : "r"(0xabcdull), "r"(0xff00ull));
	ASSERT_EQ(a, 0xab);
	__asm__("rorx $8, %1, %0" : "=r"(a) : "r"(0x1122334455667788ull));
	ASSERT_EQ(a, 0x8811223344556677ull);
	__asm__("sarx %2, %1, %0" : "=r"(a) : "r"(0x8000000000000000ull),
		"r"(67ull));		/* count masked to 3 */
	ASSERT_EQ(a, 0xf000000000000000ull);
	__asm__("shlx %2, %1, %0" : "=r"(a) : "r"(1ull), "r"(63ull));
	ASSERT_EQ(a, 1ull << 63);
	__asm__("shrxl %2, %1, %0" : "=r"(d) : "r"(0x80000000u), "r"(31u));
	ASSERT_EQ(d, 1);

	/*
	 * ADCX adds through CF only, ADOX through OF only: start with CF=1
	 * (STC) and OF=1 (0x7f + 1 in AL), run both chains.
	 */
	a = ~0ull;
	b = ~0ull;
	__asm__ __volatile__("movb $0x7f, %%al\n\t"
			     "addb $1, %%al\n\t"	/* OF=1, CF=0 */
			     "stc\n\t"			/* CF=1 */
			     "adcx %3, %0\n\t"		/* ~0 + 0 + CF */
			     "adox %3, %1\n\t"		/* ~0 + 0 + OF */
			     "pushfq\n\tpopq %2"
			     : "+r"(a), "+r"(b), "=r"(fl)
			     : "r"(0ull) : "rax", "cc");
	ASSERT_EQ(a, 0);
	ASSERT_EQ(b, 0);
	ASSERT_EQ(fl & (CF | OF), CF | OF);
	printf("bmi: ok\n");
	return 0;
}
