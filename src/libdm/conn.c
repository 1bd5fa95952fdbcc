// SPDX-License-Identifier: GPL-2.0
/*
 * conn.c - libcvisor-dm's connection to the VMM: a SOCK_SEQPACKET unix
 * socket, one fixed-size request and one response per call, descriptors
 * in the response's SCM_RIGHTS.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "libdm/internal.h"

#define CONN_MAX_FDS	4

struct cvdm_conn *cvdm_open_path(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct cvdm_conn *c;
	int fd, err;

	if (!path || strlen(path) >= sizeof(addr.sun_path)) {
		errno = path ? ENAMETOOLONG : EINVAL;
		return NULL;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		goto fail;
	c = calloc(1, sizeof(*c));
	if (!c)
		goto fail;
	c->fd = fd;
	pthread_mutex_init(&c->lock, NULL);
	return c;
fail:
	err = errno;
	close(fd);
	errno = err;
	return NULL;
}

struct cvdm_conn *cvdm_open_env(void)
{
	const char *path = getenv("CVISOR_DM_SOCKET");

	if (!path) {
		errno = ENOENT;
		return NULL;
	}
	return cvdm_open_path(path);
}

void cvdm_conn_close(struct cvdm_conn *c)
{
	if (!c)
		return;
	close(c->fd);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static void close_fds(int *fds, unsigned int n)
{
	while (n--)
		close(fds[n]);
}

int cvdm_call_raw(struct cvdm_conn *c, uint32_t op, void *payload,
		  size_t size, int *fds, unsigned int max_fds,
		  unsigned int *nr_fds)
{
	char cbuf[CMSG_SPACE(CONN_MAX_FDS * sizeof(int))];
	struct cvdm_req req = { .op = op, .size = (uint32_t)size };
	struct cvdm_rsp rsp;
	struct iovec iov = { .iov_base = &rsp, .iov_len = sizeof(rsp) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	int got[CONN_MAX_FDS];
	unsigned int n = 0;
	struct cmsghdr *cm;
	ssize_t len;
	int ret;

	if (nr_fds)
		*nr_fds = 0;
	if (size > CVDM_PAYLOAD_MAX)
		return -EINVAL;
	memcpy(req.payload, payload, size);
	pthread_mutex_lock(&c->lock);
	if (send(c->fd, &req, sizeof(req), MSG_NOSIGNAL) != sizeof(req)) {
		ret = -errno;
		goto out;
	}
	do {
		len = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
	} while (len < 0 && errno == EINTR);
	if (len < 0) {
		ret = -errno;
		goto out;
	}
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		unsigned int i, k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (unsigned int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < k && n < CONN_MAX_FDS; i++)
			memcpy(&got[n++], CMSG_DATA(cm) + i * sizeof(int),
			       sizeof(int));
	}
	if (len != sizeof(rsp)) {
		/* The VMM went away (0) or spoke something else. */
		close_fds(got, n);
		ret = -EPIPE;
		goto out;
	}
	ret = rsp.ret;
	if (ret > 0 || ret < -4095)
		ret = -EPROTO;
	if (ret || n > max_fds) {
		close_fds(got, n);
		n = 0;
		if (!ret)
			ret = -EPROTO;
	}
	if (!ret) {
		memcpy(payload, rsp.payload, size);
		if (n)
			memcpy(fds, got, n * sizeof(int));
		if (nr_fds)
			*nr_fds = n;
	}
out:
	pthread_mutex_unlock(&c->lock);
	return ret;
}

int cvdm_call(struct cvdm_conn *c, uint32_t op, void *payload, size_t size,
	      int *fds, unsigned int max_fds, unsigned int *nr_fds)
{
	return cvdm_ret(cvdm_call_raw(c, op, payload, size, fds, max_fds,
				      nr_fds));
}
