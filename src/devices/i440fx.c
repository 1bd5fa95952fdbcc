// SPDX-License-Identifier: GPL-2.0
/*
 * i440fx.c - the i440FX host bridge of the firmware machine (00:00.0,
 * 8086:1237, subsystem 1af4:1100 as QEMU's, which SeaBIOS checks):
 *
 *   0x59-0x5F  PAM0-PAM6: read enable (bit 0/4) and write enable (bit 1/5)
 *              of the 13 segments of 0xC0000-0xFFFFF; PAM0's high nibble
 *              is 0xF0000-0xFFFFF, then each register holds two 16 KiB
 *              segments from 0xC0000 up, low nibble first.  The memory
 *              map follows at once (firmware_pam_set()).
 *   0x72       SMRAM control: C_BASE_SEG reads 010 (0xA0000), G_SMRAME
 *              (bit 3) lets SMM code see SMRAM at 0xA0000-0xBFFFF,
 *              D_OPEN (bit 6) shows it outside SMM too.  D_LCK (bit 4)
 *              clears D_OPEN and makes D_OPEN, D_LCK and G_SMRAME read
 *              only until the VM ends.  D_CLS (bit 5) is kept but, as in
 *              QEMU, data accesses from SMM are not steered to the VGA
 *              hole.
 *
 * The generic host bridge of the default machine (src/pci) is replaced
 * by this one only when --firmware is given.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/devices.h"
#include "pci/pci.h"
#include "vmm/config.h"
#include "vmm/devsvc.h"

#define I440FX_VENDOR		0x8086
#define I440FX_DEVICE		0x1237
#define I440FX_PAM		0x59
#define I440FX_PAM_REGS		7
#define I440FX_SMRAM		0x72

#define SMRAM_C_BASE_SEG	0x02
#define SMRAM_G_SMRAME		0x08
#define SMRAM_D_LCK		0x10
#define SMRAM_D_CLS		0x20
#define SMRAM_D_OPEN		0x40

struct i440fx {
	struct pci_dev dev;
	struct devsvc *svc;
	bool smm;		/* the machine has SMM, so SMRAM */
};

/* Segment of PAM register @reg (0..6), nibble @hi. */
static int pam_seg(unsigned int reg, unsigned int hi)
{
	if (reg == 0)
		return hi ? 0 : -1;	/* PAM0's low nibble is reserved */
	return (int)(1 + (reg - 1) * 2 + hi);
}

static void i440fx_pam_update(struct i440fx *h)
{
	unsigned int reg, hi;
	int seg, ret;

	for (reg = 0; reg < I440FX_PAM_REGS; reg++) {
		uint8_t v = h->dev.cfg[I440FX_PAM + reg];

		for (hi = 0; hi < 2; hi++) {
			seg = pam_seg(reg, hi);
			if (seg < 0)
				continue;
			ret = devsvc_pam_set(h->svc, (unsigned int)seg,
					     (v >> (4 * hi)) & 3);
			if (ret)
				devsvc_vm_fail(h->svc,
					       "i440FX: cannot remap PAM segment %d: %d",
					       seg, ret);
		}
	}
}

static void i440fx_smram_update(struct i440fx *h)
{
	uint8_t *v = &h->dev.cfg[I440FX_SMRAM];
	int ret;

	if (*v & SMRAM_D_LCK) {
		*v &= (uint8_t)~SMRAM_D_OPEN;
		h->dev.wmask[I440FX_SMRAM] = SMRAM_D_CLS;
	}
	/* Without SMM there is no SMRAM: the register is kept, as in QEMU. */
	if (!h->smm)
		return;
	ret = devsvc_smram_set(h->svc, *v & SMRAM_G_SMRAME, *v & SMRAM_D_OPEN);
	if (ret)
		devsvc_vm_fail(h->svc, "i440FX: cannot switch SMRAM: %d", ret);
}

