// SPDX-License-Identifier: GPL-2.0
/*
 * acpi.c - ACPI table builder (see acpi.h for the machine contract).
 *
 * Layout in the buffer: RSDP at offset 0 (so that it sits where the
 * caller put the buffer, 16-byte aligned), FACS 64-byte aligned, then
 * DSDT, FADT, MADT, MCFG, XSDT and RSDT, each 16-byte aligned.  Every
 * table's length and checksum are set last, after its body is complete.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "acpi/acpi.h"
#include "acpi/aml.h"
#include "boot/e820.h"

#define ACPI_OEM_ID		"CVISOR"
#define ACPI_OEM_TABLE_ID	"CVISOR  "
#define ACPI_CREATOR_ID		"CVSR"
#define ACPI_FADT_REVISION	6
#define ACPI_FADT_MINOR		5
#define ACPI_MADT_REVISION	5	/* ACPI 6.x */
#define ACPI_DSDT_REVISION	2	/* 64-bit integers */

/* FADT flags. */
#define FADT_WBINVD		(1u << 0)
#define FADT_PROC_C1		(1u << 2)
#define FADT_PWR_BUTTON		(1u << 4)	/* 1: no fixed power button */
#define FADT_SLP_BUTTON		(1u << 5)	/* 1: no fixed sleep button */
#define FADT_RESET_REG_SUP	(1u << 10)
/* IA-PC boot architecture flags. */
#define BOOT_ARCH_LEGACY	(1u << 0)
#define BOOT_ARCH_8042		(1u << 1)
#define BOOT_ARCH_NO_VGA	(1u << 2)
#define BOOT_ARCH_NO_CMOS_RTC	(1u << 5)

#define GAS_SYSTEM_IO		1
#define GAS_ACCESS_BYTE		1
#define GAS_ACCESS_WORD		2
#define GAS_ACCESS_DWORD	3

#define MADT_PCAT_COMPAT	(1u << 0)
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_ISO		2
#define MADT_LAPIC_NMI		4
#define MADT_LAPIC_ENABLED	(1u << 0)

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;		/* of the first 20 bytes */
	char oem_id[6];
	uint8_t revision;		/* 2: ACPI 2.0+ with XSDT */
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t ext_checksum;		/* of all 36 bytes */
	uint8_t reserved[3];
} __attribute__((packed));

struct acpi_facs {
	char signature[4];
	uint32_t length;
	uint32_t hardware_signature;
	uint32_t waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_waking_vector;
	uint8_t version;
	uint8_t reserved[3];
	uint32_t ospm_flags;
	uint8_t reserved2[24];
} __attribute__((packed));

struct acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk;
	uint32_t pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat;
	uint16_t flush_size, flush_stride;
	uint8_t duty_offset, duty_width;
	uint8_t day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved2;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control_reg, sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));

struct acpi_mcfg_alloc {
	uint64_t base;
	uint16_t segment;
	uint8_t start_bus, end_bus;
	uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_header) == 36, "ACPI header");
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS");
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP 2.0");
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS");
_Static_assert(offsetof(struct acpi_fadt, sci_int) == 46, "SCI_INT");
_Static_assert(offsetof(struct acpi_fadt, pm1a_evt_blk) == 56, "PM1a_EVT");
_Static_assert(offsetof(struct acpi_fadt, pm_tmr_blk) == 76, "PM_TMR");
_Static_assert(offsetof(struct acpi_fadt, century) == 108, "CENTURY");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "BOOT_ARCH");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "Flags");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "RESET_REG");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "X_DSDT");
_Static_assert(offsetof(struct acpi_fadt, x_pm_tmr_blk) == 208, "X_PM_TMR");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT revision 6");
_Static_assert(sizeof(struct acpi_mcfg_alloc) == 16, "MCFG allocation");

struct acpi_ctx {
	const struct acpi_config *c;
	uint8_t *buf;
	uint64_t gpa;
	size_t len, used;
	char *err;
	size_t err_len;
};

