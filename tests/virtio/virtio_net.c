// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_net.c - virtio-net.  Without arguments: the device without a
 * host side (MAC in config space, TX consumed and dropped, no RX).  With
 * "tap": in a private network namespace, a tap device opened by the
 * device model exchanges frames with an AF_PACKET socket on the host side
 * in both directions (skipped without CAP_NET_ADMIN or /dev/net/tun).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "driver.h"

#define ETH_P_TEST	0x88b5	/* IEEE local experimental */
#define HDR		12

static const uint8_t mac[6] = { 0x02, 0x00, 0x00, 0xc0, 0xff, 0xee };

static void skip(const char *why)
{
	check_skip("%s", why);
}

static void test_no_backend(void)
{
	struct virtio_dev_args args = { .tap_fd = -1, .mac = mac };
	struct vt t;
	struct vdrv d;
	struct tseg s[1];
	uint64_t buf;
	uint32_t id, len;
	unsigned int i;

	vt_init(&t);
	drv_create(&d, &t, "virtio-net", &args);
	drv_up(&d, BIT_ULL(5), 16);
	CHECK(d.features & BIT_ULL(5));
	for (i = 0; i < 6; i++)
		CHECK(mmio_r(&t, d.device + i, 1) == mac[i]);
	CHECK(virtio_pci_host_fd(d.vp) == -1);
	buf = galloc(&t, 2048, 8);
	s[0] = (struct tseg){ buf, 60 + HDR, false };
	CHECK(drv_submit(&d, 1, s, 1, false) == 0);
	s[0] = (struct tseg){ buf, 1526, true };
	drv_post(&d, 0, s, 1, false);
	drv_notify(&d, 0);
	virtio_pci_poll(d.vp);
	virtio_pci_host_event(d.vp);
	CHECK(!drv_used(&d, 0, &id, &len));
	CHECK(!(drv_status(&d) & VIRTIO_STATUS_NEEDS_RESET));
	drv_destroy(&d);
	vt_fini(&t);
}

static void test_tap(void)
{
	struct virtio_dev_args args = { .tap_fd = -1, .mac = mac, .tap = "cvtap0" };
	struct sockaddr_ll sll;
	struct ifreq ifr;
	struct pollfd pfd;
	struct vt t;
	struct vdrv d;
	struct tseg s[2];
	uint8_t frame[128], got[2048], *p;
	uint64_t buf;
	uint32_t id, len;
	char err[256];
	struct virtio_pci *probe;
	int sk, i, found = 0;
	ssize_t n;

	if (access("/dev/net/tun", R_OK | W_OK))
		skip("virtio_net tap: /dev/net/tun not available");
	if (unshare(CLONE_NEWNET))
		skip("virtio_net tap: cannot create a network namespace (needs CAP_NET_ADMIN)");
	vt_init(&t);
	if (virtio_pci_create("virtio-net", &t.pci, -1, NULL, NULL, &args,
			      &probe, err, sizeof(err))) {
		check_skip("virtio_net tap: %s", err);
	}
	virtio_pci_destroy(probe);
	drv_create(&d, &t, "virtio-net", &args);
	CHECK(virtio_pci_host_fd(d.vp) >= 0);

	sk = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_TEST));
	CHECK(sk >= 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "cvtap0");
	CHECK(ioctl(sk, SIOCGIFFLAGS, &ifr) == 0);
	ifr.ifr_flags |= IFF_UP;
	CHECK(ioctl(sk, SIOCSIFFLAGS, &ifr) == 0);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_TEST);
	sll.sll_ifindex = (int)if_nametoindex("cvtap0");
	CHECK(sll.sll_ifindex > 0);
	CHECK(bind(sk, (struct sockaddr *)&sll, sizeof(sll)) == 0);

	drv_up(&d, BIT_ULL(5), 64);
	buf = galloc(&t, 4096, 8);
	p = gpa_ptr(&t, buf);

	/* Guest -> host. */
	memset(p, 0, HDR);
	memset(frame, 0xff, 6);
	memcpy(frame + 6, mac, 6);
	frame[12] = ETH_P_TEST >> 8;
	frame[13] = ETH_P_TEST & 0xff;
	for (i = 14; i < 64; i++)
		frame[i] = (uint8_t)i;
	memcpy(p + HDR, frame, 64);
	s[0] = (struct tseg){ buf, HDR, false };
	s[1] = (struct tseg){ buf + HDR, 64, false };
	CHECK(drv_submit(&d, 1, s, 2, false) == 0);
	pfd = (struct pollfd){ .fd = sk, .events = POLLIN };
	CHECK(poll(&pfd, 1, 2000) == 1);
	n = recv(sk, got, sizeof(got), 0);
	CHECK(n == 64 && !memcmp(got, frame, 64));

	/* Host -> guest: the frame waits in the tap until buffers come. */
	memcpy(frame, mac, 6);
	frame[6] = 0x02;
	frame[20] = 0x5a;
	CHECK(sendto(sk, frame, 64, 0, (struct sockaddr *)&sll, sizeof(sll)) == 64);
	for (i = 0; i < 8 && !found; i++) {
		memset(p + 1024, 0, 2048);
		s[0] = (struct tseg){ buf + 1024, 1526 + HDR, true };
		drv_post(&d, 0, s, 1, false);
		drv_notify(&d, 0);
		virtio_pci_poll(d.vp);
		virtio_pci_host_event(d.vp);
		if (!drv_used(&d, 0, &id, &len)) {
			usleep(50000);
			continue;
		}
		/* Skip any frame the kernel itself sent (e.g. IPv6 DAD). */
		if (len == HDR + 64 && p[1024 + HDR + 20] == 0x5a) {
			CHECK(p[1024 + 10] == 1 && p[1024 + 11] == 0);
			CHECK(!memcmp(p + 1024 + HDR, frame, 64));
			found = 1;
		}
	}
	CHECK(found);
	close(sk);
	drv_destroy(&d);
	vt_fini(&t);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "tap"))
		test_tap();
	else
		test_no_backend();
	printf("virtio_net%s: ok\n", argc > 1 ? " tap" : "");
	return 0;
}
