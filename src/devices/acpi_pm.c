// SPDX-License-Identifier: GPL-2.0
/*
 * acpi_pm.c - the ACPI fixed hardware the FADT describes (src/acpi):
 *
 *   0x600  PM1a_STS  (16 bit, write 1 to clear)
 *   0x602  PM1a_EN   (16 bit)
 *   0x604  PM1a_CNT  (16 bit): SCI_EN (bit 0) always reads 1, since there
 *          is no SMI command port and ACPI mode is always on.  SLP_EN
 *          (bit 13) with SLP_TYP (bits 10-12) 0, the DSDT's \_S5, powers
 *          the VM off with status 0; other sleep types are ignored.
 *   0x608  PM_TMR    (32-bit read, 24 significant bits), 3.579545 MHz from
 *          CLOCK_MONOTONIC since the VM was created.
 *
 * The one event is the fixed power button (the FADT says there is one):
 * pressing it (QMP system_powerdown) sets PWRBTN_STS (bit 8 of PM1_STS)
 * and, while PWRBTN_EN is set, holds the SCI (ISA IRQ 9, level, active
 * high per the MADT) until the guest clears the status.  The timer's
 * overflow status (TMR_STS) is not emulated.  Linux only reads the timer
 * for calibration and as a clocksource.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "devices/devices.h"
#include "vmm/devsvc.h"

#define PM_BASE		0x600
#define PM_LEN		12
#define PM1_STS		0x0
#define PM1_EN		0x2
#define PM1_CNT		0x4
#define PM_TMR		0x8

#define PM1_PWRBTN	0x0100	/* PWRBTN_STS / PWRBTN_EN */
#define PM_SCI_IRQ	9
#define PM1_CNT_SCI_EN	0x0001
#define PM1_CNT_SLP_TYP	0x1c00
#define PM1_CNT_SLP_EN	0x2000
#define PM_TMR_HZ	3579545ull

struct acpi_pm {
	struct devsvc *svc;
	pthread_mutex_t lock;
	uint16_t sts, en, cnt;
	uint64_t t0;
};

static uint32_t pm_timer(const struct acpi_pm *pm)
{
	uint64_t ns = devsvc_now_ns() - pm->t0;

	/* 128-bit product: exact, and no overflow for centuries. */
	return (uint32_t)((unsigned __int128)ns * PM_TMR_HZ / 1000000000u) &
	       0xffffff;
}

/* The SCI follows enabled status bits (level triggered). */
static void pm_update_sci(struct acpi_pm *pm)
{
	devsvc_irq_set(pm->svc, PM_SCI_IRQ, !!(pm->sts & pm->en & PM1_PWRBTN));
}

static void pm_write16(struct acpi_pm *pm, unsigned int reg, uint16_t v)
{
	switch (reg) {
	case PM1_STS:
		pm->sts &= (uint16_t)~v;
		pm_update_sci(pm);
		break;
	case PM1_EN:
		pm->en = v & PM1_PWRBTN;
		pm_update_sci(pm);
		break;
	case PM1_CNT:
		pm->cnt = (v & ~PM1_CNT_SLP_EN) | PM1_CNT_SCI_EN;
		if ((v & PM1_CNT_SLP_EN) && !(v & PM1_CNT_SLP_TYP))
			devsvc_vm_stop(pm->svc, 0);
		break;
	}
}

static uint16_t pm_read16(struct acpi_pm *pm, unsigned int reg)
{
	switch (reg) {
	case PM1_STS:
		return pm->sts;
	case PM1_EN:
		return pm->en;
	case PM1_CNT:
		return pm->cnt | PM1_CNT_SCI_EN;
	}
	return 0;
}

