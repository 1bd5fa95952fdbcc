// SPDX-License-Identifier: GPL-2.0
/*
 * ioreq_events.c - what an out-of-process device model (cvisor-dm iotest,
 * --device-model iotest --testdev) gets besides requests, and what it
 * can do besides answering them:
 *   - a level-triggered PCI INTx line (XEN_DMOP_set_pci_intx_level): INTA
 *     of slot 16 reaches GSI 16; a line left high after EOI fires again,
 *     a masked pin fires once unmasked, a lowered one stays quiet;
 *   - an ISA IRQ line (XEN_DMOP_set_isa_irq_level), edge on the IOAPIC;
 *   - IOREQ_TYPE_INVALIDATE when guest memory is removed or moved
 *     (testdev memslot delete and move), and not when it is added;
 *   - IOREQ_TYPE_TIMEOFFSET when the guest sets its RTC: the device
 *     model's sum of deltas follows the guest's change of the minutes.
 */
#include "kit.h"

#define IOT_INTX	0x5ac
#define IOT_ISA		0x5ad
#define IOT_INVAL	0x5b0
#define IOT_TIMEOFF_N	0x5b4
#define IOT_TIMEOFF	0x5b8
#define SLOT		16
#define INTX_GSI	(16 + SLOT % 4)
#define INTX_VEC	0x50
#define ISA_IRQ		5
#define ISA_VEC		0x51
#define RTE_LEVEL	(1u << 15)
#define RTE_LOW		(1u << 13)
#define RTE_MASKED	(1u << 16)
#define SLOT_GPA	0x80000000ull

static volatile unsigned int intx_hits, isa_hits;
/* The INTx handler lowers the line on this hit (1 = the first). */
static volatile unsigned int intx_lower_at = 1;

static void intx_handler(struct frame *f)
{
	if (++intx_hits >= intx_lower_at)
		outb(IOT_INTX, 0);
	apic_eoi();
}

static void isa_handler(struct frame *f)
{
	isa_hits++;
	apic_eoi();
}

/* Wait (interrupts on) until *@v reaches @want, for about 2^28 cycles. */
static bool wait_for(volatile unsigned int *v, unsigned int want)
{
	uint64_t t0 = rdtsc();

	while (*v < want) {
		if (rdtsc() - t0 > (1ull << 28))
			return false;
		sti();
		pause();
	}
	return true;
}

/*
 * Interrupts must stop arriving: returns the count once it has not moved
 * for a while.  (This host's nested KVM may deliver a level interrupt
 * raised from outside KVM_RUN twice; what matters is that a low line is
 * quiet and a high one is not.)
 */
static unsigned int settle(volatile unsigned int *v)
{
	unsigned int last;

	do {
		last = *v;
		tsc_delay(1u << 23);
	} while (*v != last);
	return last;
}

static void test_intx(void)
{
	uint32_t lo = INTX_VEC | RTE_LEVEL | RTE_LOW;
	unsigned int h;

	set_handler(INTX_VEC, intx_handler);
	ioapic_route(INTX_GSI, lo);
	sti();
	/* Raised, served, lowered by the handler before its EOI: quiet. */
	outb(IOT_INTX, 1);
	ASSERT(wait_for(&intx_hits, 1));
	h = settle(&intx_hits);
	ASSERT(h <= 2);
	ASSERT_EQ(inb(IOT_INTX), 0);
	tsc_delay(1u << 23);
	ASSERT_EQ(intx_hits, h);

	/* Left high after an EOI: a level line fires again, until lowered. */
	intx_hits = 0;
	intx_lower_at = 4;
	outb(IOT_INTX, 1);
	ASSERT(wait_for(&intx_hits, 4));
	h = settle(&intx_hits);
	ASSERT(h <= 5);
	ASSERT_EQ(inb(IOT_INTX), 0);

	/* Raised while masked: delivered when unmasked, not before. */
	cli();
	intx_hits = 0;
	intx_lower_at = 1;
	ioapic_route(INTX_GSI, lo | RTE_MASKED);
	sti();
	outb(IOT_INTX, 1);
	tsc_delay(1u << 23);
	ASSERT_EQ(intx_hits, 0);
	ioapic_route(INTX_GSI, lo);
	ASSERT(wait_for(&intx_hits, 1));
	h = settle(&intx_hits);

	/* Raised and lowered while masked: nothing pending. */
	ioapic_route(INTX_GSI, lo | RTE_MASKED);
	outb(IOT_INTX, 1);
	outb(IOT_INTX, 0);
	ioapic_route(INTX_GSI, lo);
	tsc_delay(1u << 23);
	ASSERT_EQ(intx_hits, h);
	cli();
	ioapic_route(INTX_GSI, lo | RTE_MASKED);
	printf("ioreq_events: PCI INTA of slot %d -> GSI %d, level-triggered\n",
	       SLOT, INTX_GSI);
}

