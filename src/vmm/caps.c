// SPDX-License-Identifier: GPL-2.0
/*
 * caps.c - a backend's capabilities as plain data (caps.h).
 */
#include <stdio.h>
#include <string.h>

#include "vmm/caps.h"

int vm_caps_query(enum hv_accel accel, struct vm_caps *out, char *err,
		  size_t err_len)
{
	struct hv *hv;
	unsigned int i;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = hv_open(accel, &hv, out->why, sizeof(out->why));
	if (ret) {
		snprintf(err, err_len, "%s backend: %s",
			 accel == HV_ACCEL_KVM ? "kvm" :
			 accel == HV_ACCEL_EMU ? "emu" : "no usable", out->why);
		return ret;
	}
	if (!out->why[0])
		snprintf(out->why, sizeof(out->why), "requested");
	snprintf(out->backend, sizeof(out->backend), "%s",
		 hv_backend_name(hv));
	for (i = 0; i < HV_CAP__COUNT; i++) {
		out->cap[i].name = hv_cap_name((enum hv_cap)i);
		out->cap[i].value = hv_check_cap(hv, (enum hv_cap)i);
	}
	out->nr = HV_CAP__COUNT;
	hv_close(hv);
	return 0;
}
