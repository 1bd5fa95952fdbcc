// SPDX-License-Identifier: GPL-2.0
/*
 * bzimage_debian.c - load the installed Debian cloud kernel (a real
 * bzImage) into a fake 256 MiB guest and check the whole load plan:
 * header parse, load address, zero page, command line, initrd placement,
 * e820, GDT, identity page tables and the 64-bit entry state.
 */
#include "boottest.h"

#define RAM_SIZE	(256ull << 20)
#define INITRD_SIZE	(1ull << 20)
#define CMDLINE		"console=ttyS0 earlyprintk=serial panic=-1 rdinit=/init"

static void check_paging(struct test_guest *g, const struct boot_plan *p)
{
	static const uint64_t va[] = { 0, 0x7000, 0x1000200, 0x0fffffff,
				       0xbfffffff, 0xfee00000, 0xffffffff };
	uint64_t pa;
	unsigned int i;

	for (i = 0; i < sizeof(va) / sizeof(va[0]); i++) {
		EXPECT(test_walk(g, p->cpu.cr3, va[i], &pa) == 0 && pa == va[i],
		      "identity map of 0x%llx", (unsigned long long)va[i]);
	}
	EXPECT(test_walk(g, p->cpu.cr3, p->cpu.rip, &pa) == 0 &&
	      pa == p->cpu.rip, "entry point mapped");
}

static void check_gdt(struct test_guest *g, const struct boot_plan *p)
{
	uint64_t *gdt = test_gpa(g, p->cpu.gdt_base, p->cpu.gdt_limit + 1ull);

	EXPECT(gdt != NULL, "GDT in RAM");
	if (!gdt)
		return;
	EXPECT(p->cpu.cs.selector == 0x10 && p->cpu.ds.selector == 0x18,
	      "__BOOT_CS/__BOOT_DS selectors");
	/* 64-bit code: L set, D clear, present, execute/read. */
	EXPECT(gdt[2] == 0x00af9b000000ffffull, "code descriptor %llx",
	      (unsigned long long)gdt[2]);
	EXPECT(gdt[3] == 0x00cf93000000ffffull, "data descriptor %llx",
	      (unsigned long long)gdt[3]);
	EXPECT(p->cpu.cs.l == 1 && p->cpu.cs.db == 0 && p->cpu.cs.g == 1 &&
	      p->cpu.cs.limit == 0xffffffff && p->cpu.ds.db == 1,
	      "segment state flat");
}

