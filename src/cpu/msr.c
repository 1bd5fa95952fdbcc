// SPDX-License-Identifier: GPL-2.0
/* msr.c - MSRs owned by the core, and the CPUID model it implements. */
#include <errno.h>

#include "cpu/internal.h"

static int msr_ext(struct x86_core *c, uint32_t idx, uint64_t *rv,
		   uint64_t wv, bool write)
{
	const struct x86_cpu_ops *ops = c->pub.ops;
	int r;

	if (write)
		r = ops->wrmsr ? ops->wrmsr(c->pub.opaque, idx, wv) :
				 X86_MSR_UNKNOWN;
	else
		r = ops->rdmsr ? ops->rdmsr(c->pub.opaque, idx, rv) :
				 X86_MSR_UNKNOWN;
	if (r == X86_IO_EXIT)
		return X86_R_EXIT;
	if (r == X86_MSR_UNKNOWN)
		c->msr_unknown = true;
	if (r)
		return x86_gp0(c);
	return 0;
}

/*
 * RDMSR/WRMSR by the guest: the backend's msr_guest hook sees the access
 * first (KVM's MSR filter, a completed MSR exit) and sees the #GP it
 * raises (KVM_CAP_X86_USER_SPACE_MSR may turn it into an exit).
 */
int x86_msr_guest(struct x86_core *c, uint32_t idx, uint64_t *v, bool write)
{
	const struct x86_cpu_ops *ops = c->pub.ops;
	int r, h;

	if (ops->msr_guest) {
		h = ops->msr_guest(c->pub.opaque, idx, v, write,
				   X86_MSR_WHY_ACCESS);
		if (h == X86_MSR_DONE)
			return 0;
		if (h == X86_IO_EXIT)
			return X86_R_EXIT;
		if (h)
			return x86_gp0(c);
	}
	c->msr_unknown = false;
	r = write ? x86_msr_write(c, idx, *v) : x86_msr_read(c, idx, v);
	if (r != X86_R_EXC || c->exc_vec != X86_EXC_GP || !ops->msr_guest)
		return r;
	h = ops->msr_guest(c->pub.opaque, idx, v, write,
			   c->msr_unknown ? X86_MSR_WHY_UNKNOWN :
					    X86_MSR_WHY_INVAL);
	return h == X86_IO_EXIT ? X86_R_EXIT : r;
}

static uint64_t *mtrr_slot(struct x86_state *s, uint32_t idx)
{
	if (idx >= X86_MSR_MTRR_PHYSBASE0 &&
	    idx < X86_MSR_MTRR_PHYSBASE0 + 2 * X86_NR_MTRR_VAR)
		return &s->mtrr_var[(idx - 0x200) / 2][idx & 1];
	switch (idx) {
	case X86_MSR_MTRR_FIX64K: return &s->mtrr_fixed[0];
	case X86_MSR_MTRR_FIX16K_80000: return &s->mtrr_fixed[1];
	case X86_MSR_MTRR_FIX16K_A0000: return &s->mtrr_fixed[2];
	case X86_MSR_MTRR_DEF_TYPE: return &s->mtrr_def_type;
	}
	if (idx >= X86_MSR_MTRR_FIX4K_C0000 && idx <= 0x26f)
		return &s->mtrr_fixed[3 + idx - X86_MSR_MTRR_FIX4K_C0000];
	return NULL;
}

