// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_garbage.c - a misbehaving virtio driver must not take the VMM
 * down.  On virtio-rng (1AF4:1044, one queue, device-writable buffers)
 * each round resets the device, sets it up correctly (VERSION_1 and
 * INDIRECT_DESC, so that an indirect table is legal in itself), then
 * offers one kind of garbage:
 *
 *   desc_loop      descriptor 0 -> 1 -> 0 -> ... (NEXT both ways)
 *   indirect_loop  a valid indirect descriptor whose table loops 0 -> 1 -> 0
 *   bad_addr       a buffer far above guest RAM
 *   huge_len       a 4 GiB - 1 byte buffer at a valid address
 *   bad_next       NEXT to a descriptor index beyond the queue size
 *   bad_avail_idx  avail.idx 100 entries ahead of what the device consumed
 *   bad_head       an avail ring entry naming descriptor 200
 *
 * and checks that the device sets DEVICE_NEEDS_RESET (0x40), completes
 * nothing, and then stays stopped: a valid request notified afterwards
 * is not served.  Between rounds, testdev's scratch register and the
 * serial port must still answer (the vCPU and the VMM carry on).  After
 * the last round a reset and a correct request must produce random bytes
 * again.  tests/guest/run-virtio-garbage checks that cvisor said so on
 * stderr and exited with the guest's verdict.
 */
#include "pci.h"

#define VIRTIO_DEV_RNG		0x1044
#define BAR_ADDR		(PCI_MMIO_WINDOW + 0x200000)

/* Common configuration (virtio 1.x 4.1.4.3), as the kit uses it. */
#define CC_GFSELECT		0x08
#define CC_GF			0x0C
#define CC_STATUS		0x14

#define F_INDIRECT_DESC		(1u << 28)
#define VQ_DESC_F_INDIRECT	4

/*
 * Polling bounds in TSC cycles (about 2 s and 40 ms at 2.5 GHz), not in
 * spins: a PAUSE loop is cheap on emu but exits on a nested KVM, where
 * millions of them take seconds.  A served request takes microseconds.
 */
#define WAIT_CYCLES		5000000000ull
#define STOPPED_CYCLES		100000000ull

static struct virtio vdev;
static struct vq vq;
static struct vq_desc table[2] __aligned(16);
static uint8_t buf[64] __aligned(16);

/* Reset, renegotiate with INDIRECT_DESC, set queue 0 up, DRIVER_OK. */
static void setup(void)
{
	uint8_t s;

	mmio_write8(vdev.common + CC_STATUS, 0);
	if (mmio_read8(vdev.common + CC_STATUS))
		exit_fail("reset: status stays 0x%x", virtio_status(&vdev));
	mmio_write8(vdev.common + CC_STATUS, VIRTIO_ST_ACK);
	mmio_write8(vdev.common + CC_STATUS, VIRTIO_ST_ACK | VIRTIO_ST_DRIVER);
	mmio_write32(vdev.common + CC_GFSELECT, 0);
	mmio_write32(vdev.common + CC_GF, F_INDIRECT_DESC);
	mmio_write32(vdev.common + CC_GFSELECT, 1);
	mmio_write32(vdev.common + CC_GF, 1);	/* VERSION_1 */
	mmio_write8(vdev.common + CC_STATUS, VIRTIO_ST_ACK | VIRTIO_ST_DRIVER |
		    VIRTIO_ST_FEATURES_OK);
	s = virtio_status(&vdev);
	if (!(s & VIRTIO_ST_FEATURES_OK))
		exit_fail("device refused INDIRECT_DESC (status 0x%x)", s);
	virtio_queue_setup(&vdev, 0, &vq, 0xffff);
	virtio_driver_ok(&vdev);
	s = virtio_status(&vdev);
	if (s & (VIRTIO_ST_NEEDS_RESET | VIRTIO_ST_FAILED))
		exit_fail("fresh device already failed (status 0x%x)", s);
}

/* Offer descriptor @head once and ring the doorbell. */
static void offer(uint16_t head)
{
	uint16_t idx = vq.avail.idx;

	vq.avail.ring[idx % VQ_SIZE] = head;
	barrier();
	WRITE_ONCE(vq.avail.idx, (uint16_t)(idx + 1));
	virtio_notify(&vdev, 0);
}

/* A correct 64-byte request; true if the device served it in time. */
static bool good_request(uint64_t cycles)
{
	uint16_t used = READ_ONCE(vq.used.idx);
	uint64_t end;

	vq.desc[0] = (struct vq_desc){ (uint64_t)buf, sizeof(buf),
				       VQ_DESC_F_WRITE, 0 };
	offer(0);
	end = rdtsc() + cycles;
	while (READ_ONCE(vq.used.idx) == used)
		if (rdtsc() > end)
			return false;
	return true;
}

/* The VMM still serves this vCPU: testdev scratch and the UART. */
static void vmm_alive(const char *round)
{
	uint32_t v = 0xC0DE0000u | (uint32_t)strlen(round);

	outl(TESTDEV_PIO_BASE, v);
	if (inl(TESTDEV_PIO_BASE) != v)
		exit_fail("%s: testdev scratch register lost its value", round);
	/* Line status: the transmitter must be ready (THRE) again. */
	if (!(inb(0x3F8 + 5) & 0x20))
		exit_fail("%s: serial transmitter not ready", round);
}

