// SPDX-License-Identifier: GPL-2.0
/*
 * hyperv_ipi.c - HvCallSendSyntheticClusterIpi and its Ex form
 * (--hyperv ipi, --cpus 3): each form (slow, fast, XMM fast; a 64-bit
 * mask, a sparse VP set, all VPs) delivers the vector exactly once to
 * every VP in the set, the caller included when named, and to no other;
 * then KVM's status codes for bad input: a vector below 0x10, a reserved
 * upper half in the fast form, a rep count, a variable header on the
 * non-Ex form or one that disagrees with the bank mask; an empty sparse
 * set succeeds and sends nothing.
 */
#include "hyperv.h"

#define NCPUS		3
#define V_IPI		0x60
#define TIMEOUT		20000000000ull		/* TSC cycles */

static volatile int hits[NCPUS];

static void ipi_handler(struct frame *f)
{
	hits[smp_cpu_index()]++;
	apic_eoi();
}

void ap_main(int cpu_index)
{
	for (;;)
		sti_hlt();
}

/* Interrupts on until the counts stop moving. */
static void settle(void)
{
	uint64_t t0 = rdtsc();

	while (rdtsc() - t0 < TIMEOUT / 100) {
		sti();
		pause();
	}
	cli();
}

/* The counts must become @want[] (VP i = CPU index i here), and stay. */
static void expect_hits(const char *what, const int want[NCPUS])
{
	uint64_t t0 = rdtsc();
	bool done;
	int i;

	do {
		sti();
		pause();
		cli();
		done = true;
		for (i = 0; i < NCPUS; i++)
			done &= READ_ONCE(hits[i]) >= want[i];
	} while (!done && rdtsc() - t0 < TIMEOUT);
	settle();
	for (i = 0; i < NCPUS; i++)
		if (hits[i] != want[i])
			exit_fail("%s: VP %d got the vector %d times, expected %d",
				  what, i, hits[i], want[i]);
	if (want[0] || want[1] || want[2])
		printf("  %s: VPs %s%s%s each once, no other\n", what,
		       want[0] ? "0 " : "", want[1] ? "1 " : "",
		       want[2] ? "2" : "");
	else
		printf("  %s: nothing delivered\n", what);
	for (i = 0; i < NCPUS; i++)
		hits[i] = 0;
}

static void expect_status(const char *what, uint64_t r, uint64_t want)
{
	if (r != want)
		exit_fail("%s: status 0x%llx, expected 0x%llx", what,
			  (unsigned long long)r, (unsigned long long)want);
}

static void xmm_call(void *arg)
{
	uint64_t x[6] = { 1, 1 };

	*(uint64_t *)arg = hv_hypercall_xmm(HVCALL_SEND_IPI_EX |
					    HV_HYPERCALL_VARHEAD(1), V_IPI,
					    HV_GENERIC_SET_SPARSE_4K, x);
}

/*
 * --hyperv vpindex,enforce-cpuid ("denied"): without the recommendation
 * bits every flush and IPI call is ACCESS_DENIED.  --hyperv
 * ipi,enforce-cpuid ("noxmm"): XMM input the guest was not offered is #UD,
 * the register-only fast form still works.
 */
static bool enforce_checks(void)
{
	static const uint64_t calls[] = {
		HVCALL_FLUSH_VA_SPACE, HVCALL_FLUSH_VA_LIST,
		HVCALL_FLUSH_VA_SPACE_EX, HVCALL_FLUSH_VA_LIST_EX,
		HVCALL_SEND_IPI, HVCALL_SEND_IPI_EX,
	};
	struct exc_info info;
	uint64_t r = ~0ull;
	unsigned int i;

	if (cmdline_get("denied")) {
		hv_hypercall_setup();
		for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
			expect_status("without the CPUID bit",
				      hv_hypercall(calls[i] |
						   HV_HYPERCALL_REP_COUNT(1),
						   (uintptr_t)hv_page(1), 0),
				      HV_STATUS_ACCESS_DENIED);
		printf("enforce-cpuid: flush and IPI calls ACCESS_DENIED\n");
		return true;
	}
	if (cmdline_get("noxmm")) {
		ASSERT(!(cpuid(HV_CPUID_FEATURES).d & HV_XMM_INPUT));
		set_handler(V_IPI, ipi_handler);
		apic_enable();
		hv_hypercall_setup();
		if (!catch_exception(UD_VECTOR, xmm_call, &r, &info))
			exit_fail("XMM fast input without xmm-input: no #UD "
				  "(status 0x%llx)", (unsigned long long)r);
		expect_status("register fast form",
			      hv_hypercall_fast(HVCALL_SEND_IPI, V_IPI, 1), 0);
		expect_hits("register fast form, self", (const int[]){ 1, 0, 0 });
		printf("enforce-cpuid: XMM input #UD without xmm-input\n");
		return true;
	}
	return false;
}

