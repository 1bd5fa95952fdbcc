// SPDX-License-Identifier: GPL-2.0
/*
 * foreignmemory.c - libxenforeignmemory's resource calls, and guest RAM for
 * DMA.  The VMM answers XENMEM_acquire_resource with a sealed memfd that
 * holds the server's pages; frames are mapped from it at frame * 4096.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "libdm/internal.h"

struct xenforeignmemory_resource_handle {
	void *addr;
	size_t len;
};

struct cvdm_guest_mem {
	uint8_t *base;
	size_t len;
	bool mapped;		/* ours to unmap */
	struct cvdm_guest_ram layout;
};

xenforeignmemory_handle *xenforeignmemory_open(struct xentoollog_logger *logger,
					       unsigned int open_flags)
{
	return cvdm_open_env();
}

int xenforeignmemory_close(xenforeignmemory_handle *fmem)
{
	cvdm_conn_close(fmem);
	return 0;
}

int xenforeignmemory_resource_size(xenforeignmemory_handle *fmem,
				   domid_t domid, unsigned int type,
				   unsigned int id, size_t *size)
{
	struct xen_mem_acquire_resource p = {
		.domid = domid, .type = (uint16_t)type, .id = id,
	};

	if (cvdm_call(fmem, CVDM_OP_ACQUIRE_RESOURCE, &p, sizeof(p), NULL, 0,
		      NULL))
		return -1;
	*size = (size_t)p.nr_frames * IOREQ_PAGE_SIZE;
	return 0;
}

xenforeignmemory_resource_handle *xenforeignmemory_map_resource(
		xenforeignmemory_handle *fmem, domid_t domid,
		unsigned int type, unsigned int id, unsigned long frame,
		unsigned long nr_frames, void **paddr, int prot, int flags)
{
	struct xen_mem_acquire_resource p = {
		.domid = domid, .type = (uint16_t)type, .id = id,
		.nr_frames = (uint32_t)nr_frames, .frame = frame,
	};
	xenforeignmemory_resource_handle *r;
	unsigned int nr_fds;
	int fd, err;
	void *a;

	if (!paddr || *paddr || flags || !nr_frames ||
	    nr_frames > UINT32_MAX) {
		errno = EINVAL;
		return NULL;
	}
	if (cvdm_call(fmem, CVDM_OP_ACQUIRE_RESOURCE, &p, sizeof(p), &fd, 1,
		      &nr_fds))
		return NULL;
	if (nr_fds != 1) {
		errno = EPROTO;
		return NULL;
	}
	r = malloc(sizeof(*r));
	if (!r) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	r->len = nr_frames * IOREQ_PAGE_SIZE;
	a = mmap(NULL, r->len, prot, MAP_SHARED, fd,
		 (off_t)(frame * IOREQ_PAGE_SIZE));
	err = errno;
	close(fd);
	if (a == MAP_FAILED) {
		free(r);
		errno = err;
		return NULL;
	}
	r->addr = a;
	*paddr = a;
	return r;
}

int xenforeignmemory_unmap_resource(xenforeignmemory_handle *fmem,
				    xenforeignmemory_resource_handle *fres)
{
	if (!fres)
		return 0;
	munmap(fres->addr, fres->len);
	free(fres);
	return 0;
}

struct cvdm_guest_mem *cvdm_map_guest_ram(xenforeignmemory_handle *fmem)
{
	struct cvdm_guest_mem *gm = calloc(1, sizeof(*gm));
	unsigned int nr_fds, i;
	int fd = -1, err;
	void *a;

	if (!gm) {
		errno = ENOMEM;
		return NULL;
	}
	if (cvdm_call(fmem, CVDM_OP_MAP_GUEST_RAM, &gm->layout,
		      sizeof(gm->layout), &fd, 1, &nr_fds))
		goto fail;
	if (nr_fds != 1 || !gm->layout.nr ||
	    gm->layout.nr > CVDM_RAM_REGIONS) {
		errno = EPROTO;
		goto fail;
	}
	/* The regions follow each other in the RAM file. */
	for (i = 0; i < gm->layout.nr; i++) {
		if (gm->len + gm->layout.region[i].size < gm->len) {
			errno = EPROTO;
			goto fail;
		}
		gm->len += gm->layout.region[i].size;
	}
	a = mmap(NULL, gm->len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (a == MAP_FAILED)
		goto fail;
	gm->base = a;
	gm->mapped = true;
	close(fd);
	return gm;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	free(gm);
	errno = err;
	return NULL;
}

void *cvdm_guest_ptr(struct cvdm_guest_mem *gm, uint64_t gpa, uint64_t len)
{
	uint64_t off = 0;
	unsigned int i;

	for (i = 0; i < gm->layout.nr; i++) {
		uint64_t base = gm->layout.region[i].gpa;
		uint64_t size = gm->layout.region[i].size;

		if (gpa >= base && gpa - base <= size &&
		    len <= size - (gpa - base))
			return gm->base + off + (gpa - base);
		off += size;
	}
	return NULL;
}

struct cvdm_guest_mem *cvdm_guest_mem_wrap(void *base,
					    const struct cvdm_guest_ram *layout)
{
	struct cvdm_guest_mem *gm = calloc(1, sizeof(*gm));

	if (!gm || !layout->nr || layout->nr > CVDM_RAM_REGIONS) {
		free(gm);
		errno = gm ? EINVAL : ENOMEM;
		return NULL;
	}
	gm->base = base;
	gm->layout = *layout;
	return gm;
}

void cvdm_unmap_guest_ram(struct cvdm_guest_mem *gm)
{
	if (!gm)
		return;
	if (gm->mapped)
		munmap(gm->base, gm->len);
	free(gm);
}
