// SPDX-License-Identifier: GPL-2.0
/*
 * blk.c - virtio-blk (virtio 1.x 5.2) on a raw image file: IN/OUT with
 * preadv/pwritev straight into guest buffers, FLUSH (fdatasync), GET_ID,
 * read-only images (VIRTIO_BLK_F_RO, writes fail with IOERR).
 *
 * Threads: called with virtio_dev.lock held on the event loop (requests)
 * or a vCPU (reset); I/O is synchronous, one request at a time.
 *
 * Requests are checked as data, not trusted as framing (2.6.4: no
 * assumption about how the driver split header/data/status over
 * descriptors).  A request without room for the status byte or without a
 * whole header cannot even be answered: the device fails (NEEDS_RESET).
 * Anything else wrong (bad sector, odd length, unknown type) is answered
 * with IOERR/UNSUPP, as a disk would.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtio/virtio.h"

#define VIRTIO_BLK_F_SIZE_MAX	1
#define VIRTIO_BLK_F_SEG_MAX	2
#define VIRTIO_BLK_F_RO		5
#define VIRTIO_BLK_F_BLK_SIZE	6
#define VIRTIO_BLK_F_FLUSH	9

#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4
#define VIRTIO_BLK_T_GET_ID	8

#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2

#define BLK_ID_BYTES		20
#define BLK_SECTOR		512ull
#define BLK_QUEUE_MAX		256
#define BLK_SIZE_MAX		(1u << 20)

struct virtio_blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};
_Static_assert(sizeof(struct virtio_blk_req_hdr) == 16, "blk req header");

struct virtio_blk_config {
	uint64_t capacity;
	uint32_t size_max;
	uint32_t seg_max;
	uint16_t cylinders;
	uint8_t heads, sectors;
	uint32_t blk_size;
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_blk_config) == 24, "blk config");

struct blk {
	int fd;
	bool readonly;
	uint64_t size;		/* bytes, a whole number of sectors */
	char id[BLK_ID_BYTES];
	struct iovec iov[VIRTQ_MAX_SIZE];
};

/* Full transfer or -EIO: a short read of an image we sized is an error. */
static int blk_rw(struct blk *b, const struct iovec *iov, unsigned int n,
		  size_t skip, uint64_t off, uint64_t len, bool write)
{
	struct iovec *v = b->iov;
	unsigned int k;
	ssize_t r;

	k = iov_slice(iov, n, skip, len, v, VIRTQ_MAX_SIZE);
	while (len) {
		r = write ? pwritev(b->fd, v, (int)k, (off_t)off)
			  : preadv(b->fd, v, (int)k, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -EIO;
		off += (uint64_t)r;
		len -= (uint64_t)r;
		/* Step over what was transferred. */
		while (k && (size_t)r >= v->iov_len) {
			r -= (ssize_t)v->iov_len;
			v++;
			k--;
		}
		if (k) {
			v->iov_base = (uint8_t *)v->iov_base + r;
			v->iov_len -= (size_t)r;
		}
	}
	return 0;
}

/* In range: [sector, sector + len) inside the image, no overflow. */
static bool blk_in_range(const struct blk *b, uint64_t sector, uint64_t len)
{
	if (len % BLK_SECTOR || sector > b->size / BLK_SECTOR)
		return false;
	return len <= b->size - sector * BLK_SECTOR;
}

static uint32_t blk_request(struct virtio_dev *vdev, struct virtq *vq,
			    struct virtq_chain *c, uint8_t *status)
{
	struct blk *b = vdev->priv;
	struct virtio_blk_req_hdr h;
	uint64_t data_len = c->in_len - 1;	/* in_len >= 1 checked */
	uint64_t out_data = c->out_len - sizeof(h);
	size_t n;

	iov_to_buf(c->out, c->nr_out, 0, &h, sizeof(h));
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
		if (!blk_in_range(b, h.sector, data_len) ||
		    blk_rw(b, c->in, c->nr_in, 0, h.sector * BLK_SECTOR,
			   data_len, false)) {
			*status = VIRTIO_BLK_S_IOERR;
			return 1;
		}
		*status = VIRTIO_BLK_S_OK;
		return (uint32_t)data_len + 1;
	case VIRTIO_BLK_T_OUT:
		if (b->readonly || !blk_in_range(b, h.sector, out_data)) {
			*status = VIRTIO_BLK_S_IOERR;
			return 1;
		}
		/* The data follows the header in the readable bytes. */
		*status = blk_rw(b, c->out, c->nr_out, sizeof(h),
				 h.sector * BLK_SECTOR, out_data, true) ?
			  VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
		return 1;
	case VIRTIO_BLK_T_FLUSH:
		*status = fdatasync(b->fd) ? VIRTIO_BLK_S_IOERR :
					     VIRTIO_BLK_S_OK;
		return 1;
	case VIRTIO_BLK_T_GET_ID:
		n = data_len < BLK_ID_BYTES ? data_len : BLK_ID_BYTES;
		iov_from_buf(c->in, c->nr_in, 0, b->id, n);
		*status = VIRTIO_BLK_S_OK;
		return (uint32_t)n + 1;
	default:
		*status = VIRTIO_BLK_S_UNSUPP;
		return 1;
	}
}

