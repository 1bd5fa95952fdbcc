// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_console.c - single-port virtio-console: guest output reaches the
 * write callback; host input is delivered only into posted receive
 * buffers, and input that arrives before buffers waits (not lost).
 */
#include <string.h>

#include "driver.h"

struct host {
	char out[256];
	size_t out_len;
	const char *in;
	size_t in_len;
};

static ssize_t h_write(void *opaque, const void *buf, size_t len)
{
	struct host *h = opaque;

	CHECK(h->out_len + len <= sizeof(h->out));
	memcpy(h->out + h->out_len, buf, len);
	h->out_len += len;
	return (ssize_t)len;
}

static ssize_t h_read(void *opaque, void *buf, size_t len)
{
	struct host *h = opaque;

	if (len > h->in_len)
		len = h->in_len;
	memcpy(buf, h->in, len);
	h->in += len;
	h->in_len -= len;
	return (ssize_t)len;
}

int main(void)
{
	struct host h = { .in = "hello guest", .in_len = 11 };
	struct virtio_dev_args args = { .tap_fd = -1, .cons_opaque = &h,
					.cons_write = h_write,
					.cons_read = h_read };
	struct vt t;
	struct vdrv d;
	struct tseg s[2];
	uint64_t buf;
	uint32_t id, len;
	char *p;

	vt_init(&t);
	drv_create(&d, &t, "virtio-console", &args);
	CHECK(mmio_r(&t, d.device + 4, 4) == 1);	/* max_nr_ports */
	drv_up(&d, 0, 16);
	buf = galloc(&t, 256, 8);
	p = gpa_ptr(&t, buf);

	/* TX: two segments, one write stream. */
	memcpy(p, "hi ", 3);
	memcpy(p + 64, "host\n", 5);
	s[0] = (struct tseg){ buf, 3, false };
	s[1] = (struct tseg){ buf + 64, 5, false };
	CHECK(drv_submit(&d, 1, s, 2, false) == 0);
	CHECK(h.out_len == 8 && !memcmp(h.out, "hi host\n", 8));

	/* RX: input waits until the guest posts buffers. */
	virtio_pci_host_event(d.vp);
	CHECK(!drv_used(&d, 0, &id, &len));
	s[0] = (struct tseg){ buf + 128, 5, true };
	drv_post(&d, 0, s, 1, false);
	s[0] = (struct tseg){ buf + 160, 32, true };
	drv_post(&d, 0, s, 1, false);
	drv_notify(&d, 0);
	virtio_pci_poll(d.vp);
	CHECK(drv_used(&d, 0, &id, &len) && len == 5);
	CHECK(!memcmp(p + 128, "hello", 5));
	CHECK(drv_used(&d, 0, &id, &len) && len == 6);
	CHECK(!memcmp(p + 160, " guest", 6));
	/* Nothing more to read: the next buffer stays posted. */
	s[0] = (struct tseg){ buf + 200, 16, true };
	drv_post(&d, 0, s, 1, false);
	drv_notify(&d, 0);
	virtio_pci_poll(d.vp);
	CHECK(!drv_used(&d, 0, &id, &len));
	h.in = "x";
	h.in_len = 1;
	virtio_pci_host_event(d.vp);
	CHECK(drv_used(&d, 0, &id, &len) && len == 1 && p[200] == 'x');
	drv_destroy(&d);
	vt_fini(&t);
	printf("virtio_console: ok\n");
	return 0;
}
