// SPDX-License-Identifier: GPL-2.0
/*
 * triple.c - load an IDT with limit 0 and raise #UD: delivering it faults
 * (#GP), delivering that faults again (#DF) and once more: a triple
 * fault.  The VMM must stop the VM with status 125 and say "triple fault"
 * and the RIP; tests/guest/run-triple checks that.  Reaching the end of
 * main() is a failure.
 */
#include "kit.h"

struct __attribute__((packed)) idt_ptr {
	uint16_t limit;
	uint64_t base;
};

int main(const char *cmdline)
{
	struct idt_ptr p = { .limit = 0, .base = 0 };

	puts("triple: loading an empty IDT and executing ud2\n");
	__asm__ __volatile__("lidt %0\n\tud2" :: "m"(p));
	exit_fail("survived a triple fault");
}