int x86_msr_read(struct x86_core *c, uint32_t idx, uint64_t *v)
{
	struct x86_state *s = S(c);
	uint64_t *m;

	switch (idx) {
	case X86_MSR_TSC: *v = x86_rdtsc(c); return 0;
	case X86_MSR_TSC_ADJUST: *v = (uint64_t)s->tsc_adjust; return 0;
	case X86_MSR_APIC_BASE:
		if (c->pub.ops->rdmsr)
			return msr_ext(c, idx, v, 0, false);
		*v = s->apic_base;
		return 0;
	case X86_MSR_SMBASE:
		/* As KVM: only the host reads it (SMRAM holds the guest's). */
		return x86_gp0(c);
	case X86_MSR_MTRRCAP: *v = 0x500 | X86_NR_MTRR_VAR; return 0;
	case X86_MSR_BIOS_SIGN_ID: *v = (uint64_t)X86_UCODE_REV << 32; return 0;
	case X86_MSR_SYSENTER_CS: *v = s->sysenter_cs; return 0;
	case X86_MSR_SYSENTER_ESP: *v = s->sysenter_esp; return 0;
	case X86_MSR_SYSENTER_EIP: *v = s->sysenter_eip; return 0;
	case X86_MSR_MISC_ENABLE: *v = s->misc_enable; return 0;
	case X86_MSR_POWER_CTL: *v = s->power_ctl; return 0;
	case X86_MSR_HWCR: *v = s->hwcr; return 0;
	case X86_MSR_PAT: *v = s->pat; return 0;
	case X86_MSR_EFER: *v = s->efer; return 0;
	case X86_MSR_STAR: *v = s->star; return 0;
	case X86_MSR_LSTAR: *v = s->lstar; return 0;
	case X86_MSR_CSTAR: *v = s->cstar; return 0;
	case X86_MSR_SFMASK: *v = s->sfmask; return 0;
	case X86_MSR_FS_BASE: *v = s->seg[X86_FS].base; return 0;
	case X86_MSR_GS_BASE: *v = s->seg[X86_GS].base; return 0;
	case X86_MSR_KERNEL_GS_BASE: *v = s->kernel_gs_base; return 0;
	case X86_MSR_TSC_AUX: *v = s->tsc_aux; return 0;
	}
	m = mtrr_slot(s, idx);
	if (m) {
		*v = *m;
		return 0;
	}
	return msr_ext(c, idx, v, 0, false);
}

#define HWCR_TLBCACHEDIS	(1ull << 3)
#define HWCR_FFDIS		(1ull << 6)
#define HWCR_IGNNE		(1ull << 8)
#define HWCR_MCSTATUSWREN	(1ull << 18)
#define HWCR_TSCFREQSEL		(1ull << 24)

