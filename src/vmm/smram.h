/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smram.h - System Management RAM and the SMM address space (AS1).
 *
 * When the backend has SMM (HV_CAP_X86_SMM), address space 1 is what a
 * vCPU in SMM sees: all guest RAM aliased (the same memfd pages as in
 * address space 0) plus a 128 KiB SMRAM of its own at 0xA0000-0xBFFFF.
 * The chipset decides where the SMRAM window is visible (smram_set()):
 *
 *   in_smm       SMRAM at 0xA0000 in AS1 (i440FX G_SMRAME); else AS1
 *                leaves the window empty, like AS0 (VGA hole / MMIO).
 *   outside_smm  SMRAM also at 0xA0000 in AS0 (D_OPEN).  AS0 must then
 *                have no RAM in the window (the chipset machine's VGA
 *                hole); when it goes back to false the window is empty
 *                again in AS0.
 *
 * SMRAM is ordinary memory for snapshots: host/SMRAM_SIZE below, and the
 * AS1 slot SMRAM_SLOT_WINDOW for its dirty log while it is mapped.
 */
#ifndef CVISOR_VMM_SMRAM_H
#define CVISOR_VMM_SMRAM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define SMRAM_BASE	0xa0000ull
#define SMRAM_SIZE	0x20000ull

/* Memslot ids of the window (both address spaces) and of AS1's aliases. */
#define SMRAM_SLOT_WINDOW	15
#define SMRAM_SLOT_ALIAS0	0	/* AS1: RAM below the window */
#define SMRAM_SLOT_ALIAS1	1	/* AS1: low RAM above the window */
#define SMRAM_SLOT_ALIAS2	2	/* AS1: RAM above 4 GiB */

#define SMRAM_MAX_ALIASES	3

struct vm;
struct hv_memslot;

struct smram {
	bool enabled;		/* smram_init() set up AS1 */
	int fd;			/* memfd backing SMRAM, -1 if none */
	uint8_t *host;		/* SMRAM_SIZE bytes */
	pthread_mutex_t lock;	/* serializes smram_set() (chipset writes) */
	bool in_smm;		/* mapped in AS1 */
	bool outside_smm;	/* mapped in AS0 */
};

/*
 * Set up AS1 if the backend has SMM; a no-op returning 0 otherwise.  The
 * window starts closed in both address spaces.  Undone by vm_destroy().
 */
int smram_init(struct vm *vm);
/* Open or close the window in AS1 (@in_smm) and AS0 (@outside_smm). */
int smram_set(struct vm *vm, bool in_smm, bool outside_smm);
/*
 * The AS1 memslots that alias guest RAM, as smram_init() maps them (for a
 * migration's dirty log: vCPU writes in SMM land in these slots' logs).
 * Returns how many (0 without SMM), at most @max.
 */
unsigned int smram_alias_slots(struct vm *vm, struct hv_memslot *out,
			       unsigned int max);
/* Does this VM have SMM (smram_init() found the capability)? */
static inline bool smram_enabled(const struct smram *s)
{
	return s->enabled;
}

#endif
