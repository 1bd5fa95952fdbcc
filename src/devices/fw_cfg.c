// SPDX-License-Identifier: GPL-2.0
/*
 * fw_cfg.c - QEMU's firmware configuration device, legacy I/O interface:
 * a 16-bit selector at 0x510 and an 8-bit data port at 0x511 that reads
 * the selected item byte by byte.  Unknown items and reads past the end of
 * an item return zero.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/devices.h"
#include "vmm/config.h"
#include "vmm/devsvc.h"

#define FW_CFG_PORT		0x510
#define FW_CFG_SIGNATURE	0x0000
#define FW_CFG_ID		0x0001
#define FW_CFG_RAM_SIZE		0x0003
#define FW_CFG_NB_CPUS		0x0005

struct fw_cfg {
	pthread_mutex_t lock;	/* vCPUs may race on selector and offset */
	uint16_t selector;
	uint32_t offset;
	uint64_t ram_size;
	uint16_t nr_cpus;
};

/* Byte @off of item @key. */
static uint8_t fw_cfg_byte(const struct fw_cfg *fc, uint16_t key, uint32_t off)
{
	switch (key) {
	case FW_CFG_SIGNATURE:
		return off < 4 ? (uint8_t)"QEMU"[off] : 0;
	case FW_CFG_ID:
		return 0;
	case FW_CFG_RAM_SIZE:
		return off < 8 ? (uint8_t)(fc->ram_size >> (8 * off)) : 0;
	case FW_CFG_NB_CPUS:
		return off < 2 ? (uint8_t)(fc->nr_cpus >> (8 * off)) : 0;
	default:
		return 0;
	}
}

static void fw_cfg_access(void *opaque, const struct bus_ctx *ctx,
			  uint64_t offset, uint8_t *data, unsigned int len,
			  bool is_write)
{
	struct fw_cfg *fc = opaque;

	pthread_mutex_lock(&fc->lock);
	if (offset == 0 && len == 2) {
		if (is_write) {
			fc->selector = (uint16_t)bus_get_le(data, 2);
			fc->offset = 0;
		} else {
			bus_put_le(data, 2, fc->selector);
		}
	} else if (offset == 1 && len == 1) {
		if (!is_write) {
			data[0] = fw_cfg_byte(fc, fc->selector, fc->offset);
			if (fc->offset < UINT32_MAX)
				fc->offset++;
		}
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
	fc->selector = 0;
	fc->offset = 0;
	pthread_mutex_unlock(&fc->lock);
}

/*
 * Version 1: selector (u16) and read offset (u32).  The items come from
 * the machine configuration, which a restore recreates.
 */
static int fw_cfg_save(void *opaque, struct sbuf *out)
{
	struct fw_cfg *fc = opaque;

	pthread_mutex_lock(&fc->lock);
	sbuf_put_u16(out, fc->selector);
	sbuf_put_u32(out, fc->offset);
	pthread_mutex_unlock(&fc->lock);
	return 0;
}

static int fw_cfg_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct fw_cfg *fc = opaque;
	uint16_t selector = sbuf_get_u16(in);
	uint32_t offset = sbuf_get_u32(in);

	if (sbuf_error(in))
		return sbuf_error(in);
	pthread_mutex_lock(&fc->lock);
	fc->selector = selector;
	fc->offset = offset;
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
	.version = 1,
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
	fc->ram_size = cfg->ram_size;
	fc->nr_cpus = (uint16_t)cfg->nr_cpus;
	ret = devsvc_component(svc, "fw_cfg", COMP_STAGE_PLATFORM,
			       &fw_cfg_comp_ops, fc);
	if (ret) {
		fw_cfg_destroy(fc);
		return ret;
	}
	return devsvc_io_register(svc, BUS_PIO, FW_CFG_PORT, 2, &fw_cfg_ops,
				  fc);
}
