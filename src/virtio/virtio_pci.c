// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_pci.c - virtio 1.x over PCI, modern interface only (virtio 1.x
 * 4.1): capabilities, common config, ISR, device config and notify area in
 * BAR 0, MSI-X or INTx interrupts, device reset.
 *
 * Threads: BAR accesses arrive on vCPU threads, config-space hooks with
 * pci_bus.lock held (also vCPU threads), queue work on the event-loop
 * thread.  All of them take virtio_dev.lock; a notify write only signals
 * the queue's eventfd, so the vCPU never runs a device back end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lib/compiler.h"
#include "virtio/virtio_pci.h"

#define COMMON_SIZE	sizeof(struct virtio_pci_common_cfg)

static struct virtio_pci *to_vp(struct virtio_dev *vdev)
{
	return container_of(vdev, struct virtio_pci, vdev);
}

/* ----------------------------------------------------- interrupts */

static void vp_raise_intx(struct virtio_pci *vp, uint8_t bit)
{
	vp->isr |= bit;
	pci_intx_set(&vp->pci, true);
}

static void vp_notify_queue(struct virtio_dev *vdev, struct virtq *vq)
{
	struct virtio_pci *vp = to_vp(vdev);

	if (pci_msix_enabled(&vp->pci)) {
		if (vq->msix_vector != VIRTIO_NO_VECTOR)
			pci_msix_notify(&vp->pci, vq->msix_vector);
		return;
	}
	vp_raise_intx(vp, 1);
}

static void vp_notify_config(struct virtio_dev *vdev)
{
	struct virtio_pci *vp = to_vp(vdev);

	if (pci_msix_enabled(&vp->pci)) {
		if (vp->config_vector != VIRTIO_NO_VECTOR)
			pci_msix_notify(&vp->pci, vp->config_vector);
		return;
	}
	vp_raise_intx(vp, 2);
}

static bool vp_dma_allowed(struct virtio_dev *vdev)
{
	return pci_dev_bus_master(&to_vp(vdev)->pci);
}

static const struct virtio_transport_ops vp_transport = {
	.notify_queue = vp_notify_queue,
	.notify_config = vp_notify_config,
	.dma_allowed = vp_dma_allowed,
};

/* ------------------------------------------------------- reset/status */

static void kick_drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing pending, which is what we want. */
	}
}

static void kick_signal(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0) {
		/* EAGAIN only at counter overflow: a kick is pending anyway. */
	}
}

/* Lock held. */
void virtio_pci_reset_locked(struct virtio_pci *vp)
{
	struct virtio_dev *vdev = &vp->vdev;
	unsigned int i;

	if (vdev->type->reset)
		vdev->type->reset(vdev);
	for (i = 0; i < vdev->nr_queues; i++) {
		virtq_reset(&vdev->vqs[i]);
		/* A kick from before the reset must not reach the new driver. */
		kick_drain(vdev->vqs[i].kick_fd);
	}
	vdev->driver_features = 0;
	vdev->status = 0;
	vdev->broken = false;
	vp->dfselect = vp->gfselect = 0;
	vp->queue_sel = 0;
	vp->config_vector = VIRTIO_NO_VECTOR;
	vp->isr = 0;
	pci_intx_set(&vp->pci, false);
}

static void vp_status_write(struct virtio_pci *vp, uint8_t v)
{
	struct virtio_dev *vdev = &vp->vdev;
	uint8_t old = vdev->status;
	bool feat_ok = old & VIRTIO_STATUS_FEATURES_OK;
	unsigned int i;

	if (!v) {
		virtio_pci_reset_locked(vp);
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !feat_ok) {
		/*
		 * 3.1.1: the device refuses FEATURES_OK (it reads back clear)
		 * unless the driver took a subset of what was offered,
		 * including VERSION_1 since there is no legacy interface.
		 */
		feat_ok = !(vdev->driver_features & ~vdev->host_features) &&
			  virtio_has_feature(vdev, VIRTIO_F_VERSION_1);
	}
	/* The driver cannot set NEEDS_RESET nor take back FEATURES_OK. */
	v &= (uint8_t)~(VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FEATURES_OK);
	v |= old & VIRTIO_STATUS_NEEDS_RESET;
	if (feat_ok)
		v |= VIRTIO_STATUS_FEATURES_OK;
	vdev->status = v;

	/* Kicks that came before DRIVER_OK are replayed on the event loop. */
	if ((v & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK)) {
		for (i = 0; i < vdev->nr_queues; i++) {
			if (vdev->vqs[i].kick_pending) {
				vdev->vqs[i].kick_pending = false;
				kick_signal(vdev->vqs[i].kick_fd);
			}
		}
	}
}

