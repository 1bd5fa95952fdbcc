// SPDX-License-Identifier: GPL-2.0
/* udp_frame.c - Ethernet/IPv4/UDP frames for syndbg (see udp_frame.h). */
#include <string.h>

#include "lib/udp_frame.h"

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

int udp_frame_parse(const uint8_t *f, size_t len, size_t *off, size_t *plen,
		    uint32_t *src_ip)
{
	size_t ihl, ip_len, udp_len;
	const uint8_t *ip, *udp;

	if (len < UDP_FRAME_HDR || get_be16(f + 12) != 0x0800)
		return -1;
	ip = f + 14;
	if ((ip[0] >> 4) != 4)
		return -1;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	ip_len = get_be16(ip + 2);
	if (ihl < 20 || ip[9] != 17 || ip_len < ihl + 8 ||
	    ip_len > len - 14)
		return -1;
	/* Fragments other than a whole datagram are not debugger traffic. */
	if (get_be16(ip + 6) & 0x3fff)
		return -1;
	udp = ip + ihl;
	udp_len = get_be16(udp + 4);
	if (udp_len < 8 || udp_len > ip_len - ihl)
		return -1;
	*off = 14 + ihl + 8;
	*plen = udp_len - 8;
	memcpy(src_ip, ip + 12, 4);
	return 0;
}

static uint16_t ip_checksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get_be16(h + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t udp_frame_build(uint8_t *out, size_t cap, const void *payload,
		       size_t plen, uint32_t src_ip, uint32_t dst_ip,
		       uint16_t port)
{
	uint8_t *ip = out + 14, *udp = ip + 20;

	if (plen > 0xffff - 28 || cap < UDP_FRAME_HDR ||
	    plen > cap - UDP_FRAME_HDR)
		return 0;
	/* MACs stay zero: KDVM does not look at them. */
	memset(out, 0, UDP_FRAME_HDR);
	put_be16(out + 12, 0x0800);
	ip[0] = 0x45;
	put_be16(ip + 2, (uint16_t)(20 + 8 + plen));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, &src_ip, 4);
	memcpy(ip + 16, &dst_ip, 4);
	put_be16(ip + 10, ip_checksum(ip, 20));
	put_be16(udp, port);
	put_be16(udp + 2, port);
	put_be16(udp + 4, (uint16_t)(8 + plen));
	/* UDP checksum 0: "none", allowed over IPv4. */
	memcpy(udp + 8, payload, plen);
	return UDP_FRAME_HDR + plen;
}
