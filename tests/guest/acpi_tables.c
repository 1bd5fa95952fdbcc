// SPDX-License-Identifier: GPL-2.0
/*
 * acpi_tables.c - the firmware view a Multiboot guest gets too: the RSDP
 * found by the BIOS-area scan, its checksums, every XSDT table's
 * checksum, the MADT's processor count equal to cpus=N on the command
 * line, and the FADT's PM ports and reset register matching the devices
 * (the PM timer at the advertised port must tick).
 */
#include "pci.h"

int main(const char *cmdline)
{
	uint64_t cpus = cmdline_u64("cpus", 0);
	const uint8_t *rsdp, *xsdt, *madt, *fadt, *p, *end;
	uint32_t len, i, ncpu = 0, t0, t1;

	if (!cpus)
		exit_fail("command line lacks cpus=N: '%s'", cmdline);
	rsdp = acpi_find_rsdp();
	if (!rsdp)
		exit_fail("no RSDP in 0xE0000-0xFFFFF");
	printf("RSDP at %p, revision %u\n", rsdp, rsdp[15]);
	ASSERT(rsdp[15] >= 2);
	ASSERT_EQ(acpi_sum(rsdp, get32(rsdp + 20)), 0);
	xsdt = (const uint8_t *)get64(rsdp + 24);
	ASSERT(!memcmp(xsdt, "XSDT", 4));
	len = get32(xsdt + 4);
	ASSERT_EQ(acpi_sum(xsdt, len), 0);
	for (i = 36; i + 8 <= len; i += 8) {
		p = (const uint8_t *)get64(xsdt + i);
		printf("  %.4s at %p, %u bytes\n", (const char *)p, p,
		       get32(p + 4));
		ASSERT_EQ(acpi_sum(p, get32(p + 4)), 0);
	}

	madt = acpi_find_table("APIC");
	ASSERT(madt);
	end = madt + get32(madt + 4);
	for (p = madt + 44; p + 2 <= end && p[1] >= 2; p += p[1])
		if (p[0] == 0 && (get32(p + 4) & 1))
			ncpu++;
	printf("MADT: %u enabled processors\n", ncpu);
	ASSERT_EQ(ncpu, cpus);

	fadt = acpi_find_table("FACP");
	ASSERT(fadt);
	ASSERT_EQ(get32(fadt + 56), 0x600);		/* PM1a_EVT_BLK */
	ASSERT_EQ(get32(fadt + 64), 0x604);		/* PM1a_CNT_BLK */
	ASSERT_EQ(get32(fadt + 76), 0x608);		/* PM_TMR_BLK */
	ASSERT_EQ(fadt[46] | fadt[47] << 8, 9);		/* SCI_INT */
	ASSERT_EQ(get64(fadt + 116 + 4), 0xcf9);	/* RESET_REG address */
	ASSERT_EQ(fadt[128], 0x06);			/* RESET_VALUE */
	ASSERT(get64(fadt + 140));			/* X_DSDT */
	ASSERT(!memcmp((const void *)get64(fadt + 140), "DSDT", 4));

	/* SCI_EN reads as set: ACPI mode without an SMI handshake. */
	ASSERT(inw(0x604) & 1);
	/* The PM timer runs at 3.58 MHz: it moves within a short spin. */
	t0 = inl(0x608) & 0xffffff;
	for (i = 0; i < 1000000 && (inl(0x608) & 0xffffff) == t0; i++)
		pause();
	t1 = inl(0x608) & 0xffffff;
	ASSERT_NE(t0, t1);
	return 0;
}
