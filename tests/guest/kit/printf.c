// SPDX-License-Identifier: GPL-2.0
/*
 * printf.c - COM1 (16550 at 0x3F8) output and a printf subset:
 * %d %i %u %x %X %p %s %c %%, with l/ll/z, field width, '0' and '-' flags.
 */
#include "kit.h"

#define COM1		0x3F8
#define UART_THR	0
#define UART_IER	1
#define UART_DLL	0
#define UART_DLM	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define LSR_THRE	0x20
#define LCR_DLAB	0x80

void serial_init(void)
{
	/* 115200 8N1, no interrupts: we poll THRE. */
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1);
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, 0x03);
	outb(COM1 + UART_FCR, 0x07);
	outb(COM1 + UART_MCR, 0x03);
}

/*
 * Non-blocking: true once "go" has arrived on COM1 (the snapshot tests'
 * driver types it to let the guest finish after a restore).
 */
bool serial_go(void)
{
	static int state;

	while (inb(COM1 + UART_LSR) & 1) {
		char c = (char)inb(COM1);

		if (state == 0 && c == 'g')
			state = 1;
		else if (state == 1 && c == 'o')
			return true;
		else
			state = c == 'g';
	}
	return false;
}

void serial_putc(char c)
{
	unsigned int spins = 0;

	/*
	 * Bounded wait: a UART that never reports THRE must not hang the
	 * test silently; the VMM's timeout still catches a lost byte.
	 */
	while (!(inb(COM1 + UART_LSR) & LSR_THRE) && ++spins < 100000)
		pause();
	outb(COM1 + UART_THR, (uint8_t)c);
}

void puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s);
	}
}

/* Output sink: either the serial port or a bounded buffer. */
struct sink {
	char *buf;
	size_t size, len;
};

static void sink_put(struct sink *sk, char c)
{
	if (sk->buf) {
		if (sk->len + 1 < sk->size)
			sk->buf[sk->len] = c;
	} else {
		if (c == '\n')
			serial_putc('\r');
		serial_putc(c);
	}
	sk->len++;
}

static void put_num(struct sink *sk, uint64_t v, unsigned int base,
		    bool neg, bool upper, int width, bool zero, bool left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	len = n + neg;
	if (!left && !zero)
		for (; width > len; width--)
			sink_put(sk, ' ');
	if (neg)
		sink_put(sk, '-');
	if (!left && zero)
		for (; width > len; width--)
			sink_put(sk, '0');
	while (n)
		sink_put(sk, tmp[--n]);
	for (; left && width > len; width--)
		sink_put(sk, ' ');
}

static void do_printf(struct sink *sk, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		bool zero = false, left = false;
		int width = 0, lng = 0;
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			sink_put(sk, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '0')
				zero = true;
			else if (*fmt == '-')
				left = true;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		for (;; fmt++) {
			if (*fmt == 'l')
				lng++;
			else if (*fmt == 'z')
				lng = 1;
			else
				break;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			u = s < 0 ? -(uint64_t)s : (uint64_t)s;
			put_num(sk, u, 10, s < 0, false, width, zero, left);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			put_num(sk, u, *fmt == 'u' ? 10 : 16, false, *fmt == 'X',
				width, zero, left);
			break;
		case 'p':
			sink_put(sk, '0');
			sink_put(sk, 'x');
			u = (uintptr_t)va_arg(ap, void *);
			put_num(sk, u, 16, false, false, width, zero, left);
			break;
		case 'c':
			sink_put(sk, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			int len;

			if (!str)
				str = "(null)";
			len = (int)strlen(str);
			for (; !left && width > len; width--)
				sink_put(sk, ' ');
			while (*str)
				sink_put(sk, *str++);
			for (; left && width > len; width--)
				sink_put(sk, ' ');
			break;
		}
		case '%':
			sink_put(sk, '%');
			break;
		case 0:
			return;
		default:
			sink_put(sk, '%');
			sink_put(sk, *fmt);
			break;
		}
	}
}

int vprintf(const char *fmt, va_list ap)
{
	struct sink sk = { 0 };

	do_printf(&sk, fmt, ap);
	return (int)sk.len;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink sk = { .buf = buf, .size = size };

	do_printf(&sk, fmt, ap);
	if (size)
		buf[sk.len < size ? sk.len : size - 1] = 0;
	return (int)sk.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
