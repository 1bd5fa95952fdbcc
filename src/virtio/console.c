// SPDX-License-Identifier: GPL-2.0
/*
 * console.c - virtio-console (virtio 1.x 5.3), a single port without
 * VIRTIO_CONSOLE_F_MULTIPORT: receiveq0 (0) carries host input to the
 * guest, transmitq0 (1) guest output to the host.  The host side is two
 * callbacks (virtio_dev_args.cons_read/cons_write), typically stdin and
 * stdout through the VMM's terminal code.
 *
 * Threads: called with virtio_dev.lock held on the event loop.  Input is
 * pulled only when the guest has posted receive buffers, so nothing is
 * buffered here: the VMM calls virtio_pci_host_event() when input is
 * ready, and the device retries by itself whenever new buffers arrive.
 *
 * Linux's driver takes exactly one used receive buffer per interrupt and
 * looks no further; with VIRTIO_F_EVENT_IDX a buffer used before it
 * fetched the previous one raises no interrupt, and input would stop for
 * good.  So input fills one buffer at a time: the next only once the
 * driver fetched the last (virtq_used_unfetched), input arriving
 * meanwhile waits in stdin and goes into one buffer.
 */
#include <errno.h>
#include <stdlib.h>

#include "virtio/virtio.h"

#define CONS_RXQ	0
#define CONS_TXQ	1

struct virtio_console_config {
	uint16_t cols, rows;
	uint32_t max_nr_ports;
	uint32_t emerg_wr;
};
_Static_assert(sizeof(struct virtio_console_config) == 12, "console config");

struct cons {
	void *opaque;
	ssize_t (*write)(void *opaque, const void *buf, size_t len);
	ssize_t (*read)(void *opaque, void *buf, size_t len);
};

static void cons_rx(struct virtio_dev *vdev)
{
	struct cons *cs = vdev->priv;
	struct virtq *vq = &vdev->vqs[CONS_RXQ];
	struct virtq_chain c;
	unsigned int i;
	uint32_t done;
	ssize_t n = 0;
	int ret;

	if (!cs->read || !virtq_ready(vq))
		return;
	do {
		for (;;) {
			if (virtq_used_unfetched(vq))
				goto out;	/* its repost notifies us */
			ret = virtq_pop(vq, &c);
			if (ret <= 0)
				break;
			done = 0;
			for (i = 0; i < c.nr_in; i++) {
				n = cs->read(cs->opaque, c.in[i].iov_base,
					     c.in[i].iov_len);
				if (n <= 0)
					break;
				done += (uint32_t)n;
				if ((size_t)n < c.in[i].iov_len)
					break;
			}
			if (!done) {
				/* No input after all: keep the buffer. */
				virtq_unpop(vq);
				goto out;
			}
			virtq_push(vq, &c, done);
			if (n <= 0 || i < c.nr_in)
				goto out;	/* input drained */
		}
	} while (ret == 0 && virtq_settle(vq));
out:
	virtq_signal(vq);
}

static void cons_tx(struct virtio_dev *vdev, struct virtq *vq)
{
	struct cons *cs = vdev->priv;
	struct virtq_chain c;
	unsigned int i;
	int ret;

	do {
		while ((ret = virtq_pop(vq, &c)) > 0) {
			for (i = 0; cs->write && i < c.nr_out; i++)
				cs->write(cs->opaque, c.out[i].iov_base,
					  c.out[i].iov_len);
			virtq_push(vq, &c, 0);
		}
	} while (ret == 0 && virtq_settle(vq));
	virtq_signal(vq);
}

static void cons_queue_notify(struct virtio_dev *vdev, struct virtq *vq)
{
	if (vq->index == CONS_TXQ)
		cons_tx(vdev, vq);
	else
		cons_rx(vdev);	/* new receive buffers: pending input fits now */
}

static void cons_destroy(struct virtio_dev *vdev)
{
	free(vdev->priv);
	vdev->priv = NULL;
}

static int cons_create(struct virtio_dev *vdev,
		       const struct virtio_dev_args *args, char *err,
		       size_t err_len)
{
	struct virtio_console_config *cfg;
	struct cons *cs;

	cs = calloc(1, sizeof(*cs));
	cfg = calloc(1, sizeof(*cfg));
	if (!cs || !cfg) {
		free(cs);
		free(cfg);
		return -ENOMEM;
	}
	cs->opaque = args->cons_opaque;
	cs->write = args->cons_write;
	cs->read = args->cons_read;
	vdev->priv = cs;
	vdev->config = (uint8_t *)cfg;
	vdev->config_size = sizeof(*cfg);
	cfg->max_nr_ports = 1;
	vdev->nr_queues = 2;
	vdev->queue_max = 128;
	return 0;
}

const struct virtio_dev_type virtio_console_type = {
	.name = "virtio-console",
	.device_id = 3,
	.pci_class = 0x078000,
	.create = cons_create,
	.destroy = cons_destroy,
	.queue_notify = cons_queue_notify,
	.host_event = cons_rx,
};
