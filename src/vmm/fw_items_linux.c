// SPDX-License-Identifier: GPL-2.0
/*
 * fw_items_linux.c - --kernel with --firmware, the way QEMU does it: the
 * bzImage goes to the firmware through fw_cfg, with QEMU's option ROM
 * linuxboot_dma.bin (Debian's qemu-system-data) as the loader.  SeaBIOS
 * runs the ROM from the boot order; the ROM copies the items below to the
 * addresses they name and enters the kernel's real-mode setup code.
 *
 *   setup (real-mode part + patched header)  at 0x10000 (SETUP_*)
 *   command line                             at 0x20000 (CMDLINE_*)
 *   protected-mode kernel                    at 1 MiB   (KERNEL_*)
 *   initramfs         page-aligned, as high as initrd_addr_max and low
 *                     RAM allow, below QEMU's 128 KiB ACPI reserve (INITRD_*)
 *
 * The header is patched as a boot loader does (protocol 2.10 or later):
 * loader type 0xB0 (QEMU), CAN_USE_HEAP with the heap ending below the
 * command line, cmd_line_ptr, ramdisk_image and ramdisk_size.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bzimage.h"
#include "devices/fw_cfg.h"
#include "vmm/loader.h"
#include "vmm/vm.h"

#define LINUXBOOT_ROM		"/usr/share/qemu/linuxboot_dma.bin"
#define LB_REAL_ADDR		0x10000u
#define LB_CMDLINE_ADDR		0x20000u
#define LB_PROT_ADDR		0x100000u
#define LB_ACPI_RESERVE		0x20000u
#define LB_LOADER_QEMU		0xb0
#define LB_MAX_SETUP		(LB_CMDLINE_ADDR - LB_REAL_ADDR)

static int add_u32(struct fw_cfg_items *t, uint16_t key, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };

	return fw_cfg_items_add(t, key, b, sizeof(b));
}

static int lb_initrd(struct vm *vm, struct fw_cfg_items *t,
		     const struct bz_setup_header *h, uint32_t *addr,
		     uint32_t *size, char *err, size_t err_len)
{
	uint64_t low = vm->mem.ram.region[0].size, max, a;
	struct loader_image img;
	int ret;

	*addr = *size = 0;
	if (!vm->cfg.initrd)
		return 0;
	ret = loader_map_file(vm->cfg.initrd, &img, err, err_len);
	if (ret)
		return ret;
	max = h->initrd_addr_max;
	if (low - LB_ACPI_RESERVE - 1 < max)
		max = low - LB_ACPI_RESERVE - 1;
	if (img.size > UINT32_MAX || img.size > max ||
	    ((max - img.size) & ~0xfffull) < LB_PROT_ADDR) {
		snprintf(err, err_len, "%s: the initramfs does not fit below 0x%llx",
			 vm->cfg.initrd, (unsigned long long)max);
		ret = -E2BIG;
		goto out;
	}
	a = (max - img.size) & ~0xfffull;
	*addr = (uint32_t)a;
	*size = (uint32_t)img.size;
	ret = add_u32(t, FW_CFG_INITRD_ADDR, *addr);
	ret = ret ?: add_u32(t, FW_CFG_INITRD_SIZE, *size);
	ret = ret ?: fw_cfg_items_add(t, FW_CFG_INITRD_DATA, img.data,
				      img.size);
out:
	loader_unmap_file(&img);
	return ret;
}

static int lb_items(struct vm *vm, struct fw_cfg_items *t,
		    const struct loader_image *k, char *err, size_t err_len)
{
	const char *cmdline = vm->cfg.cmdline ? vm->cfg.cmdline : "";
	struct bz_setup_header h;
	uint32_t setup_size, rd_addr, rd_size, magic;
	size_t cmd_len = strlen(cmdline) + 1;
	uint8_t *setup;
	int ret;

	if (k->size < BZ_SETUP_HDR_OFF + sizeof(h))
		goto bad;
	memcpy(&h, k->data + BZ_SETUP_HDR_OFF, sizeof(h));
	magic = h.header;
	if (magic != BZ_HDRS_MAGIC || h.version < BZ_MIN_PROTOCOL ||
	    !(h.loadflags & BZ_LOADED_HIGH))
		goto bad;
	setup_size = ((h.setup_sects ? h.setup_sects : 4) + 1u) * 512u;
	if (setup_size >= k->size || setup_size > LB_MAX_SETUP - 0x200)
		goto bad;
	if (cmd_len > h.cmdline_size + 1ull || cmd_len > 0x10000) {
		snprintf(err, err_len,
			 "--append: %zu bytes, the kernel takes at most %u",
			 cmd_len - 1, h.cmdline_size);
		return -E2BIG;
	}
	ret = lb_initrd(vm, t, &h, &rd_addr, &rd_size, err, err_len);
	if (ret)
		return ret;

	h.type_of_loader = LB_LOADER_QEMU;
	h.loadflags |= BZ_CAN_USE_HEAP;
	h.heap_end_ptr = (uint16_t)(LB_CMDLINE_ADDR - LB_REAL_ADDR - 0x200);
	h.cmd_line_ptr = LB_CMDLINE_ADDR;
	h.ramdisk_image = rd_addr;
	h.ramdisk_size = rd_size;
	setup = malloc(setup_size);
	if (!setup)
		return -ENOMEM;
	memcpy(setup, k->data, setup_size);
	memcpy(setup + BZ_SETUP_HDR_OFF, &h, sizeof(h));
	ret = add_u32(t, FW_CFG_SETUP_ADDR, LB_REAL_ADDR);
	ret = ret ?: add_u32(t, FW_CFG_SETUP_SIZE, setup_size);
	ret = ret ?: fw_cfg_items_add(t, FW_CFG_SETUP_DATA, setup, setup_size);
	free(setup);
	ret = ret ?: add_u32(t, FW_CFG_KERNEL_ADDR, LB_PROT_ADDR);
	ret = ret ?: add_u32(t, FW_CFG_KERNEL_SIZE,
			     (uint32_t)(k->size - setup_size));
	ret = ret ?: fw_cfg_items_add(t, FW_CFG_KERNEL_DATA,
				      k->data + setup_size,
				      k->size - setup_size);
	ret = ret ?: add_u32(t, FW_CFG_CMDLINE_ADDR, LB_CMDLINE_ADDR);
	ret = ret ?: add_u32(t, FW_CFG_CMDLINE_SIZE, (uint32_t)cmd_len);
	ret = ret ?: fw_cfg_items_add(t, FW_CFG_CMDLINE_DATA, cmdline,
				      cmd_len);
	return ret;
bad:
	snprintf(err, err_len,
		 "%s: --kernel with --firmware takes a bzImage (boot protocol 2.10 or later)",
		 k->path);
	return -EINVAL;
}

int fw_items_linux_setup(struct vm *vm, struct fw_cfg_items *t, char *err,
			 size_t err_len)
{
	struct loader_image k, rom;
	int ret;

	ret = loader_map_file(LINUXBOOT_ROM, &rom, err, err_len);
	if (ret) {
		snprintf(err, err_len,
			 "--kernel with --firmware needs QEMU's option ROM %s (Debian: qemu-system-data)",
			 LINUXBOOT_ROM);
		return ret;
	}
	ret = loader_map_file(vm->cfg.kernel, &k, err, err_len);
	if (!ret) {
		ret = lb_items(vm, t, &k, err, err_len);
		loader_unmap_file(&k);
	}
	if (!ret)
		ret = fw_cfg_items_add_file(t, "genroms/linuxboot_dma.bin",
					    rom.data, rom.size);
	loader_unmap_file(&rom);
	return ret;
}