/* ------------------------------------------------------ common config */

static struct virtq *vp_selected(struct virtio_pci *vp)
{
	if (vp->queue_sel >= vp->vdev.nr_queues)
		return NULL;
	return &vp->vdev.vqs[vp->queue_sel];
}

static void common_image(struct virtio_pci *vp,
			 struct virtio_pci_common_cfg *c)
{
	struct virtio_dev *vdev = &vp->vdev;
	struct virtq *vq = vp_selected(vp);

	memset(c, 0, sizeof(*c));
	c->device_feature_select = vp->dfselect;
	if (vp->dfselect < 2)
		c->device_feature =
			(uint32_t)(vdev->host_features >> (32 * vp->dfselect));
	c->driver_feature_select = vp->gfselect;
	if (vp->gfselect < 2)
		c->driver_feature =
			(uint32_t)(vdev->driver_features >> (32 * vp->gfselect));
	c->config_msix_vector = vp->config_vector;
	c->num_queues = (uint16_t)vdev->nr_queues;
	c->device_status = vdev->status;
	c->config_generation = vdev->config_generation;
	c->queue_select = vp->queue_sel;
	if (vq) {
		c->queue_size = vq->size;
		c->queue_msix_vector = vq->msix_vector;
		c->queue_enable = vq->enabled;
		c->queue_notify_off = (uint16_t)vq->index;
		c->queue_desc = vq->desc_gpa;
		c->queue_driver = vq->avail_gpa;
		c->queue_device = vq->used_gpa;
	} else {
		c->queue_msix_vector = VIRTIO_NO_VECTOR;
	}
}

static uint16_t vp_vector(struct virtio_pci *vp, uint16_t v)
{
	/* 4.1.5.1.2: an unusable vector reads back as NO_VECTOR. */
	return v < vp->pci.msix.nr ? v : VIRTIO_NO_VECTOR;
}

static void queue_enable(struct virtio_pci *vp, struct virtq *vq)
{
	if (vp->vdev.broken)
		return;
	vq->enabled = true;
	if (!virtq_map(vq))
		vq->enabled = false;
}

#define FIELD(f)	offsetof(struct virtio_pci_common_cfg, f), \
			sizeof(((struct virtio_pci_common_cfg *)0)->f)

static bool hits(uint32_t off, unsigned int len, size_t f, size_t fsize)
{
	return off < f + fsize && off + len > f;
}

static void common_write(struct virtio_pci *vp, uint32_t off,
			 const uint8_t *data, unsigned int len)
{
	struct virtio_dev *vdev = &vp->vdev;
	struct virtio_pci_common_cfg c;
	struct virtq *vq;
	bool locked;

	/*
	 * Merge the written bytes into an image of the current values, then
	 * apply each field the write touched: any access width and split
	 * 64-bit writes (lo, then hi) come out right.
	 */
	common_image(vp, &c);
	memcpy((uint8_t *)&c + off, data, len);
	vq = vp_selected(vp);
	locked = !vq || vq->enabled;

	if (hits(off, len, FIELD(device_feature_select)))
		vp->dfselect = c.device_feature_select;
	if (hits(off, len, FIELD(driver_feature_select)))
		vp->gfselect = c.driver_feature_select;
	if (hits(off, len, FIELD(driver_feature)) && vp->gfselect < 2 &&
	    !(vdev->status & VIRTIO_STATUS_FEATURES_OK)) {
		unsigned int sh = 32 * vp->gfselect;

		vdev->driver_features &= ~(0xffffffffull << sh);
		vdev->driver_features |= (uint64_t)c.driver_feature << sh;
	}
	if (hits(off, len, FIELD(config_msix_vector)))
		vp->config_vector = vp_vector(vp, c.config_msix_vector);
	if (hits(off, len, FIELD(device_status)))
		vp_status_write(vp, c.device_status);
	if (hits(off, len, FIELD(queue_select))) {
		vp->queue_sel = c.queue_select;
		return;		/* the other queue fields were the old queue's */
	}
	if (!vq)
		return;
	if (hits(off, len, FIELD(queue_msix_vector)))
		vq->msix_vector = vp_vector(vp, c.queue_msix_vector);
	/* 4.1.4.3.2: queue geometry is fixed once the queue is enabled. */
	if (locked)
		return;
	if (hits(off, len, FIELD(queue_size)))
		vq->size = c.queue_size;
	if (hits(off, len, FIELD(queue_desc)))
		vq->desc_gpa = c.queue_desc;
	if (hits(off, len, FIELD(queue_driver)))
		vq->avail_gpa = c.queue_driver;
	if (hits(off, len, FIELD(queue_device)))
		vq->used_gpa = c.queue_device;
	/* Writing 0 is not defined (reset is); only 1 does something. */
	if (hits(off, len, FIELD(queue_enable)) && c.queue_enable == 1)
		queue_enable(vp, vq);
}

