// SPDX-License-Identifier: GPL-2.0
/*
 * serial.c - print a known text on COM1; tests/guest/run-serial compares
 * it with the expected output, so keep the two in sync.
 */
#include "kit.h"

int main(const char *cmdline)
{
	puts("cvisor serial test: line 1\n");
	puts("line 2: the quick brown fox jumps over the lazy dog 0123456789\n");
	printf("line 3: printf %d %u %x %s %c %08x %-4d| %5s|\n",
	       -42, 42u, 0xbeefu, "str", '!', 0x1234u, 7, "ab");
	printf("line 4: %lx %llx %p\n", 0xfedcba9876543210ul,
	       0x0123456789abcdefull, (void *)0x100000);
	puts("end of serial test\n");
	return 0;
}
