// SPDX-License-Identifier: GPL-2.0
/*
 * hyperv_flush.c - the Hyper-V hypercalls that act on other virtual
 * processors: HvFlushVirtualAddressSpace/List (0x0002, 0x0003) and their
 * Ex forms (0x0013, 0x0014), HvCallSendSyntheticClusterIpi (0x000b) and
 * its Ex form (0x0015), with KVM's input checks and status codes.
 *
 * Targets are named by VP index (HV_X64_MSR_VP_INDEX, which the VMM may
 * set to anything below EMU_MAX_VCPUS), as a 64-bit mask or, in the Ex
 * forms, a sparse VP set: a bitmap of valid 64-VP banks followed by the
 * banks present, in ascending order.
 *
 * A flush is always a full flush of the target's soft TLB, whatever the
 * address space, flags or GVA list (KVM does the same for everything but
 * short lists): the caller's own TLB at once, any other target's at the
 * top of its run loop.  The caller waits until every target that may be
 * executing guest code has flushed (KVM's request with wait), so when the
 * hypercall returns no target uses a stale translation.  A waiting caller
 * marks itself outside guest code, so that two vCPUs flushing each other
 * do not wait for each other; it flushes itself before it goes on.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "emu_priv.h"

/*
 * KVM queues at most 15 GVA entries per target and reads the list only
 * then; a longer list is not read (a full flush needs no entries).  The
 * same limit gives the same status for an unreadable list.
 */
#define FLUSH_ENTRIES_MAX	15
/* Banks that can hold a VP index below EMU_MAX_VCPUS. */
#define VP_BANKS		((EMU_MAX_VCPUS + HV_VCPUS_PER_SPARSE_BANK - 1) / \
				 HV_VCPUS_PER_SPARSE_BANK)

struct vp_set {
	bool all;
	uint64_t valid_bank_mask;
	uint64_t banks[VP_BANKS];
};

