// SPDX-License-Identifier: GPL-2.0
/*
 * test_size.c - the --memory size parser and formatter.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/size.h"
#include "../check.h"

static void expect(const char *s, int ret, uint64_t val)
{
	uint64_t v = 0xdead;
	int r = size_parse(s, &v);

	EXPECT(r == ret && (ret || v == val),
	       "size_parse(\"%s\") = %d, %llu; expected %d, %llu",
	       s ? s : "(null)", r, (unsigned long long)v, ret,
	       (unsigned long long)val);
}

static void expect_fmt(uint64_t v, const char *want)
{
	char buf[32];

	size_format(v, buf, sizeof(buf));
	EXPECT(!strcmp(buf, want), "size_format(%llu) = \"%s\", expected \"%s\"",
	       (unsigned long long)v, buf, want);
}

int main(void)
{
	expect("0", 0, 0);
	expect("4096", 0, 4096);
	expect("128M", 0, 128ull << 20);
	expect("128m", 0, 128ull << 20);
	expect("128MB", 0, 128ull << 20);
	expect("128MiB", 0, 128ull << 20);
	expect("1G", 0, 1ull << 30);
	expect("64k", 0, 64ull << 10);
	expect("10T", 0, 10ull << 40);
	expect("18446744073709551615", 0, UINT64_MAX);
	expect("18446744073709551616", -ERANGE, 0);
	expect("16777216T", -ERANGE, 0);
	expect("16777215T", 0, 16777215ull << 40);
	expect("", -EINVAL, 0);
	expect(NULL, -EINVAL, 0);
	expect("abc", -EINVAL, 0);
	expect("-1", -EINVAL, 0);
	expect(" 1M", -EINVAL, 0);
	expect("1M ", -EINVAL, 0);
	expect("1.5G", -EINVAL, 0);
	expect("12Q", -EINVAL, 0);
	expect("1MX", -EINVAL, 0);
	expect("1GBB", -EINVAL, 0);
	expect("0x100", -EINVAL, 0);

	expect_fmt(128ull << 20, "128 MiB");
	expect_fmt(1ull << 30, "1 GiB");
	expect_fmt(3ull << 40, "3 TiB");
	expect_fmt(1536ull << 20, "1536 MiB");
	expect_fmt(1000, "1000 bytes");
	expect_fmt(0, "0 bytes");
	if (check_failures) {
		printf("%d check(s) failed\n", check_failures);
		return 1;
	}
	printf("size: all checks passed\n");
	return 0;
}
