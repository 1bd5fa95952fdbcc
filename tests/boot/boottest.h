/* SPDX-License-Identifier: GPL-2.0 */
/*
 * boottest.h - helpers for the boot/ACPI unit tests: a fake guest (RAM
 * mapped lazily, e820 from the default machine layout), check macros,
 * the Debian kernel lookup and synthetic bzImage and PVH images.
 */
#ifndef CVISOR_TESTS_BOOTTEST_H
#define CVISOR_TESTS_BOOTTEST_H

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/boot.h"
#include "boot/bzimage.h"
#include "boot/e820.h"
#include "boot/pvh.h"
#include "../check.h"

/* A load that must fail with -errno @want and a message containing @msg. */
#define EXPECT_LOAD_ERR(ret, want, err, msg) do {				\
	EXPECT((ret) == (want) && strstr((err), (msg)),			\
	      "ret %d (want %d), message \"%s\" (want \"%s\")",		\
	      (ret), (want), (err), (msg));				\
	if ((ret) == (want) && strstr((err), (msg)))			\
		printf("ok: %s\n", (err));				\
} while (0)

struct test_guest {
	uint8_t *host;
	uint64_t size;
	struct boot_ram ram;
	struct e820_table e820;
	struct machine_layout layout;
};

static inline int test_guest_init(struct test_guest *g, uint64_t ram_size)
{
	char err[256];
	uint64_t low;

	memset(g, 0, sizeof(*g));
	machine_layout_default(&g->layout, ram_size);
	if (e820_build(&g->layout, &g->e820, err, sizeof(err))) {
		printf("e820_build: %s\n", err);
		return -1;
	}
	g->host = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (g->host == MAP_FAILED) {
		perror("mmap");
		return -1;
	}
	g->size = ram_size;
	low = ram_size < g->layout.low_ram_end ? ram_size : g->layout.low_ram_end;
	g->ram.region[0] = (struct boot_ram_region){ 0, low, g->host };
	g->ram.nr = 1;
	if (ram_size > low) {
		g->ram.region[1] = (struct boot_ram_region){
			LAYOUT_HIGH_RAM_START, ram_size - low, g->host + low };
		g->ram.nr = 2;
	}
	return 0;
}

static inline void test_guest_free(struct test_guest *g)
{
	if (g->host && g->host != MAP_FAILED)
		munmap(g->host, g->size);
	g->host = NULL;
}

static inline void *test_gpa(struct test_guest *g, uint64_t gpa, uint64_t len)
{
	return boot_ram_ptr(&g->ram, gpa, len);
}

static inline struct boot_args test_args(struct test_guest *g)
{
	return (struct boot_args){ .ram = &g->ram, .e820 = &g->e820 };
}

/* The installed Debian cloud kernel, or NULL (path in @buf). */
static inline const char *test_find_debian_kernel(char *buf, size_t len)
{
	glob_t gl;
	const char *ret = NULL;

	if (glob("/boot/vmlinuz-*-cloud-amd64", 0, NULL, &gl) == 0 &&
	    gl.gl_pathc > 0) {
		snprintf(buf, len, "%s", gl.gl_pathv[gl.gl_pathc - 1]);
		ret = buf;
	}
	globfree(&gl);
	return ret;
}

static inline uint8_t *test_read_file(const char *path, uint64_t *size)
{
	struct stat st;
	uint8_t *p;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || st.st_size <= 0) {
		close(fd);
		return NULL;
	}
	p = malloc((size_t)st.st_size);
	if (p && read(fd, p, (size_t)st.st_size) != st.st_size) {
		free(p);
		p = NULL;
	}
	close(fd);
	*size = (uint64_t)st.st_size;
	return p;
}

/*
 * A synthetic bzImage: 4 setup sectors plus @payload bytes of "kernel",
 * protocol 2.15, 64-bit, relocatable, 2 MiB aligned, preferring 16 MiB.
 */
#define FAKE_BZ_SETUP	(5 * 512)
static inline uint8_t *test_fake_bzimage(uint64_t payload, uint64_t *size)
{
	struct bz_setup_header h;
	uint8_t *p;
	uint64_t i;

	*size = FAKE_BZ_SETUP + payload;
	p = calloc(1, *size);
	if (!p)
		return NULL;
	memset(&h, 0, sizeof(h));
	h.setup_sects = 4;
	h.syssize = (uint32_t)(payload / 16);
	h.boot_flag = BZ_BOOT_FLAG;
	h.jump = 0x6aeb;		/* jmp to 0x26c: end of the 2.15 header */
	h.header = BZ_HDRS_MAGIC;
	h.version = 0x020f;
	h.loadflags = BZ_LOADED_HIGH;
	h.initrd_addr_max = 0x7fffffff;
	h.kernel_alignment = 0x200000;
	h.relocatable_kernel = 1;
	h.xloadflags = BZ_XLF_KERNEL_64;
	h.cmdline_size = 2047;
	h.pref_address = 0x1000000;
	h.init_size = 0x400000;
	memcpy(p + BZ_SETUP_HDR_OFF, &h, sizeof(h));
	for (i = 0; i < payload; i++)
		p[FAKE_BZ_SETUP + i] = (uint8_t)(i * 7 + 1);
	return p;
}

