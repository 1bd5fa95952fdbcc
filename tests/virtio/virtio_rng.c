// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_rng.c - virtio-rng fills device-writable buffers with random
 * bytes; readable segments are left alone; several chains in one kick.
 */
#include <string.h>

#include "driver.h"

int main(void)
{
	struct virtio_dev_args args = { .tap_fd = -1 };
	struct vt t;
	struct vdrv d;
	struct tseg s[2];
	uint64_t buf, buf2;
	uint8_t *p;
	uint32_t id, len;
	unsigned int i, nz = 0;
	long r;

	vt_init(&t);
	drv_create(&d, &t, "virtio-rng", &args);
	drv_up(&d, BIT_ULL(VIRTIO_F_INDIRECT_DESC), 8);
	buf = galloc(&t, 4096, 64);
	p = gpa_ptr(&t, buf);
	s[0] = (struct tseg){ buf, 256, true };
	r = drv_submit(&d, 0, s, 1, false);
	CHECK(r == 256);
	for (i = 0; i < 256; i++)
		nz += p[i] != 0;
	CHECK(nz > 200);	/* 256 zero-ish bytes from getrandom: no */

	/* Readable + writable: only the writable part counts. */
	memset(p, 0, 4096);
	s[0] = (struct tseg){ buf, 64, false };
	s[1] = (struct tseg){ buf + 64, 64, true };
	r = drv_submit(&d, 0, s, 2, true);
	CHECK(r == 64);
	for (i = 0, nz = 0; i < 64; i++)
		CHECK(p[i] == 0);

	/* Two chains, one notify. */
	buf2 = galloc(&t, 32, 8);
	s[0] = (struct tseg){ buf2, 16, true };
	drv_post(&d, 0, s, 1, false);
	s[0] = (struct tseg){ buf2 + 16, 16, true };
	drv_post(&d, 0, s, 1, false);
	drv_notify(&d, 0);
	virtio_pci_poll(d.vp);
	CHECK(drv_used(&d, 0, &id, &len) && len == 16);
	CHECK(drv_used(&d, 0, &id, &len) && len == 16);
	CHECK(!drv_used(&d, 0, &id, &len));
	CHECK(drv_status(&d) == (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK));
	drv_destroy(&d);
	vt_fini(&t);
	printf("virtio_rng: ok\n");
	return 0;
}
