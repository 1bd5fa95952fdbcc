// SPDX-License-Identifier: GPL-2.0
/*
 * emulator.c - the device-model side of the ioreq protocol (seed-apis.md
 * section 5.4): set-up in QEMU's order, the synchronous slot handshake and
 * the buffered ring drain.  Requests are copied out of the shared page
 * before they are looked at, and validated before they reach a device.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "libdm/internal.h"

/* Repeated requests do bounded work: the VMM never sends more. */
#define EMU_MAX_COUNT		4096
#define EMU_MAX_PORTS		256

struct cvdm_emu {
	xendevicemodel_handle *dmod;
	xenforeignmemory_handle *fmem;
	xenevtchn_handle *xce;
	ioservid_t id;
	bool have_id;
	unsigned int nr_vcpus;
	int bufmode;
	xenforeignmemory_resource_handle *res;
	struct buffered_iopage *buf;	/* NULL without buffering */
	struct ioreq *slots;
	/* Local port -> vCPU index, or EMU_BUF_PORT, or -1. */
	int port_vcpu[EMU_MAX_PORTS + 1];
	struct cvdm_guest_mem *gm;
	const struct cvdm_io_ops *ops;
	void *opaque;
};

#define EMU_BUF_PORT	(-2)

static uint64_t mask_of(unsigned int size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static bool size_ok(unsigned int size, unsigned int max)
{
	return (size == 1 || size == 2 || size == 4 || size == 8) &&
	       size <= max;
}

/* One element through guest memory (data_is_ptr). */
static int ptr_element(const struct cvdm_io_ops *ops, void *opaque,
		       struct cvdm_guest_mem *gm, uint8_t type, uint64_t addr,
		       uint64_t gpa, unsigned int size, bool is_write)
{
	uint64_t v = 0;
	uint8_t *p;

	if (!gm)
		return -EINVAL;
	p = cvdm_guest_ptr(gm, gpa, size);
	if (!p)
		return -EINVAL;
	if (is_write) {
		/* Guest memory -> device. */
		memcpy(&v, p, size);
		ops->io(opaque, type, addr, size, &v, 1);
	} else {
		ops->io(opaque, type, addr, size, &v, 0);
		memcpy(p, &v, size);
	}
	return 0;
}

int cvdm_ioreq_execute(const struct cvdm_io_ops *ops, void *opaque,
		       struct cvdm_guest_mem *gm, struct ioreq *req)
{
	bool is_write = !(req->flags & IOREQ_F_DIR_READ);
	bool ptr = req->flags & IOREQ_F_DATA_IS_PTR;
	bool df = req->flags & IOREQ_F_DF;
	unsigned int size = req->size, i;
	uint32_t count = req->count;
	uint64_t v;
	int ret;

	switch (req->type) {
	case IOREQ_TYPE_TIMEOFFSET:
		if (ops->timeoffset)
			ops->timeoffset(opaque, (int64_t)req->data);
		return 0;
	case IOREQ_TYPE_INVALIDATE:
		if (ops->invalidate)
			ops->invalidate(opaque);
		return 0;
	case IOREQ_TYPE_PIO:
		if (!size_ok(size, 4))
			return -EINVAL;
		break;
	case IOREQ_TYPE_COPY:
		if (!size_ok(size, 8))
			return -EINVAL;
		break;
	case IOREQ_TYPE_PCI_CONFIG:
		if (!size_ok(size, 4) || count != 1 || ptr)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (!count || count > EMU_MAX_COUNT)
		return -EINVAL;
	if (!ptr) {
		/* A value: one access (repeated writes of the same value). */
		for (i = 0; i < count; i++) {
			uint64_t step = (uint64_t)i * size;
			uint64_t addr = req->type != IOREQ_TYPE_COPY ? req->addr :
					df ? req->addr - step : req->addr + step;

			v = is_write ? req->data & mask_of(size) : 0;
			ops->io(opaque, req->type, addr, size, &v, is_write);
			if (!is_write)
				req->data = v & mask_of(size);
		}
		return 0;
	}
	for (i = 0; i < count; i++) {
		uint64_t step = (uint64_t)i * size;
		uint64_t addr = req->type != IOREQ_TYPE_COPY ? req->addr :
				df ? req->addr - step : req->addr + step;
		uint64_t gpa = df ? req->data - step : req->data + step;

		ret = ptr_element(ops, opaque, gm, req->type, addr, gpa, size,
				  is_write);
		if (ret)
			return ret;
	}
	return 0;
}

int cvdm_buf_drain(const struct cvdm_io_ops *ops, void *opaque,
		   struct buffered_iopage *pg)
{
	uint32_t rp, wp;

	for (;;) {
		rp = __atomic_load_n(&pg->read_pointer, __ATOMIC_ACQUIRE);
		wp = __atomic_load_n(&pg->write_pointer, __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&pg->read_pointer, __ATOMIC_ACQUIRE) != rp)
			continue;
		if (rp == wp)
			return 0;
		if (wp - rp > IOREQ_BUFFER_SLOT_NUM)
			return -EPROTO;
		while (rp != wp) {
			struct buf_ioreq b = pg->buf_ioreq[rp % IOREQ_BUFFER_SLOT_NUM];
			unsigned int size = 1u << ((b.flags & BUF_IOREQ_SIZE_MASK) >>
						   BUF_IOREQ_SIZE_SHIFT);
			uint64_t data = b.data;
			uint32_t n = 1;

			if (size == 8) {
				/* The high dword is the next slot. */
				if (rp + 1 == wp)
					return -EPROTO;
				data |= (uint64_t)pg->buf_ioreq[(rp + 1) %
					IOREQ_BUFFER_SLOT_NUM].data << 32;
				n = 2;
			}
			switch (b.type) {
			case IOREQ_TYPE_TIMEOFFSET:
				if (ops->timeoffset)
					ops->timeoffset(opaque, (int64_t)data);
				break;
			case IOREQ_TYPE_PIO:
				if (size > 4)
					return -EPROTO;
				/* fall through */
			case IOREQ_TYPE_COPY:
				ops->io(opaque, b.type, buf_ioreq_addr(&b),
					size, &data, 1);
				break;
			default:
				return -EPROTO;
			}
			/* ATOMIC mode: the VMM may rebase both pointers. */
			__atomic_fetch_add(&pg->read_pointer, n,
					   __ATOMIC_ACQ_REL);
			rp += n;
		}
	}
}

static int emu_sync(struct cvdm_emu *e, unsigned int vcpu)
{
	struct ioreq *slot = &e->slots[vcpu];
	struct ioreq req;
	uint8_t flags;
	int ret;

	flags = __atomic_load_n(&slot->flags, __ATOMIC_ACQUIRE);
	if ((flags & IOREQ_F_STATE_MASK) != STATE_IOREQ_READY)
		return 0;
	memcpy(&req, slot, sizeof(req));
	req.flags = flags;
	__atomic_store_n(&slot->flags,
			 (uint8_t)((flags & ~IOREQ_F_STATE_MASK) |
				   STATE_IOREQ_INPROCESS), __ATOMIC_RELEASE);
	/* Buffered writes logically precede this request. */
	if (e->buf && cvdm_buf_drain(e->ops, e->opaque, e->buf))
		return -EPROTO;
	ret = cvdm_ioreq_execute(e->ops, e->opaque, e->gm, &req);
	if (ret) {
		/* A request we cannot run still gets an answer: all-ones. */
		req.data = ~0ull;
	}
	flags = __atomic_load_n(&slot->flags, __ATOMIC_ACQUIRE);
	if ((flags & IOREQ_F_STATE_MASK) != STATE_IOREQ_INPROCESS)
		return -EPROTO;
	__atomic_store_n(&slot->data, req.data, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->flags,
			 (uint8_t)((flags & ~IOREQ_F_STATE_MASK) |
				   STATE_IORESP_READY), __ATOMIC_RELEASE);
	return 0;
}

int cvdm_emu_process(struct cvdm_emu *e)
{
	evtchn_port_or_error_t port;
	int who, ret = 0;

	while ((port = xenevtchn_pending(e->xce)) > 0) {
		xenevtchn_unmask(e->xce, (evtchn_port_t)port);
		who = port <= EMU_MAX_PORTS ? e->port_vcpu[port] : -1;
		if (who == EMU_BUF_PORT) {
			ret = cvdm_buf_drain(e->ops, e->opaque, e->buf);
		} else if (who >= 0) {
			ret = emu_sync(e, (unsigned int)who);
			if (!ret)
				xenevtchn_notify(e->xce, (evtchn_port_t)port);
		}
		if (ret) {
			errno = -ret;
			return -1;
		}
	}
	return 0;
}

static int emu_bind(struct cvdm_emu *e, evtchn_port_t remote, int who)
{
	evtchn_port_or_error_t p = xenevtchn_bind_interdomain(e->xce, 0,
							      remote);

	if (p < 0)
		return -1;
	if (p > EMU_MAX_PORTS) {
		errno = ENOSPC;
		return -1;
	}
	e->port_vcpu[p] = who;
	return 0;
}

struct cvdm_emu *cvdm_emu_create(int handle_bufioreq,
				 const struct cvdm_io_ops *ops, void *opaque)
{
	struct cvdm_emu *e = calloc(1, sizeof(*e));
	evtchn_port_t bufport = 0;
	unsigned int i;
	void *pages = NULL;
	int err;

	if (!e) {
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i <= EMU_MAX_PORTS; i++)
		e->port_vcpu[i] = -1;
	e->ops = ops;
	e->opaque = opaque;
	e->bufmode = handle_bufioreq;
	e->dmod = xendevicemodel_open(NULL, 0);
	e->fmem = xenforeignmemory_open(NULL, 0);
	e->xce = xenevtchn_open(NULL, 0);
	if (!e->dmod || !e->fmem || !e->xce)
		goto fail;
	if (xendevicemodel_nr_vcpus(e->dmod, 0, &e->nr_vcpus))
		goto fail;
	if (xendevicemodel_create_ioreq_server(e->dmod, 0, handle_bufioreq,
					       &e->id))
		goto fail;
	e->have_id = true;
	/* Frame 0 is the buffered page, frame 1 the slots. */
	if (handle_bufioreq) {
		e->res = xenforeignmemory_map_resource(e->fmem, 0,
				XENMEM_resource_ioreq_server, e->id, 0, 2,
				&pages, PROT_READ | PROT_WRITE, 0);
		if (!e->res)
			goto fail;
		e->buf = pages;
		e->slots = (struct ioreq *)((uint8_t *)pages + IOREQ_PAGE_SIZE);
	} else {
		e->res = xenforeignmemory_map_resource(e->fmem, 0,
				XENMEM_resource_ioreq_server, e->id, 1, 1,
				&pages, PROT_READ | PROT_WRITE, 0);
		if (!e->res)
			goto fail;
		e->slots = pages;
	}
	if (xendevicemodel_get_ioreq_server_info(e->dmod, 0, e->id, NULL, NULL,
						 &bufport))
		goto fail;
	/* vp_eport is only valid once the server is enabled. */
	if (xendevicemodel_set_ioreq_server_state(e->dmod, 0, e->id, 1))
		goto fail;
	for (i = 0; i < e->nr_vcpus; i++)
		if (emu_bind(e, e->slots[i].vp_eport, (int)i))
			goto fail;
	if (handle_bufioreq && emu_bind(e, bufport, EMU_BUF_PORT))
		goto fail;
	/* Without guest RAM only data_is_ptr requests are refused. */
	e->gm = cvdm_map_guest_ram(e->fmem);
	return e;
fail:
	err = errno;
	cvdm_emu_destroy(e);
	errno = err;
	return NULL;
}

ioservid_t cvdm_emu_id(struct cvdm_emu *e)
{
	return e->id;
}

xendevicemodel_handle *cvdm_emu_dmod(struct cvdm_emu *e)
{
	return e->dmod;
}

int cvdm_emu_ctl_fd(struct cvdm_emu *e)
{
	return e->dmod->fd;
}

int cvdm_emu_fd(struct cvdm_emu *e)
{
	return xenevtchn_fd(e->xce);
}

struct cvdm_guest_mem *cvdm_emu_guest_mem(struct cvdm_emu *e)
{
	return e->gm;
}

void cvdm_emu_destroy(struct cvdm_emu *e)
{
	if (!e)
		return;
	if (e->have_id) {
		xendevicemodel_set_ioreq_server_state(e->dmod, 0, e->id, 0);
		xendevicemodel_destroy_ioreq_server(e->dmod, 0, e->id);
	}
	cvdm_unmap_guest_ram(e->gm);
	if (e->res)
		xenforeignmemory_unmap_resource(e->fmem, e->res);
	if (e->xce)
		xenevtchn_close(e->xce);
	if (e->fmem)
		xenforeignmemory_close(e->fmem);
	if (e->dmod)
		xendevicemodel_close(e->dmod);
	free(e);
}
