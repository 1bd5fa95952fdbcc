// SPDX-License-Identifier: GPL-2.0
/*
 * devicemodel.c - libxendevicemodel's calls over the control socket.  The
 * payloads are Xen's DMOP structures; the VMM applies Xen's checks.
 */
#include <errno.h>
#include <string.h>

#include "libdm/internal.h"

/* There is one VM behind a socket: it is domain 0 to its device models. */
static int check_domid(domid_t domid)
{
	if (domid) {
		errno = ESRCH;
		return -1;
	}
	return 0;
}

xendevicemodel_handle *xendevicemodel_open(struct xentoollog_logger *logger,
					   unsigned int open_flags)
{
	return cvdm_open_env();
}

int xendevicemodel_close(xendevicemodel_handle *dmod)
{
	cvdm_conn_close(dmod);
	return 0;
}

int xendevicemodel_create_ioreq_server(xendevicemodel_handle *dmod,
				       domid_t domid, int handle_bufioreq,
				       ioservid_t *id)
{
	struct xen_dm_op_create_ioreq_server p = {
		.handle_bufioreq = (uint8_t)handle_bufioreq,
	};

	if (check_domid(domid))
		return -1;
	if (handle_bufioreq < 0 || handle_bufioreq > 0xff) {
		errno = EINVAL;
		return -1;
	}
	if (cvdm_call(dmod, XEN_DMOP_create_ioreq_server, &p, sizeof(p),
		      NULL, 0, NULL))
		return -1;
	*id = p.id;
	return 0;
}

int xendevicemodel_get_ioreq_server_info(xendevicemodel_handle *dmod,
					 domid_t domid, ioservid_t id,
					 xen_pfn_t *ioreq_gfn,
					 xen_pfn_t *bufioreq_gfn,
					 evtchn_port_t *bufioreq_port)
{
	struct xen_dm_op_get_ioreq_server_info p = { .id = id };

	if (check_domid(domid))
		return -1;
	/* As in Xen: asking for no GFNs is how the resource path is used. */
	if (!ioreq_gfn && !bufioreq_gfn)
		p.flags = XEN_DMOP_no_gfns;
	if (cvdm_call(dmod, XEN_DMOP_get_ioreq_server_info, &p, sizeof(p),
		      NULL, 0, NULL))
		return -1;
	if (ioreq_gfn)
		*ioreq_gfn = p.ioreq_gfn;
	if (bufioreq_gfn)
		*bufioreq_gfn = p.bufioreq_gfn;
	if (bufioreq_port)
		*bufioreq_port = p.bufioreq_port;
	return 0;
}

static int range_op(xendevicemodel_handle *dmod, uint32_t op, domid_t domid,
		    ioservid_t id, uint32_t type, uint64_t start, uint64_t end)
{
	struct xen_dm_op_ioreq_server_range p = {
		.id = id, .type = type, .start = start, .end = end,
	};

	if (check_domid(domid))
		return -1;
	return cvdm_call(dmod, op, &p, sizeof(p), NULL, 0, NULL);
}

int xendevicemodel_map_io_range_to_ioreq_server(xendevicemodel_handle *dmod,
		domid_t domid, ioservid_t id, int is_mmio, uint64_t start,
		uint64_t end)
{
	return range_op(dmod, XEN_DMOP_map_io_range_to_ioreq_server, domid, id,
			is_mmio ? XEN_DMOP_IO_RANGE_MEMORY :
				  XEN_DMOP_IO_RANGE_PORT, start, end);
}

int xendevicemodel_unmap_io_range_from_ioreq_server(
		xendevicemodel_handle *dmod, domid_t domid, ioservid_t id,
		int is_mmio, uint64_t start, uint64_t end)
{
	return range_op(dmod, XEN_DMOP_unmap_io_range_from_ioreq_server, domid,
			id, is_mmio ? XEN_DMOP_IO_RANGE_MEMORY :
				      XEN_DMOP_IO_RANGE_PORT, start, end);
}

int cvdm_map_io_range_buffered(xendevicemodel_handle *dmod, domid_t domid,
			       ioservid_t id, int is_mmio, uint64_t start,
			       uint64_t end)
{
	return range_op(dmod, CVDM_OP_MAP_IO_RANGE_BUFFERED, domid, id,
			is_mmio ? XEN_DMOP_IO_RANGE_MEMORY :
				  XEN_DMOP_IO_RANGE_PORT, start, end);
}

int xendevicemodel_map_pcidev_to_ioreq_server(xendevicemodel_handle *dmod,
		domid_t domid, ioservid_t id, uint16_t segment, uint8_t bus,
		uint8_t device, uint8_t function)
{
	uint64_t sbdf = XEN_DMOP_PCI_SBDF(segment, bus, device, function);

	return range_op(dmod, XEN_DMOP_map_io_range_to_ioreq_server, domid, id,
			XEN_DMOP_IO_RANGE_PCI, sbdf, sbdf);
}

