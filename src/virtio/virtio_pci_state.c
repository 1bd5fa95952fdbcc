// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_pci_state.c - snapshot state of one virtio-pci device: device
 * status and features, the transport's selectors and config vector, the
 * ISR, every queue's configuration and ring positions.  The device
 * models keep no other guest-visible state (their config space comes
 * from the machine configuration and is checked, not loaded).
 *
 * Requests in flight are not here: the pause that precedes a save
 * completes them (or records them) first.  What can still be in flight
 * is a notification: the guest's kick sits in the queue's eventfd while
 * the save runs on the event loop before that fd's handler.  The ring
 * then holds available buffers that nobody will look at, so a load
 * notifies every live queue once (a spurious notification finds
 * nothing new, which devices handle).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "virtio/virtio_pci.h"

void virtio_pci_reset(struct virtio_pci *vp)
{
	pthread_mutex_lock(&vp->vdev.lock);
	virtio_pci_reset_locked(vp);
	pthread_mutex_unlock(&vp->vdev.lock);
}

/*
 * Version 1: status, config_generation (u8), broken (bool),
 * driver_features (u64), dfselect, gfselect (u32), queue_sel,
 * config_vector (u16), isr (u8), config_size (u32) and the device config
 * bytes, nr_queues (u16), then per queue: size, msix_vector (u16),
 * enabled, kick_pending (bool), desc, avail, used (u64), last_avail,
 * used_idx, signalled_used (u16).
 */
void virtio_pci_save(struct virtio_pci *vp, struct sbuf *out)
{
	struct virtio_dev *vdev = &vp->vdev;
	unsigned int i;

	pthread_mutex_lock(&vdev->lock);
	sbuf_put_u8(out, vdev->status);
	sbuf_put_u8(out, vdev->config_generation);
	sbuf_put_bool(out, vdev->broken);
	sbuf_put_u64(out, vdev->driver_features);
	sbuf_put_u32(out, vp->dfselect);
	sbuf_put_u32(out, vp->gfselect);
	sbuf_put_u16(out, vp->queue_sel);
	sbuf_put_u16(out, vp->config_vector);
	sbuf_put_u8(out, vp->isr);
	sbuf_put_u32(out, vdev->config_size);
	sbuf_put_bytes(out, vdev->config, vdev->config_size);
	sbuf_put_u16(out, (uint16_t)vdev->nr_queues);
	for (i = 0; i < vdev->nr_queues; i++) {
		const struct virtq *vq = &vdev->vqs[i];

		sbuf_put_u16(out, vq->size);
		sbuf_put_u16(out, vq->msix_vector);
		sbuf_put_bool(out, vq->enabled);
		sbuf_put_bool(out, vq->kick_pending);
		sbuf_put_u64(out, vq->desc_gpa);
		sbuf_put_u64(out, vq->avail_gpa);
		sbuf_put_u64(out, vq->used_gpa);
		sbuf_put_u16(out, vq->last_avail);
		sbuf_put_u16(out, vq->used_idx);
		sbuf_put_u16(out, vq->signalled_used);
	}
	pthread_mutex_unlock(&vdev->lock);
}

struct vq_image {
	uint16_t size, msix_vector;
	bool enabled, kick_pending;
	uint64_t desc, avail, used;
	uint16_t last_avail, used_idx, signalled_used;
};

static bool vq_image_ok(const struct virtq *vq, const struct vq_image *q)
{
	if (!q->size || (q->size & (q->size - 1)) || q->size > vq->max_size)
		return false;
	/* Alignment as virtq_map() wants it for an enabled queue. */
	return !q->enabled || (!(q->desc & 15) && !(q->avail & 1) &&
			       !(q->used & 3));
}

