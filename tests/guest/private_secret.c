// SPDX-License-Identifier: GPL-2.0
/*
 * private_secret.c - a "confidential" guest (run with --private-memory
 * and a --disk, by tests/guest/run-secret).
 *
 * The guest keeps a secret only in private memory, and does its disk I/O
 * as swiotlb does: through a shared bounce buffer, copying public data in
 * and out of private memory.  It then has the VMM count copies of every
 * secret word in all of guest RAM the VMM can read (testdev SCAN: none)
 * and of the public data it wrote (found, in the bounce buffer).  Last it
 * points the disk at a private buffer: the device refuses (it reports a
 * driver error and needs a reset), the private data is untouched, and the
 * guest, hence the VMM, runs on.  The script then checks that the disk
 * holds the public data and no secret word.
 */
#include "pci.h"

#define BLK_T_IN	0
#define BLK_T_OUT	1
#define SECTOR		512
#define BAR_ADDR	(PCI_MMIO_WINDOW + 0x100000)
#define PRIV_BASE	0x3000000ull		/* 48 MiB */
#define PRIV_SIZE	(64ull << 10)
#define SECRET_WORDS	(PRIV_SIZE / 2 / 8)	/* first half: the secret */
#define PUBLIC		(PRIV_BASE + PRIV_SIZE / 2)

struct blk_req {
	uint32_t type, reserved;
	uint64_t sector;
};

static struct virtio vdev;
static struct vq vq;
static struct blk_req req;
static uint8_t bounce[SECTOR] __aligned(16);	/* shared, like swiotlb */
static volatile uint8_t status;

/*
 * The secret and the public words, made in registers by leaf functions:
 * the guest's stack is shared memory, so no secret word is ever a
 * variable that could be spilled there.
 */
static inline uint64_t secret_word(uint64_t i)
{
	return 0x5ec2e7f00d000000ull ^ (i * 0x9e3779b97f4a7c15ull);
}

static inline uint64_t public_word(uint64_t i)
{
	return 0x7075626c69630000ull | i;	/* "public" */
}

static __attribute__((noinline)) void secret_fill(void)
{
	volatile uint64_t *p = (volatile uint64_t *)PRIV_BASE;
	uint64_t i;

	for (i = 0; i < SECRET_WORDS; i++)
		p[i] = secret_word(i);
}

static __attribute__((noinline)) bool secret_intact(void)
{
	volatile uint64_t *p = (volatile uint64_t *)PRIV_BASE;
	uint64_t i;

	for (i = 0; i < SECRET_WORDS; i++)
		if (p[i] != secret_word(i))
			return false;
	return true;
}

static uint64_t scan_table[SECRET_WORDS];	/* shared: complements only */

/* How many secret words can the VMM see?  One scan for all of them. */
static __attribute__((noinline)) int scan_secret(void)
{
	uint64_t i;

	for (i = 0; i < SECRET_WORDS; i++)
		scan_table[i] = ~secret_word(i);
	return testdev_cmd(TESTDEV_SCAN, ~0ull, (uint64_t)scan_table,
			   SECRET_WORDS);
}

static uint8_t blk_rw(uint32_t type, uint64_t sector, uint64_t data)
{
	uint16_t idx;
	uint64_t spins;

	req = (struct blk_req){ .type = type, .sector = sector };
	status = 0xff;
	vq.desc[0] = (struct vq_desc){ (uint64_t)&req, sizeof(req),
				       VQ_DESC_F_NEXT, 1 };
	vq.desc[1] = (struct vq_desc){ data, SECTOR,
		VQ_DESC_F_NEXT | (type == BLK_T_IN ? VQ_DESC_F_WRITE : 0), 2 };
	vq.desc[2] = (struct vq_desc){ (uint64_t)&status, 1,
				       VQ_DESC_F_WRITE, 0 };
	idx = vq.avail.idx;
	vq.avail.ring[idx % VQ_SIZE] = 0;
	barrier();
	WRITE_ONCE(vq.avail.idx, idx + 1);
	virtio_notify(&vdev, 0);
	for (spins = 0; READ_ONCE(vq.used.idx) == vq.last_used; spins++) {
		/* A device that gave up on the request says so here. */
		if (virtio_status(&vdev) & VIRTIO_ST_NEEDS_RESET)
			return 0xfe;
		if (spins > 200000000ull)
			exit_fail("no completion (used.idx %u, status 0x%x)",
				  vq.used.idx, virtio_status(&vdev));
		pause();
	}
	barrier();
	vq.last_used++;
	return status;
}

int main(const char *cmdline)
{
	volatile uint64_t *pub = (volatile uint64_t *)PUBLIC;
	uint64_t *b = (uint64_t *)bounce;
	unsigned int i;
	int n;

	testdev_require();
	if (kvm_map_gpa_range(PRIV_BASE, PRIV_SIZE / 4096, KVM_MAP_GPA_ENCRYPTED))
		exit_fail("cannot make the secret's pages private");
	secret_fill();
	for (i = 0; i < PRIV_SIZE / 2 / 8; i++)
		pub[i] = public_word(i);

	virtio_probe(&vdev, VIRTIO_DEV_BLK, BAR_ADDR);
	virtio_queue_setup(&vdev, 0, &vq, 0xffff);
	virtio_driver_ok(&vdev);

	/* Write public data through the bounce buffer (sector 1)... */
	for (i = 0; i < SECTOR / 8; i++)
		b[i] = pub[i];
	ASSERT_EQ(blk_rw(BLK_T_OUT, 1, (uint64_t)bounce), 0);
	/* Control: the VMM does see what went through the bounce buffer. */
	ASSERT(testdev_cmd(TESTDEV_SCAN, ~public_word(3)) >= 1);
	/* ...and read sector 0 back into private memory the same way. */
	memset(bounce, 0, sizeof(bounce));
	ASSERT_EQ(blk_rw(BLK_T_IN, 0, (uint64_t)bounce), 0);
	for (i = 0; i < SECTOR / 8; i++)
		pub[SECTOR / 8 + i] = b[i];
	ASSERT_EQ(pub[SECTOR / 8], 0x303030306b736964ull);	/* "disk0000" */

	/* What the VMM can see: no secret word, the public data. */
	n = scan_secret();
	if (n)
		exit_fail("the VMM sees %d copies of secret words", n);
	ASSERT_EQ(testdev_cmd(TESTDEV_DMA_PROBE, PRIV_BASE, SECTOR), -14);

	/* The disk pointed at private memory: refused, the VM runs on. */
	n = blk_rw(BLK_T_IN, 0, PRIV_BASE);
	if (n != 0xfe)
		exit_fail("a read into private memory completed (status %d)", n);
	ASSERT(secret_intact());
	printf("device refused private memory (status 0x%x), secret intact\n",
	       virtio_status(&vdev));
	ASSERT_EQ(scan_secret(), 0);
	printf("confidential guest: %u secret words, none visible to the VMM\n",
	       (unsigned int)SECRET_WORDS);
	return 0;
}
