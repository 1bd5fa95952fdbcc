// SPDX-License-Identifier: GPL-2.0
/*
 * virtqueue.c - split virtqueues (virtio 1.x 2.7): chain walking with
 * validation of every guest-controlled value, used-ring updates, event-idx
 * notification suppression, and the device failure path.
 *
 * Threads: called with virtio_dev.lock held, on the event-loop thread
 * (or the vCPU thread for virtq_map() at queue enable).  The guest runs
 * concurrently on other CPUs, so each descriptor is copied once and only
 * the copy is validated and used (no double fetch), and ring indexes are
 * read and written with acquire/release ordering.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "virtio/virtio.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "virtio 1.x rings are little endian; so is this host code");

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void virtio_dev_fail(struct virtio_dev *vdev, const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	uint64_t t;

	if (vdev->broken)
		return;
	vdev->broken = true;
	vdev->status |= VIRTIO_STATUS_NEEDS_RESET;

	/*
	 * One line per failure, but a guest that resets and breaks the
	 * device in a loop must not flood the log: at most one a second.
	 */
	t = now_ns();
	if (!vdev->last_log_ns || t - vdev->last_log_ns >= 1000000000ull) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		if (vdev->log_suppressed)
			log_msg(vdev->log, LOG_LEVEL_WARN, vdev->type->name,
				"%s: driver error: %s; device needs reset (%u similar messages suppressed)",
				vdev->name, msg, vdev->log_suppressed);
		else
			log_msg(vdev->log, LOG_LEVEL_WARN, vdev->type->name,
				"%s: driver error: %s; device needs reset",
				vdev->name, msg);
		vdev->last_log_ns = t;
		vdev->log_suppressed = 0;
	} else {
		vdev->log_suppressed++;
	}
	if (vdev->transport && vdev->transport->notify_config)
		vdev->transport->notify_config(vdev);
}

bool virtio_dev_ready(struct virtio_dev *vdev)
{
	const uint8_t need = VIRTIO_STATUS_DRIVER_OK |
			     VIRTIO_STATUS_FEATURES_OK;

	if (vdev->broken || (vdev->status & need) != need ||
	    (vdev->status & VIRTIO_STATUS_FAILED))
		return false;
	return !vdev->transport->dma_allowed ||
	       vdev->transport->dma_allowed(vdev);
}

/* ------------------------------------------------------------- rings */

static void *gmem(struct virtio_dev *vdev, uint64_t gpa, uint64_t len,
		  bool write)
{
	return vdev->mem->translate(vdev->mem_opaque, gpa, len, write);
}

bool virtq_map(struct virtq *vq)
{
	struct virtio_dev *vdev = vq->vdev;
	uint64_t n = vq->size;

	if (!vq->size || (vq->size & (vq->size - 1)) ||
	    vq->size > vq->max_size) {
		virtio_dev_fail(vdev, "queue %u: size %u is not a power of two <= %u",
				vq->index, vq->size, vq->max_size);
		return false;
	}
	if ((vq->desc_gpa & 15) || (vq->avail_gpa & 1) || (vq->used_gpa & 3)) {
		virtio_dev_fail(vdev, "queue %u: misaligned ring address", vq->index);
		return false;
	}
	vq->desc = gmem(vdev, vq->desc_gpa, 16 * n, false);
	vq->avail = gmem(vdev, vq->avail_gpa, 6 + 2 * n, false);
	vq->used = gmem(vdev, vq->used_gpa, 6 + 8 * n, true);
	if (!vq->desc || !vq->avail || !vq->used) {
		virtio_dev_fail(vdev, "queue %u: ring outside shared guest RAM (desc %#llx avail %#llx used %#llx)",
				vq->index, (unsigned long long)vq->desc_gpa,
				(unsigned long long)vq->avail_gpa,
				(unsigned long long)vq->used_gpa);
		vq->desc = NULL;
		vq->avail = NULL;
		vq->used = NULL;
		return false;
	}
	return true;
}

