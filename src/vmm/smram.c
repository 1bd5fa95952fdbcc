// SPDX-License-Identifier: GPL-2.0
/*
 * smram.c - SMRAM and the SMM address space (smram.h).
 *
 * Address space 1 is built from memslots: the guest RAM regions aliased
 * around the 0xA0000-0xBFFFF window (memslots may not overlap), and the
 * window slot that smram_set() maps or unmaps in each address space.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/smram.h"
#include "vmm/vm.h"

static int smram_map(struct vm *vm, uint16_t as_id, uint16_t slot,
		     uint64_t gpa, uint64_t size, void *host)
{
	struct hv_memslot s = {
		.slot = slot,
		.as_id = as_id,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = host,
		.guest_memfd = -1,
	};

	return hv_set_memslot(vm->hv_vm, &s);
}

static int smram_unmap(struct vm *vm, uint16_t as_id, uint16_t slot)
{
	return smram_map(vm, as_id, slot, 0, 0, NULL);
}

unsigned int smram_alias_slots(struct vm *vm, struct hv_memslot *out,
			       unsigned int max)
{
	const struct boot_ram *ram = &vm->mem.ram;
	const struct boot_ram_region *r;
	unsigned int i, n = 0;
	uint64_t end;

	if (!vm->smram.enabled)
		return 0;
	for (i = 0; i < ram->nr; i++) {
		r = &ram->region[i];
		end = r->gpa + r->size;
		if (r->gpa >= SMRAM_BASE + SMRAM_SIZE || end <= SMRAM_BASE) {
			memslot_append(out, &n, max, HV_AS_SMM,
				       SMRAM_SLOT_ALIAS2, r->gpa, r->size,
				       r->host);
			continue;
		}
		/* The low region holds the window: map both sides of it. */
		if (r->gpa < SMRAM_BASE)
			memslot_append(out, &n, max, HV_AS_SMM,
				       SMRAM_SLOT_ALIAS0, r->gpa,
				       SMRAM_BASE - r->gpa, r->host);
		if (end > SMRAM_BASE + SMRAM_SIZE) {
			uint64_t gpa = SMRAM_BASE + SMRAM_SIZE;

			memslot_append(out, &n, max, HV_AS_SMM,
				       SMRAM_SLOT_ALIAS1, gpa, end - gpa,
				       r->host + (gpa - r->gpa));
		}
	}
	return n;
}

/* AS1 sees the same RAM pages as AS0 outside the window. */
static int smram_alias_ram(struct vm *vm)
{
	struct hv_memslot slots[SMRAM_MAX_ALIASES];
	unsigned int i, n;
	int ret;

	n = smram_alias_slots(vm, slots, SMRAM_MAX_ALIASES);
	for (i = 0; i < n; i++) {
		ret = hv_set_memslot(vm->hv_vm, &slots[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static void smram_release(struct vm *vm, void *opaque)
{
	struct smram *s = opaque;

	if (s->host)
		munmap(s->host, SMRAM_SIZE);
	if (s->fd >= 0)
		close(s->fd);
	s->host = NULL;
	s->fd = -1;
	s->enabled = false;
	pthread_mutex_destroy(&s->lock);
}

int smram_init(struct vm *vm)
{
	struct smram *s = &vm->smram;
	int ret;

	if (s->enabled)
		return -EBUSY;
	s->fd = -1;
	if (hv_vm_check_cap(vm->hv_vm, HV_CAP_X86_SMM) <= 0 ||
	    hv_vm_check_cap(vm->hv_vm, HV_CAP_MULTI_ADDRESS_SPACE) < 2)
		return 0;
	/* Its own memfd: SMRAM is not part of the RAM the e820 describes. */
	s->fd = memfd_create("cvisor-smram", MFD_CLOEXEC);
	if (s->fd < 0)
		return -errno;
	if (ftruncate(s->fd, SMRAM_SIZE) < 0) {
		ret = -errno;
		close(s->fd);
		s->fd = -1;
		return ret;
	}
	s->host = mmap(NULL, SMRAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       s->fd, 0);
	if (s->host == MAP_FAILED) {
		ret = -errno;
		s->host = NULL;
		close(s->fd);
		s->fd = -1;
		return ret;
	}
	pthread_mutex_init(&s->lock, NULL);
	ret = vm_add_cleanup(vm, smram_release, s);
	if (ret) {
		smram_release(vm, s);
		return ret;
	}
	s->enabled = true;
	return smram_alias_ram(vm);
}

/* Make the window slot of @as_id match @want. */
static int smram_window(struct vm *vm, uint16_t as_id, bool have, bool want)
{
	if (have == want)
		return 0;
	if (want)
		return smram_map(vm, as_id, SMRAM_SLOT_WINDOW, SMRAM_BASE,
				 SMRAM_SIZE, vm->smram.host);
	return smram_unmap(vm, as_id, SMRAM_SLOT_WINDOW);
}

int smram_set(struct vm *vm, bool in_smm, bool outside_smm)
{
	struct smram *s = &vm->smram;
	int ret;

	if (!s->enabled)
		return -EOPNOTSUPP;
	/* D_OPEN shows SMRAM to everybody, SMM code included. */
	in_smm = in_smm || outside_smm;
	pthread_mutex_lock(&s->lock);
	ret = smram_window(vm, HV_AS_NORMAL, s->outside_smm, outside_smm);
	if (ret)
		goto out;
	/* Device models see only the normal address space. */
	if (s->outside_smm != outside_smm)
		vm_ioreq_map_changed(vm);
	s->outside_smm = outside_smm;
	ret = smram_window(vm, HV_AS_SMM, s->in_smm, in_smm);
	if (ret)
		goto out;
	s->in_smm = in_smm;
out:
	pthread_mutex_unlock(&s->lock);
	return ret;
}