static void i440fx_cfg_write(struct pci_dev *dev, uint32_t off,
			     unsigned int len, uint32_t val)
{
	struct i440fx *h = dev->opaque;

	if (off < I440FX_PAM + I440FX_PAM_REGS && off + len > I440FX_PAM)
		i440fx_pam_update(h);
	if (off <= I440FX_SMRAM && off + len > I440FX_SMRAM)
		i440fx_smram_update(h);
}

static const struct pci_dev_ops i440fx_ops = {
	.cfg_write = i440fx_cfg_write,
};

/* ------------------------------------------------------------ lifecycle */

static void i440fx_power_on(struct i440fx *h)
{
	memset(&h->dev.cfg[I440FX_PAM], 0, I440FX_PAM_REGS);
	h->dev.cfg[I440FX_SMRAM] = SMRAM_C_BASE_SEG;
	h->dev.wmask[I440FX_SMRAM] = SMRAM_G_SMRAME | SMRAM_D_LCK |
				     SMRAM_D_CLS | SMRAM_D_OPEN;
}

/* The memory map and SMRAM window follow the registers again. */
static void i440fx_apply(struct i440fx *h)
{
	i440fx_pam_update(h);
	i440fx_smram_update(h);
}

static void i440fx_reset(void *opaque)
{
	struct i440fx *h = opaque;

	i440fx_power_on(h);
	i440fx_apply(h);
}

/* Version 1: PAM0-PAM6 and the SMRAM control register (u8 each). */
static int i440fx_save(void *opaque, struct sbuf *out)
{
	struct i440fx *h = opaque;

	sbuf_put_bytes(out, &h->dev.cfg[I440FX_PAM], I440FX_PAM_REGS);
	sbuf_put_u8(out, h->dev.cfg[I440FX_SMRAM]);
	return 0;
}

static int i440fx_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct i440fx *h = opaque;
	uint8_t pam[I440FX_PAM_REGS], smram;
	unsigned int i;

	sbuf_get_bytes(in, pam, sizeof(pam));
	smram = sbuf_get_u8(in);
	if (sbuf_error(in))
		return sbuf_error(in);
	/* Only what a guest could have written: the writable bits. */
	i440fx_power_on(h);
	for (i = 0; i < I440FX_PAM_REGS; i++)
		h->dev.cfg[I440FX_PAM + i] = pam[i] & h->dev.wmask[I440FX_PAM + i];
	h->dev.cfg[I440FX_SMRAM] = SMRAM_C_BASE_SEG |
				   (smram & h->dev.wmask[I440FX_SMRAM]);
	i440fx_apply(h);
	return 0;
}

static void i440fx_destroy(void *opaque)
{
	struct i440fx *h = opaque;

	pci_dev_cleanup(&h->dev);
	free(h);
}

static const struct component_ops i440fx_comp_ops = {
	.version = 1,
	.reset = i440fx_reset,
	.save = i440fx_save,
	.load = i440fx_load,
	.destroy = i440fx_destroy,
};

int i440fx_init(struct devsvc *svc, const struct vm_config *cfg, char *err,
		size_t err_len)
{
	struct i440fx *h;
	unsigned int i;
	int ret;

	if (!cfg->firmware)
		return 0;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->svc = svc;
	h->smm = devsvc_has_smm(svc);
	pci_dev_init(&h->dev, I440FX_VENDOR, I440FX_DEVICE, 0x060000, 0x02,
		     0x1af4, 0x1100);
	h->dev.ops = &i440fx_ops;
	h->dev.opaque = h;
	for (i = 0; i < I440FX_PAM_REGS; i++)
		h->dev.wmask[I440FX_PAM + i] = i ? 0x33 : 0x30;
	i440fx_power_on(h);
	ret = devsvc_component(svc, "i440fx", COMP_STAGE_PCI, &i440fx_comp_ops,
			       h);
	if (ret) {
		free(h);
		return ret;
	}
	/* Closed SMRAM window, PAM all to the ROM side (firmware_init). */
	i440fx_smram_update(h);
	/* The bus's generic bridge makes way for the chipset's. */
	return devsvc_pci_host_bridge(svc, &h->dev);
}
