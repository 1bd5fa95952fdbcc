// SPDX-License-Identifier: GPL-2.0
/*
 * bad_images.c - images that are not what they claim: each must fail
 * with one clear message and no write outside guest RAM.  Synthetic
 * images, so this runs without the Debian kernel.
 */
#include "boottest.h"

#define RAM_SIZE	(64ull << 20)
#define PAYLOAD		0x10000ull

static struct bz_setup_header *hdr(uint8_t *img)
{
	return (struct bz_setup_header *)(img + BZ_SETUP_HDR_OFF);
}

static int bz_try(struct test_guest *g, const uint8_t *img, uint64_t size,
		  char *err)
{
	struct boot_args args = test_args(g);
	struct boot_plan plan;

	err[0] = '\0';
	return bzimage_load(img, size, &args, &plan, err, 256);
}

static void bad_bzimages(void)
{
	struct test_guest g, small;
	struct boot_args args;
	struct boot_plan plan;
	uint8_t *base, *img;
	uint64_t size;
	char err[256];
	int ret;

	if (test_guest_init(&g, RAM_SIZE) || test_guest_init(&small, 4 << 20))
		exit(1);
	base = test_fake_bzimage(PAYLOAD, &size);
	img = malloc(size);

	ret = bz_try(&g, base, size, err);
	EXPECT(ret == 0, "the synthetic image loads: %s", err);

#define FRESH() memcpy(img, base, size)
	FRESH();
	ret = bz_try(&g, img, 600, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "truncated file");
	ret = bz_try(&g, img, FAKE_BZ_SETUP, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "no kernel after them");
	ret = bz_try(&g, img, size - 16, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "truncated file: header says");
	FRESH();
	hdr(img)->syssize = 0xffffffff;		/* * 16 must not wrap */
	ret = bz_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "truncated file: header says");
	FRESH();
	memcpy(img + 0x202, "HdrZ", 4);
	ret = bz_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "setup header magic missing");
	EXPECT(!bzimage_probe(img, size), "probe without magic");
	FRESH();
	hdr(img)->boot_flag = 0;
	ret = bz_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "0xAA55");
	FRESH();
	hdr(img)->version = 0x0203;
	ret = bz_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "boot protocol 2.03 too old (need 2.10)");
	FRESH();
	hdr(img)->loadflags = 0;
	ret = bz_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "zImage");
	FRESH();
	hdr(img)->setup_sects = 200;		/* setup past the end */
	ret = bz_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "truncated file");
	FRESH();
	img[0x201] = 0x10;			/* header ends at 0x212 */
	ret = bz_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "setup header ends at 0x212");
	FRESH();
	hdr(img)->kernel_alignment = 0x3000;
	ret = bz_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "not a power of two");
	FRESH();
	hdr(img)->init_size = 0x100;
	ret = bz_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "init_size 0x100 is smaller");
	FRESH();
	hdr(img)->relocatable_kernel = 0;
	hdr(img)->pref_address = 0xfffff000;
	hdr(img)->init_size = 0xffffffff;	/* pref + init_size wraps 4 GiB */
	ret = bz_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "outside 1 MiB..4 GiB");
	FRESH();
	hdr(img)->relocatable_kernel = 0;
	hdr(img)->pref_address = 0x8000000;	/* 128 MiB in a 64 MiB guest */
	ret = bz_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -E2BIG, err, "not guest RAM");
	FRESH();
	hdr(img)->init_size = 0xfff00000;	/* relocatable, but no room */
	ret = bz_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -E2BIG, err, "guest RAM has no such range");
	FRESH();
	ret = bz_try(&small, img, size, err);	/* 4 MiB: no room for 4 MiB */
	EXPECT_LOAD_ERR(ret, -E2BIG, err, "guest RAM has no such range");

	/* Inputs other than the image. */
	FRESH();
	args = test_args(&g);
	args.initrd = base;
	args.initrd_size = 0x7fffffff;	/* 2 GiB in a 64 MiB guest */
	ret = bzimage_load(img, size, &args, &plan, err, sizeof(err));
	EXPECT_LOAD_ERR(ret, -E2BIG, err, "initrd of 2147483647 bytes");
	args = test_args(&g);
	hdr(img)->cmdline_size = 4;
	args.cmdline = "console=ttyS0";
	ret = bzimage_load(img, size, &args, &plan, err, sizeof(err));
	EXPECT_LOAD_ERR(ret, -E2BIG, err, "command line longer than the 4 bytes");

	/* The 32-bit entry when the kernel has no XLF_KERNEL_64. */
	FRESH();
	hdr(img)->xloadflags = 0;
	ret = bz_try(&g, img, size, err);
	EXPECT(ret == 0, "32-bit bzImage: %s", err);
	args = test_args(&g);
	ret = bzimage_load(img, size, &args, &plan, err, sizeof(err));
	EXPECT(ret == 0 && plan.cpu.mode == BOOT_CPU_PROT32 &&
	      plan.cpu.rip == plan.kernel_gpa && plan.cpu.cs.db == 1 &&
	      plan.cpu.rsi == BOOT_ZERO_PAGE_GPA, "32-bit entry state");

	free(img);
	free(base);
	test_guest_free(&g);
	test_guest_free(&small);
}