bool virtq_ready(struct virtq *vq)
{
	if (!vq->enabled || vq->vdev->broken)
		return false;
	/*
	 * Re-translate on every pass rather than trusting pointers taken at
	 * enable time: RAM behind the rings may have become private since.
	 */
	return virtq_map(vq);
}

void virtq_reset(struct virtq *vq)
{
	vq->size = vq->max_size;
	vq->msix_vector = VIRTIO_NO_VECTOR;
	vq->enabled = false;
	vq->kick_pending = false;
	vq->desc_gpa = vq->avail_gpa = vq->used_gpa = 0;
	vq->last_avail = vq->used_idx = 0;
	vq->signalled_used = 0;
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
}

static uint16_t avail_idx(const struct virtq *vq)
{
	return __atomic_load_n(&vq->avail[1], __ATOMIC_ACQUIRE);
}

static uint16_t *used_idx_ptr(const struct virtq *vq)
{
	return (uint16_t *)(vq->used + 2);
}

static uint16_t *avail_event_ptr(const struct virtq *vq)
{
	return (uint16_t *)(vq->used + 4 + 8 * (size_t)vq->size);
}

/*
 * Walk the chain at @head.  Chains may be direct descriptors followed by
 * at most one indirect descriptor (virtio 1.x 2.7.5.3.2); an indirect
 * table may not contain another one.  Loops are caught by counting: a
 * table of N entries cannot hold a chain of more than N descriptors.
 */
static int chain_walk(struct virtq *vq, uint16_t head, struct virtq_chain *c)
{
	struct virtio_dev *vdev = vq->vdev;
	const struct virtq_desc *table = vq->desc;
	unsigned int table_len = vq->size, steps = 0, n = 0;
	bool indirect = false;
	uint64_t total = 0;
	uint16_t idx = head;
	struct virtq_desc d;
	unsigned int nr_in = 0;

	for (;;) {
		if (++steps > table_len) {
			virtio_dev_fail(vdev, "queue %u: descriptor chain at %u loops or exceeds %u entries",
					vq->index, head, table_len);
			return -EIO;
		}
		memcpy(&d, &table[idx], sizeof(d));

		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			if (!virtio_has_feature(vdev, VIRTIO_F_INDIRECT_DESC) ||
			    indirect || (d.flags & VIRTQ_DESC_F_NEXT)) {
				virtio_dev_fail(vdev, "queue %u: %s indirect descriptor in chain %u",
						vq->index,
						indirect ? "nested" : "invalid",
						head);
				return -EIO;
			}
			if (!d.len || (d.len & 15) ||
			    d.len / 16 > VIRTQ_MAX_SIZE) {
				virtio_dev_fail(vdev, "queue %u: indirect table length %u invalid",
						vq->index, d.len);
				return -EIO;
			}
			table = gmem(vdev, d.addr, d.len, false);
			if (!table) {
				virtio_dev_fail(vdev, "queue %u: indirect table %#llx+%u outside shared guest RAM",
						vq->index,
						(unsigned long long)d.addr, d.len);
				return -EIO;
			}
			table_len = d.len / 16;
			indirect = true;
			steps = 0;
			idx = 0;
			continue;
		}

		total += d.len;
		if (total > VIRTQ_MAX_CHAIN_BYTES) {
			virtio_dev_fail(vdev, "queue %u: chain %u describes more than %u bytes",
					vq->index, head, VIRTQ_MAX_CHAIN_BYTES);
			return -EIO;
		}
		if (d.flags & VIRTQ_DESC_F_WRITE) {
			nr_in++;
		} else if (nr_in) {
			/* 2.7.4.2: device-writable buffers come last. */
			virtio_dev_fail(vdev, "queue %u: readable descriptor after writable one in chain %u",
					vq->index, head);
			return -EIO;
		}
		if (d.len) {
			void *p;

			if (n >= VIRTQ_MAX_SIZE) {
				virtio_dev_fail(vdev, "queue %u: chain %u has too many segments",
						vq->index, head);
				return -EIO;
			}
			p = gmem(vdev, d.addr, d.len,
				 d.flags & VIRTQ_DESC_F_WRITE);
			if (!p) {
				virtio_dev_fail(vdev, "queue %u: buffer %#llx+%u outside shared guest RAM",
						vq->index,
						(unsigned long long)d.addr, d.len);
				return -EIO;
			}
			vq->iov[n].iov_base = p;
			vq->iov[n].iov_len = d.len;
			n++;
			if (d.flags & VIRTQ_DESC_F_WRITE) {
				c->nr_in++;
				c->in_len += d.len;
			} else {
				c->nr_out++;
				c->out_len += d.len;
			}
		}
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		idx = d.next;
		if (idx >= table_len) {
			virtio_dev_fail(vdev, "queue %u: next index %u out of range in chain %u",
					vq->index, idx, head);
			return -EIO;
		}
	}
	return 0;
}

