// SPDX-License-Identifier: GPL-2.0
/*
 * ioreq_bench.c - the guest half of make bench's ioreq section (not a
 * test): it runs iters=N of one operation in chunks of 64, times each
 * chunk with the ACPI PM timer (port 0x608, 3.579545 MHz, the host's
 * CLOCK_MONOTONIC; 24 bits, so a chunk must stay under 4.6 s), and prints
 * "IOREQ-BENCH median_ns=M min_ns=N" per operation, median and best chunk:
 * a busy host stretches some chunks, not the median.
 *   what=pio port=P   N byte reads of port P (testdev 0xe0 in process,
 *                     cvisor-dm iotest 0x5a0 out of process)
 *   what=blk          N 4 KiB reads at pseudo-random 4 KiB offsets of the
 *                     first virtio-blk disk (polled), 64 MiB image
 *   what=spin port=P  read port P forever (tests/guest/run-dm-kill)
 */
#include "kit.h"
#include "pci.h"

#define BLK_T_IN	0
#define BAR_ADDR	(PCI_MMIO_WINDOW + 0x100000)
#define BLOCKS		(64u << 20) / 4096

struct blk_req {
	uint32_t type, reserved;
	uint64_t sector;
};

static struct virtio vdev;
static struct vq vq;
static struct blk_req req;
static uint8_t buf[4096] __aligned(4096);
static volatile uint8_t status;

static void blk_read(uint64_t sector)
{
	uint16_t idx;

	req = (struct blk_req){ .type = BLK_T_IN, .sector = sector };
	status = 0xff;
	vq.desc[0] = (struct vq_desc){ (uint64_t)&req, sizeof(req),
				       VQ_DESC_F_NEXT, 1 };
	vq.desc[1] = (struct vq_desc){ (uint64_t)buf, sizeof(buf),
				       VQ_DESC_F_NEXT | VQ_DESC_F_WRITE, 2 };
	vq.desc[2] = (struct vq_desc){ (uint64_t)&status, 1,
				       VQ_DESC_F_WRITE, 0 };
	idx = vq.avail.idx;
	vq.avail.ring[idx % VQ_SIZE] = 0;
	barrier();
	WRITE_ONCE(vq.avail.idx, idx + 1);
	virtio_notify(&vdev, 0);
	while (READ_ONCE(vq.used.idx) == vq.last_used)
		pause();
	barrier();
	vq.last_used++;
	if (status)
		exit_fail("read of sector %llu: status %u",
			  (unsigned long long)sector, status);
}

#define CHUNK		64
#define MAX_CHUNKS	1024
#define PM_TMR		0x608

static uint32_t chunk_ticks[MAX_CHUNKS];

static void sort_u32(uint32_t *a, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j && a[j - 1] > a[j]; j--) {
			uint32_t t = a[j];

			a[j] = a[j - 1];
			a[j - 1] = t;
		}
}

/* PM timer ticks to nanoseconds per operation of a chunk. */
static uint64_t ticks_ns(uint32_t t)
{
	return (uint64_t)t * 1000000000ull / 3579545ull / CHUNK;
}

int main(const char *cmdline)
{
	/* cmdline_get()'s buffer is reused by the next lookup: test it now. */
	const char *what = cmdline_get("what");
	bool blk = what && !strcmp(what, "blk");
	bool spin = what && !strcmp(what, "spin");
	uint64_t iters = cmdline_u64("iters", 1000), i, c;
	uint16_t port = (uint16_t)cmdline_u64("port", 0xe0);
	uint32_t x = 12345;

	if (blk) {
		virtio_probe(&vdev, VIRTIO_DEV_BLK, BAR_ADDR);
		virtio_queue_setup(&vdev, 0, &vq, 0xffff);
		virtio_driver_ok(&vdev);
	}
	while (spin)
		(void)inb(port);
	if (iters / CHUNK > MAX_CHUNKS)
		iters = MAX_CHUNKS * CHUNK;
	outb(0x4f0, 123);
	for (c = 0; c < iters / CHUNK; c++) {
		uint32_t t0 = inl(PM_TMR);

		for (i = 0; i < CHUNK; i++) {
			if (blk) {
				x = x * 1103515245u + 12345u;
				blk_read((uint64_t)((x >> 8) % BLOCKS) * 8);
			} else {
				(void)inb(port);
			}
		}
		chunk_ticks[c] = (inl(PM_TMR) - t0) & 0xffffff;
	}
	if (c) {
		sort_u32(chunk_ticks, (unsigned int)c);
		printf("IOREQ-BENCH median_ns=%llu min_ns=%llu chunks=%llu\n",
		       (unsigned long long)ticks_ns(chunk_ticks[c / 2]),
		       (unsigned long long)ticks_ns(chunk_ticks[0]),
		       (unsigned long long)c);
	}
	outw(0x604, 0x2000);	/* ACPI poweroff: status 0 */
	return 0;
}
