// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_shim.c - `cvisor kvm-shim -- PROGRAM ARGS...`: run a KVM program on
 * the emu backend by exec'ing it with libcvisor-kvm.so preloaded
 * (docs/kvm-shim.md).  The library is looked up next to this binary, or
 * taken from $CVISOR_KVM_SHIM.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvm_shim.h"

#define SHIM_NAME	"libcvisor-kvm.so"

static int shim_path(char *buf, size_t len)
{
	char exe[PATH_MAX];
	const char *env = getenv("CVISOR_KVM_SHIM");
	ssize_t n;

	if (env && *env) {
		if (!realpath(env, buf))
			return -errno;
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	if ((size_t)snprintf(buf, len, "%s/%s", dirname(exe), SHIM_NAME) >= len)
		return -ENAMETOOLONG;
	return access(buf, R_OK) ? -errno : 0;
}

int cmd_kvm_shim(int argc, char **argv)
{
	char lib[PATH_MAX], *preload;
	const char *old;
	int first = 1, ret;

	if (argc > 1 && !strcmp(argv[1], "--"))
		first = 2;
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("Usage: cvisor kvm-shim [--] PROGRAM [ARGS...]\n"
		     "Run PROGRAM with /dev/kvm served by cvisor's emu backend.");
		return 0;
	}
	if (first >= argc) {
		fprintf(stderr, "cvisor: kvm-shim: expected a PROGRAM to run (cvisor kvm-shim -- PROGRAM ARGS...)\n");
		return 2;
	}
	ret = shim_path(lib, sizeof(lib));
	if (ret) {
		fprintf(stderr, "cvisor: kvm-shim: %s: %s\n",
			getenv("CVISOR_KVM_SHIM") ? getenv("CVISOR_KVM_SHIM") :
			SHIM_NAME " next to cvisor", strerror(-ret));
		return 125;
	}
	/* The dynamic loader splits LD_PRELOAD at spaces and colons. */
	if (strpbrk(lib, " :")) {
		fprintf(stderr, "cvisor: kvm-shim: %s: path contains a space or colon\n",
			lib);
		return 125;
	}
	old = getenv("LD_PRELOAD");
	if (old && *old) {
		if (asprintf(&preload, "%s:%s", lib, old) < 0)
			return 125;
	} else {
		preload = lib;
	}
	if (setenv("LD_PRELOAD", preload, 1))
		return 125;
	execvp(argv[first], argv + first);
	fprintf(stderr, "cvisor: kvm-shim: %s: %s\n", argv[first],
		strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
