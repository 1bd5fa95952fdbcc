// SPDX-License-Identifier: GPL-2.0
/*
 * pvh.c - load synthetic ELF64 and ELF32 PVH kernels and check the plan:
 * segments at their physical addresses (bss cleared), hvm_start_info v1
 * with command line, RSDP, memory map and the initrd module, and the
 * 32-bit flat protected-mode entry state with EBX = start info.
 */
#include "boottest.h"

#define RAM_SIZE	(64ull << 20)
#define CMDLINE		"console=ttyS0 root=/dev/vda"
#define INITRD_SIZE	(1ull << 20)

static void check_one(bool is64)
{
	struct hvm_start_info *si;
	struct hvm_memmap_table_entry *mm;
	struct hvm_modlist_entry *mod;
	struct test_guest g;
	struct boot_plan plan;
	struct boot_args args;
	uint8_t *img, *seg, *initrd;
	uint64_t size, i, *gdt;
	char err[256];
	int ret;

	printf("--- ELF%d\n", is64 ? 64 : 32);
	img = test_fake_pvh(is64, &size);
	if (test_guest_init(&g, RAM_SIZE))
		exit(1);
	initrd = malloc(INITRD_SIZE);
	memset(initrd, 0x5a, INITRD_SIZE);
	/* Dirty the bss area: the loader must clear it. */
	memset(test_gpa(&g, FAKE_PVH_PADDR, FAKE_PVH_MEMSZ), 0xaa,
	       FAKE_PVH_MEMSZ);

	EXPECT(pvh_probe(img, size) == 1, "probe");
	EXPECT(bzimage_probe(img, size) == 0, "not a bzImage");
	args = test_args(&g);
	args.cmdline = CMDLINE;
	args.initrd = initrd;
	args.initrd_size = INITRD_SIZE;
	args.rsdp_gpa = 0xe0000;
	ret = pvh_load(img, size, &args, &plan, err, sizeof(err));
	EXPECT(ret == 0, "load: %s", err);
	if (ret)
		goto out;

	seg = test_gpa(&g, FAKE_PVH_PADDR, FAKE_PVH_MEMSZ);
	EXPECT(!memcmp(seg, img + FAKE_PVH_SEGOFF, FAKE_PVH_FILESZ),
	      "segment copied to p_paddr");
	for (i = FAKE_PVH_FILESZ; i < FAKE_PVH_MEMSZ; i++)
		if (seg[i])
			break;
	EXPECT(i == FAKE_PVH_MEMSZ, "bss cleared");
	EXPECT(plan.kernel_gpa == FAKE_PVH_PADDR &&
	      plan.kernel_end == FAKE_PVH_PADDR + FAKE_PVH_MEMSZ, "extent");

	EXPECT(plan.cpu.mode == BOOT_CPU_PROT32, "protected mode");
	EXPECT(plan.cpu.rip == FAKE_PVH_ENTRY, "entry from the Xen note");
	EXPECT(plan.cpu.rbx == BOOT_START_INFO_GPA, "EBX = start info");
	EXPECT(plan.cpu.cr0 & 1 && !(plan.cpu.cr0 & 0x80000000) &&
	      !plan.cpu.efer && !plan.cpu.cr4, "PE on, paging off");
	EXPECT(plan.cpu.rflags == 0x2, "IF clear");
	EXPECT(plan.cpu.cs.db == 1 && plan.cpu.cs.l == 0 &&
	      plan.cpu.cs.limit == 0xffffffff && plan.cpu.cs.base == 0 &&
	      (plan.cpu.cs.type & 0x8), "CS 32-bit flat code");
	EXPECT(plan.cpu.ds.db == 1 && !(plan.cpu.ds.type & 0x8) &&
	      (plan.cpu.ds.type & 0x2), "DS flat read/write data");
	EXPECT(plan.cpu.tr.base == 0 && plan.cpu.tr.limit == 0x67 &&
	      plan.cpu.tr.type == 0xb, "TR busy 32-bit TSS at 0, limit 0x67");
	gdt = test_gpa(&g, plan.cpu.gdt_base, 8ull * 6);
	EXPECT(gdt && gdt[2] == 0x00cf9b000000ffffull, "32-bit code descriptor");

	si = test_gpa(&g, plan.info_gpa, sizeof(*si));
	EXPECT(si->magic == PVH_START_MAGIC && si->version == 1, "magic/version");
	EXPECT(si->rsdp_paddr == 0xe0000, "rsdp_paddr");
	EXPECT(!strcmp(test_gpa(&g, si->cmdline_paddr, sizeof(CMDLINE)), CMDLINE),
	      "cmdline");
	EXPECT(si->memmap_entries == g.e820.nr, "memmap entries %u",
	      si->memmap_entries);
	mm = test_gpa(&g, si->memmap_paddr, si->memmap_entries * sizeof(*mm));
	for (i = 0; mm && i < si->memmap_entries; i++)
		EXPECT(mm[i].addr == g.e820.entry[i].addr &&
		      mm[i].size == g.e820.entry[i].size &&
		      mm[i].type == g.e820.entry[i].type && !mm[i].reserved,
		      "memmap entry %llu", (unsigned long long)i);
	EXPECT(si->nr_modules == 1, "one module");
	mod = test_gpa(&g, si->modlist_paddr, sizeof(*mod));
	EXPECT(mod && mod->size == INITRD_SIZE && mod->paddr == plan.initrd_gpa &&
	      !mod->cmdline_paddr, "module entry");
	EXPECT(plan.initrd_gpa % 4096 == 0 && plan.initrd_gpa >= plan.kernel_end &&
	      plan.initrd_gpa + INITRD_SIZE == RAM_SIZE, "initrd high: 0x%llx",
	      (unsigned long long)plan.initrd_gpa);
	EXPECT(!memcmp(test_gpa(&g, plan.initrd_gpa, INITRD_SIZE), initrd,
		      INITRD_SIZE), "initrd copied");

	/* Without initrd and RSDP: no module, rsdp 0. */
	args.initrd = NULL;
	args.initrd_size = 0;
	args.rsdp_gpa = 0;
	args.cmdline = NULL;
	ret = pvh_load(img, size, &args, &plan, err, sizeof(err));
	EXPECT(ret == 0 && si->nr_modules == 0 && !si->modlist_paddr &&
	      !si->rsdp_paddr && plan.cmdline_len == 0, "bare load: %s", err);
out:
	free(initrd);
	free(img);
	test_guest_free(&g);
}

int main(void)
{
	check_one(true);
	check_one(false);
	return test_result("pvh");
}
