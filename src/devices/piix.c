// SPDX-License-Identifier: GPL-2.0
/*
 * piix.c - the south bridge of the firmware machine, as QEMU's pc has it:
 *
 * 00:01.0 PIIX3 PCI-to-ISA bridge (8086:7000, multi-function).
 *   0x60-0x63 PIRQRC[A-D]: the ISA IRQ each PCI interrupt line would be
 *   steered to (bit 7 disables).  SeaBIOS programs them and tells the OS
 *   through its $PIR table; cvisor's PCI INTx stay on IOAPIC GSIs 16-19
 *   as the ACPI _PRT says, so the values are kept for the firmware only.
 *
 * 00:01.3 PIIX4 power management function (8086:7113).
 *   0x40 PMBASE, 0x80 PMREGMISC (bit 0: PM I/O enable), 0x90 SMBBASE,
 *   0xD2 SMBHSTCFG: read back what was written.  The PM block itself
 *   decodes at 0x600 only, where the FADT puts it (devices/acpi_pm.c);
 *   SeaBIOS moves PMBASE exactly there when it finds fw_cfg's
 *   etc/table-loader.  The rest of the 64-byte block (GLBCTL at 0x628
 *   and friends) is plain storage.
 *   0x58 DEVACTB: bit 25 APMC_EN lets a write to the APM control port
 *   raise an SMI.  On a backend without SMM it starts set and no SMI is
 *   ever raised, QEMU's way of telling SeaBIOS to leave SMM alone.
 *
 * APM control (0xB2) and status (0xB3) ports: a write to 0xB2 raises an
 * SMI on the vCPU that wrote it when APMC_EN is set (QEMU raises it on
 * the first CPU; SeaBIOS writes from the BSP either way); 0xB3 is a scratch
 * byte the SMI handler and its caller talk through.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "devices/devices.h"
#include "lib/compiler.h"
#include "pci/pci.h"
#include "vmm/config.h"
#include "vmm/devsvc.h"

#define PIIX3_DEVICE		0x7000
#define PIIX4_PM_DEVICE		0x7113
#define PIIX_PIRQRC		0x60

#define PIIX4_PMBASE		0x40
#define PIIX4_DEVACTB		0x58
#define  DEVACTB_APMC_EN	(1u << 25)
#define PIIX4_PMREGMISC		0x80
#define PIIX4_SMBBASE		0x90
#define PIIX4_SMBHSTCFG		0xd2

#define APM_PORT		0xb2
#define PM_EXTRA_PORT		0x60c	/* after acpi_pm.c's 12 bytes */
#define PM_EXTRA_LEN		(0x40 - 0x0c)

struct piix {
	struct devsvc *svc;
	bool smm;		/* the machine has SMM (APMC_EN's reset value) */
	struct pci_dev isa;
	struct pci_dev pm;
	pthread_mutex_t lock;
	uint8_t apm_cnt, apm_sts;
	uint8_t pm_extra[PM_EXTRA_LEN];
};

static void apm_access(void *opaque, const struct bus_ctx *ctx,
		       uint64_t offset, uint8_t *data, unsigned int len,
		       bool is_write)
{
	struct piix *p = opaque;
	bool smi = false;
	unsigned int i;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < len; i++) {
		unsigned int reg = (unsigned int)offset + i;

		if (reg > 1) {
			if (!is_write)
				data[i] = 0xff;
			continue;
		}
		if (!is_write) {
			data[i] = reg ? p->apm_sts : p->apm_cnt;
			continue;
		}
		if (reg) {
			p->apm_sts = data[i];
		} else {
			p->apm_cnt = data[i];
			smi = true;
		}
	}
	pthread_mutex_unlock(&p->lock);
	/*
	 * APMC_EN is read outside our lock: config space has its own (the
	 * PCI bus lock), and a write racing with the enable bit may go
	 * either way on hardware too.
	 */
	if (smi && p->smm &&
	    (pci_cfg_read(p->pm.bus, p->pm.devfn, PIIX4_DEVACTB, 4) &
		    DEVACTB_APMC_EN)) {
		int ret = devsvc_smi_raise(p->svc, ctx);

		/* -ESRCH: not from a vCPU (a test driving the bus). */
		if (ret && ret != -ESRCH)
			devsvc_vm_fail(p->svc, "APM: cannot raise an SMI: %s",
				       strerror(-ret));
	}
}

