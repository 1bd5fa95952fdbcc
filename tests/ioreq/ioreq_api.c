// SPDX-License-Identifier: GPL-2.0
/*
 * ioreq_api.c - the control operations and their errors (seed-apis.md
 * section 5.3): create / enable / destroy, -ENOSPC at the 9th server,
 * -ENOENT for unknown ids, -EINVAL for pads, modes, flags and ranges,
 * -EEXIST / -ENOENT for ranges and the 256-range limit, the resource
 * frame layout and its errors, vp_eport valid only after enable, and the
 * range selection rules (PIO exact, MMIO span with DF, PCI SBDF, highest
 * id first, disabled servers skipped).
 */
#include <sys/mman.h>

#include "iotest.h"

static void test_create_limits(xendevicemodel_handle *d)
{
	ioservid_t id[IOREQ_MAX_SERVERS], extra;
	unsigned int i, nr;

	CHECK_OK(DM(xendevicemodel_nr_vcpus(d, 0, &nr)));
	CHECK_EQ(nr, 2);
	CHECK_ERR(DM(xendevicemodel_nr_vcpus(d, 1, &nr)), -ESRCH);
	/* bufioreq mode above ATOMIC. */
	CHECK_ERR(DM(xendevicemodel_create_ioreq_server(d, 0, 3, &extra)),
		  -EINVAL);
	for (i = 0; i < IOREQ_MAX_SERVERS; i++) {
		CHECK_OK(DM(xendevicemodel_create_ioreq_server(d, 0, i % 3,
							       &id[i])));
		/* The lowest free id. */
		CHECK_EQ(id[i], i);
	}
	CHECK_ERR(DM(xendevicemodel_create_ioreq_server(d, 0, 0, &extra)),
		  -ENOSPC);
	CHECK_OK(DM(xendevicemodel_destroy_ioreq_server(d, 0, 3)));
	CHECK_ERR(DM(xendevicemodel_destroy_ioreq_server(d, 0, 3)), -ENOENT);
	CHECK_ERR(DM(xendevicemodel_set_ioreq_server_state(d, 0, 3, 1)),
		  -ENOENT);
	CHECK_OK(DM(xendevicemodel_create_ioreq_server(d, 0, 0, &extra)));
	CHECK_EQ(extra, 3);
	for (i = 0; i < IOREQ_MAX_SERVERS; i++)
		CHECK_OK(DM(xendevicemodel_destroy_ioreq_server(d, 0, i)));
	/* Ids >= 8 never exist. */
	CHECK_ERR(DM(xendevicemodel_set_ioreq_server_state(d, 0, 8, 1)),
		  -ENOENT);
	CHECK_ERR(DM(xendevicemodel_destroy_ioreq_server(d, 0, 0xffff)),
		  -ENOENT);
}

static void test_pads_and_flags(xendevicemodel_handle *d)
{
	struct xen_dm_op_create_ioreq_server c = { .pad = { 0, 1, 0 } };
	struct xen_dm_op_ioreq_server_range r = {
		.pad = 1, .type = XEN_DMOP_IO_RANGE_PORT, .start = 1, .end = 2,
	};
	struct xen_dm_op_set_ioreq_server_state st = { .enabled = 1, .pad = 1 };
	struct xen_dm_op_destroy_ioreq_server ds = { .pad = 1 };
	struct xen_dm_op_get_ioreq_server_info gi = { .flags = 2 };
	evtchn_port_t bp;
	xen_pfn_t gfn;
	ioservid_t id;

	CHECK_ERR(cvdm_call(d, XEN_DMOP_create_ioreq_server, &c, sizeof(c),
			    NULL, 0, NULL) ? -errno : 0, -EINVAL);
	CHECK_OK(DM(xendevicemodel_create_ioreq_server(d, 0, 2, &id)));
	r.id = st.id = ds.id = gi.id = id;
	CHECK_ERR(DM(cvdm_call(d, XEN_DMOP_map_io_range_to_ioreq_server, &r,
			       sizeof(r), NULL, 0, NULL)), -EINVAL);
	CHECK_ERR(DM(cvdm_call(d, XEN_DMOP_set_ioreq_server_state, &st,
			       sizeof(st), NULL, 0, NULL)), -EINVAL);
	CHECK_ERR(DM(cvdm_call(d, XEN_DMOP_destroy_ioreq_server, &ds,
			       sizeof(ds), NULL, 0, NULL)), -EINVAL);
	/* Unknown get_info flags; the legacy GFN path does not exist. */
	CHECK_ERR(DM(cvdm_call(d, XEN_DMOP_get_ioreq_server_info, &gi,
			       sizeof(gi), NULL, 0, NULL)), -EINVAL);
	CHECK_ERR(DM(xendevicemodel_get_ioreq_server_info(d, 0, id, &gfn, &gfn,
							  &bp)), -EOPNOTSUPP);
	CHECK_OK(DM(xendevicemodel_get_ioreq_server_info(d, 0, id, NULL, NULL,
							 &bp)));
	CHECK(bp != 0, "a buffered server has a buffered port");
	/* Short payloads and unknown ops. */
	CHECK_ERR(DM(cvdm_call(d, XEN_DMOP_map_io_range_to_ioreq_server, &r,
			       8, NULL, 0, NULL)), -EINVAL);
	CHECK_ERR(DM(cvdm_call(d, 77, &r, sizeof(r), NULL, 0, NULL)),
		  -EOPNOTSUPP);
	CHECK_OK(DM(xendevicemodel_destroy_ioreq_server(d, 0, id)));
}

