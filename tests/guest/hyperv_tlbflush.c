// SPDX-License-Identifier: GPL-2.0
/*
 * hyperv_tlbflush.c - Hyper-V remote TLB flushes (--hyperv tlbflush,
 * --cpus 2): HvFlushVirtualAddressSpace/List and their Ex forms, slow,
 * fast and XMM fast, flush another vCPU's TLB.
 *
 * The BSP maps a test page at TVA (its own tree under PML4[1]), lets the
 * AP read it (so the AP's TLB holds the translation), then points the PTE
 * at another frame without any INVLPG on the AP and flushes the AP by
 * hypercall: the AP's next read must see the new frame.  With "stale" on
 * the command line (the emu backend, whose soft TLB keeps a translation
 * until told) a read before any flush must still see the old frame, which
 * shows that the hypercall, nothing else, made the AP see the change.
 * The BSP's own TLB is flushed too when the set names it.
 *
 * Then KVM's status codes for bad input: rep counts on the Space forms,
 * no rep count or a start index on the List forms, a variable header on
 * the non-Ex forms or one that disagrees with the bank mask, input outside
 * RAM; and a successful List call reports every rep done.
 */
#include "hyperv.h"

#define PTE_P		(1ull << 0)
#define PTE_W		(1ull << 1)
#define TVA		0x8000000000ull		/* PML4[1] */
#define TIMEOUT		20000000000ull		/* TSC cycles */

static uint64_t pdpt[512] __aligned(4096);
static uint64_t pd[512] __aligned(4096);
static uint64_t pt[512] __aligned(4096);
static uint64_t frames[2][512] __aligned(4096);
static const uint64_t fill[2] = { 0xaaaa0000aaaa0001ull,
				  0xbbbb0000bbbb0002ull };

static volatile uint32_t cmd_seq, ack_seq;
static volatile uint64_t ap_seen;
static int cur;			/* the frame TVA maps now */

void ap_main(int cpu_index)
{
	uint32_t done = 0, c;

	for (;;) {
		c = READ_ONCE(cmd_seq);
		if (c != done) {
			ap_seen = *(volatile uint64_t *)TVA;
			done = c;
			WRITE_ONCE(ack_seq, c);
		}
		pause();
	}
}

/* What the AP reads at TVA now. */
static uint64_t ap_read(void)
{
	uint32_t c = cmd_seq + 1;
	uint64_t t0 = rdtsc();

	WRITE_ONCE(cmd_seq, c);
	while (READ_ONCE(ack_seq) != c)
		if (rdtsc() - t0 > TIMEOUT)
			exit_fail("the AP does not answer");
	return ap_seen;
}

static uint64_t bsp_read(void)
{
	return *(volatile uint64_t *)TVA;
}

static void build_tables(void)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~0xfffull);
	int i;

	for (i = 0; i < 512; i++) {
		frames[0][i] = fill[0];
		frames[1][i] = fill[1];
	}
	pt[0] = (uintptr_t)frames[0] | PTE_P | PTE_W;
	pd[0] = (uintptr_t)pt | PTE_P | PTE_W;
	pdpt[0] = (uintptr_t)pd | PTE_P | PTE_W;
	pml4[1] = (uintptr_t)pdpt | PTE_P | PTE_W;
	write_cr3(read_cr3());
	cur = 0;
}

/* Both TLBs hold TVA -> the current frame; then the PTE moves. */
static void prime_and_swap(void)
{
	ASSERT_EQ(ap_read(), fill[cur]);
	ASSERT_EQ(bsp_read(), fill[cur]);
	cur ^= 1;
	WRITE_ONCE(pt[0], (uintptr_t)frames[cur] | PTE_P | PTE_W);
}

/* @r is the status of a flush that named the AP (and the BSP if @self). */
static void check_flushed(const char *what, uint64_t r, uint64_t want,
			  bool self)
{
	if (r != want)
		exit_fail("%s: status 0x%llx, expected 0x%llx", what,
			  (unsigned long long)r, (unsigned long long)want);
	ASSERT_EQ(ap_read(), fill[cur]);
	if (self)
		ASSERT_EQ(bsp_read(), fill[cur]);
	else
		__asm__ __volatile__("invlpg (%0)" :: "r"(TVA) : "memory");
	printf("  %s: the AP sees the new page%s\n", what,
	       self ? ", and so does the caller" : "");
}

struct flush_in {
	uint64_t space, flags, mask_or_format;
	uint64_t rest[3];	/* bank mask, banks, GVAs */
};

static void in_set(struct flush_in *in, uint64_t flags, uint64_t w2,
		   uint64_t r0, uint64_t r1, uint64_t r2)
{
	in->space = 0;
	in->flags = flags;
	in->mask_or_format = w2;
	in->rest[0] = r0;
	in->rest[1] = r1;
	in->rest[2] = r2;
}

