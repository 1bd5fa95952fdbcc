// SPDX-License-Identifier: GPL-2.0
/*
 * pc_testdev.c - the parts of QEMU's pc-testdev that testdev.c does not
 * cover, so that test programs written against QEMU (kvm-unit-tests and
 * the like) run unchanged with --testdev: a 64 KiB memory-like MMIO
 * window at 0xFF000000, and the IRQ-line ports 0x2000 + n (0 <= n < 24)
 * whose writes set ISA IRQ line n to the value's truth.  The port-I/O
 * scratch at 0xE0 is testdev's.
 *
 * Both are guest-visible state, so they are one component.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/devices.h"
#include "lib/sbuf.h"
#include "vmm/config.h"
#include "vmm/devsvc.h"

#define PCT_IOMEM_BASE	0xFF000000ull
#define PCT_IOMEM_LEN	0x10000u
#define PCT_IRQ_BASE	0x2000u
#define PCT_IRQ_LINES	24u

struct pc_testdev {
	struct devsvc *svc;
	uint32_t irq_levels;		/* bit n: line n is high */
	uint8_t iomem[PCT_IOMEM_LEN];
};

static void pct_iomem_access(void *opaque, const struct bus_ctx *ctx,
			     uint64_t offset, uint8_t *data, unsigned int len,
			     bool is_write)
{
	struct pc_testdev *t = opaque;

	/* The bus hands out accesses inside the window only. */
	if (offset >= PCT_IOMEM_LEN || len > PCT_IOMEM_LEN - offset) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	if (is_write)
		memcpy(t->iomem + offset, data, len);
	else
		memcpy(data, t->iomem + offset, len);
}

static void pct_irq_access(void *opaque, const struct bus_ctx *ctx,
			   uint64_t offset, uint8_t *data, unsigned int len,
			   bool is_write)
{
	struct pc_testdev *t = opaque;
	unsigned int line = (unsigned int)offset;
	int level;

	if (!is_write) {
		memset(data, 0, len);
		return;
	}
	if (line >= PCT_IRQ_LINES)
		return;
	level = bus_get_le(data, len) != 0;
	if (level)
		t->irq_levels |= 1u << line;
	else
		t->irq_levels &= ~(1u << line);
	devsvc_irq_set(t->svc, line, level);
}

static const struct bus_dev_ops pct_iomem_ops = {
	.name = "pc-testdev-iomem",
	.access = pct_iomem_access,
};

static const struct bus_dev_ops pct_irq_ops = {
	.name = "pc-testdev-irq",
	.access = pct_irq_access,
};

static void pct_reset(void *opaque)
{
	struct pc_testdev *t = opaque;

	for (unsigned int i = 0; i < PCT_IRQ_LINES; i++)
		if (t->irq_levels & (1u << i))
			devsvc_irq_set(t->svc, i, 0);
	t->irq_levels = 0;
	memset(t->iomem, 0, sizeof(t->iomem));
}

static int pct_save(void *opaque, struct sbuf *out)
{
	struct pc_testdev *t = opaque;

	sbuf_put_u32(out, t->irq_levels);
	sbuf_put_bytes(out, t->iomem, sizeof(t->iomem));
	return sbuf_error(out);
}

static int pct_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct pc_testdev *t = opaque;
	uint32_t levels = sbuf_get_u32(in);

	sbuf_get_bytes(in, t->iomem, sizeof(t->iomem));
	if (sbuf_error(in) || levels >> PCT_IRQ_LINES)
		return -EINVAL;
	/* The irqchip's own state carries the lines; only remember them. */
	t->irq_levels = levels;
	return 0;
}

static void pct_destroy(void *opaque)
{
	free(opaque);
}

static const struct component_ops pct_comp_ops = {
	.version = 1,
	.reset = pct_reset,
	.save = pct_save,
	.load = pct_load,
	.destroy = pct_destroy,
};

int pc_testdev_init(struct devsvc *svc, const struct vm_config *cfg,
		    char *err, size_t err_len)
{
	struct pc_testdev *t;
	int ret;

	if (!cfg->testdev)
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->svc = svc;
	ret = devsvc_component(svc, "pc-testdev", COMP_STAGE_PLATFORM,
			       &pct_comp_ops, t);
	if (ret) {
		free(t);
		return ret;
	}
	ret = devsvc_io_register(svc, BUS_MMIO, PCT_IOMEM_BASE, PCT_IOMEM_LEN,
				 &pct_iomem_ops, t);
	if (!ret)
		ret = devsvc_io_register(svc, BUS_PIO, PCT_IRQ_BASE,
					 PCT_IRQ_LINES, &pct_irq_ops, t);
	if (ret == -EEXIST)
		snprintf(err, err_len, "--testdev: the pc-testdev window at "
			 "0x%llx or ports 0x%x-0x%x are taken (by --firmware?)",
			 PCT_IOMEM_BASE, PCT_IRQ_BASE,
			 PCT_IRQ_BASE + PCT_IRQ_LINES - 1);
	return ret;
}