/*
 * Interrupt lines: Xen's argument checks, then the host's hook; the ISA
 * call has no hook in this host (-EOPNOTSUPP after the checks).
 */
static void test_irq_lines(struct iot *t, xendevicemodel_handle *d)
{
	CHECK_ERR(DM(xendevicemodel_set_pci_intx_level(d, 0, 1, 0, 3, 0, 1)),
		  -EINVAL);
	CHECK_ERR(DM(xendevicemodel_set_pci_intx_level(d, 0, 0, 1, 3, 0, 1)),
		  -EINVAL);
	CHECK_ERR(DM(xendevicemodel_set_pci_intx_level(d, 0, 0, 0, 32, 0, 1)),
		  -EINVAL);
	CHECK_ERR(DM(xendevicemodel_set_pci_intx_level(d, 0, 0, 0, 3, 4, 1)),
		  -EINVAL);
	CHECK_ERR(DM(xendevicemodel_set_pci_intx_level(d, 0, 0, 0, 3, 0, 2)),
		  -EINVAL);
	CHECK_ERR(DM(xendevicemodel_set_pci_intx_level(d, 1, 0, 0, 3, 0, 1)),
		  -ESRCH);
	CHECK_EQ(t->intx_calls, 0);
	CHECK_OK(DM(xendevicemodel_set_pci_intx_level(d, 0, 0, 0, 17, 2, 1)));
	CHECK_EQ(t->intx_calls, 1);
	CHECK_EQ(t->intx_dev, 17u);
	CHECK_EQ(t->intx_pin, 2u);
	CHECK_EQ(t->intx_level, 1u);
	CHECK_ERR(DM(xendevicemodel_set_isa_irq_level(d, 0, 16, 1)), -EINVAL);
	CHECK_ERR(DM(xendevicemodel_set_isa_irq_level(d, 0, 5, 2)), -EINVAL);
	CHECK_ERR(DM(xendevicemodel_set_isa_irq_level(d, 0, 5, 1)),
		  -EOPNOTSUPP);
}

static int st_save(void *opaque, void **blob, size_t *len)
{
	return -EIO;
}

static int st_load(void *opaque, const void *blob, size_t len, uint32_t v)
{
	return -EIO;
}

/* A host that keeps no device-model state refuses the state channel. */
static void test_state_channel(void)
{
	static const struct cvdm_state_ops ops = {
		.version = 1, .save = st_save, .load = st_load,
	};
	static const struct cvdm_state_ops bad = { .save = st_save };
	struct cvdm_state *st;

	st = cvdm_state_open(&bad, NULL);
	CHECK(!st && errno == EINVAL, "state ops without load or version");
	st = cvdm_state_open(&ops, NULL);
	CHECK(!st && errno == EOPNOTSUPP, "state channel: %s",
	      st ? "accepted" : strerror(errno));
	cvdm_state_close(st);
}

