// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_blk.c - virtio-blk against a temporary raw image: read, write
 * (direct and indirect chains), flush, GET_ID, range and format errors,
 * read-only images, MSI-X and INTx interrupts, EVENT_IDX suppression.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"

#define IMG_SECTORS	2048

struct blk_hdr {
	uint32_t type, reserved;
	uint64_t sector;
};

/* One request: header, data split into @nseg pieces, status. */
static long blk_req(struct vdrv *d, uint32_t type, uint64_t sector,
		    uint64_t data, uint32_t len, unsigned int nseg,
		    bool indirect, uint8_t *status)
{
	struct vt *t = d->t;
	uint64_t h = galloc(t, 16, 16), st = galloc(t, 1, 1);
	struct blk_hdr *hp = gpa_ptr(t, h);
	struct tseg s[8];
	unsigned int n = 0, i;
	long r;

	hp->type = type;
	hp->sector = sector;
	s[n++] = (struct tseg){ h, 16, false };
	for (i = 0; i < nseg; i++) {
		uint32_t piece = len / nseg;

		s[n++] = (struct tseg){ data + i * piece,
			i + 1 == nseg ? len - i * piece : piece,
			type != 1 };
	}
	*(uint8_t *)gpa_ptr(t, st) = 0xee;
	s[n++] = (struct tseg){ st, 1, true };
	r = drv_submit(d, 0, s, n, indirect);
	*status = *(uint8_t *)gpa_ptr(t, st);
	return r;
}

static int make_image(char *path)
{
	uint8_t buf[512];
	int fd, i;

	strcpy(path, "/tmp/cvisor-blk-XXXXXX");
	fd = mkstemp(path);
	CHECK(fd >= 0);
	for (i = 0; i < IMG_SECTORS; i++) {
		memset(buf, i & 0xff, sizeof(buf));
		buf[0] = (uint8_t)(i >> 8);
		CHECK(write(fd, buf, sizeof(buf)) == sizeof(buf));
	}
	return fd;
}

