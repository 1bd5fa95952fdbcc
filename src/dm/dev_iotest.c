// SPDX-License-Identifier: GPL-2.0
/*
 * dev_iotest.c - the ioreq test device, for guest tests of every request
 * type served out of process:
 *
 *   PIO 0x5a0-0x5a7   8-byte scratch register, any width 1/2/4 at any
 *                     offset inside it (little-endian bytes)
 *   PIO 0x5a8-0x5ab   32-bit count of requests this device served
 *   PIO 0x5ac         byte: bit 0 is the level of our INTA line
 *                     (XEN_DMOP_set_pci_intx_level); reads it back
 *   PIO 0x5ad         byte write: ISA IRQ (bits 0-3) to level bit 7
 *                     (XEN_DMOP_set_isa_irq_level); reads the last write
 *   PIO 0x5b0-0x5b3   32-bit count of IOREQ_TYPE_INVALIDATE requests
 *   PIO 0x5b4-0x5b7   32-bit count of IOREQ_TYPE_TIMEOFFSET notices
 *   PIO 0x5b8-0x5bf   64-bit sum of their deltas (seconds), 4-byte reads
 *   MMIO 0xfeb10000   4 KiB of scratch bytes, widths 1/2/4/8
 *   PCI 00:SLOT.0     1b36:0005, class ff0000, no BARs, INTA; config
 *                     bytes 0x3c and 0x40-0x7f are scratch, the rest
 *                     read-only (status bit 3: INTA asserted)
 *
 * Everything above is saved for snapshots (state layout 1), and a load
 * drives the INTx and ISA lines to the saved levels again.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dm/dm.h"

#define IOTEST_PIO_BASE		0x5a0
#define IOTEST_PIO_SCRATCH	8
#define IOTEST_PIO_COUNT	0x5a8
#define IOTEST_PIO_INTX		0x5ac
#define IOTEST_PIO_ISA		0x5ad
#define IOTEST_PIO_INVAL	0x5b0
#define IOTEST_PIO_TIMEOFF_N	0x5b4
#define IOTEST_PIO_TIMEOFF	0x5b8
#define IOTEST_PIO_END		0x5bf
#define IOTEST_MMIO_BASE	0xfeb10000ull
#define IOTEST_MMIO_SIZE	4096
#define IOTEST_CFG_SCRATCH	0x40
#define IOTEST_CFG_SCRATCH_END	0x80

struct iotest {
	struct dm *dm;
	uint32_t sbdf;
	uint32_t served;
	uint8_t intx;		/* INTA level */
	uint8_t isa;		/* last ISA command: irq | level << 7 */
	uint32_t invalidations;
	uint32_t timeoffsets;
	int64_t timeoffset;	/* sum of the deltas */
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

static void iotest_set_intx(struct iotest *t, uint8_t level)
{
	uint16_t status = (uint16_t)get_le(&t->cfg[0x06], 2);

	t->intx = level & 1;
	put_le(&t->cfg[0x06], 2, t->intx ? status | 0x08 : status & ~0x08);
	xendevicemodel_set_pci_intx_level(t->dm->dmod, 0, 0, 0,
					  (uint8_t)t->dm->slot, 0, t->intx);
}

static void iotest_set_isa(struct iotest *t, uint8_t cmd)
{
	t->isa = cmd;
	xendevicemodel_set_isa_irq_level(t->dm->dmod, 0, cmd & 0x0f, cmd >> 7);
}

