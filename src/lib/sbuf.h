/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sbuf.h - the byte buffer component state is saved into and loaded from.
 *
 * Everything is little endian, whatever the host.  A writer grows as
 * needed; a reader walks a caller's bytes, which come from a snapshot
 * file or a migration stream and are therefore untrusted.
 *
 * Errors are sticky: the first failing put (out of memory) or get (past
 * the end) records an error, later calls do nothing (gets return zeros),
 * and sbuf_error() reports it once at the end.  A load therefore reads
 * every field into locals, checks sbuf_error() and validates the values,
 * and only then touches the device: a truncated or hostile section never
 * leaves a device half loaded.
 */
#ifndef CVISOR_LIB_SBUF_H
#define CVISOR_LIB_SBUF_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sbuf {
	uint8_t *data;
	size_t len;		/* bytes written, or bytes to read */
	size_t cap;		/* allocated (writer); 0 for a reader */
	size_t pos;		/* read position */
	int err;		/* 0, -ENOMEM (put) or -EBADMSG (get) */
	bool reader;
};

/* An empty writer.  sbuf_release() frees what it grew. */
void sbuf_init(struct sbuf *b);
void sbuf_release(struct sbuf *b);
/* A reader over @len bytes at @data (not copied, not freed). */
void sbuf_reader(struct sbuf *b, const void *data, size_t len);

static inline int sbuf_error(const struct sbuf *b)
{
	return b->err;
}

/* Bytes a reader has not consumed yet. */
static inline size_t sbuf_remaining(const struct sbuf *b)
{
	return b->len - b->pos;
}

void sbuf_put_bytes(struct sbuf *b, const void *p, size_t n);
void sbuf_put_u8(struct sbuf *b, uint8_t v);
void sbuf_put_u16(struct sbuf *b, uint16_t v);
void sbuf_put_u32(struct sbuf *b, uint32_t v);
void sbuf_put_u64(struct sbuf *b, uint64_t v);
static inline void sbuf_put_bool(struct sbuf *b, bool v)
{
	sbuf_put_u8(b, v ? 1 : 0);
}

/* On error (or an earlier one) @p is zero-filled. */
void sbuf_get_bytes(struct sbuf *b, void *p, size_t n);
uint8_t sbuf_get_u8(struct sbuf *b);
uint16_t sbuf_get_u16(struct sbuf *b);
uint32_t sbuf_get_u32(struct sbuf *b);
uint64_t sbuf_get_u64(struct sbuf *b);
/* Only 0 and 1 are booleans: anything else is a malformed section. */
bool sbuf_get_bool(struct sbuf *b);

/* Mark a reader malformed (a value failed validation). */
static inline void sbuf_set_bad(struct sbuf *b)
{
	if (!b->err)
		b->err = -EINVAL;
}

#endif
