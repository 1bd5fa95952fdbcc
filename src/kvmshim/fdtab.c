// SPDX-License-Identifier: GPL-2.0
/*
 * fdtab.c - fd number -> shim object, for the whole process.
 *
 * Why a global: an interposed close(), dup2() or ioctl() is given only an
 * fd number, and the program may hand that number to any thread or library;
 * the kernel's own fd table is per process for the same reason.  This is
 * the shim's only process-wide state besides the resolved libc pointers.
 *
 * Every libc call on every fd of the program passes through the lookup, so
 * an untracked fd costs one relaxed atomic load of a chunk pointer (NULL
 * for every chunk without a tracked fd) and the table lock is taken only
 * for tracked fds.  Chunks are never freed.
 */
#include <errno.h>
#include <stdlib.h>

#include "shim.h"

#define CHUNK_BITS	10
#define CHUNK_SIZE	(1u << CHUNK_BITS)
#define NR_CHUNKS	1024		/* fds below 1M */

struct fd_chunk {
	struct shim_obj *obj[CHUNK_SIZE];
};

static struct {
	pthread_mutex_t lock;
	_Atomic(struct fd_chunk *) chunks[NR_CHUNKS];
} fdtab = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct shim_obj **slot_of(int fd, bool create)
{
	struct fd_chunk *c;

	if (fd < 0 || (unsigned int)fd >= NR_CHUNKS * CHUNK_SIZE)
		return NULL;
	c = atomic_load_explicit(&fdtab.chunks[fd >> CHUNK_BITS],
				 memory_order_acquire);
	if (!c && create) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return NULL;
		atomic_store_explicit(&fdtab.chunks[fd >> CHUNK_BITS], c,
				      memory_order_release);
	}
	return c ? &c->obj[fd & (CHUNK_SIZE - 1)] : NULL;
}

bool shim_fd_tracked(int fd)
{
	struct shim_obj **s = slot_of(fd, false);

	return s && __atomic_load_n(s, __ATOMIC_RELAXED);
}

int shim_fd_install(int fd, struct shim_obj *obj)
{
	struct shim_obj **s, *old;

	pthread_mutex_lock(&fdtab.lock);
	s = slot_of(fd, true);
	if (!s) {
		pthread_mutex_unlock(&fdtab.lock);
		return -EMFILE;
	}
	shim_get(obj);
	old = *s;
	__atomic_store_n(s, obj, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&fdtab.lock);
	/* A stale entry: the fd was closed behind our back (raw syscall). */
	if (old)
		shim_put(old);
	return 0;
}

struct shim_obj *shim_fd_get(int fd)
{
	struct shim_obj **s = slot_of(fd, false), *obj;

	if (!s || !__atomic_load_n(s, __ATOMIC_RELAXED))
		return NULL;
	pthread_mutex_lock(&fdtab.lock);
	obj = *s;
	if (obj)
		shim_get(obj);
	pthread_mutex_unlock(&fdtab.lock);
	return obj;
}

void shim_fd_forget(int fd)
{
	struct shim_obj **s = slot_of(fd, false), *obj;

	if (!s || !__atomic_load_n(s, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&fdtab.lock);
	obj = *s;
	__atomic_store_n(s, NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&fdtab.lock);
	if (obj)
		shim_put(obj);
}

void shim_fd_dup(int oldfd, int newfd)
{
	struct shim_obj *obj = shim_fd_get(oldfd);

	if (!obj) {
		shim_fd_forget(newfd);
		return;
	}
	/* On failure (no memory for a chunk) the new fd is a plain memfd. */
	shim_fd_install(newfd, obj);
	shim_put(obj);
}

void shim_fd_fork_child(void)
{
	unsigned int i;

	/* One thread now; a lock held by a parent thread is reset. */
	pthread_mutex_init(&fdtab.lock, NULL);
	for (i = 0; i < NR_CHUNKS; i++)
		atomic_store(&fdtab.chunks[i], NULL);	/* leaked on purpose */
}

static void __attribute__((constructor)) fdtab_init(void)
{
	pthread_atfork(NULL, NULL, shim_fd_fork_child);
}
