/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cvisor-dm.h - libcvisor-dm: the device-model side of cvisor's ioreq
 * servers.  The calls mirror libxendevicemodel, libxenforeignmemory and
 * libxenevtchn in names, arguments and meaning (return -1 with errno set
 * on failure), so that an emulator written for Xen ports by relinking.
 * The manual is docs/libcvisor-dm.md.
 *
 * Each handle is a connection to the VMM's control socket, found through
 * the environment: CVISOR_DM_SOCKET=PATH.  The "domain" is the VM behind
 * that socket; domid arguments must be 0.  A server belongs to the process
 * that created it (other processes get EPERM) and lives as long as the
 * connection of the devicemodel handle that created it.
 */
#ifndef CVISOR_DM_H
#define CVISOR_DM_H

#include <stddef.h>
#include <stdint.h>

#include "ioreq/ioreq_abi.h"

typedef uint16_t domid_t;
typedef uint32_t evtchn_port_t;
typedef int evtchn_port_or_error_t;
typedef uint64_t xen_pfn_t;
struct xentoollog_logger;

typedef struct cvdm_conn xendevicemodel_handle;
typedef struct cvdm_conn xenforeignmemory_handle;
typedef struct xenevtchn_handle xenevtchn_handle;
typedef struct xenforeignmemory_resource_handle
	xenforeignmemory_resource_handle;

/* --------------------------------------------- libxendevicemodel */
xendevicemodel_handle *xendevicemodel_open(struct xentoollog_logger *logger,
					   unsigned int open_flags);
int xendevicemodel_close(xendevicemodel_handle *dmod);
int xendevicemodel_create_ioreq_server(xendevicemodel_handle *dmod,
				       domid_t domid, int handle_bufioreq,
				       ioservid_t *id);
/* The GFN pointers must be NULL: pages are acquired as a resource only. */
int xendevicemodel_get_ioreq_server_info(xendevicemodel_handle *dmod,
					 domid_t domid, ioservid_t id,
					 xen_pfn_t *ioreq_gfn,
					 xen_pfn_t *bufioreq_gfn,
					 evtchn_port_t *bufioreq_port);
int xendevicemodel_map_io_range_to_ioreq_server(xendevicemodel_handle *dmod,
		domid_t domid, ioservid_t id, int is_mmio, uint64_t start,
		uint64_t end);
int xendevicemodel_unmap_io_range_from_ioreq_server(
		xendevicemodel_handle *dmod, domid_t domid, ioservid_t id,
		int is_mmio, uint64_t start, uint64_t end);
int xendevicemodel_map_pcidev_to_ioreq_server(xendevicemodel_handle *dmod,
		domid_t domid, ioservid_t id, uint16_t segment, uint8_t bus,
		uint8_t device, uint8_t function);
int xendevicemodel_unmap_pcidev_from_ioreq_server(
		xendevicemodel_handle *dmod, domid_t domid, ioservid_t id,
		uint16_t segment, uint8_t bus, uint8_t device,
		uint8_t function);
int xendevicemodel_set_ioreq_server_state(xendevicemodel_handle *dmod,
					  domid_t domid, ioservid_t id,
					  int enabled);
int xendevicemodel_destroy_ioreq_server(xendevicemodel_handle *dmod,
					domid_t domid, ioservid_t id);
int xendevicemodel_set_isa_irq_level(xendevicemodel_handle *dmod,
				     domid_t domid, uint8_t irq,
				     unsigned int level);
/* INTA-D (@intx 0-3) of PCI device @device on segment 0, bus 0. */
int xendevicemodel_set_pci_intx_level(xendevicemodel_handle *dmod,
				      domid_t domid, uint16_t segment,
				      uint8_t bus, uint8_t device,
				      uint8_t intx, unsigned int level);
int xendevicemodel_inject_msi(xendevicemodel_handle *dmod, domid_t domid,
			      uint64_t msi_addr, uint32_t msi_data);
