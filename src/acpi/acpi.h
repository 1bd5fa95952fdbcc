/* SPDX-License-Identifier: GPL-2.0 */
/*
 * acpi.h - ACPI tables for a machine without firmware: RSDP (2.0), XSDT
 * and RSDT, FACS, FADT (revision 6, full hardware model), MADT, MCFG
 * (when there is ECAM) and a DSDT with hand-assembled AML.
 *
 * acpi_build() writes them into a host buffer that the caller then
 * places at @gpa in guest memory (tables point at each other by guest
 * address).  The RSDP is first in the buffer: put the buffer at
 * ACPI_DEFAULT_GPA (0xE0000, 16-byte aligned inside 0xE0000..0xFFFFF) and
 * the guest's BIOS-area scan finds it; its address also goes to the
 * kernel directly (boot_params.acpi_rsdp_addr, hvm_start_info.rsdp_paddr).
 *
 * Contract with the device models (documented in acpi_config_default()):
 *   - PM1a event block at 0x600 (status 0x600, enable 0x602, 16 bit each),
 *     PM1a control at 0x604 (16 bit; reads must show SCI_EN, bit 0, as
 *     ACPI is always enabled: there is no SMI command port), PM timer at
 *     0x608 (24-bit, 3.579545 MHz).  Poweroff is S5: SLP_TYP 0 with SLP_EN
 *     (bit 13), i.e. the 16-bit write 0x2000 to 0x604 of
 *     docs/conventions.md.
 *   - SCI on IRQ 9 = GSI 9, level triggered, active low.
 *   - Reset: write 0x06 to port 0xCF9.
 *   - ISA IRQ 0 (PIT) arrives on IOAPIC GSI 2; other ISA IRQs are
 *     identity mapped (COM1 on 4, RTC on 8).
 *   - PCI INTx: slot S pin P (0 = INTA) raises GSI pci_intx_gsi[S][P],
 *     level triggered, active low, through the IOAPIC (_PRT routes to
 *     GSIs, so the guest must use the IOAPIC, not the PIC).  The PCI bus
 *     is the one source of truth: the VMM copies its routing
 *     (pci_intx_gsi()) into the config; the default below is the bus's
 *     default, 16 + ((S + P) mod 4).
 */
#ifndef CVISOR_ACPI_ACPI_H
#define CVISOR_ACPI_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_DEFAULT_GPA	0xE0000ull
#define ACPI_DEFAULT_SIZE	0x20000ull	/* up to 1 MiB, e820-reserved */
#define ACPI_MAX_CPUS		255
#define ACPI_MAX_ISOS		16
#define ACPI_PCI_INTX_GSI	16
#define ACPI_PCI_SLOTS		32
#define ACPI_PCI_PINS		4

/* MADT interrupt source override flags (MPS INTI flags). */
#define ACPI_ISO_ACTIVE_HIGH	0x1
#define ACPI_ISO_ACTIVE_LOW	0x3
#define ACPI_ISO_EDGE		(0x1 << 2)
#define ACPI_ISO_LEVEL		(0x3 << 2)

struct acpi_iso {
	uint8_t irq;		/* ISA IRQ */
	uint32_t gsi;
	uint16_t flags;		/* ACPI_ISO_* (0: bus default) */
};

struct acpi_config {
	unsigned int nr_cpus;
	uint8_t apic_id[ACPI_MAX_CPUS];	/* per CPU, each <= 254, unique */

	uint32_t lapic_addr;
	bool pcat_compat;		/* a dual 8259 PIC is present too */
	uint32_t ioapic_addr;
	uint8_t ioapic_id;
	uint32_t ioapic_gsi_base;
	unsigned int nr_isos;
	struct acpi_iso iso[ACPI_MAX_ISOS];

	uint8_t sci_irq;
	uint16_t pm1a_evt, pm1a_cnt, pm_tmr;
	uint16_t reset_port;		/* 0: no reset register */
	uint8_t reset_value;

	bool has_rtc;			/* CMOS RTC at 0x70, IRQ 8 */
	uint8_t rtc_century;		/* CMOS index of the century */
	bool has_i8042;
	bool has_com1;			/* 16550 at 0x3F8, IRQ 4 */

	bool has_pci;			/* host bridge PCI0, bus 0.. */
	uint64_t ecam_base;		/* 0: config mechanism #1 only */
	uint8_t pci_last_bus;
	uint32_t pci_mmio32_base, pci_mmio32_size;
	uint64_t pci_mmio64_base, pci_mmio64_size;	/* size 0: none */
	/* _PRT: GSI of slot S, pin P (0 = INTA), from the PCI bus. */
	uint32_t pci_intx_gsi[ACPI_PCI_SLOTS][ACPI_PCI_PINS];
};

/* Where acpi_build() put each table (guest addresses; 0 if absent). */
struct acpi_tables {
	uint64_t rsdp, xsdt, rsdt, facs, fadt, madt, mcfg, dsdt;
	uint64_t size;			/* bytes of the buffer used */
};

/*
 * The machine model's defaults for @nr_cpus CPUs (APIC ids 0..n-1):
 * IOAPIC 0xFEC00000 with GSIs from 0, LAPIC 0xFEE00000, the ports and
 * routing listed above, COM1 and RTC present, no i8042, PCI with ECAM at
 * LAYOUT_ECAM_BASE (e820.h) and the 32-bit window 0xC0000000+512 MiB.
 */
void acpi_config_default(struct acpi_config *c, unsigned int nr_cpus);

/*
 * Build all tables into @buf (@len bytes, to live at guest address @gpa,
 * 16-byte aligned, below 4 GiB).  0 or -EINVAL/-ENOSPC with a message.
 */
int acpi_build(const struct acpi_config *c, uint8_t *buf, uint64_t gpa,
	       size_t len, struct acpi_tables *out, char *err,
	       size_t err_len);

/*
 * The same tables for firmware that places them itself (SeaBIOS, OVMF):
 * QEMU's three fw_cfg files.  "etc/acpi/rsdp" holds the RSDP (to go in
 * the BIOS F-segment), "etc/acpi/tables" every other table, and
 * "etc/table-loader" the commands that tell the firmware where to put
 * the two, which pointer fields to relocate by the address it chose and
 * which checksums to recompute.  Pointers inside the blobs are offsets
 * into "etc/acpi/tables".
 */
#define ACPI_FW_RSDP_FILE	"etc/acpi/rsdp"
#define ACPI_FW_TABLES_FILE	"etc/acpi/tables"
#define ACPI_FW_LOADER_FILE	"etc/table-loader"

struct acpi_fw_blobs {
	uint8_t *rsdp, *tables, *loader;
	size_t rsdp_len, tables_len, loader_len;
};

int acpi_build_fw(const struct acpi_config *c, struct acpi_fw_blobs *out,
		  char *err, size_t err_len);
void acpi_fw_blobs_free(struct acpi_fw_blobs *b);

/* Sum of @len bytes modulo 256 (0 for a correctly summed table). */
uint8_t acpi_checksum(const void *p, size_t len);

#endif
