// SPDX-License-Identifier: GPL-2.0
/*
 * net.c - virtio-net (virtio 1.x 5.1) with a tap device as host side.
 *
 * The tap is opened with IFF_TAP | IFF_NO_PI | IFF_VNET_HDR and
 * TUNSETVNETHDRSZ 12 (and IFF_MULTI_QUEUE when the tap was created
 * multi_queue, so that the destination of a live migration on the same
 * host can open it while the source still has it.  Such a queue starts
 * detached and is attached when the guest first uses the device here: a
 * migration destination, open from the start of the stream, must not
 * collect frames meant for the source's guest and hand them over late,
 * out of order.  Frames the tap gives the source after it stopped are
 * dropped with it, as by a busy NIC), so a frame on the tap carries exactly the 12-byte
 * struct virtio_net_hdr_v1 the guest uses (virtio 1.x always has
 * num_buffers): TX chains are written to the tap as they are (writev) and
 * RX frames are read straight into the guest's buffers (readv).  No offload
 * feature is offered, so headers carry no checksum/GSO work; the kernel
 * leaves num_buffers alone, and without MRG_RXBUF it is always 1, which we
 * store.  No MRG_RXBUF: every receive chain must hold a whole frame (Linux
 * posts 1518-byte+header buffers in that mode); a longer frame is cut.
 *
 * Without a tap the device still works for the guest: TX frames are
 * dropped, nothing is received.
 *
 * Threads: called with virtio_dev.lock held on the event loop.  RX is
 * pulled only when the guest posted buffers: the VMM watches the tap with
 * EPOLLIN|EPOLLET and calls virtio_pci_host_event(); a new RX kick retries.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "virtio/virtio.h"

#define VIRTIO_NET_F_MAC	5
#define NET_RXQ			0
#define NET_TXQ			1
#define NET_HDR_LEN		12

struct virtio_net_hdr_v1 {
	uint8_t flags, gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset, num_buffers;
};
_Static_assert(sizeof(struct virtio_net_hdr_v1) == NET_HDR_LEN, "net hdr");

struct virtio_net_config {
	uint8_t mac[6];
	uint16_t status;
};
_Static_assert(sizeof(struct virtio_net_config) == 8, "net config");

struct net {
	int tap;
	bool detached;		/* multi-queue tap, our queue not attached */
};

static void net_attach(struct net *nt)
{
	struct ifreq ifr = { .ifr_flags = IFF_ATTACH_QUEUE };

	/* A failure leaves it detached: frames are dropped, not the VM. */
	if (nt->detached && !ioctl(nt->tap, TUNSETQUEUE, &ifr))
		nt->detached = false;
}

static void net_rx(struct virtio_dev *vdev)
{
	struct net *nt = vdev->priv;
	struct virtq *vq = &vdev->vqs[NET_RXQ];
	struct virtq_chain c;
	uint16_t one = 1;
	ssize_t n;
	int ret;

	if (nt->tap < 0 || !virtq_ready(vq))
		return;
	do {
		while ((ret = virtq_pop(vq, &c)) > 0) {
			if (c.in_len < NET_HDR_LEN) {
				virtio_dev_fail(vdev, "receive buffer of %llu bytes, below the %u-byte header",
						(unsigned long long)c.in_len,
						NET_HDR_LEN);
				goto out;
			}
			n = readv(nt->tap, c.in, (int)c.nr_in);
			if (n < NET_HDR_LEN) {
				/* EAGAIN: nothing waiting; keep the buffer. */
				virtq_unpop(vq);
				goto out;
			}
			iov_from_buf(c.in, c.nr_in,
				     offsetof(struct virtio_net_hdr_v1,
					      num_buffers), &one, sizeof(one));
			virtq_push(vq, &c, (uint32_t)n);
		}
	} while (ret == 0 && virtq_settle(vq));
out:
	virtq_signal(vq);
}

