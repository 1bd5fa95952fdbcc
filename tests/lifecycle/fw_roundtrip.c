// SPDX-License-Identifier: GPL-2.0
/*
 * fw_roundtrip.c - the firmware machine's chipset survives save -> load
 * into a fresh VM -> save, and a system reset brings it back to power-on.
 *
 * The VM runs the test BIOS of tests/firmware/chipset.S (which leaves the
 * SMRAM control register locked, the i8042 self-tested, the APM status
 * byte set), then the host opens two PAM segments.  Every component is
 * saved (image 1) and loaded into a second VM, which must then have the
 * same memory map (PAM) and the same SMRAM lock, and save the same bytes
 * for the chipset's sections (i440fx, piix, i8042, fw_cfg, pci).  A
 * system reset must bring those sections back to a fresh VM's and the
 * memory map to its reset state.  Truncated or extended chipset sections
 * must fail to load with the component named.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/compiler.h"
#include "vmm/component.h"
#include "vmm/devsvc_vm.h"
#include "vmm/vm.h"
#include "../check.h"

#define ROM_SIZE	0x20000
#define ROM_FLAG_SMM	0x10
#define SMRAM_REG	0x72
#define PAM_REG		0x59

static const char *const chipset_sections[] = {
	"i440fx", "piix", "i8042", "fw_cfg", "pci",
};

static struct vm_config cfg;
static char rom[] = "/tmp/cvisor-fw-roundtrip-XXXXXX";

/* The test BIOS, told whether the backend has SMM (as its runner does). */
static void rt_config(void)
{
	const char *accel = getenv("CVISOR_ACCEL");
	const char *build = getenv("BUILD");
	static uint8_t image[ROM_SIZE];
	char path[512], why[256];
	struct hv *hv;
	FILE *f;
	int fd;

	cfg.accel = HV_ACCEL_AUTO;
	if (accel && !strcmp(accel, "kvm"))
		cfg.accel = HV_ACCEL_KVM;
	else if (accel && !strcmp(accel, "emu"))
		cfg.accel = HV_ACCEL_EMU;
	if (hv_open(cfg.accel, &hv, why, sizeof(why))) {
		if (cfg.accel == HV_ACCEL_KVM)
			check_skip("kvm backend: %s", why);
		CHECK(0, "backend: %s", why);
	}
	snprintf(path, sizeof(path), "%s/tests/firmware/chipset.rom",
		 build ? build : "build");
	f = fopen(path, "rb");
	CHECK(f, "%s: %s", path, strerror(errno));
	CHECK_EQ(fread(image, 1, ROM_SIZE, f), ROM_SIZE);
	fclose(f);
	image[ROM_FLAG_SMM] = hv_check_cap(hv, HV_CAP_X86_SMM) > 0;
	hv_close(hv);
	fd = mkstemp(rom);
	CHECK(fd >= 0, "mkstemp: %s", strerror(errno));
	CHECK_EQ(write(fd, image, ROM_SIZE), ROM_SIZE);
	close(fd);
	cfg.nr_cpus = 1;
	cfg.ram_size = 64ull << 20;
	cfg.firmware = rom;
	cfg.testdev = true;
	cfg.debugcon = "/dev/null";	/* chipset.S reads the port back */
}

static struct vm *rt_create(void)
{
	char err[VM_MSG_LEN];
	struct vm *vm;
	int ret;

	ret = vm_create(&cfg, &vm, err, sizeof(err));
	CHECK(!ret, "vm_create: %s", err);
	return vm;
}

static const struct comp_section *find(const struct comp_image *img,
				       const char *name)
{
	const struct comp_section *s = comp_image_find(img, name);

	CHECK(s, "no \"%s\" section", name);
	return s;
}

static bool same(const struct comp_section *a, const struct comp_section *b)
{
	return a->len == b->len && !memcmp(a->data, b->data, a->len);
}

static void save(struct vm *vm, struct comp_image *img)
{
	char err[256];

	comp_image_init(img);
	CHECK(!vm_components_save(vm, comp_image_put, img, err, sizeof(err)),
	      "save: %s", err);
}

