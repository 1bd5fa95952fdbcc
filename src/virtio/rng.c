// SPDX-License-Identifier: GPL-2.0
/*
 * rng.c - virtio-rng (virtio 1.x 5.4): one request queue; every
 * device-writable byte of a chain is filled from getrandom().
 *
 * Threads: called with virtio_dev.lock held (event loop); no own state.
 */
#include <errno.h>
#include <sys/random.h>

#include "virtio/virtio.h"

static void rng_queue_notify(struct virtio_dev *vdev, struct virtq *vq)
{
	struct virtq_chain c;
	unsigned int i;
	uint64_t done;
	int ret;

	do {
		while ((ret = virtq_pop(vq, &c)) > 0) {
			done = 0;
			for (i = 0; i < c.nr_in; i++) {
				ssize_t n = getrandom(c.in[i].iov_base,
						      c.in[i].iov_len, 0);

				if (n < 0)
					break;	/* EINTR etc.: return what we have */
				done += (uint64_t)n;
				if ((size_t)n < c.in[i].iov_len)
					break;
			}
			virtq_push(vq, &c, (uint32_t)done);
		}
	} while (ret == 0 && virtq_settle(vq));
	virtq_signal(vq);
}

static int rng_create(struct virtio_dev *vdev,
		      const struct virtio_dev_args *args, char *err,
		      size_t err_len)
{
	vdev->nr_queues = 1;
	vdev->queue_max = 64;
	return 0;
}

const struct virtio_dev_type virtio_rng_type = {
	.name = "virtio-rng",
	.device_id = 4,
	.pci_class = 0x00ff00,
	.create = rng_create,
	.queue_notify = rng_queue_notify,
};