static void flush_forms(uint64_t in_gpa)
{
	struct flush_in *in = (struct flush_in *)(uintptr_t)in_gpa;
	uint64_t x[6] = { 0 }, r;

	/* Slow HvFlushVirtualAddressSpace, mask = VP 1. */
	prime_and_swap();
	in_set(in, HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES, 2, 0, 0, 0);
	r = hv_hypercall(HVCALL_FLUSH_VA_SPACE, in_gpa, 0);
	check_flushed("FlushVirtualAddressSpace (slow, VP 1)", r, 0, false);

	/* Slow list with one GVA: the rep count comes back completed. */
	prime_and_swap();
	in_set(in, 0, 2, TVA, 0, 0);
	r = hv_hypercall(HVCALL_FLUSH_VA_LIST | HV_HYPERCALL_REP_COUNT(1),
			 in_gpa, 0);
	check_flushed("FlushVirtualAddressList (slow, 1 GVA)", r,
		      HV_HYPERCALL_REP_COUNT(1), false);

	/* All processors by flag, the caller included. */
	prime_and_swap();
	in_set(in, HV_FLUSH_ALL_PROCESSORS, 0, 0, 0, 0);
	r = hv_hypercall(HVCALL_FLUSH_VA_SPACE, in_gpa, 0);
	check_flushed("FlushVirtualAddressSpace (all processors)", r, 0, true);

	/* A zero mask means all processors too (KVM, for WS2012). */
	prime_and_swap();
	in_set(in, 0, 0, 0, 0, 0);
	r = hv_hypercall(HVCALL_FLUSH_VA_SPACE, in_gpa, 0);
	check_flushed("FlushVirtualAddressSpace (mask 0)", r, 0, true);

	/* XMM fast: address space in RDX, flags in R8, mask in XMM0. */
	prime_and_swap();
	x[0] = 3;			/* VP 0 and 1 */
	r = hv_hypercall_xmm(HVCALL_FLUSH_VA_SPACE, 0, 0, x);
	check_flushed("FlushVirtualAddressSpace (XMM fast, VPs 0-1)", r, 0,
		      true);

	/* XMM fast list: mask, then the GVAs in the following halves. */
	prime_and_swap();
	x[0] = 2;
	x[1] = TVA;
	x[2] = TVA + 4096;
	r = hv_hypercall_xmm(HVCALL_FLUSH_VA_LIST | HV_HYPERCALL_REP_COUNT(2),
			     0, 0, x);
	check_flushed("FlushVirtualAddressList (XMM fast, 2 GVAs)", r,
		      HV_HYPERCALL_REP_COUNT(2), false);

	/* Ex, slow: sparse set with bank 0 = VP 1. */
	prime_and_swap();
	in_set(in, 0, HV_GENERIC_SET_SPARSE_4K, 1, 2, 0);
	r = hv_hypercall(HVCALL_FLUSH_VA_SPACE_EX | HV_HYPERCALL_VARHEAD(1),
			 in_gpa, 0);
	check_flushed("FlushVirtualAddressSpaceEx (slow, sparse VP 1)", r, 0,
		      false);

	/* Ex list, slow: the GVA follows the bank. */
	prime_and_swap();
	in_set(in, 0, HV_GENERIC_SET_SPARSE_4K, 1, 2, TVA);
	r = hv_hypercall(HVCALL_FLUSH_VA_LIST_EX | HV_HYPERCALL_VARHEAD(1) |
			 HV_HYPERCALL_REP_COUNT(1), in_gpa, 0);
	check_flushed("FlushVirtualAddressListEx (slow, sparse VP 1)", r,
		      HV_HYPERCALL_REP_COUNT(1), false);

	/* Ex, XMM fast: format and bank mask in XMM0, the bank next. */
	prime_and_swap();
	x[0] = HV_GENERIC_SET_SPARSE_4K;
	x[1] = 1;
	x[2] = 2;
	r = hv_hypercall_xmm(HVCALL_FLUSH_VA_SPACE_EX | HV_HYPERCALL_VARHEAD(1),
			     0, 0, x);
	check_flushed("FlushVirtualAddressSpaceEx (XMM fast, sparse VP 1)", r,
		      0, false);

	/* Ex, all VPs. */
	prime_and_swap();
	in_set(in, 0, HV_GENERIC_SET_ALL, 0, 0, 0);
	r = hv_hypercall(HVCALL_FLUSH_VA_SPACE_EX, in_gpa, 0);
	check_flushed("FlushVirtualAddressSpaceEx (all VPs)", r, 0, true);
}

