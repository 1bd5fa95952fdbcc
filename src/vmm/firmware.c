// SPDX-License-Identifier: GPL-2.0
/*
 * firmware.c - memory map of the firmware machine (firmware.h): RAM
 * around the legacy hole, the BIOS image at the top of 4 GiB and the PAM
 * segments of 0xC0000-0xFFFFF.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmm/firmware.h"
#include "vmm/loader.h"
#include "vmm/vm.h"

#define PAGE_SIZE_4K	4096ull

uint64_t firmware_pam_base(unsigned int seg)
{
	return seg == 0 ? 0xf0000ull : FW_PAM_START + (seg - 1) * 0x4000ull;
}

uint64_t firmware_pam_size(unsigned int seg)
{
	return seg == 0 ? 0x10000ull : 0x4000ull;
}

static int fw_slot(struct firmware *fw, uint16_t id, uint64_t gpa,
		   uint64_t size, void *host, bool readonly)
{
	struct hv_memslot s = {
		.slot = id,
		.as_id = HV_AS_NORMAL,
		.flags = readonly ? HV_MEM_READONLY : 0,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = host,
		.guest_memfd = -1,
	};

	return hv_set_memslot(fw->vm->hv_vm, &s);
}

/* Host address of the ROM side of [gpa, gpa + size), or NULL (PCI: none). */
static void *fw_rom_side(struct firmware *fw, uint64_t gpa, uint64_t size)
{
	uint64_t legacy = FW_PAM_END - FW_ISA_BIOS_SIZE;

	if (gpa < legacy || gpa + size > FW_PAM_END)
		return NULL;
	return fw->rom + fw->rom_size - FW_ISA_BIOS_SIZE + (gpa - legacy);
}

static void *fw_ram(struct firmware *fw, uint64_t gpa)
{
	return fw->vm->mem.host + gpa;
}

/*
 * Map segment @seg for @attr.  RE: RAM, read-only unless WE too.  No RE:
 * the ROM side read-only where there is one (writes, if WE, exit and go
 * to RAM in fw_pam_access()); nothing where there is none.
 */
static int fw_pam_map(struct firmware *fw, unsigned int seg, uint8_t attr)
{
	uint64_t base = firmware_pam_base(seg), size = firmware_pam_size(seg);
	uint16_t id = (uint16_t)(FW_SLOT_PAM + seg);
	void *host;
	int ret;

	if (fw->pam_slot[seg]) {
		ret = fw_slot(fw, id, base, 0, NULL, false);
		if (ret)
			return ret;
		fw->pam_slot[seg] = false;
	}
	if (attr & FW_PAM_RE)
		host = fw_ram(fw, base);
	else
		host = fw_rom_side(fw, base, size);
	if (!host)
		return 0;
	ret = fw_slot(fw, id, base, size, host,
		      (attr & (FW_PAM_RE | FW_PAM_WE)) != (FW_PAM_RE | FW_PAM_WE));
	if (!ret)
		fw->pam_slot[seg] = true;
	return ret;
}