int virtio_pci_load(struct virtio_pci *vp, struct sbuf *in)
{
	struct virtio_dev *vdev = &vp->vdev;
	uint8_t status, gen, isr, *config = NULL;
	uint32_t dfsel, gfsel, config_size;
	uint16_t qsel, cvec, nq;
	uint64_t features;
	struct vq_image *q = NULL;
	unsigned int i;
	bool broken;
	int ret = -EINVAL;

	status = sbuf_get_u8(in);
	gen = sbuf_get_u8(in);
	broken = sbuf_get_bool(in);
	features = sbuf_get_u64(in);
	dfsel = sbuf_get_u32(in);
	gfsel = sbuf_get_u32(in);
	qsel = sbuf_get_u16(in);
	cvec = sbuf_get_u16(in);
	isr = sbuf_get_u8(in);
	config_size = sbuf_get_u32(in);
	if (sbuf_error(in))
		return sbuf_error(in);
	/* Another device configuration is another machine. */
	if (config_size != vdev->config_size)
		return -EINVAL;
	config = malloc(config_size ? config_size : 1);
	if (!config)
		return -ENOMEM;
	sbuf_get_bytes(in, config, config_size);
	nq = sbuf_get_u16(in);
	if (sbuf_error(in) || nq != vdev->nr_queues)
		goto out;
	q = calloc(nq, sizeof(*q));
	if (!q) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nq; i++) {
		q[i].size = sbuf_get_u16(in);
		q[i].msix_vector = sbuf_get_u16(in);
		q[i].enabled = sbuf_get_bool(in);
		q[i].kick_pending = sbuf_get_bool(in);
		q[i].desc = sbuf_get_u64(in);
		q[i].avail = sbuf_get_u64(in);
		q[i].used = sbuf_get_u64(in);
		q[i].last_avail = sbuf_get_u16(in);
		q[i].used_idx = sbuf_get_u16(in);
		q[i].signalled_used = sbuf_get_u16(in);
	}
	if (sbuf_error(in)) {
		ret = sbuf_error(in);
		goto out;
	}
	/* memcmp: a device without config (rng) has a NULL one. */
	if ((features & ~vdev->host_features) || isr > 3 ||
	    (config_size && memcmp(config, vdev->config, config_size)))
		goto out;
	for (i = 0; i < nq; i++)
		if (!vq_image_ok(&vdev->vqs[i], &q[i]))
			goto out;

	pthread_mutex_lock(&vdev->lock);
	/*
	 * Not virtio_pci_reset_locked(): that would lower the INTx line the
	 * PCI component (loaded before us) has just restored.
	 */
	if (vdev->type->reset)
		vdev->type->reset(vdev);
	for (i = 0; i < nq; i++) {
		uint64_t stale;

		virtq_reset(&vdev->vqs[i]);
		if (read(vdev->vqs[i].kick_fd, &stale, sizeof(stale)) < 0) {
			/* EAGAIN: no kick from before the load. */
		}
	}
	vdev->status = status;
	vdev->config_generation = gen;
	vdev->broken = broken;
	vdev->driver_features = features;
	vp->dfselect = dfsel;
	vp->gfselect = gfsel;
	vp->queue_sel = qsel;
	vp->config_vector = cvec;
	vp->isr = isr;
	ret = 0;
	for (i = 0; i < nq; i++) {
		struct virtq *vq = &vdev->vqs[i];

		vq->size = q[i].size;
		vq->msix_vector = q[i].msix_vector;
		vq->enabled = q[i].enabled;
		vq->kick_pending = q[i].kick_pending;
		vq->desc_gpa = q[i].desc;
		vq->avail_gpa = q[i].avail;
		vq->used_gpa = q[i].used;
		vq->last_avail = q[i].last_avail;
		vq->used_idx = q[i].used_idx;
		vq->signalled_used = q[i].signalled_used;
		/* Rings outside this VM's RAM: the image is not for it. */
		if (vq->enabled && !broken && !virtq_map(vq))
			ret = -EINVAL;
	}
	if (!ret && (status & VIRTIO_STATUS_DRIVER_OK) && !broken) {
		uint64_t one = 1;

		for (i = 0; i < nq; i++)
			if (vdev->vqs[i].enabled &&
			    write(vdev->vqs[i].kick_fd, &one, sizeof(one)) < 0) {
				/* EAGAIN: already signalled, which will do. */
			}
	}
	pthread_mutex_unlock(&vdev->lock);
out:
	free(q);
	free(config);
	return ret;
}
