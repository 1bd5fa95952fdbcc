// SPDX-License-Identifier: GPL-2.0
/*
 * rtc.c - the CMOS RTC: a sane date in BCD (the default) and in binary
 * after setting DM in status register B, 24-hour hours, the seconds
 * ticking within a bounded time, update-in-progress (register A bit 7)
 * sampled before the change and clear right after it.
 * The wait is bounded with the ACPI PM timer (3.579545 MHz).  The test
 * takes at most about a second.
 */
#include "kit.h"

#define PM_TMR		0x608
#define PM_HZ		3579545u

static uint8_t cmos(uint8_t idx)
{
	outb(0x70, idx);
	return inb(0x71);
}

static void cmos_write(uint8_t idx, uint8_t v)
{
	outb(0x70, idx);
	outb(0x71, v);
}

static unsigned int bcd(uint8_t v)
{
	ASSERT((v & 0xf) < 10 && (v >> 4) < 10);
	return (v >> 4) * 10 + (v & 0xf);
}

/* PM timer ticks elapsed since @t0 (24-bit wrap-around). */
static uint32_t pm_since(uint32_t t0)
{
	return ((inl(PM_TMR) & 0xffffff) - t0) & 0xffffff;
}

int main(const char *cmdline)
{
	unsigned int sec, min, hour, day, mon, year, cent, s2;
	uint32_t t0, n;
	bool uip = false;
	uint8_t b;

	ASSERT(cmos(0x0d) & 0x80);		/* valid RAM and time */
	b = cmos(0x0b);
	ASSERT(b & 0x02);			/* 24-hour */
	ASSERT(!(b & 0x04));			/* BCD */
	sec = bcd(cmos(0x00));
	min = bcd(cmos(0x02));
	hour = bcd(cmos(0x04));
	day = bcd(cmos(0x07));
	mon = bcd(cmos(0x08));
	year = bcd(cmos(0x09));
	cent = bcd(cmos(0x32));
	printf("RTC: %u%02u-%02u-%02u %02u:%02u:%02u UTC\n", cent, year, mon,
	       day, hour, min, sec);
	ASSERT(sec < 60 && min < 60 && hour < 24);
	ASSERT(day >= 1 && day <= 31 && mon >= 1 && mon <= 12);
	ASSERT(cent * 100 + year >= 2024 && cent * 100 + year < 2200);

	/* Binary mode: the same minute, now as plain numbers. */
	cmos_write(0x0b, b | 0x04);
	ASSERT_EQ(cmos(0x0b) & 0x04, 0x04);
	ASSERT(cmos(0x00) < 60);
	ASSERT(cmos(0x08) == mon);
	cmos_write(0x0b, b);

	/*
	 * Wait for the next second (bounded by 1.5 s of PM timer), sampling
	 * UIP on the way.  UIP is up for the last 2 ms before the change;
	 * on a loaded host the vCPU thread may sleep through that window,
	 * so seeing it is reported, not required.
	 */
	sec = bcd(cmos(0x00));
	t0 = inl(PM_TMR) & 0xffffff;
	for (n = 0; (s2 = bcd(cmos(0x00))) == sec; n++) {
		if (cmos(0x0a) & 0x80)
			uip = true;
		if (pm_since(t0) > PM_HZ * 3 / 2)
			exit_fail("RTC seconds stuck at %u for 1.5 s (%u samples)",
				  sec, n);
	}
	printf("RTC: second %u -> %u after %u us, UIP %sseen (%u samples)\n",
	       sec, s2,
	       (unsigned int)((uint64_t)pm_since(t0) * 1000000 / PM_HZ),
	       uip ? "" : "not ", n);
	ASSERT_EQ(s2, (sec + 1) % 60);
	/* Right after the update UIP is down for most of a second. */
	ASSERT(!(cmos(0x0a) & 0x80));
	/* NMI-disable bit in the index port does not change the register. */
	outb(0x70, 0x80 | 0x0d);
	ASSERT(inb(0x71) & 0x80);
	return 0;
}
