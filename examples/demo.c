// SPDX-License-Identifier: GPL-2.0
/*
 * demo.c - the bundled demo guest that `make demo` boots: it reports what
 * the virtual machine looks like from inside (CPU, memory, vCPU count),
 * brings every secondary vCPU up with INIT-SIPI-SIPI so that each says
 * hello, and powers the VM off (cvisor then exits with status 0).
 *
 * Built with the guest test kit (tests/guest/kit); see examples/build.mk.
 */
#include "kit.h"

#define POWEROFF_PORT	0x604
#define POWEROFF_VALUE	0x2000

static volatile int hellos;

static void cpu_brand(char out[49])
{
	uint32_t *w = (uint32_t *)out;
	unsigned int i;

	if (cpuid(0x80000000).a < 0x80000004) {
		memcpy(out, "(no brand string)", 18);
		return;
	}
	for (i = 0; i < 3; i++) {
		struct cpuid_regs r = cpuid(0x80000002 + i);

		w[i * 4 + 0] = r.a;
		w[i * 4 + 1] = r.b;
		w[i * 4 + 2] = r.c;
		w[i * 4 + 3] = r.d;
	}
	out[48] = '\0';
	if (!out[0])
		memcpy(out, "(empty)", 8);
}

void ap_main(int cpu_index)
{
	printf("  vCPU %d (APIC id %u): hello from long mode\n", cpu_index,
	       apic_id());
	__atomic_add_fetch(&hellos, 1, __ATOMIC_SEQ_CST);
	halt_forever();
}

int main(const char *cmdline)
{
	struct cpuid_regs v = cpuid(0);
	char vendor[13], brand[49];
	uint64_t ram = fwcfg_read_u64(FW_CFG_RAM_SIZE);
	int ncpus = fwcfg_read_u16(FW_CFG_NB_CPUS), online;

	memcpy(vendor + 0, &v.b, 4);
	memcpy(vendor + 4, &v.d, 4);
	memcpy(vendor + 8, &v.c, 4);
	vendor[12] = '\0';
	cpu_brand(brand);

	printf("\ncvisor demo guest: booted through Multiboot, now in 64-bit long mode\n");
	printf("  CPU vendor: %s\n  CPU brand:  %s\n", vendor, brand);
	printf("  memory (fw_cfg): %llu MiB\n", (unsigned long long)(ram >> 20));
	printf("  vCPUs (fw_cfg): %d\n", ncpus);
	printf("  command line: '%s'\n", cmdline);
	printf("  vCPU 0 (APIC id %u): hello from long mode\n", apic_id());

	if (ncpus > 1) {
		online = smp_boot(ncpus);
		while (__atomic_load_n(&hellos, __ATOMIC_SEQ_CST) < online - 1)
			pause();
		printf("  %d of %d vCPUs online\n", online, ncpus);
	}
	printf("powering off\n");
	outw(POWEROFF_PORT, POWEROFF_VALUE);
	exit_fail("still running after the poweroff write");
}
