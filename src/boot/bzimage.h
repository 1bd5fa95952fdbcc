/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bzimage.h - the x86 Linux boot protocol: setup header and zero page
 * (struct boot_params), laid out from the protocol's field tables.
 * All fields are little endian, as is the host.
 */
#ifndef CVISOR_BOOT_BZIMAGE_H
#define CVISOR_BOOT_BZIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "boot/boot.h"

#define BZ_MIN_PROTOCOL		0x020a	/* 2.10: pref_address, init_size */
#define BZ_HDRS_MAGIC		0x53726448u	/* "HdrS" */
#define BZ_BOOT_FLAG		0xaa55
#define BZ_SETUP_HDR_OFF	0x1f1
#define BZ_E820_MAX		128

/* loadflags */
#define BZ_LOADED_HIGH		(1u << 0)
#define BZ_KEEP_SEGMENTS	(1u << 6)
#define BZ_CAN_USE_HEAP		(1u << 7)
/* xloadflags */
#define BZ_XLF_KERNEL_64	(1u << 0)
#define BZ_XLF_CAN_BE_LOADED_ABOVE_4G (1u << 1)

struct bz_setup_header {
	uint8_t setup_sects;
	uint16_t root_flags;
	uint32_t syssize;
	uint16_t ram_size;
	uint16_t vid_mode;
	uint16_t root_dev;
	uint16_t boot_flag;
	uint16_t jump;
	uint32_t header;
	uint16_t version;
	uint32_t realmode_swtch;
	uint16_t start_sys_seg;
	uint16_t kernel_version;
	uint8_t type_of_loader;
	uint8_t loadflags;
	uint16_t setup_move_size;
	uint32_t code32_start;
	uint32_t ramdisk_image;
	uint32_t ramdisk_size;
	uint32_t bootsect_kludge;
	uint16_t heap_end_ptr;
	uint8_t ext_loader_ver;
	uint8_t ext_loader_type;
	uint32_t cmd_line_ptr;
	uint32_t initrd_addr_max;
	uint32_t kernel_alignment;
	uint8_t relocatable_kernel;
	uint8_t min_alignment;
	uint16_t xloadflags;
	uint32_t cmdline_size;
	uint32_t hardware_subarch;
	uint64_t hardware_subarch_data;
	uint32_t payload_offset;
	uint32_t payload_length;
	uint64_t setup_data;
	uint64_t pref_address;
	uint32_t init_size;
	uint32_t handover_offset;
	uint32_t kernel_info_offset;
} __attribute__((packed));

struct bz_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

struct boot_params {
	uint8_t screen_info[0x40];		/* 0x000 */
	uint8_t apm_bios_info[0x14];		/* 0x040 */
	uint8_t _pad2[4];
	uint64_t tboot_addr;			/* 0x058 */
	uint8_t ist_info[0x10];			/* 0x060 */
	uint64_t acpi_rsdp_addr;		/* 0x070 */
	uint8_t _pad3[8];
	uint8_t hd0_info[16];			/* 0x080 */
	uint8_t hd1_info[16];
	uint8_t sys_desc_table[0x10];		/* 0x0a0 */
	uint8_t olpc_ofw_header[0x10];		/* 0x0b0 */
	uint32_t ext_ramdisk_image;		/* 0x0c0 */
	uint32_t ext_ramdisk_size;
	uint32_t ext_cmd_line_ptr;
	uint8_t _pad4[0x70];
	uint32_t cc_blob_address;		/* 0x13c */
	uint8_t edid_info[0x80];		/* 0x140 */
	uint8_t efi_info[0x20];			/* 0x1c0 */
	uint32_t alt_mem_k;			/* 0x1e0 */
	uint32_t scratch;
	uint8_t e820_entries;			/* 0x1e8 */
	uint8_t eddbuf_entries;
	uint8_t edd_mbr_sig_buf_entries;
	uint8_t kbd_status;
	uint8_t secure_boot;
	uint8_t _pad5[2];
	uint8_t sentinel;			/* 0x1ef */
	uint8_t _pad6[1];
	struct bz_setup_header hdr;		/* 0x1f1 */
	uint8_t _pad7[0x290 - 0x1f1 - sizeof(struct bz_setup_header)];
	uint32_t edd_mbr_sig_buffer[16];	/* 0x290 */
	struct bz_e820_entry e820_table[BZ_E820_MAX];	/* 0x2d0 */
	uint8_t _pad8[48];
	uint8_t eddbuf[0x1ec];			/* 0xd00 */
	uint8_t _pad9[276];
} __attribute__((packed));

