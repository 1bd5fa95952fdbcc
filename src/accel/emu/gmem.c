// SPDX-License-Identifier: GPL-2.0
/*
 * gmem.c - guest_memfd objects of the emu backend (see gmem.h).
 *
 * The memory is a memfd sealed against resizing and mapped once, shared,
 * by the backend; its only fd (a read-write one) is closed right after
 * the mapping is made, so the process is left with the mapping and O_PATH
 * handles.  Punching a hole is MADV_REMOVE on that mapping (the kernel
 * frees the pages and a later touch reads zero, as a refaulted
 * guest_memfd page does); allocating is MADV_POPULATE_WRITE.  A vCPU's
 * cached pointer into the mapping stays valid across a punch, and the
 * decoded code of bound pages is dropped before the punch returns.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/falloc.h>

#include "cpu/x86_cpu.h"
#include "hv/hv.h"
#include "gmem.h"

#define GMEM_PAGE	4096ull

void emu_gmems_init(struct emu_gmems *g)
{
	pthread_mutex_init(&g->lock, NULL);
	g->list = NULL;
}

static void gmem_free(struct emu_gmem *gm)
{
	struct emu_gmem_binding *b, *n;

	for (b = gm->bindings; b; b = n) {
		n = b->next;
		free(b);
	}
	if (gm->base)
		munmap(gm->base, gm->size);
	if (gm->path_fd >= 0)
		close(gm->path_fd);
	free(gm);
}

void emu_gmems_fini(struct emu_gmems *g)
{
	struct emu_gmem *gm, *n;

	for (gm = g->list; gm; gm = n) {
		n = gm->next;
		gmem_free(gm);
	}
	g->list = NULL;
	pthread_mutex_destroy(&g->lock);
}

/*
 * Free every guest_memfd that nothing can reach any more: no slot binds
 * it and no fd of this process but our own O_PATH one refers to its
 * inode (KVM frees the memory at the file's last fput; userspace sees no
 * close(), so the fd table is looked at instead, at the moments a file
 * can become unreachable: an unbind, a VM's end, a new file).  A file
 * without bindings is touched by no vCPU, so freeing it cannot race with
 * a guest access; at worst an fd being moved by dup2() in another thread
 * is missed and its file freed early, and the VMM's next call with it
 * fails with -EINVAL.  The VMM's own mmap() of a shared file keeps that
 * memory alive whatever we do here.  g->lock held.
 */
static void gmem_collect(struct emu_gmems *g)
{
	struct emu_gmem *gm, **pp;
	struct dirent *de;
	unsigned int idle = 0;
	struct stat st;
	DIR *dir;
	int fd;

	for (gm = g->list; gm; gm = gm->next) {
		gm->reachable = gm->bindings != NULL;
		idle += !gm->reachable;
	}
	if (!idle)
		return;
	dir = opendir("/proc/self/fd");
	if (!dir)
		return;			/* cannot tell: keep everything */
	while ((de = readdir(dir))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		fd = atoi(de->d_name);
		if (fd == dirfd(dir) || fstat(fd, &st))
			continue;
		for (gm = g->list; gm; gm = gm->next)
			if (!gm->reachable && fd != gm->path_fd &&
			    gm->dev == st.st_dev && gm->ino == st.st_ino)
				gm->reachable = true;
	}
	closedir(dir);
	for (pp = &g->list; (gm = *pp);) {
		if (gm->reachable) {
			pp = &gm->next;
			continue;
		}
		*pp = gm->next;
		gmem_free(gm);
	}
}

/* Reopen @fd through /proc with @flags (how an O_PATH handle is made). */
static int reopen_fd(int fd, int flags)
{
	char path[40];
	int nfd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, flags | O_CLOEXEC);
	return nfd < 0 ? -errno : nfd;
}

/*
 * Make the memory; *rw_fd gets a read-write fd on it when not NULL (the
 * handle of a shared, mmap-able guest_memfd), else it is closed here.
 */
