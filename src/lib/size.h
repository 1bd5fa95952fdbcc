/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CVISOR_LIB_SIZE_H
#define CVISOR_LIB_SIZE_H

#include <stdint.h>

/*
 * Parse a byte count: decimal digits with an optional K, M, G or T suffix
 * (binary multiples, case-insensitive, an optional trailing "B" or "iB").
 * Returns 0, -EINVAL for anything that is not such a number, or -ERANGE
 * if the value does not fit in 64 bits.
 */
int size_parse(const char *s, uint64_t *out);

/* Format @bytes as "128 MiB" style (exact multiples only, else bytes). */
void size_format(uint64_t bytes, char *buf, unsigned int len);

#endif