_Static_assert(sizeof(struct boot_params) == 4096, "zero page is 4 KiB");
_Static_assert(sizeof(struct bz_e820_entry) == 20, "e820 entry");
#define BZ_OFF(f)	offsetof(struct boot_params, f)
_Static_assert(BZ_OFF(acpi_rsdp_addr) == 0x070, "acpi_rsdp_addr");
_Static_assert(BZ_OFF(ext_ramdisk_image) == 0x0c0, "ext_ramdisk_image");
_Static_assert(BZ_OFF(ext_cmd_line_ptr) == 0x0c8, "ext_cmd_line_ptr");
_Static_assert(BZ_OFF(cc_blob_address) == 0x13c, "cc_blob_address");
_Static_assert(BZ_OFF(e820_entries) == 0x1e8, "e820_entries");
_Static_assert(BZ_OFF(sentinel) == 0x1ef, "sentinel");
_Static_assert(BZ_OFF(hdr) == 0x1f1, "setup header");
_Static_assert(BZ_OFF(hdr.syssize) == 0x1f4, "syssize");
_Static_assert(BZ_OFF(hdr.vid_mode) == 0x1fa, "vid_mode");
_Static_assert(BZ_OFF(hdr.boot_flag) == 0x1fe, "boot_flag");
_Static_assert(BZ_OFF(hdr.header) == 0x202, "header magic");
_Static_assert(BZ_OFF(hdr.version) == 0x206, "version");
_Static_assert(BZ_OFF(hdr.type_of_loader) == 0x210, "type_of_loader");
_Static_assert(BZ_OFF(hdr.loadflags) == 0x211, "loadflags");
_Static_assert(BZ_OFF(hdr.code32_start) == 0x214, "code32_start");
_Static_assert(BZ_OFF(hdr.ramdisk_image) == 0x218, "ramdisk_image");
_Static_assert(BZ_OFF(hdr.heap_end_ptr) == 0x224, "heap_end_ptr");
_Static_assert(BZ_OFF(hdr.cmd_line_ptr) == 0x228, "cmd_line_ptr");
_Static_assert(BZ_OFF(hdr.initrd_addr_max) == 0x22c, "initrd_addr_max");
_Static_assert(BZ_OFF(hdr.kernel_alignment) == 0x230, "kernel_alignment");
_Static_assert(BZ_OFF(hdr.relocatable_kernel) == 0x234, "relocatable");
_Static_assert(BZ_OFF(hdr.xloadflags) == 0x236, "xloadflags");
_Static_assert(BZ_OFF(hdr.cmdline_size) == 0x238, "cmdline_size");
_Static_assert(BZ_OFF(hdr.hardware_subarch) == 0x23c, "hardware_subarch");
_Static_assert(BZ_OFF(hdr.setup_data) == 0x250, "setup_data");
_Static_assert(BZ_OFF(hdr.pref_address) == 0x258, "pref_address");
_Static_assert(BZ_OFF(hdr.init_size) == 0x260, "init_size");
_Static_assert(BZ_OFF(hdr.kernel_info_offset) == 0x268, "kernel_info");
_Static_assert(BZ_OFF(edd_mbr_sig_buffer) == 0x290, "edd_mbr_sig_buffer");
_Static_assert(BZ_OFF(e820_table) == 0x2d0, "e820_table");
_Static_assert(BZ_OFF(eddbuf) == 0xd00, "eddbuf");

/* What the header says, validated by bzimage_parse(). */
struct bzimage_info {
	uint16_t version;
	uint8_t loadflags;
	uint16_t xloadflags;
	uint32_t kernel_alignment;
	uint8_t relocatable;
	uint64_t pref_address;
	uint32_t init_size;
	uint32_t cmdline_size;
	uint32_t initrd_addr_max;
	uint64_t setup_size;	/* file offset of the protected-mode kernel */
	uint64_t kernel_size;	/* its length in the file */
	uint32_t header_end;	/* end of the setup header in the image */
	bool entry64;		/* 64-bit entry at load address + 0x200 */
};

/* Validate the setup header of an image without loading it. */
int bzimage_parse(const uint8_t *data, uint64_t size,
		  struct bzimage_info *info, char *err, size_t err_len);

#endif
