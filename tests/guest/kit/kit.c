// SPDX-License-Identifier: GPL-2.0
/*
 * kit.c - C start-up, results, command line and the few libc functions
 * the compiler and the tests need.
 */
#include "kit.h"

#define MB_BOOT_MAGIC	0x2BADB002
#define MB_INFO_CMDLINE	(1u << 2)

/* The part of struct multiboot_info we use (Multiboot spec 3.3). */
struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
};

extern uint32_t mb_magic, mb_info;

/*
 * The command line is copied at boot: the loader's copy may sit anywhere in
 * low memory, including where the AP trampoline is later copied.
 */
static char cmdline_buf[1024];

void __attribute__((weak)) ap_main(int cpu_index)
{
	halt_forever();
}

void kit_start(void);
void kit_start(void)
{
	int ret;

	serial_init();
	pic_disable();
	idt_load();
	if (mb_magic == MB_BOOT_MAGIC) {
		const struct mb_info *mbi =
			(const struct mb_info *)(uintptr_t)mb_info;

		if (mbi->flags & MB_INFO_CMDLINE) {
			const char *s = (const char *)(uintptr_t)mbi->cmdline;
			size_t i;

			for (i = 0; s[i] && i < sizeof(cmdline_buf) - 1; i++)
				cmdline_buf[i] = s[i];
			cmdline_buf[i] = 0;
		}
	} else {
		printf("kit: not started by a Multiboot loader (eax=0x%x)\n",
		       mb_magic);
	}
	ret = main(cmdline_buf);
	if (ret)
		exit_fail("main() returned %d", ret);
	exit_pass();
}

/*
 * The 8259 pair powers up with the master on vectors 8-15, on top of the
 * CPU exceptions: an IRQ0 from the PIT would look like a #DF.  Move it to
 * 0x20-0x2F and mask every line; tests use the LAPIC.
 */
void pic_disable(void)
{
	outb(0x20, 0x11);		/* ICW1: edge, cascade, ICW4 needed */
	outb(0xA0, 0x11);
	outb(0x21, 0x20);		/* ICW2: vector bases */
	outb(0xA1, 0x28);
	outb(0x21, 0x04);		/* ICW3: slave on IRQ2 */
	outb(0xA1, 0x02);
	outb(0x21, 0x01);		/* ICW4: 8086 mode */
	outb(0xA1, 0x01);
	outb(0x21, 0xff);		/* OCW1: mask all */
	outb(0xA1, 0xff);
}

/* ---------------------------------------------------------------- results */

void exit_code(uint32_t v)
{
	/*
	 * isa-debug-exit: the VMM exits with (v << 1) | 1.  If nothing is
	 * there (a QEMU run without the device) stop here rather than run on.
	 */
	outl(EXIT_PORT, v);
	halt_forever();
}

void exit_pass(void)
{
	puts("PASS\n");
	exit_code(EXIT_CODE_PASS);
}

void exit_fail(const char *fmt, ...)
{
	va_list ap;

	puts("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	puts("\n");
	exit_code(EXIT_CODE_FAIL);
}

void exit_skip(const char *fmt, ...)
{
	va_list ap;

	puts("SKIP: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	puts("\n");
	exit_code(EXIT_CODE_SKIP);
}

/* ---------------------------------------------------------------- cmdline */

const char *cmdline_get(const char *key)
{
	static char val[256];
	const char *p = cmdline_buf;
	size_t klen = strlen(key);

	while (*p) {
		const char *tok;
		size_t len = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		tok = p;
		while (p[len] && p[len] != ' ' && p[len] != '\t')
			len++;
		p += len;
		if (len < klen || strncmp(tok, key, klen))
			continue;
		if (len == klen) {
			val[0] = 0;
			return val;
		}
		if (tok[klen] != '=')
			continue;
		tok += klen + 1;
		len -= klen + 1;
		if (len >= sizeof(val))
			len = sizeof(val) - 1;
		memcpy(val, tok, len);
		val[len] = 0;
		return val;
	}
	return NULL;
}

uint64_t cmdline_u64(const char *key, uint64_t def)
{
	const char *v = cmdline_get(key);

	if (!v || !*v)
		return def;
	return strtou64(v, NULL);
}

/* ------------------------------------------------------------------- libc */

void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;

	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			break;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}

uint64_t strtou64(const char *s, const char **end)
{
	uint64_t v = 0;
	unsigned int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		v = v * base + d;
	}
	if (end)
		*end = s;
	return v;
}
