/* SPDX-License-Identifier: GPL-2.0 */
/*
 * caps.h - what a backend offers, for `cvisor caps`: src/cli asks the
 * vmm, never hv directly (docs/architecture.md, "Layers").
 */
#ifndef CVISOR_VMM_CAPS_H
#define CVISOR_VMM_CAPS_H

#include <stddef.h>

#include "hv/hv.h"

struct vm_cap {
	const char *name;	/* hv_cap_name() */
	int value;		/* hv_check_cap(): 0 no, 1 yes, >1 a count */
};

struct vm_caps {
	char backend[16];	/* "kvm", "emu" */
	char why[256];		/* why this backend ("requested" if asked for) */
	unsigned int nr;
	struct vm_cap cap[HV_CAP__COUNT];
};

/*
 * Open the backend @accel selects, record its capabilities and close it.
 * On failure one line in @err ("kvm backend: ...").
 */
int vm_caps_query(enum hv_accel accel, struct vm_caps *out, char *err,
		  size_t err_len);

#endif
