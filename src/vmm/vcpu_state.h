/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vcpu_state.h - everything the hv API exposes about one vCPU, collected
 * and written back in the documented restore order, and the per-vCPU
 * component ("vcpu0", "vcpu1", ...) built on it.
 *
 * Parts (KVM uapi layouts, so state moves between backends): regs,
 * sregs, FPU, XSAVE, XCRs, MSRs (the backend's whole save list, SMBASE
 * included), LAPIC, MP state, vCPU events (incl. SMM), debug registers.
 * A part the backend lacks is left out of a capture.
 *
 * Restore order (seed-apis.md 1.7, as KVM's selftests and QEMU do it):
 * SREGS, MSRS, LAPIC (after the APIC base MSR), XCRS, FPU, XSAVE (XCR0
 * first; XSAVE supersedes the legacy FPU view), VCPU_EVENTS, MP_STATE
 * (after the events: INIT_RECEIVED with SMM is refused), DEBUGREGS, REGS,
 * and last IA32_TSC_DEADLINE (ignored unless the restored LAPIC is in
 * TSC-deadline mode; written earlier, an armed timer would be lost).
 *
 * Write-back levels (QEMU's, seed-apis.md 1.7/1.8): the asynchronous
 * fields that another vCPU may change while this one is stopped (NMI
 * pending, SIPI vector, the SMM sub-struct with its latched INIT) are
 * written only at RESET and FULL level, never at RUNTIME: a runtime
 * write-back of stale values would lose an INIT or an NMI.
 */
#ifndef CVISOR_VMM_VCPU_STATE_H
#define CVISOR_VMM_VCPU_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/hv.h"
#include "lib/sbuf.h"

struct vcpu;

enum vcpu_state_part {
	VS_REGS, VS_SREGS, VS_FPU, VS_XSAVE, VS_XCRS, VS_MSRS, VS_LAPIC,
	VS_MP, VS_EVENTS, VS_DEBUGREGS, VS__COUNT
};

enum vcpu_put_level {
	VCPU_PUT_RUNTIME,	/* a running VM writes back what it read */
	VCPU_PUT_RESET,		/* system reset */
	VCPU_PUT_FULL,		/* restore / incoming migration */
};

/* Most MSRs a saved state may carry (untrusted input bound). */
#define VCPU_STATE_MAX_MSRS	4096

struct vcpu_state {
	unsigned int have;		/* bit per VS_*: part present */
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_mp_state mp;
	struct kvm_vcpu_events events;
	struct kvm_debugregs debugregs;
	struct kvm_msrs *msrs;		/* indices fixed, data captured */
	struct kvm_xsave xsave;		/* last: may end in a flexible array */
};

/* Short name of a part, at most 7 characters ("regs", "dbgregs"). */
const char *vcpu_state_part_name(enum vcpu_state_part part);

/*
 * Prepare @st for captures of @v: allocates the MSR list (the backend's
 * index list minus indices this vCPU cannot read).  Release with
 * vcpu_state_release().
 */
int vcpu_state_init(struct vcpu_state *st, struct hv *hv, struct hv_vcpu *v);
void vcpu_state_release(struct vcpu_state *st);
/* A copy of @src's MSR index list into @dst (which must be released). */
int vcpu_state_init_like(struct vcpu_state *dst, const struct vcpu_state *src);

/*
 * Capture every part the backend has (the first capture finds out which;
 * later ones require the same parts).  The vCPU must be stopped.  On
 * failure *@bad names the part.
 */
int vcpu_state_get(struct hv_vcpu *v, struct vcpu_state *st,
		   enum vcpu_state_part *bad);
/* Write the present parts back in restore order at @level. */
int vcpu_state_put(struct hv_vcpu *v, const struct vcpu_state *st,
		   enum vcpu_put_level level, enum vcpu_state_part *bad);
/*
 * Do @a and @b agree on @part, ignoring what runs by itself while a
 * vCPU is stopped (TSC, MPERF/APERF, the LAPIC timer's current count)?
 */
bool vcpu_state_part_equal(const struct vcpu_state *a,
			   const struct vcpu_state *b,
			   enum vcpu_state_part part);
/* All parts; on a difference *@bad names the first. */
/*
 * Get every part of @v, write it back at runtime level, get again and
 * compare (testdev's VCPU_STATE_ROUNDTRIP).  -EIO if a part differs,
 * another -errno if a call failed; @part then names the part.  The vCPU's
 * own thread, outside hv_vcpu_run().
 */
int vcpu_state_roundtrip(struct hv *hv, struct hv_vcpu *v, char *part,
			 size_t part_len);
bool vcpu_state_equal(const struct vcpu_state *a, const struct vcpu_state *b,
		      enum vcpu_state_part *bad);

/* The section layout (version 1); load validates untrusted bytes. */
void vcpu_state_save(const struct vcpu_state *st, struct sbuf *out);
/* Fills a fresh @st (released by the caller even on failure). */
int vcpu_state_load(struct vcpu_state *st, struct sbuf *in);

/* Register vCPU @vcpu as component "vcpuN"; after vcpu_setup(). */
int vcpu_state_register(struct vcpu *vcpu);

#endif
