// SPDX-License-Identifier: GPL-2.0
/*
 * sbuf.c - little-endian save/load buffer (see sbuf.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sbuf.h"

void sbuf_init(struct sbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void sbuf_release(struct sbuf *b)
{
	if (!b->reader)
		free(b->data);
	memset(b, 0, sizeof(*b));
}

void sbuf_reader(struct sbuf *b, const void *data, size_t len)
{
	memset(b, 0, sizeof(*b));
	/* The reader never writes through data. */
	b->data = (uint8_t *)data;
	b->len = data ? len : 0;
	b->reader = true;
}

static bool sbuf_reserve(struct sbuf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->err || b->reader) {
		if (!b->err)
			b->err = -EINVAL;
		return false;
	}
	if (n <= b->cap - b->len)
		return true;
	if (n > SIZE_MAX / 2 - b->len) {
		b->err = -ENOMEM;
		return false;
	}
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < n)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p) {
		b->err = -ENOMEM;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void sbuf_put_bytes(struct sbuf *b, const void *p, size_t n)
{
	if (!n || !sbuf_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void sbuf_put_le(struct sbuf *b, uint64_t v, unsigned int n)
{
	uint8_t tmp[8];
	unsigned int i;

	for (i = 0; i < n; i++, v >>= 8)
		tmp[i] = (uint8_t)v;
	sbuf_put_bytes(b, tmp, n);
}

void sbuf_put_u8(struct sbuf *b, uint8_t v)
{
	sbuf_put_le(b, v, 1);
}

void sbuf_put_u16(struct sbuf *b, uint16_t v)
{
	sbuf_put_le(b, v, 2);
}

void sbuf_put_u32(struct sbuf *b, uint32_t v)
{
	sbuf_put_le(b, v, 4);
}

void sbuf_put_u64(struct sbuf *b, uint64_t v)
{
	sbuf_put_le(b, v, 8);
}

void sbuf_get_bytes(struct sbuf *b, void *p, size_t n)
{
	if (!b->err && !b->reader)
		b->err = -EINVAL;
	if (!b->err && n > b->len - b->pos)
		b->err = -EBADMSG;
	if (b->err) {
		if (n)
			memset(p, 0, n);
		return;
	}
	if (n)
		memcpy(p, b->data + b->pos, n);
	b->pos += n;
}

static uint64_t sbuf_get_le(struct sbuf *b, unsigned int n)
{
	uint8_t tmp[8];
	uint64_t v = 0;

	sbuf_get_bytes(b, tmp, n);
	while (n--)
		v = (v << 8) | tmp[n];
	return v;
}

uint8_t sbuf_get_u8(struct sbuf *b)
{
	return (uint8_t)sbuf_get_le(b, 1);
}

uint16_t sbuf_get_u16(struct sbuf *b)
{
	return (uint16_t)sbuf_get_le(b, 2);
}

uint32_t sbuf_get_u32(struct sbuf *b)
{
	return (uint32_t)sbuf_get_le(b, 4);
}

uint64_t sbuf_get_u64(struct sbuf *b)
{
	return sbuf_get_le(b, 8);
}

bool sbuf_get_bool(struct sbuf *b)
{
	uint8_t v = sbuf_get_u8(b);

	if (v > 1)
		sbuf_set_bad(b);
	return v == 1;
}