/* ------------------------------------------------------------ BAR 0 */

static void vp_bar_access(struct pci_dev *pdev, int bar, uint64_t off,
			  uint8_t *data, unsigned int len, bool is_write)
{
	struct virtio_pci *vp = container_of(pdev, struct virtio_pci, pci);
	struct virtio_dev *vdev = &vp->vdev;
	struct virtio_pci_common_cfg c;
	uint64_t q;

	if (!is_write)
		memset(data, 0, len);
	pthread_mutex_lock(&vdev->lock);
	if (off + len <= VIRTIO_PCI_COMMON_OFF + COMMON_SIZE) {
		if (is_write) {
			common_write(vp, (uint32_t)off, data, len);
		} else {
			common_image(vp, &c);
			memcpy(data, (uint8_t *)&c + off, len);
		}
	} else if (off >= VIRTIO_PCI_ISR_OFF && off < VIRTIO_PCI_ISR_OFF + 4) {
		/* Reading ISR acknowledges it and drops the INTx line. */
		if (!is_write && off == VIRTIO_PCI_ISR_OFF) {
			data[0] = vp->isr;
			vp->isr = 0;
			pci_intx_set(&vp->pci, false);
		}
	} else if (off >= VIRTIO_PCI_DEVICE_OFF &&
		   off - VIRTIO_PCI_DEVICE_OFF < vdev->config_size) {
		uint32_t o = (uint32_t)(off - VIRTIO_PCI_DEVICE_OFF);
		unsigned int n = len;

		if (n > vdev->config_size - o)
			n = vdev->config_size - o;
		if (!is_write)
			memcpy(data, vdev->config + o, n);
		else if (vdev->type->config_write)
			vdev->type->config_write(vdev, o, data, n);
	} else if (off >= VIRTIO_PCI_NOTIFY_OFF &&
		   off < VIRTIO_PCI_NOTIFY_OFF +
			 VIRTIO_PCI_NOTIFY_MULT * VIRTIO_PCI_MAX_QUEUES) {
		q = (off - VIRTIO_PCI_NOTIFY_OFF) / VIRTIO_PCI_NOTIFY_MULT;
		if (!is_write) {
			/* reads of the notify area are undefined: zero */
		} else if (q >= vdev->nr_queues) {
			virtio_dev_fail(vdev, "notify for queue %llu, device has %u",
					(unsigned long long)q, vdev->nr_queues);
		} else {
			kick_signal(vdev->vqs[q].kick_fd);
		}
	}
	pthread_mutex_unlock(&vdev->lock);
}

static const struct pci_bar_ops vp_bar_ops = {
	.access = vp_bar_access,
};

/* ------------------------------------- VIRTIO_PCI_CAP_PCI_CFG window */

/*
 * 4.1.4.7: the pci_cfg_data window reaches BAR 0 through config space
 * (for firmware that cannot map BARs).  bar/offset/length are
 * guest-written, so check them before every access.
 */
static bool cfg_window(struct virtio_pci *vp, uint32_t *off, unsigned int *len)
{
	struct pci_dev *d = &vp->pci;
	uint8_t cap = vp->cfg_cap;
	uint32_t o = pci_cfg_get(d, cap + 8, 4), l = pci_cfg_get(d, cap + 12, 4);

	if (d->cfg[cap + 4] != VIRTIO_PCI_BAR || (l != 1 && l != 2 && l != 4) ||
	    (o & (l - 1)) || o >= VIRTIO_PCI_BAR_SIZE)
		return false;
	*off = o;
	*len = l;
	return true;
}

