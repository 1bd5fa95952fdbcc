/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iotest.h - helpers for the ioreq tests: an ioreq host on a socket in a
 * private directory (the hypervisor side, driven through the same API the
 * VMM uses), libcvisor-dm calls turned into -errno for CHECK_ERR, and a
 * recorder for the host's "stop the VM" callback.
 */
#ifndef CVISOR_TESTS_IOREQ_IOTEST_H
#define CVISOR_TESTS_IOREQ_IOTEST_H

#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "../check.h"
#include "ioreq/ioreq.h"
#include "libdm/cvisor-dm.h"

/* A libcvisor-dm call (0 / -1 + errno) as 0 / -errno. */
#define DM(call) ((call) < 0 ? -errno : 0)

struct iot {
	struct ioreq_host *h;
	char dir[64];
	char path[96];
	pthread_mutex_t lock;
	int fails;
	char fail_msg[256];
	/* The last XEN_DMOP_set_pci_intx_level the host passed on. */
	int intx_calls;
	unsigned int intx_dev, intx_pin, intx_level;
};

static void iot_fail_cb(void *opaque, const char *msg)
{
	struct iot *t = opaque;

	pthread_mutex_lock(&t->lock);
	if (!t->fails++)
		snprintf(t->fail_msg, sizeof(t->fail_msg), "%s", msg);
	pthread_mutex_unlock(&t->lock);
}

static int iot_intx_cb(void *opaque, unsigned int dev, unsigned int intx,
		       unsigned int level)
{
	struct iot *t = opaque;

	pthread_mutex_lock(&t->lock);
	t->intx_calls++;
	t->intx_dev = dev;
	t->intx_pin = intx;
	t->intx_level = level;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

static const struct ioreq_host_ops iot_ops = {
	.fail = iot_fail_cb,
	.pci_intx_level = iot_intx_cb,
};

static inline int iot_fails(struct iot *t)
{
	int n;

	pthread_mutex_lock(&t->lock);
	n = t->fails;
	pthread_mutex_unlock(&t->lock);
	return n;
}

static inline void iot_init(struct iot *t, unsigned int nr_vcpus)
{
	struct ioreq_host_config cfg = {
		.nr_vcpus = nr_vcpus, .ram_fd = -1, .ops = &iot_ops,
		.opaque = t,
	};

	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	snprintf(t->dir, sizeof(t->dir), "/tmp/cvisor-iot-XXXXXX");
	CHECK(mkdtemp(t->dir), "mkdtemp: %s", strerror(errno));
	snprintf(t->path, sizeof(t->path), "%s/ioreq.sock", t->dir);
	cfg.socket_path = t->path;
	CHECK_OK(ioreq_host_create(&cfg, &t->h));
	setenv("CVISOR_DM_SOCKET", t->path, 1);
}

static inline void iot_fini(struct iot *t)
{
	ioreq_host_destroy(t->h);
	rmdir(t->dir);
}

/* Open file descriptors of this process (leak checks). */
static inline int iot_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

#endif
