// SPDX-License-Identifier: GPL-2.0
/*
 * smp.c - start the second CPU with INIT-SIPI-SIPI; both CPUs then add to
 * a shared counter with LOCK XADD and the BSP checks the total (a lost
 * update means the backend broke atomicity between vCPUs).  Expects
 * exactly 2 CPUs (fw_cfg and cpus= on the command line, default 2).
 */
#include "kit.h"

#define ITERATIONS	20000

static volatile uint64_t counter;
static volatile int ap_done, ap_index = -1;
static volatile uint32_t ap_apic_id = ~0u;
static volatile int go;

static inline uint64_t xadd(volatile uint64_t *p, uint64_t v)
{
	__asm__ __volatile__("lock xaddq %0, %1" : "+r"(v), "+m"(*p) :: "memory");
	return v;
}

static void hammer(void)
{
	int i;

	for (i = 0; i < ITERATIONS; i++)
		xadd(&counter, 1);
}

void ap_main(int cpu_index)
{
	ap_index = cpu_index;
	ap_apic_id = apic_id();
	/* Start together so that the increments really interleave. */
	while (!go)
		pause();
	hammer();
	WRITE_ONCE(ap_done, 1);
	halt_forever();
}

int main(const char *cmdline)
{
	uint64_t want = cmdline_u64("cpus", 2), t0;
	uint16_t ncpus = fwcfg_read_u16(FW_CFG_NB_CPUS);
	int online;

	ASSERT_EQ(want, 2);
	ASSERT_EQ(ncpus, want);
	ASSERT_EQ(apic_id(), 0);

	online = smp_boot((int)want);
	ASSERT_EQ(online, 2);
	/*
	 * smp_boot() returns once the AP has started, which is before its
	 * ap_main() stores what it saw: a descheduled vCPU thread can be
	 * between the two stores.
	 */
	t0 = rdtsc();
	while (ap_apic_id == ~0u && rdtsc() - t0 < 50000000000ull)
		pause();
	ASSERT_EQ(ap_index, 1);
	ASSERT_EQ(ap_apic_id, 1);

	go = 1;
	hammer();
	t0 = rdtsc();
	while (!ap_done) {
		if (rdtsc() - t0 > 100000000000ull)
			exit_fail("AP did not finish; counter %llu",
				  (unsigned long long)counter);
		pause();
	}
	printf("counter %llu (expected %u)\n", (unsigned long long)counter,
	       2 * ITERATIONS);
	ASSERT_EQ(counter, 2 * ITERATIONS);
	return 0;
}
