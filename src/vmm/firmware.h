/* SPDX-License-Identifier: GPL-2.0 */
/*
 * firmware.h - the memory map of the firmware machine (--firmware): what
 * QEMU's pc machine gives a BIOS image.
 *
 *   0x00000000-0x0009FFFF  RAM
 *   0x000A0000-0x000BFFFF  VGA hole; SMRAM when the i440FX says so
 *                          (smram_set(), src/vmm/smram.h)
 *   0x000C0000-0x000FFFFF  13 PAM segments: each reads from RAM or from
 *                          the ROM/PCI side and writes to RAM or nowhere,
 *                          per the i440FX PAM registers; the ROM side of
 *                          0xE0000-0xFFFFF is the image's last 128 KiB
 *   0x00100000-...         RAM (low part, up to 3 GiB), then above 4 GiB
 *   4 GiB - size           the image, read-only
 *
 * Every view is a memslot, so instruction fetches and data accesses of
 * the CPU never exit for RAM or ROM: a PAM change replaces the slot of
 * that segment.  Only the combinations a slot cannot express exit to the
 * VMM (firmware_pam_ops): a write to a segment whose reads come from the
 * ROM side, and any access to a segment with nothing behind it.
 */
#ifndef CVISOR_VMM_FIRMWARE_H
#define CVISOR_VMM_FIRMWARE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct hv_memslot;

#define FW_PAM_SEGS		13
#define FW_PAM_START		0xc0000ull
#define FW_PAM_END		0x100000ull
#define FW_VGA_START		0xa0000ull
#define FW_ISA_BIOS_SIZE	0x20000ull	/* last 128 KiB at 0xE0000 */
#define FW_ROM_MAX		(16ull << 20)

/* PAM attribute of one segment: the i440FX's RE/WE bits. */
#define FW_PAM_RE		0x1	/* reads from RAM, else the ROM side */
#define FW_PAM_WE		0x2	/* writes to RAM, else dropped */

/* Memslot ids (address space 0); RAM region i of guest_mem is slot i. */
#define FW_SLOT_LOW_HIGH	2	/* RAM from 1 MiB (slot 0 ends at 640 KiB) */
#define FW_SLOT_ROM		3
#define FW_SLOT_PAM		32	/* .. FW_SLOT_PAM + FW_PAM_SEGS - 1 */

struct firmware {
	struct vm *vm;
	uint8_t *rom;		/* the image, page-aligned, PROT_READ */
	uint64_t rom_size;	/* power of two multiple of 64 KiB */
	uint64_t rom_map;	/* bytes mapped (rounded up to pages) */
	pthread_mutex_t lock;	/* PAM state */
	uint8_t pam[FW_PAM_SEGS];
	bool pam_slot[FW_PAM_SEGS];	/* a memslot is in place */
};

/* Segment geometry: segment 0 is 0xF0000 (64 KiB), 1..12 are 16 KiB. */
uint64_t firmware_pam_base(unsigned int seg);
uint64_t firmware_pam_size(unsigned int seg);

/*
 * Read and validate the image (64 KiB to 16 MiB, a multiple of 64 KiB,
 * at least the 128 KiB the legacy window shows), map RAM below 4 GiB
 * around the legacy hole, the image below 4 GiB and every PAM segment in
 * its reset state (all reads and writes to the ROM side).  After guest
 * RAM exists, before the devices.
 */
int firmware_init(struct vm *vm, char *err, size_t err_len);

/*
 * The RAM memslots of address space 0 in place of guest_mem's one slot
 * per region: the low region is two slots around the legacy hole (0 and
 * FW_SLOT_LOW_HIGH); the PAM segments are left out (their slots come and
 * go with the PAM registers: a migration sends them whole).  Returns
 * how many were written to @out (at most @max).
 */
unsigned int firmware_ram_slots(struct firmware *fw, struct hv_memslot *out,
				unsigned int max);

/* The i440FX changed segment @seg's attribute (FW_PAM_RE | FW_PAM_WE). */
int firmware_pam_set(struct firmware *fw, unsigned int seg, uint8_t attr);

/*
 * What the machine puts into fw_cfg (devices/fw_cfg.h serves it): the
 * firmware machine's files etc/e820, bootorder, etc/boot-fail-wait,
 * etc/sercon-port and the ACPI tables through etc/table-loader, into
 * vm->fw_items (fw_items_firmware.c).  After all devices exist (the
 * tables and the boot order describe them), before the vCPUs start.
 */
int fw_items_firmware_setup(struct vm *vm, char *err, size_t err_len);
/*
 * --kernel/--initrd/--append on the firmware machine: QEMU's kernel keys
 * and its linuxboot_dma option ROM (fw_items_linux.c).
 */
struct fw_cfg_items;
int fw_items_linux_setup(struct vm *vm, struct fw_cfg_items *t, char *err,
			 size_t err_len);

#endif