static void vp_cfg_write(struct pci_dev *d, uint32_t off, unsigned int len,
			 uint32_t val)
{
	struct virtio_pci *vp = container_of(d, struct virtio_pci, pci);
	uint32_t data = vp->cfg_cap + 16, o;
	unsigned int l;

	if (off + len <= data || off >= data + 4 || !cfg_window(vp, &o, &l))
		return;
	pci_bar_dispatch(&d->bars[VIRTIO_PCI_BAR], o, &d->cfg[data], l, true);
}

static void vp_cfg_read(struct pci_dev *d, uint32_t off, unsigned int len)
{
	struct virtio_pci *vp = container_of(d, struct virtio_pci, pci);
	uint32_t data = vp->cfg_cap + 16, o;
	unsigned int l;

	if (off + len <= data || off >= data + 4 || !cfg_window(vp, &o, &l))
		return;
	pci_bar_dispatch(&d->bars[VIRTIO_PCI_BAR], o, &d->cfg[data], l, false);
}

static const struct pci_dev_ops vp_pci_ops = {
	.cfg_write = vp_cfg_write,
	.cfg_read = vp_cfg_read,
};

/* ------------------------------------------------------ construction */

static int add_vcap(struct pci_dev *d, uint8_t type, uint8_t len,
		    uint32_t offset, uint32_t length)
{
	int cap = pci_cap_add(d, PCI_CAP_ID_VNDR, len);

	if (cap < 0)
		return cap;
	d->cfg[cap + 2] = len;
	d->cfg[cap + 3] = type;
	d->cfg[cap + 4] = VIRTIO_PCI_BAR;
	pci_cfg_set32(d, cap + 8, offset);
	pci_cfg_set32(d, cap + 12, length);
	return cap;
}

static int vp_build_pci(struct virtio_pci *vp)
{
	struct virtio_dev *vdev = &vp->vdev;
	struct pci_dev *d = &vp->pci;
	int ret, cap;

	pci_dev_init(d, VIRTIO_PCI_VENDOR,
		     VIRTIO_PCI_DEVICE_BASE + vdev->type->device_id,
		     vdev->type->pci_class, 1, VIRTIO_PCI_VENDOR,
		     (uint16_t)(0x40 + vdev->type->device_id));
	d->ops = &vp_pci_ops;
	d->opaque = vp;
	ret = pci_dev_add_bar(d, VIRTIO_PCI_BAR, PCI_BAR_MEM64, false,
			      VIRTIO_PCI_BAR_SIZE, &vp_bar_ops);
	if (ret)
		return ret;
	pci_dev_set_intx_pin(d, 1);
	ret = pci_msix_init(d, vdev->nr_queues + 1, VIRTIO_PCI_BAR,
			    VIRTIO_PCI_MSIX_TABLE_OFF, VIRTIO_PCI_MSIX_PBA_OFF);
	if (ret)
		return ret;
	ret = add_vcap(d, VIRTIO_PCI_CAP_COMMON_CFG,
		       sizeof(struct virtio_pci_cap), VIRTIO_PCI_COMMON_OFF,
		       COMMON_SIZE);
	if (ret < 0)
		return ret;
	ret = add_vcap(d, VIRTIO_PCI_CAP_ISR_CFG, sizeof(struct virtio_pci_cap),
		       VIRTIO_PCI_ISR_OFF, 1);
	if (ret < 0)
		return ret;
	if (vdev->config_size) {
		ret = add_vcap(d, VIRTIO_PCI_CAP_DEVICE_CFG,
			       sizeof(struct virtio_pci_cap),
			       VIRTIO_PCI_DEVICE_OFF, vdev->config_size);
		if (ret < 0)
			return ret;
	}
	cap = add_vcap(d, VIRTIO_PCI_CAP_NOTIFY_CFG,
		       sizeof(struct virtio_pci_notify_cap),
		       VIRTIO_PCI_NOTIFY_OFF,
		       VIRTIO_PCI_NOTIFY_MULT * vdev->nr_queues);
	if (cap < 0)
		return cap;
	pci_cfg_set32(d, cap + 16, VIRTIO_PCI_NOTIFY_MULT);
	cap = add_vcap(d, VIRTIO_PCI_CAP_PCI_CFG,
		       sizeof(struct virtio_pci_cfg_cap), 0, 0);
	if (cap < 0)
		return cap;
	vp->cfg_cap = (uint8_t)cap;
	d->wmask[cap + 4] = 0xff;			/* bar */
	memset(&d->wmask[cap + 8], 0xff, 12);		/* offset, length, data */
	return 0;
}

