// SPDX-License-Identifier: GPL-2.0
/*
 * sandbox.c - what a device model may do once it is set up: use the
 * descriptors it already holds (the control connections, the shared
 * pages, guest RAM, its backing file, eventfds) and nothing else.
 *
 * Layers, each applied where the host allows it (the result is reported
 * with --verbose and documented in docs/ioreq.md):
 *   1. no new privileges (PR_SET_NO_NEW_PRIVS), always;
 *   2. new user, mount, network and IPC namespaces, with an empty tmpfs
 *      as the root directory, so no path leads anywhere;
 *   3. a seccomp filter (libseccomp) that allows I/O on held descriptors,
 *      memory management without PROT_EXEC, polling, futexes, clocks and
 *      exit, and kills the process on anything else (open, socket,
 *      connect, execve, ptrace, fork...).
 * Sanitizer builds load the filter in log mode: their runtimes need
 * system calls (LeakSanitizer's ptrace, for one) the filter forbids.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dm/dm.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define DM_SECCOMP_DEFAULT	SCMP_ACT_LOG
#else
#define DM_SECCOMP_DEFAULT	SCMP_ACT_KILL_PROCESS
#endif

/* An empty, read-only root: pivot onto a fresh tmpfs and drop the old. */
static int sandbox_empty_root(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("cvisor-dm", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4k,mode=0555") < 0 ||
	    chdir("/tmp") < 0 ||
	    syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 ||
	    chdir("/") < 0)
		return -errno;
	mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
	return 0;
}

static int sandbox_namespaces(void)
{
	/* A user namespace gives the capabilities the rest needs unprivileged. */
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET |
		    CLONE_NEWIPC) < 0 &&
	    unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC) < 0)
		return -errno;
	return sandbox_empty_root();
}

static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv),
	SCMP_SYS(pwritev), SCMP_SYS(preadv2), SCMP_SYS(pwritev2),
	SCMP_SYS(lseek), SCMP_SYS(fsync), SCMP_SYS(fdatasync),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(close),
	SCMP_SYS(sendmsg), SCMP_SYS(recvmsg), SCMP_SYS(sendto),
	SCMP_SYS(recvfrom),
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(munmap), SCMP_SYS(madvise), SCMP_SYS(brk), SCMP_SYS(mremap),
	SCMP_SYS(futex), SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep),
	SCMP_SYS(nanosleep), SCMP_SYS(gettid), SCMP_SYS(getpid),
	SCMP_SYS(getrandom), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(restart_syscall),
	SCMP_SYS(exit), SCMP_SYS(exit_group),
};

static int sandbox_seccomp(void)
{
	scmp_filter_ctx ctx = seccomp_init(DM_SECCOMP_DEFAULT);
	unsigned int i;
	int ret = 0;

	if (!ctx)
		return -ENOMEM;
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]) && !ret; i++)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	/* Memory, but never executable: no new code in this process. */
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect),
				       1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC,
						  0));
	if (!ret)
		ret = seccomp_load(ctx);
	seccomp_release(ctx);
	return ret;
}

int dm_sandbox(char *what, size_t what_len, char *err, size_t err_len)
{
	int ret;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, err_len, "no_new_privs: %s", strerror(errno));
		return -errno;
	}
	snprintf(what, what_len, "no_new_privs");
	ret = sandbox_namespaces();
	if (!ret)
		snprintf(what + strlen(what), what_len - strlen(what),
			 ", namespaces (user/mount/net/ipc, empty root)");
	else
		snprintf(what + strlen(what), what_len - strlen(what),
			 ", no namespaces (%s)", strerror(-ret));
	ret = sandbox_seccomp();
	if (ret) {
		snprintf(err, err_len, "seccomp: %s", strerror(-ret));
		return ret;
	}
	snprintf(what + strlen(what), what_len - strlen(what), ", seccomp%s",
		 DM_SECCOMP_DEFAULT == SCMP_ACT_LOG ? " (log only)" : "");
	return 0;
}