/* The control and counter registers at 0x5a8-0x5bf. */
static bool iotest_regs(struct iotest *t, uint64_t addr, unsigned int size,
			uint64_t *data, int is_write)
{
	uint64_t v = 0;

	switch (addr) {
	case IOTEST_PIO_COUNT:
		v = t->served;
		break;
	case IOTEST_PIO_INTX:
		if (is_write)
			iotest_set_intx(t, (uint8_t)*data);
		v = t->intx;
		break;
	case IOTEST_PIO_ISA:
		if (is_write)
			iotest_set_isa(t, (uint8_t)*data);
		v = t->isa;
		break;
	case IOTEST_PIO_INVAL:
		v = t->invalidations;
		break;
	case IOTEST_PIO_TIMEOFF_N:
		v = t->timeoffsets;
		break;
	case IOTEST_PIO_TIMEOFF:
		v = (uint32_t)t->timeoffset;
		break;
	case IOTEST_PIO_TIMEOFF + 4:
		v = (uint32_t)((uint64_t)t->timeoffset >> 32);
		break;
	default:
		if (!is_write)
			*data = ~0ull;
		return true;
	}
	if (!is_write)
		*data = v;
	return true;
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
		if ((reg + i >= IOTEST_CFG_SCRATCH &&
		     reg + i < IOTEST_CFG_SCRATCH_END) || reg + i == 0x3c)
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
		if (addr >= IOTEST_PIO_COUNT && iotest_regs(t, addr, size, data,
							    is_write))
			return;
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
	t->dm = dm;
	t->sbdf = XEN_DMOP_PCI_SBDF(0, 0, dm->slot, 0);
	put_le(&t->cfg[0x00], 2, 0x1b36);
	put_le(&t->cfg[0x02], 2, 0x0005);
	put_le(&t->cfg[0x08], 4, 0xff000000);	/* class ff, rev 0 */
	/* INTA, and the GSI cvisor's bus swizzles it to (16 + slot % 4). */
	t->cfg[0x3d] = 1;
	t->cfg[0x3c] = (uint8_t)(16 + dm->slot % 4);
	ret = dm_map_range(dm, false, IOTEST_PIO_BASE, IOTEST_PIO_END);
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

static void iotest_invalidate(void *priv)
{
	struct iotest *t = priv;

	t->invalidations++;
}

static void iotest_timeoffset(void *priv, int64_t delta)
{
	struct iotest *t = priv;

	t->timeoffsets++;
	t->timeoffset += delta;
}

/*
 * Layout 1: served, invalidations, timeoffsets (u32), timeoffset (u64),
 * INTA level, ISA command (u8), the PIO scratch (8), config space (256),
 * the MMIO scratch (4096).
 */
static int iotest_save(void *priv, struct sbuf *out)
{
	struct iotest *t = priv;

	sbuf_put_u32(out, t->served);
	sbuf_put_u32(out, t->invalidations);
	sbuf_put_u32(out, t->timeoffsets);
	sbuf_put_u64(out, (uint64_t)t->timeoffset);
	sbuf_put_u8(out, t->intx);
	sbuf_put_u8(out, t->isa);
	sbuf_put_bytes(out, t->pio, sizeof(t->pio));
	sbuf_put_bytes(out, t->cfg, sizeof(t->cfg));
	sbuf_put_bytes(out, t->mmio, sizeof(t->mmio));
	return 0;
}

static int iotest_load(void *priv, struct sbuf *in, uint32_t version)
{
	struct iotest *t = priv, n;

	n.served = sbuf_get_u32(in);
	n.invalidations = sbuf_get_u32(in);
	n.timeoffsets = sbuf_get_u32(in);
	n.timeoffset = (int64_t)sbuf_get_u64(in);
	n.intx = sbuf_get_u8(in);
	n.isa = sbuf_get_u8(in);
	sbuf_get_bytes(in, n.pio, sizeof(n.pio));
	sbuf_get_bytes(in, n.cfg, sizeof(n.cfg));
	sbuf_get_bytes(in, n.mmio, sizeof(n.mmio));
	if (sbuf_error(in))
		return sbuf_error(in);
	/* Identity is ours, not the image's. */
	if (n.intx > 1 || memcmp(n.cfg, t->cfg, 0x06) ||
	    memcmp(n.cfg + 0x08, t->cfg + 0x08, 4) || n.cfg[0x3d] != 1)
		return -EINVAL;
	t->served = n.served;
	t->invalidations = n.invalidations;
	t->timeoffsets = n.timeoffsets;
	t->timeoffset = n.timeoffset;
	memcpy(t->pio, n.pio, sizeof(t->pio));
	memcpy(t->cfg, n.cfg, sizeof(t->cfg));
	memcpy(t->mmio, n.mmio, sizeof(t->mmio));
	/* This VMM's lines start low: raise what was raised. */
	iotest_set_intx(t, n.intx);
	if (n.isa >> 7)
		iotest_set_isa(t, n.isa);
	else
		t->isa = n.isa;
	return 0;
}

const struct dm_dev_type dm_dev_iotest = {
	.name = "iotest",
	.init = iotest_init,
	.io = iotest_io,
	.destroy = iotest_destroy,
	.state_version = 1,
	.save = iotest_save,
	.load = iotest_load,
	.invalidate = iotest_invalidate,
	.timeoffset = iotest_timeoffset,
};