static int acpi_err(struct acpi_ctx *x, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int acpi_err(struct acpi_ctx *x, int ret, const char *fmt, ...)
{
	va_list ap;

	if (x->err && x->err_len) {
		va_start(ap, fmt);
		vsnprintf(x->err, x->err_len, fmt, ap);
		va_end(ap);
	}
	return ret;
}

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *b++);
	return sum;
}

/* Reserve @size bytes at @align; returns the offset or -1 when full. */
static long acpi_alloc(struct acpi_ctx *x, size_t size, size_t align)
{
	size_t off = (x->used + align - 1) & ~(align - 1);

	if (off > x->len || size > x->len - off)
		return -1;
	memset(x->buf + off, 0, size);
	x->used = off + size;
	return (long)off;
}

static void acpi_header_init(struct acpi_header *h, const char *sig,
			     uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->revision = rev;
	memcpy(h->oem_id, ACPI_OEM_ID, 6);
	memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, ACPI_CREATOR_ID, 4);
	h->creator_revision = 1;
}

/* Set length and checksum of the table at @off, @len bytes long. */
static void acpi_finish(struct acpi_ctx *x, long off, size_t len)
{
	struct acpi_header *h = (struct acpi_header *)(x->buf + off);

	h->length = (uint32_t)len;
	h->checksum = 0;
	h->checksum = (uint8_t)(0 - acpi_checksum(h, len));
}

static struct acpi_gas acpi_io_gas(uint16_t port, uint8_t bits,
				   uint8_t access)
{
	return (struct acpi_gas){
		.space_id = GAS_SYSTEM_IO, .bit_width = bits,
		.access_size = access, .address = port,
	};
}

static int acpi_check(struct acpi_ctx *x)
{
	const struct acpi_config *c = x->c;
	bool seen[256] = { false };
	unsigned int i;

	if (x->gpa & 15 || x->gpa >= 0x100000000ull ||
	    x->len > 0x100000000ull - x->gpa)
		return acpi_err(x, -EINVAL,
				"ACPI: table area 0x%llx+0x%zx must be 16-byte aligned below 4 GiB",
				(unsigned long long)x->gpa, x->len);
	if (!c->nr_cpus || c->nr_cpus > ACPI_MAX_CPUS)
		return acpi_err(x, -EINVAL, "ACPI: %u CPUs (1..%u supported)",
				c->nr_cpus, ACPI_MAX_CPUS);
	for (i = 0; i < c->nr_cpus; i++) {
		/* 0xff is the broadcast id; x2APIC entries are not built. */
		if (c->apic_id[i] == 0xff || seen[c->apic_id[i]])
			return acpi_err(x, -EINVAL,
					"ACPI: CPU %u has APIC id %u (used twice or 255)",
					i, c->apic_id[i]);
		seen[c->apic_id[i]] = true;
	}
	if (c->nr_isos > ACPI_MAX_ISOS)
		return acpi_err(x, -EINVAL, "ACPI: %u interrupt overrides (max %u)",
				c->nr_isos, ACPI_MAX_ISOS);
	if (c->sci_irq > 15)
		return acpi_err(x, -EINVAL, "ACPI: SCI IRQ %u is not an ISA IRQ",
				c->sci_irq);
	if (c->has_pci && c->ecam_base &&
	    (c->ecam_base & 0xfffff || c->ecam_base >= 0x100000000ull))
		return acpi_err(x, -EINVAL,
				"ACPI: ECAM base 0x%llx must be 1 MiB aligned below 4 GiB",
				(unsigned long long)c->ecam_base);
	if (c->has_pci &&
	    (!c->pci_mmio32_size ||
	     c->pci_mmio32_size > 0x100000000ull - c->pci_mmio32_base))
		return acpi_err(x, -EINVAL,
				"ACPI: PCI 32-bit window 0x%x+0x%x is empty or crosses 4 GiB",
				c->pci_mmio32_base, c->pci_mmio32_size);
	if (c->has_pci && c->pci_mmio64_size &&
	    c->pci_mmio64_size > UINT64_MAX - c->pci_mmio64_base)
		return acpi_err(x, -EINVAL, "ACPI: PCI 64-bit window wraps");
	return 0;
}

static void dsdt_named_eisaid(struct aml *a, const char *name, const char *id)
{
	aml_name(a, name);
	aml_eisaid(a, id);
}

