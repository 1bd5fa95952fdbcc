// SPDX-License-Identifier: GPL-2.0
/*
 * private_conv.c - conversions between shared and private memory through
 * KVM_HC_MAP_GPA_RANGE, as upstream's private_mem_conversions_test does,
 * on every vCPU at once (run with --private-memory --cpus N).
 *
 * Each vCPU owns an 8 MiB area (above the image, stack and page tables)
 * and walks a list of ranges: single 4 KiB pages, 2 MiB runs and odd
 * offsets and lengths, some crossing a 2 MiB boundary.  For each: the
 * range and 16 pages around it are shared and filled; the range goes
 * private and must read zero while the pages around keep their shared
 * data; the guest fills it with a
 * private pattern; odd pages go back to shared (holes) and read zero
 * (the private copy was punched); finally the whole range goes back to
 * shared and reads zero.  The BSP asks the VMM (testdev SCAN) to look
 * for every vCPU's private pattern in all the guest RAM it can read, and
 * for a shared pattern as a control: the VMM only ever sees shared data.
 * A device DMA probe of a private page fails, of a shared one works.
 */
#include "kit.h"

#define AREA_BASE	0x2000000ull		/* 32 MiB */
#define AREA_SIZE	(8ull << 20)
#define PAGE		4096ull
#define CONV_MAX_CPUS	4

struct range {
	uint64_t off, len;
};

static const struct range ranges[] = {
	{ 0, PAGE },
	{ 5 * PAGE, PAGE },
	{ 0, 2ull << 20 },
	{ 2ull << 20, 2ull << 20 },
	{ 3 * PAGE, 7 * PAGE },			/* odd offset and length */
	{ (2ull << 20) - 3 * PAGE, 9 * PAGE },	/* across a 2 MiB line */
	{ (6ull << 20) + 13 * PAGE, 101 * PAGE },
};
#define NR_RANGES	(sizeof(ranges) / sizeof(ranges[0]))

static volatile int ncpus, cpus_done;
static volatile int phase[CONV_MAX_CPUS];	/* cpu: private pattern written */
static volatile int scanned[CONV_MAX_CPUS];	/* BSP: scan of that step done */
static volatile int failed;

static void bsp_service(void);

enum kind { ZERO, SHARED, PRIVATE };

/*
 * The guest's stacks are shared memory, so a private pattern is never a
 * variable that could be spilled or saved there: leaf functions make it
 * in a register from (cpu, step) when they need it.
 */
static inline uint64_t pattern(int cpu, int step, enum kind k)
{
	if (k == ZERO)
		return 0;
	return (k == PRIVATE ? 0xc0f1de0700000000ull : 0x5a5a0d0d00000000ull) |
	       (uint64_t)cpu << 16 | (uint64_t)step;
}

static __attribute__((noinline)) void fill(uint64_t gpa, uint64_t len,
					    int cpu, int step, enum kind k)
{
	volatile uint64_t *p = (volatile uint64_t *)gpa;
	uint64_t i;

	for (i = 0; i < len / 8; i++)
		p[i] = pattern(cpu, step, k);
}

/* First word of [gpa, gpa+len) that is not the pattern, or ~0. */
static __attribute__((noinline)) uint64_t check(uint64_t gpa, uint64_t len,
						int cpu, int step, enum kind k)
{
	volatile uint64_t *p = (volatile uint64_t *)gpa;
	uint64_t i;

	for (i = 0; i < len / 8; i++)
		if (p[i] != pattern(cpu, step, k))
			return gpa + i * 8;
	return ~0ull;
}

#define CHECK_MEM(cpu, gpa, len, step, k, what) do {			\
	uint64_t bad_ = check((gpa), (len), (cpu), (step), (k));	\
	if (bad_ != ~0ull) {						\
		printf("vCPU %d: %s: 0x%llx reads 0x%llx, want kind %d\n", \
		       (cpu), (what), (unsigned long long)bad_,		\
		       (unsigned long long)*(volatile uint64_t *)bad_,	\
		       (int)(k));					\
		failed = 1;						\
		return;							\
	}								\
} while (0)

#define CHECK_HC(cpu, call, what) do {					\
	int64_t r_ = (call);						\
	if (r_) {							\
		printf("vCPU %d: %s: MAP_GPA_RANGE gave %lld\n", (cpu),	\
		       (what), (long long)r_);				\
		failed = 1;						\
		return;							\
	}								\
} while (0)

static void convert(int cpu, uint64_t gpa, uint64_t len, bool priv, bool *ok)
{
	/* 2 MiB runs say so in the page-size hint, as a guest would. */
	uint64_t hint = !(gpa & ((2ull << 20) - 1)) &&
			!(len & ((2ull << 20) - 1)) ? KVM_MAP_GPA_2M : 0;

	*ok = !kvm_map_gpa_range(gpa, len / PAGE,
			     (priv ? KVM_MAP_GPA_ENCRYPTED : 0) | hint);
	if (!*ok)
		printf("vCPU %d: converting 0x%llx+0x%llx failed\n", cpu,
		       (unsigned long long)gpa, (unsigned long long)len);
}

