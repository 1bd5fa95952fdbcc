// SPDX-License-Identifier: GPL-2.0
/*
 * mce.c - the machine-check architecture's MSRs on emu, as KVM keeps
 * them: MCG_CAP (set by the VMM through KVM_X86_SETUP_MCE), MCG_STATUS,
 * MCG_CTL, and four MSRs per bank (MCi_CTL, _STATUS, _ADDR, _MISC at
 * 0x400 + 4 i).  Nothing in emu raises a machine check; the banks hold
 * what the guest and the VMM write, with KVM's write rules: MCi_CTL takes
 * 0 or all ones (bits 10 and 0 free, for old guests), MCi_STATUS takes
 * only 0 from the guest, MCG_CTL exists only with MCG_CTL_P.
 *
 * A vCPU starts with no banks (MCG_CAP 0), which is what emu always
 * offered; QEMU gives it its banks through KVM_X86_SETUP_MCE.
 * Everything here runs on the vCPU's thread or while it is stopped.
 */
#include <errno.h>
#include <string.h>

#include "emu_priv.h"

#define MSR_MCG_CAP		0x179
#define MSR_MCG_STATUS		0x17a
#define MSR_MCG_CTL		0x17b
#define MSR_MC0_CTL		0x400

#define MCG_CTL_P		(1ull << 8)
#define MCG_SER_P		(1ull << 24)
#define MCG_BANKS(cap)		((unsigned int)((cap) & 0xff))
/* A refused access: #GP for the guest, an error for the host. */
#define MCE_FAIL(host)		((host) ? -1 : X86_MSR_GP)
/* KVM_X86_SETUP_MCE also lets the VMM set these: the extended count. */
#define MCG_SETUP_FREE		(0xffull | 0xff0000ull)

static bool mce_msr_owned(uint32_t idx)
{
	return idx == MSR_MCG_CAP || idx == MSR_MCG_STATUS ||
	       idx == MSR_MCG_CTL ||
	       (idx >= MSR_MC0_CTL && idx < MSR_MC0_CTL + 4 * EMU_MCE_BANKS);
}

static int mce_msr_read(struct emu_vcpu *v, uint32_t idx, uint64_t *val,
			bool host)
{
	const struct emu_mce *m = &v->mce;

	switch (idx) {
	case MSR_MCG_CAP:
		*val = m->cap;
		return 0;
	case MSR_MCG_STATUS:
		*val = m->status;
		return 0;
	case MSR_MCG_CTL:
		if (!(m->cap & MCG_CTL_P) && !host)
			return MCE_FAIL(host);
		*val = m->ctl;
		return 0;
	}
	if (idx - MSR_MC0_CTL >= 4 * MCG_BANKS(m->cap))
		return MCE_FAIL(host);
	*val = m->banks[idx - MSR_MC0_CTL];
	return 0;
}

static int mce_msr_write(struct emu_vcpu *v, uint32_t idx, uint64_t val,
			 bool host)
{
	struct emu_mce *m = &v->mce;
	uint32_t off;

	switch (idx) {
	case MSR_MCG_CAP:
		/* The VMM sets it with KVM_X86_SETUP_MCE; a restore rewrites it. */
		return host && val == m->cap ? 0 : MCE_FAIL(host);
	case MSR_MCG_STATUS:
		m->status = val;
		return 0;
	case MSR_MCG_CTL:
		if (!(m->cap & MCG_CTL_P) && (val || !host))
			return MCE_FAIL(host);
		if (val && val != ~0ull)
			return MCE_FAIL(host);
		m->ctl = val;
		return 0;
	}
	off = idx - MSR_MC0_CTL;
	if (off >= 4 * MCG_BANKS(m->cap))
		return MCE_FAIL(host);
	if ((off & 3) == 0 && val && (val | (1ull << 10) | 1) != ~0ull)
		return MCE_FAIL(host);
	if ((off & 3) == 1 && val && !host)
		return MCE_FAIL(host);
	m->banks[off] = val;
	return 0;
}

static unsigned int mce_msr_list(uint32_t *idx, unsigned int max)
{
	static const uint32_t msrs[] = {
		MSR_MCG_CAP, MSR_MCG_STATUS, MSR_MCG_CTL,
	};
	unsigned int i;

	for (i = 0; idx && i < ARRAY_SIZE(msrs) && i < max; i++)
		idx[i] = msrs[i];
	return ARRAY_SIZE(msrs);
}

const struct emu_msr_group emu_mce_msrs = {
	.owned = mce_msr_owned,
	.read = mce_msr_read,
	.write = mce_msr_write,
	.list = mce_msr_list,
};

int emu_get_mce_cap_supported(struct hv *hv, uint64_t *mcg_cap)
{
	*mcg_cap = MCG_CTL_P | MCG_SER_P;
	return 0;
}

int emu_setup_mce(struct hv_vcpu *vcpu, uint64_t mcg_cap)
{
	struct emu_mce *m = &to_emu_vcpu(vcpu)->mce;
	unsigned int i, n = MCG_BANKS(mcg_cap);

	if (!n || n > EMU_MCE_BANKS)
		return -EINVAL;
	if (mcg_cap & ~(MCG_CTL_P | MCG_SER_P | MCG_SETUP_FREE))
		return -EINVAL;
	m->cap = mcg_cap;
	if (mcg_cap & MCG_CTL_P)
		m->ctl = ~0ull;
	for (i = 0; i < n; i++)
		m->banks[4 * i] = ~0ull;
	return 0;
}
