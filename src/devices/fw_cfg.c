// SPDX-License-Identifier: GPL-2.0
/*
 * fw_cfg.c - QEMU's firmware configuration device on x86: a 16-bit
 * selector at 0x510, an 8-bit data port at 0x511 that reads the selected
 * item byte by byte, and the DMA interface at 0x514 (a 64-bit big-endian
 * address register, high half at 0x514, low half at 0x518; writing the
 * low half starts the transfer).
 *
 * The items are the machine's (vm_config.fw_items, fw_cfg.h): the legacy
 * keys and, on the firmware machine, named files listed by the file
 * directory.  Unknown items and reads past the end of an item return
 * zero.  Items are read-only to the guest: a DMA write fails with the
 * error bit, as QEMU does for items without a write callback.
 *
 * A DMA descriptor (control, length, address: big endian, 16 bytes) and
 * the buffer it names are guest-provided: both must lie wholly in guest
 * RAM (devsvc_dma_map), else the transfer stops with the error bit set in
 * the control word, or, when the descriptor itself is not in RAM, nothing
 * happens at all.  A read past the end of the item fills the rest of the
 * buffer with zeros, as QEMU does.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/devices.h"
#include "devices/fw_cfg.h"
#include "vmm/config.h"
#include "vmm/devsvc.h"

#define FW_CFG_PORT		0x510
#define FW_CFG_PORT_LEN		0x0c	/* 0x510-0x511, 0x514-0x51b */
#define FW_CFG_DMA_OFF		0x04

static const char fw_cfg_dma_sig[8] = "QEMU CFG";

struct fw_cfg {
	struct devsvc *svc;
	const struct fw_cfg_items *items;
	pthread_mutex_t lock;	/* vCPUs may race on selector and offset */
	uint16_t selector;
	uint32_t offset;
	const struct fw_cfg_item *cur;	/* the selected item, or NULL */
	uint32_t dma_hi;		/* high half of the DMA address */
};

static void fw_cfg_select(struct fw_cfg *fc, uint16_t key)
{
	fc->selector = key;
	fc->offset = 0;
	fc->cur = fc->items ? fw_cfg_items_find(fc->items, key) : NULL;
}

static uint8_t fw_cfg_next_byte(struct fw_cfg *fc)
{
	uint8_t v = 0;

	if (fc->cur && fc->offset < fc->cur->len)
		v = fc->cur->data[fc->offset];
	if (fc->offset < UINT32_MAX)
		fc->offset++;
	return v;
}

/* One transfer; returns the control word to write back. */
static uint32_t fw_cfg_dma_run(struct fw_cfg *fc, const uint8_t *desc)
{
	uint32_t control, length, n, avail = 0;
	uint64_t addr;
	uint8_t *buf;

	memcpy(&control, desc, 4);
	memcpy(&length, desc + 4, 4);
	memcpy(&addr, desc + 8, 8);
	control = be32toh(control);
	length = be32toh(length);
	addr = be64toh(addr);

	if (control & FW_CFG_DMA_SELECT)
		fw_cfg_select(fc, (uint16_t)(control >> 16));
	if (control & FW_CFG_DMA_READ) {
		if (length) {
			buf = devsvc_dma_map(fc->svc, addr, length, true);
			if (!buf)
				return FW_CFG_DMA_ERROR;
			if (fc->cur && fc->offset < fc->cur->len)
				avail = fc->cur->len - fc->offset;
			n = length < avail ? length : avail;
			if (n)
				memcpy(buf, fc->cur->data + fc->offset, n);
			memset(buf + n, 0, length - n);
		}
	} else if (control & FW_CFG_DMA_WRITE) {
		return length ? FW_CFG_DMA_ERROR : 0;
	} else if (!(control & FW_CFG_DMA_SKIP)) {
		return 0;
	}
	fc->offset = length > UINT32_MAX - fc->offset ? UINT32_MAX :
		     fc->offset + length;
	return 0;
}

static void fw_cfg_dma(struct fw_cfg *fc, uint64_t gpa)
{
	uint8_t *desc = devsvc_dma_map(fc->svc, gpa, 16, true);
	uint32_t control;

	if (!desc)
		return;		/* nowhere to report it */
	control = htobe32(fw_cfg_dma_run(fc, desc));
	memcpy(desc, &control, 4);
}