int virtq_pop(struct virtq *vq, struct virtq_chain *c)
{
	struct virtio_dev *vdev = vq->vdev;
	uint16_t idx, pending, head;

	if (vdev->broken || !vq->avail)
		return -EIO;
	idx = avail_idx(vq);
	pending = (uint16_t)(idx - vq->last_avail);
	if (!pending)
		return 0;
	if (pending > vq->size) {
		virtio_dev_fail(vdev, "queue %u: avail index %u is %u ahead of %u (size %u)",
				vq->index, idx, pending, vq->last_avail,
				vq->size);
		return -EIO;
	}
	head = __atomic_load_n(&vq->avail[2 + (vq->last_avail & (vq->size - 1))],
			       __ATOMIC_RELAXED);
	if (head >= vq->size) {
		virtio_dev_fail(vdev, "queue %u: avail ring entry %u out of range",
				vq->index, head);
		return -EIO;
	}
	memset(c, 0, sizeof(*c));
	c->head = head;
	if (chain_walk(vq, head, c))
		return -EIO;
	c->out = vq->iov;
	c->in = vq->iov + c->nr_out;
	vq->last_avail++;
	return 1;
}

void virtq_unpop(struct virtq *vq)
{
	vq->last_avail--;
}

/*
 * Full barrier (store then load) between our ring accesses and the
 * driver's.  ThreadSanitizer does not model standalone fences, so under
 * TSan take a seq_cst read-modify-write of a private word instead: on x86
 * both are the same locked instruction, so the ordering is unchanged.
 */
