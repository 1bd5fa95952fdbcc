// SPDX-License-Identifier: GPL-2.0
/*
 * dev_iotest.c - the ioreq test device, for guest tests of every request
 * type served out of process:
 *
 *   PIO 0x5a0-0x5a7   8-byte scratch register, any width 1/2/4 at any
 *                     offset inside it (little-endian bytes)
 *   PIO 0x5a8-0x5ab   32-bit count of requests this device served
 *   MMIO 0xfeb10000   4 KiB of scratch bytes, widths 1/2/4/8
 *   PCI 00:SLOT.0     1b36:0005, class ff0000, no BARs; config bytes
 *                     0x40-0x7f are scratch, the rest read-only
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dm/dm.h"

#define IOTEST_PIO_BASE		0x5a0
#define IOTEST_PIO_SCRATCH	8
#define IOTEST_PIO_COUNT	0x5a8
#define IOTEST_MMIO_BASE	0xfeb10000ull
#define IOTEST_MMIO_SIZE	4096
#define IOTEST_CFG_SCRATCH	0x40
#define IOTEST_CFG_SCRATCH_END	0x80

struct iotest {
	uint32_t sbdf;
	uint32_t served;
	uint8_t pio[IOTEST_PIO_SCRATCH];
	uint8_t mmio[IOTEST_MMIO_SIZE];
	uint8_t cfg[256];
};

static uint64_t get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static void put_le(uint8_t *p, unsigned int n, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* [off, off + size) of a window of @len bytes, or NULL. */
static uint8_t *window(uint8_t *base, uint64_t len, uint64_t off,
		       unsigned int size)
{
	return off < len && size <= len - off ? base + off : NULL;
}

static void iotest_cfg(struct iotest *t, uint32_t reg, unsigned int size,
		       uint64_t *data, int is_write)
{
	uint8_t *p = window(t->cfg, sizeof(t->cfg), reg, size);
	unsigned int i;

	if (!p) {
		if (!is_write)
			*data = ~0ull;
		return;
	}
	if (!is_write) {
		*data = get_le(p, size);
		return;
	}
	for (i = 0; i < size; i++)
		if (reg + i >= IOTEST_CFG_SCRATCH &&
		    reg + i < IOTEST_CFG_SCRATCH_END)
			p[i] = (uint8_t)(*data >> (8 * i));
}

static void iotest_io(void *priv, uint8_t type, uint64_t addr,
		      unsigned int size, uint64_t *data, int is_write)
{
	struct iotest *t = priv;
	uint8_t *p = NULL;

	t->served++;
	switch (type) {
	case IOREQ_TYPE_PIO:
		if (addr == IOTEST_PIO_COUNT && size == 4 && !is_write) {
			*data = t->served;
			return;
		}
		if (addr >= IOTEST_PIO_BASE)
			p = window(t->pio, sizeof(t->pio),
				   addr - IOTEST_PIO_BASE, size);
		break;
	case IOREQ_TYPE_COPY:
		if (addr >= IOTEST_MMIO_BASE)
			p = window(t->mmio, sizeof(t->mmio),
				   addr - IOTEST_MMIO_BASE, size);
		break;
	case IOREQ_TYPE_PCI_CONFIG:
		if ((addr >> 32) == t->sbdf) {
			iotest_cfg(t, (uint32_t)addr, size, data, is_write);
			return;
		}
		break;
	}
	if (!p) {
		if (!is_write)
			*data = ~0ull;
		return;
	}
	if (is_write)
		put_le(p, size, *data);
	else
		*data = get_le(p, size);
}

static int iotest_init(struct dm *dm, const struct dm_opts *opts,
		       void **priv, char *err, size_t err_len)
{
	struct iotest *t = calloc(1, sizeof(*t));
	int ret;

	if (!t) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	t->sbdf = XEN_DMOP_PCI_SBDF(0, 0, dm->slot, 0);
	put_le(&t->cfg[0x00], 2, 0x1b36);
	put_le(&t->cfg[0x02], 2, 0x0005);
	put_le(&t->cfg[0x08], 4, 0xff000000);	/* class ff, rev 0 */
	ret = dm_map_range(dm, false, IOTEST_PIO_BASE, IOTEST_PIO_COUNT + 3);
	if (!ret)
		ret = dm_map_range(dm, true, IOTEST_MMIO_BASE,
				   IOTEST_MMIO_BASE + IOTEST_MMIO_SIZE - 1);
	if (!ret && xendevicemodel_map_pcidev_to_ioreq_server(dm->dmod, 0,
			dm->id, 0, 0, (uint8_t)dm->slot, 0))
		ret = -errno;
	if (ret) {
		snprintf(err, err_len, "cannot register its ranges: %s",
			 strerror(-ret));
		free(t);
		return ret;
	}
	*priv = t;
	return 0;
}

static void iotest_destroy(void *priv)
{
	free(priv);
}

const struct dm_dev_type dm_dev_iotest = {
	.name = "iotest",
	.init = iotest_init,
	.io = iotest_io,
	.destroy = iotest_destroy,
};
