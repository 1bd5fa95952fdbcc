// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_qmp.c - hostile QMP clients against the control socket's server
 * (src/control/qmp.c: framing, JSON, negotiation, dispatch, the
 * arguments of the commands that work before a VM exists).
 *
 * The server runs as cvisor runs it with "--incoming defer" (no VM, so
 * no command can touch a machine or the network); each input is one
 * client session: connect, send the bytes, half-close, read to the end.
 * Oracles: the server never crashes or hangs, every line it sends is a
 * JSON object, and after all inputs a clean session still negotiates and
 * reads the run state.
 *
 * As a test (make check): N mutations of a set of valid sessions.  Built
 * with -DQMP_LIBFUZZER it is the libFuzzer target of `make fuzz`.
 */
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/qmp.h"
#include "../fuzz_rng.h"

#define OUT_MAX		(1u << 20)

struct fuzz {
	struct qmp_server *srv;
	char dir[64];
	char path[96];
	char *out;
};

static struct fuzz *fuzz_setup(void)
{
	static struct fuzz f;
	char err[256];

	signal(SIGPIPE, SIG_IGN);
	snprintf(f.dir, sizeof(f.dir), "/tmp/cvisor-fuzz-qmp.XXXXXX");
	if (!mkdtemp(f.dir)) {
		perror("mkdtemp");
		abort();
	}
	snprintf(f.path, sizeof(f.path), "%s/qmp.sock", f.dir);
	if (qmp_server_start(NULL, f.path, &f.srv, err, sizeof(err))) {
		fprintf(stderr, "fuzz_qmp: %s\n", err);
		abort();
	}
	f.out = malloc(OUT_MAX + 1);
	if (!f.out)
		abort();
	return &f;
}

/* Every line the server wrote must be one JSON object. */
static void check_output(const char *out, size_t n)
{
	const char *p = out, *end = out + n, *nl;
	json_error_t jerr;
	json_t *msg;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;		/* a cut line: the server was busy */
		msg = json_loadb(p, (size_t)(nl - p), 0, &jerr);
		if (!json_is_object(msg)) {
			fprintf(stderr, "fuzz_qmp: the server sent a non-object: %.*s\n",
				(int)(nl - p), p);
			abort();
		}
		json_decref(msg);
		p = nl + 1;
	}
}

/* One session; returns the server's output length. */
static size_t fuzz_one(struct fuzz *f, const uint8_t *data, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pollfd pfd;
	size_t off = 0, got = 0;
	ssize_t r;
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		abort();
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("fuzz_qmp: connect");
		abort();
	}
	pfd.fd = fd;
	if (!size)
		shutdown(fd, SHUT_WR);
	for (;;) {
		pfd.events = POLLIN | (off < size ? POLLOUT : 0);
		r = poll(&pfd, 1, 10000);
		if (r == 0) {
			fprintf(stderr, "fuzz_qmp: the server hangs on %zu bytes (%zu sent): %.*s\n",
				size, off, (int)(size < 2000 ? size : 2000),
				(const char *)data);
			abort();
		}
		if (r < 0)
			continue;
		if (pfd.revents & POLLOUT) {
			r = send(fd, data + off, size - off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
			if (r > 0)
				off += (size_t)r;
			else if (r < 0 && errno != EAGAIN)
				off = size;	/* dropped by the server */
			if (off == size)
				shutdown(fd, SHUT_WR);
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			r = read(fd, f->out + got, OUT_MAX - got);
			if (r <= 0)
				break;
			got += (size_t)r;
			if (got == OUT_MAX)
				got = 0;	/* keep reading, check less */
		}
	}
	close(fd);
	check_output(f->out, got);
	return got;
}

#ifdef QMP_LIBFUZZER
FUZZ_LIBFUZZER_ENTRY(fuzz_setup, fuzz_one)
#else
static void fuzz_teardown(struct fuzz *f)
{
	qmp_server_stop(f->srv);
	unlink(f->path);
	rmdir(f->dir);
	free(f->out);
}

