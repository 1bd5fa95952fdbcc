/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fw_cfg.h - QEMU's firmware configuration device (fw_cfg.c): what the
 * machine puts in it.  Items are copied in at VM creation, before any
 * vCPU runs; the guest only ever reads them.
 */
#ifndef CVISOR_DEVICES_FW_CFG_H
#define CVISOR_DEVICES_FW_CFG_H

#include <stddef.h>
#include <stdint.h>

/* Legacy keys (QEMU's numbering). */
#define FW_CFG_SIGNATURE	0x00
#define FW_CFG_ID		0x01
#define FW_CFG_UUID		0x02
#define FW_CFG_RAM_SIZE		0x03
#define FW_CFG_NB_CPUS		0x05
#define FW_CFG_KERNEL_ADDR	0x07
#define FW_CFG_KERNEL_SIZE	0x08
#define FW_CFG_KERNEL_CMDLINE	0x09	/* legacy: the address */
#define FW_CFG_INITRD_ADDR	0x0a
#define FW_CFG_INITRD_SIZE	0x0b
#define FW_CFG_NUMA		0x0d
#define FW_CFG_BOOT_MENU	0x0e
#define FW_CFG_MAX_CPUS		0x0f
#define FW_CFG_KERNEL_ENTRY	0x10
#define FW_CFG_KERNEL_DATA	0x11
#define FW_CFG_INITRD_DATA	0x12
#define FW_CFG_CMDLINE_ADDR	0x13
#define FW_CFG_CMDLINE_SIZE	0x14
#define FW_CFG_CMDLINE_DATA	0x15
#define FW_CFG_SETUP_ADDR	0x16
#define FW_CFG_SETUP_SIZE	0x17
#define FW_CFG_SETUP_DATA	0x18
#define FW_CFG_FILE_DIR		0x19
#define FW_CFG_FILE_FIRST	0x20
#define FW_CFG_FILE_MAX		64	/* files: keys 0x20..0x5f */
#define FW_CFG_ARCH_ACPI_TABLES	0x8000
#define FW_CFG_ARCH_SMBIOS	0x8001
#define FW_CFG_ARCH_IRQ0_OVERRIDE 0x8002
#define FW_CFG_ARCH_E820_TABLE	0x8003

#define FW_CFG_NAME_LEN		56

/* ID bits: the I/O interface is always there, DMA too. */
#define FW_CFG_VERSION		0x01
#define FW_CFG_VERSION_DMA	0x02

/* DMA control bits (big endian in the guest's descriptor). */
#define FW_CFG_DMA_ERROR	0x01
#define FW_CFG_DMA_READ		0x02
#define FW_CFG_DMA_SKIP		0x04
#define FW_CFG_DMA_SELECT	0x08
#define FW_CFG_DMA_WRITE	0x10

#define FW_CFG_MAX_ITEMS	128

struct vm_config;

/*
 * The items fw_cfg serves, keyed; files (keys FW_CFG_FILE_FIRST..) also
 * have a name and are listed, in the order added, by the directory item.
 * The machine fills the table before any vCPU runs (vm_config.fw_items);
 * the device only reads it.
 */
struct fw_cfg_item {
	uint16_t key;
	char name[FW_CFG_NAME_LEN];	/* files only */
	uint8_t *data;
	uint32_t len;
};

struct fw_cfg_items {
	unsigned int nr, nr_files;
	struct fw_cfg_item item[FW_CFG_MAX_ITEMS];
};

/* The legacy keys of @cfg (signature, id, RAM, CPUs, ...), no files. */
int fw_cfg_items_init(struct fw_cfg_items *t, const struct vm_config *cfg);
void fw_cfg_items_release(struct fw_cfg_items *t);
/* Add or replace item @key with a copy of @len bytes. */
int fw_cfg_items_add(struct fw_cfg_items *t, uint16_t key, const void *data,
		     size_t len);
/* Add (or replace) a named file, a copy; it gets the next free selector. */
int fw_cfg_items_add_file(struct fw_cfg_items *t, const char *name,
			  const void *data, size_t len);
const struct fw_cfg_item *fw_cfg_items_find(const struct fw_cfg_items *t,
					    uint16_t key);

#endif
