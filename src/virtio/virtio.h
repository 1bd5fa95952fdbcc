/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio.h - virtio 1.x core shared by the transport (virtio_pci.c) and the
 * device models (blk.c, rng.c, console.c, net.c): feature and status bits,
 * split virtqueues with descriptor-chain validation, and the device type
 * interface.  The VMM-facing API is in virtio_pci.h.
 *
 * Threads: a device's queues are processed on the event-loop thread;
 * transport registers are accessed from vCPU threads.  Both hold
 * virtio_dev.lock, so device models never see concurrent calls.  The only
 * lock-free path is a queue notification, which just signals an eventfd.
 *
 * Everything read from guest memory is untrusted.  A driver that breaks
 * the ring protocol puts the device into NEEDS_RESET (virtio_dev_fail()):
 * the device stops touching guest memory until the driver resets it.
 */
#ifndef CVISOR_VIRTIO_VIRTIO_H
#define CVISOR_VIRTIO_VIRTIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "lib/log.h"

/* Device status (virtio 1.x 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE	0x01
#define VIRTIO_STATUS_DRIVER		0x02
#define VIRTIO_STATUS_DRIVER_OK		0x04
#define VIRTIO_STATUS_FEATURES_OK	0x08
#define VIRTIO_STATUS_NEEDS_RESET	0x40
#define VIRTIO_STATUS_FAILED		0x80

/* Transport-level feature bits (virtio 1.x 6). */
#define VIRTIO_F_INDIRECT_DESC		28
#define VIRTIO_F_EVENT_IDX		29
#define VIRTIO_F_VERSION_1		32

#define VIRTQ_DESC_F_NEXT		1
#define VIRTQ_DESC_F_WRITE		2
#define VIRTQ_DESC_F_INDIRECT		4
#define VIRTQ_AVAIL_F_NO_INTERRUPT	1

#define VIRTIO_NO_VECTOR		0xffff

/* Longest chain the device accepts: also its iovec capacity. */
#define VIRTQ_MAX_SIZE			1024
/* Bytes one chain may describe: bounds work done per request. */
#define VIRTQ_MAX_CHAIN_BYTES		(256u << 20)

#define BIT_ULL(n)			(1ull << (n))

/* Guest RAM for DMA: NULL unless [gpa, gpa + len) is entirely plain RAM. */
struct guest_mem_ops {
	void *(*translate)(void *opaque, uint64_t gpa, uint64_t len,
			   bool write);
};

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc layout");

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem layout");

struct virtio_dev;

struct virtq {
	struct virtio_dev *vdev;
	unsigned int index;
	uint16_t max_size;
	/* Programmed by the driver through the transport. */
	uint16_t size;
	uint16_t msix_vector;
	bool enabled;
	bool kick_pending;	/* kicked before DRIVER_OK: replay then */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	/* Device side of the ring. */
	uint16_t last_avail;
	uint16_t used_idx;
	uint32_t mb_word;	/* target of virtq_mb() under TSan only */
	uint16_t signalled_used;	/* used idx at the last interrupt */
	/* Host views of the rings, valid while a processing pass runs. */
	struct virtq_desc *desc;
	uint16_t *avail;	/* flags, idx, ring[size], used_event */
	uint8_t *used;		/* flags, idx, ring[size], avail_event */
	struct iovec *iov;	/* VIRTQ_MAX_SIZE entries */
	int kick_fd;		/* eventfd: notifications (ioeventfd or MMIO) */
};

/* A popped descriptor chain: device-readable segments, then writable ones. */
struct virtq_chain {
	uint16_t head;
	unsigned int nr_out, nr_in;
	struct iovec *out, *in;
	uint64_t out_len, in_len;
};

struct virtio_dev_args {
	const char *path;	/* blk: image file */
	bool readonly;		/* blk */
	const char *serial;	/* blk: GET_ID string (default: file name) */
	const char *tap;	/* net: tap interface name, or NULL */
	int tap_fd;		/* net: already-open tap fd (-1: none), owned */
	const uint8_t *mac;	/* net: 6 bytes, NULL for a fixed local MAC */
	/* console: host side of the port; both called on the event loop. */
	void *cons_opaque;
	ssize_t (*cons_write)(void *opaque, const void *buf, size_t len);
	/* Non-blocking: returns bytes read, 0 if nothing is waiting. */
	ssize_t (*cons_read)(void *opaque, void *buf, size_t len);
	/* Where the device's messages go; NULL: nowhere.  Must outlive it. */
	const struct log_sink *log;
};

