/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shim.h - libcvisor-kvm.so, the KVM-compatible front end on the emu
 * backend (docs/kvm-shim.md).
 *
 * A program that opens /dev/kvm under the preload gets a file descriptor
 * the shim tracks; its ioctls are translated to hv_* calls on the emu
 * backend.  Four kinds of objects sit behind tracked fds, as in KVM:
 *
 *	system (/dev/kvm) -> VM -> vCPU
 *	                       \-> guest_memfd
 *
 * Every object is reference counted.  An fd table entry holds one
 * reference, an ioctl in flight holds one, and a child object holds one on
 * its VM, so a VM outlives its fd while vCPUs or guest_memfds exist (as a
 * KVM VM does) and an ioctl racing with close() finishes on a live object.
 *
 * The fd behind each object is a real memfd (named "kvm", "kvm-vm",
 * "kvm-vcpu:N"): poll(), fstat(), fcntl(F_GETFL/SETFD) and exec work on it
 * natively, and the vCPU's memfd is the kvm_run area itself, so the
 * program's mmap() of the vCPU fd needs no interposition.
 */
#ifndef CVISOR_KVMSHIM_SHIM_H
#define CVISOR_KVMSHIM_SHIM_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/kvm.h>

#include "hv/hv.h"
#include "lib/compiler.h"

enum shim_kind {
	SHIM_SYS,
	SHIM_VM,
	SHIM_VCPU,
	SHIM_GMEM,
};

struct shim_obj {
	enum shim_kind kind;
	atomic_int refs;
	void (*release)(struct shim_obj *obj);
};

static inline void shim_get(struct shim_obj *obj)
{
	atomic_fetch_add(&obj->refs, 1);
}

static inline void shim_put(struct shim_obj *obj)
{
	if (atomic_fetch_sub(&obj->refs, 1) == 1)
		obj->release(obj);
}

/* --------------------------------------------------------------- fd table */

/*
 * The process-wide table from fd number to object.  It is the one global
 * of the shim: the interposed libc calls receive nothing but an fd number,
 * so the mapping cannot live anywhere else (fdtab.c).
 */
int shim_fd_install(int fd, struct shim_obj *obj);	/* takes a reference */
struct shim_obj *shim_fd_get(int fd);			/* +1 ref, or NULL */
bool shim_fd_tracked(int fd);
/* Forget @fd (after close/dup2 over it); drops the table's reference. */
void shim_fd_forget(int fd);
/* @newfd now refers to the object of @oldfd (dup, dup2, F_DUPFD). */
void shim_fd_dup(int oldfd, int newfd);
/*
 * In a fork child: forget every entry without releasing anything (the
 * objects' threads exist only in the parent; their fds now name a plain
 * memfd in the child, as a KVM fd is useless in a child).
 */
void shim_fd_fork_child(void);

/* Real libc entry points (RTLD_NEXT), resolved once (intercept.c). */
struct shim_libc {
	int (*open)(const char *path, int flags, ...);
	int (*openat)(int dirfd, const char *path, int flags, ...);
	int (*close)(int fd);
	int (*ioctl)(int fd, unsigned long req, ...);
	int (*dup)(int fd);
	int (*dup2)(int fd, int fd2);
	int (*dup3)(int fd, int fd2, int flags);
	int (*fcntl)(int fd, int cmd, ...);
	ssize_t (*read)(int fd, void *buf, size_t n);
	ssize_t (*write)(int fd, const void *buf, size_t n);
	int (*fallocate)(int fd, int mode, off_t off, off_t len);
};
const struct shim_libc *shim_libc(void);

/* A new memfd of @size bytes standing for a KVM file (O_CLOEXEC per @cloexec). */
int shim_memfd(const char *name, size_t size, bool cloexec);

/* ----------------------------------------------------------------- objects */

/*
 * The KVM version whose ABI the shim presents.  By default the newest it
 * implements; $CVISOR_KVM_ABI ("6.12") makes it an older one, for programs
 * that check an older kernel's exact answers, such as the 6.12 selftests
 * asserting that no guest_memfd creation flag exists (abi.c).
 */
