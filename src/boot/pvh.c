// SPDX-License-Identifier: GPL-2.0
/*
 * pvh.c - PVH loader: an uncompressed ELF kernel (vmlinux) that names a
 * 32-bit physical entry point in a Xen ELF note (type 18,
 * XEN_ELFNOTE_PHYS32_ENTRY).  Its PT_LOAD segments go to their physical
 * addresses; the kernel starts in flat 32-bit protected mode with paging
 * off and EBX pointing at a struct hvm_start_info (version 1, with the
 * memory map, the command line, the RSDP and the initrd as module 0).
 *
 * The file is parsed completely (every header, note and segment range
 * checked, with no sum that can wrap) before guest memory is touched.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "boot/internal.h"
#include "boot/pvh.h"

#define PVH		"PVH"
#define SZ_4G		0x100000000ull
/* Linux on x86 copies at most COMMAND_LINE_SIZE (2048) bytes with NUL. */
#define PVH_CMDLINE_MAX	2047

struct elf_phdr {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz, align;
};

static void pvh_get_phdr(const uint8_t *p, bool is64, struct elf_phdr *ph)
{
	if (is64) {
		Elf64_Phdr e;

		memcpy(&e, p, sizeof(e));
		*ph = (struct elf_phdr){ e.p_type, e.p_offset, e.p_paddr,
					 e.p_filesz, e.p_memsz, e.p_align };
	} else {
		Elf32_Phdr e;

		memcpy(&e, p, sizeof(e));
		*ph = (struct elf_phdr){ e.p_type, e.p_offset, e.p_paddr,
					 e.p_filesz, e.p_memsz, e.p_align };
	}
}

static bool pvh_is_elf(const uint8_t *data, uint64_t size)
{
	return size >= EI_NIDENT && !memcmp(data, ELFMAG, SELFMAG);
}

/*
 * Walk the notes of one PT_NOTE segment.  Returns 1 and sets *entry if
 * the PVH entry note is there, 0 if not, -ENOEXEC if it is malformed.
 */
static int pvh_scan_notes(const uint8_t *p, uint64_t len, uint64_t align,
			  uint32_t *entry, char *err, size_t err_len)
{
	uint64_t off = 0, namesz, descsz, name_pad, desc_pad;
	uint32_t w[3];

	/* Notes are 4-byte aligned; some ELF64 producers use 8. */
	align = align == 8 ? 8 : 4;
	while (len - off >= sizeof(w)) {
		memcpy(w, p + off, sizeof(w));
		namesz = w[0];
		descsz = w[1];
		name_pad = (namesz + align - 1) & ~(align - 1);
		desc_pad = (descsz + align - 1) & ~(align - 1);
		off += sizeof(w);
		if (name_pad > len - off || desc_pad > len - off - name_pad)
			return boot_err(err, err_len, -ENOEXEC,
					PVH ": truncated ELF note (name %llu, desc %llu bytes)",
					(unsigned long long)namesz,
					(unsigned long long)descsz);
		if (w[2] == PVH_NOTE_PHYS32_ENTRY && namesz == 4 &&
		    !memcmp(p + off, "Xen", 4)) {
			const uint8_t *d = p + off + name_pad;
			uint64_t v;

			if (descsz == 4) {
				uint32_t v32;

				memcpy(&v32, d, 4);
				v = v32;
			} else if (descsz == 8) {
				memcpy(&v, d, 8);
			} else {
				return boot_err(err, err_len, -ENOEXEC,
						PVH ": Xen PHYS32_ENTRY note holds %llu bytes, not 4 or 8",
						(unsigned long long)descsz);
			}
			if (v >= SZ_4G)
				return boot_err(err, err_len, -ENOEXEC,
						PVH ": entry point 0x%llx is not a 32-bit address",
						(unsigned long long)v);
			*entry = (uint32_t)v;
			return 1;
		}
		off += name_pad + desc_pad;
	}
	return 0;
}

/* The ELF header's fields both classes share, widened. */
struct elf_hdr {
	bool is64;
	uint64_t phoff, phentsize;
	unsigned int phnum;
};

static int pvh_get_ehdr(const uint8_t *data, uint64_t size,
			struct elf_hdr *eh, char *err, size_t err_len)
{
	uint16_t machine;

