// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - cvisor-dm: serve one device of one VM out of process.
 *
 *   cvisor-dm --socket PATH [--slot N] [--verbose] DEVICE[,KEY=VALUE...]
 *
 * Order: connect and set up the ioreq server (libcvisor-dm's emulator
 * loop), let the device open its files and register its ranges, enter
 * the sandbox, report running, then serve until the VMM closes the
 * connection.  Exit status: 0 when the VMM went away, 1 on a set-up or
 * protocol error (one line on stderr), 2 for a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "dm/dm.h"

static const struct dm_dev_type *const dm_types[] = {
	&dm_dev_iotest,
	&dm_dev_virtio_blk,
	&dm_dev_serial,
};

static const char usage[] =
"Usage: cvisor-dm --socket PATH [--slot N] [--verbose] DEVICE[,KEY=VALUE...]\n"
"\n"
"Serve one device of a cvisor VM over its ioreq socket (cvisor run\n"
"--ioreq-socket PATH, or spawned by cvisor run --device-model).\n"
"Devices:\n"
"  virtio-blk,file=IMAGE[,ro]   virtio-blk on a raw image (PCI slot N)\n"
"  serial                       the VMM's 16550 as COM1 (0x3f8, IRQ 4) on\n"
"                               our stdout (the VMM then has no COM1)\n"
"  iotest                       test device: PIO 0x5a0-0x5af, MMIO\n"
"                               0xfeb10000-0xfeb10fff, PCI slot N\n";

const char *dm_opt(const struct dm_opts *o, const char *key)
{
	unsigned int i;

	for (i = 0; i < o->nr; i++)
		if (!strcmp(o->o[i].key, key))
			return o->o[i].val ? o->o[i].val : "";
	return NULL;
}

/* "name,k=v,flag" split in place. */
static int parse_spec(char *spec, const char **name, struct dm_opts *o)
{
	char *tok, *save = NULL;

	*name = strtok_r(spec, ",", &save);
	if (!*name)
		return -1;
	o->nr = 0;
	while ((tok = strtok_r(NULL, ",", &save))) {
		char *eq = strchr(tok, '=');

		if (o->nr >= DM_MAX_OPTS)
			return -1;
		if (eq)
			*eq++ = '\0';
		o->o[o->nr].key = tok;
		o->o[o->nr].val = eq;
		o->nr++;
	}
	return 0;
}

