// SPDX-License-Identifier: GPL-2.0
/*
 * reset.c - the chipset's reset control register at port 0xCF9, the
 * FADT's RESET_REG (value 0x06).  The port sits inside the PCI
 * configuration latch's range, so the PCI host forwards byte writes here
 * (pci_host_ops.reset_control).
 *
 * cvisor has no reboot: a reset ends the VM with status 0, exactly like
 * a reset system event from the backend (vcpu.c), i.e. QEMU's -no-reboot.
 */
#include "devices/devices.h"
#include "vmm/vm.h"

#define RCR_SYS_RST	0x02	/* 1: hard reset, 0: soft (INIT only) */
#define RCR_RST_CPU	0x04	/* 0 -> 1 starts the reset */

static void reset_write(struct vm *vm, uint8_t val)
{
	/* Both a soft and a hard reset restart the guest from scratch. */
	if (val & RCR_RST_CPU)
		vm_stop(vm, 0);
}

int reset_init(struct vm *vm, char *err, size_t err_len)
{
	vm->reset_handler = reset_write;
	/* The last value written lives in the PCI component (rcr). */
	return vm_component_add(vm, "reset", COMP_STAGE_PLATFORM,
				&dev_stateless_ops, NULL);
}
