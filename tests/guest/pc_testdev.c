// SPDX-License-Identifier: GPL-2.0
/*
 * pc_testdev.c - QEMU's pc-testdev pieces with --testdev: the 64 KiB
 * memory-like MMIO window at 0xFF000000 (every access size, unaligned,
 * last bytes) and the IRQ-line ports 0x2000 + n: raising line 10 through
 * an IOAPIC pin programmed edge-triggered delivers the vector once,
 * lowering and raising it again delivers it again.
 */
#include "kit.h"

#define IOMEM		0xFF000000ull
#define IOAPIC_BASE	0xFEC00000ull
#define IRQ_PORT(n)	(0x2000 + (n))
#define TEST_LINE	10
#define TEST_VECTOR	0x41

static volatile int irqs;

static void irq_handler(struct frame *f)
{
	irqs++;
	apic_eoi();
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(IOAPIC_BASE, reg);
	mmio_write32(IOAPIC_BASE + 0x10, v);
}

static void wait_irqs(int n)
{
	uint64_t t0 = rdtsc();

	while (READ_ONCE(irqs) < n && rdtsc() - t0 < 2000000000ull) {
		sti();
		pause();
		cli();
	}
}

int main(const char *cmdline)
{
	testdev_require();

	mmio_write64(IOMEM, 0x1122334455667788ull);
	ASSERT_EQ(mmio_read64(IOMEM), 0x1122334455667788ull);
	ASSERT_EQ(mmio_read32(IOMEM + 4), 0x11223344u);
	ASSERT_EQ(mmio_read16(IOMEM + 1), 0x6677u);
	ASSERT_EQ(mmio_read8(IOMEM + 7), 0x11u);
	mmio_write8(IOMEM + 3, 0xAA);
	ASSERT_EQ(mmio_read32(IOMEM), 0xAA667788u);
	mmio_write32(IOMEM + 0xFFFC, 0xCAFEF00Du);
	ASSERT_EQ(mmio_read32(IOMEM + 0xFFFC), 0xCAFEF00Du);
	ASSERT_EQ(mmio_read8(IOMEM + 0x100), 0);
	printf("iomem window: reads back every size and offset\n");

	if (testdev_has_cap(HV_CAP_IRQCHIP) <= 0)
		exit_skip("no in-backend IOAPIC (irqchip capability)");
	apic_enable();
	set_handler(TEST_VECTOR, irq_handler);
	/* Pin 10: fixed, physical, edge, active high, to APIC 0. */
	ioapic_write(0x10 + TEST_LINE * 2 + 1, apic_id() << 24);
	ioapic_write(0x10 + TEST_LINE * 2, TEST_VECTOR);
	outb(IRQ_PORT(TEST_LINE), 1);
	wait_irqs(1);
	ASSERT_EQ(irqs, 1);
	outb(IRQ_PORT(TEST_LINE), 1);	/* still high: no new edge */
	outb(IRQ_PORT(TEST_LINE), 0);
	outb(IRQ_PORT(TEST_LINE), 1);
	wait_irqs(2);
	ASSERT_EQ(irqs, 2);
	outb(IRQ_PORT(TEST_LINE), 0);
	printf("IRQ-line port 0x%x: one interrupt per rising edge\n",
	       IRQ_PORT(TEST_LINE));
	return 0;
}
