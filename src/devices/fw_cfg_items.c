// SPDX-License-Identifier: GPL-2.0
/*
 * fw_cfg_items.c - the table of what fw_cfg serves (fw_cfg.h): legacy
 * keys from the configuration, named files, and the file directory kept
 * in step with the files.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/fw_cfg.h"
#include "vmm/config.h"

const struct fw_cfg_item *fw_cfg_items_find(const struct fw_cfg_items *t,
					    uint16_t key)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		if (t->item[i].key == key)
			return &t->item[i];
	return NULL;
}

static int items_set(struct fw_cfg_items *t, uint16_t key, const char *name,
		     const void *data, size_t len)
{
	struct fw_cfg_item *it = (struct fw_cfg_item *)fw_cfg_items_find(t, key);
	uint8_t *copy;

	if (len > UINT32_MAX)
		return -E2BIG;
	copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, data, len);
	if (!it) {
		if (t->nr == FW_CFG_MAX_ITEMS) {
			free(copy);
			return -ENOSPC;
		}
		it = &t->item[t->nr++];
		it->key = key;
	}
	free(it->data);
	it->data = copy;
	it->len = (uint32_t)len;
	snprintf(it->name, sizeof(it->name), "%s", name ? name : "");
	return 0;
}

int fw_cfg_items_add(struct fw_cfg_items *t, uint16_t key, const void *data,
		     size_t len)
{
	return items_set(t, key, NULL, data, len);
}

static bool is_file(uint16_t key)
{
	return key >= FW_CFG_FILE_FIRST &&
	       key < FW_CFG_FILE_FIRST + FW_CFG_FILE_MAX;
}

/* Big-endian count, then size, select, reserved and name per file. */
static int items_rebuild_dir(struct fw_cfg_items *t)
{
	size_t len = 4 + (size_t)t->nr_files * (8 + FW_CFG_NAME_LEN);
	uint8_t *d = calloc(1, len), *e;
	unsigned int i;
	uint32_t be;
	int ret;

	if (!d)
		return -ENOMEM;
	be = htobe32(t->nr_files);
	memcpy(d, &be, 4);
	e = d + 4;
	for (i = 0; i < t->nr; i++) {
		const struct fw_cfg_item *it = &t->item[i];
		uint16_t sel;

		if (!is_file(it->key))
			continue;
		be = htobe32(it->len);
		sel = htobe16(it->key);
		memcpy(e, &be, 4);
		memcpy(e + 4, &sel, 2);
		memcpy(e + 8, it->name, FW_CFG_NAME_LEN);
		e += 8 + FW_CFG_NAME_LEN;
	}
	ret = items_set(t, FW_CFG_FILE_DIR, NULL, d, len);
	free(d);
	return ret;
}

int fw_cfg_items_add_file(struct fw_cfg_items *t, const char *name,
			  const void *data, size_t len)
{
	unsigned int i;
	int ret;

	if (!name[0] || strlen(name) >= FW_CFG_NAME_LEN)
		return -ENAMETOOLONG;
	for (i = 0; i < t->nr; i++)
		if (is_file(t->item[i].key) && !strcmp(t->item[i].name, name)) {
			ret = items_set(t, t->item[i].key, name, data, len);
			return ret ?: items_rebuild_dir(t);
		}
	if (t->nr_files == FW_CFG_FILE_MAX)
		return -ENOSPC;
	ret = items_set(t, (uint16_t)(FW_CFG_FILE_FIRST + t->nr_files), name,
			data, len);
	if (ret)
		return ret;
	t->nr_files++;
	return items_rebuild_dir(t);
}

static int add_le(struct fw_cfg_items *t, uint16_t key, uint64_t v,
		  size_t len)
{
	uint8_t b[8];
	size_t i;

	for (i = 0; i < len; i++, v >>= 8)
		b[i] = (uint8_t)v;
	return fw_cfg_items_add(t, key, b, len);
}

int fw_cfg_items_init(struct fw_cfg_items *t, const struct vm_config *cfg)
{
	static const uint8_t zero[16];
	int ret;

	memset(t, 0, sizeof(*t));
	ret = fw_cfg_items_add(t, FW_CFG_SIGNATURE, "QEMU", 4);
	ret = ret ?: add_le(t, FW_CFG_ID, FW_CFG_VERSION | FW_CFG_VERSION_DMA,
			    4);
	ret = ret ?: fw_cfg_items_add(t, FW_CFG_UUID, zero, 16);
	ret = ret ?: add_le(t, FW_CFG_RAM_SIZE, cfg->ram_size, 8);
	ret = ret ?: add_le(t, FW_CFG_NB_CPUS, cfg->nr_cpus, 2);
	ret = ret ?: add_le(t, FW_CFG_MAX_CPUS, cfg->nr_cpus, 2);
	ret = ret ?: fw_cfg_items_add(t, FW_CFG_NUMA, zero, 8);
	ret = ret ?: fw_cfg_items_add(t, FW_CFG_BOOT_MENU, zero, 2);
	/* QEMU's arch keys: no extra ACPI or SMBIOS entries, no e820
	 * reservations, and IRQ 0 is overridden (PIT on IOAPIC pin 2). */
	ret = ret ?: fw_cfg_items_add(t, FW_CFG_ARCH_ACPI_TABLES, zero, 2);
	ret = ret ?: fw_cfg_items_add(t, FW_CFG_ARCH_SMBIOS, zero, 2);
	ret = ret ?: add_le(t, FW_CFG_ARCH_IRQ0_OVERRIDE, 1, 1);
	ret = ret ?: fw_cfg_items_add(t, FW_CFG_ARCH_E820_TABLE, zero, 4);
	ret = ret ?: items_rebuild_dir(t);
	if (ret)
		fw_cfg_items_release(t);
	return ret;
}

void fw_cfg_items_release(struct fw_cfg_items *t)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		free(t->item[i].data);
	memset(t, 0, sizeof(*t));
}