int xendevicemodel_unmap_pcidev_from_ioreq_server(
		xendevicemodel_handle *dmod, domid_t domid, ioservid_t id,
		uint16_t segment, uint8_t bus, uint8_t device,
		uint8_t function)
{
	uint64_t sbdf = XEN_DMOP_PCI_SBDF(segment, bus, device, function);

	return range_op(dmod, XEN_DMOP_unmap_io_range_from_ioreq_server, domid,
			id, XEN_DMOP_IO_RANGE_PCI, sbdf, sbdf);
}

int xendevicemodel_set_ioreq_server_state(xendevicemodel_handle *dmod,
					  domid_t domid, ioservid_t id,
					  int enabled)
{
	struct xen_dm_op_set_ioreq_server_state p = {
		.id = id, .enabled = !!enabled,
	};

	if (check_domid(domid))
		return -1;
	return cvdm_call(dmod, XEN_DMOP_set_ioreq_server_state, &p, sizeof(p),
			 NULL, 0, NULL);
}

int xendevicemodel_destroy_ioreq_server(xendevicemodel_handle *dmod,
					domid_t domid, ioservid_t id)
{
	struct xen_dm_op_destroy_ioreq_server p = { .id = id };

	if (check_domid(domid))
		return -1;
	return cvdm_call(dmod, XEN_DMOP_destroy_ioreq_server, &p, sizeof(p),
			 NULL, 0, NULL);
}

int xendevicemodel_set_isa_irq_level(xendevicemodel_handle *dmod,
				     domid_t domid, uint8_t irq,
				     unsigned int level)
{
	struct xen_dm_op_set_isa_irq_level p = {
		.isa_irq = irq, .level = (uint8_t)(level > 0xff ? 0xff : level),
	};

	if (check_domid(domid))
		return -1;
	return cvdm_call(dmod, XEN_DMOP_set_isa_irq_level, &p, sizeof(p),
			 NULL, 0, NULL);
}

int xendevicemodel_set_pci_intx_level(xendevicemodel_handle *dmod,
				      domid_t domid, uint16_t segment,
				      uint8_t bus, uint8_t device,
				      uint8_t intx, unsigned int level)
{
	struct xen_dm_op_set_pci_intx_level p = {
		.domain = segment, .bus = bus, .device = device, .intx = intx,
		.level = (uint8_t)(level > 0xff ? 0xff : level),
	};

	if (check_domid(domid))
		return -1;
	return cvdm_call(dmod, XEN_DMOP_set_pci_intx_level, &p, sizeof(p),
			 NULL, 0, NULL);
}

int xendevicemodel_inject_msi(xendevicemodel_handle *dmod, domid_t domid,
			      uint64_t msi_addr, uint32_t msi_data)
{
	struct xen_dm_op_inject_msi p = { .data = msi_data, .addr = msi_addr };

	if (check_domid(domid))
		return -1;
	return cvdm_call(dmod, XEN_DMOP_inject_msi, &p, sizeof(p), NULL, 0,
			 NULL);
}

int xendevicemodel_modified_memory(xendevicemodel_handle *dmod,
				   domid_t domid, uint64_t first_pfn,
				   uint32_t nr)
{
	struct xen_dm_op_modified_memory p = {
		.first_pfn = first_pfn, .nr = nr,
	};

	if (check_domid(domid))
		return -1;
	return cvdm_call(dmod, XEN_DMOP_modified_memory, &p, sizeof(p), NULL,
			 0, NULL);
}

int xendevicemodel_remote_shutdown(xendevicemodel_handle *dmod,
				   domid_t domid, unsigned int reason)
{
	struct xen_dm_op_remote_shutdown p = { .reason = reason };

	if (check_domid(domid))
		return -1;
	return cvdm_call(dmod, XEN_DMOP_remote_shutdown, &p, sizeof(p), NULL,
			 0, NULL);
}

int xendevicemodel_nr_vcpus(xendevicemodel_handle *dmod, domid_t domid,
			    unsigned int *vcpus)
{
	struct xen_dm_op_nr_vcpus p = { 0 };

	if (check_domid(domid))
		return -1;
	if (cvdm_call(dmod, XEN_DMOP_nr_vcpus, &p, sizeof(p), NULL, 0, NULL))
		return -1;
	*vcpus = p.vcpus;
	return 0;
}

int cvdm_report_running(xendevicemodel_handle *dmod)
{
	uint32_t none = 0;

	return cvdm_call(dmod, CVDM_OP_REPORT_RUNNING, &none, 0, NULL, 0,
			 NULL);
}