static void fw_cfg_dma_access(struct fw_cfg *fc, uint64_t off, uint8_t *data,
			      unsigned int len, bool is_write)
{
	uint64_t v = 0;
	unsigned int i;

	if (!is_write) {
		for (i = 0; i < len; i++)
			data[i] = off + i < 8 ? (uint8_t)fw_cfg_dma_sig[off + i] :
						0;
		return;
	}
	/* A big-endian register: the first byte is the most significant. */
	for (i = 0; i < len; i++)
		v = (v << 8) | data[i];
	if (off == 0 && len == 4)
		fc->dma_hi = (uint32_t)v;
	else if (off == 4 && len == 4)
		fw_cfg_dma(fc, (uint64_t)fc->dma_hi << 32 | v);
}

static void fw_cfg_access(void *opaque, const struct bus_ctx *ctx,
			  uint64_t offset, uint8_t *data, unsigned int len,
			  bool is_write)
{
	struct fw_cfg *fc = opaque;
	unsigned int i;

	pthread_mutex_lock(&fc->lock);
	if (offset >= FW_CFG_DMA_OFF) {
		fw_cfg_dma_access(fc, offset - FW_CFG_DMA_OFF, data, len,
				  is_write);
	} else if (offset == 0 && len == 2) {
		if (is_write)
			fw_cfg_select(fc, (uint16_t)bus_get_le(data, 2));
		else
			bus_put_le(data, 2, fc->selector);
	} else if (offset == 1 && !is_write) {
		/* Wider reads of the data port return consecutive bytes. */
		for (i = 0; i < len; i++)
			data[i] = fw_cfg_next_byte(fc);
	} else if (!is_write) {
		memset(data, 0, len);
	}
	pthread_mutex_unlock(&fc->lock);
}

static const struct bus_dev_ops fw_cfg_ops = {
	.name = "fw_cfg",
	.access = fw_cfg_access,
};

/* ------------------------------------------------------------ lifecycle */

static void fw_cfg_reset(void *opaque)
{
	struct fw_cfg *fc = opaque;

	pthread_mutex_lock(&fc->lock);
	fw_cfg_select(fc, 0);
	fc->dma_hi = 0;
	pthread_mutex_unlock(&fc->lock);
}

/*
 * Version 1: selector (u16) and read offset (u32).  Version 2 adds the
 * high half of the DMA address (u32).  The items come from the machine
 * configuration, which a restore recreates.
 */
static int fw_cfg_save(void *opaque, struct sbuf *out)
{
	struct fw_cfg *fc = opaque;

	pthread_mutex_lock(&fc->lock);
	sbuf_put_u16(out, fc->selector);
	sbuf_put_u32(out, fc->offset);
	sbuf_put_u32(out, fc->dma_hi);
	pthread_mutex_unlock(&fc->lock);
	return 0;
}

static int fw_cfg_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct fw_cfg *fc = opaque;
	uint16_t selector = sbuf_get_u16(in);
	uint32_t offset = sbuf_get_u32(in);
	uint32_t dma_hi = version >= 2 ? sbuf_get_u32(in) : 0;

	if (sbuf_error(in))
		return sbuf_error(in);
	pthread_mutex_lock(&fc->lock);
	fw_cfg_select(fc, selector);
	fc->offset = offset;
	fc->dma_hi = dma_hi;
	pthread_mutex_unlock(&fc->lock);
	return 0;
}

static void fw_cfg_destroy(void *opaque)
{
	struct fw_cfg *fc = opaque;

	pthread_mutex_destroy(&fc->lock);
	free(fc);
}

static const struct component_ops fw_cfg_comp_ops = {
	.version = 2,
	.reset = fw_cfg_reset,
	.save = fw_cfg_save,
	.load = fw_cfg_load,
	.destroy = fw_cfg_destroy,
};

int fw_cfg_init(struct devsvc *svc, const struct vm_config *cfg, char *err,
		size_t err_len)
{
	struct fw_cfg *fc = calloc(1, sizeof(*fc));
	int ret;

	if (!fc)
		return -ENOMEM;
	pthread_mutex_init(&fc->lock, NULL);
	fc->svc = svc;
	fc->items = cfg->fw_items;
	fw_cfg_select(fc, 0);
	ret = devsvc_component(svc, "fw_cfg", COMP_STAGE_PLATFORM,
			       &fw_cfg_comp_ops, fc);
	if (ret) {
		fw_cfg_destroy(fc);
		return ret;
	}
	return devsvc_io_register(svc, BUS_PIO, FW_CFG_PORT, FW_CFG_PORT_LEN,
				  &fw_cfg_ops, fc);
}