static void test_rw(const char *path, int fd)
{
	struct virtio_dev_args args = { .path = path, .serial = "cvisor-test-disk",
					.tap_fd = -1 };
	struct vt t;
	struct vdrv d;
	uint64_t buf;
	uint8_t st, file[1024], *p;
	unsigned int msi0;
	long r;
	int i;

	vt_init(&t);
	drv_create(&d, &t, "virtio-blk", &args);
	drv_up(&d, BIT_ULL(VIRTIO_F_INDIRECT_DESC) | BIT_ULL(9) |
		   BIT_ULL(1) | BIT_ULL(2), 64);
	CHECK(d.device_len >= 24);
	CHECK(mmio_r(&t, d.device, 8) == IMG_SECTORS);
	CHECK(mmio_r(&t, d.device + 12, 4) == 254);	/* seg_max */

	/* Read sector 3, data in 3 pieces. */
	buf = galloc(&t, 4096, 512);
	msi0 = t.msi[1];
	r = blk_req(&d, 0, 3, buf, 1024, 3, false, &st);
	CHECK(r == 1025 && st == 0);
	p = gpa_ptr(&t, buf);
	CHECK(p[0] == 0 && p[1] == 3 && p[511] == 3 && p[512] == 0 && p[513] == 4);
	CHECK(t.msi[1] == msi0 + 1);	/* queue 0 uses vector 1 */

	/* Write sectors 5-6 through an indirect table; check the file. */
	memset(p, 0xa5, 1024);
	r = blk_req(&d, 1, 5, buf, 1024, 2, true, &st);
	CHECK(r == 1 && st == 0);
	CHECK(pread(fd, file, 1024, 5 * 512) == 1024);
	for (i = 0; i < 1024; i++)
		CHECK(file[i] == 0xa5);
	/* Read it back through the device. */
	memset(p, 0, 1024);
	r = blk_req(&d, 0, 5, buf, 1024, 1, true, &st);
	CHECK(r == 1025 && st == 0 && p[0] == 0xa5 && p[1023] == 0xa5);

	/* Flush. */
	r = blk_req(&d, 4, 0, buf, 0, 0, false, &st);
	CHECK(r == 1 && st == 0);

	/* GET_ID: 20 bytes, not necessarily NUL terminated. */
	memset(p, 0, 64);
	r = blk_req(&d, 8, 0, buf, 20, 1, false, &st);
	CHECK(r == 21 && st == 0 && !memcmp(p, "cvisor-test-disk", 16));

	/* Errors a disk reports: out of range, overflowing, odd length. */
	r = blk_req(&d, 0, IMG_SECTORS, buf, 512, 1, false, &st);
	CHECK(r >= 1 && st == 1);
	r = blk_req(&d, 0, IMG_SECTORS - 1, buf, 1024, 1, false, &st);
	CHECK(r >= 1 && st == 1);
	r = blk_req(&d, 0, 1ull << 60, buf, 512, 1, false, &st);
	CHECK(r >= 1 && st == 1);
	r = blk_req(&d, 1, ~0ull, buf, 512, 1, false, &st);
	CHECK(r >= 1 && st == 1);
	r = blk_req(&d, 0, 0, buf, 100, 1, false, &st);
	CHECK(r >= 1 && st == 1);
	r = blk_req(&d, 77, 0, buf, 512, 1, false, &st);
	CHECK(r >= 1 && st == 2);
	CHECK(!(drv_status(&d) & VIRTIO_STATUS_NEEDS_RESET));

	/* INTx: MSI-X off, the ISR read acknowledges and lowers the line. */
	cfg_w(&t, d.devfn, d.msix_cap + 2, 2, 0);
	CHECK(cfg_r(&t, d.devfn, PCI_INTERRUPT_PIN, 1) == 1);
	r = blk_req(&d, 0, 1, buf, 512, 1, false, &st);
	CHECK(r == 513 && st == 0);
	i = (int)pci_intx_gsi(&t.pci, d.devfn >> 3, 1);
	CHECK(cfg_r(&t, d.devfn, PCI_INTERRUPT_LINE, 1) == (uint32_t)i);
	CHECK(t.gsi[i] == 1);
	CHECK(cfg_r(&t, d.devfn, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	CHECK(mmio_r(&t, d.isr, 1) == 1);
	CHECK(t.gsi[i] == 0);
	CHECK(mmio_r(&t, d.isr, 1) == 0);
	/* INTx disable in the command register masks the line. */
	cfg_w(&t, d.devfn, PCI_COMMAND, 2, PCI_COMMAND_MEMORY |
	      PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	r = blk_req(&d, 0, 1, buf, 512, 1, false, &st);
	CHECK(r == 513 && t.gsi[i] == 0);
	CHECK(mmio_r(&t, d.isr, 1) == 1);

	drv_destroy(&d);
	vt_fini(&t);
}

static void test_event_idx(const char *path)
{
	struct virtio_dev_args args = { .path = path, .tap_fd = -1 };
	struct vt t;
	struct vdrv d;
	uint64_t buf;
	uint16_t *avail;
	unsigned int msi0;
	uint8_t st;

	vt_init(&t);
	drv_create(&d, &t, "virtio-blk", &args);
	drv_up(&d, BIT_ULL(VIRTIO_F_EVENT_IDX), 16);
	CHECK(d.features & BIT_ULL(VIRTIO_F_EVENT_IDX));
	buf = galloc(&t, 512, 512);
	avail = tq_avail(&d, 0);

	/* used_event = 0: interrupt when used idx moves past 0. */
	avail[2 + 16] = 0;
	msi0 = t.msi[1];
	CHECK(blk_req(&d, 0, 0, buf, 512, 1, false, &st) == 513);
	CHECK(t.msi[1] == msi0 + 1);
	/* used_event far ahead: no interrupt. */
	avail[2 + 16] = 100;
	CHECK(blk_req(&d, 0, 0, buf, 512, 1, false, &st) == 513);
	CHECK(t.msi[1] == msi0 + 1);
	/* The device published avail_event = its next avail index. */
	CHECK(*(uint16_t *)((uint8_t *)gpa_ptr(&t, d.q[0].used) + 4 + 8 * 16) == 2);

	/* MSI-X vector masked: pending bit, delivered on unmask. */
	avail[2 + 16] = 2;
	mmio_w(&t, d.bar + VIRTIO_PCI_MSIX_TABLE_OFF + 16 + 12, 1, 4);
	CHECK(blk_req(&d, 0, 0, buf, 512, 1, false, &st) == 513);
	CHECK(t.msi[1] == msi0 + 1);
	CHECK(mmio_r(&t, d.bar + VIRTIO_PCI_MSIX_PBA_OFF, 8) == 2);
	mmio_w(&t, d.bar + VIRTIO_PCI_MSIX_TABLE_OFF + 16 + 12, 0, 4);
	CHECK(t.msi[1] == msi0 + 2);
	CHECK(mmio_r(&t, d.bar + VIRTIO_PCI_MSIX_PBA_OFF, 8) == 0);

	drv_destroy(&d);
	vt_fini(&t);
}

static void test_readonly(const char *path, int fd)
{
	struct virtio_dev_args args = { .path = path, .readonly = true,
					.tap_fd = -1 };
	struct vt t;
	struct vdrv d;
	uint64_t buf;
	uint8_t st, before[512], after[512];

	vt_init(&t);
	drv_create(&d, &t, "virtio-blk", &args);
	drv_up(&d, BIT_ULL(5), 16);
	CHECK(d.features & BIT_ULL(5));		/* VIRTIO_BLK_F_RO */
	buf = galloc(&t, 512, 512);
	CHECK(pread(fd, before, 512, 0) == 512);
	memset(gpa_ptr(&t, buf), 0x11, 512);
	CHECK(blk_req(&d, 1, 0, buf, 512, 1, false, &st) >= 1 && st == 1);
	CHECK(pread(fd, after, 512, 0) == 512);
	CHECK(!memcmp(before, after, 512));
	CHECK(blk_req(&d, 0, 0, buf, 512, 1, false, &st) == 513 && st == 0);
	CHECK(!memcmp(gpa_ptr(&t, buf), before, 512));
	drv_destroy(&d);
	vt_fini(&t);
}

int main(void)
{
	char path[64];
	char err[256];
	struct virtio_dev_args bad = { .path = "/nonexistent/img", .tap_fd = -1 };
	struct virtio_pci *vp;
	struct vt t;
	int fd;

	fd = make_image(path);
	test_rw(path, fd);
	test_event_idx(path);
	test_readonly(path, fd);

	/* A missing image is one clear error, not a crash. */
	vt_init(&t);
	CHECK(virtio_pci_create("virtio-blk", &t.pci, -1, NULL, NULL, &bad,
				&vp, err, sizeof(err)) < 0);
	CHECK(strstr(err, "/nonexistent/img"));
	vt_fini(&t);

	close(fd);
	unlink(path);
	printf("virtio_blk: ok\n");
	return 0;
}