int main(const char *cmdline)
{
	uint64_t *in = hv_page(1), in_gpa = (uintptr_t)in;
	const uint64_t bad = HV_STATUS_INVALID_HYPERCALL_INPUT;
	static const int none[NCPUS] = { 0, 0, 0 };
	uint64_t x[6] = { 0 };

	if (!hv_present())
		exit_fail("no Hyper-V CPUID leaves");
	testdev_require();
	if (testdev_has_cap(HV_CAP_IRQCHIP) <= 0)
		exit_skip("no in-backend LAPIC (irqchip capability)");
	if (enforce_checks())
		return 0;
	ASSERT(cpuid(HV_CPUID_ENLIGHTENMENT).a & HV_CLUSTER_IPI_RECOMMENDED);
	ASSERT(cpuid(HV_CPUID_ENLIGHTENMENT).a & HV_EX_MASKS_RECOMMENDED);
	set_handler(V_IPI, ipi_handler);
	ASSERT_EQ(smp_boot(NCPUS), NCPUS);
	hv_hypercall_setup();
	printf("synthetic cluster IPIs:\n");

	/* Slow: vector, reserved, then the mask. */
	in[0] = V_IPI;
	in[1] = 1u << 1 | 1u << 2;
	expect_status("SendSyntheticClusterIpi",
		      hv_hypercall(HVCALL_SEND_IPI, in_gpa, 0), 0);
	expect_hits("SendSyntheticClusterIpi (slow, mask 0x6)",
		    (const int[NCPUS]){ 0, 1, 1 });

	/* Fast: the vector in RDX, the mask in R8; the caller is VP 0. */
	expect_status("SendSyntheticClusterIpi fast",
		      hv_hypercall_fast(HVCALL_SEND_IPI, V_IPI, 1u << 0 | 1u << 2),
		      0);
	expect_hits("SendSyntheticClusterIpi (fast, mask 0x5)",
		    (const int[NCPUS]){ 1, 0, 1 });

	/* Ex, slow: vector, format, bank mask, bank 0. */
	in[0] = V_IPI;
	in[1] = HV_GENERIC_SET_SPARSE_4K;
	in[2] = 1;
	in[3] = 1u << 1;
	expect_status("SendSyntheticClusterIpiEx",
		      hv_hypercall(HVCALL_SEND_IPI_EX | HV_HYPERCALL_VARHEAD(1),
				   in_gpa, 0), 0);
	expect_hits("SendSyntheticClusterIpiEx (slow, sparse VP 1)",
		    (const int[NCPUS]){ 0, 1, 0 });

	/* Ex, XMM fast: vector in RDX, format in R8, mask and bank in XMM0. */
	x[0] = 1;
	x[1] = 1u << 0 | 1u << 1;
	expect_status("SendSyntheticClusterIpiEx XMM fast",
		      hv_hypercall_xmm(HVCALL_SEND_IPI_EX |
				       HV_HYPERCALL_VARHEAD(1), V_IPI,
				       HV_GENERIC_SET_SPARSE_4K, x), 0);
	expect_hits("SendSyntheticClusterIpiEx (XMM fast, sparse VPs 0-1)",
		    (const int[NCPUS]){ 1, 1, 0 });

	/* Ex, all VPs. */
	in[0] = V_IPI;
	in[1] = HV_GENERIC_SET_ALL;
	in[2] = 0;
	expect_status("SendSyntheticClusterIpiEx all",
		      hv_hypercall(HVCALL_SEND_IPI_EX, in_gpa, 0), 0);
	expect_hits("SendSyntheticClusterIpiEx (all VPs)",
		    (const int[NCPUS]){ 1, 1, 1 });

	/* Bad input: nothing is sent. */
	in[0] = 0x0f;
	in[1] = 1u << 1;
	expect_status("vector 0x0f",
		      hv_hypercall(HVCALL_SEND_IPI, in_gpa, 0), bad);
	expect_status("fast with a reserved upper half",
		      hv_hypercall_fast(HVCALL_SEND_IPI, 1ull << 32 | V_IPI, 2),
		      bad);
	expect_status("with a rep count",
		      hv_hypercall_fast(HVCALL_SEND_IPI |
					HV_HYPERCALL_REP_COUNT(1), V_IPI, 2),
		      bad);
	expect_status("non-Ex with a variable header",
		      hv_hypercall_fast(HVCALL_SEND_IPI |
					HV_HYPERCALL_VARHEAD(1), V_IPI, 2),
		      bad);
	in[0] = V_IPI;
	in[1] = HV_GENERIC_SET_SPARSE_4K;
	in[2] = 3;
	in[3] = 2;
	in[4] = 0;
	expect_status("Ex header disagreeing with the bank mask",
		      hv_hypercall(HVCALL_SEND_IPI_EX | HV_HYPERCALL_VARHEAD(1),
				   in_gpa, 0), bad);
	expect_status("input outside RAM",
		      hv_hypercall(HVCALL_SEND_IPI, 0xfff00000000ull, 0), bad);
	/* An empty sparse set: success, and no vector check either (KVM). */
	in[0] = 0;
	in[2] = 0;
	expect_status("Ex with an empty set",
		      hv_hypercall(HVCALL_SEND_IPI_EX, in_gpa, 0), 0);
	expect_hits("bad input and an empty set", none);
	return 0;
}