static void test_ranges(xendevicemodel_handle *d)
{
	struct xen_dm_op_ioreq_server_range r = { .type = 3, .start = 0,
						  .end = 1 };
	ioservid_t id;
	unsigned int i;

	CHECK_OK(DM(xendevicemodel_create_ioreq_server(d, 0, 0, &id)));
	r.id = id;
	CHECK_ERR(DM(cvdm_call(d, XEN_DMOP_map_io_range_to_ioreq_server, &r,
			       sizeof(r), NULL, 0, NULL)), -EINVAL);
	CHECK_ERR(DM(xendevicemodel_map_io_range_to_ioreq_server(d, 0, id, 0,
								 0x20, 0x10)),
		  -EINVAL);
	CHECK_ERR(DM(xendevicemodel_map_io_range_to_ioreq_server(d, 0, id, 0,
								 0x10, 0x10000)),
		  -EINVAL);
	CHECK_ERR(DM(xendevicemodel_map_io_range_to_ioreq_server(d, 0, 7, 0,
								 0x10, 0x20)),
		  -ENOENT);
	CHECK_OK(DM(xendevicemodel_map_io_range_to_ioreq_server(d, 0, id, 0,
								0x100, 0x10f)));
	CHECK_ERR(DM(xendevicemodel_map_io_range_to_ioreq_server(d, 0, id, 0,
								 0x10f, 0x110)),
		  -EEXIST);
	CHECK_ERR(DM(xendevicemodel_map_io_range_to_ioreq_server(d, 0, id, 0,
								 0x0, 0x100)),
		  -EEXIST);
	/* The same addresses as MMIO are another range set. */
	CHECK_OK(DM(xendevicemodel_map_io_range_to_ioreq_server(d, 0, id, 1,
								0x100, 0x10f)));
	/* Removal needs containment in one range. */
	CHECK_ERR(DM(xendevicemodel_unmap_io_range_from_ioreq_server(d, 0, id,
				0, 0x108, 0x110)), -ENOENT);
	CHECK_ERR(DM(xendevicemodel_unmap_io_range_from_ioreq_server(d, 0, id,
				0, 0x200, 0x200)), -ENOENT);
	CHECK_OK(DM(xendevicemodel_unmap_io_range_from_ioreq_server(d, 0, id,
				0, 0x104, 0x107)));
	CHECK_ERR(DM(xendevicemodel_unmap_io_range_from_ioreq_server(d, 0, id,
				0, 0x100, 0x10f)), -ENOENT);
	CHECK_OK(DM(xendevicemodel_unmap_io_range_from_ioreq_server(d, 0, id,
				0, 0x100, 0x103)));
	CHECK_OK(DM(xendevicemodel_unmap_io_range_from_ioreq_server(d, 0, id,
				0, 0x108, 0x10f)));
	/* 256 ranges per type (disjoint, so none merge), then -ENOSPC. */
	for (i = 0; i < IOREQ_MAX_RANGES; i++)
		CHECK_OK(DM(xendevicemodel_map_io_range_to_ioreq_server(d, 0,
				id, 0, i * 4, i * 4 + 1)));
	CHECK_ERR(DM(xendevicemodel_map_io_range_to_ioreq_server(d, 0, id, 0,
				0x8000, 0x8000)), -ENOSPC);
	/* An adjacent range merges instead of taking a new entry. */
	CHECK_OK(DM(xendevicemodel_map_io_range_to_ioreq_server(d, 0, id, 0,
				2, 2)));
	/* Splitting one in two needs an entry too. */
	CHECK_ERR(DM(xendevicemodel_unmap_io_range_from_ioreq_server(d, 0, id,
				0, 1, 1)), -ENOSPC);
	CHECK_OK(DM(xendevicemodel_destroy_ioreq_server(d, 0, id)));
}

