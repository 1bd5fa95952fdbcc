// SPDX-License-Identifier: GPL-2.0
/*
 * pm_powerbutton.c - the ACPI fixed power button, as an OS without ACPI
 * interrupts would see it (tests/snapshot/powerdown.py): the FADT
 * declares a fixed power button (PWR_BUTTON flag clear), PWRBTN_EN is
 * set in PM1a_EN, then the guest polls PM1a_STS until the host presses
 * the button (QMP system_powerdown).  PWRBTN_STS must be set, clear on a
 * write of 1 and stay clear; then the guest powers off through
 * PM1a_CNT as an OS would (cvisor exits with status 0).
 */
#include "pci.h"

#define PM1_PWRBTN	0x0100
#define FADT_PWR_BUTTON	(1u << 4)
#define PM_HZ		3579545u

int main(const char *cmdline)
{
	const uint8_t *fadt = acpi_find_table("FACP");
	uint16_t sts, en, cnt, tmr;
	uint32_t t0, polls = 0;

	ASSERT(fadt);
	ASSERT(!(get32(fadt + 112) & FADT_PWR_BUTTON));
	sts = (uint16_t)get32(fadt + 56);	/* PM1a_EVT_BLK */
	en = (uint16_t)(sts + fadt[88] / 2);	/* PM1_EVT_LEN / 2 */
	cnt = (uint16_t)get32(fadt + 64);	/* PM1a_CNT_BLK */
	tmr = (uint16_t)get32(fadt + 76);	/* PM_TMR_BLK */
	ASSERT(!(inw(sts) & PM1_PWRBTN));
	outw(en, PM1_PWRBTN);
	ASSERT_EQ(inw(en), PM1_PWRBTN);
	printf("READY\n");

	t0 = inl(tmr) & 0xffffff;
	while (!(inw(sts) & PM1_PWRBTN)) {
		pause();
		/* Re-arm the 24-bit timer window: wait up to ~60 s. */
		if ((((inl(tmr) & 0xffffff) - t0) & 0xffffff) > 4 * PM_HZ) {
			t0 = inl(tmr) & 0xffffff;
			if (++polls > 15)
				exit_fail("no power button press in 60 s");
		}
	}
	printf("power button: PWRBTN_STS set\n");
	outw(sts, PM1_PWRBTN);		/* write 1 to clear */
	ASSERT(!(inw(sts) & PM1_PWRBTN));
	outw(cnt, 0x2000);		/* SLP_TYP 0 (\_S5) | SLP_EN */
	tsc_delay(100000000);
	exit_fail("still running after writing SLP_EN to PM1a_CNT 0x%x", cnt);
}
