// SPDX-License-Identifier: GPL-2.0
/*
 * netsnap.c - virtio-net traffic that goes on across a snapshot and a
 * restore into a new process (tests/snapshot/net.py).
 *
 * The guest sends numbered Ethernet frames (ethertype 0x88B5, the IEEE's
 * local experimental one) through the TX queue, one at a time, and the
 * host's peer on the tap echoes each back; the guest keeps eight RX
 * buffers posted and reads the echoes by polling the used rings (no
 * interrupts).  Frame n+1 goes out once echo n arrived or 20 ms passed,
 * so traffic keeps flowing while echoes get lost.
 *
 * What the guest checks: echoes come back in increasing order, never
 * twice (a restored RX ring must not hand a frame over again), every TX
 * chain completes once, and after "go" (sent to the restored VM) at
 * least 20 more echoes arrive.  Echoes lost while no process had the tap
 * open are counted, not failed: a tap drops what arrives with no reader.
 * The host checks its side: the frames it saw are 1, 2, 3... with no gap
 * and no duplicate, across the restore.
 */
#include "pci.h"

#define VIRTIO_DEV_NET	0x1041
#define BAR_ADDR	0xC1000000ull
#define RXQ		0
#define TXQ		1
#define NET_HDR		12
#define ETH_LEN		64
#define RX_BUF		(NET_HDR + 1514)
#define ETHERTYPE	0x88B5
#define MAGIC		0x544e5643u	/* "CVNT" */
#define PM_HZ		3579545u
#define AFTER_GO	20

struct frame_body {
	uint8_t dst[6], src[6];
	uint8_t type[2];	/* big endian */
	uint32_t magic, seq, echo;
} __attribute__((packed));

static struct virtio vdev;
static struct vq rxq, txq;
static uint8_t rx_bufs[VQ_SIZE][RX_BUF] __aligned(64);
static uint8_t tx_buf[NET_HDR + ETH_LEN] __aligned(64);
static uint16_t pm_tmr;

static uint32_t pm_now(void)
{
	return inl(pm_tmr) & 0xffffff;
}

static uint32_t pm_since(uint32_t t0)
{
	return (pm_now() - t0) & 0xffffff;
}

static void rx_post(uint16_t id)
{
	uint16_t idx = rxq.avail.idx;

	rxq.desc[id] = (struct vq_desc){ (uint64_t)rx_bufs[id], RX_BUF,
					 VQ_DESC_F_WRITE, 0 };
	rxq.avail.ring[idx % VQ_SIZE] = id;
	barrier();
	WRITE_ONCE(rxq.avail.idx, idx + 1);
}

static uint32_t last_echo, echoes, stale;

/* Take every received frame; the highest echo seen so far. */
static void rx_poll(void)
{
	while (READ_ONCE(rxq.used.idx) != rxq.last_used) {
		uint16_t slot = rxq.last_used % VQ_SIZE;
		uint32_t id = rxq.used.ring[slot].id;
		uint32_t len = rxq.used.ring[slot].len;
		const struct frame_body *f;

		barrier();
		if (id >= VQ_SIZE)
			exit_fail("RX used id %u", id);
		f = (const void *)(rx_bufs[id] + NET_HDR);
		if (len >= NET_HDR + sizeof(*f) && f->magic == MAGIC &&
		    f->type[0] == ETHERTYPE >> 8 && f->echo == 1) {
			if (f->seq <= last_echo)
				exit_fail("echo %u after echo %u: a frame twice or out of order",
					  f->seq, last_echo);
			last_echo = f->seq;
			echoes++;
		} else {
			stale++;	/* anything else on the wire */
		}
		rxq.last_used++;
		rx_post((uint16_t)id);
		virtio_notify(&vdev, RXQ);
	}
}

static void tx_send(uint32_t seq)
{
	struct frame_body *f = (void *)(tx_buf + NET_HDR);
	uint16_t idx = txq.avail.idx;
	unsigned int secs = 0;
	uint32_t t0;

	memset(tx_buf, 0, sizeof(tx_buf));
	memset(f->dst, 0xff, 6);
	memcpy(f->src, "\x52\x54\x00\xc7\x15\x09", 6);
	f->type[0] = ETHERTYPE >> 8;
	f->type[1] = ETHERTYPE & 0xff;
	f->magic = MAGIC;
	f->seq = seq;
	txq.desc[0] = (struct vq_desc){ (uint64_t)tx_buf, sizeof(tx_buf), 0,
					0 };
	txq.avail.ring[idx % VQ_SIZE] = 0;
	barrier();
	WRITE_ONCE(txq.avail.idx, idx + 1);
	virtio_notify(&vdev, TXQ);
	/* Bounded: 60 s even on a slow, loaded host. */
	t0 = pm_now();
	while (READ_ONCE(txq.used.idx) == txq.last_used) {
		pause();
		if (pm_since(t0) > PM_HZ) {
			t0 = pm_now();
			if (++secs > 60)
				exit_fail("TX %u never completed", seq);
		}
	}
	barrier();
	ASSERT_EQ(txq.used.ring[txq.last_used % VQ_SIZE].id, 0);
	txq.last_used++;
	if (READ_ONCE(txq.used.idx) != txq.last_used)
		exit_fail("TX %u completed twice", seq);
}

int main(const char *cmdline)
{
	const uint8_t *fadt = acpi_find_table("FACP");
	uint32_t seq, echoes_at_go = 0, t0, misses = 0;
	bool ready = false, go = false;
	uint16_t i;

	ASSERT(fadt);
	pm_tmr = (uint16_t)get32(fadt + 76);
	virtio_probe(&vdev, VIRTIO_DEV_NET, BAR_ADDR);
	virtio_queue_setup(&vdev, RXQ, &rxq, 0xffff);
	virtio_queue_setup(&vdev, TXQ, &txq, 0xffff);
	virtio_driver_ok(&vdev);
	for (i = 0; i < VQ_SIZE; i++)
		rx_post(i);
	virtio_notify(&vdev, RXQ);

	for (seq = 1;; seq++) {
		tx_send(seq);
		/* Wait for this echo, 20 ms at most, reading whatever comes. */
		t0 = pm_now();
		while (last_echo < seq && pm_since(t0) < PM_HZ / 50) {
			rx_poll();
			pause();
		}
		/* 1500 misses in a row: 30 s of 20 ms waits at least. */
		misses = last_echo == seq ? 0 : misses + 1;
		if (misses > 1500)
			exit_fail("no echo for 1500 frames (sent %u, last echo %u)",
				  seq, last_echo);
		if (!ready && echoes >= 10) {
			printf("READY: traffic flows (%u echoes)\n", echoes);
			ready = true;
		}
		if (ready && !go && serial_go()) {
			go = true;
			echoes_at_go = echoes;
			printf("got go at frame %u\n", seq);
		}
		if (go && echoes - echoes_at_go >= AFTER_GO)
			break;
	}
	printf("NET: sent %u, echoes %u, lost %u, other frames %u, %u after go\n",
	       seq, echoes, seq - echoes, stale, echoes - echoes_at_go);
	return 0;
}