#define SHIM_ABI(major, minor)	((major) << 8 | (minor))
#define SHIM_ABI_NEWEST		SHIM_ABI(6, 18)
/* The ABI from $CVISOR_KVM_ABI, or -EINVAL when it is not "MAJOR.MINOR". */
int shim_abi_from_env(void);
/* KVM_CREATE_GUEST_MEMFD flags the ABI has at all (6.18: MMAP, INIT_SHARED). */
uint64_t shim_abi_gmem_flags(unsigned int abi);

struct shim_sys {
	struct shim_obj obj;
	unsigned int abi;		/* SHIM_ABI(); VMs inherit it */
};

struct shim_vm {
	struct shim_obj obj;
	struct hv *hv;			/* one emu instance per VM */
	struct hv_vm *vm;
	pid_t owner;			/* KVM: other processes get -EIO */
	unsigned int abi;		/* of the /dev/kvm fd that made it */
	pthread_mutex_t lock;		/* vCPU ids, irqchip, memslots */
	bool irqchip;
	bool vcpus_created;
	uint64_t vcpu_ids[1024 / 64];	/* ids in use */
	unsigned int nr_vcpus;
	uint32_t tsc_khz;		/* KVM_SET_TSC_KHZ on the VM, else the
					 * host's rate; 0: the backend's default */
	unsigned int max_vcpu_id;	/* KVM_CAP_MAX_VCPU_ID enabled; 0: default */
	unsigned long nr_mmu_pages;	/* KVM_SET_NR_MMU_PAGES: kept, not used */
	/* Slot sizes, for the dirty bitmap's length (KVM_GET_DIRTY_LOG). */
	struct shim_slot {
		uint32_t id;		/* as_id << 16 | slot, as KVM's */
		uint64_t pages;
	} *slots;
	unsigned int nr_slots;
};

struct shim_vcpu;

struct shim_gmem {
	struct shim_obj obj;
	struct shim_vm *vm;		/* reference: the fallocate path is the VM's hv */
	uint64_t size;
	uint64_t flags;
};

/* Maximum vCPU id + 1 accepted by KVM_CREATE_VCPU (KVM_CAP_MAX_VCPU_ID). */
#define SHIM_MAX_VCPU_ID	1024
/* The highest KVM_SET_TSC_KHZ accepted (100 GHz). */
#define SHIM_MAX_TSC_KHZ	100000000ul

int shim_sys_open(int flags);
int shim_vm_create(struct shim_sys *sys, unsigned long type);
long shim_sys_ioctl(struct shim_sys *sys, unsigned long req, unsigned long arg);
long shim_vm_ioctl(struct shim_vm *vm, unsigned long req, unsigned long arg);
long shim_vcpu_ioctl(struct shim_vcpu *vcpu, unsigned long req,
		     unsigned long arg);
long shim_gmem_fallocate(struct shim_gmem *g, int fd, int mode, off_t off,
			 off_t len);

/* vcpu.c: KVM_CREATE_VCPU's work. */
int shim_vcpu_create(struct shim_vm *vm, unsigned long id);
/* Size of the vCPU mmap area (KVM_GET_VCPU_MMAP_SIZE). */
#define SHIM_RUN_PAGES		2
#define SHIM_PIO_OFFSET		4096	/* io.data_offset, as KVM's PIO page */
#define SHIM_RUN_SIZE		(SHIM_RUN_PAGES * 4096)

/* caps.c: the KVM_CHECK_EXTENSION answer (system fd: @vm NULL). */
int shim_check_extension(struct hv *hv, struct hv_vm *vm, unsigned int abi,
			 long cap);
/* KVM's capability number -> hv_cap for KVM_ENABLE_CAP, or -1. */
int shim_cap_to_hv(long cap);

/* Copy helpers that turn a bad user pointer into -EFAULT (uaccess.c). */
int shim_copy_from_user(void *dst, unsigned long src, size_t len);
int shim_copy_to_user(unsigned long dst, const void *src, size_t len);

#endif