static const struct bus_dev_ops apm_ops = {
	.name = "apm",
	.access = apm_access,
};

static void pm_extra_access(void *opaque, const struct bus_ctx *ctx,
			    uint64_t offset, uint8_t *data, unsigned int len,
			    bool is_write)
{
	struct piix *p = opaque;

	if (offset + len > PM_EXTRA_LEN)
		len = (unsigned int)(PM_EXTRA_LEN - offset);
	pthread_mutex_lock(&p->lock);
	if (is_write)
		memcpy(p->pm_extra + offset, data, len);
	else
		memcpy(data, p->pm_extra + offset, len);
	pthread_mutex_unlock(&p->lock);
}

static const struct bus_dev_ops pm_extra_ops = {
	.name = "piix4-pm",
	.access = pm_extra_access,
};

static void piix_setup_isa(struct pci_dev *d)
{
	unsigned int i;

	pci_dev_init(d, 0x8086, PIIX3_DEVICE, 0x060100, 0,
		     0x1af4, 0x1100);
	pci_cfg_set8(d, PCI_HEADER_TYPE, 0x80);	/* functions 1.. follow */
	for (i = 0; i < 4; i++) {
		d->cfg[PIIX_PIRQRC + i] = 0x80;	/* routing disabled */
		d->wmask[PIIX_PIRQRC + i] = 0x8f;
	}
}

static void piix_setup_pm(struct pci_dev *d, bool smm)
{
	unsigned int i;

	pci_dev_init(d, 0x8086, PIIX4_PM_DEVICE, 0x068000, 0x03,
		     0x1af4, 0x1100);
	pci_dev_set_intx_pin(d, 1);
	pci_cfg_set32(d, PIIX4_PMBASE, 0x1);		/* I/O space indicator */
	bus_put_le(&d->wmask[PIIX4_PMBASE], 4, 0xffc0);
	for (i = 0; i < 4; i++)
		d->wmask[PIIX4_DEVACTB + i] = 0xff;
	d->wmask[PIIX4_PMREGMISC] = 0x01;
	/*
	 * Without SMM, QEMU presets APMC_EN so that firmware takes SMM as
	 * already set up and never waits for an SMI handler; so do we.
	 */
	if (!smm)
		pci_cfg_set32(d, PIIX4_DEVACTB, DEVACTB_APMC_EN);
	pci_cfg_set32(d, PIIX4_SMBBASE, 0x1);
	bus_put_le(&d->wmask[PIIX4_SMBBASE], 4, 0xfff0);
	d->wmask[PIIX4_SMBHSTCFG] = 0x0f;
}

/* ------------------------------------------------------------ lifecycle */

/* Config registers a guest can change, by function (besides the header). */
static const struct { bool pm; uint8_t off, len; } piix_regs[] = {
	{ false, PIIX_PIRQRC, 4 },
	{ true, PIIX4_PMBASE, 4 },
	{ true, PIIX4_DEVACTB, 4 },
	{ true, PIIX4_PMREGMISC, 1 },
	{ true, PIIX4_SMBBASE, 4 },
	{ true, PIIX4_SMBHSTCFG, 1 },
};

static void piix_power_on(struct piix *p)
{
	piix_setup_isa(&p->isa);
	piix_setup_pm(&p->pm, p->smm);
	p->apm_cnt = p->apm_sts = 0;
	memset(p->pm_extra, 0, sizeof(p->pm_extra));
}