/*
 * A synthetic PVH kernel: ELF header, two program headers (PT_LOAD at
 * 16 MiB with 0x2000 file bytes and 0x3000 memory, PT_NOTE with the Xen
 * entry note), then the note and the segment bytes.
 */
#define FAKE_PVH_PADDR	0x1000000ull
#define FAKE_PVH_ENTRY	0x1000100u
#define FAKE_PVH_FILESZ	0x2000u
#define FAKE_PVH_MEMSZ	0x3000u
#define FAKE_PVH_SEGOFF	0x1000u
struct fake_note {
	uint32_t namesz, descsz, type;
	char name[4];
	uint32_t desc;
};

static inline uint8_t *test_fake_pvh(bool is64, uint64_t *size)
{
	struct fake_note note = { 4, 4, PVH_NOTE_PHYS32_ENTRY, "Xen",
				  FAKE_PVH_ENTRY };
	uint64_t phoff, noteoff = 0x800;
	uint8_t *p;
	uint32_t i;

	*size = FAKE_PVH_SEGOFF + FAKE_PVH_FILESZ;
	p = calloc(1, *size);
	if (!p)
		return NULL;
	memcpy(p, ELFMAG, SELFMAG);
	p[EI_CLASS] = is64 ? ELFCLASS64 : ELFCLASS32;
	p[EI_DATA] = ELFDATA2LSB;
	p[EI_VERSION] = EV_CURRENT;
	if (is64) {
		Elf64_Ehdr eh = { 0 };
		Elf64_Phdr ph[2] = { { 0 } };

		memcpy(&eh, p, EI_NIDENT);
		eh.e_type = ET_EXEC;
		eh.e_machine = EM_X86_64;
		eh.e_version = EV_CURRENT;
		eh.e_entry = 0xffffffff81000000ull;
		eh.e_phoff = phoff = sizeof(eh);
		eh.e_ehsize = sizeof(eh);
		eh.e_phentsize = sizeof(Elf64_Phdr);
		eh.e_phnum = 2;
		ph[0] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, FAKE_PVH_SEGOFF,
				      0xffffffff81000000ull, FAKE_PVH_PADDR,
				      FAKE_PVH_FILESZ, FAKE_PVH_MEMSZ, 0x1000 };
		ph[1] = (Elf64_Phdr){ PT_NOTE, PF_R, noteoff, 0, 0,
				      sizeof(note), sizeof(note), 4 };
		memcpy(p, &eh, sizeof(eh));
		memcpy(p + phoff, ph, sizeof(ph));
	} else {
		Elf32_Ehdr eh = { 0 };
		Elf32_Phdr ph[2] = { { 0 } };

		memcpy(&eh, p, EI_NIDENT);
		eh.e_type = ET_EXEC;
		eh.e_machine = EM_386;
		eh.e_version = EV_CURRENT;
		eh.e_entry = FAKE_PVH_ENTRY;
		eh.e_phoff = (Elf32_Off)(phoff = sizeof(eh));
		eh.e_ehsize = sizeof(eh);
		eh.e_phentsize = sizeof(Elf32_Phdr);
		eh.e_phnum = 2;
		ph[0] = (Elf32_Phdr){ PT_LOAD, FAKE_PVH_SEGOFF,
				      (Elf32_Addr)FAKE_PVH_PADDR,
				      (Elf32_Addr)FAKE_PVH_PADDR,
				      FAKE_PVH_FILESZ, FAKE_PVH_MEMSZ,
				      PF_R | PF_X, 0x1000 };
		ph[1] = (Elf32_Phdr){ PT_NOTE, (Elf32_Off)noteoff, 0, 0,
				      sizeof(note), sizeof(note), PF_R, 4 };
		memcpy(p, &eh, sizeof(eh));
		memcpy(p + phoff, ph, sizeof(ph));
	}
	memcpy(p + noteoff, &note, sizeof(note));
	for (i = 0; i < FAKE_PVH_FILESZ; i++)
		p[FAKE_PVH_SEGOFF + i] = (uint8_t)(i * 13 + 5);
	return p;
}

/* Translate @va through the 4-level tables at @cr3 (2 MiB or 4 KiB pages). */
static inline int test_walk(struct test_guest *g, uint64_t cr3, uint64_t va,
			    uint64_t *pa)
{
	uint64_t table = cr3 & ~0xfffull, e = 0;
	int level, shift;

	for (level = 4; level >= 1; level--) {
		uint64_t *t;

		shift = 12 + 9 * (level - 1);
		t = test_gpa(g, table, 4096);
		if (!t)
			return -1;
		e = t[(va >> shift) & 511];
		if (!(e & 1))
			return -1;
		if (level <= 2 && (e & 0x80) && level == 2) {
			*pa = (e & 0x000fffffffe00000ull) | (va & 0x1fffff);
			return 0;
		}
		table = e & 0x000ffffffffff000ull;
	}
	*pa = table | (va & 0xfff);
	return 0;
}

static inline int test_result(const char *name)
{
	if (check_failures) {
		printf("%s: %d check(s) failed\n", name, check_failures);
		return 1;
	}
	printf("%s: all checks passed\n", name);
	return 0;
}

#endif