static void net_tx(struct virtio_dev *vdev, struct virtq *vq)
{
	struct net *nt = vdev->priv;
	struct virtq_chain c;
	int ret;

	do {
		while ((ret = virtq_pop(vq, &c)) > 0) {
			/*
			 * A frame the tap refuses (short, full queue) is
			 * dropped, as a NIC would; the buffer goes back.
			 */
			if (nt->tap >= 0 && c.out_len >= NET_HDR_LEN &&
			    writev(nt->tap, c.out, (int)c.nr_out) < 0) {
				/* dropped */
			}
			virtq_push(vq, &c, 0);
		}
	} while (ret == 0 && virtq_settle(vq));
	virtq_signal(vq);
}

static void net_queue_notify(struct virtio_dev *vdev, struct virtq *vq)
{
	net_attach(vdev->priv);
	if (vq->index == NET_TXQ)
		net_tx(vdev, vq);
	else
		net_rx(vdev);	/* new buffers: frames waiting on the tap fit */
}

static int net_host_fd(struct virtio_dev *vdev)
{
	struct net *nt = vdev->priv;

	return nt->tap;
}

static int tap_open(const char *name, bool *detached, char *err,
		    size_t err_len)
{
	struct ifreq ifr;
	int fd, hdr = NET_HDR_LEN, ret;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, err_len, "virtio-net: /dev/net/tun: %s",
			 strerror(errno));
		return ret;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	/* A single-queue tap refuses IFF_MULTI_QUEUE with EINVAL. */
	ret = ioctl(fd, TUNSETIFF, &ifr);
	if (ret < 0 && errno == EINVAL) {
		ifr.ifr_flags &= ~IFF_MULTI_QUEUE;
		ret = ioctl(fd, TUNSETIFF, &ifr);
	}
	if (ret < 0 || ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) {
		ret = -errno;
		snprintf(err, err_len, "virtio-net: tap %s: %s", name,
			 strerror(errno));
		close(fd);
		return ret;
	}
	*detached = false;
	if (ifr.ifr_flags & IFF_MULTI_QUEUE) {
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_flags = IFF_DETACH_QUEUE;
		*detached = !ioctl(fd, TUNSETQUEUE, &ifr);
	}
	return fd;
}

static void net_destroy(struct virtio_dev *vdev)
{
	struct net *nt = vdev->priv;

	if (!nt)
		return;
	if (nt->tap >= 0)
		close(nt->tap);
	free(nt);
	vdev->priv = NULL;
}

static int net_create(struct virtio_dev *vdev,
		      const struct virtio_dev_args *args, char *err,
		      size_t err_len)
{
	static const uint8_t default_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	struct virtio_net_config *cfg;
	struct net *nt;

	nt = calloc(1, sizeof(*nt));
	cfg = calloc(1, sizeof(*cfg));
	if (!nt || !cfg) {
		free(nt);
		free(cfg);
		return -ENOMEM;
	}
	nt->tap = args->tap_fd;
	if (nt->tap < 0 && args->tap) {
		nt->tap = tap_open(args->tap, &nt->detached, err, err_len);
		if (nt->tap < 0) {
			int ret = nt->tap;

			free(nt);
			free(cfg);
			return ret;
		}
	}
	memcpy(cfg->mac, args->mac ? args->mac : default_mac, 6);
	vdev->priv = nt;
	vdev->config = (uint8_t *)cfg;
	vdev->config_size = sizeof(*cfg);
	vdev->nr_queues = 2;
	vdev->queue_max = 256;
	vdev->host_features = BIT_ULL(VIRTIO_NET_F_MAC);
	return 0;
}

const struct virtio_dev_type virtio_net_type = {
	.name = "virtio-net",
	.device_id = 1,
	.pci_class = 0x020000,
	.create = net_create,
	.destroy = net_destroy,
	.queue_notify = net_queue_notify,
	.host_event = net_rx,
	.host_fd = net_host_fd,
};
