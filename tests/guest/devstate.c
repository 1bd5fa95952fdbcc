// SPDX-License-Identifier: GPL-2.0
/*
 * devstate.c - leave every device of the machine in a non-reset state,
 * then exit: the guest half of tests/lifecycle/roundtrip, which then
 * saves every component, loads the image into a fresh VM and saves
 * again.  Each step puts state where a reset value would not be: a
 * half-written PIT count, a programmed UART, CMOS RAM, a selected fw_cfg
 * item, ACPI PM enables, an armed LAPIC timer, PCI BARs and a virtio-blk
 * queue that has completed a request, the testdev scratch registers.
 * Nothing here raises an interrupt, so the state holds still while the
 * VMM saves it (interrupts stay disabled throughout).
 */
#include "pci.h"

#define BLK_T_IN	0
#define SECTOR		512
#define BLK_BAR		(PCI_MMIO_WINDOW + 0x100000)
#define RNG_BAR		(PCI_MMIO_WINDOW + 0x200000)

struct blk_req {
	uint32_t type, reserved;
	uint64_t sector;
};

static struct virtio blk, rng;
static struct vq vq;
static struct blk_req req;
static uint8_t buf[SECTOR] __aligned(16);
static volatile uint8_t status;

static void blk_read0(void)
{
	uint64_t spins;
	uint16_t idx;

	req = (struct blk_req){ .type = BLK_T_IN, .sector = 0 };
	status = 0xff;
	vq.desc[0] = (struct vq_desc){ (uint64_t)&req, sizeof(req),
				       VQ_DESC_F_NEXT, 1 };
	vq.desc[1] = (struct vq_desc){ (uint64_t)buf, SECTOR,
				       VQ_DESC_F_NEXT | VQ_DESC_F_WRITE, 2 };
	vq.desc[2] = (struct vq_desc){ (uint64_t)&status, 1,
				       VQ_DESC_F_WRITE, 0 };
	idx = vq.avail.idx;
	vq.avail.ring[idx % VQ_SIZE] = 0;
	barrier();
	WRITE_ONCE(vq.avail.idx, idx + 1);
	virtio_notify(&blk, 0);
	for (spins = 0; READ_ONCE(vq.used.idx) == vq.last_used; spins++) {
		pause();
		if (spins > 200000000ull)
			exit_fail("virtio-blk: no completion");
	}
	vq.last_used++;
	ASSERT_EQ(status, 0);
}

int main(const char *cmdline)
{
	testdev_require();

	/* 16550: divisor 3, 8E1, OUT2|RTS|DTR, scratch. */
	outb(0x3FB, 0x80);
	outb(0x3F8, 0x03);
	outb(0x3F9, 0x00);
	outb(0x3FB, 0x1B);
	outb(0x3FC, 0x0B);
	outb(0x3FF, 0xA5);

	/* RTC: binary 24 h mode, a CMOS RAM byte. */
	outb(0x70, 0x0B);
	outb(0x71, 0x06);
	outb(0x70, 0x40);
	outb(0x71, 0x5A);
	outb(0x70, 0x0C);	/* leave the index somewhere */

	/*
	 * PIT: channel 2 (gate low: it does not count) fully loaded;
	 * channel 0 reprogrammed with only the LSB of its count written,
	 * so it waits for the MSB and raises nothing.
	 */
	outb(0x43, 0xB6);
	outb(0x42, 0x34);
	outb(0x42, 0x12);
	outb(0x43, 0x30);
	outb(0x40, 0x77);

	/* fw_cfg: the RAM size item, two bytes in. */
	outw(0x510, 0x0003);
	(void)inb(0x511);
	(void)inb(0x511);

	/* ACPI PM1a enable: power button. */
	outw(0x602, 0x0100);

	/* testdev scratch registers. */
	outl(0xE0, 0x12345678);
	mmio_write64(0xFEB00000ull, 0x1122334455667788ull);

	/* LAPIC: timer armed for minutes (divide 128, max count), masked
	 * delivery is not needed: interrupts stay off. */
	if (testdev_has_cap(HV_CAP_IRQCHIP) > 0) {
		apic_enable();
		apic_write(APIC_TDCR, 0xA);
		apic_write(APIC_LVT_TIMER, 0x40);
		apic_write(APIC_TMICT, 0xFFFFFFFF);
	}

	/* PCI + virtio: a disk with a completed request, an rng probed. */
	virtio_probe(&blk, VIRTIO_DEV_BLK, BLK_BAR);
	virtio_queue_setup(&blk, 0, &vq, 0xffff);
	virtio_driver_ok(&blk);
	blk_read0();
	virtio_probe(&rng, VIRTIO_DEV_RNG, RNG_BAR);

	printf("devstate: devices programmed\n");
	return 0;
}
