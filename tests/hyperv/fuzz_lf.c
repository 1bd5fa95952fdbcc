// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_lf.c - libFuzzer entry point for the syndbg frame parser (`make
 * fuzz`): the guest's posted frames and the network's datagrams meet
 * lib/udp_frame.c.  A parsed payload must lie inside the input; the frame
 * rebuilt from it must parse back to the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/udp_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[70000];
	size_t off, plen, off2, plen2, n;
	uint32_t ip, ip2;

	if (udp_frame_parse(data, size, &off, &plen, &ip))
		return 0;
	if (off > size || plen > size - off)
		abort();
	n = udp_frame_build(out, sizeof(out), data + off, plen, ip, ip, 1);
	if (!n || udp_frame_parse(out, n, &off2, &plen2, &ip2) ||
	    plen2 != plen || ip2 != ip || memcmp(out + off2, data + off, plen))
		abort();
	return 0;
}
