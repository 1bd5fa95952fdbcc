// SPDX-License-Identifier: GPL-2.0
/*
 * rtc.c - the MC146818 RTC and CMOS RAM at ports 0x70 (index, bit 7 =
 * NMI disable) and 0x71 (data).
 *
 * The time is the host's UTC clock plus an offset the guest sets by
 * writing the time registers; it is converted on every read, in BCD or
 * binary and 12- or 24-hour form as status register B says.  Register A
 * shows update-in-progress (UIP) during the last 2 ms before each second
 * boundary, about as long as a real chip's 244 us set-up plus 1984 us
 * update, so a guest that waits for UIP to drop has most of a second to
 * read a consistent time.  Register D reports valid RAM and time.
 *
 * Interrupts: periodic, alarm and update-ended interrupts are not
 * implemented.  The enable bits in register B are stored but IRQ 8 is
 * never raised, and register C always reads 0.
 *
 * CMOS bytes: 0x10-0x35 carry the conventional memory sizes and the
 * century is at 0x32 (the FADT's CENTURY index); the rest is plain RAM.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boot/e820.h"
#include "devices/devices.h"
#include "vmm/config.h"
#include "vmm/devsvc.h"

#define RTC_PORT	0x70

#define RTC_SEC		0x00
#define RTC_SEC_ALARM	0x01
#define RTC_MIN		0x02
#define RTC_MIN_ALARM	0x03
#define RTC_HOUR	0x04
#define RTC_HOUR_ALARM	0x05
#define RTC_WDAY	0x06
#define RTC_MDAY	0x07
#define RTC_MONTH	0x08
#define RTC_YEAR	0x09
#define RTC_REG_A	0x0a
#define RTC_REG_B	0x0b
#define RTC_REG_C	0x0c
#define RTC_REG_D	0x0d
#define RTC_CENTURY	0x32

#define REG_A_UIP	0x80
#define REG_B_SET	0x80
#define REG_B_DM_BINARY	0x04
#define REG_B_24H	0x02
#define REG_D_VRT	0x80

#define UIP_WINDOW_NS	2000000ull
#define CMOS_SIZE	128

struct rtc {
	struct devsvc *svc;
	pthread_mutex_t lock;
	uint8_t index;		/* with the NMI-disable bit */
	uint8_t cmos[CMOS_SIZE];
	int64_t offset;		/* guest time - host time, seconds */
};

static uint8_t to_bcd(unsigned int v)
{
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static unsigned int from_bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 0xf);
}

static bool rtc_binary(const struct rtc *r)
{
	return r->cmos[RTC_REG_B] & REG_B_DM_BINARY;
}

static uint8_t rtc_enc(const struct rtc *r, unsigned int v)
{
	return rtc_binary(r) ? (uint8_t)v : to_bcd(v);
}

static unsigned int rtc_dec(const struct rtc *r, uint8_t v)
{
	return rtc_binary(r) ? v : from_bcd(v);
}

static void rtc_now(const struct rtc *r, struct tm *tm, uint64_t *frac_ns)
{
	struct timespec ts;
	time_t t;

	clock_gettime(CLOCK_REALTIME, &ts);
	t = ts.tv_sec + r->offset;
	gmtime_r(&t, tm);
	if (frac_ns)
		*frac_ns = (uint64_t)ts.tv_nsec;
}

static uint8_t rtc_hour_enc(const struct rtc *r, int hour)
{
	unsigned int h12;

	if (r->cmos[RTC_REG_B] & REG_B_24H)
		return rtc_enc(r, (unsigned int)hour);
	/* 12-hour mode: 12, 1..11 with bit 7 set for PM. */
	h12 = hour % 12 ? (unsigned int)hour % 12 : 12;
	return rtc_enc(r, h12) | (hour >= 12 ? 0x80 : 0);
}

static int rtc_hour_dec(const struct rtc *r, uint8_t v)
{
	int h;

	if (r->cmos[RTC_REG_B] & REG_B_24H)
		return (int)rtc_dec(r, v);
	h = (int)rtc_dec(r, v & 0x7f) % 12;
	return (v & 0x80) ? h + 12 : h;
}