static void test_resource(xendevicemodel_handle *d,
			  xenforeignmemory_handle *f)
{
	struct xen_mem_acquire_resource a = { .type = 0, .nr_frames = 1 };
	xenforeignmemory_resource_handle *res;
	void *p = NULL;
	size_t size;
	ioservid_t off, buf;
	struct ioreq *slots;
	struct buffered_iopage *bp;
	evtchn_port_t bport;

	CHECK_OK(DM(xendevicemodel_create_ioreq_server(d, 0, 0, &off)));
	CHECK_OK(DM(xendevicemodel_create_ioreq_server(d, 0, 2, &buf)));
	CHECK_OK(DM(xenforeignmemory_resource_size(f, 0, 0, off, &size)));
	/* 1 + ceil(nr_vcpus * 32 / 4096) frames. */
	CHECK_EQ(size, 2 * 4096);
	CHECK_ERR(DM(xenforeignmemory_resource_size(f, 0, 1, off, &size)),
		  -EOPNOTSUPP);
	CHECK_ERR(DM(xenforeignmemory_resource_size(f, 0, 0, 5, &size)),
		  -ENOENT);
	/* Frame 0 needs buffering; frame 2 does not exist. */
	res = xenforeignmemory_map_resource(f, 0, 0, off, 0, 1, &p,
					    PROT_READ | PROT_WRITE, 0);
	CHECK(!res && errno == ENOENT, "frame 0 without buffering: %s",
	      strerror(errno));
	p = NULL;
	res = xenforeignmemory_map_resource(f, 0, 0, buf, 1, 2, &p,
					    PROT_READ | PROT_WRITE, 0);
	CHECK(!res && errno == EINVAL, "frame 2: %s", strerror(errno));
	/* Frames at or past 2^32 are refused rather than truncated. */
	a.id = buf;
	a.frame = 1ull << 32;
	CHECK_ERR(DM(cvdm_call(f, CVDM_OP_ACQUIRE_RESOURCE, &a, sizeof(a),
			       NULL, 0, NULL)), -EINVAL);
	a.frame = 1;
	a.nr_frames = 0xffffffffu;
	CHECK_ERR(DM(cvdm_call(f, CVDM_OP_ACQUIRE_RESOURCE, &a, sizeof(a),
			       NULL, 0, NULL)), -EINVAL);
	a.nr_frames = 1;
	a.pad = 1;
	CHECK_ERR(DM(cvdm_call(f, CVDM_OP_ACQUIRE_RESOURCE, &a, sizeof(a),
			       NULL, 0, NULL)), -EINVAL);

	/* Frame 0 = buffered page, frame 1 = the slots. */
	p = NULL;
	res = xenforeignmemory_map_resource(f, 0, 0, buf, 0, 2, &p,
					    PROT_READ | PROT_WRITE, 0);
	CHECK(res, "map frames 0-1: %s", strerror(errno));
	bp = p;
	slots = (struct ioreq *)((uint8_t *)p + 4096);
	CHECK_EQ(bp->read_pointer, 0);
	CHECK_EQ(bp->write_pointer, 0);
	/* vp_eport is not valid before enable. */
	CHECK_EQ(slots[0].vp_eport, 0);
	CHECK_EQ(slots[1].vp_eport, 0);
	CHECK_OK(DM(xendevicemodel_set_ioreq_server_state(d, 0, buf, 1)));
	CHECK(slots[0].vp_eport != 0 && slots[1].vp_eport != 0 &&
	      slots[0].vp_eport != slots[1].vp_eport,
	      "ports %u %u after enable", slots[0].vp_eport, slots[1].vp_eport);
	CHECK_OK(DM(xendevicemodel_get_ioreq_server_info(d, 0, buf, NULL, NULL,
							 &bport)));
	CHECK(bport && bport != slots[0].vp_eport && bport != slots[1].vp_eport,
	      "buffered port %u", bport);
	/* Disable keeps the ports; enable again is idempotent. */
	CHECK_OK(DM(xendevicemodel_set_ioreq_server_state(d, 0, buf, 0)));
	CHECK_OK(DM(xendevicemodel_set_ioreq_server_state(d, 0, buf, 1)));
	CHECK_OK(DM(xendevicemodel_set_ioreq_server_state(d, 0, buf, 1)));
	/* Destroying a server does not pull the pages from under us. */
	CHECK_OK(DM(xendevicemodel_destroy_ioreq_server(d, 0, buf)));
	CHECK_EQ(bp->read_pointer, 0);
	xenforeignmemory_unmap_resource(f, res);
	CHECK_OK(DM(xendevicemodel_destroy_ioreq_server(d, 0, off)));
}

