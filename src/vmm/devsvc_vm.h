/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devsvc_vm.h - the machine's side of the device service API: building
 * the devices of devices/devices.c's table, and the roles a device can
 * take for the whole machine.
 *
 * A role is something the machine asks of "the" device that plays it:
 * the PCI bus 0 (ACPI's _PRT, SeaBIOS's boot order and device models'
 * INTx look at it), the power button (QMP system_powerdown presses it),
 * the Hyper-V synthetic debugger (syndbg exits go to it).  A device takes
 * one with its devsvc call during init; the machine keeps the roles
 * here, behind one pointer in struct vm, instead of one field per device.
 * Roles are set before any vCPU runs and read without a lock after.
 */
#ifndef CVISOR_VMM_DEVSVC_VM_H
#define CVISOR_VMM_DEVSVC_VM_H

#include <stdbool.h>
#include <stddef.h>

struct devsvc;
struct hyperv_dbg_ops;
struct pci_bus;
struct vm;

/* The roles of @vm (none taken yet); freed by devsvc_vm_release(). */
int devsvc_vm_init(struct vm *vm);
void devsvc_vm_release(struct vm *vm);

/*
 * Build every device of the table in order (a device a --device-model
 * serves is skipped), each with its own service handle.  On failure
 * @err names the device.
 */
int devsvc_vm_devices_init(struct vm *vm, char *err, size_t err_len);
/* A service handle for device @name of @vm; freed with the VM. */
struct devsvc *devsvc_create(struct vm *vm, const char *name);

/* The machine's PCI bus 0, or NULL if no device provides one. */
struct pci_bus *devsvc_vm_pci(struct vm *vm);
/* Is there a power button?  Press it (event loop thread). */
bool devsvc_vm_has_power_button(struct vm *vm);
void devsvc_vm_power_button(struct vm *vm);
/* The synthetic debugger's ops (and their @opaque), or NULL. */
const struct hyperv_dbg_ops *devsvc_vm_hyperv_debugger(struct vm *vm,
						       void **opaque);

#endif