/* Announce a device write to guest RAM (the emu backend drops code it
 * decoded there); call it before writing. */
int xendevicemodel_modified_memory(xendevicemodel_handle *dmod,
				   domid_t domid, uint64_t first_pfn,
				   uint32_t nr);
/* End the VM; cvisor takes @reason as its exit status (0: power-off). */
int xendevicemodel_remote_shutdown(xendevicemodel_handle *dmod,
				   domid_t domid, unsigned int reason);
int xendevicemodel_nr_vcpus(xendevicemodel_handle *dmod, domid_t domid,
			    unsigned int *vcpus);

/* ------------------------------------------- libxenforeignmemory */
xenforeignmemory_handle *xenforeignmemory_open(struct xentoollog_logger *logger,
					       unsigned int open_flags);
int xenforeignmemory_close(xenforeignmemory_handle *fmem);
/* Size in bytes of resource @type/@id (frames x 4096). */
int xenforeignmemory_resource_size(xenforeignmemory_handle *fmem,
				   domid_t domid, unsigned int type,
				   unsigned int id, size_t *size);
/*
 * Map @nr_frames frames from @frame of the ioreq server's resource: frame
 * 0 is the buffered page (ENOENT without buffering), frame 1 the slots.
 * *paddr must be NULL (we pick the address); @flags must be 0.
 */
xenforeignmemory_resource_handle *xenforeignmemory_map_resource(
		xenforeignmemory_handle *fmem, domid_t domid,
		unsigned int type, unsigned int id, unsigned long frame,
		unsigned long nr_frames, void **paddr, int prot, int flags);
int xenforeignmemory_unmap_resource(xenforeignmemory_handle *fmem,
				    xenforeignmemory_resource_handle *fres);

/* ------------------------------------------------- libxenevtchn */
xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger,
				 unsigned int open_flags);
int xenevtchn_close(xenevtchn_handle *xce);
/* Becomes readable when a bound port has a pending event. */
int xenevtchn_fd(xenevtchn_handle *xce);
evtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce,
						  uint32_t domid,
						  evtchn_port_t remote_port);
int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port);
int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port);
/* A pending port (it is masked until xenevtchn_unmask), or -1/EAGAIN. */
evtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce);
int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port);

/* ------------------------------------------------ cvisor additions */
/* Open with an explicit socket path instead of CVISOR_DM_SOCKET. */
struct cvdm_conn *cvdm_open_path(const char *path);
/* Like map_io_range, but writes there may use the buffered ring. */
int cvdm_map_io_range_buffered(xendevicemodel_handle *dmod, domid_t domid,
			       ioservid_t id, int is_mmio, uint64_t start,
			       uint64_t end);
/* Tell the VMM this device model is ready (xenstore's "running"). */
int cvdm_report_running(xendevicemodel_handle *dmod);

/*
 * Guest RAM for DMA: the VM's shared RAM only (never private memory).
 * cvdm_guest_ptr() returns the host address of [gpa, gpa + len) or NULL
 * when the range is not wholly inside one RAM region (or wraps).
 */
struct cvdm_guest_mem;
struct cvdm_guest_mem *cvdm_map_guest_ram(xenforeignmemory_handle *fmem);
void *cvdm_guest_ptr(struct cvdm_guest_mem *gm, uint64_t gpa, uint64_t len);
void cvdm_unmap_guest_ram(struct cvdm_guest_mem *gm);
/* Guest RAM laid out as @layout at @base (tests, fuzzers); not unmapped. */
struct cvdm_guest_mem *cvdm_guest_mem_wrap(void *base,
					    const struct cvdm_guest_ram *layout);

