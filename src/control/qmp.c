// SPDX-License-Identifier: GPL-2.0
/*
 * qmp.c - QMP server: greeting, capabilities negotiation, commands and
 * asynchronous events, framed as QEMU frames them (one JSON object per
 * message, CRLF-terminated on output, any whitespace on input).
 *
 * One thread polls the listening socket and up to QMP_MAX_CLIENTS
 * clients.  Input is untrusted: each client's buffer is bounded, a
 * message that is not a JSON object or lacks "execute" gets QEMU's
 * GenericError, and an oversized message drops the client.  Output and
 * events are written under srv->lock so that an event never splits a
 * reply; a client that stops reading is dropped rather than allowed to
 * block the server (send timeout).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control/qmp.h"
#include "control/qmp_cmds.h"
#include "vmm/vm.h"

#define QMP_MAX_CLIENTS	8
#define QMP_MAX_MSG	(64 * 1024)

struct qmp_client {
	int fd;
	bool negotiated;
	size_t len;
	char buf[QMP_MAX_MSG];
};

struct qmp_server {
	struct vm *vm;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd;
	int wake[2];
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;	/* clients' output, the client table */
	struct qmp_client *clients[QMP_MAX_CLIENTS];
	struct qmp_state st;
};

/* ------------------------------------------------------------ output */

static void qmp_send_locked(struct qmp_client *c, json_t *msg)
{
	char *s = json_dumps(msg, JSON_COMPACT);
	size_t len, off = 0;
	ssize_t n;

	if (!s)
		return;
	len = strlen(s);
	while (c->fd >= 0 && off < len) {
		n = send(c->fd, s + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* Broken or stuck client: its poll slot drops it. */
			shutdown(c->fd, SHUT_RDWR);
			break;
		}
		off += (size_t)n;
	}
	if (c->fd >= 0 && off == len &&
	    send(c->fd, "\r\n", 2, MSG_NOSIGNAL) < 0)
		shutdown(c->fd, SHUT_RDWR);
	free(s);
}

static void qmp_send(struct qmp_server *srv, struct qmp_client *c, json_t *msg)
{
	pthread_mutex_lock(&srv->lock);
	qmp_send_locked(c, msg);
	pthread_mutex_unlock(&srv->lock);
}

void qmp_event(struct qmp_server *srv, const char *name, json_t *data)
{
	struct timespec ts;
	json_t *ev;
	unsigned int i;

	clock_gettime(CLOCK_REALTIME, &ts);
	ev = json_pack("{s:s, s:{s:I, s:I}}", "event", name, "timestamp",
		       "seconds", (json_int_t)ts.tv_sec,
		       "microseconds", (json_int_t)(ts.tv_nsec / 1000));
	if (!ev) {
		json_decref(data);
		return;
	}
	if (data)
		json_object_set_new(ev, "data", data);
	pthread_mutex_lock(&srv->lock);
	for (i = 0; i < QMP_MAX_CLIENTS; i++)
		if (srv->clients[i] && srv->clients[i]->negotiated)
			qmp_send_locked(srv->clients[i], ev);
	pthread_mutex_unlock(&srv->lock);
	json_decref(ev);
}

static json_t *qmp_error(const char *cls, const char *desc)
{
	return json_pack("{s:{s:s, s:s}}", "error", "class", cls, "desc",
			 desc);
}

/* ------------------------------------------------------------ commands */

