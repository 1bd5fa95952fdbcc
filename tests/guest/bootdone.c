// SPDX-License-Identifier: GPL-2.0
/*
 * bootdone.c - signal boot done (123 to port 0x4F0) once, then write
 * other values and widths that must be ignored; tests/guest/run-bootdone
 * checks cvisor's one "boot-done after N ms" line on stderr.
 */
#include "kit.h"

int main(const char *cmdline)
{
	outb(0x4f0, 1);		/* not the magic: ignored */
	outb(0x4f0, 123);
	outb(0x4f0, 123);	/* reported once only */
	ASSERT_EQ(inb(0x4f0), 0xff);
	return 0;
}