static void garbage_round(const char *name)
{
	uint64_t end;
	uint16_t used;
	uint8_t s = 0;

	setup();
	used = READ_ONCE(vq.used.idx);
	memset(table, 0, sizeof(table));
	if (!strcmp(name, "desc_loop")) {
		vq.desc[0] = (struct vq_desc){ (uint64_t)buf, 8,
			VQ_DESC_F_WRITE | VQ_DESC_F_NEXT, 1 };
		vq.desc[1] = (struct vq_desc){ (uint64_t)buf + 8, 8,
			VQ_DESC_F_WRITE | VQ_DESC_F_NEXT, 0 };
		offer(0);
	} else if (!strcmp(name, "indirect_loop")) {
		table[0] = (struct vq_desc){ (uint64_t)buf, 8,
			VQ_DESC_F_WRITE | VQ_DESC_F_NEXT, 1 };
		table[1] = (struct vq_desc){ (uint64_t)buf + 8, 8,
			VQ_DESC_F_WRITE | VQ_DESC_F_NEXT, 0 };
		vq.desc[0] = (struct vq_desc){ (uint64_t)table, sizeof(table),
					       VQ_DESC_F_INDIRECT, 0 };
		offer(0);
	} else if (!strcmp(name, "bad_addr")) {
		vq.desc[0] = (struct vq_desc){ 0x7ff000000000ull, 16,
					       VQ_DESC_F_WRITE, 0 };
		offer(0);
	} else if (!strcmp(name, "huge_len")) {
		vq.desc[0] = (struct vq_desc){ (uint64_t)buf, 0xffffffffu,
					       VQ_DESC_F_WRITE, 0 };
		offer(0);
	} else if (!strcmp(name, "bad_next")) {
		vq.desc[0] = (struct vq_desc){ (uint64_t)buf, 8,
			VQ_DESC_F_WRITE | VQ_DESC_F_NEXT, 0x7fff };
		offer(0);
	} else if (!strcmp(name, "bad_avail_idx")) {
		vq.desc[0] = (struct vq_desc){ (uint64_t)buf, 8,
					       VQ_DESC_F_WRITE, 0 };
		vq.avail.ring[0] = 0;
		barrier();
		WRITE_ONCE(vq.avail.idx, (uint16_t)(vq.avail.idx + 100));
		virtio_notify(&vdev, 0);
	} else if (!strcmp(name, "bad_head")) {
		offer(200);
	} else {
		exit_fail("unknown round %s", name);
	}

	end = rdtsc() + WAIT_CYCLES;
	while (!((s = virtio_status(&vdev)) & VIRTIO_ST_NEEDS_RESET))
		if (rdtsc() > end)
			exit_fail("%s: no DEVICE_NEEDS_RESET (status 0x%x)",
				  name, s);
	if (READ_ONCE(vq.used.idx) != used)
		exit_fail("%s: the device completed garbage (used.idx %u -> %u)",
			  name, used, vq.used.idx);
	/* Stopped: a correct request now is not served until a reset. */
	if (strcmp(name, "bad_avail_idx")) {
		if (good_request(STOPPED_CYCLES))
			exit_fail("%s: a device needing reset served a request",
				  name);
	}
	s = virtio_status(&vdev);
	if (!(s & VIRTIO_ST_NEEDS_RESET))
		exit_fail("%s: DEVICE_NEEDS_RESET went away (status 0x%x)",
			  name, s);
	vmm_alive(name);
	printf("%s: status 0x%x, nothing completed, VMM alive\n", name, s);
}

int main(const char *cmdline)
{
	static const char *const rounds[] = {
		"desc_loop", "indirect_loop", "bad_addr", "huge_len",
		"bad_next", "bad_avail_idx", "bad_head",
	};
	unsigned int i, nonzero = 0;

	testdev_require();
	virtio_probe(&vdev, VIRTIO_DEV_RNG, BAR_ADDR);

	/* The device works before any garbage... */
	setup();
	if (!good_request(WAIT_CYCLES))
		exit_fail("virtio-rng did not serve a correct request");

	for (i = 0; i < ARRAY_SIZE(rounds); i++)
		garbage_round(rounds[i]);

	/* ...and after a reset once the garbage is gone. */
	setup();
	memset(buf, 0, sizeof(buf));
	if (!good_request(WAIT_CYCLES))
		exit_fail("after reset: no completion (status 0x%x)",
			  virtio_status(&vdev));
	if (vq.used.ring[0].len == 0 || vq.used.ring[0].len > sizeof(buf))
		exit_fail("after reset: used length %u", vq.used.ring[0].len);
	for (i = 0; i < vq.used.ring[0].len; i++)
		nonzero += buf[i] != 0;
	if (!nonzero)
		exit_fail("after reset: %u bytes, all zero", vq.used.ring[0].len);
	printf("after reset: %u random bytes; %u garbage rounds survived\n",
	       vq.used.ring[0].len, (unsigned int)ARRAY_SIZE(rounds));
	return 0;
}