static void qmp_dispatch(struct qmp_server *srv, struct qmp_client *c,
			 json_t *msg)
{
	json_t *id = json_object_get(msg, "id");
	json_t *args = json_object_get(msg, "arguments");
	json_t *exec = json_object_get(msg, "execute");
	json_t *reply = NULL, *ret = NULL;
	const struct qmp_cmd *cmd;
	char desc[256] = "";
	const char *name, *cls;
	int r;

	if (!json_is_string(exec)) {
		reply = qmp_error("GenericError",
				  json_object_get(msg, "execute") ?
				  "QMP input member 'execute' must be a string" :
				  "QMP input lacks member 'execute'");
		goto out;
	}
	name = json_string_value(exec);
	if (args && !json_is_object(args)) {
		reply = qmp_error("GenericError",
				  "QMP input member 'arguments' must be an object");
		goto out;
	}
	if (!c->negotiated && strcmp(name, "qmp_capabilities")) {
		reply = qmp_error("CommandNotFound",
				  "Expecting capabilities negotiation with 'qmp_capabilities'");
		goto out;
	}
	if (!strcmp(name, "qmp_capabilities")) {
		if (c->negotiated) {
			reply = qmp_error("CommandNotFound",
					  "Capabilities negotiation is already complete, command ignored");
			goto out;
		}
		c->negotiated = true;
		ret = json_object();
		goto ok;
	}
	cmd = qmp_cmd_find(name);
	if (!cmd) {
		snprintf(desc, sizeof(desc), "The command %s has not been found",
			 name);
		reply = qmp_error("CommandNotFound", desc);
		goto out;
	}
	if (qmp_cmd_needs_vm(cmd) && !qmp_state_vm(&srv->st)) {
		reply = qmp_error("GenericError",
				  "no VM yet: the destination waits for migrate-incoming");
		goto out;
	}
	cls = "GenericError";
	r = cmd->fn(&srv->st, args, &ret, &cls, desc, sizeof(desc));
	if (r) {
		json_decref(ret);
		if (!desc[0])
			snprintf(desc, sizeof(desc), "%s", strerror(-r));
		reply = qmp_error(cls, desc);
		goto out;
	}
	if (!ret)
		ret = json_object();
ok:
	reply = json_object();
	json_object_set_new(reply, "return", ret);
out:
	if (reply && id)
		json_object_set(reply, "id", id);
	if (reply)
		qmp_send(srv, c, reply);
	json_decref(reply);
}

/* Parse every complete message in the client's buffer. */
static void qmp_client_input(struct qmp_server *srv, struct qmp_client *c)
{
	json_error_t jerr;
	size_t skip;
	json_t *msg;

	while (c->len) {
		skip = 0;
		while (skip < c->len && strchr(" \t\r\n", c->buf[skip]))
			skip++;
		if (skip) {
			memmove(c->buf, c->buf + skip, c->len - skip);
			c->len -= skip;
			continue;
		}
		msg = json_loadb(c->buf, c->len,
				 JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY |
				 JSON_REJECT_DUPLICATES, &jerr);
		if (!msg) {
			if (json_error_code(&jerr) ==
			    json_error_premature_end_of_input)
				return;		/* wait for more */
			/* QEMU resyncs after garbage: drop what we have. */
			c->len = 0;
			msg = qmp_error("GenericError", "JSON parse error");
			qmp_send(srv, c, msg);
			json_decref(msg);
			return;
		}
		skip = (size_t)jerr.position;
		if (!skip || skip > c->len)
			skip = c->len;
		memmove(c->buf, c->buf + skip, c->len - skip);
		c->len -= skip;
		if (!json_is_object(msg)) {
			json_t *e = qmp_error("GenericError",
					      "QMP input must be a JSON object");

			qmp_send(srv, c, e);
			json_decref(e);
		} else {
			qmp_dispatch(srv, c, msg);
		}
		json_decref(msg);
	}
}

/* ------------------------------------------------------------ thread */

static void qmp_client_drop(struct qmp_server *srv, unsigned int i)
{
	struct qmp_client *c;

	pthread_mutex_lock(&srv->lock);
	c = srv->clients[i];
	srv->clients[i] = NULL;
	pthread_mutex_unlock(&srv->lock);
	if (c) {
		close(c->fd);
		free(c);
	}
}

static void qmp_accept(struct qmp_server *srv)
{
	struct timeval tv = { .tv_sec = 5 };
	struct qmp_client *c;
	unsigned int i;
	json_t *greet;
	int fd;

	fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	greet = json_pack("{s:{s:{s:{s:i, s:i, s:i}, s:s}, s:[]}}", "QMP",
			  "version", "qemu", "micro", 0, "minor", 1,
			  "major", 0, "package", "cvisor", "capabilities");
	pthread_mutex_lock(&srv->lock);
	for (i = 0; i < QMP_MAX_CLIENTS; i++)
		if (!srv->clients[i])
			break;
	if (i == QMP_MAX_CLIENTS) {
		json_t *e = qmp_error("GenericError", "too many QMP clients");

		qmp_send_locked(c, e);
		json_decref(e);
		pthread_mutex_unlock(&srv->lock);
		close(fd);
		free(c);
		json_decref(greet);
		return;
	}
	srv->clients[i] = c;
	qmp_send_locked(c, greet);
	pthread_mutex_unlock(&srv->lock);
	json_decref(greet);
}

