/* SPDX-License-Identifier: GPL-2.0 */
/*
 * emu_test.h - internal hooks of the emu backend for tests only.  Not part
 * of hv.h: the VMM never calls these.
 */
#ifndef CVISOR_EMU_TEST_H
#define CVISOR_EMU_TEST_H

#include <stdint.h>

#include "hv/hv.h"

/*
 * Call @fn(@opaque, gsi) on the VM's irqfd injector thread right before
 * every irqfd injection (NULL to stop).  Set it before the first
 * assign.  -EOPNOTSUPP on another backend.
 */
int emu_test_irqfd_hook(struct hv_vm *vm, void (*fn)(void *opaque,
						     uint32_t gsi),
			void *opaque);

#endif
