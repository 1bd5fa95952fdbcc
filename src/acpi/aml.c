// SPDX-License-Identifier: GPL-2.0
/* aml.c - AML byte emitter (see aml.h). */
#include <string.h>

#include "acpi/aml.h"

#define AML_ZERO	0x00
#define AML_ONE		0x01
#define AML_ONES	0xff
#define AML_NAME_OP	0x08
#define AML_BYTE_PFX	0x0a
#define AML_WORD_PFX	0x0b
#define AML_DWORD_PFX	0x0c
#define AML_STRING_PFX	0x0d
#define AML_QWORD_PFX	0x0e
#define AML_SCOPE_OP	0x10
#define AML_BUFFER_OP	0x11
#define AML_PACKAGE_OP	0x12
#define AML_EXT_PFX	0x5b
#define AML_DEVICE_OP	0x82
#define AML_DUAL_PFX	0x2e
#define AML_MULTI_PFX	0x2f
#define AML_ROOT_CHAR	'\\'
#define AML_PARENT_CHAR	'^'

/* Large resource descriptors: address space types and flags. */
#define RES_WORD_ADDR	0x88
#define RES_DWORD_ADDR	0x87
#define RES_QWORD_ADDR	0x8a
#define RES_MEM32_FIXED	0x86
#define RES_TYPE_MEM	0
#define RES_TYPE_IO	1
#define RES_TYPE_BUS	2
/* General flags: min and max fixed, positive decode, producer. */
#define RES_GEN_FIXED	0x0c
#define RES_MEM_RW_CACHEABLE	0x03
#define RES_IO_ENTIRE	0x03