static void dsdt_pci(struct aml *a, const struct acpi_config *c)
{
	unsigned int slot, pin;

	aml_device_begin(a, "PCI0");
	if (c->ecam_base) {
		/* PCI Express host bridge, compatible with plain PCI. */
		dsdt_named_eisaid(a, "_HID", "PNP0A08");
		dsdt_named_eisaid(a, "_CID", "PNP0A03");
	} else {
		dsdt_named_eisaid(a, "_HID", "PNP0A03");
	}
	/* No _ADR: a device has either _HID or _ADR. */
	aml_name(a, "_UID");
	aml_integer(a, 0);
	aml_name(a, "_SEG");
	aml_integer(a, 0);
	aml_name(a, "_BBN");
	aml_integer(a, 0);

	/* Windows the bridge forwards: Linux only accepts BARs inside. */
	aml_name(a, "_CRS");
	aml_buffer_begin(a);
	aml_res_bus_range(a, 0, c->pci_last_bus);
	aml_res_io(a, 0xcf8, 8);		/* config mechanism #1 */
	aml_res_io_window(a, 0x0000, 0x0cf7);
	aml_res_io_window(a, 0x0d00, 0xffff);
	aml_res_mem32_window(a, c->pci_mmio32_base, c->pci_mmio32_size);
	if (c->pci_mmio64_size)
		aml_res_mem64_window(a, c->pci_mmio64_base, c->pci_mmio64_size);
	aml_res_end(a);
	aml_end(a);

	/* Static INTx routing to IOAPIC GSIs, as the PCI bus wires them. */
	aml_name(a, "_PRT");
	aml_package_begin(a, 32 * 4);
	for (slot = 0; slot < 32; slot++) {
		for (pin = 0; pin < 4; pin++) {
			aml_package_begin(a, 4);
			aml_dword(a, (slot << 16) | 0xffff);
			aml_integer(a, pin);
			aml_integer(a, 0);	/* no link device: a GSI */
			aml_integer(a, c->pci_intx_gsi[slot][pin]);
			aml_end(a);
		}
	}
	aml_end(a);
	aml_end(a);

	if (c->ecam_base) {
		/* Motherboard resource: tells the OS the ECAM is reserved. */
		aml_device_begin(a, "RES0");
		dsdt_named_eisaid(a, "_HID", "PNP0C02");
		aml_name(a, "_UID");
		aml_integer(a, 1);
		aml_name(a, "_CRS");
		aml_buffer_begin(a);
		aml_res_mem32_fixed(a, (uint32_t)c->ecam_base,
				    ((uint32_t)c->pci_last_bus + 1) << 20);
		aml_res_end(a);
		aml_end(a);
		aml_end(a);
	}
}

static void dsdt_isa_dev(struct aml *a, const char *name, const char *hid,
			 unsigned int uid, uint16_t port, uint8_t len,
			 uint8_t irq)
{
	aml_device_begin(a, name);
	dsdt_named_eisaid(a, "_HID", hid);
	aml_name(a, "_UID");
	aml_integer(a, uid);
	aml_name(a, "_CRS");
	aml_buffer_begin(a);
	aml_res_io(a, port, len);
	aml_res_irq(a, irq);
	aml_res_end(a);
	aml_end(a);
	aml_end(a);
}

static long acpi_build_dsdt(struct acpi_ctx *x)
{
	const struct acpi_config *c = x->c;
	struct acpi_header *h;
	struct aml a;
	long off;

	off = acpi_alloc(x, sizeof(*h), 16);
	if (off < 0)
		return -1;
	h = (struct acpi_header *)(x->buf + off);
	acpi_header_init(h, "DSDT", ACPI_DSDT_REVISION);
	aml_init(&a, x->buf + x->used, x->len - x->used);

	aml_scope_begin(&a, "\\_SB");
	if (c->has_pci)
		dsdt_pci(&a, c);
	if (c->has_com1)
		dsdt_isa_dev(&a, "COM1", "PNP0501", 1, 0x3f8, 8, 4);
	if (c->has_rtc)
		dsdt_isa_dev(&a, "RTC", "PNP0B00", 0, 0x70, 2, 8);
	aml_end(&a);

	/* S5 (soft off): SLP_TYPa = SLP_TYPb = 0. */
	aml_name(&a, "\\_S5");
	aml_package_begin(&a, 2);
	aml_integer(&a, 0);
	aml_integer(&a, 0);
	aml_end(&a);

	if (a.error || a.depth)
		return -1;
	x->used += a.len;
	acpi_finish(x, off, sizeof(*h) + a.len);
	return off;
}