static inline void virtq_mb(struct virtq *vq)
{
#ifdef __SANITIZE_THREAD__
	__atomic_fetch_add(&vq->mb_word, 0, __ATOMIC_SEQ_CST);
#else
	(void)vq;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

void virtq_push(struct virtq *vq, const struct virtq_chain *c,
		uint32_t written)
{
	struct virtq_used_elem e;
	uint8_t *slot;

	if (vq->vdev->broken || !vq->used)
		return;
	e.id = c->head;
	e.len = written > c->in_len ? (uint32_t)c->in_len : written;
	slot = vq->used + 4 + 8 * (size_t)(vq->used_idx & (vq->size - 1));
	memcpy(slot, &e, sizeof(e));
	vq->used_idx++;
	/* The element must be visible before the index that publishes it. */
	__atomic_store_n(used_idx_ptr(vq), vq->used_idx, __ATOMIC_RELEASE);
}

bool virtq_settle(struct virtq *vq)
{
	if (vq->vdev->broken || !vq->avail)
		return false;
	if (!virtio_has_feature(vq->vdev, VIRTIO_F_EVENT_IDX))
		return false;
	__atomic_store_n(avail_event_ptr(vq), vq->last_avail, __ATOMIC_RELAXED);
	/*
	 * Store avail_event, then load avail idx: a full barrier, or the
	 * driver may miss our new event index while we miss its new buffer
	 * and both sides wait forever.
	 */
	virtq_mb(vq);
	return avail_idx(vq) != vq->last_avail;
}

/*
 * A driver that takes one used buffer per interrupt (Linux's
 * virtio_console receiveq) stalls if a second one is used before it
 * fetched the first: used_event has not moved, so that one raises no
 * interrupt, and no later one does either.  Such a device waits here
 * until the driver caught up; Linux rewrites used_event on each fetch and
 * posts the buffer again once read, which notifies us (avail_event is set
 * to the driver's current avail index first, then used_event re-read).
 */
bool virtq_used_unfetched(struct virtq *vq)
{
	uint16_t *used_event;

	if (vq->vdev->broken || !vq->avail ||
	    !virtio_has_feature(vq->vdev, VIRTIO_F_EVENT_IDX))
		return false;
	used_event = &vq->avail[2 + vq->size];
	if (__atomic_load_n(used_event, __ATOMIC_ACQUIRE) == vq->used_idx)
		return false;
	__atomic_store_n(avail_event_ptr(vq), avail_idx(vq), __ATOMIC_RELAXED);
	/* Store avail_event, then load used_event: as in virtq_settle. */
	virtq_mb(vq);
	return __atomic_load_n(used_event, __ATOMIC_ACQUIRE) != vq->used_idx;
}

void virtq_signal(struct virtq *vq)
{
	struct virtio_dev *vdev = vq->vdev;
	uint16_t old = vq->signalled_used, new = vq->used_idx, event;
	bool notify;

	if (vdev->broken || !vq->avail || new == old)
		return;
	/* Used idx store, then flags/used_event load: same pairing as above. */
	virtq_mb(vq);
	if (virtio_has_feature(vdev, VIRTIO_F_EVENT_IDX)) {
		event = __atomic_load_n(&vq->avail[2 + vq->size],
					__ATOMIC_RELAXED);
		/* Did used idx step over used_event since the last signal? */
		notify = (uint16_t)(new - event - 1) < (uint16_t)(new - old);
	} else {
		notify = !(__atomic_load_n(&vq->avail[0], __ATOMIC_RELAXED) &
			   VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
	vq->signalled_used = new;
	if (notify && vdev->transport->notify_queue)
		vdev->transport->notify_queue(vdev, vq);
}

/* ----------------------------------------------------------- iovecs */

static size_t iov_copy(const struct iovec *iov, unsigned int n, size_t skip,
		       void *buf, size_t len, bool to_iov)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < n && done < len; i++) {
		size_t seg = iov[i].iov_len, k;

		if (skip >= seg) {
			skip -= seg;
			continue;
		}
		k = seg - skip;
		if (k > len - done)
			k = len - done;
		if (to_iov)
			memcpy((uint8_t *)iov[i].iov_base + skip,
			       (const uint8_t *)buf + done, k);
		else
			memcpy((uint8_t *)buf + done,
			       (const uint8_t *)iov[i].iov_base + skip, k);
		done += k;
		skip = 0;
	}
	return done;
}

size_t iov_to_buf(const struct iovec *iov, unsigned int n, size_t skip,
		  void *buf, size_t len)
{
	return iov_copy(iov, n, skip, buf, len, false);
}

size_t iov_from_buf(const struct iovec *iov, unsigned int n, size_t skip,
		    const void *buf, size_t len)
{
	return iov_copy(iov, n, skip, (void *)buf, len, true);
}

unsigned int iov_slice(const struct iovec *iov, unsigned int n, size_t skip,
		       size_t len, struct iovec *out, unsigned int out_max)
{
	unsigned int i, k = 0;

	for (i = 0; i < n && len && k < out_max; i++) {
		size_t seg = iov[i].iov_len, take;

		if (skip >= seg) {
			skip -= seg;
			continue;
		}
		take = seg - skip;
		if (take > len)
			take = len;
		out[k].iov_base = (uint8_t *)iov[i].iov_base + skip;
		out[k].iov_len = take;
		k++;
		len -= take;
		skip = 0;
	}
	return k;
}