static int gmem_alloc_memory(struct emu_gmem *gm, int *rw_fd)
{
	int fd, ret;

	fd = memfd_create("cvisor-guest_memfd", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)gm->size)) {
		ret = -errno;
		goto out;
	}
	gm->base = mmap(NULL, gm->size, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (gm->base == MAP_FAILED) {
		gm->base = NULL;
		ret = -errno;
		goto out;
	}
	/* Private memory stays out of core dumps too. */
	madvise(gm->base, gm->size, MADV_DONTDUMP);
	/* The size is fixed, as a guest_memfd's; holes may still be punched. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
		ret = -errno;
		goto out;
	}
	ret = reopen_fd(fd, O_PATH);
	if (ret < 0)
		goto out;
	gm->path_fd = ret;
	ret = 0;
	if (rw_fd) {
		*rw_fd = fd;
		return 0;
	}
out:
	close(fd);
	return ret;
}

int emu_gmem_create(struct emu_gmems *g, void *owner,
		    struct x86_code_tracker *tracker, uint64_t size,
		    uint64_t flags, uint64_t supported_flags)
{
	bool shared = (flags & HV_GUEST_MEMFD_FLAG_MMAP) &&
		      (flags & HV_GUEST_MEMFD_FLAG_INIT_SHARED);
	struct emu_gmem *gm;
	struct stat st;
	int ret, handle = -1;

	if (flags & ~supported_flags)
		return -EINVAL;
	if (!size || (size & (GMEM_PAGE - 1)) || size > INT64_MAX)
		return -EINVAL;
	gm = calloc(1, sizeof(*gm));
	if (!gm)
		return -ENOMEM;
	gm->path_fd = -1;
	gm->size = size;
	gm->flags = flags;
	gm->owner = owner;
	gm->tracker = tracker;
	ret = gmem_alloc_memory(gm, shared ? &handle : NULL);
	if (ret)
		goto fail;
	if (fstat(gm->path_fd, &st)) {
		ret = -errno;
		goto fail;
	}
	gm->dev = st.st_dev;
	gm->ino = st.st_ino;
	/*
	 * The VMM's fd: a second handle, so its close() never hurts ours.
	 * Memory that starts shared and may be mapped (MMAP | INIT_SHARED)
	 * gets the read-write memfd itself, so that mmap(MAP_SHARED) works;
	 * everything else an O_PATH handle, which cannot be mapped, read or
	 * written: no VMM mapping of private memory can exist.
	 */
	if (handle < 0)
		handle = fcntl(gm->path_fd, F_DUPFD_CLOEXEC, 0);
	if (handle < 0) {
		ret = -errno;
		goto fail;
	}
	pthread_mutex_lock(&g->lock);
	gmem_collect(g);
	gm->next = g->list;
	g->list = gm;
	pthread_mutex_unlock(&g->lock);
	return handle;
fail:
	if (handle >= 0)
		close(handle);
	gmem_free(gm);
	return ret;
}

/* g->lock held.  -EBADF for a bad fd, -EINVAL for a fd that is not ours. */
static int gmem_find(struct emu_gmems *g, int fd, struct emu_gmem **out)
{
	struct emu_gmem *gm;
	struct stat st;

	if (fd < 0 || fstat(fd, &st))
		return -EBADF;
	for (gm = g->list; gm; gm = gm->next) {
		if (gm->dev == st.st_dev && gm->ino == st.st_ino) {
			*out = gm;
			return 0;
		}
	}
	return -EINVAL;
}

/* Drop decoded code of every guest page bound to file range [off, end). */
static void gmem_invalidate_code(struct emu_gmem *gm, uint64_t off,
				 uint64_t end)
{
	struct emu_gmem_binding *b;

	if (!gm->tracker)
		return;
	for (b = gm->bindings; b; b = b->next) {
		uint64_t s = off > b->off ? off : b->off;
		uint64_t e = end < b->off + b->size ? end : b->off + b->size;

		if (s < e)
			x86_code_tracker_write(gm->tracker, b->gpa + (s - b->off),
					       e - s);
	}
}

