// SPDX-License-Identifier: GPL-2.0
/*
 * machine.c - memory map and firmware tables of the machine (machine.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/devsvc_vm.h"
#include "vmm/vm.h"

int machine_init(struct vm *vm, char *err, size_t err_len)
{
	struct machine *m = &vm->mach;

	machine_layout_default(&m->layout, vm->cfg.ram_size);
	/* guest_mem splits RAM at the same place the layout does. */
	m->layout.low_ram_end = MEM_LOW_END;
	return e820_build(&m->layout, &m->e820, err, err_len);
}

void machine_acpi_config(struct vm *vm, struct acpi_config *ac)
{
	const struct pci_bus *pci = devsvc_vm_pci(vm);
	unsigned int slot, pin;

	acpi_config_default(ac, vm->cfg.nr_cpus);
	ac->has_pci = pci != NULL;
	/* One source of truth for INTx: what the PCI bus raises. */
	if (pci)
		for (slot = 0; slot < ACPI_PCI_SLOTS; slot++)
			for (pin = 0; pin < ACPI_PCI_PINS; pin++)
				ac->pci_intx_gsi[slot][pin] =
					pci_intx_gsi(pci, slot, pin + 1);
}

int machine_write_acpi(struct vm *vm, char *err, size_t err_len)
{
	struct machine *m = &vm->mach;
	struct acpi_config ac;
	uint8_t *buf;
	int ret;

	machine_acpi_config(vm, &ac);
	buf = boot_ram_ptr(&vm->mem.ram, ACPI_DEFAULT_GPA, ACPI_DEFAULT_SIZE);
	if (!buf) {
		snprintf(err, err_len, "ACPI: no guest RAM at 0x%llx",
			 (unsigned long long)ACPI_DEFAULT_GPA);
		return -E2BIG;
	}
	memset(buf, 0, ACPI_DEFAULT_SIZE);
	ret = acpi_build(&ac, buf, ACPI_DEFAULT_GPA, ACPI_DEFAULT_SIZE,
			 &m->acpi, err, err_len);
	if (ret)
		return ret;
	m->rsdp_gpa = m->acpi.rsdp;
	return 0;
}
