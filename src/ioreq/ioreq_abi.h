/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ioreq_abi.h - the bytes shared between the VMM (which plays Xen's part)
 * and an out-of-process device model: Xen's ioreq page layouts and DMOP
 * payloads (seed-apis.md section 5.2, byte for byte), plus cvisor's own
 * control-socket framing that carries them.
 *
 * Everything here is little-endian and fixed-size; the VMM treats every
 * byte that comes back from a device model as hostile.
 */
#ifndef CVISOR_IOREQ_ABI_H
#define CVISOR_IOREQ_ABI_H

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------ request types */
#define IOREQ_TYPE_PIO		0
#define IOREQ_TYPE_COPY		1	/* MMIO */
#define IOREQ_TYPE_PCI_CONFIG	2
#define IOREQ_TYPE_TIMEOFFSET	7
#define IOREQ_TYPE_INVALIDATE	8

#define IOREQ_READ		1
#define IOREQ_WRITE		0

#define STATE_IOREQ_NONE	0
#define STATE_IOREQ_READY	1
#define STATE_IOREQ_INPROCESS	2
#define STATE_IORESP_READY	3

/*
 * One synchronous slot per vCPU.  Byte 30 holds state (bits 0-3),
 * data_is_ptr (4), dir (5, 1 = read) and df (6); it is accessed as a whole
 * byte through the helpers below rather than as C bit-fields, so that the
 * state can be read and published with one atomic byte access.
 */
struct ioreq {
	uint64_t addr;		/* port, GPA, or SBDF << 32 | reg */
	uint64_t data;		/* value, or GPA of a buffer if data_is_ptr */
	uint32_t count;
	uint32_t size;
	uint32_t vp_eport;	/* this vCPU's event channel; valid once enabled */
	uint16_t _pad0;
	uint8_t flags;		/* state:4 data_is_ptr:1 dir:1 df:1 _pad1:1 */
	uint8_t type;
};

#define IOREQ_F_STATE_MASK	0x0f
#define IOREQ_F_DATA_IS_PTR	0x10
#define IOREQ_F_DIR_READ	0x20
#define IOREQ_F_DF		0x40

#define IOREQ_PAGE_SIZE		4096u
#define IOREQ_SLOTS_PER_PAGE	(IOREQ_PAGE_SIZE / sizeof(struct ioreq))

/* Buffered (fire-and-forget) writes: 8 bytes each. */
struct buf_ioreq {
	uint8_t type;
	uint8_t flags;		/* pad:1 dir:1 size:2 (0 => 1 byte .. 3 => 8) */
	uint16_t addr_hi;	/* with flags bits 4-7: addr:20, bits 12-31 */
	uint32_t data;		/* of the first little-endian dword */
};

#define BUF_IOREQ_F_DIR		0x02
#define BUF_IOREQ_SIZE_SHIFT	2
#define BUF_IOREQ_SIZE_MASK	0x0c

/* The 20-bit address lives in bits 12..31 of the first little-endian dword. */
static inline uint32_t buf_ioreq_addr(const struct buf_ioreq *b)
{
	uint32_t w = (uint32_t)b->type | (uint32_t)b->flags << 8 |
		     (uint32_t)b->addr_hi << 16;

	return w >> 12;
}

static inline void buf_ioreq_set(struct buf_ioreq *b, uint8_t type,
				 unsigned int size_log2, uint32_t addr,
				 uint32_t data)
{
	uint32_t w = type | (uint32_t)(size_log2 & 3) << 10 |
		     (addr & 0xfffffu) << 12;

	b->type = (uint8_t)w;
	b->flags = (uint8_t)(w >> 8);
	b->addr_hi = (uint16_t)(w >> 16);
	b->data = data;
}

#define IOREQ_BUFFER_SLOT_NUM	511

struct buffered_iopage {
	uint32_t read_pointer;	/* consumer: the device model */
	uint32_t write_pointer;	/* producer: the VMM; both free-running */
	struct buf_ioreq buf_ioreq[IOREQ_BUFFER_SLOT_NUM];
};

#define HVM_IOREQSRV_BUFIOREQ_OFF	0
#define HVM_IOREQSRV_BUFIOREQ_LEGACY	1
#define HVM_IOREQSRV_BUFIOREQ_ATOMIC	2

/* ----------------------------------------------------- DMOP payloads */
#define XEN_DMOP_create_ioreq_server		1
#define XEN_DMOP_get_ioreq_server_info		2
#define XEN_DMOP_map_io_range_to_ioreq_server	3
#define XEN_DMOP_unmap_io_range_from_ioreq_server 4
#define XEN_DMOP_set_ioreq_server_state		5
#define XEN_DMOP_destroy_ioreq_server		6
#define XEN_DMOP_set_pci_intx_level		8
#define XEN_DMOP_set_isa_irq_level		9
#define XEN_DMOP_modified_memory		11
#define XEN_DMOP_inject_msi			14
#define XEN_DMOP_remote_shutdown		16
#define XEN_DMOP_nr_vcpus			20

#define XEN_DMOP_no_gfns	(1u << 0)

#define XEN_DMOP_IO_RANGE_PORT	0
#define XEN_DMOP_IO_RANGE_MEMORY 1
#define XEN_DMOP_IO_RANGE_PCI	2

#define XEN_DMOP_PCI_SBDF(s, b, d, f) \
	((((s) & 0xffffu) << 16) | (((b) & 0xffu) << 8) | \
	 (((d) & 0x1fu) << 3) | ((f) & 7u))

typedef uint16_t ioservid_t;

struct xen_dm_op_create_ioreq_server {
	uint8_t handle_bufioreq;
	uint8_t pad[3];
	ioservid_t id;		/* OUT */
};

struct xen_dm_op_get_ioreq_server_info {
	ioservid_t id;
	uint16_t flags;
	uint32_t bufioreq_port;	/* OUT */
	uint64_t ioreq_gfn;	/* OUT */
	uint64_t bufioreq_gfn;	/* OUT */
};

struct xen_dm_op_ioreq_server_range {
	ioservid_t id;
	uint16_t pad;
	uint32_t type;
	uint64_t start, end;	/* inclusive */
};

struct xen_dm_op_set_ioreq_server_state {
	ioservid_t id;
	uint8_t enabled;
	uint8_t pad;
};

struct xen_dm_op_destroy_ioreq_server {
	ioservid_t id;
	uint16_t pad;
};

struct xen_dm_op_set_pci_intx_level {
	uint16_t domain;	/* PCI segment: 0 */
	uint8_t bus, device, intx;	/* bus 0, device 0-31, INTA-D = 0-3 */
	uint8_t level;		/* 0 deasserted, 1 asserted */
};

struct xen_dm_op_set_isa_irq_level {
	uint8_t isa_irq;
	uint8_t level;
};

struct xen_dm_op_inject_msi {
	uint32_t data;
	uint32_t pad;
	uint64_t addr;
};

/*
 * Xen passes an array of extents in a second buffer; one message carries
 * one extent here (libxendevicemodel's older single-range call).
 */
struct xen_dm_op_modified_memory {
	uint64_t first_pfn;
	uint32_t nr;
	uint32_t pad;
};

/* cvisor: @reason is the VMM's exit status (0: power-off). */
struct xen_dm_op_remote_shutdown {
	uint32_t reason;
};

struct xen_dm_op_nr_vcpus {
	uint32_t vcpus;		/* OUT */
};

#define XENMEM_acquire_resource			28
#define XENMEM_resource_ioreq_server		0
#define XENMEM_resource_ioreq_server_frame_bufioreq 0
#define XENMEM_resource_ioreq_server_frame_ioreq(n) (1 + (n))

struct xen_mem_acquire_resource {
	uint16_t domid;
	uint16_t type;
	uint32_t id;
	uint32_t nr_frames;	/* IN/OUT */
	uint32_t pad;		/* must be 0 (was the caller-owned OUT flag) */
	uint64_t frame;
	uint64_t frame_list;	/* unused over the socket: the fd carries them */
};

/* ------------------------------------------------ the control socket */
/*
 * A SOCK_SEQPACKET unix socket: one request, one response, each a single
 * fixed-size message.  Responses may carry file descriptors (SCM_RIGHTS):
 * the shared ioreq pages (a sealed memfd), event-channel eventfds, guest
 * RAM for DMA.  Requests never carry fds; any that arrive are closed.
 */
#define CVDM_PAYLOAD_MAX	48

/* DMOP ops keep Xen's numbers; cvisor's own ops live above 0x1000. */
#define CVDM_OP_ACQUIRE_RESOURCE	(0x1000 + XENMEM_acquire_resource)
#define CVDM_OP_EVTCHN_BIND		0x2001
#define CVDM_OP_MAP_IO_RANGE_BUFFERED	0x2002
#define CVDM_OP_MAP_GUEST_RAM		0x2003
/* The device model is set up (xenstore's "running" state). */
#define CVDM_OP_REPORT_RUNNING		0x2004
/*
 * This connection becomes the client process's state channel: after the
 * answer the VMM speaks first on it (struct cvdm_state_msg) and the
 * device model answers; the ordinary operations are no longer accepted
 * there.  One per process.
 */
#define CVDM_OP_STATE_CHANNEL		0x2005

struct cvdm_req {
	uint32_t op;
	uint32_t size;		/* payload bytes used */
	uint8_t payload[CVDM_PAYLOAD_MAX];
};

struct cvdm_rsp {
	int32_t ret;		/* 0 or -errno */
	uint32_t nr_fds;	/* descriptors attached */
	uint8_t payload[CVDM_PAYLOAD_MAX];
};

/*
 * CVDM_OP_EVTCHN_BIND: bind the VMM-side port @remote_port.  The response
 * carries two eventfds: [0] rings when the VMM notifies the port (the
 * device model waits on it), [1] is written by the device model to notify
 * the VMM.
 */
struct cvdm_evtchn_bind {
	uint32_t remote_port;
};

/*
 * CVDM_OP_MAP_GUEST_RAM: the guest's shared RAM for device DMA.  The
 * response carries one fd (the RAM memfd) and this layout; region i covers
 * guest-physical [gpa, gpa + size) at file offset @offset.
 */
#define CVDM_RAM_REGIONS	2
struct cvdm_guest_ram {
	uint32_t nr;
	uint32_t pad;
	struct {
		uint64_t gpa, size;
	} region[CVDM_RAM_REGIONS];
};

/*
 * The state channel (snapshots, migration): the VMM sends one request
 * with one fd attached, a memfd of CVDM_STATE_MAX bytes, and waits for
 * the answer (same struct, no fd).
 *   CVDM_STATE_SAVE  the device model drains its pending requests, writes
 *                    its state blob at offset 0 of the memfd and answers
 *                    ret 0, @version (its blob layout) and @size.
 *   CVDM_STATE_LOAD  the memfd holds @size bytes of a blob of layout
 *                    @version; the device model replaces its state with
 *                    it (all or nothing) and answers ret 0 or -errno.
 * The blob is opaque to the VMM, which stores it as the device model's
 * snapshot section.
 */
#define CVDM_STATE_SAVE		1
#define CVDM_STATE_LOAD		2
#define CVDM_STATE_MAX		(8u << 20)

struct cvdm_state_msg {
	uint32_t op;
	int32_t ret;		/* answer: 0 or -errno */
	uint32_t version;
	uint32_t size;
};

/* Sizes are ABI: checked here so that no build can drift. */
_Static_assert(sizeof(struct ioreq) == 32, "struct ioreq is 32 bytes");
_Static_assert(offsetof(struct ioreq, vp_eport) == 24, "vp_eport at 24");
_Static_assert(offsetof(struct ioreq, flags) == 30, "state byte at 30");
_Static_assert(sizeof(struct buf_ioreq) == 8, "struct buf_ioreq is 8 bytes");
_Static_assert(sizeof(struct buffered_iopage) == 4096,
	       "struct buffered_iopage is one page");
_Static_assert(sizeof(struct xen_dm_op_create_ioreq_server) == 6, "create");
_Static_assert(sizeof(struct xen_dm_op_get_ioreq_server_info) == 24,
	       "get_ioreq_server_info is 24 bytes");
_Static_assert(sizeof(struct xen_dm_op_ioreq_server_range) == 24, "range");
_Static_assert(sizeof(struct xen_mem_acquire_resource) == 32,
	       "xen_mem_acquire_resource is 32 bytes");
_Static_assert(sizeof(struct cvdm_guest_ram) <= CVDM_PAYLOAD_MAX, "ram");
_Static_assert(sizeof(struct xen_dm_op_set_pci_intx_level) == 6, "intx");
_Static_assert(sizeof(struct cvdm_state_msg) == 16, "state message");

#endif
