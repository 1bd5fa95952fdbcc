// SPDX-License-Identifier: GPL-2.0
/*
 * abi.c - which KVM version the shim answers as.
 *
 * KVM's ABI grows: a flag that 6.12 rejects with -EINVAL is valid in 6.18,
 * and a program written against the older kernel may assert the rejection
 * (the 6.12 selftests try every guest_memfd creation flag).  The shim
 * presents the newest ABI it implements unless $CVISOR_KVM_ABI names an
 * older one; the choice is read when /dev/kvm is opened and every VM keeps
 * that of the fd it was created from.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "hv/hv.h"
#include "shim.h"

int shim_abi_from_env(void)
{
	const char *s = getenv("CVISOR_KVM_ABI");
	unsigned int major, minor;
	int end = 0;

	if (!s || !*s)
		return SHIM_ABI_NEWEST;
	if (sscanf(s, "%3u.%3u%n", &major, &minor, &end) != 2 || s[end] ||
	    major > 255 || minor > 255)
		return -EINVAL;
	return SHIM_ABI(major, minor);
}

uint64_t shim_abi_gmem_flags(unsigned int abi)
{
	if (abi < SHIM_ABI(6, 18))
		return 0;
	return HV_GUEST_MEMFD_FLAG_MMAP | HV_GUEST_MEMFD_FLAG_INIT_SHARED;
}