	if (!pvh_is_elf(data, size))
		return boot_err(err, err_len, -ENOEXEC, PVH ": not an ELF file");
	if ((data[EI_CLASS] != ELFCLASS32 && data[EI_CLASS] != ELFCLASS64) ||
	    data[EI_DATA] != ELFDATA2LSB)
		return boot_err(err, err_len, -ENOEXEC,
				PVH ": not a little-endian 32- or 64-bit ELF file");
	eh->is64 = data[EI_CLASS] == ELFCLASS64;
	if (eh->is64) {
		Elf64_Ehdr e;

		if (size < sizeof(e))
			goto truncated;
		memcpy(&e, data, sizeof(e));
		machine = e.e_machine;
		eh->phoff = e.e_phoff;
		eh->phentsize = e.e_phentsize;
		eh->phnum = e.e_phnum;
		if (eh->phentsize != sizeof(Elf64_Phdr))
			goto phdrs;
	} else {
		Elf32_Ehdr e;

		if (size < sizeof(e))
			goto truncated;
		memcpy(&e, data, sizeof(e));
		machine = e.e_machine;
		eh->phoff = e.e_phoff;
		eh->phentsize = e.e_phentsize;
		eh->phnum = e.e_phnum;
		if (eh->phentsize != sizeof(Elf32_Phdr))
			goto phdrs;
	}
	if (machine != EM_X86_64 && machine != EM_386)
		return boot_err(err, err_len, -ENOEXEC,
				PVH ": ELF file is for machine %u, not x86",
				machine);
	if (!eh->phnum)
		goto phdrs;
	if (eh->phoff > size ||
	    (uint64_t)eh->phnum * eh->phentsize > size - eh->phoff)
		return boot_err(err, err_len, -ENOEXEC,
				PVH ": truncated ELF file: program headers at 0x%llx run past its end",
				(unsigned long long)eh->phoff);
	return 0;
truncated:
	return boot_err(err, err_len, -ENOEXEC,
			PVH ": truncated ELF file (%llu bytes)",
			(unsigned long long)size);
phdrs:
	return boot_err(err, err_len, -ENOEXEC,
			PVH ": ELF file has no usable program headers");
}

/* 1 and *entry if the note is present, 0 if not, < 0 if malformed. */
static int pvh_find_entry(const uint8_t *data, uint64_t size,
			  const struct elf_hdr *eh, uint32_t *entry,
			  char *err, size_t err_len)
{
	struct elf_phdr ph;
	unsigned int i;
	int ret;

	for (i = 0; i < eh->phnum; i++) {
		pvh_get_phdr(data + eh->phoff + i * eh->phentsize, eh->is64,
			     &ph);
		if (ph.type != PT_NOTE)
			continue;
		if (ph.offset > size || ph.filesz > size - ph.offset)
			return boot_err(err, err_len, -ENOEXEC,
					PVH ": truncated ELF file: note segment at 0x%llx runs past its end",
					(unsigned long long)ph.offset);
		ret = pvh_scan_notes(data + ph.offset, ph.filesz, ph.align,
				     entry, err, err_len);
		if (ret)
			return ret;
	}
	return 0;
}

int pvh_probe(const uint8_t *data, uint64_t size)
{
	struct elf_hdr eh;
	uint32_t entry;
	char err[8];

	/* An ELF file is ours only if it carries the note: Multiboot ELF
	 * kernels without it fall through to their own loader. */
	if (pvh_get_ehdr(data, size, &eh, err, sizeof(err)))
		return 0;
	return pvh_find_entry(data, size, &eh, &entry, err, sizeof(err)) == 1;
}

int pvh_parse(const uint8_t *data, uint64_t size, struct pvh_info *info,
	      char *err, size_t err_len)
{
	struct elf_hdr eh;
	struct elf_phdr ph;
	bool entry_ok = false;
	unsigned int i;
	int ret;

	memset(info, 0, sizeof(*info));
	ret = pvh_get_ehdr(data, size, &eh, err, err_len);
	if (ret)
		return ret;
	ret = pvh_find_entry(data, size, &eh, &info->entry, err, err_len);
	if (ret < 0)
		return ret;
	if (!ret)
		return boot_err(err, err_len, -ENOEXEC,
				PVH ": ELF file has no Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY); not a PVH kernel");
	info->is64 = eh.is64;
	info->lowest = UINT64_MAX;
	for (i = 0; i < eh.phnum; i++) {
		struct pvh_segment *s;

		pvh_get_phdr(data + eh.phoff + i * eh.phentsize, eh.is64, &ph);
		if (ph.type != PT_LOAD || !ph.memsz)
			continue;
		if (ph.filesz > ph.memsz)
			return boot_err(err, err_len, -ENOEXEC,
					PVH ": segment %u has more file bytes (0x%llx) than memory (0x%llx)",
					i, (unsigned long long)ph.filesz,
					(unsigned long long)ph.memsz);
		if (ph.offset > size || ph.filesz > size - ph.offset)
			return boot_err(err, err_len, -ENOEXEC,
					PVH ": truncated ELF file: segment %u (0x%llx bytes at file offset 0x%llx) runs past its end",
					i, (unsigned long long)ph.filesz,
					(unsigned long long)ph.offset);
		/* The kernel starts with paging off: all of it below 4 GiB. */
		if (ph.paddr < BOOT_KERNEL_MIN || ph.paddr >= SZ_4G ||
		    ph.memsz > SZ_4G - ph.paddr)
			return boot_err(err, err_len, -ENOEXEC,
					PVH ": segment %u at 0x%llx (0x%llx bytes) is outside 1 MiB..4 GiB",
					i, (unsigned long long)ph.paddr,
					(unsigned long long)ph.memsz);
		if (info->nr_segments == PVH_MAX_SEGMENTS)
			return boot_err(err, err_len, -ENOEXEC,
					PVH ": more than %u loadable segments",
					PVH_MAX_SEGMENTS);
		s = &info->seg[info->nr_segments++];
		*s = (struct pvh_segment){ ph.offset, ph.paddr, ph.filesz,
					   ph.memsz };
		if (s->paddr < info->lowest)
			info->lowest = s->paddr;
		if (s->paddr + s->memsz > info->highest)
			info->highest = s->paddr + s->memsz;
		if (info->entry >= s->paddr && info->entry - s->paddr < s->memsz)
			entry_ok = true;
	}
	if (!info->nr_segments)
		return boot_err(err, err_len, -ENOEXEC,
				PVH ": ELF file has no loadable segment");
	if (!entry_ok)
		return boot_err(err, err_len, -ENOEXEC,
				PVH ": entry point 0x%x is not inside a loaded segment",
				info->entry);
	return 0;
}

