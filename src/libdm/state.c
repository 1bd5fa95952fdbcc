// SPDX-License-Identifier: GPL-2.0
/*
 * state.c - the device model's end of the state channel: the VMM asks,
 * we answer (ioreq_abi.h, CVDM_STATE_*).  Blobs travel in a memfd the
 * VMM attaches to each request, so that a sandboxed device model needs
 * no system call beyond pread/pwrite on a descriptor it was given.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libdm/internal.h"

struct cvdm_state {
	struct cvdm_conn *conn;
	const struct cvdm_state_ops *ops;
	void *opaque;
};

struct cvdm_state *cvdm_state_open(const struct cvdm_state_ops *ops,
				   void *opaque)
{
	struct cvdm_state *st;
	uint32_t none = 0;
	int err;

	if (!ops || !ops->save || !ops->load || !ops->version) {
		errno = EINVAL;
		return NULL;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->ops = ops;
	st->opaque = opaque;
	st->conn = cvdm_open_env();
	if (!st->conn ||
	    cvdm_call(st->conn, CVDM_OP_STATE_CHANNEL, &none, 0, NULL, 0,
		      NULL)) {
		err = errno;
		cvdm_state_close(st);
		errno = err;
		return NULL;
	}
	return st;
}

int cvdm_state_fd(struct cvdm_state *st)
{
	return st->conn->fd;
}

static int full_pwrite(int fd, const void *p, size_t n)
{
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = pwrite(fd, (const char *)p + done, n - done, (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		done += (size_t)r;
	}
	return 0;
}

static int full_pread(int fd, void *p, size_t n)
{
	size_t done = 0;
	ssize_t r;

	while (done < n) {
		r = pread(fd, (char *)p + done, n - done, (off_t)done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		done += (size_t)r;
	}
	return 0;
}

static int state_save(struct cvdm_state *st, int fd, struct cvdm_state_msg *m)
{
	void *blob = NULL;
	size_t len = 0;
	int ret;

	ret = st->ops->save(st->opaque, &blob, &len);
	if (!ret && len > CVDM_STATE_MAX)
		ret = -EFBIG;
	if (!ret)
		ret = full_pwrite(fd, blob, len);
	free(blob);
	if (!ret) {
		m->version = st->ops->version;
		m->size = (uint32_t)len;
	}
	return ret;
}

static int state_load(struct cvdm_state *st, int fd,
		      const struct cvdm_state_msg *m)
{
	void *blob;
	int ret;

	if (!m->version || m->version > st->ops->version ||
	    m->size > CVDM_STATE_MAX)
		return -EINVAL;
	blob = malloc(m->size ? m->size : 1);
	if (!blob)
		return -ENOMEM;
	ret = full_pread(fd, blob, m->size);
	if (!ret)
		ret = st->ops->load(st->opaque, blob, m->size, m->version);
	free(blob);
	return ret;
}

int cvdm_state_process(struct cvdm_state *st)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct cvdm_state_msg m;
	struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	ssize_t n;
	int fd = -1, ret;

	do {
		n = recvmsg(st->conn->fd, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		int *fds = (int *)CMSG_DATA(cm);
		size_t i, k;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			if (fd < 0)
				fd = fds[i];
			else
				close(fds[i]);
		}
	}
	if (n == 0) {
		if (fd >= 0)
			close(fd);
		errno = EPIPE;
		return -1;
	}
	if (n != sizeof(m) || fd < 0)
		ret = -EPROTO;
	else if (m.op == CVDM_STATE_SAVE)
		ret = state_save(st, fd, &m);
	else if (m.op == CVDM_STATE_LOAD)
		ret = state_load(st, fd, &m);
	else
		ret = -EOPNOTSUPP;
	if (fd >= 0)
		close(fd);
	m.ret = ret;
	if (ret)
		m.version = m.size = 0;
	if (send(st->conn->fd, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m))
		return -1;
	return 0;
}

void cvdm_state_close(struct cvdm_state *st)
{
	if (!st)
		return;
	cvdm_conn_close(st->conn);
	free(st);
}
