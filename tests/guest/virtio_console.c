// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_console.c - cvisor run --console virtio end to end, without
 * Linux: find the virtio-console (1AF4:1043), post one receive buffer on
 * receiveq0 and one line on transmitq0, then wait for the host's input.
 * tests/guest/run-virtio-console pipes "expect=" of the command line into
 * cvisor's stdin and checks the transmitted line on cvisor's stdout; the
 * guest checks that the received bytes are that line.
 */
#include "pci.h"

#define VIRTIO_DEV_CONSOLE	0x1043
#define BAR_ADDR		(PCI_MMIO_WINDOW + 0x300000)
#define RXQ			0
#define TXQ			1
/* About 10 s at 2.5 GHz: the host side writes its line at once. */
#define WAIT_CYCLES		25000000000ull

static struct virtio vdev;
static struct vq rxq, txq;
static char rxbuf[128] __aligned(16);
static const char txmsg[] = "virtio-console: hello from the guest\n";

static void offer(struct vq *vq, unsigned int q, const void *buf,
		  uint32_t len, uint16_t flags)
{
	uint16_t idx = vq->avail.idx;

	vq->desc[0] = (struct vq_desc){ (uint64_t)buf, len, flags, 0 };
	vq->avail.ring[idx % VQ_SIZE] = 0;
	barrier();
	WRITE_ONCE(vq->avail.idx, (uint16_t)(idx + 1));
	virtio_notify(&vdev, q);
}

static void wait_used(struct vq *vq, const char *what)
{
	uint64_t end = rdtsc() + WAIT_CYCLES;

	while (READ_ONCE(vq->used.idx) == vq->last_used)
		if (rdtsc() > end)
			exit_fail("%s: nothing completed (status 0x%x)", what,
				  virtio_status(&vdev));
	vq->last_used++;
}

int main(const char *cmdline)
{
	const char *expect = cmdline_get("expect");
	uint32_t len;
	size_t n;

	if (!expect)
		exit_fail("usage: expect=STRING on the command line");
	n = strlen(expect);
	virtio_probe(&vdev, VIRTIO_DEV_CONSOLE, BAR_ADDR);
	virtio_queue_setup(&vdev, RXQ, &rxq, 0xffff);
	virtio_queue_setup(&vdev, TXQ, &txq, 0xffff);
	virtio_driver_ok(&vdev);

	offer(&txq, TXQ, txmsg, sizeof(txmsg) - 1, 0);
	wait_used(&txq, "transmitq0");

	/* Input may come in pieces: gather until the whole line is here. */
	for (len = 0; len < n;) {
		offer(&rxq, RXQ, rxbuf + len, (uint32_t)(sizeof(rxbuf) - len),
		      VQ_DESC_F_WRITE);
		wait_used(&rxq, "receiveq0");
		len += rxq.used.ring[(rxq.last_used - 1) % VQ_SIZE].len;
		if (len > sizeof(rxbuf))
			exit_fail("receiveq0: used length beyond the buffer");
	}
	if (memcmp(rxbuf, expect, n))
		exit_fail("received %u bytes that are not '%s'", len, expect);
	printf("virtio-console: received '%s' (%u bytes) from the host's stdin\n",
	       expect, len);
	return 0;
}
