// SPDX-License-Identifier: GPL-2.0
/*
 * msr_filter.c - KVM's MSR filter (KVM_X86_SET_MSR_FILTER), per VM.
 *
 * A filter is a default (allow or deny) and up to 16 ranges, each with a
 * bitmap (bit set: allowed) for reads, writes or both; the first range
 * that holds the MSR for the access type decides.  x2APIC MSRs
 * (0x800-0x8ff) are never filtered, as on KVM.  Only the guest's
 * RDMSR/WRMSR are filtered; host accesses never are.
 *
 * A new filter is built aside and swapped in under a leaf lock that the
 * vCPUs take only while a filter is installed, so a VM without one pays
 * one atomic load per MSR access.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "msr_filter.h"

struct emu_msr_range {
	uint32_t flags;		/* KVM_MSR_FILTER_READ / _WRITE */
	uint32_t base;
	uint32_t nmsrs;
	uint8_t *bitmap;
};

struct emu_msr_filter_set {
	bool default_allow;
	unsigned int count;
	struct emu_msr_range ranges[KVM_MSR_FILTER_MAX_RANGES];
};

static void set_free(struct emu_msr_filter_set *set)
{
	unsigned int i;

	if (!set)
		return;
	for (i = 0; i < set->count; i++)
		free(set->ranges[i].bitmap);
	free(set);
}

void emu_msr_filter_init(struct emu_msr_filter *f)
{
	pthread_mutex_init(&f->lock, NULL);
	f->set = NULL;
	atomic_init(&f->active, false);
}

void emu_msr_filter_fini(struct emu_msr_filter *f)
{
	set_free(f->set);
	f->set = NULL;
	pthread_mutex_destroy(&f->lock);
}

/* kvm_add_msr_filter(): empty ranges are skipped, the rest validated. */
static int range_add(struct emu_msr_filter_set *set,
		     const struct kvm_msr_filter_range *u)
{
	struct emu_msr_range *r;
	size_t bytes;

	if (!u->nmsrs)
		return 0;
	if (u->flags & ~EMU_MSR_RANGE_VALID_MASK || !u->flags)
		return -EINVAL;
	/* KVM copies whole longs of the bitmap. */
	bytes = ((size_t)u->nmsrs + 63) / 64 * 8;
	if (bytes > KVM_MSR_FILTER_MAX_BITMAP_SIZE)
		return -EINVAL;
	if (!u->bitmap)
		return -EFAULT;	/* the caller could not read it */
	r = &set->ranges[set->count];
	r->bitmap = malloc(bytes);
	if (!r->bitmap)
		return -ENOMEM;
	memcpy(r->bitmap, u->bitmap, bytes);
	r->flags = u->flags;
	r->base = u->base;
	r->nmsrs = u->nmsrs;
	set->count++;
	return 0;
}

int emu_msr_filter_set(struct emu_msr_filter *f,
		       const struct kvm_msr_filter *user)
{
	struct emu_msr_filter_set *set, *old;
	bool empty = true;
	unsigned int i;
	int ret;

	if (user->flags & ~EMU_MSR_FILTER_VALID_MASK)
		return -EINVAL;
	for (i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++)
		empty &= !user->ranges[i].nmsrs;
	if (empty && (user->flags & KVM_MSR_FILTER_DEFAULT_DENY))
		return -EINVAL;
	set = calloc(1, sizeof(*set));
	if (!set)
		return -ENOMEM;
	set->default_allow = !(user->flags & KVM_MSR_FILTER_DEFAULT_DENY);
	for (i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		ret = range_add(set, &user->ranges[i]);
		if (ret) {
			set_free(set);
			return ret;
		}
	}
	/* Allow-all without ranges filters nothing: drop it. */
	if (set->default_allow && !set->count) {
		set_free(set);
		set = NULL;
	}
	pthread_mutex_lock(&f->lock);
	old = f->set;
	f->set = set;
	atomic_store(&f->active, set != NULL);
	pthread_mutex_unlock(&f->lock);
	set_free(old);
	return 0;
}

bool emu_msr_filter_allows(struct emu_msr_filter *f, uint32_t idx, bool write)
{
	uint32_t type = write ? KVM_MSR_FILTER_WRITE : KVM_MSR_FILTER_READ;
	const struct emu_msr_filter_set *set;
	bool allowed = true;
	unsigned int i;

	if (!atomic_load(&f->active) || (idx >= 0x800 && idx <= 0x8ff))
		return true;
	pthread_mutex_lock(&f->lock);
	set = f->set;
	if (set) {
		allowed = set->default_allow;
		for (i = 0; i < set->count; i++) {
			const struct emu_msr_range *r = &set->ranges[i];
			uint32_t bit = idx - r->base;

			if (idx < r->base || bit >= r->nmsrs ||
			    !(r->flags & type))
				continue;
			allowed = r->bitmap[bit / 8] & (1u << (bit % 8));
			break;
		}
	}
	pthread_mutex_unlock(&f->lock);
	return allowed;
}