static bool canon(uint64_t v)
{
	return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

int x86_msr_write(struct x86_core *c, uint32_t idx, uint64_t v)
{
	struct x86_state *s = S(c);
	uint64_t *m;
	int64_t adj;

	switch (idx) {
	case X86_MSR_TSC:
		/* The guest's write moves TSC_ADJUST by as much (SDM 17.17.3). */
		adj = (int64_t)(v - x86_rdtsc(c));
		s->tsc_offset += adj;
		s->tsc_adjust += adj;
		return 0;
	case X86_MSR_TSC_ADJUST:
		s->tsc_offset += (int64_t)v - s->tsc_adjust;
		s->tsc_adjust = (int64_t)v;
		return 0;
	case X86_MSR_APIC_BASE:
		if (c->pub.ops->wrmsr)
			return msr_ext(c, idx, NULL, v, true);
		s->apic_base = v;
		return 0;
	case X86_MSR_SMBASE:
		/* Relocation goes through the SMRAM image, as in KVM. */
		return x86_gp0(c);
	case X86_MSR_BIOS_SIGN_ID:
		return 0;	/* "load microcode revision": nothing to do */
	case X86_MSR_SYSENTER_CS: s->sysenter_cs = v & 0xffff; return 0;
	case X86_MSR_SYSENTER_ESP:
	case X86_MSR_SYSENTER_EIP:
	case X86_MSR_LSTAR:
	case X86_MSR_CSTAR:
	case X86_MSR_FS_BASE:
	case X86_MSR_GS_BASE:
	case X86_MSR_KERNEL_GS_BASE:
		if (!canon(v))
			return x86_gp0(c);
		switch (idx) {
		case X86_MSR_SYSENTER_ESP: s->sysenter_esp = v; break;
		case X86_MSR_SYSENTER_EIP: s->sysenter_eip = v; break;
		case X86_MSR_LSTAR: s->lstar = v; break;
		case X86_MSR_CSTAR: s->cstar = v; break;
		case X86_MSR_FS_BASE: s->seg[X86_FS].base = v; break;
		case X86_MSR_GS_BASE: s->seg[X86_GS].base = v; break;
		default: s->kernel_gs_base = v; break;
		}
		return 0;
	case X86_MSR_MISC_ENABLE: s->misc_enable = v; return 0;
	case X86_MSR_POWER_CTL: s->power_ctl = v; return 0;
	case X86_MSR_HWCR:
		/*
		 * As KVM: the flush-filter, IGNNE and TLB-cache disables are
		 * dropped, McStatusWrEn and TscFreqSel kept, the rest #GP.
		 */
		v &= ~(HWCR_TLBCACHEDIS | HWCR_FFDIS | HWCR_IGNNE);
		if (v & ~(HWCR_MCSTATUSWREN | HWCR_TSCFREQSEL))
			return x86_gp0(c);
		s->hwcr = v;
		return 0;
	case X86_MSR_PAT: s->pat = v; return 0;
	case X86_MSR_EFER: return x86_set_efer(c, v);
	case X86_MSR_STAR: s->star = v; return 0;
	case X86_MSR_SFMASK: s->sfmask = (uint32_t)v; return 0;
	case X86_MSR_TSC_AUX:
		if (v >> 32)
			return x86_gp0(c);
		s->tsc_aux = v;
		return 0;
	}
	m = mtrr_slot(s, idx);
	if (m) {
		*m = v;
		return 0;
	}
	return msr_ext(c, idx, NULL, v, true);
}

static const uint32_t core_msrs[] = {
	X86_MSR_TSC, X86_MSR_TSC_ADJUST, X86_MSR_APIC_BASE, X86_MSR_SMBASE, X86_MSR_MTRRCAP,
	X86_MSR_BIOS_SIGN_ID,
	X86_MSR_SYSENTER_CS, X86_MSR_SYSENTER_ESP, X86_MSR_SYSENTER_EIP,
	X86_MSR_MISC_ENABLE,
	X86_MSR_POWER_CTL, X86_MSR_HWCR,
	X86_MSR_PAT, X86_MSR_MTRR_DEF_TYPE, X86_MSR_MTRR_FIX64K,
	X86_MSR_MTRR_FIX16K_80000, X86_MSR_MTRR_FIX16K_A0000,
	0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f,
	0x200, 0x201, 0x202, 0x203, 0x204, 0x205, 0x206, 0x207,
	0x208, 0x209, 0x20a, 0x20b, 0x20c, 0x20d, 0x20e, 0x20f,
	X86_MSR_EFER, X86_MSR_STAR, X86_MSR_LSTAR, X86_MSR_CSTAR,
	X86_MSR_SFMASK, X86_MSR_FS_BASE, X86_MSR_GS_BASE,
	X86_MSR_KERNEL_GS_BASE, X86_MSR_TSC_AUX,
};

size_t x86_cpu_msr_list(uint32_t *idx, size_t max)
{
	for (size_t i = 0; i < ARRAY_SIZE(core_msrs) && i < max; i++)
		idx[i] = core_msrs[i];
	return ARRAY_SIZE(core_msrs);
}

int x86_cpu_get_msr(struct x86_cpu *cpu, uint32_t idx, uint64_t *val)
{
	struct x86_core *c = to_core(cpu);
	struct x86_state *s = &cpu->s;

	/* Host-initiated: SMBASE is the host's alone (KVM). */
	if (idx == X86_MSR_SMBASE) {
		*val = s->smbase;
		return 0;
	}
	return x86_msr_read(c, idx, val) ? -EINVAL : 0;
}

int x86_cpu_set_msr(struct x86_cpu *cpu, uint32_t idx, uint64_t val)
{
	struct x86_core *c = to_core(cpu);
	struct x86_state *s = &cpu->s;

	switch (idx) {
	case X86_MSR_SMBASE:
		s->smbase = (uint32_t)val;
		return 0;
	/*
	 * Host-initiated, as KVM: a TSC write sets the offset alone (a
	 * restore, a VMM synchronizing vCPUs), a TSC_ADJUST write the MSR
	 * alone; neither moves the other.
	 */
	case X86_MSR_TSC:
		s->tsc_offset = (int64_t)(val - (x86_rdtsc(c) - s->tsc_offset));
		return 0;
	case X86_MSR_TSC_ADJUST:
		s->tsc_adjust = (int64_t)val;
		return 0;
	case X86_MSR_EFER:
		/* Host-initiated: LMA may be set directly (restore). */
		s->efer = val;
		x86_update_mode(c);
		x86_tlb_flush(c, true);
		return 0;
	}
	return x86_msr_write(c, idx, val) ? -EINVAL : 0;
}

/*
 * The CPU model: an Intel family 6 part with exactly the features the core
 * implements.
 */
#define F1_EDX	((1u << 0) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 8) | \
		 (1u << 3) | (1u << 11) | (1u << 12) | (1u << 13) | \
		 (1u << 15) | (1u << 16) | (1u << 19) | (1u << 23) | (1u << 24) | \
		 (1u << 25) | (1u << 26))
	/* FPU TSC MSR PAE PSE CX8 SEP MTRR PGE CMOV PAT CLFSH MMX FXSR SSE SSE2 */