static int watch_add(struct dm *dm, int fd, uint32_t events,
		     void (*fn)(void *opaque),
		     void (*efn)(void *opaque, int fd, uint32_t events),
		     void *opaque)
{
	struct epoll_event ev = { .events = events };

	if (dm->nr_watch >= DM_MAX_WATCH)
		return -ENOSPC;
	ev.data.u32 = dm->nr_watch;
	if (epoll_ctl(dm->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	dm->watch[dm->nr_watch].fd = fd;
	dm->watch[dm->nr_watch].fn = fn;
	dm->watch[dm->nr_watch].efn = efn;
	dm->watch[dm->nr_watch].opaque = opaque;
	dm->nr_watch++;
	return 0;
}

int dm_watch(struct dm *dm, int fd, void (*fn)(void *opaque), void *opaque)
{
	return watch_add(dm, fd, EPOLLIN, fn, NULL, opaque);
}

int dm_watch_events(struct dm *dm, int fd, uint32_t events,
		    void (*efn)(void *opaque, int fd, uint32_t events),
		    void *opaque)
{
	return watch_add(dm, fd, events, NULL, efn, opaque);
}

int dm_watch_mod(struct dm *dm, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events };
	unsigned int i;

	for (i = 0; i < dm->nr_watch; i++) {
		if (dm->watch[i].fd != fd)
			continue;
		ev.data.u32 = i;
		return epoll_ctl(dm->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ?
		       -errno : 0;
	}
	return -ENOENT;
}

int dm_map_range(struct dm *dm, bool mmio, uint64_t start, uint64_t end)
{
	return xendevicemodel_map_io_range_to_ioreq_server(dm->dmod, 0, dm->id,
							   mmio, start, end) ?
	       -errno : 0;
}

int dm_unmap_range(struct dm *dm, bool mmio, uint64_t start, uint64_t end)
{
	return xendevicemodel_unmap_io_range_from_ioreq_server(dm->dmod, 0,
							       dm->id, mmio,
							       start, end) ?
	       -errno : 0;
}

/* The device's io() behind the emulator loop. */
struct dm_io {
	const struct dm_dev_type *type;
	void *priv;
	struct dm *dm;
};

static void dm_io_fn(void *opaque, uint8_t type, uint64_t addr,
		     unsigned int size, uint64_t *data, int is_write)
{
	struct dm_io *io = opaque;

	if (io->priv)
		io->type->io(io->priv, type, addr, size, data, is_write);
	else if (!is_write)
		*data = ~0ull;
}

static void dm_invalidate_fn(void *opaque)
{
	struct dm_io *io = opaque;

	if (io->priv && io->type->invalidate)
		io->type->invalidate(io->priv);
}

static void dm_timeoffset_fn(void *opaque, int64_t delta)
{
	struct dm_io *io = opaque;

	if (io->priv && io->type->timeoffset)
		io->type->timeoffset(io->priv, delta);
}

static const struct cvdm_io_ops dm_io_ops = {
	.io = dm_io_fn,
	.invalidate = dm_invalidate_fn,
	.timeoffset = dm_timeoffset_fn,
};

static int dm_state_save(void *opaque, void **blob, size_t *len)
{
	struct dm_io *io = opaque;
	struct sbuf b;
	int ret;

	/* Buffered writes the VMM already accepted belong to this state. */
	if (cvdm_emu_process(io->dm->emu))
		return -errno;
	sbuf_init(&b);
	ret = io->type->save(io->priv, &b);
	if (!ret)
		ret = sbuf_error(&b);
	if (ret) {
		sbuf_release(&b);
		return ret;
	}
	*blob = b.data;
	*len = b.len;
	return 0;
}

static int dm_state_load(void *opaque, const void *blob, size_t len,
			 uint32_t version)
{
	struct dm_io *io = opaque;
	struct sbuf b;
	int ret;

	sbuf_reader(&b, blob, len);
	ret = io->type->load(io->priv, &b, version);
	if (!ret)
		ret = sbuf_error(&b);
	if (!ret && sbuf_remaining(&b))
		ret = -EBADMSG;
	return ret;
}

static struct cvdm_state_ops dm_state_ops = {
	.save = dm_state_save,
	.load = dm_state_load,
};

static void dm_state_ready(void *opaque)
{
	struct dm *dm = opaque;

	/* The VMM went away: the control connection's EOF ends us. */
	if (cvdm_state_process(dm->state))
		dm_watch_mod(dm, cvdm_state_fd(dm->state), 0);
}

static void dm_emu_ready(void *opaque)
{
	struct cvdm_emu *e = opaque;

	if (cvdm_emu_process(e)) {
		fprintf(stderr, "cvisor-dm: the VMM broke the ioreq protocol: %s\n",
			strerror(errno));
		exit(1);
	}
}

/* The devices' messages (lib/log.h): this process's stderr. */
static void dm_log(void *opaque, enum log_level level, const char *subsys,
		   const char *msg)
{
	fprintf(stderr, "cvisor-dm: %s\n", msg);
}

static int dm_loop(struct dm *dm, int ctl_fd)
{
	struct epoll_event evs[16];
	struct pollfd ctl = { .fd = ctl_fd, .events = POLLIN };
	int i, n;

	for (;;) {
		n = epoll_wait(dm->epfd, evs, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n; i++) {
			unsigned int w = evs[i].data.u32;

			if (w == DM_MAX_WATCH) {
				/* The VMM never speaks first: this is EOF. */
				if (poll(&ctl, 1, 0) > 0)
					return 0;
				continue;
			}
			if (w >= dm->nr_watch)
				continue;
			if (dm->watch[w].fn)
				dm->watch[w].fn(dm->watch[w].opaque);
			else
				dm->watch[w].efn(dm->watch[w].opaque,
						 dm->watch[w].fd, evs[i].events);
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket",	required_argument, NULL, 's' },
		{ "slot",	required_argument, NULL, 'S' },
		{ "verbose",	no_argument,	   NULL, 'v' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = DM_MAX_WATCH };
	const struct dm_dev_type *type = NULL;
	struct dm dm = { .slot = 16, .epfd = -1, .log = { dm_log } };
	struct dm_io io = { 0 };
	const char *socket_path = NULL, *name;
	char err[256] = "", layers[160] = "";
	struct dm_opts o;
	unsigned int i;
	char *end;
	int c, ret;

	while ((c = getopt_long(argc, argv, "s:S:vh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			socket_path = optarg;
			break;
		case 'S':
			dm.slot = (unsigned int)strtoul(optarg, &end, 0);
			if (*end || dm.slot > 31 || !dm.slot) {
				fprintf(stderr, "cvisor-dm: --slot %s: 1 to 31\n",
					optarg);
				return 2;
			}
			break;
		case 'v':
			dm.verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || !socket_path ||
	    parse_spec(argv[optind], &name, &o)) {
		fputs(usage, stderr);
		return 2;
	}
	for (i = 0; i < sizeof(dm_types) / sizeof(dm_types[0]); i++)
		if (!strcmp(dm_types[i]->name, name))
			type = dm_types[i];
	if (!type) {
		fprintf(stderr, "cvisor-dm: unknown device '%s'\n", name);
		return 2;
	}
	/* A VMM that vanished must not kill us with SIGPIPE mid-reply. */
	signal(SIGPIPE, SIG_IGN);
	setenv("CVISOR_DM_SOCKET", socket_path, 1);

	io.type = type;
	dm.emu = cvdm_emu_create(HVM_IOREQSRV_BUFIOREQ_ATOMIC, &dm_io_ops, &io);
	if (!dm.emu) {
		fprintf(stderr, "cvisor-dm: cannot set up an ioreq server on %s: %s\n",
			socket_path, strerror(errno));
		return 1;
	}
	dm.dmod = cvdm_emu_dmod(dm.emu);
	dm.id = cvdm_emu_id(dm.emu);
	dm.gm = cvdm_emu_guest_mem(dm.emu);
	dm.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (dm.epfd < 0 ||
	    epoll_ctl(dm.epfd, EPOLL_CTL_ADD, cvdm_emu_ctl_fd(dm.emu), &ev) < 0 ||
	    dm_watch(&dm, cvdm_emu_fd(dm.emu), dm_emu_ready, dm.emu)) {
		fprintf(stderr, "cvisor-dm: event loop: %s\n", strerror(errno));
		return 1;
	}
	io.dm = &dm;
	ret = type->init(&dm, &o, &io.priv, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "cvisor-dm: %s: %s\n", name, err);
		cvdm_emu_destroy(dm.emu);
		return 1;
	}
	/* Before the sandbox: this connects a socket. */
	if (type->save && type->load) {
		dm_state_ops.version = type->state_version;
		dm.state = cvdm_state_open(&dm_state_ops, &io);
		if (!dm.state ||
		    dm_watch(&dm, cvdm_state_fd(dm.state), dm_state_ready,
			     &dm)) {
			fprintf(stderr, "cvisor-dm: state channel: %s\n",
				strerror(errno));
			return 1;
		}
	}
	ret = dm_sandbox(layers, sizeof(layers), err, sizeof(err));
	if (ret) {
		fprintf(stderr, "cvisor-dm: sandbox: %s\n", err);
		return 1;
	}
	if (dm.verbose)
		fprintf(stderr, "cvisor-dm: %s (pid %d) serving server %u, sandbox: %s\n",
			name, (int)getpid(), dm.id, layers);
	if (cvdm_report_running(dm.dmod)) {
		fprintf(stderr, "cvisor-dm: %s\n", strerror(errno));
		return 1;
	}
	ret = dm_loop(&dm, cvdm_emu_ctl_fd(dm.emu));
	if (type->destroy)
		type->destroy(io.priv);
	cvdm_state_close(dm.state);
	/* The VMM is gone: nothing to disable or destroy there. */
	return ret ? 1 : 0;
}