void virtio_pci_destroy(struct virtio_pci *vp)
{
	struct virtio_dev *vdev;
	unsigned int i;

	if (!vp)
		return;
	vdev = &vp->vdev;
	pci_dev_unregister(&vp->pci);
	if (vdev->type && vdev->type->destroy)
		vdev->type->destroy(vdev);
	for (i = 0; vdev->vqs && i < vdev->nr_queues; i++) {
		if (vdev->vqs[i].kick_fd >= 0)
			close(vdev->vqs[i].kick_fd);
		free(vdev->vqs[i].iov);
	}
	free(vdev->vqs);
	free(vdev->config);
	pci_dev_cleanup(&vp->pci);
	pthread_mutex_destroy(&vdev->lock);
	free(vp);
}

void virtio_pci_placed(struct virtio_pci *vp)
{
	snprintf(vp->vdev.name, sizeof(vp->vdev.name), "%s 00:%02x.%x",
		 vp->vdev.type->name, vp->pci.devfn >> 3, vp->pci.devfn & 7);
}

int virtio_pci_create(const char *type, struct pci_bus *bus, int devfn,
		      const struct guest_mem_ops *mem, void *mem_opaque,
		      const struct virtio_dev_args *args,
		      struct virtio_pci **out, char *err, size_t err_len)
{
	const struct virtio_dev_type *t = virtio_dev_type_find(type);
	struct virtio_dev_args none = { .tap_fd = -1 };
	struct virtio_pci *vp;
	struct virtio_dev *vdev;
	unsigned int i;
	int ret;

	err[0] = '\0';
	if (!t) {
		snprintf(err, err_len, "unknown virtio device type '%s'", type);
		return -EINVAL;
	}
	vp = calloc(1, sizeof(*vp));
	if (!vp)
		return -ENOMEM;
	vdev = &vp->vdev;
	pthread_mutex_init(&vdev->lock, NULL);
	vdev->type = t;
	vdev->transport = &vp_transport;
	vdev->mem = mem;
	vdev->mem_opaque = mem_opaque;
	vdev->log = args ? args->log : NULL;
	vdev->queue_max = 256;
	snprintf(vdev->name, sizeof(vdev->name), "%s", t->name);

	ret = t->create(vdev, args ? args : &none, err, err_len);
	if (ret) {
		vdev->type = NULL;	/* nothing for destroy() to undo */
		goto fail;
	}
	vdev->host_features |= BIT_ULL(VIRTIO_F_VERSION_1) |
			       BIT_ULL(VIRTIO_F_INDIRECT_DESC) |
			       BIT_ULL(VIRTIO_F_EVENT_IDX);
	if (!vdev->nr_queues || vdev->nr_queues > VIRTIO_PCI_MAX_QUEUES ||
	    !vdev->queue_max || vdev->queue_max > VIRTQ_MAX_SIZE ||
	    (vdev->queue_max & (vdev->queue_max - 1)) ||
	    vdev->config_size > VIRTIO_PCI_NOTIFY_OFF - VIRTIO_PCI_DEVICE_OFF) {
		ret = -EINVAL;
		goto fail;
	}
	vdev->vqs = calloc(vdev->nr_queues, sizeof(*vdev->vqs));
	if (!vdev->vqs) {
		ret = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < vdev->nr_queues; i++)
		vdev->vqs[i].kick_fd = -1;
	for (i = 0; i < vdev->nr_queues; i++) {
		struct virtq *vq = &vdev->vqs[i];

		vq->vdev = vdev;
		vq->index = i;
		vq->max_size = vdev->queue_max;
		vq->iov = calloc(VIRTQ_MAX_SIZE, sizeof(*vq->iov));
		vq->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (!vq->iov || vq->kick_fd < 0) {
			ret = vq->kick_fd < 0 ? -errno : -ENOMEM;
			goto fail;
		}
		virtq_reset(vq);
	}
	vp->config_vector = VIRTIO_NO_VECTOR;
	ret = vp_build_pci(vp);
	if (ret)
		goto fail;
	if (bus) {
		ret = pci_dev_register(bus, &vp->pci, devfn);
		if (ret) {
			snprintf(err, err_len, "%s: no PCI slot: %s", t->name,
				 strerror(-ret));
			goto fail;
		}
		virtio_pci_placed(vp);
	}
	*out = vp;
	return 0;
fail:
	if (!err[0])
		snprintf(err, err_len, "%s: %s", t->name, strerror(-ret));
	virtio_pci_destroy(vp);
	return ret;
}