static uint8_t rtc_read_reg(struct rtc *r, uint8_t idx)
{
	uint64_t frac;
	struct tm tm;

	switch (idx) {
	case RTC_SEC: case RTC_MIN: case RTC_HOUR: case RTC_WDAY:
	case RTC_MDAY: case RTC_MONTH: case RTC_YEAR: case RTC_CENTURY:
		break;
	case RTC_REG_A:
		rtc_now(r, &tm, &frac);
		return (r->cmos[RTC_REG_A] & 0x7f) |
		       (!(r->cmos[RTC_REG_B] & REG_B_SET) &&
			frac >= 1000000000ull - UIP_WINDOW_NS ? REG_A_UIP : 0);
	case RTC_REG_C:
		return 0;
	case RTC_REG_D:
		return REG_D_VRT;
	default:
		return r->cmos[idx];
	}
	rtc_now(r, &tm, NULL);
	switch (idx) {
	case RTC_SEC:
		return rtc_enc(r, (unsigned int)tm.tm_sec % 60);
	case RTC_MIN:
		return rtc_enc(r, (unsigned int)tm.tm_min);
	case RTC_HOUR:
		return rtc_hour_enc(r, tm.tm_hour);
	case RTC_WDAY:
		return rtc_enc(r, (unsigned int)tm.tm_wday + 1);
	case RTC_MDAY:
		return rtc_enc(r, (unsigned int)tm.tm_mday);
	case RTC_MONTH:
		return rtc_enc(r, (unsigned int)tm.tm_mon + 1);
	case RTC_YEAR:
		return rtc_enc(r, (unsigned int)(tm.tm_year + 1900) % 100);
	default:	/* RTC_CENTURY */
		return rtc_enc(r, (unsigned int)(tm.tm_year + 1900) / 100);
	}
}

/* The guest set one field of the clock: move the offset accordingly. */
static void rtc_set_field(struct rtc *r, uint8_t idx, uint8_t v)
{
	struct timespec ts;
	struct tm tm;
	int64_t old;
	time_t t;
	int year;

	rtc_now(r, &tm, NULL);
	switch (idx) {
	case RTC_SEC:
		tm.tm_sec = (int)rtc_dec(r, v) % 60;
		break;
	case RTC_MIN:
		tm.tm_min = (int)rtc_dec(r, v) % 60;
		break;
	case RTC_HOUR:
		tm.tm_hour = rtc_hour_dec(r, v) % 24;
		break;
	case RTC_MDAY:
		tm.tm_mday = (int)rtc_dec(r, v);
		break;
	case RTC_MONTH:
		tm.tm_mon = (int)rtc_dec(r, v) - 1;
		break;
	case RTC_YEAR:
		year = tm.tm_year + 1900;
		tm.tm_year = year - year % 100 + (int)rtc_dec(r, v) % 100 - 1900;
		break;
	case RTC_CENTURY:
		year = tm.tm_year + 1900;
		tm.tm_year = (int)rtc_dec(r, v) * 100 + year % 100 - 1900;
		break;
	default:	/* day of week follows from the date */
		return;
	}
	/* Out-of-range values (day 0, month 13) normalize like mktime's. */
	t = timegm(&tm);
	if (t == (time_t)-1)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	old = r->offset;
	r->offset = (int64_t)t - (int64_t)ts.tv_sec;
	if (r->offset != old)
		devsvc_time_offset(r->svc, r->offset - old);
}

static void rtc_write_reg(struct rtc *r, uint8_t idx, uint8_t v)
{
	switch (idx) {
	case RTC_SEC: case RTC_MIN: case RTC_HOUR: case RTC_WDAY:
	case RTC_MDAY: case RTC_MONTH: case RTC_YEAR: case RTC_CENTURY:
		rtc_set_field(r, idx, v);
		break;
	case RTC_REG_A:
		r->cmos[idx] = v & 0x7f;	/* UIP is read-only */
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break;				/* read-only */
	default:
		r->cmos[idx] = v;
	}
}

static void rtc_access(void *opaque, const struct bus_ctx *ctx,
		       uint64_t offset, uint8_t *data, unsigned int len,
		       bool is_write)
{
	struct rtc *r = opaque;

	if (len != 1) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&r->lock);
	if (offset == 0) {
		/* The index port is write-only on hardware; show the latch. */
		if (is_write)
			r->index = data[0];
		else
			data[0] = r->index;
	} else if (is_write) {
		rtc_write_reg(r, r->index & 0x7f, data[0]);
	} else {
		data[0] = rtc_read_reg(r, r->index & 0x7f);
	}
	pthread_mutex_unlock(&r->lock);
}

static const struct bus_dev_ops rtc_ops = {
	.name = "rtc",
	.access = rtc_access,
};

