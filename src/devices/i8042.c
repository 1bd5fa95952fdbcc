// SPDX-License-Identifier: GPL-2.0
/*
 * i8042.c - the PS/2 keyboard controller at 0x60 (data) and 0x64
 * (status/command) of the firmware machine, enough for firmware that
 * probes it, resets through it or gates A20 with it:
 *
 *   controller commands: 0x20/0x60 read/write the command byte, 0xAA
 *   self test (0x55), 0xAB/0xA9 port tests (0x00), 0xAD/0xAE and
 *   0xA7/0xA8 disable/enable the ports, 0xD0/0xD1 read/write the output
 *   port, 0xD2/0xD3 echo a byte as if from the keyboard/mouse, 0xD4
 *   send the next byte to the mouse, 0xF0-0xFF pulse output lines.
 *   A reset is a pulse of output line 0 (0xFE) or an output port write
 *   with bit 0 clear; it ends the VM with status 0 like every reset in
 *   cvisor (devsvc_reset_request()).  The A20 bit of the output port reads
 *   back; A20 itself is always enabled (as under KVM).
 *   keyboard: present with no keys pressed: 0xFF reset (0xFA 0xAA), 0xF2
 *   identify (0xFA 0xAB 0x83), 0xED/0xF3 take an argument, the rest is
 *   acknowledged with 0xFA.  No mouse: bytes sent to it get 0xFE.
 *
 * The output buffer raises IRQ 1 (or 12 for mouse bytes) when the
 * command byte enables it, as the 8042 does.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "devices/devices.h"
#include "vmm/config.h"
#include "vmm/devsvc.h"

#define I8042_DATA		0x60
#define I8042_CMD		0x64

#define STS_OBF			0x01
#define STS_SYS			0x04
#define STS_CMD			0x08	/* last write was to 0x64 */
#define STS_UNLOCKED		0x10
#define STS_AUX			0x20

#define CB_KBD_INT		0x01
#define CB_AUX_INT		0x02
#define CB_SYS			0x04
#define CB_KBD_DISABLE		0x10
#define CB_AUX_DISABLE		0x20
#define CB_XLATE		0x40

#define OUT_RESET		0x01	/* active low */
#define OUT_A20			0x02

#define QUEUE_LEN		16

struct i8042 {
	struct devsvc *svc;
	pthread_mutex_t lock;
	uint8_t status, cmd_byte, out_port;
	uint8_t pending;	/* controller command awaiting its data byte */
	uint8_t kbd_pending;	/* keyboard command awaiting its argument */
	uint8_t queue[QUEUE_LEN];
	bool queue_aux[QUEUE_LEN];
	unsigned int head, count;
	int irq_level[2];
};

/* Lock held.  The IRQ lines follow the output buffer. */
static void i8042_update(struct i8042 *k)
{
	bool aux = false, kbd = false;

	k->status &= (uint8_t)~(STS_OBF | STS_AUX);
	if (k->count) {
		k->status |= STS_OBF;
		if (k->queue_aux[k->head]) {
			k->status |= STS_AUX;
			aux = k->cmd_byte & CB_AUX_INT;
		} else {
			kbd = k->cmd_byte & CB_KBD_INT;
		}
	}
	if (k->irq_level[0] != kbd) {
		k->irq_level[0] = kbd;
		devsvc_irq_set(k->svc, 1, kbd);
	}
	if (k->irq_level[1] != aux) {
		k->irq_level[1] = aux;
		devsvc_irq_set(k->svc, 12, aux);
	}
}

static void i8042_push(struct i8042 *k, uint8_t v, bool aux)
{
	unsigned int tail;

	if (k->count == QUEUE_LEN)
		return;		/* overrun: the byte is lost, as on hardware */
	tail = (k->head + k->count) % QUEUE_LEN;
	k->queue[tail] = v;
	k->queue_aux[tail] = aux;
	k->count++;
}

static uint8_t i8042_pop(struct i8042 *k)
{
	uint8_t v;

	if (!k->count)
		return k->queue[(k->head + QUEUE_LEN - 1) % QUEUE_LEN];
	v = k->queue[k->head];
	k->head = (k->head + 1) % QUEUE_LEN;
	k->count--;
	return v;
}

