// SPDX-License-Identifier: GPL-2.0
/*
 * loader.c - choose a kernel loader by probing the image.
 *
 * Images are mapped, not read: pages are dropped again after loading, so
 * a large kernel does not stay in the VMM's memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/compiler.h"
#include "vmm/loader.h"
#include "vmm/vm.h"

/*
 * Probe order: the formats with an unambiguous signature first.  A loader
 * that claims an image must load it or fail with its own message.
 */
static const struct loader *const loaders[] = {
	&loader_bzimage,
	&loader_pvh,
	&loader_multiboot,
};

int loader_map_file(const char *path, struct loader_image *img, char *err,
		    size_t err_len)
{
	struct stat st;
	void *p;
	int fd, ret;

	img->path = path;
	img->data = NULL;
	img->size = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		snprintf(err, err_len, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size == 0) {
		ret = -EINVAL;
		snprintf(err, err_len, "%s: empty file", path);
		goto out;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		goto out;
	}
	img->data = p;
	img->size = (uint64_t)st.st_size;
	ret = 0;
out:
	close(fd);
	return ret;
}

void loader_unmap_file(struct loader_image *img)
{
	if (img->data)
		munmap((void *)img->data, img->size);
	img->data = NULL;
	img->size = 0;
}

/* The RAM and memory map the machine model built (machine.c). */
static void loader_env(struct vm *vm, struct boot_args *args,
		       struct loader_image *initrd)
{
	*args = (struct boot_args){
		.ram = &vm->mem.ram,
		.e820 = &vm->mach.e820,
		.cmdline = vm->cfg.cmdline,
		.initrd = initrd->data,
		.initrd_size = initrd->size,
		.rsdp_gpa = vm->mach.rsdp_gpa,
	};
}

static int loader_map_initrd(struct vm *vm, struct loader_image *rd,
			     char *err, size_t err_len)
{
	memset(rd, 0, sizeof(*rd));
	if (!vm->cfg.initrd)
		return 0;
	return loader_map_file(vm->cfg.initrd, rd, err, err_len);
}

/* bzImage and PVH messages start with the format; name the file first. */
static int loader_prefix_path(int ret, const char *path, char *err,
			      size_t err_len)
{
	char msg[256];

	if (ret && err_len) {
		snprintf(msg, sizeof(msg), "%s", err);
		snprintf(err, err_len, "%s: %s", path, msg);
	}
	return ret;
}

typedef int (*linux_load_fn)(const uint8_t *data, uint64_t size,
			     const struct boot_args *args,
			     struct boot_plan *plan, char *err,
			     size_t err_len);

static int loader_linux(struct vm *vm, const struct loader_image *img,
			struct boot_cpu *cpu, linux_load_fn load, char *err,
			size_t err_len)
{
	struct loader_image rd;
	struct boot_args args;
	struct boot_plan plan;
	int ret;

	ret = loader_map_initrd(vm, &rd, err, err_len);
	if (ret)
		return ret;
	loader_env(vm, &args, &rd);
	ret = load(img->data, img->size, &args, &plan, err, err_len);
	loader_unmap_file(&rd);
	if (ret)
		return loader_prefix_path(ret, img->path, err, err_len);
	*cpu = plan.cpu;
	return 0;
}

static int bz_probe(const struct loader_image *img)
{
	return bzimage_probe(img->data, img->size);
}

static int bz_load(struct vm *vm, const struct loader_image *img,
		   struct boot_cpu *cpu, char *err, size_t err_len)
{
	return loader_linux(vm, img, cpu, bzimage_load, err, err_len);
}

static int pvh_probe_img(const struct loader_image *img)
{
	return pvh_probe(img->data, img->size);
}

static int pvh_load_img(struct vm *vm, const struct loader_image *img,
			struct boot_cpu *cpu, char *err, size_t err_len)
{
	return loader_linux(vm, img, cpu, pvh_load, err, err_len);
}

static int mb_probe_img(const struct loader_image *img)
{
	return multiboot_probe(img->data, img->size);
}

/* Multiboot's messages name the files themselves (boot/README.md). */
static int mb_load_img(struct vm *vm, const struct loader_image *img,
		       struct boot_cpu *cpu, char *err, size_t err_len)
{
	struct loader_image rd;
	struct boot_args args;
	struct boot_plan plan;
	int ret;

	ret = loader_map_initrd(vm, &rd, err, err_len);
	if (ret)
		return ret;
	loader_env(vm, &args, &rd);
	args.kernel_name = img->path;
	args.initrd_name = rd.path;
	ret = multiboot_load(img->data, img->size, &args, &plan, err, err_len);
	loader_unmap_file(&rd);
	if (!ret)
		*cpu = plan.cpu;
	return ret;
}

const struct loader loader_bzimage = {
	.name = "bzImage", .probe = bz_probe, .load = bz_load,
};
const struct loader loader_pvh = {
	.name = "PVH", .probe = pvh_probe_img, .load = pvh_load_img,
};
const struct loader loader_multiboot = {
	.name = "multiboot", .probe = mb_probe_img, .load = mb_load_img,
};

int loader_load(struct vm *vm, struct boot_cpu *cpu, char *err,
		size_t err_len)
{
	struct loader_image img;
	unsigned int i;
	int ret;

	ret = loader_map_file(vm->cfg.kernel, &img, err, err_len);
	if (ret)
		return ret;
	ret = -ENOEXEC;
	snprintf(err, err_len,
		 "%s: not a bzImage, PVH ELF or Multiboot kernel (no Multiboot header in the first 8 KiB)",
		 img.path);
	for (i = 0; i < ARRAY_SIZE(loaders); i++) {
		if (loaders[i]->probe(&img) > 0) {
			err[0] = '\0';
			ret = loaders[i]->load(vm, &img, cpu, err, err_len);
			break;
		}
	}
	loader_unmap_file(&img);
	if (!ret)
		err[0] = '\0';
	return ret;
}