int emu_hv_read_guest(struct emu_vcpu *v, uint64_t gpa, void *dst,
		      unsigned int len)
{
	uint8_t *out = dst;

	while (len) {
		unsigned int off = gpa & (EMU_PAGE_SIZE - 1);
		unsigned int n = EMU_PAGE_SIZE - off;
		const uint8_t *p;

		if (n > len)
			n = len;
		p = emu_mem_map_page(&v->rd, HV_AS_NORMAL, gpa & ~0xfffull,
				     false);
		if (!p)
			return -EFAULT;
		memcpy(out, p + off, n);
		out += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

/*
 * The next @orig_cnt 64-bit words of input, of which the first @cap are
 * stored in @data: from the XMM halves of a fast call (all of them must
 * fit, read or not) or from the input page.  0, or -EINVAL.
 */
static int hc_data(struct emu_vcpu *v, struct emu_hv_hcall *hc,
		   unsigned int orig_cnt, unsigned int cap, uint64_t *data)
{
	unsigned int cnt = orig_cnt < cap ? orig_cnt : cap, i;

	if (hc->fast) {
		if (orig_cnt > 2 * HV_HYPERCALL_MAX_XMM_REGISTERS -
			       hc->data_offset)
			return -EINVAL;
		for (i = 0; i < cnt; i++)
			data[i] = hc->xmm[hc->data_offset + i];
		return 0;
	}
	if (emu_hv_read_guest(v, hc->ingpa + hc->data_offset, data,
			      cnt * sizeof(*data)))
		return -EINVAL;
	return 0;
}

/* The banks of a sparse set (var_cnt of them, as checked by the caller). */
static int read_banks(struct emu_vcpu *v, struct emu_hv_hcall *hc,
		      struct vp_set *set)
{
	if (hc->var_cnt > HV_MAX_SPARSE_VCPU_BANKS)
		return -EINVAL;
	/* Banks past VP_BANKS cannot hold a VP: checked, not read. */
	return hc_data(v, hc, hc->var_cnt, VP_BANKS, set->banks);
}

static bool vp_in_set(uint32_t vp, const struct vp_set *set)
{
	unsigned int bank = vp / HV_VCPUS_PER_SPARSE_BANK, sbank;

	if (set->all)
		return true;
	if (bank >= VP_BANKS || !(set->valid_bank_mask & (1ull << bank)))
		return false;
	/* The bank's place is the number of valid banks below it. */
	sbank = __builtin_popcountll(set->valid_bank_mask &
				     ((1ull << bank) - 1));
	return set->banks[sbank] & (1ull << (vp % HV_VCPUS_PER_SPARSE_BANK));
}

/* ---------------------------------------------------------------- flush */

void emu_hv_flush_ack(struct emu_vcpu *v)
{
	unsigned int req = atomic_load(&v->hv.flush_req);

	if (req == atomic_load_explicit(&v->hv.flush_done,
					memory_order_relaxed))
		return;
	x86_cpu_flush_tlb(v->cpu);
	atomic_store(&v->hv.flush_done, req);
}

static bool flush_acked(struct emu_vcpu *t, unsigned int req)
{
	return !atomic_load(&t->hv.in_guest) ||
	       (int)(atomic_load(&t->hv.flush_done) - req) >= 0;
}

/* Flush every vCPU whose VP index is in @set; vcpu_lock held for read. */
static void flush_set(struct emu_vcpu *v, const struct vp_set *set)
{
	struct emu_vm *vm = v->vm;
	unsigned int req[EMU_MAX_VCPUS];
	bool asked[EMU_MAX_VCPUS] = { false };
	bool self = false;
	unsigned int i;

	for (i = 0; i < EMU_MAX_VCPUS; i++) {
		struct emu_vcpu *t = vm->vcpus[i];

		if (!t || !vp_in_set(atomic_load(&t->hv.vp_index), set))
			continue;
		if (t == v) {
			self = true;
			continue;
		}
		asked[i] = true;
		req[i] = atomic_fetch_add(&t->hv.flush_req, 1) + 1;
		/* Out of its current block, through the run loop's top. */
		atomic_store(&t->cpu->stop_request, true);
	}
	atomic_store(&v->hv.in_guest, false);
	for (i = 0; i < EMU_MAX_VCPUS; i++)
		while (asked[i] && !flush_acked(vm->vcpus[i], req[i]))
			sched_yield();
	atomic_store(&v->hv.in_guest, true);
	/*
	 * Flushes asked of us while we waited, and our own: VMCALL ends its
	 * block, so nothing decoded with the old translations runs after.
	 */
	if (self)
		atomic_fetch_add(&v->hv.flush_req, 1);
	emu_hv_flush_ack(v);
}

uint64_t emu_hv_flush_tlb(struct emu_vcpu *v, struct emu_hv_hcall *hc)
{
	uint64_t entries[FLUSH_ENTRIES_MAX];
	struct vp_set set = { 0 };
	uint64_t hdr[3];	/* address space, flags, mask or VP set */

	if (hc->code == HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST ||
	    hc->code == HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE) {
		if (hc->fast) {
			hdr[0] = hc->ingpa;
			hdr[1] = hc->outgpa;
			hdr[2] = hc->xmm[0];
			hc->data_offset = 1;
		} else {
			if (emu_hv_read_guest(v, hc->ingpa, hdr, sizeof(hdr)))
				return HV_STATUS_INVALID_HYPERCALL_INPUT;
			hc->data_offset = sizeof(hdr);
		}
		set.valid_bank_mask = 1;
		set.banks[0] = hdr[2];
		/* A zero mask means every processor (KVM, for WS2012). */
		set.all = (hdr[1] & HV_FLUSH_ALL_PROCESSORS) || !hdr[2];
	} else {
		uint64_t ex[4];	/* address space, flags, format, bank mask */

		if (hc->fast) {
			ex[0] = hc->ingpa;
			ex[1] = hc->outgpa;
			ex[2] = hc->xmm[0];
			ex[3] = hc->xmm[1];
			hc->data_offset = 2;
		} else {
			if (emu_hv_read_guest(v, hc->ingpa, ex, sizeof(ex)))
				return HV_STATUS_INVALID_HYPERCALL_INPUT;
			hc->data_offset = sizeof(ex);
		}
		set.valid_bank_mask = ex[3];
		set.all = ex[2] != HV_GENERIC_SET_SPARSE_4K;
		if (hc->var_cnt != __builtin_popcountll(set.valid_bank_mask))
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		if (!set.all) {
			if (!hc->var_cnt)
				goto done;
			if (read_banks(v, hc, &set))
				return HV_STATUS_INVALID_HYPERCALL_INPUT;
		}
		/* Banks given with "all" are skipped, not refused (KVM). */
		hc->data_offset += hc->fast ? hc->var_cnt :
				   hc->var_cnt * sizeof(uint64_t);
	}
	if ((hc->code == HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST ||
	     hc->code == HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX) &&
	    hc->rep_cnt <= FLUSH_ENTRIES_MAX &&
	    hc_data(v, hc, hc->rep_cnt, hc->rep_cnt, entries))
		return HV_STATUS_INVALID_HYPERCALL_INPUT;

	pthread_rwlock_rdlock(&v->vm->vcpu_lock);
	flush_set(v, &set);
	pthread_rwlock_unlock(&v->vm->vcpu_lock);
done:
	/* Every GVA is flushed (the whole TLB is): all reps complete. */
	return HV_STATUS_SUCCESS |
	       (uint64_t)hc->rep_cnt << HV_HYPERCALL_REP_COMP_OFFSET;
}

/* ---------------------------------------------------------------- IPI */

static void ipi_set(struct emu_vcpu *v, uint32_t vector,
		    const struct vp_set *set)
{
	struct emu_apic_irq irq = {
		.vector = vector,
		.delivery_mode = EMU_DM_FIXED,
		.assert = true,
	};
	struct emu_vm *vm = v->vm;
	unsigned int i;

	pthread_rwlock_rdlock(&vm->vcpu_lock);
	for (i = 0; i < EMU_MAX_VCPUS; i++) {
		struct emu_vcpu *t = vm->vcpus[i];

		/* A disabled LAPIC drops it, as KVM's does. */
		if (t && t->lapic &&
		    vp_in_set(atomic_load(&t->hv.vp_index), set))
			emu_lapic_accept(t->lapic, &irq);
	}
	pthread_rwlock_unlock(&vm->vcpu_lock);
}

uint64_t emu_hv_send_ipi(struct emu_vcpu *v, struct emu_hv_hcall *hc)
{
	struct vp_set set = { 0 };
	uint32_t vector;

	if (!v->lapic)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (hc->code == HVCALL_SEND_IPI) {
		if (hc->fast) {
			/* The upper half of the vector word is reserved. */
			if (hc->ingpa >> 32)
				return HV_STATUS_INVALID_HYPERCALL_INPUT;
			vector = (uint32_t)hc->ingpa;
			set.banks[0] = hc->outgpa;
		} else {
			uint64_t in[2];	/* vector, reserved; CPU mask */

			if (emu_hv_read_guest(v, hc->ingpa, in, sizeof(in)))
				return HV_STATUS_INVALID_HYPERCALL_INPUT;
			vector = (uint32_t)in[0];
			set.banks[0] = in[1];
		}
		set.valid_bank_mask = 1;
	} else {
		uint64_t in[3];	/* vector, reserved; format; bank mask */

		if (hc->fast) {
			in[0] = (uint32_t)hc->ingpa;
			in[1] = hc->outgpa;
			in[2] = hc->xmm[0];
		} else if (emu_hv_read_guest(v, hc->ingpa, in, sizeof(in))) {
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		}
		vector = (uint32_t)in[0];
		set.all = in[1] == HV_GENERIC_SET_ALL;
		set.valid_bank_mask = in[2];
		if (hc->var_cnt != __builtin_popcountll(set.valid_bank_mask))
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		if (!set.all) {
			/* An empty set sends nothing, whatever the vector. */
			if (!hc->var_cnt)
				return HV_STATUS_SUCCESS;
			hc->data_offset = hc->fast ? 1 : sizeof(in);
			if (read_banks(v, hc, &set))
				return HV_STATUS_INVALID_HYPERCALL_INPUT;
		}
	}
	if (vector < HV_IPI_LOW_VECTOR || vector > HV_IPI_HIGH_VECTOR)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	ipi_set(v, vector, &set);
	return HV_STATUS_SUCCESS;
}
