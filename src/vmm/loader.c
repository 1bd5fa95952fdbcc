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

/* Add a loader (bzImage, PVH) here: first one whose probe says yes wins. */
static const struct loader *const loaders[] = {
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

int loader_load(struct vm *vm, struct boot_info *boot, char *err,
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
		 "%s: not a Multiboot image (no header in the first 8 KiB)",
		 img.path);
	for (i = 0; i < ARRAY_SIZE(loaders); i++) {
		if (loaders[i]->probe(&img) > 0) {
			ret = loaders[i]->load(vm, &img, boot, err, err_len);
			break;
		}
	}
	loader_unmap_file(&img);
	if (!ret)
		err[0] = '\0';
	return ret;
}