static void load_bad(const struct comp_image *img, const char *name,
		     size_t len)
{
	const struct comp_section *s = find(img, name);
	struct comp_image bad;
	uint8_t *data = calloc(1, len + 1);
	char err[256] = "";
	unsigned int k;
	struct vm *vm;

	CHECK(data);
	memcpy(data, s->data, len < s->len ? len : s->len);
	comp_image_init(&bad);
	for (k = 0; k < img->nr; k++) {
		const struct comp_section *x = &img->sec[k];

		CHECK_OK(comp_image_put(&bad, x->name, x->version,
					x == s ? data : x->data,
					x == s ? len : x->len));
	}
	vm = rt_create();
	EXPECT(vm_components_load(vm, comp_image_get, &bad, err,
				  sizeof(err)) < 0,
	       "%s: %zu bytes instead of %zu loaded", name, len, s->len);
	EXPECT(strstr(err, name), "%s: message does not name it: %s", name,
	       err);
	vm_destroy(vm);
	comp_image_release(&bad);
	free(data);
}

int main(void)
{
	struct comp_image img0, img1, img2, img3;
	char err[VM_MSG_LEN];
	unsigned int i;
	struct vm *vm;
	int status;

	rt_config();

	/* 0. A fresh VM's state. */
	vm = rt_create();
	save(vm, &img0);
	vm_destroy(vm);

	/* 1. Run the test BIOS, open PAM1 and PAM6 from the host, save. */
	vm = rt_create();
	status = vm_run(vm, err, sizeof(err));
	CHECK_EQ(status, 1);	/* every check of chipset.S held */
	pci_cfg_write(devsvc_vm_pci(vm), 0, PAM_REG + 1, 1, 0x33);
	pci_cfg_write(devsvc_vm_pci(vm), 0, PAM_REG + 6, 1, 0x11);
	CHECK_EQ(vm->fw->pam[1], 3);
	CHECK_EQ(vm->fw->pam[12], 1);
	save(vm, &img1);
	vm_destroy(vm);
	for (i = 0; i < ARRAY_SIZE(chipset_sections); i++)
		find(&img1, chipset_sections[i]);
	EXPECT(!same(find(&img0, "i440fx"), find(&img1, "i440fx")),
	       "i440fx: left in its reset state");
	EXPECT(!same(find(&img0, "piix"), find(&img1, "piix")),
	       "piix: left in its reset state");
	EXPECT(!same(find(&img0, "i8042"), find(&img1, "i8042")),
	       "i8042: left in its reset state");

	/* 2. Load into a fresh VM: same map, same lock, same bytes. */
	vm = rt_create();
	CHECK(!vm_components_load(vm, comp_image_get, &img1, err, sizeof(err)),
	      "load: %s", err);
	EXPECT(vm->fw->pam[1] == 3 && vm->fw->pam[2] == 3 &&
	       vm->fw->pam[11] == 1 && vm->fw->pam[12] == 1 &&
	       vm->fw->pam[0] == 0,
	       "PAM segments not remapped by the load");
	pci_cfg_write(devsvc_vm_pci(vm), 0, SMRAM_REG, 1, 0x4a);
	EXPECT(pci_cfg_read(devsvc_vm_pci(vm), 0, SMRAM_REG, 1) == 0x1a,
	       "SMRAM control 0x%x after a write to the locked register",
	       pci_cfg_read(devsvc_vm_pci(vm), 0, SMRAM_REG, 1));
	save(vm, &img2);
	for (i = 0; i < ARRAY_SIZE(chipset_sections); i++)
		EXPECT(same(find(&img1, chipset_sections[i]),
			    find(&img2, chipset_sections[i])),
		       "%s: differs after the round trip", chipset_sections[i]);

	/* 3. System reset: power-on state and the reset memory map. */
	vm_components_reset(vm);
	CHECK(!vm_stopping(vm), "reset failed: %s", vm->fail_msg);
	save(vm, &img3);
	for (i = 0; i < 13; i++)
		EXPECT(vm->fw->pam[i] == 0, "PAM segment %u: %u after reset", i,
		       vm->fw->pam[i]);
	vm_destroy(vm);
	for (i = 0; i < ARRAY_SIZE(chipset_sections); i++)
		EXPECT(same(find(&img0, chipset_sections[i]),
			    find(&img3, chipset_sections[i])),
		       "%s: not back to power-on after a reset",
		       chipset_sections[i]);

	/* 4. Malformed chipset sections fail cleanly, named. */
	for (i = 0; i < 3; i++) {
		const struct comp_section *s = find(&img1, chipset_sections[i]);

		load_bad(&img1, s->name, s->len - 1);
		load_bad(&img1, s->name, s->len + 1);
	}
	printf("chipset round trip %s\n", check_failures ? "FAILED" : "identical");
	comp_image_release(&img0);
	comp_image_release(&img1);
	comp_image_release(&img2);
	comp_image_release(&img3);
	unlink(rom);
	return check_status();
}