/* ---------------------------------------------------------- event loop */

unsigned int virtio_pci_nr_queues(const struct virtio_pci *vp)
{
	return vp->vdev.nr_queues;
}

int virtio_pci_kick_fd(const struct virtio_pci *vp, unsigned int q)
{
	return q < vp->vdev.nr_queues ? vp->vdev.vqs[q].kick_fd : -1;
}

uint64_t virtio_pci_notify_addr(struct virtio_pci *vp, unsigned int q)
{
	struct pci_bus *bus = vp->pci.bus;
	const struct pci_bar *b = &vp->pci.bars[VIRTIO_PCI_BAR];
	uint64_t addr = 0;

	if (!bus || q >= vp->vdev.nr_queues)
		return 0;
	pthread_mutex_lock(&bus->lock);
	if (b->mapped)
		addr = b->addr + VIRTIO_PCI_NOTIFY_OFF +
		       (uint64_t)q * VIRTIO_PCI_NOTIFY_MULT;
	pthread_mutex_unlock(&bus->lock);
	return addr;
}

uint64_t virtio_pci_notify_offset(unsigned int q)
{
	return VIRTIO_PCI_NOTIFY_OFF + (uint64_t)q * VIRTIO_PCI_NOTIFY_MULT;
}

struct virtio_pci *virtio_pci_from_bar(struct pci_bar *bar)
{
	if (bar->ops != &vp_bar_ops)
		return NULL;
	return container_of(bar->dev, struct virtio_pci, pci);
}

void virtio_pci_handle_kick(struct virtio_pci *vp, unsigned int q)
{
	struct virtio_dev *vdev = &vp->vdev;
	struct virtq *vq;
	uint64_t cnt = 0;

	if (q >= vdev->nr_queues)
		return;
	vq = &vdev->vqs[q];
	pthread_mutex_lock(&vdev->lock);
	/* Read under the lock: a reset drains the eventfd under it too. */
	if (read(vq->kick_fd, &cnt, sizeof(cnt)) != sizeof(cnt) || !cnt)
		goto out;
	if (vdev->broken || !vdev->status)
		goto out;
	if (!vq->enabled) {
		virtio_dev_fail(vdev, "notify on queue %u before it was enabled", q);
		goto out;
	}
	if (!(vdev->status & VIRTIO_STATUS_DRIVER_OK)) {
		vq->kick_pending = true;
		goto out;
	}
	if (!virtio_dev_ready(vdev) || !virtq_ready(vq))
		goto out;
	vdev->type->queue_notify(vdev, vq);
out:
	pthread_mutex_unlock(&vdev->lock);
}

void virtio_pci_host_event(struct virtio_pci *vp)
{
	struct virtio_dev *vdev = &vp->vdev;

	pthread_mutex_lock(&vdev->lock);
	if (vdev->type->host_event && virtio_dev_ready(vdev))
		vdev->type->host_event(vdev);
	pthread_mutex_unlock(&vdev->lock);
}

int virtio_pci_host_fd(struct virtio_pci *vp)
{
	return vp->vdev.type->host_fd ? vp->vdev.type->host_fd(&vp->vdev) : -1;
}

void virtio_pci_poll(struct virtio_pci *vp)
{
	unsigned int q;

	for (q = 0; q < vp->vdev.nr_queues; q++)
		virtio_pci_handle_kick(vp, q);
}

uint8_t virtio_pci_status(struct virtio_pci *vp)
{
	uint8_t s;

	pthread_mutex_lock(&vp->vdev.lock);
	s = vp->vdev.status;
	pthread_mutex_unlock(&vp->vdev.lock);
	return s;
}