void aml_init(struct aml *a, uint8_t *buf, size_t cap)
{
	memset(a, 0, sizeof(*a));
	a->buf = buf;
	a->cap = cap;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (a->error || n > a->cap - a->len) {
		a->error = true;
		return;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

static void aml_le(struct aml *a, uint64_t v, unsigned int n)
{
	uint8_t b[8];
	unsigned int i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	aml_bytes(a, b, n);
}

static void aml_nameseg(struct aml *a, const char *s, size_t n)
{
	char seg[4] = { '_', '_', '_', '_' };

	if (!n || n > 4) {
		a->error = true;
		return;
	}
	memcpy(seg, s, n);
	aml_bytes(a, seg, 4);
}

void aml_name_string(struct aml *a, const char *path)
{
	const char *p = path, *dot;
	unsigned int nseg = 0;

	while (*p == AML_ROOT_CHAR || *p == AML_PARENT_CHAR)
		aml_byte(a, (uint8_t)*p++);
	if (!*p) {
		aml_byte(a, 0);		/* NullName */
		return;
	}
	for (dot = p; dot; dot = strchr(dot, '.')) {
		nseg++;
		dot++;
	}
	if (nseg == 2)
		aml_byte(a, AML_DUAL_PFX);
	else if (nseg > 2) {
		aml_byte(a, AML_MULTI_PFX);
		aml_byte(a, (uint8_t)nseg);
	}
	while (*p) {
		dot = strchr(p, '.');
		if (!dot)
			dot = p + strlen(p);
		aml_nameseg(a, p, (size_t)(dot - p));
		p = *dot ? dot + 1 : dot;
	}
}

void aml_integer(struct aml *a, uint64_t v)
{
	if (v == 0)
		aml_byte(a, AML_ZERO);
	else if (v == 1)
		aml_byte(a, AML_ONE);
	else if (v == UINT64_MAX)
		aml_byte(a, AML_ONES);
	else if (v <= 0xff) {
		aml_byte(a, AML_BYTE_PFX);
		aml_le(a, v, 1);
	} else if (v <= 0xffff) {
		aml_byte(a, AML_WORD_PFX);
		aml_le(a, v, 2);
	} else if (v <= 0xffffffff) {
		aml_byte(a, AML_DWORD_PFX);
		aml_le(a, v, 4);
	} else {
		aml_byte(a, AML_QWORD_PFX);
		aml_le(a, v, 8);
	}
}

void aml_dword(struct aml *a, uint32_t v)
{
	aml_byte(a, AML_DWORD_PFX);
	aml_le(a, v, 4);
}

void aml_string(struct aml *a, const char *s)
{
	aml_byte(a, AML_STRING_PFX);
	aml_bytes(a, s, strlen(s) + 1);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Three upper-case letters in 5 bits each (A = 1) and four hex digits,
 * stored big-endian in a DWord: the compressed EISA id of the spec.
 */
void aml_eisaid(struct aml *a, const char *id)
{
	uint8_t b[4];
	int i, d[4];

	if (strlen(id) != 7) {
		a->error = true;
		return;
	}
	for (i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z') {
			a->error = true;
			return;
		}
	}
	for (i = 0; i < 4; i++) {
		d[i] = hexval(id[3 + i]);
		if (d[i] < 0) {
			a->error = true;
			return;
		}
	}
	b[0] = (uint8_t)(((id[0] - 0x40) << 2) | ((id[1] - 0x40) >> 3));
	b[1] = (uint8_t)(((id[1] - 0x40) << 5) | (id[2] - 0x40));
	b[2] = (uint8_t)(d[0] << 4 | d[1]);
	b[3] = (uint8_t)(d[2] << 4 | d[3]);
	aml_byte(a, AML_DWORD_PFX);
	aml_bytes(a, b, 4);
}

void aml_name(struct aml *a, const char *name)
{
	aml_byte(a, AML_NAME_OP);
	aml_name_string(a, name);
}

static void aml_open(struct aml *a, bool buffer)
{
	if (a->error || a->depth == AML_MAX_DEPTH) {
		a->error = true;
		return;
	}
	a->open[a->depth].start = a->len;
	a->open[a->depth].buffer = buffer;
	a->depth++;
}

void aml_scope_begin(struct aml *a, const char *name)
{
	aml_byte(a, AML_SCOPE_OP);
	aml_open(a, false);
	aml_name_string(a, name);
}

void aml_device_begin(struct aml *a, const char *name)
{
	aml_byte(a, AML_EXT_PFX);
	aml_byte(a, AML_DEVICE_OP);
	aml_open(a, false);
	aml_name_string(a, name);
}

void aml_package_begin(struct aml *a, uint8_t nr_elements)
{
	aml_byte(a, AML_PACKAGE_OP);
	aml_open(a, false);
	aml_byte(a, nr_elements);
}

void aml_buffer_begin(struct aml *a)
{
	aml_byte(a, AML_BUFFER_OP);
	aml_open(a, true);
}

/*
 * PkgLength counts itself: one byte holds up to 63; longer lengths use
 * 1-3 more bytes, the lead byte giving their count in bits 7:6 and the
 * low nibble of the length in bits 3:0.
 */
void aml_end(struct aml *a)
{
	uint8_t hdr[4 + 9], tmp[16];
	size_t body, start, n, plen, total;
	struct aml pre;

	if (a->error || !a->depth) {
		a->error = true;
		return;
	}
	a->depth--;
	start = a->open[a->depth].start;
	body = a->len - start;
	/* A buffer's body begins with its size, an Integer. */
	aml_init(&pre, tmp, sizeof(tmp));
	if (a->open[a->depth].buffer)
		aml_integer(&pre, body);
	body += pre.len;
	for (n = 1; n <= 4; n++) {
		total = body + n;
		if ((n == 1 && total < 0x40) || (n > 1 && total < (1ull << (4 + 8 * (n - 1)))))
			break;
	}
	if (n > 4 || pre.error) {
		a->error = true;
		return;
	}
	if (n == 1) {
		hdr[0] = (uint8_t)total;
	} else {
		hdr[0] = (uint8_t)(((n - 1) << 6) | (total & 0xf));
		for (plen = 1; plen < n; plen++)
			hdr[plen] = (uint8_t)(total >> (4 + 8 * (plen - 1)));
	}
	memcpy(hdr + n, tmp, pre.len);
	plen = n + pre.len;
	if (plen > a->cap - a->len) {
		a->error = true;
		return;
	}
	memmove(a->buf + start + plen, a->buf + start, a->len - start);
	memcpy(a->buf + start, hdr, plen);
	a->len += plen;
}

void aml_res_io(struct aml *a, uint16_t base, uint8_t len)
{
	/* Small IO descriptor: 16-bit decode, min = max = base, align 1. */
	uint8_t d[8] = { 0x47, 0x01, (uint8_t)base, (uint8_t)(base >> 8),
			 (uint8_t)base, (uint8_t)(base >> 8), 0x01, len };

	aml_bytes(a, d, sizeof(d));
}

void aml_res_irq(struct aml *a, uint8_t irq)
{
	/* Small IRQ descriptor without flags: edge, active high, exclusive. */
	uint16_t mask = (uint16_t)(1u << (irq & 15));
	uint8_t d[3] = { 0x22, (uint8_t)mask, (uint8_t)(mask >> 8) };

	aml_bytes(a, d, sizeof(d));
}

static void aml_res_word(struct aml *a, uint8_t type, uint8_t tflags,
			 uint16_t first, uint16_t last)
{
	aml_byte(a, RES_WORD_ADDR);
	aml_le(a, 13, 2);
	aml_byte(a, type);
	aml_byte(a, RES_GEN_FIXED);
	aml_byte(a, tflags);
	aml_le(a, 0, 2);			/* granularity */
	aml_le(a, first, 2);
	aml_le(a, last, 2);
	aml_le(a, 0, 2);			/* translation */
	aml_le(a, (uint16_t)(last - first + 1), 2);
}

void aml_res_bus_range(struct aml *a, uint16_t first, uint16_t last)
{
	aml_res_word(a, RES_TYPE_BUS, 0, first, last);
}

void aml_res_io_window(struct aml *a, uint16_t first, uint16_t last)
{
	aml_res_word(a, RES_TYPE_IO, RES_IO_ENTIRE, first, last);
}

void aml_res_mem32_window(struct aml *a, uint32_t base, uint32_t len)
{
	aml_byte(a, RES_DWORD_ADDR);
	aml_le(a, 23, 2);
	aml_byte(a, RES_TYPE_MEM);
	aml_byte(a, RES_GEN_FIXED);
	aml_byte(a, RES_MEM_RW_CACHEABLE);
	aml_le(a, 0, 4);			/* granularity */
	aml_le(a, base, 4);
	aml_le(a, base + len - 1, 4);
	aml_le(a, 0, 4);			/* translation */
	aml_le(a, len, 4);
}

void aml_res_mem64_window(struct aml *a, uint64_t base, uint64_t len)
{
	aml_byte(a, RES_QWORD_ADDR);
	aml_le(a, 43, 2);
	aml_byte(a, RES_TYPE_MEM);
	aml_byte(a, RES_GEN_FIXED);
	aml_byte(a, RES_MEM_RW_CACHEABLE);
	aml_le(a, 0, 8);
	aml_le(a, base, 8);
	aml_le(a, base + len - 1, 8);
	aml_le(a, 0, 8);
	aml_le(a, len, 8);
}

void aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len)
{
	aml_byte(a, RES_MEM32_FIXED);
	aml_le(a, 9, 2);
	aml_byte(a, 0x01);			/* read/write */
	aml_le(a, base, 4);
	aml_le(a, len, 4);
}

void aml_res_end(struct aml *a)
{
	/* Checksum 0: "treat the template as correctly summed". */
	uint8_t d[2] = { 0x79, 0x00 };

	aml_bytes(a, d, sizeof(d));
}