static void *qmp_thread(void *arg)
{
	struct qmp_server *srv = arg;
	struct pollfd pfd[2 + QMP_MAX_CLIENTS];
	int idx[QMP_MAX_CLIENTS];
	unsigned int i, n;
	ssize_t r;

	for (;;) {
		pfd[0] = (struct pollfd){ .fd = srv->wake[0], .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = srv->listen_fd, .events = POLLIN };
		n = 2;
		for (i = 0; i < QMP_MAX_CLIENTS; i++) {
			if (!srv->clients[i])
				continue;
			idx[n - 2] = (int)i;
			pfd[n++] = (struct pollfd){ .fd = srv->clients[i]->fd,
						    .events = POLLIN };
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents)
			break;
		if (pfd[1].revents & POLLIN)
			qmp_accept(srv);
		for (i = 2; i < n; i++) {
			struct qmp_client *c = srv->clients[idx[i - 2]];

			if (!pfd[i].revents)
				continue;
			if (c->len == sizeof(c->buf)) {
				qmp_client_drop(srv, idx[i - 2]);
				continue;
			}
			r = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
			if (r <= 0) {
				if (r < 0 && errno == EINTR)
					continue;
				qmp_client_drop(srv, idx[i - 2]);
				continue;
			}
			c->len += (size_t)r;
			qmp_client_input(srv, c);
		}
	}
	return NULL;
}

int qmp_server_start(struct vm *vm, const char *path, struct qmp_server **out,
		     char *err, size_t err_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct qmp_server *srv;
	int ret;

	*out = NULL;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, err_len, "--api-socket %s: path too long", path);
		return -ENAMETOOLONG;
	}
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	srv->vm = vm;
	srv->listen_fd = -1;
	srv->wake[0] = srv->wake[1] = -1;
	pthread_mutex_init(&srv->lock, NULL);
	qmp_state_init(&srv->st, srv, vm);
	snprintf(srv->path, sizeof(srv->path), "%s", path);
	strcpy(sa.sun_path, path);

	srv->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv->listen_fd < 0 || pipe2(srv->wake, O_CLOEXEC) < 0) {
		ret = -errno;
		snprintf(err, err_len, "--api-socket %s: %s", path,
			 strerror(errno));
		goto fail;
	}
	/* A stale socket from an earlier run would make bind() fail. */
	{
		struct stat stb;

		if (!lstat(path, &stb) && S_ISSOCK(stb.st_mode))
			unlink(path);
	}
	if (bind(srv->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(srv->listen_fd, 4) < 0) {
		ret = -errno;
		snprintf(err, err_len, "--api-socket %s: %s", path,
			 strerror(errno));
		goto fail;
	}
	ret = -pthread_create(&srv->thread, NULL, qmp_thread, srv);
	if (ret) {
		unlink(path);
		snprintf(err, err_len, "--api-socket: %s", strerror(-ret));
		goto fail;
	}
	srv->started = true;
	*out = srv;
	return 0;
fail:
	srv->path[0] = '\0';
	qmp_server_stop(srv);
	return ret;
}

int qmp_server_wait_incoming(struct qmp_server *srv, char **uri)
{
	return qmp_state_wait_incoming(&srv->st, uri);
}

void qmp_server_attach_vm(struct qmp_server *srv, struct vm *vm)
{
	pthread_mutex_lock(&srv->lock);
	srv->vm = vm;
	pthread_mutex_unlock(&srv->lock);
	qmp_state_attach(&srv->st, vm);
}

void qmp_server_vm_ended(struct qmp_server *srv, int status)
{
	if (!srv)
		return;
	qmp_state_vm_ended(&srv->st, status);
}

void qmp_server_stop(struct qmp_server *srv)
{
	unsigned int i;

	if (!srv)
		return;
	if (srv->started) {
		if (write(srv->wake[1], "x", 1) < 0) {
			/* A full pipe already wakes the thread. */
		}
		pthread_join(srv->thread, NULL);
	}
	/* Commands may still be running in helper threads (migration). */
	qmp_state_release(&srv->st);
	for (i = 0; i < QMP_MAX_CLIENTS; i++)
		qmp_client_drop(srv, i);
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	if (srv->path[0])
		unlink(srv->path);
	if (srv->wake[0] >= 0)
		close(srv->wake[0]);
	if (srv->wake[1] >= 0)
		close(srv->wake[1]);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
}