int emu_gmem_fallocate(struct emu_gmems *g, int fd, int mode,
		       uint64_t offset, uint64_t len)
{
	struct emu_gmem *gm;
	uint64_t end;
	int ret;

	/* The generic fallocate(2) checks come first, as in the VFS. */
	if (offset > INT64_MAX || !len || len > INT64_MAX)
		return -EINVAL;
	if (offset + len > INT64_MAX)
		return -EFBIG;
	if (!(mode & FALLOC_FL_KEEP_SIZE) ||
	    (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)))
		return -EOPNOTSUPP;
	if ((offset | len) & (GMEM_PAGE - 1))
		return -EINVAL;

	pthread_mutex_lock(&g->lock);
	ret = gmem_find(g, fd, &gm);
	if (ret)
		goto out;
	if (!(mode & FALLOC_FL_PUNCH_HOLE)) {
		uint8_t *p = gm->base + offset;

		if (offset + len > gm->size) {
			ret = -EINVAL;
			goto out;
		}
		pthread_mutex_unlock(&g->lock);
		/* Memory outlives the lock: it goes only at hv_close(). */
		if (madvise(p, len, MADV_POPULATE_WRITE))
			return -errno;
		return 0;
	}
	/* Punching at or past the end is a no-op, as on a file. */
	if (offset >= gm->size)
		goto out;
	end = offset + len < gm->size ? offset + len : gm->size;
	/*
	 * Under the lock the bindings cannot change: every guest page that
	 * shows this range is known, and its decoded code is dropped once
	 * the pages are gone (a vCPU decoding in between reads zeroes and
	 * is invalidated again).
	 */
	if (madvise(gm->base + offset, end - offset, MADV_REMOVE))
		ret = -errno;
	gmem_invalidate_code(gm, offset, end);
out:
	pthread_mutex_unlock(&g->lock);
	return ret;
}

int emu_gmem_bind(struct emu_gmems *g, void *owner, int fd, uint64_t off,
		  uint64_t size, uint64_t gpa, uint16_t slot,
		  struct emu_gmem **out, uint8_t **base, bool *only)
{
	struct emu_gmem_binding *b;
	struct emu_gmem *gm;
	int ret;

	pthread_mutex_lock(&g->lock);
	ret = gmem_find(g, fd, &gm);
	if (ret)
		goto out;
	ret = -EINVAL;
	if (gm->owner != owner)
		goto out;
	if ((off & (GMEM_PAGE - 1)) || off > gm->size || size > gm->size - off)
		goto out;
	for (b = gm->bindings; b; b = b->next)
		if (off < b->off + b->size && b->off < off + size)
			goto out;
	b = calloc(1, sizeof(*b));
	if (!b) {
		ret = -ENOMEM;
		goto out;
	}
	b->off = off;
	b->size = size;
	b->gpa = gpa;
	b->slot = slot;
	b->next = gm->bindings;
	gm->bindings = b;
	*out = gm;
	*base = gm->base + off;
	*only = gm->flags & HV_GUEST_MEMFD_FLAG_MMAP;
	ret = 0;
out:
	pthread_mutex_unlock(&g->lock);
	return ret;
}

void emu_gmem_unbind(struct emu_gmems *g, struct emu_gmem *gm, uint16_t slot)
{
	struct emu_gmem_binding **pp, *b;

	pthread_mutex_lock(&g->lock);
	for (pp = &gm->bindings; (b = *pp); pp = &b->next) {
		if (b->slot == slot) {
			*pp = b->next;
			free(b);
			break;
		}
	}
	if (!gm->bindings)
		gmem_collect(g);
	pthread_mutex_unlock(&g->lock);
}

void emu_gmem_owner_gone(struct emu_gmems *g, void *owner)
{
	struct emu_gmem_binding *b, *n;
	struct emu_gmem *gm;

	pthread_mutex_lock(&g->lock);
	for (gm = g->list; gm; gm = gm->next) {
		if (gm->owner != owner)
			continue;
		for (b = gm->bindings; b; b = n) {
			n = b->next;
			free(b);
		}
		gm->bindings = NULL;
		gm->owner = NULL;
		gm->tracker = NULL;
	}
	gmem_collect(g);
	pthread_mutex_unlock(&g->lock);
}