static const char *const seeds[] = {
	"{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"query-status\",\"id\":1}\n",
	"{\"execute\":\"qmp_capabilities\"}{\"execute\":\"migrate-incoming\",\"arguments\":{\"uri\":\"tcp:127.0.0.1:1\"}}",
	"{\"execute\":\"query-status\"}\r\n{\"execute\":\"qmp_capabilities\",\"id\":[1,{\"a\":null}]}\n",
	"{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"stop\"}\n{\"execute\":\"cont\",\"arguments\":[]}\n{\"execute\":7}\n[1,2]\n\"x\"\n",
	"{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"unix:/nonexistent\"}}\n{\"execute\":\"cvisor-snapshot-save\",\"arguments\":{\"path\":\"/dev/null\"}}\n",
	"{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"no-such-command\",\"id\":\"\\u0000\"}\n{\"execute\":\"query-migrate\"}\n",
};

static size_t mutate(uint64_t *s, const char *seed, uint8_t *buf, size_t cap)
{
	size_t n = strlen(seed), k, i, pos;

	memcpy(buf, seed, n);
	k = 1 + xorshift(s) % 8;
	for (i = 0; i < k && n; i++) {
		pos = xorshift(s) % n;
		switch (xorshift(s) % 6) {
		case 0:
			buf[pos] ^= (uint8_t)(1u << (xorshift(s) % 8));
			break;
		case 1:
			buf[pos] = "{}[]\":,\\ \n0a-e\x00\xff"[xorshift(s) % 17];
			break;
		case 2:		/* truncate */
			n = pos;
			break;
		case 3:		/* duplicate a run */
			if (n * 2 <= cap) {
				size_t len = 1 + xorshift(s) % (n - pos);

				memmove(buf + pos + len, buf + pos, n - pos);
				n += len;
			}
			break;
		case 4:		/* deep nesting */
			if (n + 200 <= cap) {
				memmove(buf + pos + 200, buf + pos, n - pos);
				memset(buf + pos, "[{"[xorshift(s) & 1], 200);
				n += 200;
			}
			break;
		default:
			buf[pos] = (uint8_t)xorshift(s);
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 5000, i;
	const char *e = getenv("QMP_FUZZ_SEED");
	uint64_t seed = e ? strtoull(e, NULL, 0) : 0x9f1c0de5ull, s;
	static uint8_t buf[1u << 16];
	struct fuzz *f = fuzz_setup();
	const char *good = "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"query-status\"}\n";
	size_t n, bytes = 0;

	s = seed | 1;
	printf("fuzz_qmp: seed 0x%llx, %lu sessions\n",
	       (unsigned long long)seed, iters);
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		bytes += fuzz_one(f, (const uint8_t *)seeds[i],
				  strlen(seeds[i]));
	for (i = 0; i < iters; i++) {
		n = mutate(&s, seeds[xorshift(&s) % (sizeof(seeds) /
						     sizeof(seeds[0]))],
			   buf, sizeof(buf));
		bytes += fuzz_one(f, buf, n);
	}
	/* The server still serves a well-behaved client. */
	n = fuzz_one(f, (const uint8_t *)good, strlen(good));
	f->out[n] = 0;
	if (!strstr(f->out, "\"return\": {}") && !strstr(f->out, "\"return\":{}")) {
		fprintf(stderr, "fuzz_qmp: no negotiation after fuzzing: %s\n",
			f->out);
		return 1;
	}
	if (!strstr(f->out, "inmigrate")) {
		fprintf(stderr, "fuzz_qmp: no run state after fuzzing: %s\n",
			f->out);
		return 1;
	}
	printf("fuzz_qmp: %lu sessions, %zu bytes of replies, server still answers\n",
	       iters, bytes);
	fuzz_teardown(f);
	return 0;
}
#endif
