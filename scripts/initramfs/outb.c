// SPDX-License-Identifier: GPL-2.0
/*
 * outb PORT VALUE - write one byte to an I/O port from the guest's /init.
 *
 * The boot-done signal is a byte written to port 0x4F0.  Debian's cloud
 * kernel has no /dev/port (CONFIG_DEVPORT is off) and busybox has no port
 * applet, so the initramfs carries this tool.  Freestanding (no libc, raw
 * syscalls) so that it links statically with nothing but gcc and stays a
 * few hundred bytes; numbers are decimal or 0x hex.
 */
#define SYS_write	1
#define SYS_ioperm	173
#define SYS_exit	60

static long sys3(long n, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static void die(const char *msg)
{
	long len = 0;

	while (msg[len])
		len++;
	sys3(SYS_write, 2, (long)msg, len);
	sys3(SYS_exit, 1, 0, 0);
	__builtin_unreachable();
}

static long parse(const char *s)
{
	long v = 0, base = 10, d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		die("outb: bad number\n");
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (*s | 0x20) - 'a' + 10;
		else
			die("outb: bad number\n");
		v = v * base + d;
		if (v > 0xffff)
			die("outb: number too large\n");
	}
	return v;
}

/* argc/argv from the initial stack: [rsp] = argc, [rsp+8...] = argv. */
__attribute__((used)) static void outb_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	long port, val;

	if (argc != 3)
		die("usage: outb PORT VALUE\n");
	port = parse(argv[1]);
	val = parse(argv[2]);
	if (val > 0xff)
		die("outb: value is one byte\n");
	if (sys3(SYS_ioperm, port, 1, 1))
		die("outb: ioperm failed (not root?)\n");
	__asm__ volatile("outb %b0, %w1" : : "a"(val), "Nd"(port));
	sys3(SYS_exit, 0, 0, 0);
}

__asm__(".globl _start\n"
	"_start:\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call outb_main\n"
	"	hlt\n");
