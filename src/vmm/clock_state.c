// SPDX-License-Identifier: GPL-2.0
/*
 * clock_state.c - the guest clock as a component ("clock"): the VM-wide
 * kvmclock where the backend has one, and the TSCs of all vCPUs taken
 * as one consistent sample.
 *
 * Why a component of its own.  Every vCPU section carries IA32_TSC, but
 * the vCPUs are saved and loaded one after the other: each TSC is read
 * (and later written) at a different host instant, so the offsets
 * between vCPUs drift by the time between those calls - milliseconds on
 * a loaded host - at every snapshot or migration hop.  A guest that
 * trusts its TSCs to be synchronised (Linux checks that only at boot)
 * then sees time step back when a task moves between CPUs.  Here each
 * TSC is read with the host time of the read and moved to one common
 * instant; the load writes them back the same way, so the vCPUs keep
 * exactly the offsets they had.  Guest time stands still between save
 * and load, as with KVM when the VMM does not adjust it.
 *
 * kvmclock (KVM): a new VM's kvmclock counts from its creation, so a
 * destination would give the guest's pvclock a time far behind the
 * source's and its clock would go backwards.  KVM_GET_CLOCK on the
 * source and KVM_SET_CLOCK on the destination carry it over.
 *
 * Runs after the vCPUs (COMP_STAGE_CLOCK): the vCPU sections have set
 * each TSC once, this sets them again consistently.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmm/component.h"
#include "vmm/vm.h"

#define MSR_IA32_TSC		0x10
#define CLOCK_HAS_KVMCLOCK	1u

static uint64_t clock_host_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* TSC ticks in @ns at @khz (0: rate unknown, no correction). */
static uint64_t tsc_ticks(uint64_t ns, int khz)
{
	if (khz <= 0)
		return 0;
	return (uint64_t)((unsigned __int128)ns * (unsigned int)khz /
			  1000000u);
}

static int tsc_access(struct vcpu *vcpu, uint64_t *val, bool write)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m;
	int n;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.e.index = MSR_IA32_TSC;
	m.e.data = *val;
	n = write ? hv_vcpu_set_msrs(vcpu->hv, &m.hdr) :
		    hv_vcpu_get_msrs(vcpu->hv, &m.hdr);
	if (n < 0)
		return n;
	if (n != 1)
		return -EIO;
	*val = m.e.data;
	return 0;
}

/*
 * Version 1: u32 flags (CLOCK_HAS_KVMCLOCK); with it u64 kvmclock ns and
 * u32 its KVM_GET_CLOCK flags; then u32 vCPU count and each vCPU's
 * IA32_TSC, all as of the same instant.
 */
static int clock_comp_save(void *opaque, struct sbuf *out)
{
	struct vm *vm = opaque;
	struct kvm_clock_data kc;
	uint64_t t0 = 0, t, tsc;
	unsigned int i;
	int ret;

	memset(&kc, 0, sizeof(kc));
	ret = hv_get_clock(vm->hv_vm, &kc);
	if (ret && ret != -EOPNOTSUPP)
		return ret;
	sbuf_put_u32(out, ret ? 0 : CLOCK_HAS_KVMCLOCK);
	if (!ret) {
		sbuf_put_u64(out, kc.clock);
		sbuf_put_u32(out, kc.flags);
	}
	sbuf_put_u32(out, vm->nr_vcpus);
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];

		t = clock_host_ns();
		ret = tsc_access(vcpu, &tsc, false);
		if (ret)
			return ret;
		if (!i)
			t0 = t;
		/* As of t0: subtract what ran since. */
		tsc -= tsc_ticks(t - t0, hv_vcpu_get_tsc_khz(vcpu->hv));
		sbuf_put_u64(out, tsc);
	}
	return 0;
}

static int clock_comp_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct vm *vm = opaque;
	struct kvm_clock_data kc;
	uint64_t *tsc, t0 = 0, t, v;
	uint32_t flags, n, i;
	int ret = 0;

	memset(&kc, 0, sizeof(kc));
	flags = sbuf_get_u32(in);
	if (flags & CLOCK_HAS_KVMCLOCK) {
		kc.clock = sbuf_get_u64(in);
		sbuf_get_u32(in);	/* informative: the source's flags */
	}
	n = sbuf_get_u32(in);
	if (sbuf_error(in))
		return sbuf_error(in);
	if ((flags & ~CLOCK_HAS_KVMCLOCK) || n != vm->nr_vcpus)
		return -EINVAL;
	tsc = calloc(n ? n : 1, sizeof(*tsc));
	if (!tsc)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		tsc[i] = sbuf_get_u64(in);
	ret = sbuf_error(in);
	if (ret)
		goto out;
	/*
	 * A kvmclock image on a backend without kvmclock (emu): its guest
	 * has no pvclock there, time goes on from the TSCs.
	 */
	if (flags & CLOCK_HAS_KVMCLOCK) {
		ret = hv_set_clock(vm->hv_vm, &kc);
		if (ret == -EOPNOTSUPP)
			ret = 0;
		if (ret)
			goto out;
	}
	for (i = 0; i < n; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];

		t = clock_host_ns();
		if (!i)
			t0 = t;
		v = tsc[i] + tsc_ticks(t - t0, hv_vcpu_get_tsc_khz(vcpu->hv));
		ret = tsc_access(vcpu, &v, true);
		if (ret)
			goto out;
	}
out:
	free(tsc);
	return ret;
}

static const struct component_ops clock_comp_ops = {
	.version = 1,
	.save = clock_comp_save,
	.load = clock_comp_load,
};

int vm_clock_register(struct vm *vm)
{
	return vm_component_add(vm, "clock", COMP_STAGE_CLOCK,
				&clock_comp_ops, vm);
}
