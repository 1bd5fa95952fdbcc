// SPDX-License-Identifier: GPL-2.0
/*
 * fw_loader.c - the ACPI tables as QEMU hands them to firmware: two blobs
 * and a linker script ("table-loader") of 128-byte commands:
 *
 *   ALLOCATE      file, alignment, zone (1: high memory, 2: F-segment)
 *   ADD_POINTER   add the address of a source file to a little-endian
 *                 pointer of 1, 2, 4 or 8 bytes at an offset of a
 *                 destination file
 *   ADD_CHECKSUM  make a byte range of a file sum to zero by adjusting
 *                 the checksum byte at an offset
 *
 * acpi_build() lays the tables out for guest address 0, RSDP first: the
 * RSDP becomes one file and the rest, from the first table after it, the
 * other; pointer values are then rebased to that second file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi.h"

#define LOADER_CMD_SIZE		128
#define LOADER_ALLOCATE		1
#define LOADER_ADD_POINTER	2
#define LOADER_ADD_CHECKSUM	3
#define LOADER_ZONE_HIGH	1
#define LOADER_ZONE_FSEG	2
#define LOADER_FILE_LEN		56

/* ACPI layout offsets (spec-defined). */
#define HDR_LENGTH		4
#define HDR_CHECKSUM		9
#define HDR_SIZE		36
#define RSDP_CHECKSUM		8
#define RSDP_RSDT		16
#define RSDP_LENGTH_V1		20
#define RSDP_XSDT		24
#define RSDP_EXT_CHECKSUM	32
#define RSDP_SIZE		36
#define FADT_FIRMWARE_CTRL	36
#define FADT_DSDT		40
#define FADT_X_DSDT		140

struct loader_buf {
	uint8_t *cmds;
	size_t n, cap;
};

static uint8_t *loader_cmd(struct loader_buf *l, uint32_t type)
{
	uint8_t *c;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 32;
		uint8_t *p = realloc(l->cmds, cap * LOADER_CMD_SIZE);

		if (!p)
			return NULL;
		l->cmds = p;
		l->cap = cap;
	}
	c = l->cmds + l->n++ * LOADER_CMD_SIZE;
	memset(c, 0, LOADER_CMD_SIZE);
	memcpy(c, &type, 4);		/* little endian, like every field */
	return c;
}

static int loader_allocate(struct loader_buf *l, const char *file,
			   uint32_t align, uint8_t zone)
{
	uint8_t *c = loader_cmd(l, LOADER_ALLOCATE);

	if (!c)
		return -ENOMEM;
	strncpy((char *)c + 4, file, LOADER_FILE_LEN - 1);
	memcpy(c + 4 + LOADER_FILE_LEN, &align, 4);
	c[4 + LOADER_FILE_LEN + 4] = zone;
	return 0;
}

static int loader_pointer(struct loader_buf *l, const char *dst,
			  const char *src, uint32_t offset, uint8_t size)
{
	uint8_t *c = loader_cmd(l, LOADER_ADD_POINTER);

	if (!c)
		return -ENOMEM;
	strncpy((char *)c + 4, dst, LOADER_FILE_LEN - 1);
	strncpy((char *)c + 4 + LOADER_FILE_LEN, src, LOADER_FILE_LEN - 1);
	memcpy(c + 4 + 2 * LOADER_FILE_LEN, &offset, 4);
	c[4 + 2 * LOADER_FILE_LEN + 4] = size;
	return 0;
}

static int loader_checksum(struct loader_buf *l, const char *file,
			   uint32_t offset, uint32_t start, uint32_t len)
{
	uint8_t *c = loader_cmd(l, LOADER_ADD_CHECKSUM);

	if (!c)
		return -ENOMEM;
	strncpy((char *)c + 4, file, LOADER_FILE_LEN - 1);
	memcpy(c + 4 + LOADER_FILE_LEN, &offset, 4);
	memcpy(c + 4 + LOADER_FILE_LEN + 4, &start, 4);
	memcpy(c + 4 + LOADER_FILE_LEN + 8, &len, 4);
	return 0;
}

/* Rebase the pointer of @size bytes at @p by -@base. */
static void rebase(uint8_t *p, unsigned int size, uint64_t base)
{
	uint64_t v = 0;

	memcpy(&v, p, size);
	v -= base;
	memcpy(p, &v, size);
}

static uint32_t table_len(const uint8_t *t)
{
	uint32_t len;

	memcpy(&len, t + HDR_LENGTH, 4);
	return len;
}

