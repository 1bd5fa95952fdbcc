// SPDX-License-Identifier: GPL-2.0
/*
 * serial.c - a 16550A UART as COM1 (0x3F8, IRQ 4) on the process's stdio.
 *
 * Transmission is instantaneous: a byte written to THR goes straight to
 * stdout with write(2) (no stdio buffer, so nothing is lost when the VM
 * ends and output appears at once), and THR/TSR are always empty.
 * Received bytes come from stdin, read by the event loop thread into a
 * small FIFO; when the FIFO is full stdin is paused rather than dropped,
 * so piped input is never lost.  A terminal on stdin is in raw mode
 * (vm.c); Ctrl-A x quits, Ctrl-A Ctrl-A sends a Ctrl-A.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "devices/devices.h"
#include "vmm/config.h"
#include "vmm/devsvc.h"

#define COM1_PORT	0x3F8
#define COM1_IRQ	4
#define RX_FIFO_LEN	64

/* Register offsets. */
#define UART_RBR_THR	0
#define UART_IER	1
#define UART_IIR_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define IER_RDA		0x01
#define IER_THRE	0x02
#define IIR_NONE	0x01
#define IIR_THRE	0x02
#define IIR_RDA		0x04
#define IIR_FIFO	0xC0
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define LCR_DLAB	0x80
#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

#define CTRL_A		0x01

/*
 * One-shot: the event loop must not see stdin again (not even a hang-up)
 * until we re-arm it, which we do only while the FIFO has room.
 */
#define SERIAL_IN_EVENTS	(EPOLLIN | EPOLLONESHOT)

struct serial {
	struct devsvc *svc;
	pthread_mutex_t lock;
	uint8_t ier, fcr, lcr, mcr, scr, dll, dlm;
	bool thr_ipending;	/* THR-empty interrupt not yet acknowledged */
	bool irq_level;
	uint8_t rx[RX_FIFO_LEN];
	unsigned int rx_head, rx_count;
	int in_fd;		/* -1 when stdin is not watched */
	bool discard;		/* --console virtio: output dropped */
	bool in_paused;
	bool in_tty;
	bool escape;		/* saw Ctrl-A on a terminal */
};

static uint8_t serial_iir(const struct serial *s)
{
	uint8_t fifo = s->fcr & FCR_ENABLE ? IIR_FIFO : 0;

	if ((s->ier & IER_RDA) && s->rx_count)
		return fifo | IIR_RDA;
	if ((s->ier & IER_THRE) && s->thr_ipending)
		return fifo | IIR_THRE;
	return fifo | IIR_NONE;
}

static void serial_update_irq(struct serial *s)
{
	bool level = !(serial_iir(s) & IIR_NONE);

	if (level == s->irq_level)
		return;
	s->irq_level = level;
	devsvc_irq_set(s->svc, COM1_IRQ, level);
}

static void serial_rx_push(struct serial *s, uint8_t c)
{
	if (s->rx_count == RX_FIFO_LEN)
		return;		/* overrun: only in loopback, drop it */
	s->rx[(s->rx_head + s->rx_count) % RX_FIFO_LEN] = c;
	s->rx_count++;
}

static uint8_t serial_rx_pop(struct serial *s)
{
	uint8_t c;

	if (!s->rx_count)
		return 0;
	c = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % RX_FIFO_LEN;
	s->rx_count--;
	if (s->in_paused && s->in_fd >= 0) {
		s->in_paused = false;
		devsvc_fd_mod(s->svc, s->in_fd, SERIAL_IN_EVENTS);
	}
	return c;
}

static void serial_tx(struct serial *s, uint8_t c)
{
	ssize_t n;

	if (s->mcr & MCR_LOOP) {
		serial_rx_push(s, c);
		return;
	}
	if (s->discard)
		return;
	do {
		n = write(STDOUT_FILENO, &c, 1);
	} while (n < 0 && errno == EINTR);
	/* A closed or full stdout loses console output, not the VM. */
}

