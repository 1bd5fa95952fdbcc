// SPDX-License-Identifier: GPL-2.0
/*
 * qmp_client.c - a minimal QMP client for the CLI wrappers (cvisor pause,
 * resume, snapshot, migrate): connect, read the greeting, negotiate, run
 * one command, skip events until its reply.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/qmp.h"

#define QMP_CLIENT_BUF	(64 * 1024)

struct qmp_conn {
	int fd;
	size_t len;
	char buf[QMP_CLIENT_BUF];
};

/* The next JSON object from the server, or NULL with @err set. */
static json_t *qmp_conn_next(struct qmp_conn *c, char *err, size_t err_len)
{
	json_error_t jerr;
	json_t *msg;
	size_t skip;
	ssize_t n;

	for (;;) {
		while (c->len && strchr(" \t\r\n", c->buf[0])) {
			memmove(c->buf, c->buf + 1, --c->len);
		}
		if (c->len) {
			msg = json_loadb(c->buf, c->len,
					 JSON_DISABLE_EOF_CHECK, &jerr);
			if (msg) {
				skip = (size_t)jerr.position;
				if (!skip || skip > c->len)
					skip = c->len;
				memmove(c->buf, c->buf + skip, c->len - skip);
				c->len -= skip;
				return msg;
			}
			if (json_error_code(&jerr) !=
			    json_error_premature_end_of_input) {
				snprintf(err, err_len, "bad reply from the VM: %s",
					 jerr.text);
				return NULL;
			}
		}
		if (c->len == sizeof(c->buf)) {
			snprintf(err, err_len, "reply from the VM too long");
			return NULL;
		}
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, err_len, "the VM closed the control socket");
			return NULL;
		}
		c->len += (size_t)n;
	}
}

static int qmp_conn_send(struct qmp_conn *c, json_t *msg)
{
	char *s = json_dumps(msg, JSON_COMPACT);
	size_t len, off = 0;
	ssize_t n;

	if (!s)
		return -ENOMEM;
	len = strlen(s);
	while (off < len) {
		n = send(c->fd, s + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(s);
			return n < 0 ? -errno : -EPIPE;
		}
		off += (size_t)n;
	}
	free(s);
	return 0;
}

/* Send @cmd and wait for its reply, skipping events. */
static json_t *qmp_conn_execute(struct qmp_conn *c, json_t *req, char *err,
				size_t err_len)
{
	json_t *msg;
	int ret;

	ret = qmp_conn_send(c, req);
	if (ret) {
		snprintf(err, err_len, "cannot send to the VM: %s",
			 strerror(-ret));
		return NULL;
	}
	for (;;) {
		msg = qmp_conn_next(c, err, err_len);
		if (!msg)
			return NULL;
		if (json_object_get(msg, "return") ||
		    json_object_get(msg, "error"))
			return msg;
		json_decref(msg);
	}
}

int qmp_client_execute(const char *path, const char *cmd,
		       const char *args_json, struct qmp_reply *reply,
		       char *err, size_t err_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	json_t *req = NULL, *msg = NULL, *args = NULL, *e;
	struct qmp_conn *c;
	json_error_t jerr;
	int ret = -EPROTO;

	memset(reply, 0, sizeof(*reply));
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, err_len, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 ||
	    connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		goto out;
	}
	msg = qmp_conn_next(c, err, err_len);
	if (!msg)
		goto out;
	if (!json_object_get(msg, "QMP")) {
		snprintf(err, err_len, "%s: not a QMP socket", path);
		goto out;
	}
	json_decref(msg);
	req = json_pack("{s:s}", "execute", "qmp_capabilities");
	msg = qmp_conn_execute(c, req, err, err_len);
	if (!msg)
		goto out;
	json_decref(req);
	json_decref(msg);
	msg = NULL;

	req = json_pack("{s:s}", "execute", cmd);
	if (args_json) {
		args = json_loads(args_json, 0, &jerr);
		if (!json_is_object(args)) {
			snprintf(err, err_len, "bad arguments: %s", args_json);
			ret = -EINVAL;
			goto out;
		}
		json_object_set(req, "arguments", args);
	}
	msg = qmp_conn_execute(c, req, err, err_len);
	if (!msg)
		goto out;
	e = json_object_get(msg, "error");
	if (e) {
		snprintf(reply->err_class, sizeof(reply->err_class), "%s",
			 json_string_value(json_object_get(e, "class")) ?: "?");
		snprintf(reply->err_desc, sizeof(reply->err_desc), "%s",
			 json_string_value(json_object_get(e, "desc")) ?: "?");
	} else {
		reply->json = json_dumps(json_object_get(msg, "return"),
					 JSON_COMPACT | JSON_ENCODE_ANY);
	}
	ret = 0;
out:
	json_decref(args);
	json_decref(req);
	json_decref(msg);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return ret;
}

void qmp_reply_free(struct qmp_reply *reply)
{
	free(reply->json);
	reply->json = NULL;
}