static void acpi_pm_access(void *opaque, const struct bus_ctx *ctx,
			   uint64_t offset, uint8_t *data, unsigned int len,
			   bool is_write)
{
	struct acpi_pm *pm = opaque;
	unsigned int reg = (unsigned int)offset & ~1u;
	uint8_t buf[2];
	uint32_t t;

	if (offset >= PM_TMR) {
		/* Read-only; narrower reads see the matching bytes. */
		if (!is_write) {
			t = pm_timer(pm);
			bus_put_le(data, len,
				   (uint64_t)t >> (8 * (offset - PM_TMR)));
		}
		return;
	}
	if (offset == 0x6 || len > 2 || (offset & 1 && len == 2)) {
		/* Reserved, or straddling two registers: not decoded. */
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&pm->lock);
	bus_put_le(buf, 2, pm_read16(pm, reg));
	if (is_write) {
		/* A byte write changes one half of the register. */
		memcpy(buf + (offset & 1), data, len);
		if (reg == PM1_STS && len == 1)
			buf[!(offset & 1)] = 0;	/* W1C: leave the rest */
		pm_write16(pm, reg, (uint16_t)bus_get_le(buf, 2));
	} else {
		memcpy(data, buf + (offset & 1), len);
	}
	pthread_mutex_unlock(&pm->lock);
}

static void acpi_pm_power_button(void *opaque)
{
	struct acpi_pm *pm = opaque;

	pthread_mutex_lock(&pm->lock);
	pm->sts |= PM1_PWRBTN;
	pm_update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
}

static const struct bus_dev_ops acpi_pm_ops = {
	.name = "acpi-pm",
	.access = acpi_pm_access,
};

/* ------------------------------------------------------------ lifecycle */

static void acpi_pm_reset(void *opaque)
{
	struct acpi_pm *pm = opaque;

	pthread_mutex_lock(&pm->lock);
	pm->sts = 0;
	pm->en = 0;
	pm->cnt = PM1_CNT_SCI_EN;
	pm_update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
}

/*
 * Version 1: PM1 status, enable, control (u16 each).  The PM timer is
 * not saved: like the TSC it follows the host's clock and never runs
 * backwards for the guest.
 */
static int acpi_pm_save(void *opaque, struct sbuf *out)
{
	struct acpi_pm *pm = opaque;

	pthread_mutex_lock(&pm->lock);
	sbuf_put_u16(out, pm->sts);
	sbuf_put_u16(out, pm->en);
	sbuf_put_u16(out, pm->cnt);
	pthread_mutex_unlock(&pm->lock);
	return 0;
}

static int acpi_pm_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct acpi_pm *pm = opaque;
	uint16_t sts = sbuf_get_u16(in);
	uint16_t en = sbuf_get_u16(in);
	uint16_t cnt = sbuf_get_u16(in);

	if (sbuf_error(in))
		return sbuf_error(in);
	/* SLP_EN is write-only: a saved one would be a forged image. */
	if ((cnt & PM1_CNT_SLP_EN) || (en & ~PM1_PWRBTN))
		return -EINVAL;
	pthread_mutex_lock(&pm->lock);
	pm->sts = sts;
	pm->en = en;
	pm->cnt = cnt | PM1_CNT_SCI_EN;
	pm_update_sci(pm);
	pthread_mutex_unlock(&pm->lock);
	return 0;
}

static void acpi_pm_destroy(void *opaque)
{
	struct acpi_pm *pm = opaque;

	pthread_mutex_destroy(&pm->lock);
	free(pm);
}

static const struct component_ops acpi_pm_comp_ops = {
	.version = 1,
	.reset = acpi_pm_reset,
	.save = acpi_pm_save,
	.load = acpi_pm_load,
	.destroy = acpi_pm_destroy,
};

int acpi_pm_init(struct devsvc *svc, const struct vm_config *cfg,
		 char *err, size_t err_len)
{
	struct acpi_pm *pm = calloc(1, sizeof(*pm));
	int ret;

	if (!pm)
		return -ENOMEM;
	pm->svc = svc;
	pm->cnt = PM1_CNT_SCI_EN;
	pm->t0 = devsvc_now_ns();
	pthread_mutex_init(&pm->lock, NULL);
	ret = devsvc_component(svc, "acpi-pm", COMP_STAGE_PLATFORM,
			       &acpi_pm_comp_ops, pm);
	if (ret) {
		acpi_pm_destroy(pm);
		return ret;
	}
	ret = devsvc_power_button(svc, acpi_pm_power_button, pm);
	if (ret)
		return ret;
	return devsvc_io_register(svc, BUS_PIO, PM_BASE, PM_LEN,
				  &acpi_pm_ops, pm);
}
