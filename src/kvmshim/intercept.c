// SPDX-License-Identifier: GPL-2.0
/*
 * intercept.c - the libc functions libcvisor-kvm.so interposes.
 *
 * open()/openat() of /dev/kvm (or $CVISOR_KVM_PATH) make a system object;
 * on tracked fds ioctl() goes to the shim, read()/write() fail as on KVM's
 * files (-EINVAL), fallocate() on a guest_memfd goes to the backend, and
 * close()/dup*()/fcntl(F_DUPFD*) keep the fd table in step.  Everything
 * else goes straight to libc.  Only the symbols in kvmshim.map are
 * exported; the library inside (hv, emu, the CPU core) stays private.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "shim.h"

static struct shim_libc libc_fns;
static pthread_once_t libc_once = PTHREAD_ONCE_INIT;
/* $CVISOR_KVM_SHIM_TRACE: every KVM ioctl and its result on stderr. */
static bool trace_ioctls;

static void libc_resolve(void)
{
	libc_fns.open = dlsym(RTLD_NEXT, "open");
	libc_fns.openat = dlsym(RTLD_NEXT, "openat");
	libc_fns.close = dlsym(RTLD_NEXT, "close");
	libc_fns.ioctl = dlsym(RTLD_NEXT, "ioctl");
	libc_fns.dup = dlsym(RTLD_NEXT, "dup");
	libc_fns.dup2 = dlsym(RTLD_NEXT, "dup2");
	libc_fns.dup3 = dlsym(RTLD_NEXT, "dup3");
	libc_fns.fcntl = dlsym(RTLD_NEXT, "fcntl");
	libc_fns.read = dlsym(RTLD_NEXT, "read");
	libc_fns.write = dlsym(RTLD_NEXT, "write");
	libc_fns.fallocate = dlsym(RTLD_NEXT, "fallocate");
	trace_ioctls = getenv("CVISOR_KVM_SHIM_TRACE") != NULL;
	if (!libc_fns.open || !libc_fns.openat || !libc_fns.close ||
	    !libc_fns.ioctl || !libc_fns.dup || !libc_fns.dup2 ||
	    !libc_fns.dup3 || !libc_fns.fcntl || !libc_fns.read ||
	    !libc_fns.write || !libc_fns.fallocate)
		abort();	/* not a glibc process: nothing can work */
}

const struct shim_libc *shim_libc(void)
{
	pthread_once(&libc_once, libc_resolve);
	return &libc_fns;
}

static bool is_kvm_path(const char *path)
{
	const char *alt;

	if (!path)
		return false;
	if (!strcmp(path, "/dev/kvm"))
		return true;
	alt = getenv("CVISOR_KVM_PATH");
	return alt && *alt && !strcmp(path, alt);
}

static int ret_errno(long r)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return (int)r;
}

static int open_kvm(int flags)
{
	return ret_errno(shim_sys_open(flags));
}

/* ------------------------------------------------------------------ open */

static mode_t open_mode(int flags, va_list ap)
{
	if (flags & (O_CREAT | __O_TMPFILE))
		return va_arg(ap, mode_t);
	return 0;
}

__attribute__((visibility("default")))
int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	if (is_kvm_path(path))
		return open_kvm(flags);
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return shim_libc()->open(path, flags, mode);
}

__attribute__((visibility("default"), alias("open")))
int open64(const char *path, int flags, ...);

__attribute__((visibility("default")))
int __open_2(const char *path, int flags)
{
	return open(path, flags);
}

__attribute__((visibility("default"), alias("__open_2")))
int __open64_2(const char *path, int flags);

__attribute__((visibility("default")))
int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	/* /dev/kvm is absolute: dirfd does not matter, as in the kernel. */
	if (is_kvm_path(path) && path[0] == '/')
		return open_kvm(flags);
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return shim_libc()->openat(dirfd, path, flags, mode);
}

__attribute__((visibility("default"), alias("openat")))
int openat64(int dirfd, const char *path, int flags, ...);

__attribute__((visibility("default")))
int __openat_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}

__attribute__((visibility("default"), alias("__openat_2")))
int __openat64_2(int dirfd, const char *path, int flags);

/* ---------------------------------------------------------- fd lifetime */

__attribute__((visibility("default")))
int close(int fd)
{
	/*
	 * Forget the number before it is freed: once the real close() is
	 * done another thread may get the same number for a new KVM file and
	 * install it, and forgetting afterwards would drop that one.  (Linux
	 * frees the number even when close() reports an error; on EBADF the
	 * entry was stale anyway.)
	 */
	shim_fd_forget(fd);
	return shim_libc()->close(fd);
}

