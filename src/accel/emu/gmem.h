/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gmem.h - guest_memfd for the emu backend (seed-apis.md 3.3, 3.4, 3.7).
 *
 * A guest_memfd is a sealed memfd that only the backend maps; the fd the
 * VMM gets is an O_PATH handle on it (fstat works; read, write, mmap,
 * ftruncate and fallocate fail), so no cvisor API hands out a way to read
 * or write private memory.  The one exception is a file whose memory is
 * shared from the start and may be mapped (MMAP | INIT_SHARED, a VM
 * without private memory): its fd is the memfd itself, for mmap().
 * hv_guest_memfd_fallocate() is the allocate / punch-hole call.
 * docs/private-memory.md lists the differences from KVM's file.
 *
 * Objects live in a per-backend registry (struct emu_gmems, in the
 * struct hv of the emu backend) identified by inode, so that a fd of
 * another VM, a plain memfd or a closed fd is recognised at binding time.
 * As KVM's file pins its VM, a guest_memfd's memory outlives its VM while
 * an fd refers to it: fallocate keeps working after the VM is gone.  A
 * binding keeps the memory too (KVM's slot does not: userspace cannot see
 * the fd's close), so a vCPU can never touch freed memory whatever the
 * teardown order; a file that is neither bound nor open is freed at the
 * next unbind, VM destroy or create, everything at hv_close().
 *
 * Lock order: emu_mem's lock, then emu_gmems.lock.
 */
#ifndef CVISOR_EMU_GMEM_H
#define CVISOR_EMU_GMEM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct emu_vm;
struct x86_code_tracker;

struct emu_gmem_binding {
	uint64_t off, size;		/* file range */
	uint64_t gpa;			/* where the slot maps it */
	uint16_t slot;
	struct emu_gmem_binding *next;
};

struct emu_gmem {
	void *owner;			/* the VM; NULL once it is destroyed */
	struct x86_code_tracker *tracker;	/* the owner's, for punches */
	dev_t dev;
	ino_t ino;
	int path_fd;			/* pins the inode while we live */
	uint64_t flags;			/* HV_GUEST_MEMFD_FLAG_* */
	bool reachable;			/* gmem_collect()'s mark */
	uint64_t size;
	uint8_t *base;			/* the backend's own mapping */
	struct emu_gmem_binding *bindings;
	struct emu_gmem *next;
};

struct emu_gmems {
	pthread_mutex_t lock;
	struct emu_gmem *list;
};

void emu_gmems_init(struct emu_gmems *g);
/* hv_close(): every guest_memfd's memory goes. */
void emu_gmems_fini(struct emu_gmems *g);

/* KVM_CREATE_GUEST_MEMFD for @owner: a new fd or -errno. */
int emu_gmem_create(struct emu_gmems *g, void *owner,
		    struct x86_code_tracker *tracker, uint64_t size,
		    uint64_t flags, uint64_t supported_flags);
int emu_gmem_fallocate(struct emu_gmems *g, int fd, int mode,
		       uint64_t offset, uint64_t len);

/*
 * Bind [off, off+size) of guest_memfd @fd to @slot of @owner at @gpa with
 * KVM's checks: -EBADF, or -EINVAL for not a guest_memfd, another VM's,
 * a bad range or one overlapping another binding.  *base gets the host
 * address of the first page; *only is true for a file created with MMAP,
 * whose slot is "guest_memfd-only" (seed-apis.md 3.4): shared accesses
 * are served from the file too.
 */
int emu_gmem_bind(struct emu_gmems *g, void *owner, int fd, uint64_t off,
		  uint64_t size, uint64_t gpa, uint16_t slot,
		  struct emu_gmem **out, uint8_t **base, bool *only);
void emu_gmem_unbind(struct emu_gmems *g, struct emu_gmem *gm, uint16_t slot);
/* The owner is being destroyed: drop its bindings, keep the memory. */
void emu_gmem_owner_gone(struct emu_gmems *g, void *owner);

#endif
