// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_multiboot.c - mutation fuzzer for the Multiboot v1 loader without
 * libFuzzer: starts from synthetic ELF32, ELF64 and a.out-kludge kernels,
 * flips, overwrites and truncates their headers and runs every result
 * through fuzz_mb_one() into 16 MiB of guest RAM (small, so that "does
 * not fit" paths run too).  Usage: fuzz_multiboot [N [SEED]] (default
 * 50000 iterations); `fuzz_multiboot --seeds DIR` writes the bases as a
 * libFuzzer corpus.  Meant to run under ASan/UBSan too.
 */
#include <elf.h>
#include <stdio.h>

#include "fuzz_common.h"
#include "fuzz_mb_target.h"

#define FUZZ_RAM	(16ull << 20)
#define MB_MAGIC	0x1BADB002u
#define NR_BASES	3

static const uint64_t magic_vals[] = {
	0, 1, 0x34, 0x40, 0x7f, 0xff, 0x1000, 0xffff, 0x100000, 0x1000000,
	0x7fffffff, 0x80000000, 0xfffff000, 0xffffffff, 0x100000000ull,
	0xffffffffffffffffull,
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void mb_header(uint8_t *p, uint32_t flags)
{
	put32(p, MB_MAGIC);
	put32(p + 4, flags);
	put32(p + 8, -(MB_MAGIC + flags));
}

/* ELF32 or ELF64 with one PT_LOAD at 1 MiB, header at 0x100. */
static uint8_t *base_elf(bool is64, uint64_t *size)
{
	uint8_t *p = calloc(1, 0x400);

	*size = 0x400;
	if (is64) {
		Elf64_Ehdr *e = (Elf64_Ehdr *)p;
		Elf64_Phdr *ph = (Elf64_Phdr *)(p + sizeof(*e));

		memcpy(e->e_ident, ELFMAG, SELFMAG);
		e->e_ident[EI_CLASS] = ELFCLASS64;
		e->e_ident[EI_DATA] = ELFDATA2LSB;
		e->e_type = ET_EXEC;
		e->e_machine = EM_X86_64;
		e->e_entry = 0x100100;
		e->e_phoff = sizeof(*e);
		e->e_phentsize = sizeof(*ph);
		e->e_phnum = 1;
		*ph = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0,
			.p_vaddr = 0x100000, .p_paddr = 0x100000,
			.p_filesz = 0x400, .p_memsz = 0x2000 };
	} else {
		Elf32_Ehdr *e = (Elf32_Ehdr *)p;
		Elf32_Phdr *ph = (Elf32_Phdr *)(p + sizeof(*e));

		memcpy(e->e_ident, ELFMAG, SELFMAG);
		e->e_ident[EI_CLASS] = ELFCLASS32;
		e->e_ident[EI_DATA] = ELFDATA2LSB;
		e->e_type = ET_EXEC;
		e->e_machine = EM_386;
		e->e_entry = 0x100100;
		e->e_phoff = sizeof(*e);
		e->e_phentsize = sizeof(*ph);
		e->e_phnum = 1;
		*ph = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = 0,
			.p_vaddr = 0x100000, .p_paddr = 0x100000,
			.p_filesz = 0x400, .p_memsz = 0x2000 };
	}
	mb_header(p + 0x100, 0x3);
	return p;
}

/* a.out kludge: header at 0 says the file maps at 1 MiB. */
static uint8_t *base_aout(uint64_t *size)
{
	uint8_t *p = calloc(1, 0x400);

	*size = 0x400;
	mb_header(p, 0x10003);
	put32(p + 12, 0x100000);	/* header_addr */
	put32(p + 16, 0x100000);	/* load_addr */
	put32(p + 20, 0x100400);	/* load_end_addr */
	put32(p + 24, 0x108000);	/* bss_end_addr */
	put32(p + 28, 0x100020);	/* entry_addr */
	return p;
}

static void mutate(uint8_t *p, uint64_t *size, uint64_t *s)
{
	unsigned int n = 1 + rnd_next(s) % 4, i;

	for (i = 0; i < n; i++) {
		uint64_t r = rnd_next(s), off;

		if (!*size)
			return;
		/* Mostly the ELF/Multiboot headers, sometimes anywhere. */
		off = rnd_next(s) % (r % 8 && *size > 0x120 ? 0x120 : *size);
		mutate_at(p, size, off, r, s, magic_vals,
			  sizeof(magic_vals) / sizeof(magic_vals[0]));
		/* Keep the Multiboot checksum right half of the time, so the
		 * header is found and the rest of the loader is reached. */
		if (rnd_next(s) % 2) {
			uint64_t h;

			for (h = 0; h + 12 <= *size && h < 0x200; h += 4) {
				uint32_t m, f;

				memcpy(&m, p + h, 4);
				if (m != MB_MAGIC)
					continue;
				memcpy(&f, p + h + 4, 4);
				put32(p + h + 8, -(MB_MAGIC + f));
				break;
			}
		}
	}
}

int main(int argc, char **argv)
{
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 50000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5eed;
	uint64_t base_size[NR_BASES], size, s;
	uint8_t *base[NR_BASES], work[0x400];
	unsigned long it, loaded = 0;
	struct e820_table e820;
	struct boot_ram ram;
	char err[256];
	unsigned int k;

	if (fuzz_ram_init(&ram, &e820, FUZZ_RAM, err, sizeof(err))) {
		printf("FAIL: %s\n", err);
		return 1;
	}

	base[0] = base_elf(false, &base_size[0]);
	base[1] = base_elf(true, &base_size[1]);
	base[2] = base_aout(&base_size[2]);
	for (k = 0; k < NR_BASES; k++) {
		if (!fuzz_mb_one(&ram, &e820, base[k], base_size[k])) {
			printf("FAIL: base image %u does not load\n", k);
			return 1;
		}
	}
	if (argc == 3 && !strcmp(argv[1], "--seeds")) {
		for (k = 0; k < NR_BASES; k++) {
			char path[256];
			FILE *f;

			snprintf(path, sizeof(path), "%s/mb%u", argv[2], k);
			f = fopen(path, "wb");
			if (!f || fwrite(base[k], 1, base_size[k], f) !=
			    base_size[k] || fclose(f)) {
				perror(path);
				return 1;
			}
		}
		return 0;
	}
	printf("seed 0x%llx, %lu iterations\n", (unsigned long long)seed, iters);
	s = seed | 1;
	for (it = 0; it < iters; it++) {
		uint8_t *exact;

		k = (unsigned int)(rnd_next(&s) % NR_BASES);
		size = base_size[k];
		memcpy(work, base[k], size);
		mutate(work, &size, &s);
		/* Fit the copy to its size so ASan sees reads past the end. */
		exact = malloc(size ? size : 1);
		memcpy(exact, work, size);
		loaded += fuzz_mb_one(&ram, &e820, exact, size);
		free(exact);
	}
	printf("done: %lu of %lu mutants still loaded\n", loaded, iters);
	for (k = 0; k < NR_BASES; k++)
		free(base[k]);
	munmap(ram.region[0].host, FUZZ_RAM);
	return 0;
}
