// SPDX-License-Identifier: GPL-2.0
/*
 * pm_poweroff.c - power off the ACPI way: find PM1a_CNT in the FADT, see
 * SCI_EN set, write SLP_TYP 0 (the DSDT's \_S5) with SLP_EN.  cvisor must
 * exit with status 0.  With "reset" on the command line it resets through
 * the FADT's reset register (0x06 to port 0xCF9) instead, which ends the
 * VM with status 0 too.  Returning from either write is a failure.
 */
#include "pci.h"

int main(const char *cmdline)
{
	const uint8_t *fadt = acpi_find_table("FACP");
	uint16_t cnt;

	ASSERT(fadt);
	if (cmdline_get("reset")) {
		/* RESET_REG: GAS at 116 (space 1 = I/O), RESET_VALUE at 128. */
		ASSERT_EQ(fadt[116], 1);
		outb((uint16_t)get64(fadt + 120), fadt[128]);
		tsc_delay(100000000);
		exit_fail("still running after the reset register write");
	}
	cnt = (uint16_t)get32(fadt + 64);
	ASSERT(inw(cnt) & 1);
	outw(cnt, 0x2000);
	tsc_delay(100000000);
	exit_fail("still running after writing SLP_EN to PM1a_CNT 0x%x", cnt);
}
