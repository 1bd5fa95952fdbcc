// SPDX-License-Identifier: GPL-2.0
/*
 * driver.c - the fake guest driver shared by the PCI/virtio tests (see
 * driver.h).  Single-threaded.
 */
#include <string.h>
#include <sys/mman.h>

#include "driver.h"

/* ------------------------------------------------------- guest RAM */

static void *t_translate(void *opaque, uint64_t gpa, uint64_t len, bool write)
{
	struct vt *t = opaque;

	if (gpa >= T_RAM_SIZE || len > T_RAM_SIZE - gpa)
		return NULL;
	/* The hole stands for private memory: never reachable by DMA. */
	if (gpa < T_HOLE_END && gpa + len > T_HOLE_START)
		return NULL;
	return t->ram + gpa;
}

static const struct guest_mem_ops t_mem_ops = {
	.translate = t_translate,
};

void *gpa_ptr(struct vt *t, uint64_t gpa)
{
	CHECK(gpa < T_RAM_SIZE);
	return t->ram + gpa;
}

uint64_t galloc(struct vt *t, uint64_t size, uint64_t align)
{
	uint64_t a = (t->brk + align - 1) & ~(align - 1);

	if (a < T_HOLE_END && a + size > T_HOLE_START)
		a = T_HOLE_END;
	CHECK(a + size <= T_RAM_SIZE);
	t->brk = a + size;
	memset(t->ram + a, 0, size);
	return a;
}

/* ----------------------------------------------------- host hooks */

static int t_bar_map(void *opaque, struct pci_bar *bar, bool old_mapped,
		     uint64_t old_addr, bool map)
{
	struct vt *t = opaque;
	enum bus_space sp = bar->type == PCI_BAR_IOPORT ? BUS_PIO : BUS_MMIO;

	t->bar_maps++;
	if (old_mapped)
		bus_unregister(&t->bus, sp, old_addr);
	if (map)
		return bus_register(&t->bus, sp, bar->addr, bar->size,
				    &pci_bar_bus_ops, bar);
	return 0;
}

static void t_set_gsi(void *opaque, uint32_t gsi, int level)
{
	struct vt *t = opaque;

	if (gsi < 32)
		t->gsi[gsi] = level;
}

static void t_send_msi(void *opaque, uint64_t addr, uint32_t data,
		       uint32_t devid)
{
	struct vt *t = opaque;

	/* Tests program T_MSI_ADDR; the fuzzer may program anything. */
	if (addr != T_MSI_ADDR)
		return;
	if (data >= T_MSI_DATA0 && data < T_MSI_DATA0 + 64)
		t->msi[data - T_MSI_DATA0]++;
}

static const struct pci_host_ops t_host_ops = {
	.bar_map = t_bar_map,
	.set_gsi = t_set_gsi,
	.send_msi = t_send_msi,
};

