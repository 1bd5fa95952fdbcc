// SPDX-License-Identifier: GPL-2.0
/*
 * fw_items_firmware.c - the fw_cfg files of the firmware machine, as
 * QEMU's pc machine provides them to SeaBIOS.  Machine code, not a
 * device: the items describe the whole machine, and the fw_cfg device
 * (devices/fw_cfg.c) only serves the table.
 *
 *   etc/e820            the RAM regions (20-byte entries: address, length,
 *                       type 1), from the same layout as guest RAM
 *   etc/acpi/rsdp, etc/acpi/tables, etc/table-loader
 *                       src/acpi's tables for the devices present
 *   bootorder           the linuxboot option ROM with --kernel (its
 *                       items: fw_items_linux.c), else the virtio-blk disks
 *                       in PCI order
 *   etc/boot-fail-wait  0: when nothing boots, reset at once (which ends
 *                       the VM, cvisor has no reboot) instead of QEMU's
 *                       60 s wait
 *   etc/sercon-port     0x3F8: the machine has no display, so SeaBIOS puts
 *                       its screen (banner, boot menu, int 10h output of
 *                       boot loaders) on COM1, as QEMU -nographic does
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "devices/fw_cfg.h"
#include "virtio/virtio_pci.h"
#include "vmm/devsvc_vm.h"
#include "vmm/vm.h"

#define E820_RAM		1
#define VIRTIO_ID_BLOCK		2
#define VIRTIO_PCI_LEGACY_BLK	0x1001

static int fw_e820(struct vm *vm, struct fw_cfg_items *fc)
{
	uint8_t buf[2 * 20], *e = buf;
	unsigned int i;

	for (i = 0; i < vm->mem.ram.nr && i < 2; i++, e += 20) {
		uint64_t addr = htole64(vm->mem.ram.region[i].gpa);
		uint64_t len = htole64(vm->mem.ram.region[i].size);
		uint32_t type = htole32(E820_RAM);

		memcpy(e, &addr, 8);
		memcpy(e + 8, &len, 8);
		memcpy(e + 16, &type, 4);
	}
	return fw_cfg_items_add_file(fc, "etc/e820", buf, (size_t)(e - buf));
}

static bool fw_is_virtio_blk(const struct pci_dev *d)
{
	uint16_t vendor = (uint16_t)pci_cfg_get(d, PCI_VENDOR_ID, 2);
	uint16_t device = (uint16_t)pci_cfg_get(d, PCI_DEVICE_ID, 2);

	return vendor == VIRTIO_PCI_VENDOR &&
	       (device == VIRTIO_PCI_DEVICE_BASE + VIRTIO_ID_BLOCK ||
		device == VIRTIO_PCI_LEGACY_BLK);
}

static int fw_bootorder(struct vm *vm, struct fw_cfg_items *fc)
{
	char order[512];
	size_t n = 0;
	const struct pci_bus *pci = devsvc_vm_pci(vm);
	unsigned int devfn;

	order[0] = '\0';
	if (vm->cfg.kernel) {
		n = (size_t)snprintf(order, sizeof(order),
				     "/rom@genroms/linuxboot_dma.bin\n");
	} else {
		/* Devices are all registered and no vCPU runs yet. */
		for (devfn = 0; pci && devfn < 256; devfn += 8) {
			const struct pci_dev *d = pci->devs[devfn];

			if (!d || !fw_is_virtio_blk(d) ||
			    n >= sizeof(order) - 32)
				continue;
			n += (size_t)snprintf(order + n, sizeof(order) - n,
					      "/pci@i0cf8/*@%x\n", devfn >> 3);
		}
	}
	if (!n)
		return 0;
	/* SeaBIOS reads it as a string: keep the terminating NUL. */
	return fw_cfg_items_add_file(fc, "bootorder", order, n + 1);
}

static int fw_acpi(struct vm *vm, struct fw_cfg_items *fc, char *err,
		   size_t err_len)
{
	struct acpi_fw_blobs b;
	struct acpi_config ac;
	int ret;

	machine_acpi_config(vm, &ac);
	ret = acpi_build_fw(&ac, &b, err, err_len);
	if (ret)
		return ret;
	ret = fw_cfg_items_add_file(fc, ACPI_FW_RSDP_FILE, b.rsdp, b.rsdp_len);
	ret = ret ?: fw_cfg_items_add_file(fc, ACPI_FW_TABLES_FILE, b.tables,
				     b.tables_len);
	ret = ret ?: fw_cfg_items_add_file(fc, ACPI_FW_LOADER_FILE, b.loader,
				     b.loader_len);
	acpi_fw_blobs_free(&b);
	return ret;
}

int fw_items_firmware_setup(struct vm *vm, char *err, size_t err_len)
{
	struct fw_cfg_items *fc = &vm->fw_items;
	uint64_t sercon = htole64(0x3f8);
	uint32_t wait = 0;
	int ret;

	err[0] = '\0';
	ret = fw_e820(vm, fc);
	ret = ret ?: fw_bootorder(vm, fc);
	ret = ret ?: fw_cfg_items_add_file(fc, "etc/boot-fail-wait", &wait,
					   sizeof(wait));
	ret = ret ?: fw_cfg_items_add_file(fc, "etc/sercon-port", &sercon,
					   sizeof(sercon));
	ret = ret ?: fw_acpi(vm, fc, err, err_len);
	if (!ret && vm->cfg.kernel)
		ret = fw_items_linux_setup(vm, fc, err, err_len);
	if (ret && !err[0])
		snprintf(err, err_len, "fw_cfg: %s", strerror(-ret));
	return ret;
}
