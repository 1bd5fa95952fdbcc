// SPDX-License-Identifier: GPL-2.0
/*
 * private_implicit.c - implicit conversions: a memory-fault exit whose
 * access kind differs from the page's attribute makes the VMM convert the
 * page to that kind and run the vCPU again (seed-apis.md 3.7).
 *
 * Run with --private-memory and CVISOR_EMU_INJECT_MISMATCH naming the
 * pages SHARED_PG and PRIVATE_PG (emu's fault injection: the first access
 * to each reports the opposite of its attribute, as KVM does when a
 * conversion races with the fault).  The first access to SHARED_PG, a
 * shared page, is then a private access: the VMM makes the page private
 * and the store lands in private memory, where the VMM cannot see it.
 * The first access to PRIVATE_PG, made private by MAP_GPA_RANGE, is a
 * shared access: the page comes back shared and the store is visible.
 * Without the conversion each check below gives the opposite answer.
 * With "mmio" on the command line the injection names testdev's MMIO page instead: no
 * conversion can help there, so the VMM must stop the VM with a message.
 */
#include "kit.h"

#define SHARED_PG	0x2000000ull		/* 32 MiB */
#define PRIVATE_PG	0x2001000ull
#define PAT_S		0x1a2b3c4d5e6f7081ull
#define PAT_P		0x8172635445362718ull

static int64_t scan(uint64_t pat)
{
	return testdev_cmd(TESTDEV_SCAN, ~pat, 0, 0);
}

int main(const char *cmdline)
{
	volatile uint64_t *s = (volatile uint64_t *)SHARED_PG;
	volatile uint64_t *p = (volatile uint64_t *)PRIVATE_PG;
	uint64_t pat;

	testdev_require();
	if (kvm_map_gpa_range(PRIVATE_PG, 1, KVM_MAP_GPA_ENCRYPTED) == -1000)
		exit_fail("MAP_GPA_RANGE is not enabled (run with --private-memory)");

	if (cmdline_get("mmio")) {
		/* A private access to MMIO: the VMM must stop the VM. */
		(void)*(volatile uint32_t *)TESTDEV_MMIO_BASE;
		exit_fail("the access to the injected MMIO page went through");
	}

	/* A shared page; its first access claims to be private. */
	pat = PAT_S;
	*s = pat;
	ASSERT_EQ(*s, PAT_S);
	ASSERT_EQ(scan(PAT_S), 0);		/* the VMM does not see it */
	ASSERT_EQ(testdev_cmd(TESTDEV_DMA_PROBE, SHARED_PG, 8), -14);
	ASSERT_EQ(strcmp(testdev_last_msg(), "private"), 0);
	/* Back to shared: the private copy is gone. */
	ASSERT_EQ(kvm_map_gpa_range(SHARED_PG, 1, 0), 0);
	ASSERT_EQ(*s, 0);

	/* A private page; its first access claims to be shared. */
	pat = PAT_P;
	*p = pat;
	ASSERT_EQ(*p, PAT_P);
	ASSERT_EQ(scan(PAT_P), 1);		/* shared now: visible */
	ASSERT_EQ(testdev_cmd(TESTDEV_DMA_PROBE, PRIVATE_PG, 8), 0);

	printf("implicit conversions: shared->private and private->shared\n");
	return 0;
}