static void blk_queue_notify(struct virtio_dev *vdev, struct virtq *vq)
{
	struct virtq_chain c;
	uint32_t written;
	uint8_t status;
	int ret;

	do {
		while ((ret = virtq_pop(vq, &c)) > 0) {
			if (c.out_len < sizeof(struct virtio_blk_req_hdr) ||
			    c.in_len < 1) {
				virtio_dev_fail(vdev, "request without %s",
						c.in_len ? "a header" :
						"a writable status byte");
				ret = -EIO;
				break;
			}
			written = blk_request(vdev, vq, &c, &status);
			/* The status is the last device-writable byte. */
			iov_from_buf(c.in, c.nr_in, c.in_len - 1, &status, 1);
			virtq_push(vq, &c, written);
		}
	} while (ret == 0 && virtq_settle(vq));
	virtq_signal(vq);
}

static void blk_destroy(struct virtio_dev *vdev)
{
	struct blk *b = vdev->priv;

	if (!b)
		return;
	if (b->fd >= 0)
		close(b->fd);
	free(b);
	vdev->priv = NULL;
}

static int blk_create(struct virtio_dev *vdev,
		      const struct virtio_dev_args *args, char *err,
		      size_t err_len)
{
	struct virtio_blk_config *cfg;
	const char *base;
	struct stat st;
	struct blk *b;
	int ret;

	if (!args->path) {
		snprintf(err, err_len, "virtio-blk: no image file given");
		return -EINVAL;
	}
	b = calloc(1, sizeof(*b));
	cfg = calloc(1, sizeof(*cfg));
	if (!b || !cfg) {
		free(b);
		free(cfg);
		return -ENOMEM;
	}
	vdev->priv = b;
	vdev->config = (uint8_t *)cfg;
	vdev->config_size = sizeof(*cfg);
	b->readonly = args->readonly;
	b->fd = open(args->path, (b->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (b->fd < 0 || fstat(b->fd, &st) < 0) {
		ret = -errno;
		snprintf(err, err_len, "virtio-blk: %s: %s", args->path,
			 strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		snprintf(err, err_len, "virtio-blk: %s: not a file", args->path);
		ret = -EINVAL;
		goto fail;
	}
	/* A trailing partial sector is not addressable. */
	b->size = (uint64_t)st.st_size / BLK_SECTOR * BLK_SECTOR;
	base = strrchr(args->path, '/');
	base = args->serial ? args->serial : base ? base + 1 : args->path;
	/* 5.2.6: up to 20 bytes, NUL-padded, not necessarily NUL-ended. */
	memcpy(b->id, base, strnlen(base, BLK_ID_BYTES));

	vdev->nr_queues = 1;
	vdev->queue_max = BLK_QUEUE_MAX;
	vdev->host_features = BIT_ULL(VIRTIO_BLK_F_SIZE_MAX) |
			      BIT_ULL(VIRTIO_BLK_F_SEG_MAX) |
			      BIT_ULL(VIRTIO_BLK_F_BLK_SIZE) |
			      BIT_ULL(VIRTIO_BLK_F_FLUSH) |
			      (b->readonly ? BIT_ULL(VIRTIO_BLK_F_RO) : 0);
	cfg->capacity = b->size / BLK_SECTOR;
	cfg->size_max = BLK_SIZE_MAX;
	/* Header and status take two descriptors of a full-size chain. */
	cfg->seg_max = BLK_QUEUE_MAX - 2;
	cfg->blk_size = BLK_SECTOR;
	return 0;
fail:
	blk_destroy(vdev);
	free(vdev->config);
	vdev->config = NULL;
	return ret;
}

const struct virtio_dev_type virtio_blk_type = {
	.name = "virtio-blk",
	.device_id = 2,
	.pci_class = 0x018000,
	.create = blk_create,
	.destroy = blk_destroy,
	.queue_notify = blk_queue_notify,
};
