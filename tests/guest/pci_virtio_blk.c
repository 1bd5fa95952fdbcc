// SPDX-License-Identifier: GPL-2.0
/*
 * pci_virtio_blk.c - a virtio-blk disk through the kit's PCI enumerator
 * and virtio driver: find 1AF4:1042, place BAR 0, walk the capabilities,
 * negotiate VERSION_1, set up one queue, read sector 0 (the script
 * filled it with pattern(0)), write pattern(1) to sector 1 (the script
 * checks the image file afterwards) and read it back.
 *
 * mode=poll waits by polling the used ring, with no interrupt set up.
 * mode=msix routes the queue to MSI-X vector 0 -> LAPIC vector 0x51 and
 * waits in HLT for the interrupt (irqfd or hv_signal_msi in the VMM).
 */
#include "pci.h"

#define BLK_T_IN	0
#define BLK_T_OUT	1
#define SECTOR		512
#define MSI_VECTOR	0x51
#define BAR_ADDR	(PCI_MMIO_WINDOW + 0x100000)

struct blk_req {
	uint32_t type, reserved;
	uint64_t sector;
};

static struct virtio vdev;
static struct vq vq;
static struct blk_req req;
static uint8_t buf[SECTOR] __aligned(16);
static volatile uint8_t status;
static volatile unsigned int irqs;
static bool use_msix;

/* The pattern the script writes (sector 0) and checks (sector 1). */
static uint8_t pattern(unsigned int sector, unsigned int i)
{
	return (uint8_t)(i * 7 + 3 + sector * 0x55);
}

static void msi_handler(struct frame *f)
{
	irqs++;
	apic_eoi();
}

static void blk_rw(uint32_t type, uint64_t sector)
{
	uint16_t head = 0, idx;
	unsigned int before = irqs;
	uint64_t spins;

	req = (struct blk_req){ .type = type, .sector = sector };
	status = 0xff;
	vq.desc[0] = (struct vq_desc){ (uint64_t)&req, sizeof(req),
				       VQ_DESC_F_NEXT, 1 };
	vq.desc[1] = (struct vq_desc){ (uint64_t)buf, SECTOR,
		VQ_DESC_F_NEXT | (type == BLK_T_IN ? VQ_DESC_F_WRITE : 0), 2 };
	vq.desc[2] = (struct vq_desc){ (uint64_t)&status, 1,
				       VQ_DESC_F_WRITE, 0 };
	idx = vq.avail.idx;
	vq.avail.ring[idx % VQ_SIZE] = head;
	barrier();
	WRITE_ONCE(vq.avail.idx, idx + 1);
	virtio_notify(&vdev, 0);

	for (spins = 0; READ_ONCE(vq.used.idx) == vq.last_used; spins++) {
		if (use_msix)
			sti_hlt();	/* the MSI wakes us */
		else
			pause();
		cli();
		if (spins > 200000000ull)
			exit_fail("no completion (used.idx %u, status 0x%x)",
				  vq.used.idx, virtio_status(&vdev));
	}
	barrier();
	ASSERT_EQ(vq.used.ring[vq.last_used % VQ_SIZE].id, head);
	vq.last_used++;
	ASSERT_EQ(status, 0);
	if (use_msix) {
		/* The interrupt may arrive right after the used ring. */
		for (spins = 0; irqs == before && spins < 100000000ull; spins++) {
			sti_hlt();
			cli();
		}
		ASSERT(irqs > before);
	}
}

int main(const char *cmdline)
{
	const char *mode = cmdline_get("mode");
	unsigned int i;

	use_msix = mode && !strcmp(mode, "msix");
	if (use_msix && testdev_has_cap(HV_CAP_IRQCHIP) == 0)
		exit_skip("in-kernel irqchip: not supported by this backend (MSI-X needs a LAPIC)");

	virtio_probe(&vdev, VIRTIO_DEV_BLK, BAR_ADDR);
	if (use_msix) {
		apic_enable();
		set_handler(MSI_VECTOR, msi_handler);
		virtio_msix_setup(&vdev, 0, MSI_VECTOR, (uint8_t)apic_id());
	}
	virtio_queue_setup(&vdev, 0, &vq, use_msix ? 0 : 0xffff);
	virtio_driver_ok(&vdev);
	ASSERT(!(virtio_status(&vdev) & (VIRTIO_ST_NEEDS_RESET |
					 VIRTIO_ST_FAILED)));

	memset(buf, 0, sizeof(buf));
	blk_rw(BLK_T_IN, 0);
	for (i = 0; i < SECTOR; i++)
		if (buf[i] != pattern(0, i))
			exit_fail("sector 0 byte %u: 0x%x, expected 0x%x", i,
				  buf[i], pattern(0, i));
	for (i = 0; i < SECTOR; i++)
		buf[i] = pattern(1, i);
	blk_rw(BLK_T_OUT, 1);
	memset(buf, 0, sizeof(buf));
	blk_rw(BLK_T_IN, 1);
	for (i = 0; i < SECTOR; i++)
		ASSERT_EQ(buf[i], pattern(1, i));
	printf("virtio-blk: read sector 0, wrote and reread sector 1 (%s, %u interrupts)\n",
	       use_msix ? "MSI-X" : "polling", irqs);
	return 0;
}
