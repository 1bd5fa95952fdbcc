// SPDX-License-Identifier: GPL-2.0
/*
 * fwcfg.c - fw_cfg signature, id, RAM size and CPU count.  The expected
 * values come from the command line: "mem=BYTES cpus=N" (both required,
 * so that a forgotten --append fails instead of passing vacuously).
 */
#include "kit.h"

int main(const char *cmdline)
{
	uint64_t mem = cmdline_u64("mem", 0), ram;
	uint64_t cpus = cmdline_u64("cpus", 0);
	uint32_t id;
	uint16_t ncpus;
	char sig[5] = { 0 };

	if (!mem || !cpus)
		exit_fail("command line lacks mem=BYTES cpus=N: '%s'", cmdline);

	fwcfg_read(FW_CFG_SIGNATURE, sig, 4);
	if (memcmp(sig, "QEMU", 4))
		exit_fail("fw_cfg signature '%s' (%02x %02x %02x %02x), "
			  "expected 'QEMU'", sig, sig[0] & 0xff, sig[1] & 0xff,
			  sig[2] & 0xff, sig[3] & 0xff);

	/*
	 * Not asserted: QEMU sets bit 0 (traditional interface) and maybe
	 * bit 1 (DMA), docs/conventions.md says cvisor answers 0.
	 */
	fwcfg_read(FW_CFG_ID, &id, sizeof(id));

	ram = fwcfg_read_u64(FW_CFG_RAM_SIZE);
	ncpus = fwcfg_read_u16(FW_CFG_NB_CPUS);
	printf("fw_cfg: RAM %llu bytes, %u CPUs, id 0x%x\n",
	       (unsigned long long)ram, ncpus, id);
	ASSERT_EQ(ram, mem);
	ASSERT_EQ(ncpus, cpus);

	/* Reading restarts at offset 0 after each selector write. */
	memset(sig, 0, sizeof(sig));
	fwcfg_read(FW_CFG_SIGNATURE, sig, 2);
	fwcfg_read(FW_CFG_SIGNATURE, sig + 2, 2);
	ASSERT(!memcmp(sig, "QEQE", 4));
	return 0;
}
