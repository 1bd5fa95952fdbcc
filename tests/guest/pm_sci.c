// SPDX-License-Identifier: GPL-2.0
/*
 * pm_sci.c - the ACPI SCI as an ACPI OS takes it (tests/snapshot/sci.py):
 * the FADT's SCI_INT is ISA IRQ 9, the guest routes it through the
 * IOAPIC (level, active high, as the MADT's override says), checks that
 * ACPI mode is on (SCI_EN), enables PWRBTN_EN and waits with interrupts
 * on.  The host presses the power button (QMP system_powerdown): the SCI
 * must arrive with PWRBTN_STS set, and clearing the status must end it
 * (one interrupt, not a storm).  An SCI with no status bit set is
 * counted apart and reported ("spurious=N"): an ACPI OS ignores one, and
 * this project's nested KVM delivers one after the EOI of a level
 * triggered interrupt (its ISR reads 0 in the handler, so the EOI does
 * not reach the IOAPIC in time); tests/snapshot/sci.py wants none on emu.
 *
 * Then the same event pending across a snapshot: with the IOAPIC pin
 * masked, the second press only sets PWRBTN_STS and raises the line;
 * the host snapshots the VM there and restores it into a new process,
 * which gets "go" on COM1.  The status must still be set, and unmasking
 * the pin must deliver the SCI, because the restored device drives the
 * line again.
 */
#include "pci.h"

#define PM1_PWRBTN	0x0100
#define PM1_CNT_SCI_EN	0x0001
#define SCI_VEC		0x59
#define PM_HZ		3579545u
#define MADT_ISO	2	/* interrupt source override */

static uint16_t pm1_sts;
static volatile unsigned int sci_count, sci_spurious;
static volatile uint16_t sci_seen;

static void sci_handler(struct frame *f)
{
	uint16_t s = inw(pm1_sts);

	sci_seen |= s;
	if (s & PM1_PWRBTN)
		sci_count++;
	else
		sci_spurious++;
	/* A storm, not a stray: fail before it floods the log. */
	if (sci_spurious > 4)
		exit_fail("SCI storm: %u interrupts without a status bit",
			  sci_spurious);
	/* Clear the cause first: the line is level triggered. */
	outw(pm1_sts, s & PM1_PWRBTN);
	apic_eoi();
}

/*
 * The IOAPIC entry an ACPI OS builds for the SCI from the MADT's override
 * for ISA IRQ 9: it must exist, keep GSI 9 and be level triggered; the
 * polarity is whatever the table says (QEMU says high, the ACPI spec's
 * default for the SCI is low), and the entry follows it.
 */
static uint32_t sci_rte_flags(void)
{
	const uint8_t *madt = acpi_find_table("APIC");
	const uint8_t *p, *end;

	ASSERT(madt);
	end = madt + get32(madt + 4);
	for (p = madt + 44; p + 2 <= end && p[1] >= 2; p += p[1]) {
		if (p[0] != MADT_ISO || p[3] != 9)
			continue;
		ASSERT_EQ(get32(p + 4), 9);		/* GSI 9 */
		ASSERT_EQ((p[8] >> 2) & 3, 3);		/* level */
		return IOAPIC_RTE_LEVEL |
		       ((p[8] & 3) == 3 ? IOAPIC_RTE_LOW : 0);
	}
	exit_fail("MADT: no interrupt source override for the SCI");
}

/* Wait up to @secs seconds of PM timer for @done(); false on timeout. */
static bool wait_for(bool (*done)(void), uint16_t tmr, unsigned int secs)
{
	uint32_t t0 = inl(tmr) & 0xffffff, quarters = 0;

	/* Polled: with the SCI masked nothing else would end a HLT. */
	sti();
	while (!done()) {
		pause();
		if ((((inl(tmr) & 0xffffff) - t0) & 0xffffff) > PM_HZ / 4) {
			t0 = inl(tmr) & 0xffffff;
			if (++quarters > 4 * secs)
				return false;
		}
	}
	return true;
}

static unsigned int want_count;
static bool sci_arrived(void)
{
	return sci_count >= want_count;
}

static bool pwrbtn_pending(void)
{
	return inw(pm1_sts) & PM1_PWRBTN;
}

static bool go_arrived(void)
{
	return serial_go();
}

int main(const char *cmdline)
{
	const uint8_t *fadt = acpi_find_table("FACP");
	uint32_t rte;
	uint16_t en, cnt, tmr;

	ASSERT(fadt);
	ASSERT_EQ(get32(fadt + 46) & 0xffff, 9);		/* SCI_INT */
	pm1_sts = (uint16_t)get32(fadt + 56);	/* PM1a_EVT_BLK */
	en = (uint16_t)(pm1_sts + fadt[88] / 2);
	cnt = (uint16_t)get32(fadt + 64);	/* PM1a_CNT_BLK */
	tmr = (uint16_t)get32(fadt + 76);	/* PM_TMR_BLK */
	rte = SCI_VEC | sci_rte_flags();
	/* No SMI_CMD: the machine is in ACPI mode from reset. */
	ASSERT(inw(cnt) & PM1_CNT_SCI_EN);
	ASSERT(!(inw(pm1_sts) & PM1_PWRBTN));

	apic_enable();
	set_handler(SCI_VEC, sci_handler);
	ioapic_route(9, rte);
	outw(en, PM1_PWRBTN);
	printf("READY\n");

	/* 1. A press raises the SCI; clearing PWRBTN_STS ends it. */
	want_count = 1;
	if (!wait_for(sci_arrived, tmr, 120))
		exit_fail("no SCI within 120 s of READY");
	tsc_delay(10000000);	/* a storm would show up here */
	cli();
	ASSERT_EQ(sci_count, 1);
	ASSERT(sci_seen & PM1_PWRBTN);
	ASSERT(!(inw(pm1_sts) & PM1_PWRBTN));
	printf("SCI 1: PWRBTN_STS set, cleared by the handler (spurious=%u)\n",
	       sci_spurious);

	/* 2. Pending across a snapshot/restore, the pin masked. */
	ioapic_route(9, rte | IOAPIC_RTE_MASKED);
	printf("READY2\n");
	if (!wait_for(pwrbtn_pending, tmr, 120))
		exit_fail("no second power button press within 120 s");
	cli();
	ASSERT_EQ(sci_count, 1);	/* masked: nothing delivered */
	printf("PENDING\n");
	if (!wait_for(go_arrived, tmr, 240))
		exit_fail("no \"go\" on COM1 within 240 s");
	cli();
	ASSERT_EQ(sci_count, 1);
	ASSERT(inw(pm1_sts) & PM1_PWRBTN);
	ASSERT_EQ(inw(en), PM1_PWRBTN);
	printf("restored: PWRBTN_STS still set\n");
	want_count = 2;
	ioapic_route(9, rte);
	if (!wait_for(sci_arrived, tmr, 10))
		exit_fail("no SCI after unmasking the pending one");
	tsc_delay(10000000);
	cli();
	ASSERT_EQ(sci_count, 2);
	ASSERT(!(inw(pm1_sts) & PM1_PWRBTN));
	printf("SCI 2: delivered after the restore (spurious=%u)\n",
	       sci_spurious);
	return 0;
}