#define F1_ECX	((1u << 0) | (1u << 9) | (1u << 12) | (1u << 13) | \
		 (1u << 19) | (1u << 20) | (1u << 22) | (1u << 23) | \
		 (1u << 26) | (1u << 28) | (1u << 29))
	/* SSE3 SSSE3 FMA CX16 SSE4.1 SSE4.2 MOVBE POPCNT XSAVE AVX F16C
	 * (OSXSAVE, bit 27, follows CR4 and is the backend's, as in KVM) */
/* XSAVE state components: x87, SSE and AVX (the YMM upper halves). */
#define XSAVE_XCR0	((uint32_t)X86_XCR0_SUPPORTED)
#define XSAVE_SIZE	X86_XSAVE_AVX_SIZE

size_t x86_cpu_supported_cpuid(struct x86_cpuid_entry *e, size_t max)
{
	const struct x86_cpuid_entry tab[] = {
		{ 0, 0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69 },
		{ 1, 0, 0, 0x000806c1, 0x00000800, F1_ECX, F1_EDX },
		/* FSGSBASE BMI1 AVX2 SMEP BMI2 ADX; UMIP RDPID */
		{ 7, 0, 1, 0, (1u << 0) | (1u << 3) | (1u << 5) | (1u << 7) |
		  (1u << 8) | (1u << 19), (1u << 2) | (1u << 22), 0 },
		/*
		 * supported XCR0; area size for XCR0 (the backend's CPUID
		 * recomputes it from the guest's XCR0, as KVM does), max
		 */
		{ 0xd, 0, 1, XSAVE_XCR0, X86_XSAVE_LEGACY_SIZE, XSAVE_SIZE, 0 },
		/* XSAVEOPT only: no XSAVEC, XGETBV ECX=1, XSAVES */
		{ 0xd, 1, 1, 1, 0, 0, 0 },
		/* AVX: 256 bytes at 576 */
		{ 0xd, 2, 1, 256, X86_XSAVE_AVX_OFF, 0, 0 },
		{ 0x80000000, 0, 0, 0x80000008, 0, 0, 0 },
		/* LAHF, LZCNT; SYSCALL, NX, 1G pages, RDTSCP, LM */
		{ 0x80000001, 0, 0, 0, 0, (1u << 0) | (1u << 5),
		  (1u << 11) | (1u << 20) | (1u << 26) | (1u << 27) |
		  (1u << 29) },
		{ 0x80000008, 0, 0, 0x3028, 0, 0, 0 },
	};
	size_t n = ARRAY_SIZE(tab);

	for (size_t i = 0; i < n && i < max; i++) {
		e[i] = tab[i];
		/* Fix the ecx/edx order of leaf 0 ("GenuineIntel"). */
		if (tab[i].function == 0) {
			e[i].ecx = 0x6c65746e;
			e[i].edx = 0x49656e69;
		}
	}
	return n;
}