static long acpi_build_fadt(struct acpi_ctx *x, uint64_t facs, uint64_t dsdt)
{
	const struct acpi_config *c = x->c;
	struct acpi_fadt *f;
	long off;

	off = acpi_alloc(x, sizeof(*f), 16);
	if (off < 0)
		return -1;
	f = (struct acpi_fadt *)(x->buf + off);
	acpi_header_init(&f->h, "FACP", ACPI_FADT_REVISION);
	f->firmware_ctrl = (uint32_t)facs;
	f->dsdt = (uint32_t)dsdt;
	f->x_firmware_ctrl = 0;		/* only one of the two may be set */
	f->x_dsdt = dsdt;
	f->sci_int = c->sci_irq;
	/* smi_cmd 0: no SMI port, the machine is always in ACPI mode. */
	f->pm1a_evt_blk = c->pm1a_evt;
	f->pm1a_cnt_blk = c->pm1a_cnt;
	f->pm_tmr_blk = c->pm_tmr;
	f->pm1_evt_len = 4;
	f->pm1_cnt_len = 2;
	f->pm_tmr_len = 4;
	f->x_pm1a_evt_blk = acpi_io_gas(c->pm1a_evt, 32, GAS_ACCESS_WORD);
	f->x_pm1a_cnt_blk = acpi_io_gas(c->pm1a_cnt, 16, GAS_ACCESS_WORD);
	f->x_pm_tmr_blk = acpi_io_gas(c->pm_tmr, 32, GAS_ACCESS_DWORD);
	/* C2/C3 not supported: latencies above the limits say so. */
	f->p_lvl2_lat = 101;
	f->p_lvl3_lat = 1001;
	f->century = c->has_rtc ? c->rtc_century : 0;
	f->iapc_boot_arch = BOOT_ARCH_NO_VGA |
		(c->has_i8042 ? BOOT_ARCH_8042 : 0) |
		(c->has_com1 || c->has_rtc ? BOOT_ARCH_LEGACY : 0) |
		(c->has_rtc ? 0 : BOOT_ARCH_NO_CMOS_RTC);
	/* A fixed power button: PWRBTN_STS in PM1 (devices/acpi_pm.c). */
	f->flags = FADT_WBINVD | FADT_PROC_C1 |
		FADT_SLP_BUTTON;
	if (c->reset_port) {
		f->flags |= FADT_RESET_REG_SUP;
		f->reset_reg = acpi_io_gas(c->reset_port, 8, GAS_ACCESS_BYTE);
		f->reset_value = c->reset_value;
	}
	f->minor_version = ACPI_FADT_MINOR;
	memcpy(&f->hypervisor_vendor_id, "CVISOR\0\0", 8);
	acpi_finish(x, off, sizeof(*f));
	return off;
}