__attribute__((visibility("default")))
int dup(int fd)
{
	int nfd = shim_libc()->dup(fd);

	if (nfd >= 0 && shim_fd_tracked(fd))
		shim_fd_dup(fd, nfd);
	return nfd;
}

__attribute__((visibility("default")))
int dup2(int fd, int fd2)
{
	int r = shim_libc()->dup2(fd, fd2);

	if (r >= 0 && fd != fd2)
		shim_fd_dup(fd, fd2);
	return r;
}

__attribute__((visibility("default")))
int dup3(int fd, int fd2, int flags)
{
	int r = shim_libc()->dup3(fd, fd2, flags);

	if (r >= 0)
		shim_fd_dup(fd, fd2);
	return r;
}

__attribute__((visibility("default")))
int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;
	int r;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	r = shim_libc()->fcntl(fd, cmd, arg);
	if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) &&
	    shim_fd_tracked(fd))
		shim_fd_dup(fd, r);
	return r;
}

__attribute__((visibility("default"), alias("fcntl")))
int fcntl64(int fd, int cmd, ...);

/* ----------------------------------------------------------------- ioctl */

static long obj_ioctl(struct shim_obj *obj, unsigned long req,
		      unsigned long arg)
{
	switch (obj->kind) {
	case SHIM_SYS:
		return shim_sys_ioctl(container_of(obj, struct shim_sys, obj),
				      req, arg);
	case SHIM_VM:
		return shim_vm_ioctl(container_of(obj, struct shim_vm, obj),
				     req, arg);
	case SHIM_VCPU:
		return shim_vcpu_ioctl((struct shim_vcpu *)obj, req, arg);
	case SHIM_GMEM:
	default:
		/* guest_memfd has no ioctls. */
		return -ENOTTY;
	}
}

__attribute__((visibility("default")))
int ioctl(int fd, unsigned long req, ...)
{
	struct shim_obj *obj;
	unsigned long arg;
	va_list ap;
	long r;

	va_start(ap, req);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	/*
	 * The kernel's command is 32 bits: programs that pass it as an int
	 * (QEMU does) sign-extend _IOR/_IOWR numbers into the upper half.
	 */
	req = (unsigned int)req;
	obj = shim_fd_get(fd);
	if (!obj)
		return shim_libc()->ioctl(fd, req, arg);
	shim_libc();	/* resolves trace_ioctls too */
	/* The generic file ioctls (FIOCLEX, FIONBIO, ...) stay the VFS's. */
	if (_IOC_TYPE(req) != KVMIO) {
		shim_put(obj);
		return shim_libc()->ioctl(fd, req, arg);
	}
	r = obj_ioctl(obj, req, arg);
	shim_put(obj);
	if (trace_ioctls)
		fprintf(stderr, "kvm-shim: fd %d ioctl 0x%lx (nr 0x%lx) -> %ld\n",
			fd, req, (unsigned long)_IOC_NR(req), r);
	return ret_errno(r);
}

/* ------------------------------------------------------------ read/write */

__attribute__((visibility("default")))
ssize_t read(int fd, void *buf, size_t n)
{
	/* No KVM file has a read method (stats fds are not offered). */
	if (shim_fd_tracked(fd)) {
		errno = EINVAL;
		return -1;
	}
	return shim_libc()->read(fd, buf, n);
}

__attribute__((visibility("default")))
ssize_t write(int fd, const void *buf, size_t n)
{
	if (shim_fd_tracked(fd)) {
		errno = EINVAL;
		return -1;
	}
	return shim_libc()->write(fd, buf, n);
}

__attribute__((visibility("default")))
int fallocate(int fd, int mode, off_t off, off_t len)
{
	struct shim_obj *obj = shim_fd_get(fd);
	long r;

	if (!obj)
		return shim_libc()->fallocate(fd, mode, off, len);
	if (obj->kind == SHIM_GMEM)
		r = shim_gmem_fallocate(container_of(obj, struct shim_gmem,
						     obj), fd, mode, off, len);
	else
		r = -ENODEV;	/* KVM's other files have no fallocate */
	shim_put(obj);
	return ret_errno(r);
}

__attribute__((visibility("default"), alias("fallocate")))
int fallocate64(int fd, int mode, off_t off, off_t len);