static uint8_t serial_msr(const struct serial *s)
{
	uint8_t msr = 0;

	if (!(s->mcr & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS;
	/* Loopback wires the modem outputs back to the inputs. */
	if (s->mcr & MCR_RTS)
		msr |= MSR_CTS;
	if (s->mcr & MCR_DTR)
		msr |= MSR_DSR;
	if (s->mcr & MCR_OUT1)
		msr |= MSR_RI;
	if (s->mcr & MCR_OUT2)
		msr |= MSR_DCD;
	return msr;
}

static uint8_t serial_read(struct serial *s, unsigned int reg)
{
	uint8_t v;

	switch (reg) {
	case UART_RBR_THR:
		if (s->lcr & LCR_DLAB)
			return s->dll;
		return serial_rx_pop(s);
	case UART_IER:
		if (s->lcr & LCR_DLAB)
			return s->dlm;
		return s->ier;
	case UART_IIR_FCR:
		v = serial_iir(s);
		/* Reading IIR acknowledges a THR-empty interrupt. */
		if ((v & 0x0f) == IIR_THRE)
			s->thr_ipending = false;
		return v;
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		return LSR_THRE | LSR_TEMT | (s->rx_count ? LSR_DR : 0);
	case UART_MSR:
		return serial_msr(s);
	default:
		return s->scr;
	}
}

static void serial_write(struct serial *s, unsigned int reg, uint8_t v)
{
	switch (reg) {
	case UART_RBR_THR:
		if (s->lcr & LCR_DLAB) {
			s->dll = v;
			break;
		}
		serial_tx(s, v);
		s->thr_ipending = true;
		break;
	case UART_IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
			break;
		}
		/* Enabling the THRE interrupt with THR empty raises it. */
		if (!(s->ier & IER_THRE) && (v & IER_THRE))
			s->thr_ipending = true;
		s->ier = v & 0x0f;
		break;
	case UART_IIR_FCR:
		s->fcr = v & 0xc9;
		if (v & FCR_CLEAR_RX) {
			s->rx_head = 0;
			s->rx_count = 0;
		}
		break;
	case UART_LCR:
		s->lcr = v;
		break;
	case UART_MCR:
		s->mcr = v & 0x1f;
		break;
	case UART_SCR:
		s->scr = v;
		break;
	default:
		break;	/* LSR and MSR are read-only */
	}
}

static void serial_access(void *opaque, const struct bus_ctx *ctx,
			  uint64_t offset, uint8_t *data, unsigned int len,
			  bool is_write)
{
	struct serial *s = opaque;
	unsigned int i;

	pthread_mutex_lock(&s->lock);
	/* Wider accesses act on consecutive registers, byte by byte. */
	for (i = 0; i < len && offset + i < 8; i++) {
		if (is_write)
			serial_write(s, (unsigned int)offset + i, data[i]);
		else
			data[i] = serial_read(s, (unsigned int)offset + i);
	}
	for (; i < len; i++)
		if (!is_write)
			data[i] = 0xff;
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static const struct bus_dev_ops serial_ops = {
	.name = "serial",
	.access = serial_access,
};

/* Returns false if the user asked to quit. */
static bool serial_input_byte(struct serial *s, uint8_t c)
{
	if (s->in_tty) {
		if (s->escape) {
			s->escape = false;
			if (c == 'x' || c == 'X')
				return false;
			if (c != CTRL_A)
				return true;
		} else if (c == CTRL_A) {
			s->escape = true;
			return true;
		}
	}
	if (!(s->mcr & MCR_LOOP))
		serial_rx_push(s, c);
	return true;
}

static void serial_stdin_ready(void *opaque, int fd, uint32_t events)
{
	struct serial *s = opaque;
	uint8_t buf[RX_FIFO_LEN];
	bool quit = false;
	ssize_t n, i;
	size_t room;

	pthread_mutex_lock(&s->lock);
	room = RX_FIFO_LEN - s->rx_count;
	if (!room) {
		s->in_paused = true;
		pthread_mutex_unlock(&s->lock);
		return;
	}
	n = read(fd, buf, room);
	if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
		devsvc_fd_mod(s->svc, fd, SERIAL_IN_EVENTS);
		pthread_mutex_unlock(&s->lock);
		return;
	}
	if (n <= 0) {
		/* EOF or error: the guest just sees no more input. */
		s->in_fd = -1;
		devsvc_fd_del(s->svc, fd);
		pthread_mutex_unlock(&s->lock);
		return;
	}
	for (i = 0; i < n && !quit; i++)
		quit = !serial_input_byte(s, buf[i]);
	/* Re-arm only while there is room: a full FIFO pauses stdin. */
	if (s->rx_count < RX_FIFO_LEN)
		devsvc_fd_mod(s->svc, fd, SERIAL_IN_EVENTS);
	else
		s->in_paused = true;
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	if (quit)
		devsvc_vm_stop(s->svc, 0);
}

/* ------------------------------------------------------------ lifecycle */

/* Power-on values, as a BIOS leaves COM1: 9600 baud 8N1. */
static void serial_reset_locked(struct serial *s)
{
	s->ier = 0;
	s->fcr = 0;
	s->lcr = 0x03;
	s->mcr = 0;
	s->scr = 0;
	s->dll = 12;
	s->dlm = 0;
	s->thr_ipending = false;
	s->rx_head = 0;
	s->rx_count = 0;
	serial_update_irq(s);
}

static void serial_reset(void *opaque)
{
	struct serial *s = opaque;

	pthread_mutex_lock(&s->lock);
	serial_reset_locked(s);
	pthread_mutex_unlock(&s->lock);
}

/*
 * Version 1: ier fcr lcr mcr scr dll dlm (u8 each), thr_ipending (bool),
 * rx_count (u8) and the received bytes not yet read, oldest first.  The
 * IRQ level is not saved: it follows from the registers.  Host-side
 * input state (stdin, Ctrl-A escape) is not guest state.
 */
static int serial_save(void *opaque, struct sbuf *out)
{
	struct serial *s = opaque;
	unsigned int i;

	pthread_mutex_lock(&s->lock);
	sbuf_put_u8(out, s->ier);
	sbuf_put_u8(out, s->fcr);
	sbuf_put_u8(out, s->lcr);
	sbuf_put_u8(out, s->mcr);
	sbuf_put_u8(out, s->scr);
	sbuf_put_u8(out, s->dll);
	sbuf_put_u8(out, s->dlm);
	sbuf_put_bool(out, s->thr_ipending);
	sbuf_put_u8(out, (uint8_t)s->rx_count);
	for (i = 0; i < s->rx_count; i++)
		sbuf_put_u8(out, s->rx[(s->rx_head + i) % RX_FIFO_LEN]);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static int serial_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct serial *s = opaque;
	uint8_t r[7], rx[RX_FIFO_LEN];
	unsigned int n, i;
	bool thr;

	for (i = 0; i < 7; i++)
		r[i] = sbuf_get_u8(in);
	thr = sbuf_get_bool(in);
	n = sbuf_get_u8(in);
	if (sbuf_error(in))
		return sbuf_error(in);
	if (n > RX_FIFO_LEN || (r[0] & ~0x0f) || (r[1] & ~0xc9) ||
	    (r[3] & ~0x1f))
		return -EINVAL;
	sbuf_get_bytes(in, rx, n);
	if (sbuf_error(in))
		return sbuf_error(in);

	pthread_mutex_lock(&s->lock);
	s->ier = r[0];
	s->fcr = r[1];
	s->lcr = r[2];
	s->mcr = r[3];
	s->scr = r[4];
	s->dll = r[5];
	s->dlm = r[6];
	s->thr_ipending = thr;
	memcpy(s->rx, rx, n);
	s->rx_head = 0;
	s->rx_count = n;
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static void serial_destroy(void *opaque)
{
	struct serial *s = opaque;

	pthread_mutex_destroy(&s->lock);
	free(s);
}

static const struct component_ops serial_comp_ops = {
	.version = 1,
	.reset = serial_reset,
	.save = serial_save,
	.load = serial_load,
	.destroy = serial_destroy,
};

int serial_init(struct devsvc *svc, const struct vm_config *cfg, char *err,
		size_t err_len)
{
	struct serial *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->svc = svc;
	pthread_mutex_init(&s->lock, NULL);
	s->in_fd = -1;
	serial_reset_locked(s);
	ret = devsvc_component(svc, "serial0", COMP_STAGE_PLATFORM,
			       &serial_comp_ops, s);
	if (ret) {
		serial_destroy(s);
		return ret;
	}
	ret = devsvc_io_register(svc, BUS_PIO, COM1_PORT, 8, &serial_ops, s);
	if (ret)
		return ret;
	/*
	 * With the virtio console on stdio, COM1 stays (guests probe it) but
	 * its output is discarded and it gets no input: stdout carries one
	 * console only, and stderr is kept for cvisor's own messages.
	 */
	if (cfg->console == VM_CONSOLE_VIRTIO) {
		s->discard = true;
		return 0;
	}
	/*
	 * Input only from something epoll can watch (terminal, pipe, socket);
	 * /dev/null or a regular file on stdin means no input.
	 */
	if (!devsvc_fd_add(svc, STDIN_FILENO, SERIAL_IN_EVENTS,
			   serial_stdin_ready, s)) {
		s->in_fd = STDIN_FILENO;
		s->in_tty = isatty(STDIN_FILENO);
	}
	return 0;
}