static void piix_reset(void *opaque)
{
	struct piix *p = opaque;
	unsigned int i;

	/* Keep the functions' place on the bus; reset their registers. */
	pthread_mutex_lock(&p->lock);
	p->apm_cnt = p->apm_sts = 0;
	memset(p->pm_extra, 0, sizeof(p->pm_extra));
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < ARRAY_SIZE(piix_regs); i++) {
		struct pci_dev *d = piix_regs[i].pm ? &p->pm : &p->isa;
		struct pci_dev fresh;

		if (piix_regs[i].pm)
			piix_setup_pm(&fresh, p->smm);
		else
			piix_setup_isa(&fresh);
		memcpy(&d->cfg[piix_regs[i].off], &fresh.cfg[piix_regs[i].off],
		       piix_regs[i].len);
	}
}

/*
 * Version 1: the APM control and status bytes, the PM block after the
 * ACPI registers (PM_EXTRA_LEN bytes), then the registers of piix_regs
 * in order.
 */
static int piix_save(void *opaque, struct sbuf *out)
{
	struct piix *p = opaque;
	unsigned int i;

	pthread_mutex_lock(&p->lock);
	sbuf_put_u8(out, p->apm_cnt);
	sbuf_put_u8(out, p->apm_sts);
	sbuf_put_bytes(out, p->pm_extra, sizeof(p->pm_extra));
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < ARRAY_SIZE(piix_regs); i++) {
		struct pci_dev *d = piix_regs[i].pm ? &p->pm : &p->isa;

		sbuf_put_bytes(out, &d->cfg[piix_regs[i].off],
			       piix_regs[i].len);
	}
	return 0;
}

static int piix_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct piix *p = opaque;
	uint8_t cnt, sts, extra[PM_EXTRA_LEN], regs[ARRAY_SIZE(piix_regs)][4];
	unsigned int i, j;

	cnt = sbuf_get_u8(in);
	sts = sbuf_get_u8(in);
	sbuf_get_bytes(in, extra, sizeof(extra));
	for (i = 0; i < ARRAY_SIZE(piix_regs); i++)
		sbuf_get_bytes(in, regs[i], piix_regs[i].len);
	if (sbuf_error(in))
		return sbuf_error(in);
	pthread_mutex_lock(&p->lock);
	p->apm_cnt = cnt;
	p->apm_sts = sts;
	memcpy(p->pm_extra, extra, sizeof(extra));
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < ARRAY_SIZE(piix_regs); i++) {
		struct pci_dev *d = piix_regs[i].pm ? &p->pm : &p->isa;
		uint8_t *c = &d->cfg[piix_regs[i].off];
		const uint8_t *w = &d->wmask[piix_regs[i].off];

		/* Read-only bits stay as the hardware has them. */
		for (j = 0; j < piix_regs[i].len; j++)
			c[j] = (uint8_t)((c[j] & ~w[j]) | (regs[i][j] & w[j]));
	}
	return 0;
}

static void piix_destroy(void *opaque)
{
	struct piix *p = opaque;

	pci_dev_cleanup(&p->isa);
	pci_dev_cleanup(&p->pm);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static const struct component_ops piix_comp_ops = {
	.version = 1,
	.reset = piix_reset,
	.save = piix_save,
	.load = piix_load,
	.destroy = piix_destroy,
};

int piix_init(struct devsvc *svc, const struct vm_config *cfg, char *err,
	      size_t err_len)
{
	struct piix *p;
	int ret;

	if (!cfg->firmware)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->svc = svc;
	p->smm = devsvc_has_smm(svc);
	pthread_mutex_init(&p->lock, NULL);
	piix_power_on(p);
	ret = devsvc_component(svc, "piix", COMP_STAGE_PCI, &piix_comp_ops, p);
	if (ret) {
		piix_destroy(p);
		return ret;
	}
	ret = devsvc_pci_register(svc, &p->isa, PCI_DEVFN(1, 0));
	if (!ret)
		ret = devsvc_pci_register(svc, &p->pm, PCI_DEVFN(1, 3));
	if (!ret)
		ret = devsvc_io_register(svc, BUS_PIO, APM_PORT, 2, &apm_ops, p);
	if (!ret)
		ret = devsvc_io_register(svc, BUS_PIO, PM_EXTRA_PORT,
					 PM_EXTRA_LEN, &pm_extra_ops, p);
	return ret;
}