static void test_isa(void)
{
	set_handler(ISA_VEC, isa_handler);
	ioapic_route(ISA_IRQ, ISA_VEC);	/* edge, active high */
	sti();
	outb(IOT_ISA, 0x80 | ISA_IRQ);
	ASSERT(wait_for(&isa_hits, 1));
	ASSERT_EQ(inb(IOT_ISA), 0x80 | ISA_IRQ);
	outb(IOT_ISA, ISA_IRQ);
	/* A second rising edge is a second interrupt. */
	outb(IOT_ISA, 0x80 | ISA_IRQ);
	ASSERT(wait_for(&isa_hits, 2));
	outb(IOT_ISA, ISA_IRQ);
	tsc_delay(1u << 22);
	ASSERT_EQ(isa_hits, 2);
	cli();
	ioapic_route(ISA_IRQ, ISA_VEC | RTE_MASKED);
	printf("ioreq_events: ISA IRQ %d, two edges, two interrupts\n", ISA_IRQ);
}

static void test_invalidate(void)
{
	uint32_t before = inl(IOT_INVAL);

	ASSERT_EQ(testdev_cmd(TESTDEV_MEMSLOT_ADD, 0, SLOT_GPA, 0x10000, 0), 0);
	ASSERT_EQ(inl(IOT_INVAL), before);
	ASSERT_EQ(testdev_cmd(TESTDEV_MEMSLOT_MOVE, 0, SLOT_GPA + 0x100000), 0);
	ASSERT_EQ(inl(IOT_INVAL), before + 1);
	ASSERT_EQ(testdev_cmd(TESTDEV_MEMSLOT_DEL, 0), 0);
	ASSERT_EQ(inl(IOT_INVAL), before + 2);
	/* A failed change changes nothing: no invalidation. */
	ASSERT_NE(testdev_cmd(TESTDEV_MEMSLOT_DEL, 0), 0);
	ASSERT_EQ(inl(IOT_INVAL), before + 2);
	printf("ioreq_events: INVALIDATE after a memslot move and delete\n");
}

static uint8_t cmos(uint8_t idx)
{
	outb(0x70, idx);
	return inb(0x71);
}

static unsigned int from_bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 0xf);
}

static void test_timeoffset(void)
{
	uint32_t n0 = inl(IOT_TIMEOFF_N), n;
	int64_t sum0 = (int64_t)((uint64_t)inl(IOT_TIMEOFF + 4) << 32 |
				 inl(IOT_TIMEOFF)), sum, want, d;
	unsigned int min, nmin;

	ASSERT_EQ(cmos(0x0b) & 0x04, 0);	/* BCD, as the VMM starts it */
	/* Away from a minute boundary, so the minute read stays true. */
	while (from_bcd(cmos(0x00)) >= 50)
		pause();
	min = from_bcd(cmos(0x02));
	nmin = (min + 10) % 60;
	outb(0x70, 0x02);
	outb(0x71, (uint8_t)((nmin / 10) << 4 | nmin % 10));
	want = ((int64_t)nmin - (int64_t)min) * 60;
	n = inl(IOT_TIMEOFF_N);
	sum = (int64_t)((uint64_t)inl(IOT_TIMEOFF + 4) << 32 |
			inl(IOT_TIMEOFF));
	ASSERT_EQ(n, n0 + 1);
	d = sum - sum0 - want;
	if (d < -2 || d > 2)
		exit_fail("TIMEOFFSET deltas sum to %lld, the guest moved its clock by %lld s",
			  (long long)(sum - sum0), (long long)want);
	printf("ioreq_events: TIMEOFFSET %lld s after the minutes moved %u -> %u\n",
	       (long long)(sum - sum0), min, nmin);
}

int main(const char *cmdline)
{
	testdev_require();
	apic_enable();
	test_intx();
	test_isa();
	test_invalidate();
	test_timeoffset();
	return 0;
}
