// SPDX-License-Identifier: GPL-2.0
/*
 * umip.c - CR4.UMIP: SGDT, SIDT, SLDT, SMSW and STR raise #GP(0) at CPL 3
 * once it is set and work in ring 3 without it; ring 0 is unaffected.
 */
#include "sys.h"

#define CR4_UMIP	(1ull << 11)

static uint8_t ubuf[16];

static void do_sgdt(void *arg) { __asm__ __volatile__("sgdt %0" : "=m"(ubuf)); }
static void do_sidt(void *arg) { __asm__ __volatile__("sidt %0" : "=m"(ubuf)); }
static void do_sldt(void *arg) { __asm__ __volatile__("sldt %0" : "=m"(*(uint16_t *)ubuf)); }
static void do_str(void *arg) { __asm__ __volatile__("str %0" : "=m"(*(uint16_t *)ubuf)); }
static void do_smsw(void *arg) { __asm__ __volatile__("smsw %0" : "=m"(*(uint16_t *)ubuf)); }

static const struct {
	const char *name;
	void (*fn)(void *);
} insns[] = {
	{ "SGDT", do_sgdt }, { "SIDT", do_sidt }, { "SLDT", do_sldt },
	{ "STR", do_str }, { "SMSW", do_smsw },
};

int main(const char *cmdline)
{
	struct user_result r;

	if (!(cpuid_count(7, 0).c & (1u << 2)))
		exit_skip("UMIP: not in this backend's CPUID");
	sys_setup();
	for (size_t i = 0; i < ARRAY_SIZE(insns); i++) {
		user_run(insns[i].fn, NULL, 0, &r);
		if (r.vector != -1)
			exit_fail("%s in ring 3 without UMIP: vector %d",
				  insns[i].name, r.vector);
	}
	write_cr4(read_cr4() | CR4_UMIP);
	for (size_t i = 0; i < ARRAY_SIZE(insns); i++) {
		user_run(insns[i].fn, NULL, 0, &r);
		if (r.vector != GP_VECTOR || r.error_code != 0)
			exit_fail("%s in ring 3 with UMIP: vector %d error %llu,"
				  " want #GP(0)", insns[i].name, r.vector,
				  (unsigned long long)r.error_code);
		/* Ring 0 is not restricted. */
		insns[i].fn(NULL);
	}
	write_cr4(read_cr4() & ~CR4_UMIP);
	printf("UMIP: five instructions #GP(0) in ring 3 only\n");
	return 0;
}