/* ---------------------------------------- the emulator loop (5.4) */
/*
 * The request algorithm every device model needs, in QEMU's order: create
 * a server, map its pages (frame 0 buffered, frame 1 slots), learn the
 * buffered port, enable, bind one port per vCPU plus the buffered one.
 * Then, for each event: drain the buffered ring first (those writes came
 * earlier), take the slot READY -> INPROCESS, run the request through
 * @ops, store the result and publish IORESP_READY.
 *
 * io() handles one element: IOREQ_TYPE_PIO (port), IOREQ_TYPE_COPY (GPA)
 * or IOREQ_TYPE_PCI_CONFIG (addr = SBDF << 32 | reg); on a read it fills
 * *data (the low @size bytes count).
 */
struct cvdm_io_ops {
	void (*io)(void *opaque, uint8_t type, uint64_t addr,
		   unsigned int size, uint64_t *data, int is_write);
	void (*timeoffset)(void *opaque, int64_t offset);	/* optional */
	void (*invalidate)(void *opaque);			/* optional */
};

struct cvdm_emu;

struct cvdm_emu *cvdm_emu_create(int handle_bufioreq,
				 const struct cvdm_io_ops *ops, void *opaque);
ioservid_t cvdm_emu_id(struct cvdm_emu *e);
xendevicemodel_handle *cvdm_emu_dmod(struct cvdm_emu *e);
/* The control connection: readable (EOF) once the VMM is gone. */
int cvdm_emu_ctl_fd(struct cvdm_emu *e);
/* Readable when cvdm_emu_process() has work. */
int cvdm_emu_fd(struct cvdm_emu *e);
/*
 * Handle every pending event.  0, or -1 with errno EPROTO when the VMM's
 * side broke the protocol (the device model should exit).
 */
int cvdm_emu_process(struct cvdm_emu *e);
/* Guest RAM for data_is_ptr requests and DMA; NULL if unavailable. */
struct cvdm_guest_mem *cvdm_emu_guest_mem(struct cvdm_emu *e);
/* Disable and destroy the server, unmap and close everything. */
void cvdm_emu_destroy(struct cvdm_emu *e);

/*
 * The pure parts, for fuzzing and tests: execute the request copy @req
 * (validated: size, count, type) with @gm for data_is_ptr (may be NULL),
 * and drain a buffered ring.  Both return 0 or -EINVAL / -EPROTO.
 */
int cvdm_ioreq_execute(const struct cvdm_io_ops *ops, void *opaque,
		       struct cvdm_guest_mem *gm, struct ioreq *req);
int cvdm_buf_drain(const struct cvdm_io_ops *ops, void *opaque,
		   struct buffered_iopage *pg);

/* ------------------------------------- state for snapshots (cvisor) */
/*
 * A device model that can be snapshotted and migrated opens a state
 * channel (before it enters its sandbox: this connects a socket) and
 * calls cvdm_state_process() whenever cvdm_state_fd() is readable.
 * save() returns the device's state as a blob of layout ops->version
 * (malloc'd, at most CVDM_STATE_MAX bytes); load() gets a blob of layout
 * @version (1..ops->version) from an earlier save, possibly by another
 * process, and must validate it completely before applying it.  Both
 * return 0 or -errno.  Without a state channel the VMM refuses to
 * snapshot or migrate the VM, naming the device model.
 */
struct cvdm_state_ops {
	uint32_t version;
	int (*save)(void *opaque, void **blob, size_t *len);
	int (*load)(void *opaque, const void *blob, size_t len,
		    uint32_t version);
};

struct cvdm_state;

struct cvdm_state *cvdm_state_open(const struct cvdm_state_ops *ops,
				   void *opaque);
int cvdm_state_fd(struct cvdm_state *st);
/* Serve one VMM request: 0, or -1 with errno (EPIPE: the VMM is gone). */
int cvdm_state_process(struct cvdm_state *st);
void cvdm_state_close(struct cvdm_state *st);

/* Raw request, for tests that speak the protocol directly. */
int cvdm_call(struct cvdm_conn *c, uint32_t op, void *payload, size_t size,
	      int *fds, unsigned int max_fds, unsigned int *nr_fds);

#endif