static long acpi_build_madt(struct acpi_ctx *x)
{
	const struct acpi_config *c = x->c;
	size_t size = sizeof(struct acpi_header) + 8 + c->nr_cpus * 8 + 12 +
		      c->nr_isos * 10 + 6;
	uint8_t *p, *t;
	unsigned int i;
	uint32_t v;
	long off;

	off = acpi_alloc(x, size, 16);
	if (off < 0)
		return -1;
	t = x->buf + off;
	acpi_header_init((struct acpi_header *)t, "APIC", ACPI_MADT_REVISION);
	p = t + sizeof(struct acpi_header);
	memcpy(p, &c->lapic_addr, 4);
	v = c->pcat_compat ? MADT_PCAT_COMPAT : 0;
	memcpy(p + 4, &v, 4);
	p += 8;
	for (i = 0; i < c->nr_cpus; i++, p += 8) {
		p[0] = MADT_LAPIC;
		p[1] = 8;
		p[2] = (uint8_t)i;		/* ACPI processor UID */
		p[3] = c->apic_id[i];
		v = MADT_LAPIC_ENABLED;
		memcpy(p + 4, &v, 4);
	}
	p[0] = MADT_IOAPIC;
	p[1] = 12;
	p[2] = c->ioapic_id;
	p[3] = 0;
	memcpy(p + 4, &c->ioapic_addr, 4);
	memcpy(p + 8, &c->ioapic_gsi_base, 4);
	p += 12;
	for (i = 0; i < c->nr_isos; i++, p += 10) {
		p[0] = MADT_ISO;
		p[1] = 10;
		p[2] = 0;			/* bus: ISA */
		p[3] = c->iso[i].irq;
		memcpy(p + 4, &c->iso[i].gsi, 4);
		memcpy(p + 8, &c->iso[i].flags, 2);
	}
	/* NMI arrives on LINT1 of every local APIC (UID 0xff: all). */
	p[0] = MADT_LAPIC_NMI;
	p[1] = 6;
	p[2] = 0xff;
	p[3] = 0;
	p[4] = 0;				/* flags: bus default */
	p[5] = 1;				/* LINT1 */
	acpi_finish(x, off, size);
	return off;
}

static long acpi_build_mcfg(struct acpi_ctx *x)
{
	const struct acpi_config *c = x->c;
	size_t size = sizeof(struct acpi_header) + 8 +
		      sizeof(struct acpi_mcfg_alloc);
	struct acpi_mcfg_alloc m = {
		.base = c->ecam_base, .segment = 0, .start_bus = 0,
		.end_bus = c->pci_last_bus,
	};
	long off;

	off = acpi_alloc(x, size, 16);
	if (off < 0)
		return -1;
	acpi_header_init((struct acpi_header *)(x->buf + off), "MCFG", 1);
	memcpy(x->buf + off + sizeof(struct acpi_header) + 8, &m, sizeof(m));
	acpi_finish(x, off, size);
	return off;
}

/* XSDT (64-bit entries) or RSDT (32-bit) listing @n tables. */
static long acpi_build_sdt(struct acpi_ctx *x, bool xsdt,
			   const uint64_t *tables, unsigned int n)
{
	size_t esz = xsdt ? 8 : 4;
	size_t size = sizeof(struct acpi_header) + n * esz;
	unsigned int i;
	long off;

	off = acpi_alloc(x, size, 16);
	if (off < 0)
		return -1;
	acpi_header_init((struct acpi_header *)(x->buf + off),
			 xsdt ? "XSDT" : "RSDT", 1);
	for (i = 0; i < n; i++)
		memcpy(x->buf + off + sizeof(struct acpi_header) + i * esz,
		       &tables[i], esz);	/* little endian: low bytes */
	acpi_finish(x, off, size);
	return off;
}

void acpi_config_default(struct acpi_config *c, unsigned int nr_cpus)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->nr_cpus = nr_cpus;
	for (i = 0; i < nr_cpus && i < ACPI_MAX_CPUS; i++)
		c->apic_id[i] = (uint8_t)i;
	c->lapic_addr = (uint32_t)LAYOUT_LAPIC_BASE;
	c->pcat_compat = true;
	c->ioapic_addr = (uint32_t)LAYOUT_IOAPIC_BASE;
	c->ioapic_id = 0;
	c->ioapic_gsi_base = 0;
	c->iso[0] = (struct acpi_iso){ .irq = 0, .gsi = 2, .flags = 0 };
	c->iso[1] = (struct acpi_iso){ .irq = 9, .gsi = 9,
		.flags = ACPI_ISO_LEVEL | ACPI_ISO_ACTIVE_LOW };
	c->nr_isos = 2;
	c->sci_irq = 9;
	c->pm1a_evt = 0x600;
	c->pm1a_cnt = 0x604;
	c->pm_tmr = 0x608;
	c->reset_port = 0xcf9;
	c->reset_value = 0x06;
	c->has_rtc = true;
	c->rtc_century = 0x32;
	c->has_i8042 = false;
	c->has_com1 = true;
	c->has_pci = true;
	c->ecam_base = LAYOUT_ECAM_BASE;
	c->pci_last_bus = (uint8_t)((LAYOUT_ECAM_SIZE >> 20) - 1);
	c->pci_mmio32_base = (uint32_t)LAYOUT_PCI_MMIO32_BASE;
	c->pci_mmio32_size = (uint32_t)LAYOUT_PCI_MMIO32_SIZE;
	/* The PCI bus's default swizzle (pci_bus_init()); the VMM overwrites
	 * this with what its bus really does. */
	for (i = 0; i < ACPI_PCI_SLOTS; i++) {
		unsigned int pin;

		for (pin = 0; pin < ACPI_PCI_PINS; pin++)
			c->pci_intx_gsi[i][pin] = c->ioapic_gsi_base +
				ACPI_PCI_INTX_GSI + (i + pin) % ACPI_PCI_PINS;
	}
}