int pvh_load(const uint8_t *data, uint64_t size,
	     const struct boot_args *args, struct boot_plan *plan,
	     char *err, size_t err_len)
{
	struct pvh_info info_buf, *pi = &info_buf;
	struct hvm_start_info *si;
	struct hvm_memmap_table_entry *mm;
	struct hvm_modlist_entry *mod;
	unsigned int i, n;
	uint8_t *dst;
	int ret;

	memset(plan, 0, sizeof(*plan));
	ret = pvh_parse(data, size, pi, err, err_len);
	if (ret)
		return ret;
	/* Every segment must be RAM before anything is written. */
	for (i = 0; i < pi->nr_segments; i++) {
		if (!boot_guest_range(args, PVH, "segment", pi->seg[i].paddr,
				      pi->seg[i].memsz, err, err_len))
			return -E2BIG;
	}
	for (i = 0; i < pi->nr_segments; i++) {
		const struct pvh_segment *s = &pi->seg[i];

		dst = boot_ram_ptr(args->ram, s->paddr, s->memsz);
		memcpy(dst, data + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
	plan->kernel_gpa = pi->lowest;
	plan->kernel_end = pi->highest;

	ret = boot_setup_cmdline(args, PVH, PVH_CMDLINE_MAX, plan, err,
				 err_len);
	if (ret)
		return ret;
	ret = boot_setup_initrd(args, PVH, SZ_4G, plan, err, err_len);
	if (ret)
		return ret;

	si = boot_guest_range(args, PVH, "start info", BOOT_START_INFO_GPA,
			      BOOT_MEMMAP_GPA + PVH_MEMMAP_MAX * sizeof(*mm) -
			      BOOT_START_INFO_GPA, err, err_len);
	if (!si)
		return -E2BIG;
	mod = (void *)((uint8_t *)si + (BOOT_MODLIST_GPA - BOOT_START_INFO_GPA));
	mm = (void *)((uint8_t *)si + (BOOT_MEMMAP_GPA - BOOT_START_INFO_GPA));
	n = args->e820->nr;
	if (n > E820_MAX_ENTRIES)
		n = E820_MAX_ENTRIES;
	for (i = 0; i < n; i++)
		mm[i] = (struct hvm_memmap_table_entry){
			.addr = args->e820->entry[i].addr,
			.size = args->e820->entry[i].size,
			.type = args->e820->entry[i].type,
		};
	*si = (struct hvm_start_info){
		.magic = PVH_START_MAGIC,
		.version = PVH_START_VERSION,
		.cmdline_paddr = plan->cmdline_gpa,
		.rsdp_paddr = args->rsdp_gpa,
		.memmap_paddr = BOOT_MEMMAP_GPA,
		.memmap_entries = n,
	};
	if (plan->initrd_size) {
		*mod = (struct hvm_modlist_entry){
			.paddr = plan->initrd_gpa, .size = plan->initrd_size,
		};
		si->nr_modules = 1;
		si->modlist_paddr = BOOT_MODLIST_GPA;
	}

	ret = boot_setup_gdt(args, PVH, false, &plan->cpu, err, err_len);
	if (ret)
		return ret;
	plan->cpu.mode = BOOT_CPU_PROT32;
	plan->cpu.rip = pi->entry;
	plan->cpu.rbx = BOOT_START_INFO_GPA;
	plan->info_gpa = BOOT_START_INFO_GPA;
	return 0;
}