static void expect_status(const char *what, uint64_t r, uint64_t want)
{
	if (r != want)
		exit_fail("%s: status 0x%llx, expected 0x%llx", what,
			  (unsigned long long)r, (unsigned long long)want);
}

static void bad_input(uint64_t in_gpa)
{
	struct flush_in *in = (struct flush_in *)(uintptr_t)in_gpa;
	const uint64_t bad = HV_STATUS_INVALID_HYPERCALL_INPUT;
	uint64_t x[6] = { 0 };

	in_set(in, 0, 2, TVA, 0, 0);
	expect_status("Space with a rep count",
		      hv_hypercall(HVCALL_FLUSH_VA_SPACE |
				   HV_HYPERCALL_REP_COUNT(1), in_gpa, 0), bad);
	expect_status("List without a rep count",
		      hv_hypercall(HVCALL_FLUSH_VA_LIST, in_gpa, 0), bad);
	expect_status("List with a start index",
		      hv_hypercall(HVCALL_FLUSH_VA_LIST |
				   HV_HYPERCALL_REP_COUNT(1) |
				   HV_HYPERCALL_REP_START(1), in_gpa, 0), bad);
	expect_status("non-Ex with a variable header",
		      hv_hypercall(HVCALL_FLUSH_VA_SPACE |
				   HV_HYPERCALL_VARHEAD(1), in_gpa, 0), bad);
	expect_status("input outside RAM",
		      hv_hypercall(HVCALL_FLUSH_VA_SPACE, 0xfff00000000ull, 0),
		      bad);
	/* Two banks claimed, one given in the header: mismatch. */
	in_set(in, 0, HV_GENERIC_SET_SPARSE_4K, 3, 2, 0);
	expect_status("Ex header disagreeing with the bank mask",
		      hv_hypercall(HVCALL_FLUSH_VA_SPACE_EX |
				   HV_HYPERCALL_VARHEAD(1), in_gpa, 0), bad);
	/* An empty sparse set flushes nothing and succeeds. */
	in_set(in, 0, HV_GENERIC_SET_SPARSE_4K, 0, 0, 0);
	expect_status("Ex with an empty set",
		      hv_hypercall(HVCALL_FLUSH_VA_SPACE_EX, in_gpa, 0), 0);
	/* XMM fast input holds at most 12 halves: mask + 12 GVAs do not fit. */
	x[0] = 2;
	expect_status("XMM fast list longer than the registers",
		      hv_hypercall_xmm(HVCALL_FLUSH_VA_LIST |
				       HV_HYPERCALL_REP_COUNT(12), 0, 0, x),
		      bad);
	printf("  bad input: INVALID_HYPERCALL_INPUT where KVM says so\n");
}

int main(const char *cmdline)
{
	uint64_t in_gpa, stale;
	struct cpuid_regs r;

	if (!hv_present())
		exit_fail("no Hyper-V CPUID leaves");
	r = cpuid(HV_CPUID_ENLIGHTENMENT);
	ASSERT(r.a & HV_TLB_FLUSH_RECOMMENDED);
	ASSERT(r.a & HV_EX_MASKS_RECOMMENDED);
	ASSERT(cpuid(HV_CPUID_FEATURES).a & HV_VP_INDEX);
	testdev_require();
	if (testdev_has_cap(HV_CAP_IRQCHIP) <= 0)
		exit_skip("no in-backend LAPIC (irqchip capability)");
	build_tables();
	ASSERT_EQ(smp_boot(2), 2);
	ASSERT_EQ(rdmsr(HV_MSR_VP_INDEX), 0);
	hv_hypercall_setup();
	in_gpa = (uintptr_t)hv_page(1);

	/* Without a flush the AP may go on using its translation. */
	prime_and_swap();
	stale = ap_read();
	printf("no flush: the AP reads the %s page\n",
	       stale == fill[cur] ? "new" : "old");
	if (cmdline_get("stale"))
		ASSERT_EQ(stale, fill[cur ^ 1]);
	__asm__ __volatile__("invlpg (%0)" :: "r"(TVA) : "memory");
	ASSERT_EQ(bsp_read(), fill[cur]);
	/* Put it back, flushed everywhere, for the forms below. */
	{
		struct flush_in *in = (struct flush_in *)(uintptr_t)in_gpa;

		in_set(in, HV_FLUSH_ALL_PROCESSORS, 0, 0, 0, 0);
		expect_status("flush all",
			      hv_hypercall(HVCALL_FLUSH_VA_SPACE, in_gpa, 0), 0);
		ASSERT_EQ(ap_read(), fill[cur]);
	}

	printf("remote TLB flushes:\n");
	flush_forms(in_gpa);
	bad_input(in_gpa);
	return 0;
}
