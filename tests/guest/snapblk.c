// SPDX-License-Identifier: GPL-2.0
/*
 * snapblk.c - virtio-blk I/O that must survive snapshot/restore and live
 * migration with requests in flight (tests/snapshot/virtio_blk.py).
 *
 * Round after round the guest puts a write (of a pattern that depends on
 * the round) and a read of the previous round's sector on the queue at
 * once, kicks once, and waits in HLT for the MSI-X
 * interrupt until every request is in the used ring; then it checks what
 * it read back.  So at almost any instant the host stops the VM, some
 * requests are available but not yet used, a kick may still sit in its
 * eventfd, or an interrupt may be pending: a restore that loses any of
 * them leaves the guest without completion (it fails after 5 s), and one
 * that replays or drops a write shows up in the data.
 *
 * The loop ends when "go" arrives on COM1; then the last round's sector
 * is read back and checked.
 */
#include "pci.h"

#define BLK_T_IN	0
#define BLK_T_OUT	1
#define SECTOR		512
#define MSI_VECTOR	0x51
#define TIMER_VECTOR	0x40
#define BAR_ADDR	(PCI_MMIO_WINDOW + 0x100000)
#define NR_SECTORS	64	/* of the 64 KiB disk: 128 sectors */
#define PM_TMR		0x608
#define PM_HZ		3579545u
#define COM1		0x3f8

struct blk_req {
	uint32_t type, reserved;
	uint64_t sector;
};

struct slot {
	struct blk_req req;
	uint8_t status;
};

static struct virtio vdev;
static struct vq vq;
static struct slot slots[2];		/* 0: the write, 1: the read */
static uint8_t bufs[2][SECTOR] __aligned(16);
static volatile unsigned int irqs;

static uint8_t pattern(uint64_t round, unsigned int sector, unsigned int i)
{
	return (uint8_t)(i * 13 + sector * 0x35 + round * 0x9d + 1);
}

static void msi_handler(struct frame *f)
{
	irqs++;
	apic_eoi();
}

static void timer_handler(struct frame *f)
{
	apic_eoi();
}

static uint32_t pm_since(uint32_t t0)
{
	return ((inl(PM_TMR) & 0xffffff) - t0) & 0xffffff;
}

/* Chain slot @s (3 descriptors from 3 * @s) and make it available. */
static void queue_slot(unsigned int s, uint32_t type, uint64_t sector)
{
	unsigned int d = 3 * s;
	uint16_t idx;

	slots[s].req = (struct blk_req){ .type = type, .sector = sector };
	slots[s].status = 0xff;
	vq.desc[d] = (struct vq_desc){ (uint64_t)&slots[s].req,
				       sizeof(slots[s].req), VQ_DESC_F_NEXT,
				       (uint16_t)(d + 1) };
	vq.desc[d + 1] = (struct vq_desc){ (uint64_t)bufs[s], SECTOR,
		VQ_DESC_F_NEXT | (type == BLK_T_IN ? VQ_DESC_F_WRITE : 0),
		(uint16_t)(d + 2) };
	vq.desc[d + 2] = (struct vq_desc){ (uint64_t)&slots[s].status, 1,
					   VQ_DESC_F_WRITE, 0 };
	idx = vq.avail.idx;
	vq.avail.ring[idx % VQ_SIZE] = (uint16_t)d;
	barrier();
	WRITE_ONCE(vq.avail.idx, idx + 1);
}

/* Wait until @n more requests are used; check each one's status. */
static void wait_used(unsigned int n)
{
	uint32_t t = inl(PM_TMR) & 0xffffff;
	unsigned int got = 0, s;

	while (got < n) {
		while (READ_ONCE(vq.used.idx) != vq.last_used) {
			barrier();
			s = vq.used.ring[vq.last_used % VQ_SIZE].id / 3;
			if (s >= 2)
				exit_fail("used ring: id %u",
					  vq.used.ring[vq.last_used % VQ_SIZE].id);
			if (slots[s].status != 0)
				exit_fail("request %u: status 0x%x", s,
					  slots[s].status);
			vq.last_used++;
			got++;
			t = inl(PM_TMR) & 0xffffff;
		}
		if (got == n)
			break;
		/* The MSI (or the 10 ms timer) wakes us. */
		sti_hlt();
		cli();
		if (pm_since(t) > 5 * PM_HZ)
			exit_fail("no completion for 5 s: %u of %u used (used.idx %u, avail.idx %u, status 0x%x, %u MSIs)",
				  got, n, vq.used.idx, vq.avail.idx,
				  virtio_status(&vdev), irqs);
	}
}

static unsigned int round_sector(uint64_t r)
{
	return (unsigned int)(r % NR_SECTORS);
}

/*
 * Round @r: write round @r's sector (unless @r is the final check) and,
 * in flight at the same time, read back round @r - 1's, which completed
 * in the previous round (virtio does not order requests in flight).
 */
static void io_round(uint64_t r, bool write)
{
	unsigned int i, n = 0, sector;

	if (write) {
		sector = round_sector(r);
		for (i = 0; i < SECTOR; i++)
			bufs[0][i] = pattern(r, sector, i);
		queue_slot(0, BLK_T_OUT, sector);
		n++;
	}
	if (r) {
		memset(bufs[1], 0, SECTOR);
		queue_slot(1, BLK_T_IN, round_sector(r - 1));
		n++;
	}
	virtio_notify(&vdev, 0);
	wait_used(n);
	if (!r)
		return;
	sector = round_sector(r - 1);
	for (i = 0; i < SECTOR; i++)
		if (bufs[1][i] != pattern(r - 1, sector, i))
			exit_fail("round %llu sector %u byte %u: 0x%x, wrote 0x%x",
				  (unsigned long long)r - 1, sector, i,
				  bufs[1][i], pattern(r - 1, sector, i));
}

/* "go" on COM1?  Consumes what has arrived. */
int main(const char *cmdline)
{
	uint64_t r;

	if (testdev_has_cap(HV_CAP_IRQCHIP) == 0)
		exit_skip("in-kernel irqchip: not supported by this backend (MSI-X needs a LAPIC)");
	virtio_probe(&vdev, VIRTIO_DEV_BLK, BAR_ADDR);
	apic_enable();
	set_handler(MSI_VECTOR, msi_handler);
	set_handler(TIMER_VECTOR, timer_handler);
	apic_write(APIC_TDCR, 0xB);
	apic_write(APIC_LVT_TIMER, (1u << 17) | TIMER_VECTOR);
	apic_write(APIC_TMICT, 10000000);	/* ~10 ms */
	virtio_msix_setup(&vdev, 0, MSI_VECTOR, (uint8_t)apic_id());
	virtio_queue_setup(&vdev, 0, &vq, 0);
	virtio_driver_ok(&vdev);

	io_round(0, true);
	printf("READY\n");
	for (r = 1;; r++) {
		io_round(r, true);
		if (serial_go())
			break;
	}
	printf("got go after %llu rounds\n", (unsigned long long)r);
	/* The last round's write, read back. */
	io_round(r + 1, false);
	printf("virtio-blk: %llu rounds of a write and a read verified, %u MSIs\n",
	       (unsigned long long)r + 1, irqs);
	return 0;
}