/* A device model: one file, one line in devices.c. */
struct virtio_dev_type {
	const char *name;	/* "virtio-blk" */
	uint16_t device_id;	/* virtio device ID */
	uint32_t pci_class;
	/*
	 * Fill vdev: nr_queues, queue_max, features, config/config_size,
	 * priv.  Called once before the device is visible.
	 */
	int (*create)(struct virtio_dev *vdev,
		      const struct virtio_dev_args *args, char *err,
		      size_t err_len);
	void (*destroy)(struct virtio_dev *vdev);
	/* The driver notified @vq: process it.  Lock held, device ready. */
	void (*queue_notify)(struct virtio_dev *vdev, struct virtq *vq);
	/* Host-side input is ready (tap readable, console input). */
	void (*host_event)(struct virtio_dev *vdev);
	/* Device reset: drop per-driver state.  Lock held. */
	void (*reset)(struct virtio_dev *vdev);
	/* A write to the device config window; NULL: config is read-only. */
	void (*config_write)(struct virtio_dev *vdev, uint32_t off,
			     const uint8_t *data, unsigned int len);
	/* fd the VMM should watch and report via virtio_pci_host_event(). */
	int (*host_fd)(struct virtio_dev *vdev);
};

/* What the device core needs from its transport. */
struct virtio_transport_ops {
	void (*notify_queue)(struct virtio_dev *vdev, struct virtq *vq);
	void (*notify_config)(struct virtio_dev *vdev);
	bool (*dma_allowed)(struct virtio_dev *vdev);
};

struct virtio_dev {
	pthread_mutex_t lock;
	const struct virtio_dev_type *type;
	const struct virtio_transport_ops *transport;
	void *priv;
	char name[48];		/* for messages: "virtio-blk 00:02.0" */
	const struct guest_mem_ops *mem;
	void *mem_opaque;
	const struct log_sink *log;	/* virtio_dev_args.log */

	uint64_t host_features;
	uint64_t driver_features;
	uint8_t status;
	uint8_t config_generation;
	bool broken;		/* NEEDS_RESET: no further guest memory access */
	uint64_t last_log_ns;
	unsigned int log_suppressed;

	unsigned int nr_queues;
	uint16_t queue_max;
	struct virtq *vqs;

	uint8_t *config;	/* device-specific config, little endian */
	uint32_t config_size;
};

static inline bool virtio_has_feature(const struct virtio_dev *vdev,
				      unsigned int bit)
{
	return vdev->driver_features & BIT_ULL(bit);
}

/*
 * The driver broke the protocol: set NEEDS_RESET, signal a config change,
 * log one line (rate-limited) and stop processing until reset.
 */
void virtio_dev_fail(struct virtio_dev *vdev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* True if queues may be processed now (DRIVER_OK, not broken, DMA on). */
bool virtio_dev_ready(struct virtio_dev *vdev);

/* --------------------------------------------------------- virtqueues */

/* Validate and translate the rings of an enabled queue; false = failed. */
bool virtq_map(struct virtq *vq);
/* Enabled and its rings still map to RAM (else the device failed)? */
bool virtq_ready(struct virtq *vq);
/* Reset the device side of a queue (driver reset). */
void virtq_reset(struct virtq *vq);

/*
 * Take the next available chain.  Returns 1 with @c filled, 0 if the ring
 * is empty, -EIO if the device failed (now or earlier).
 */
int virtq_pop(struct virtq *vq, struct virtq_chain *c);
/* Give the last popped chain back (nothing was done with it). */
void virtq_unpop(struct virtq *vq);
/* Return a chain to the driver with @written bytes in its in-segments. */
void virtq_push(struct virtq *vq, const struct virtq_chain *c,
		uint32_t written);
/*
 * After the ring looked empty: with EVENT_IDX publish avail_event, then
 * re-check.  Returns true if more buffers arrived meanwhile.
 */
bool virtq_settle(struct virtq *vq);
/* Interrupt the driver if it wants one for what was pushed. */
void virtq_signal(struct virtq *vq);
/*
 * With VIRTIO_F_EVENT_IDX: true while the driver has not fetched every
 * used buffer (its used_event lags the used index); the driver's next
 * available buffer then notifies the device.
 */
bool virtq_used_unfetched(struct virtq *vq);

/* iovec helpers: copy between a flat buffer and a segment list. */
size_t iov_to_buf(const struct iovec *iov, unsigned int n, size_t skip,
		  void *buf, size_t len);
size_t iov_from_buf(const struct iovec *iov, unsigned int n, size_t skip,
		    const void *buf, size_t len);
/* Sub-list covering bytes [skip, skip + len); returns its length. */
unsigned int iov_slice(const struct iovec *iov, unsigned int n, size_t skip,
		       size_t len, struct iovec *out, unsigned int out_max);

/* Device types (devices.c). */
const struct virtio_dev_type *virtio_dev_type_find(const char *name);

extern const struct virtio_dev_type virtio_blk_type;
extern const struct virtio_dev_type virtio_rng_type;
extern const struct virtio_dev_type virtio_console_type;
extern const struct virtio_dev_type virtio_net_type;

#endif