static void rtc_cmos_sizes(struct rtc *r, uint64_t ram, unsigned int cpus)
{
	uint64_t ext_k = 0, above16 = 0, above4g = 0;
	uint64_t low = ram < LAYOUT_LOW_RAM_END ? ram : LAYOUT_LOW_RAM_END;

	if (low > (1ull << 20))
		ext_k = (low - (1ull << 20)) >> 10;
	if (ext_k > 0xffff)
		ext_k = 0xffff;
	if (low > (16ull << 20))
		above16 = (low - (16ull << 20)) >> 16;
	if (above16 > 0xffff)
		above16 = 0xffff;
	if (ram > LAYOUT_LOW_RAM_END)
		above4g = (ram - LAYOUT_LOW_RAM_END) >> 16;
	r->cmos[0x15] = 0x80;		/* 640 KiB base memory */
	r->cmos[0x16] = 0x02;
	r->cmos[0x17] = r->cmos[0x30] = (uint8_t)ext_k;
	r->cmos[0x18] = r->cmos[0x31] = (uint8_t)(ext_k >> 8);
	r->cmos[0x34] = (uint8_t)above16;
	r->cmos[0x35] = (uint8_t)(above16 >> 8);
	r->cmos[0x5b] = (uint8_t)above4g;
	r->cmos[0x5c] = (uint8_t)(above4g >> 8);
	r->cmos[0x5d] = (uint8_t)(above4g >> 16);
	/* QEMU's convention: CPUs present minus one (SeaBIOS reads it). */
	r->cmos[0x5f] = (uint8_t)(cpus - 1);
}

/* ------------------------------------------------------------ lifecycle */

/*
 * CMOS RAM and the clock are battery-backed: a system reset keeps them,
 * and only the index latch (NMI enabled) returns to its power-on value.
 */
static void rtc_reset(void *opaque)
{
	struct rtc *r = opaque;

	pthread_mutex_lock(&r->lock);
	r->index = 0;
	pthread_mutex_unlock(&r->lock);
}

/*
 * Version 1: index latch (u8), the 128 CMOS bytes, and the guest clock's
 * offset from host UTC in seconds (u64, two's complement): wall-clock
 * based, so it means the same on another host.
 */
static int rtc_save(void *opaque, struct sbuf *out)
{
	struct rtc *r = opaque;

	pthread_mutex_lock(&r->lock);
	sbuf_put_u8(out, r->index);
	sbuf_put_bytes(out, r->cmos, CMOS_SIZE);
	sbuf_put_u64(out, (uint64_t)r->offset);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

/* A century is plenty; anything further is a forged image. */
#define RTC_MAX_OFFSET	(100ll * 366 * 86400)

static int rtc_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct rtc *r = opaque;
	uint8_t index, cmos[CMOS_SIZE];
	int64_t offset;

	index = sbuf_get_u8(in);
	sbuf_get_bytes(in, cmos, CMOS_SIZE);
	offset = (int64_t)sbuf_get_u64(in);
	if (sbuf_error(in))
		return sbuf_error(in);
	if (offset > RTC_MAX_OFFSET || offset < -RTC_MAX_OFFSET)
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	r->index = index;
	memcpy(r->cmos, cmos, CMOS_SIZE);
	r->offset = offset;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static void rtc_destroy(void *opaque)
{
	struct rtc *r = opaque;

	pthread_mutex_destroy(&r->lock);
	free(r);
}

static const struct component_ops rtc_comp_ops = {
	.version = 1,
	.reset = rtc_reset,
	.save = rtc_save,
	.load = rtc_load,
	.destroy = rtc_destroy,
};

int rtc_init(struct devsvc *svc, const struct vm_config *cfg, char *err,
	     size_t err_len)
{
	struct rtc *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	r->svc = svc;
	pthread_mutex_init(&r->lock, NULL);
	r->cmos[RTC_REG_A] = 0x26;	/* 32.768 kHz divider, 1024 Hz rate */
	r->cmos[RTC_REG_B] = REG_B_24H;	/* BCD, 24-hour, as a PC BIOS leaves it */
	rtc_cmos_sizes(r, cfg->ram_size, cfg->nr_cpus);
	ret = devsvc_component(svc, "rtc", COMP_STAGE_PLATFORM, &rtc_comp_ops,
			       r);
	if (ret) {
		rtc_destroy(r);
		return ret;
	}
	return devsvc_io_register(svc, BUS_PIO, RTC_PORT, 2, &rtc_ops, r);
}