static void test_evtchn(xendevicemodel_handle *d)
{
	xenevtchn_handle *x = xenevtchn_open(NULL, 0);
	evtchn_port_t bport;
	ioservid_t id;
	int p0;

	CHECK(x, "xenevtchn_open: %s", strerror(errno));
	CHECK_OK(DM(xendevicemodel_create_ioreq_server(d, 0, 0, &id)));
	CHECK_OK(DM(xendevicemodel_get_ioreq_server_info(d, 0, id, NULL, NULL,
							 &bport)));
	CHECK_EQ(bport, 0);
	CHECK_ERR(DM(xenevtchn_bind_interdomain(x, 0, 0)), -EINVAL);
	CHECK_ERR(DM(xenevtchn_bind_interdomain(x, 0, 99999)), -EINVAL);
	p0 = xenevtchn_bind_interdomain(x, 0, 1 + id * 256);
	CHECK(p0 > 0, "bind vCPU 0's port: %s", strerror(errno));
	/* No buffered port on a server without buffering. */
	CHECK_ERR(DM(xenevtchn_bind_interdomain(x, 0, 1 + id * 256 + 2)),
		  -EINVAL);
	CHECK_ERR(DM(xenevtchn_pending(x)), -EAGAIN);
	CHECK_OK(DM(xenevtchn_notify(x, (evtchn_port_t)p0)));
	CHECK_OK(DM(xenevtchn_unbind(x, (evtchn_port_t)p0)));
	CHECK_ERR(DM(xenevtchn_notify(x, (evtchn_port_t)p0)), -EINVAL);
	CHECK_OK(DM(xendevicemodel_destroy_ioreq_server(d, 0, id)));
	xenevtchn_close(x);
}

static int sel(struct iot *t, uint8_t type, uint64_t addr, uint32_t size,
	       uint32_t count, bool df)
{
	struct ioreq_access a = {
		.type = type, .addr = addr, .size = size, .count = count,
		.df = df,
	};

	return ioreq_select_id(t->h, &a);
}