/* Pointer fields to relocate in @t (at offset @off of the tables file). */
static int table_pointers(struct loader_buf *l, uint8_t *tables,
			  uint32_t off, uint64_t base, bool fadt)
{
	uint8_t *t = tables + off;
	uint32_t len = table_len(t), i;
	bool xsdt = !memcmp(t, "XSDT", 4), rsdt = !memcmp(t, "RSDT", 4);
	unsigned int esz = xsdt ? 8 : 4;
	int ret = 0;

	if (fadt) {
		static const struct { uint32_t off; uint8_t size; } f[] = {
			{ FADT_FIRMWARE_CTRL, 4 }, { FADT_DSDT, 4 },
			{ FADT_X_DSDT, 8 },
		};

		for (i = 0; i < 3 && !ret; i++) {
			rebase(t + f[i].off, f[i].size, base);
			ret = loader_pointer(l, ACPI_FW_TABLES_FILE,
					     ACPI_FW_TABLES_FILE,
					     off + f[i].off, f[i].size);
		}
	}
	if (xsdt || rsdt) {
		for (i = HDR_SIZE; i + esz <= len && !ret; i += esz) {
			rebase(t + i, esz, base);
			ret = loader_pointer(l, ACPI_FW_TABLES_FILE,
					     ACPI_FW_TABLES_FILE, off + i,
					     (uint8_t)esz);
		}
	}
	if (!ret)
		ret = loader_checksum(l, ACPI_FW_TABLES_FILE,
				      off + HDR_CHECKSUM, off, len);
	return ret;
}

int acpi_build_fw(const struct acpi_config *c, struct acpi_fw_blobs *out,
		  char *err, size_t err_len)
{
	struct loader_buf l = { 0 };
	struct acpi_tables t;
	uint64_t base, offs[7];
	uint8_t *buf;
	unsigned int i;
	int ret;

	memset(out, 0, sizeof(*out));
	buf = calloc(1, ACPI_DEFAULT_SIZE);
	if (!buf)
		return -ENOMEM;
	ret = acpi_build(c, buf, 0, ACPI_DEFAULT_SIZE, &t, err, err_len);
	if (ret)
		goto fail;
	/* acpi_build() puts the RSDP first and the FACS (64-aligned) next. */
	base = t.facs;
	if (t.rsdp != 0 || base % 64 || base < RSDP_SIZE || t.size <= base) {
		snprintf(err, err_len, "ACPI: unexpected table layout");
		ret = -EINVAL;
		goto fail;
	}
	out->rsdp_len = RSDP_SIZE;
	out->tables_len = t.size - base;
	out->rsdp = malloc(out->rsdp_len);
	out->tables = malloc(out->tables_len);
	ret = -ENOMEM;
	if (!out->rsdp || !out->tables)
		goto fail;
	memcpy(out->rsdp, buf, out->rsdp_len);
	memcpy(out->tables, buf + base, out->tables_len);

	ret = loader_allocate(&l, ACPI_FW_RSDP_FILE, 16, LOADER_ZONE_FSEG);
	ret = ret ?: loader_allocate(&l, ACPI_FW_TABLES_FILE, 64,
				     LOADER_ZONE_HIGH);
	/* Every table but the FACS has a header and a checksum. */
	offs[0] = t.dsdt;
	offs[1] = t.fadt;
	offs[2] = t.madt;
	offs[3] = t.mcfg;
	offs[4] = t.xsdt;
	offs[5] = t.rsdt;
	for (i = 0; i < 6 && !ret; i++) {
		if (!offs[i])
			continue;
		ret = table_pointers(&l, out->tables, (uint32_t)(offs[i] - base),
				     base, offs[i] == t.fadt);
	}
	if (ret)
		goto fail;
	rebase(out->rsdp + RSDP_RSDT, 4, base);
	rebase(out->rsdp + RSDP_XSDT, 8, base);
	ret = loader_pointer(&l, ACPI_FW_RSDP_FILE, ACPI_FW_TABLES_FILE,
			     RSDP_RSDT, 4);
	ret = ret ?: loader_pointer(&l, ACPI_FW_RSDP_FILE, ACPI_FW_TABLES_FILE,
				    RSDP_XSDT, 8);
	ret = ret ?: loader_checksum(&l, ACPI_FW_RSDP_FILE, RSDP_CHECKSUM, 0,
				     RSDP_LENGTH_V1);
	ret = ret ?: loader_checksum(&l, ACPI_FW_RSDP_FILE, RSDP_EXT_CHECKSUM,
				     0, RSDP_SIZE);
	if (ret)
		goto fail;
	out->loader = l.cmds;
	out->loader_len = l.n * LOADER_CMD_SIZE;
	free(buf);
	return 0;
fail:
	free(l.cmds);
	free(buf);
	acpi_fw_blobs_free(out);
	if (ret == -ENOMEM)
		snprintf(err, err_len, "ACPI: out of memory");
	return ret;
}

void acpi_fw_blobs_free(struct acpi_fw_blobs *b)
{
	free(b->rsdp);
	free(b->tables);
	free(b->loader);
	memset(b, 0, sizeof(*b));
}
