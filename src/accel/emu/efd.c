// SPDX-License-Identifier: GPL-2.0
/*
 * efd.c - identifying, signalling and draining eventfds by file
 * description (see efd.h for why not by number or inode).
 *
 * No state, no locks: every function works on descriptors the caller
 * owns for the duration of the call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "efd.h"

int efd_get(uint32_t fd)
{
	char path[40], link[64];
	ssize_t n;
	int dup_fd;

	if (fd > (uint32_t)__INT_MAX__)
		return -EBADF;
	/*
	 * Dup first, check afterwards: everything below looks at our own
	 * descriptor, so the owner closing (and the kernel reusing) its
	 * number meanwhile cannot make us check one file and keep another.
	 */
	dup_fd = fcntl((int)fd, F_DUPFD_CLOEXEC, 3);
	if (dup_fd < 0)
		return -errno;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", dup_fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		/* No /proc: we cannot tell; eventfd reads/writes will. */
		return dup_fd;
	}
	link[n] = '\0';
	if (strcmp(link, "anon_inode:[eventfd]")) {
		close(dup_fd);
		return -EINVAL;
	}
	return dup_fd;
}

static int efd_id(int fd, unsigned long long *id)
{
	char path[40], line[128];
	FILE *f;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "eventfd-id: %llu", id) == 1) {
			ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

int efd_same(int a, int b)
{
	pid_t pid = getpid();
	unsigned long long ia, ib;
	long r;

	r = syscall(SYS_kcmp, pid, pid, KCMP_FILE, a, b);
	if (r >= 0)
		return r == 0;
	if (errno == EBADF)
		return -EBADF;
	/* kcmp compiled out or filtered: eventfd ids are unique while open. */
	if (efd_id(a, &ia) || efd_id(b, &ib))
		return -ENOSYS;
	return ia == ib;
}

void efd_signal(int fd)
{
	uint64_t one = 1;
	ssize_t n;

	do {
		n = write(fd, &one, sizeof(one));
	} while (n < 0 && errno == EINTR);
}

uint64_t efd_consume(int fd)
{
	uint64_t v = 0;
	struct iovec iov = { .iov_base = &v, .iov_len = sizeof(v) };
	ssize_t n;

	/*
	 * The owner's description may be a blocking one and is shared with
	 * us, so O_NONBLOCK cannot be set on it.  RWF_NOWAIT makes this one
	 * read non-blocking (eventfd supports it since Linux 5.11).
	 */
	n = preadv2(fd, &iov, 1, -1, RWF_NOWAIT);
	if (n < 0 && (errno == EOPNOTSUPP || errno == ENOSYS ||
		      errno == EINVAL)) {
		/*
		 * Old kernel: a plain read.  It can block only if someone
		 * else drained the counter between epoll and here, i.e. the
		 * owner reads its own irqfd eventfd (with KVM it would then
		 * block for ever itself).
		 */
		n = read(fd, &v, sizeof(v));
	}
	return n == sizeof(v) ? v : 0;
}