static void run_ranges(int cpu)
{
	uint64_t area = AREA_BASE + (uint64_t)cpu * AREA_SIZE;
	unsigned int i;
	uint64_t pg;
	bool ok;

	for (i = 0; i < NR_RANGES && !failed; i++) {
		uint64_t gpa = area + ranges[i].off, len = ranges[i].len;
		/* The range and 16 pages either side (within the area). */
		uint64_t lo = gpa - area >= 16 * PAGE ? gpa - 16 * PAGE : area;
		uint64_t hi = area + AREA_SIZE - gpa - len >= 16 * PAGE ?
			      gpa + len + 16 * PAGE : area + AREA_SIZE;

		fill(lo, hi - lo, cpu, i, SHARED);
		convert(cpu, gpa, len, true, &ok);
		if (!ok)
			goto fail;
		CHECK_MEM(cpu, gpa, len, i, ZERO, "fresh private range");
		/* Shared data around the range is kept. */
		CHECK_MEM(cpu, lo, gpa - lo, i, SHARED, "shared below");
		CHECK_MEM(cpu, gpa + len, hi - gpa - len, i, SHARED,
			  "shared above");
		fill(gpa, len, cpu, i, PRIVATE);
		CHECK_MEM(cpu, gpa, len, i, PRIVATE, "private pattern");
		/* Let the BSP look for it in what the VMM can see. */
		phase[cpu] = i + 1;
		while (scanned[cpu] != (int)i + 1 && !failed) {
			if (cpu == 0)
				bsp_service();
			else
				pause();
		}
		/* Odd pages back to shared: holes in the private range. */
		for (pg = 1; pg < len / PAGE; pg += 2) {
			convert(cpu, gpa + pg * PAGE, PAGE, false, &ok);
			if (!ok)
				goto fail;
			CHECK_MEM(cpu, gpa + pg * PAGE, PAGE, i, ZERO,
				  "private page made shared");
			fill(gpa + pg * PAGE, PAGE, cpu, i, SHARED);
		}
		for (pg = 0; pg < len / PAGE; pg += 2)
			CHECK_MEM(cpu, gpa + pg * PAGE, PAGE, i, PRIVATE,
				  "private page next to a hole");
		convert(cpu, gpa, len, false, &ok);
		if (!ok)
			goto fail;
		for (pg = 0; pg < len / PAGE; pg++)
			CHECK_MEM(cpu, gpa + pg * PAGE, PAGE, i,
				  pg & 1 ? SHARED : ZERO, "range back to shared");
	}
	return;
fail:
	failed = 1;
}

void ap_main(int cpu_index)
{
	run_ranges(cpu_index);
	__atomic_fetch_add(&cpus_done, 1, __ATOMIC_SEQ_CST);
	halt_forever();
}

/* BSP: every vCPU's private pattern must be invisible to the VMM. */
static void scan_for(int cpu)
{
	int step = phase[cpu];
	int n;

	if (!step || scanned[cpu] == step)
		return;
	n = testdev_cmd(TESTDEV_SCAN, ~pattern(cpu, step - 1, PRIVATE));
	if (n) {
		printf("VMM sees vCPU %d's private pattern %d times\n", cpu, n);
		failed = 1;
	}
	/* Control: the shared pattern of the same step is visible. */
	n = testdev_cmd(TESTDEV_SCAN, ~pattern(cpu, step - 1, SHARED));
	if (n <= 0) {
		printf("VMM cannot see vCPU %d's shared pattern (%d)\n", cpu, n);
		failed = 1;
	}
	scanned[cpu] = step;
}

static void bsp_service(void)
{
	int i;

	for (i = 0; i < ncpus; i++)
		scan_for(i);
}

int main(const char *cmdline)
{
	int want = (int)cmdline_u64("cpus", 2);
	uint64_t t0, probe = AREA_BASE + (uint64_t)want * AREA_SIZE;

	testdev_require();
	if (want < 1 || want > CONV_MAX_CPUS)
		exit_fail("cpus=%d: 1..%d", want, CONV_MAX_CPUS);
	if (kvm_map_gpa_range(probe, 1, KVM_MAP_GPA_ENCRYPTED) == -1000)
		exit_fail("MAP_GPA_RANGE is not enabled (run with --private-memory)");
	/* The device helper refuses the private page, takes it back shared. */
	ASSERT_EQ(testdev_cmd(TESTDEV_DMA_PROBE, probe, 64), -14);	/* -EFAULT */
	ASSERT_EQ(strcmp(testdev_last_msg(), "private"), 0);
	ASSERT_EQ(kvm_map_gpa_range(probe, 1, 0), 0);
	ASSERT_EQ(testdev_cmd(TESTDEV_DMA_PROBE, probe, 64), 0);
	/* Not RAM: the VMM refuses the conversion. */
	ASSERT_EQ(kvm_map_gpa_range(0xfeb00000ull, 1, KVM_MAP_GPA_ENCRYPTED), -22);
	ASSERT_EQ(kvm_map_gpa_range(probe + 1, 1, KVM_MAP_GPA_ENCRYPTED), -22);

	ncpus = smp_boot(want);
	ASSERT_EQ(ncpus, want);
	/* The BSP converts its own area too, serving scans meanwhile. */
	run_ranges(0);
	t0 = rdtsc();
	while (cpus_done < ncpus - 1 && !failed) {
		bsp_service();
		if (rdtsc() - t0 > 600000000000ull)
			exit_fail("APs did not finish");
		pause();
	}
	ASSERT_EQ(failed, 0);
	printf("%d vCPUs x %u ranges converted, contents checked\n", ncpus,
	       (unsigned int)NR_RANGES);
	return 0;
}