int main(void)
{
	char path[256], err[256];
	struct test_guest g;
	struct bzimage_info bi;
	struct boot_plan plan;
	struct boot_args args;
	struct boot_params *bp;
	uint8_t *img, *initrd, *k;
	uint64_t size, limit, i, ram;
	const char *s;
	int ret;

	if (!test_find_debian_kernel(path, sizeof(path))) {
		printf("no Debian cloud kernel in /boot (install linux-image-cloud-amd64)\n");
		return CHECK_SKIP_STATUS;
	}
	img = test_read_file(path, &size);
	if (!img) {
		printf("FAIL: cannot read %s: %s\n", path, strerror(errno));
		return 1;
	}
	printf("kernel: %s (%llu bytes)\n", path, (unsigned long long)size);

	EXPECT(bzimage_probe(img, size) == 1, "probe");
	EXPECT(pvh_probe(img, size) == 0, "not an ELF");
	ret = bzimage_parse(img, size, &bi, err, sizeof(err));
	EXPECT(ret == 0, "parse: %s", err);
	printf("protocol %u.%02u, setup %llu bytes, kernel %llu bytes, init_size 0x%x, pref_address 0x%llx, alignment 0x%x, relocatable %u, xloadflags 0x%x, cmdline_size %u, initrd_addr_max 0x%x\n",
	       bi.version >> 8, bi.version & 0xff,
	       (unsigned long long)bi.setup_size,
	       (unsigned long long)bi.kernel_size, bi.init_size,
	       (unsigned long long)bi.pref_address, bi.kernel_alignment,
	       bi.relocatable, bi.xloadflags, bi.cmdline_size,
	       bi.initrd_addr_max);
	EXPECT(bi.version >= 0x020c, "a 64-bit-entry era protocol");
	EXPECT(bi.entry64, "XLF_KERNEL_64");
	EXPECT(bi.relocatable, "relocatable");
	EXPECT(bi.kernel_alignment >= 0x200000 &&
	      !(bi.kernel_alignment & (bi.kernel_alignment - 1)), "alignment");
	EXPECT(bi.cmdline_size >= 255, "cmdline_size");

	if (test_guest_init(&g, RAM_SIZE))
		return 1;
	initrd = malloc(INITRD_SIZE);
	for (i = 0; i < INITRD_SIZE; i++)
		initrd[i] = (uint8_t)(i ^ (i >> 8));
	args = test_args(&g);
	args.cmdline = CMDLINE;
	args.initrd = initrd;
	args.initrd_size = INITRD_SIZE;
	args.rsdp_gpa = 0xe0000;
	ret = bzimage_load(img, size, &args, &plan, err, sizeof(err));
	EXPECT(ret == 0, "load: %s", err);
	if (ret)
		return test_result("bzimage_debian");

	printf("kernel at 0x%llx..0x%llx, entry 0x%llx, initrd 0x%llx+0x%llx\n",
	       (unsigned long long)plan.kernel_gpa,
	       (unsigned long long)plan.kernel_end,
	       (unsigned long long)plan.cpu.rip,
	       (unsigned long long)plan.initrd_gpa,
	       (unsigned long long)plan.initrd_size);
	EXPECT(plan.protocol == bi.version, "protocol in plan");
	EXPECT(plan.kernel_gpa == bi.pref_address, "loaded at pref_address");
	EXPECT(plan.kernel_gpa % bi.kernel_alignment == 0, "aligned");
	EXPECT(plan.kernel_end == plan.kernel_gpa + bi.init_size, "init_size");
	k = test_gpa(&g, plan.kernel_gpa, bi.kernel_size);
	EXPECT(k && !memcmp(k, img + bi.setup_size, bi.kernel_size),
	      "protected-mode kernel copied");

	/* Entry state of the 64-bit boot protocol. */
	EXPECT(plan.cpu.mode == BOOT_CPU_LONG64, "long mode");
	EXPECT(plan.cpu.rip == plan.kernel_gpa + 0x200, "64-bit entry");
	EXPECT(plan.cpu.rsi == BOOT_ZERO_PAGE_GPA && plan.info_gpa == plan.cpu.rsi,
	      "RSI = boot_params");
	EXPECT(plan.cpu.rflags == 0x2, "interrupts off");
	EXPECT((plan.cpu.cr0 & 0x80000001) == 0x80000001 &&
	      (plan.cpu.cr4 & 0x20) && (plan.cpu.efer & 0x500) == 0x500,
	      "PE, PG, PAE, LME, LMA");
	check_paging(&g, &plan);
	check_gdt(&g, &plan);

	/* The zero page. */
	bp = test_gpa(&g, BOOT_ZERO_PAGE_GPA, sizeof(*bp));
	EXPECT(bp->hdr.header == BZ_HDRS_MAGIC, "header copied");
	EXPECT(bp->hdr.version == bi.version && bp->hdr.syssize ==
	      ((struct bz_setup_header *)(img + BZ_SETUP_HDR_OFF))->syssize &&
	      bp->hdr.init_size == bi.init_size &&
	      bp->hdr.pref_address == bi.pref_address &&
	      bp->hdr.kernel_alignment == bi.kernel_alignment,
	      "setup header fields from the image");
	EXPECT(bp->hdr.type_of_loader == 0xff, "type_of_loader");
	EXPECT(bp->hdr.vid_mode == 0xffff, "vid_mode normal");
	EXPECT(bp->hdr.code32_start == plan.kernel_gpa, "code32_start");
	EXPECT(bp->acpi_rsdp_addr == 0xe0000, "acpi_rsdp_addr");
	EXPECT(bp->hdr.cmd_line_ptr == plan.cmdline_gpa &&
	      bp->ext_cmd_line_ptr == 0, "cmd_line_ptr");
	s = test_gpa(&g, plan.cmdline_gpa, sizeof(CMDLINE));
	EXPECT(s && !strcmp(s, CMDLINE), "command line in guest memory");
	EXPECT(plan.cmdline_len == strlen(CMDLINE), "cmdline length");
	EXPECT(bp->e820_entries == g.e820.nr, "e820 entries %u",
	      bp->e820_entries);
	for (i = 0; i < g.e820.nr; i++)
		EXPECT(bp->e820_table[i].addr == g.e820.entry[i].addr &&
		      bp->e820_table[i].size == g.e820.entry[i].size &&
		      bp->e820_table[i].type == g.e820.entry[i].type,
		      "e820 entry %llu", (unsigned long long)i);

	/* initrd: page aligned, as high as allowed, clear of the kernel. */
	limit = (uint64_t)bi.initrd_addr_max + 1;
	if (limit > RAM_SIZE)
		limit = RAM_SIZE;
	EXPECT(bp->hdr.ramdisk_image == plan.initrd_gpa &&
	      bp->hdr.ramdisk_size == INITRD_SIZE && !bp->ext_ramdisk_image,
	      "ramdisk fields");
	EXPECT(plan.initrd_gpa % 4096 == 0, "initrd page aligned");
	EXPECT(plan.initrd_gpa + INITRD_SIZE <= limit, "initrd below limit");
	EXPECT(plan.initrd_gpa == ((limit - INITRD_SIZE) & ~0xfffull),
	      "initrd as high as possible");
	EXPECT(plan.initrd_gpa >= plan.kernel_end ||
	      plan.initrd_gpa + INITRD_SIZE <= plan.kernel_gpa,
	      "initrd clear of init_size");
	k = test_gpa(&g, plan.initrd_gpa, INITRD_SIZE);
	EXPECT(k && !memcmp(k, initrd, INITRD_SIZE), "initrd copied");
	test_guest_free(&g);

	/*
	 * A guest just too small for pref_address + init_size: the
	 * relocatable kernel moves down to the first aligned address.
	 */
	ram = ((0x100000ull + bi.kernel_alignment - 1) & ~(uint64_t)(bi.kernel_alignment - 1)) +
	      bi.init_size + 0x200000;
	ram = (ram + 0xfffff) & ~0xfffffull;
	if (bi.pref_address + bi.init_size > ram && !test_guest_init(&g, ram)) {
		args = test_args(&g);
		ret = bzimage_load(img, size, &args, &plan, err, sizeof(err));
		EXPECT(ret == 0 && plan.kernel_gpa ==
		      ((0x100000ull + bi.kernel_alignment - 1) &
		       ~(uint64_t)(bi.kernel_alignment - 1)),
		      "relocated load in %llu MiB: ret %d (%s) at 0x%llx",
		      (unsigned long long)(ram >> 20), ret, err,
		      (unsigned long long)plan.kernel_gpa);
		printf("in %llu MiB of RAM: kernel relocated to 0x%llx\n",
		       (unsigned long long)(ram >> 20),
		       (unsigned long long)plan.kernel_gpa);
		/* No room for a 3 MiB initrd next to the kernel: clear error. */
		initrd = realloc(initrd, 0x300000);
		args.initrd = initrd;
		args.initrd_size = 0x300000;
		ret = bzimage_load(img, size, &args, &plan, err, sizeof(err));
		EXPECT_LOAD_ERR(ret, -E2BIG, err, "initrd of");
		test_guest_free(&g);
	}

	/* Kernel cmdline_size is enforced. */
	if (!test_guest_init(&g, RAM_SIZE)) {
		char *longline = malloc(bi.cmdline_size + 2);

		memset(longline, 'x', bi.cmdline_size + 1);
		longline[bi.cmdline_size + 1] = '\0';
		args = test_args(&g);
		args.cmdline = longline;
		ret = bzimage_load(img, size, &args, &plan, err, sizeof(err));
		EXPECT_LOAD_ERR(ret, -E2BIG, err, "command line longer");
		longline[bi.cmdline_size] = '\0';
		ret = bzimage_load(img, size, &args, &plan, err, sizeof(err));
		EXPECT(ret == 0, "cmdline of exactly cmdline_size: %s", err);
		free(longline);
		test_guest_free(&g);
	}
	free(initrd);
	free(img);
	return test_result("bzimage_debian");
}