static int pvh_try(struct test_guest *g, const uint8_t *img, uint64_t size,
		   char *err)
{
	struct boot_args args = test_args(g);
	struct boot_plan plan;

	err[0] = '\0';
	return pvh_load(img, size, &args, &plan, err, 256);
}

static Elf64_Phdr *ph64(uint8_t *img, unsigned int i)
{
	return (Elf64_Phdr *)(img + sizeof(Elf64_Ehdr)) + i;
}

static void bad_pvh(void)
{
	struct test_guest g;
	uint8_t *base, *img, *guard;
	uint64_t size;
	struct fake_note *note;
	char err[256];
	int ret;

	if (test_guest_init(&g, RAM_SIZE))
		exit(1);
	base = test_fake_pvh(true, &size);
	img = malloc(size);
	ret = pvh_try(&g, base, size, err);
	EXPECT(ret == 0, "the synthetic image loads: %s", err);

	FRESH();
	img[0] = 0;
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "not an ELF file");
	FRESH();
	ret = pvh_try(&g, img, 40, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "truncated ELF file (40 bytes)");
	FRESH();
	img[EI_DATA] = ELFDATA2MSB;
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "little-endian");
	FRESH();
	((Elf64_Ehdr *)img)->e_machine = EM_AARCH64;
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "not x86");
	FRESH();
	((Elf64_Ehdr *)img)->e_phoff = size - 8;
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "program headers at");
	FRESH();
	((Elf64_Ehdr *)img)->e_phentsize = 20;
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "no usable program headers");
	FRESH();
	ph64(img, 1)->p_type = PT_NULL;		/* no note segment */
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "no Xen PVH entry note");
	EXPECT(!pvh_probe(img, size), "probe without the note");
	FRESH();
	note = (struct fake_note *)(img + 0x800);
	note->type = 17;			/* another Xen note */
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "no Xen PVH entry note");
	FRESH();
	note = (struct fake_note *)(img + 0x800);
	note->namesz = 0xfffffffc;		/* name past the segment */
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "truncated ELF note");
	FRESH();
	note = (struct fake_note *)(img + 0x800);
	note->descsz = 2;
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "holds 2 bytes");
	FRESH();
	ph64(img, 1)->p_filesz = UINT64_MAX;	/* note segment wraps */
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "note segment at");
	FRESH();
	ph64(img, 0)->p_offset = UINT64_MAX - 0x10;
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "runs past its end");
	FRESH();
	ph64(img, 0)->p_filesz = ph64(img, 0)->p_memsz + 1;
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "more file bytes");
	FRESH();
	ph64(img, 0)->p_paddr = 0x3000;		/* over the boot data */
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "outside 1 MiB..4 GiB");
	FRESH();
	ph64(img, 0)->p_paddr = 0xfffffffffffff000ull;	/* wraps */
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "outside 1 MiB..4 GiB");
	FRESH();
	ph64(img, 0)->p_memsz = 0x100000000ull;	/* crosses 4 GiB */
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "outside 1 MiB..4 GiB");
	FRESH();
	ph64(img, 0)->p_paddr = 0x8000000;	/* 128 MiB in a 64 MiB guest */
	note = (struct fake_note *)(img + 0x800);
	note->desc = 0x8000000;
	guard = test_gpa(&g, 0x3fff000, 0x1000);
	memset(guard, 0x77, 0x1000);
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -E2BIG, err, "segment at 0x8000000 (0x3000 bytes) is outside guest RAM");
	FRESH();
	ph64(img, 0)->p_paddr = 0x3fff000;	/* straddles the end of RAM */
	note = (struct fake_note *)(img + 0x800);
	note->desc = 0x3fff000;
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -E2BIG, err, "outside guest RAM");
	EXPECT(guard[0] == 0x77, "nothing written before the check failed");
	FRESH();
	ph64(img, 0)->p_paddr = 0xd0000000;	/* the MMIO hole */
	note = (struct fake_note *)(img + 0x800);
	note->desc = 0xd0000000;
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -E2BIG, err, "outside guest RAM");
	FRESH();
	note = (struct fake_note *)(img + 0x800);
	note->desc = 0x2000000;			/* not in any segment */
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "not inside a loaded segment");
	FRESH();
	ph64(img, 0)->p_type = PT_NULL;
	ret = pvh_try(&g, img, size, err);
	EXPECT_LOAD_ERR(ret, -ENOEXEC, err, "no loadable segment");
	{
		struct boot_args args = test_args(&g);
		struct boot_plan plan;
		char line[4096];

		memset(line, 'y', sizeof(line) - 1);
		line[sizeof(line) - 1] = '\0';
		args.cmdline = line;
		ret = pvh_load(base, size, &args, &plan, err, sizeof(err));
		EXPECT_LOAD_ERR(ret, -E2BIG, err, "command line longer than the 2047");
	}
	free(img);
	free(base);
	test_guest_free(&g);
}

int main(void)
{
	bad_bzimages();
	bad_pvh();
	return test_result("bad_images");
}