/* cvisor has no reboot: a reset ends the VM, as 0xCF9 does. */
static void i8042_reset_system(struct i8042 *k)
{
	devsvc_reset_request(k->svc);
}

static void i8042_command(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case 0x20:
		i8042_push(k, k->cmd_byte, false);
		break;
	case 0x60: case 0xd1: case 0xd2: case 0xd3: case 0xd4:
		k->pending = cmd;
		break;
	case 0xa7:
		k->cmd_byte |= CB_AUX_DISABLE;
		break;
	case 0xa8:
		k->cmd_byte &= (uint8_t)~CB_AUX_DISABLE;
		break;
	case 0xa9: case 0xab:
		i8042_push(k, 0x00, false);
		break;
	case 0xaa:
		k->status |= STS_SYS;
		i8042_push(k, 0x55, false);
		break;
	case 0xad:
		k->cmd_byte |= CB_KBD_DISABLE;
		break;
	case 0xae:
		k->cmd_byte &= (uint8_t)~CB_KBD_DISABLE;
		break;
	case 0xd0:
		i8042_push(k, k->out_port, false);
		break;
	default:
		/* 0xF0-0xFF pulse the output lines whose bit is clear. */
		if (cmd >= 0xf0 && !(cmd & OUT_RESET))
			i8042_reset_system(k);
		break;
	}
}

static void i8042_kbd_write(struct i8042 *k, uint8_t v)
{
	if (k->kbd_pending) {
		k->kbd_pending = 0;
		i8042_push(k, 0xfa, false);
		return;
	}
	switch (v) {
	case 0xff:
		i8042_push(k, 0xfa, false);
		i8042_push(k, 0xaa, false);
		break;
	case 0xf2:
		i8042_push(k, 0xfa, false);
		i8042_push(k, 0xab, false);
		i8042_push(k, 0x83, false);
		break;
	case 0xed: case 0xf3:
		k->kbd_pending = v;
		i8042_push(k, 0xfa, false);
		break;
	case 0xee:
		i8042_push(k, 0xee, false);
		break;
	default:
		i8042_push(k, 0xfa, false);
		break;
	}
}

static void i8042_data_write(struct i8042 *k, uint8_t v)
{
	uint8_t cmd = k->pending;

	k->pending = 0;
	switch (cmd) {
	case 0x60:
		k->cmd_byte = v;
		k->status = (uint8_t)((k->status & ~STS_SYS) | (v & CB_SYS));
		break;
	case 0xd1:
		k->out_port = v;
		if (!(v & OUT_RESET))
			i8042_reset_system(k);
		break;
	case 0xd2:
		i8042_push(k, v, false);
		break;
	case 0xd3:
		i8042_push(k, v, true);
		break;
	case 0xd4:
		i8042_push(k, 0xfe, true);	/* no mouse answers */
		break;
	default:
		i8042_kbd_write(k, v);
		break;
	}
}

static void i8042_io(struct i8042 *k, bool cmd_port, uint8_t *data,
		     unsigned int len, bool is_write)
{
	if (len != 1) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&k->lock);
	if (is_write) {
		if (cmd_port) {
			k->status |= STS_CMD;
			i8042_command(k, data[0]);
		} else {
			k->status &= (uint8_t)~STS_CMD;
			i8042_data_write(k, data[0]);
		}
	} else {
		data[0] = cmd_port ? k->status : i8042_pop(k);
	}
	i8042_update(k);
	pthread_mutex_unlock(&k->lock);
}

static void i8042_data_access(void *opaque, const struct bus_ctx *ctx,
			      uint64_t offset, uint8_t *data, unsigned int len,
			      bool is_write)
{
	i8042_io(opaque, false, data, len, is_write);
}

static void i8042_cmd_access(void *opaque, const struct bus_ctx *ctx,
			     uint64_t offset, uint8_t *data, unsigned int len,
			     bool is_write)
{
	i8042_io(opaque, true, data, len, is_write);
}