static void test_selection(struct iot *t, xendevicemodel_handle *d)
{
	ioservid_t a, b;
	uint64_t sbdf = XEN_DMOP_PCI_SBDF(0, 0, 5, 0);

	CHECK_OK(DM(xendevicemodel_create_ioreq_server(d, 0, 0, &a)));
	CHECK_OK(DM(xendevicemodel_create_ioreq_server(d, 0, 0, &b)));
	CHECK_OK(DM(xendevicemodel_map_io_range_to_ioreq_server(d, 0, a, 0,
				0x100, 0x107)));
	CHECK_OK(DM(xendevicemodel_map_io_range_to_ioreq_server(d, 0, a, 1,
				0x10000, 0x10fff)));
	CHECK_OK(DM(xendevicemodel_map_pcidev_to_ioreq_server(d, 0, a, 0, 0,
				5, 0)));
	/* Disabled servers get nothing. */
	CHECK_EQ(sel(t, IOREQ_TYPE_PIO, 0x100, 1, 1, false), -ENOENT);
	CHECK_OK(DM(xendevicemodel_set_ioreq_server_state(d, 0, a, 1)));
	/* PIO: the whole access inside the range. */
	CHECK_EQ(sel(t, IOREQ_TYPE_PIO, 0x100, 1, 1, false), a);
	CHECK_EQ(sel(t, IOREQ_TYPE_PIO, 0x104, 4, 1, false), a);
	CHECK_EQ(sel(t, IOREQ_TYPE_PIO, 0x106, 4, 1, false), -ENOENT);
	CHECK_EQ(sel(t, IOREQ_TYPE_PIO, 0xff, 2, 1, false), -ENOENT);
	/* MMIO: the span of a repeated access, in DF's direction. */
	CHECK_EQ(sel(t, IOREQ_TYPE_COPY, 0x10ff8, 8, 1, false), a);
	CHECK_EQ(sel(t, IOREQ_TYPE_COPY, 0x10ff8, 8, 2, false), -ENOENT);
	CHECK_EQ(sel(t, IOREQ_TYPE_COPY, 0x10ff8, 8, 2, true), a);
	CHECK_EQ(sel(t, IOREQ_TYPE_COPY, 0x10000, 4, 4, true), -ENOENT);
	CHECK_EQ(sel(t, IOREQ_TYPE_COPY, 0x10000, 4, 4, false), a);
	CHECK_EQ(sel(t, IOREQ_TYPE_COPY, 0x10000, 4, 1024, false), a);
	CHECK_EQ(sel(t, IOREQ_TYPE_COPY, 0x10000, 4, 1025, false), -ENOENT);
	CHECK_EQ(sel(t, IOREQ_TYPE_COPY, 0x10ffc, 4, 1024, true), a);
	/* Spans that wrap around the address space match nothing. */
	CHECK_EQ(sel(t, IOREQ_TYPE_COPY, 4, 8, 4, true), -ENOENT);
	CHECK_EQ(sel(t, IOREQ_TYPE_COPY, ~0ull - 3, 8, 1, false), -ENOENT);
	/* PCI: by SBDF, any register. */
	CHECK_EQ(sel(t, IOREQ_TYPE_PCI_CONFIG, sbdf << 32 | 0x40, 4, 1, false),
		 a);
	CHECK_EQ(sel(t, IOREQ_TYPE_PCI_CONFIG,
		     (uint64_t)XEN_DMOP_PCI_SBDF(0, 0, 5, 1) << 32, 4, 1, false),
		 -ENOENT);
	CHECK_EQ(sel(t, IOREQ_TYPE_PCI_CONFIG,
		     (uint64_t)XEN_DMOP_PCI_SBDF(1, 0, 5, 0) << 32, 4, 1, false),
		 -ENOENT);
	/* Overlapping servers: the highest enabled id wins. */
	CHECK_OK(DM(xendevicemodel_map_io_range_to_ioreq_server(d, 0, b, 0,
				0x104, 0x104)));
	CHECK_OK(DM(xendevicemodel_set_ioreq_server_state(d, 0, b, 1)));
	CHECK_EQ(sel(t, IOREQ_TYPE_PIO, 0x104, 1, 1, false), b);
	CHECK_EQ(sel(t, IOREQ_TYPE_PIO, 0x104, 2, 1, false), a);
	CHECK_OK(DM(xendevicemodel_set_ioreq_server_state(d, 0, b, 0)));
	CHECK_EQ(sel(t, IOREQ_TYPE_PIO, 0x104, 1, 1, false), a);
	CHECK_OK(DM(xendevicemodel_set_ioreq_server_state(d, 0, b, 1)));
	CHECK_OK(DM(xendevicemodel_unmap_io_range_from_ioreq_server(d, 0, b,
				0, 0x104, 0x104)));
	CHECK_EQ(sel(t, IOREQ_TYPE_PIO, 0x104, 1, 1, false), a);
	/* Destroy removes the ranges with the server. */
	CHECK_OK(DM(xendevicemodel_destroy_ioreq_server(d, 0, a)));
	CHECK_EQ(sel(t, IOREQ_TYPE_PIO, 0x100, 1, 1, false), -ENOENT);
	CHECK(!ioreq_host_active(t->h) == false, "b is still enabled");
	CHECK_OK(DM(xendevicemodel_destroy_ioreq_server(d, 0, b)));
	CHECK(!ioreq_host_active(t->h), "nothing is enabled any more");
}

int main(void)
{
	xendevicemodel_handle *d;
	xenforeignmemory_handle *f;
	struct iot t;
	int fds;

	fds = iot_count_fds();
	iot_init(&t, 2);
	d = xendevicemodel_open(NULL, 0);
	f = xenforeignmemory_open(NULL, 0);
	CHECK(d && f, "open: %s", strerror(errno));
	test_create_limits(d);
	test_pads_and_flags(d);
	test_irq_lines(&t, d);
	test_state_channel();
	test_ranges(d);
	test_resource(d, f);
	test_evtchn(d);
	test_selection(&t, d);
	CHECK_EQ(iot_fails(&t), 0);
	xenforeignmemory_close(f);
	xendevicemodel_close(d);
	iot_fini(&t);
	CHECK_EQ(iot_count_fds(), fds);
	printf("ioreq control operations: ok\n");
	return check_status();
}