int acpi_build(const struct acpi_config *c, uint8_t *buf, uint64_t gpa,
	       size_t len, struct acpi_tables *out, char *err,
	       size_t err_len)
{
	struct acpi_ctx x = {
		.c = c, .buf = buf, .gpa = gpa, .len = len, .err = err,
		.err_len = err_len,
	};
	struct acpi_rsdp *rsdp;
	long o_rsdp, o_facs, o_dsdt, o_fadt, o_madt, o_mcfg = -1, o_xsdt,
	     o_rsdt;
	uint64_t tables[3];
	unsigned int n = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = acpi_check(&x);
	if (ret)
		return ret;
	o_rsdp = acpi_alloc(&x, sizeof(*rsdp), 16);
	o_facs = acpi_alloc(&x, sizeof(struct acpi_facs), 64);
	if (o_rsdp < 0 || o_facs < 0)
		goto nospace;
	{
		struct acpi_facs *f = (struct acpi_facs *)(buf + o_facs);

		memcpy(f->signature, "FACS", 4);
		f->length = sizeof(*f);
		f->version = 2;
	}
	o_dsdt = acpi_build_dsdt(&x);
	if (o_dsdt < 0)
		goto nospace;
	o_fadt = acpi_build_fadt(&x, gpa + o_facs, gpa + o_dsdt);
	o_madt = acpi_build_madt(&x);
	if (o_fadt < 0 || o_madt < 0)
		goto nospace;
	tables[n++] = gpa + o_fadt;
	tables[n++] = gpa + o_madt;
	if (c->has_pci && c->ecam_base) {
		o_mcfg = acpi_build_mcfg(&x);
		if (o_mcfg < 0)
			goto nospace;
		tables[n++] = gpa + o_mcfg;
	}
	o_xsdt = acpi_build_sdt(&x, true, tables, n);
	o_rsdt = acpi_build_sdt(&x, false, tables, n);
	if (o_xsdt < 0 || o_rsdt < 0)
		goto nospace;

	rsdp = (struct acpi_rsdp *)(buf + o_rsdp);
	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, ACPI_OEM_ID, 6);
	rsdp->revision = 2;
	rsdp->rsdt_address = (uint32_t)(gpa + o_rsdt);
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = gpa + o_xsdt;
	rsdp->checksum = (uint8_t)(0 - acpi_checksum(rsdp, 20));
	rsdp->ext_checksum = (uint8_t)(0 - acpi_checksum(rsdp, sizeof(*rsdp)));

	out->rsdp = gpa + o_rsdp;
	out->facs = gpa + o_facs;
	out->dsdt = gpa + o_dsdt;
	out->fadt = gpa + o_fadt;
	out->madt = gpa + o_madt;
	out->mcfg = o_mcfg < 0 ? 0 : gpa + o_mcfg;
	out->xsdt = gpa + o_xsdt;
	out->rsdt = gpa + o_rsdt;
	out->size = x.used;
	return 0;
nospace:
	return acpi_err(&x, -ENOSPC,
			"ACPI: tables do not fit in 0x%zx bytes at 0x%llx",
			len, (unsigned long long)gpa);
}
