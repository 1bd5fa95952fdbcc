// SPDX-License-Identifier: GPL-2.0
/*
 * dev.c - fw_cfg (QEMU's legacy I/O interface) and cvisor's testdev.
 */
#include "kit.h"

#define FW_CFG_PORT_SEL		0x510
#define FW_CFG_PORT_DATA	0x511

void fwcfg_read(uint16_t key, void *buf, size_t len)
{
	uint8_t *p = buf;

	outw(FW_CFG_PORT_SEL, key);
	while (len--)
		*p++ = inb(FW_CFG_PORT_DATA);
}

uint64_t fwcfg_read_u64(uint16_t key)
{
	uint8_t b[8];
	uint64_t v = 0;
	int i;

	fwcfg_read(key, b, sizeof(b));
	for (i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

uint16_t fwcfg_read_u16(uint16_t key)
{
	uint8_t b[2];

	fwcfg_read(key, b, sizeof(b));
	return b[0] | (b[1] << 8);
}

bool fwcfg_present(void)
{
	char sig[4];

	fwcfg_read(FW_CFG_SIGNATURE, sig, sizeof(sig));
	return !memcmp(sig, "QEMU", 4);
}

/* --------------------------------------------------------------- testdev */

/*
 * A value no VMM writes back (results are >= 0 or a small -errno), so an
 * unchanged result after the doorbell means nobody handled it.
 */
#define TESTDEV_NO_ANSWER	((int32_t)0x80000001)

static struct testdev_cmd cmd_buf __aligned(64);
static char last_msg[sizeof(cmd_buf.msg) + 1];
static int present = -1;

struct testdev_cmd *testdev_buffer(void)
{
	return &cmd_buf;
}

int testdev_cmd_array(uint32_t op, const uint64_t args[6])
{
	volatile struct testdev_cmd *c = &cmd_buf;
	int i;

	c->op = op;
	c->result = TESTDEV_NO_ANSWER;
	for (i = 0; i < 6; i++)
		c->arg[i] = args[i];
	for (i = 0; i < (int)sizeof(c->msg); i++)
		c->msg[i] = 0;
	/* The image lives below 4 GiB, identity mapped: VA == GPA. */
	outl(TESTDEV_DOORBELL, (uint32_t)(uintptr_t)&cmd_buf);
	for (i = 0; i < (int)sizeof(c->msg); i++)
		last_msg[i] = c->msg[i];
	last_msg[sizeof(c->msg)] = 0;
	return c->result;
}

const char *testdev_last_msg(void)
{
	return last_msg;
}

bool testdev_present(void)
{
	if (present < 0)
		present = testdev_cmd(TESTDEV_HAS_CAP, HV_CAP_IRQCHIP) !=
			  TESTDEV_NO_ANSWER;
	return present;
}

void testdev_require(void)
{
	/* Guest tests run under cvisor --testdev: silence is a bug. */
	if (!testdev_present())
		exit_fail("testdev does not answer (needs cvisor run --testdev)");
}

int testdev_has_cap(int cap)
{
	if (!testdev_present())
		return -1;
	return testdev_cmd(TESTDEV_HAS_CAP, (uint64_t)cap);
}
