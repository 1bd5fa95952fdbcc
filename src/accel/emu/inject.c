// SPDX-License-Identifier: GPL-2.0
/*
 * inject.c - fault injection for the VMM's implicit-conversion path.
 *
 * On KVM a SW_PROTECTED VM's fault takes the page's attribute at its
 * start and checks it again under mmu_invalidate_seq; a conversion in
 * between gives a memory-fault exit whose flags name the old attribute,
 * which the VMM answers with an implicit conversion.  emu reads the
 * attributes through a per-run snapshot and never sees that window, so
 * the VMM's answer could not be tested.  CVISOR_EMU_INJECT_MISMATCH=
 * GPA[,GPA...] makes the next guest access to each page report exactly
 * that exit (flags = the opposite of the page's attribute), once.
 */
#include <errno.h>
#include <stdlib.h>

#include "emu_priv.h"

int emu_inject_init(struct emu_vm *vm)
{
	const char *s = getenv("CVISOR_EMU_INJECT_MISMATCH");
	unsigned int n = 0;
	char *end;

	if (!s || !*s || !vm->private_mem)
		return 0;
	while (*s) {
		unsigned long long gpa = strtoull(s, &end, 0);

		if (end == s || (*end && *end != ',') || n == EMU_INJECT_MAX)
			return -EINVAL;
		atomic_store(&vm->inject_mismatch[n++], (gpa & ~0xfffull) | 1);
		s = *end ? end + 1 : end;
	}
	atomic_store(&vm->inject_armed, n > 0);
	return 0;
}

static int inject_find(struct emu_vm *vm, uint64_t gpa)
{
	uint64_t want = (gpa & ~0xfffull) | 1;
	unsigned int i;

	for (i = 0; i < EMU_INJECT_MAX; i++)
		if (atomic_load(&vm->inject_mismatch[i]) == want)
			return (int)i;
	return -1;
}

bool emu_inject_pending(struct emu_vm *vm, uint64_t gpa)
{
	return inject_find(vm, gpa) >= 0;
}

bool emu_inject_take(struct emu_vm *vm, uint64_t gpa)
{
	int i = inject_find(vm, gpa);
	uint64_t want = (gpa & ~0xfffull) | 1;

	/* Two vCPUs may reach the page at once: one of them takes it. */
	return i >= 0 &&
	       atomic_compare_exchange_strong(&vm->inject_mismatch[i], &want,
					      0);
}