static const struct bus_dev_ops i8042_data_ops = {
	.name = "i8042",
	.access = i8042_data_access,
};

static const struct bus_dev_ops i8042_cmd_ops = {
	.name = "i8042",
	.access = i8042_cmd_access,
};

/* ------------------------------------------------------------ lifecycle */

static void i8042_power_on(struct i8042 *k)
{
	k->status = STS_UNLOCKED;
	k->cmd_byte = CB_KBD_INT | CB_XLATE;
	k->out_port = OUT_RESET | OUT_A20;
	k->pending = k->kbd_pending = 0;
	k->head = k->count = 0;
}

static void i8042_reset(void *opaque)
{
	struct i8042 *k = opaque;

	pthread_mutex_lock(&k->lock);
	i8042_power_on(k);
	i8042_update(k);
	pthread_mutex_unlock(&k->lock);
}

/*
 * Version 1: status, command byte, output port, pending controller and
 * keyboard commands (u8 each), then the output queue: count (u8) and
 * per byte its value and whether it is from the mouse (u8, bool).
 */
static int i8042_save(void *opaque, struct sbuf *out)
{
	struct i8042 *k = opaque;
	unsigned int i;

	pthread_mutex_lock(&k->lock);
	sbuf_put_u8(out, k->status);
	sbuf_put_u8(out, k->cmd_byte);
	sbuf_put_u8(out, k->out_port);
	sbuf_put_u8(out, k->pending);
	sbuf_put_u8(out, k->kbd_pending);
	sbuf_put_u8(out, (uint8_t)k->count);
	for (i = 0; i < k->count; i++) {
		sbuf_put_u8(out, k->queue[(k->head + i) % QUEUE_LEN]);
		sbuf_put_bool(out, k->queue_aux[(k->head + i) % QUEUE_LEN]);
	}
	pthread_mutex_unlock(&k->lock);
	return 0;
}

static int i8042_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct i8042 *k = opaque;
	uint8_t regs[5], q[QUEUE_LEN];
	bool aux[QUEUE_LEN];
	unsigned int i, n;

	for (i = 0; i < 5; i++)
		regs[i] = sbuf_get_u8(in);
	n = sbuf_get_u8(in);
	if (n > QUEUE_LEN)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		q[i] = sbuf_get_u8(in);
		aux[i] = sbuf_get_bool(in);
	}
	if (sbuf_error(in))
		return sbuf_error(in);
	pthread_mutex_lock(&k->lock);
	k->status = regs[0];
	k->cmd_byte = regs[1];
	k->out_port = regs[2];
	k->pending = regs[3];
	k->kbd_pending = regs[4];
	k->head = 0;
	k->count = n;
	memcpy(k->queue, q, n);
	memcpy(k->queue_aux, aux, n * sizeof(aux[0]));
	i8042_update(k);
	pthread_mutex_unlock(&k->lock);
	return 0;
}

static void i8042_destroy(void *opaque)
{
	struct i8042 *k = opaque;

	pthread_mutex_destroy(&k->lock);
	free(k);
}

static const struct component_ops i8042_comp_ops = {
	.version = 1,
	.reset = i8042_reset,
	.save = i8042_save,
	.load = i8042_load,
	.destroy = i8042_destroy,
};

int i8042_init(struct devsvc *svc, const struct vm_config *cfg, char *err,
	       size_t err_len)
{
	struct i8042 *k;
	int ret;

	if (!cfg->firmware)
		return 0;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->svc = svc;
	pthread_mutex_init(&k->lock, NULL);
	i8042_power_on(k);
	ret = devsvc_component(svc, "i8042", COMP_STAGE_PLATFORM,
			       &i8042_comp_ops, k);
	if (ret) {
		i8042_destroy(k);
		return ret;
	}
	/* 0x60 and 0x64; 0x61 (port B) and 0x62/0x63 are not ours. */
	ret = devsvc_io_register(svc, BUS_PIO, I8042_DATA, 1, &i8042_data_ops,
				 k);
	if (!ret)
		ret = devsvc_io_register(svc, BUS_PIO, I8042_CMD, 1,
					 &i8042_cmd_ops, k);
	return ret;
}