void vt_init(struct vt *t)
{
	memset(t, 0, sizeof(*t));
	t->ram = mmap(NULL, T_RAM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(t->ram != MAP_FAILED);
	t->brk = 0x1000;
	t->mmio_next = T_MMIO_BASE;
	CHECK(bus_init(&t->bus) == 0);
	CHECK(pci_bus_init(&t->pci, &t_host_ops, t) == 0);
	CHECK(bus_register(&t->bus, BUS_PIO, PCI_CF8_PORT, PCI_CF8_LEN,
			   &pci_cf8_bus_ops, &t->pci) == 0);
	CHECK(bus_register(&t->bus, BUS_MMIO, T_ECAM_BASE, PCI_ECAM_SIZE,
			   &pci_ecam_bus_ops, &t->pci) == 0);
}

void vt_fini(struct vt *t)
{
	pci_bus_destroy(&t->pci);
	bus_destroy(&t->bus);
	munmap(t->ram, T_RAM_SIZE);
}

/* -------------------------------------------------------- accesses */

static uint64_t access_r(struct vt *t, enum bus_space sp, uint64_t addr,
			 unsigned int len)
{
	uint8_t b[8];

	bus_access(&t->bus, sp, addr, b, len, false, &t->ctx);
	return bus_get_le(b, len);
}

static void access_w(struct vt *t, enum bus_space sp, uint64_t addr,
		     uint64_t v, unsigned int len)
{
	uint8_t b[8];

	bus_put_le(b, len, v);
	bus_access(&t->bus, sp, addr, b, len, true, &t->ctx);
}

uint64_t mmio_r(struct vt *t, uint64_t addr, unsigned int len)
{
	return access_r(t, BUS_MMIO, addr, len);
}

void mmio_w(struct vt *t, uint64_t addr, uint64_t v, unsigned int len)
{
	access_w(t, BUS_MMIO, addr, v, len);
}

uint32_t cfg_r(struct vt *t, uint8_t devfn, uint32_t off, unsigned int len)
{
	access_w(t, BUS_PIO, 0xcf8, 0x80000000u | (uint32_t)devfn << 8 |
		 (off & 0xfc), 4);
	return (uint32_t)access_r(t, BUS_PIO, 0xcfc + (off & 3), len);
}

void cfg_w(struct vt *t, uint8_t devfn, uint32_t off, unsigned int len,
	   uint32_t v)
{
	access_w(t, BUS_PIO, 0xcf8, 0x80000000u | (uint32_t)devfn << 8 |
		 (off & 0xfc), 4);
	access_w(t, BUS_PIO, 0xcfc + (off & 3), v, len);
}

/* ------------------------------------------------------ PCI bring-up */

void drv_create(struct vdrv *d, struct vt *t, const char *type,
		const struct virtio_dev_args *args)
{
	char err[256];
	uint32_t lo, hi, v;
	uint64_t size;
	uint8_t p;
	int guard = 0;
	unsigned int i;

	memset(d, 0, sizeof(*d));
	d->t = t;
	if (virtio_pci_create(type, &t->pci, -1, &t_mem_ops, t, args, &d->vp,
			      err, sizeof(err))) {
		fprintf(stderr, "create %s: %s\n", type, err);
		exit(1);
	}
	d->devfn = d->vp->pci.devfn;
	CHECK(cfg_r(t, d->devfn, PCI_VENDOR_ID, 2) == VIRTIO_PCI_VENDOR);
	CHECK(cfg_r(t, d->devfn, PCI_DEVICE_ID, 2) >= VIRTIO_PCI_DEVICE_BASE);

	/* BAR sizing: all-ones into both halves of the 64-bit BAR 0. */
	cfg_w(t, d->devfn, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	cfg_w(t, d->devfn, PCI_BASE_ADDRESS_0 + 4, 4, 0xffffffff);
	lo = cfg_r(t, d->devfn, PCI_BASE_ADDRESS_0, 4);
	hi = cfg_r(t, d->devfn, PCI_BASE_ADDRESS_0 + 4, 4);
	CHECK((lo & 7) == PCI_BAR_MEM_64);
	size = ~(((uint64_t)hi << 32) | (lo & ~0xfu)) + 1;
	CHECK(size == VIRTIO_PCI_BAR_SIZE);
	d->bar = (t->mmio_next + size - 1) & ~(size - 1);
	t->mmio_next = d->bar + size;
	cfg_w(t, d->devfn, PCI_BASE_ADDRESS_0, 4, (uint32_t)d->bar);
	cfg_w(t, d->devfn, PCI_BASE_ADDRESS_0 + 4, 4, (uint32_t)(d->bar >> 32));
	cfg_w(t, d->devfn, PCI_COMMAND, 2,
	      PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);

	/* Capability walk. */
	CHECK(cfg_r(t, d->devfn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	for (p = (uint8_t)cfg_r(t, d->devfn, PCI_CAPABILITY_LIST, 1); p;
	     p = (uint8_t)cfg_r(t, d->devfn, p + 1, 1)) {
		uint8_t id = (uint8_t)cfg_r(t, d->devfn, p, 1);
		uint64_t off;

		CHECK(++guard < 48 && p >= 0x40 && !(p & 3));
		if (id == PCI_CAP_ID_MSIX) {
			d->msix_cap = p;
			continue;
		}
		CHECK(id == PCI_CAP_ID_VNDR);
		CHECK(cfg_r(t, d->devfn, p + 4, 1) == VIRTIO_PCI_BAR);
		off = d->bar + cfg_r(t, d->devfn, p + 8, 4);
		switch (cfg_r(t, d->devfn, p + 3, 1)) {
		case VIRTIO_PCI_CAP_COMMON_CFG:
			d->common = off;
			break;
		case VIRTIO_PCI_CAP_ISR_CFG:
			d->isr = off;
			break;
		case VIRTIO_PCI_CAP_DEVICE_CFG:
			d->device = off;
			d->device_len = cfg_r(t, d->devfn, p + 12, 4);
			break;
		case VIRTIO_PCI_CAP_NOTIFY_CFG:
			d->notify = off;
			d->notify_mult = cfg_r(t, d->devfn, p + 16, 4);
			break;
		}
	}
	CHECK(d->common && d->isr && d->notify && d->msix_cap);

	/* MSI-X: vector i -> data T_MSI_DATA0 + i, unmasked, enabled. */
	v = cfg_r(t, d->devfn, d->msix_cap + 2, 2);
	for (i = 0; i <= (v & 0x7ff); i++) {
		uint64_t e = d->bar + VIRTIO_PCI_MSIX_TABLE_OFF + 16 * i;

		mmio_w(t, e, T_MSI_ADDR, 4);
		mmio_w(t, e + 4, 0, 4);
		mmio_w(t, e + 8, T_MSI_DATA0 + i, 4);
		mmio_w(t, e + 12, 0, 4);
	}
	cfg_w(t, d->devfn, d->msix_cap + 2, 2, 0x8000);
}

void drv_destroy(struct vdrv *d)
{
	virtio_pci_destroy(d->vp);
}

uint8_t drv_status(struct vdrv *d)
{
	return (uint8_t)mmio_r(d->t, d->common + 0x14, 1);
}

void drv_set_status(struct vdrv *d, uint8_t s)
{
	mmio_w(d->t, d->common + 0x14, s, 1);
}

bool drv_negotiate(struct vdrv *d, uint64_t want)
{
	uint64_t offered;

	drv_set_status(d, 0);
	CHECK(drv_status(d) == 0);
	drv_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
	drv_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	mmio_w(d->t, d->common + 0x00, 0, 4);
	offered = mmio_r(d->t, d->common + 0x04, 4);
	mmio_w(d->t, d->common + 0x00, 1, 4);
	offered |= mmio_r(d->t, d->common + 0x04, 4) << 32;
	CHECK(offered & BIT_ULL(VIRTIO_F_VERSION_1));
	d->features = want & offered;
	mmio_w(d->t, d->common + 0x08, 0, 4);
	mmio_w(d->t, d->common + 0x0c, (uint32_t)d->features, 4);
	mmio_w(d->t, d->common + 0x08, 1, 4);
	mmio_w(d->t, d->common + 0x0c, (uint32_t)(d->features >> 32), 4);
	drv_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		       VIRTIO_STATUS_FEATURES_OK);
	return drv_status(d) & VIRTIO_STATUS_FEATURES_OK;
}

void drv_queue_program(struct vdrv *d, unsigned int q, uint16_t size,
		       uint64_t desc, uint64_t avail, uint64_t used)
{
	struct tq *tq = &d->q[q];

	mmio_w(d->t, d->common + 0x16, q, 2);
	mmio_w(d->t, d->common + 0x18, size, 2);
	/* 64-bit registers in two halves, as Linux writes them. */
	mmio_w(d->t, d->common + 0x20, (uint32_t)desc, 4);
	mmio_w(d->t, d->common + 0x24, desc >> 32, 4);
	mmio_w(d->t, d->common + 0x28, (uint32_t)avail, 4);
	mmio_w(d->t, d->common + 0x2c, avail >> 32, 4);
	mmio_w(d->t, d->common + 0x30, used, 8);
	mmio_w(d->t, d->common + 0x1a, q + 1, 2);
	tq->size = size;
	tq->desc = desc;
	tq->avail = avail;
	tq->used = used;
	tq->avail_idx = tq->used_seen = tq->next_desc = 0;
}

void drv_queue_enable(struct vdrv *d, unsigned int q)
{
	mmio_w(d->t, d->common + 0x16, q, 2);
	mmio_w(d->t, d->common + 0x1c, 1, 2);
}

void drv_queue_setup(struct vdrv *d, unsigned int q, uint16_t size)
{
	struct vt *t = d->t;
	uint64_t desc, avail, used;
	uint16_t max;

	CHECK(q < T_MAX_QUEUES);
	mmio_w(t, d->common + 0x16, q, 2);
	max = (uint16_t)mmio_r(t, d->common + 0x18, 2);
	CHECK(max && size <= max);
	desc = galloc(t, 16ull * size, 16);
	avail = galloc(t, 6 + 2ull * size, 2);
	used = galloc(t, 6 + 8ull * size, 4);
	drv_queue_program(d, q, size, desc, avail, used);
	CHECK(mmio_r(t, d->common + 0x1a, 2) == q + 1);
	d->q[q].indirect = galloc(t, 16ull * 16 * size, 16);
	drv_queue_enable(d, q);
	CHECK(mmio_r(t, d->common + 0x1c, 2) == 1);
}

void drv_driver_ok(struct vdrv *d)
{
	drv_set_status(d, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		       VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

void drv_up(struct vdrv *d, uint64_t want, uint16_t size)
{
	unsigned int q, n;

	CHECK(drv_negotiate(d, want | BIT_ULL(VIRTIO_F_VERSION_1)));
	mmio_w(d->t, d->common + 0x10, 0, 2);	/* config changes: vector 0 */
	CHECK(mmio_r(d->t, d->common + 0x10, 2) == 0);
	n = (unsigned int)mmio_r(d->t, d->common + 0x12, 2);
	CHECK(n >= 1 && n <= T_MAX_QUEUES);
	for (q = 0; q < n; q++)
		drv_queue_setup(d, q, size);
	drv_driver_ok(d);
	CHECK(drv_status(d) & VIRTIO_STATUS_DRIVER_OK);
}

void drv_notify(struct vdrv *d, unsigned int q)
{
	mmio_w(d->t, d->notify + (uint64_t)q * d->notify_mult, q, 2);
}

uint16_t drv_post(struct vdrv *d, unsigned int q, const struct tseg *segs,
		  unsigned int n, bool indirect)
{
	struct tq *tq = &d->q[q];
	struct virtq_desc *desc = tq_desc(d, q), *tbl;
	uint16_t *avail = tq_avail(d, q);
	uint16_t head = tq->next_desc, idx;
	unsigned int i;

	if (indirect) {
		CHECK(n <= 16);
		tbl = gpa_ptr(d->t, tq->indirect + 16ull * 16 * head);
		for (i = 0; i < n; i++) {
			tbl[i].addr = segs[i].gpa;
			tbl[i].len = segs[i].len;
			tbl[i].flags = (segs[i].write ? VIRTQ_DESC_F_WRITE : 0) |
				       (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0);
			tbl[i].next = (uint16_t)(i + 1);
		}
		desc[head].addr = tq->indirect + 16ull * 16 * head;
		desc[head].len = 16 * n;
		desc[head].flags = VIRTQ_DESC_F_INDIRECT;
		desc[head].next = 0;
		tq->next_desc = (uint16_t)((head + 1) % tq->size);
	} else {
		CHECK(n <= tq->size);
		for (i = 0; i < n; i++) {
			idx = (uint16_t)((head + i) % tq->size);
			desc[idx].addr = segs[i].gpa;
			desc[idx].len = segs[i].len;
			desc[idx].flags = (segs[i].write ? VIRTQ_DESC_F_WRITE : 0) |
					  (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0);
			desc[idx].next = (uint16_t)((idx + 1) % tq->size);
		}
		tq->next_desc = (uint16_t)((head + n) % tq->size);
	}
	avail[2 + tq->avail_idx % tq->size] = head;
	tq->avail_idx++;
	__atomic_store_n(&avail[1], tq->avail_idx, __ATOMIC_RELEASE);
	return head;
}

bool drv_used(struct vdrv *d, unsigned int q, uint32_t *id, uint32_t *len)
{
	struct tq *tq = &d->q[q];
	uint8_t *used = gpa_ptr(d->t, tq->used);
	uint16_t idx = __atomic_load_n((uint16_t *)(used + 2), __ATOMIC_ACQUIRE);
	struct virtq_used_elem e;

	if (idx == tq->used_seen)
		return false;
	memcpy(&e, used + 4 + 8 * (tq->used_seen % tq->size), sizeof(e));
	tq->used_seen++;
	*id = e.id;
	*len = e.len;
	return true;
}

long drv_submit(struct vdrv *d, unsigned int q, const struct tseg *segs,
		unsigned int n, bool indirect)
{
	uint32_t id, len;
	uint16_t head;

	head = drv_post(d, q, segs, n, indirect);
	drv_notify(d, q);
	virtio_pci_poll(d->vp);
	if (!drv_used(d, q, &id, &len))
		return -1;
	CHECK(id == head);
	return len;
}
