/* SPDX-License-Identifier: GPL-2.0 */
/*
 * udp_frame.h - Ethernet + IPv4 + UDP framing for the Hyper-V synthetic
 * debugger's raw (hypercall) transport: the guest's kdnet posts whole
 * frames and expects whole frames back.  Pure functions on untrusted
 * bytes, no allocation (fuzzed by tests/hyperv/fuzz_syndbg.c).
 */
#ifndef CVISOR_LIB_UDP_FRAME_H
#define CVISOR_LIB_UDP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define UDP_FRAME_HDR	(14 + 20 + 8)	/* Ethernet, IPv4 without options, UDP */

/*
 * Find the UDP payload of an Ethernet/IPv4/UDP frame of @len bytes.
 * Returns 0 with the payload's offset and length and the IPv4 source
 * address (network order), or -1 if this is not a well-formed frame.
 */
int udp_frame_parse(const uint8_t *frame, size_t len, size_t *off,
		    size_t *plen, uint32_t *src_ip);

/*
 * Write a frame carrying @plen bytes of @payload from @src_ip:@port to
 * @dst_ip:@port (addresses network order, port host order) into @out of
 * @cap bytes.  Returns the frame length, or 0 if it does not fit.
 */
size_t udp_frame_build(uint8_t *out, size_t cap, const void *payload,
		       size_t plen, uint32_t src_ip, uint32_t dst_ip,
		       uint16_t port);

#endif