int firmware_pam_set(struct firmware *fw, unsigned int seg, uint8_t attr)
{
	int ret = 0;

	if (seg >= FW_PAM_SEGS)
		return -EINVAL;
	attr &= FW_PAM_RE | FW_PAM_WE;
	pthread_mutex_lock(&fw->lock);
	if (fw->pam[seg] != attr) {
		ret = fw_pam_map(fw, seg, attr);
		fw->pam[seg] = attr;
		vm_ioreq_map_changed(fw->vm);
	}
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

static unsigned int fw_pam_seg(uint64_t gpa)
{
	if (gpa >= 0xf0000ull)
		return 0;
	return (unsigned int)((gpa - FW_PAM_START) / 0x4000ull) + 1;
}

/*
 * What the memslots leave to the VMM: writes to read-only views (to RAM
 * if WE, else dropped) and accesses where no slot is (reads of RAM
 * cannot get here: RE always has a slot).
 */
static void fw_pam_access(void *opaque, const struct bus_ctx *ctx,
			  uint64_t offset, uint8_t *data, unsigned int len,
			  bool is_write)
{
	struct firmware *fw = opaque;
	uint64_t gpa = FW_PAM_START + offset;
	unsigned int seg = fw_pam_seg(gpa);
	uint64_t end = firmware_pam_base(seg) + firmware_pam_size(seg);
	uint8_t attr;
	void *rom;

	/* An access straddling two segments is split by nobody: clip it. */
	if (gpa + len > end)
		len = (unsigned int)(end - gpa);
	pthread_mutex_lock(&fw->lock);
	attr = fw->pam[seg];
	if (is_write) {
		if (attr & FW_PAM_WE) {
			/* Not the CPU's write: tell the backend and the
			 * migration dirty log, as device DMA does. */
			memcpy(fw_ram(fw, gpa), data, len);
			hv_vm_memory_written(fw->vm->hv_vm, gpa, len);
			guest_mem_mark_dirty(&fw->vm->mem, gpa, len);
		}
	} else if (attr & FW_PAM_RE) {
		memcpy(data, fw_ram(fw, gpa), len);
	} else if ((rom = fw_rom_side(fw, gpa, len))) {
		memcpy(data, rom, len);
	} else {
		memset(data, 0xff, len);
	}
	pthread_mutex_unlock(&fw->lock);
}

static const struct bus_dev_ops fw_pam_ops = {
	.name = "pam",
	.access = fw_pam_access,
};

/* Writes to the image below 4 GiB: ROM ignores them. */
static void fw_rom_access(void *opaque, const struct bus_ctx *ctx,
			  uint64_t offset, uint8_t *data, unsigned int len,
			  bool is_write)
{
	struct firmware *fw = opaque;

	if (!is_write)
		memcpy(data, fw->rom + offset, len);
}

static const struct bus_dev_ops fw_rom_ops = {
	.name = "bios-rom",
	.access = fw_rom_access,
};

static void fw_free(struct vm *vm, void *opaque)
{
	struct firmware *fw = opaque;

	if (fw->rom)
		munmap(fw->rom, fw->rom_map);
	pthread_mutex_destroy(&fw->lock);
	free(fw);
	vm->fw = NULL;
}

static int fw_load_image(struct firmware *fw, const char *path, char *err,
			 size_t err_len)
{
	struct loader_image img;
	uint64_t size;
	int ret;

	ret = loader_map_file(path, &img, err, err_len);
	if (ret)
		return ret;
	size = img.size;
	if (size < FW_ISA_BIOS_SIZE || size > FW_ROM_MAX ||
	    size % 0x10000ull) {
		snprintf(err, err_len,
			 "%s: a BIOS image is 128 KiB to 16 MiB, in 64 KiB units (this one has %llu bytes)",
			 path, (unsigned long long)size);
		ret = -EINVAL;
		goto out;
	}
	fw->rom_map = (size + PAGE_SIZE_4K - 1) & ~(PAGE_SIZE_4K - 1);
	fw->rom = mmap(NULL, fw->rom_map, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fw->rom == MAP_FAILED) {
		fw->rom = NULL;
		ret = -ENOMEM;
		snprintf(err, err_len, "%s: out of memory", path);
		goto out;
	}
	memcpy(fw->rom, img.data, size);
	/* Nobody writes the image again, the VMM included. */
	mprotect(fw->rom, fw->rom_map, PROT_READ);
	fw->rom_size = size;
out:
	loader_unmap_file(&img);
	return ret;
}

static int fw_map_ram(struct firmware *fw, char *err, size_t err_len)
{
	struct vm *vm = fw->vm;
	const struct boot_ram_region *low = &vm->mem.ram.region[0];
	int ret;

	if (low->gpa != 0 || low->size <= FW_PAM_END) {
		snprintf(err, err_len,
			 "--firmware needs more than 1 MiB of RAM below 4 GiB");
		return -EINVAL;
	}
	ret = fw_slot(fw, 0, 0, FW_VGA_START, low->host, false);
	if (!ret)
		ret = fw_slot(fw, FW_SLOT_LOW_HIGH, FW_PAM_END,
			      low->size - FW_PAM_END,
			      (uint8_t *)low->host + FW_PAM_END, false);
	if (ret)
		snprintf(err, err_len, "cannot map guest RAM: %s",
			 strerror(-ret));
	return ret;
}

unsigned int firmware_ram_slots(struct firmware *fw, struct hv_memslot *out,
				unsigned int max)
{
	const struct boot_ram *ram = &fw->vm->mem.ram;
	const struct boot_ram_region *low = &ram->region[0];
	unsigned int i, n = 0;

	memslot_append(out, &n, max, HV_AS_NORMAL, 0, 0, FW_VGA_START,
		       low->host);
	memslot_append(out, &n, max, HV_AS_NORMAL, FW_SLOT_LOW_HIGH,
		       FW_PAM_END, low->size - FW_PAM_END,
		       (uint8_t *)low->host + FW_PAM_END);
	for (i = 1; i < ram->nr; i++)
		memslot_append(out, &n, max, HV_AS_NORMAL, i,
			       ram->region[i].gpa, ram->region[i].size,
			       ram->region[i].host);
	return n;
}

int firmware_init(struct vm *vm, char *err, size_t err_len)
{
	struct firmware *fw;
	unsigned int seg;
	uint64_t rom_gpa;
	int ret;

	if (hv_check_cap(vm->hv, HV_CAP_READONLY_MEM) <= 0) {
		snprintf(err, err_len,
			 "--firmware: %s has no read-only memory (for the BIOS ROM)",
			 hv_backend_desc(vm->hv));
		return -EOPNOTSUPP;
	}
	fw = calloc(1, sizeof(*fw));
	if (!fw)
		return -ENOMEM;
	fw->vm = vm;
	pthread_mutex_init(&fw->lock, NULL);
	ret = vm_add_cleanup(vm, fw_free, fw);
	if (ret) {
		pthread_mutex_destroy(&fw->lock);
		free(fw);
		return ret;
	}
	vm->fw = fw;
	ret = fw_load_image(fw, vm->cfg.firmware, err, err_len);
	if (ret)
		return ret;
	ret = fw_map_ram(fw, err, err_len);
	if (ret)
		return ret;
	rom_gpa = SZ_4G - fw->rom_size;
	ret = fw_slot(fw, FW_SLOT_ROM, rom_gpa, fw->rom_map, fw->rom, true);
	if (!ret)
		ret = bus_register(&vm->bus, BUS_MMIO, rom_gpa, fw->rom_size,
				   &fw_rom_ops, fw);
	if (ret) {
		snprintf(err, err_len, "cannot map the BIOS at 0x%llx: %s",
			 (unsigned long long)rom_gpa, strerror(-ret));
		return ret;
	}
	for (seg = 0; seg < FW_PAM_SEGS; seg++) {
		ret = fw_pam_map(fw, seg, 0);
		if (ret) {
			snprintf(err, err_len, "cannot map 0x%llx: %s",
				 (unsigned long long)firmware_pam_base(seg),
				 strerror(-ret));
			return ret;
		}
	}
	return bus_register(&vm->bus, BUS_MMIO, FW_PAM_START,
			    FW_PAM_END - FW_PAM_START, &fw_pam_ops, fw);
}
