// SPDX-License-Identifier: GPL-2.0
/*
 * ioreq_owner.c - servers belong to the process that created them, and a
 * device model that dies is noticed:
 *   - another process gets -EPERM for every operation on the server
 *     (state, ranges, destroy, info, acquire_resource, bind);
 *   - a device model killed with SIGKILL while a vCPU waits for its
 *     answer: the vCPU's request fails (no hang), the host reports the
 *     lost device model (the VM would stop with that message), the
 *     server is gone, and the control socket keeps answering;
 *   - no descriptor leaks across all of it.
 * The other processes are this program re-executed with a role.
 */
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "iotest.h"

/* Role "intruder ID": every operation on server ID must be refused. */
static int intruder(unsigned int id)
{
	xendevicemodel_handle *d = xendevicemodel_open(NULL, 0);
	xenforeignmemory_handle *f = xenforeignmemory_open(NULL, 0);
	xenevtchn_handle *x = xenevtchn_open(NULL, 0);
	evtchn_port_t bp;
	size_t size;
	void *p = NULL;

	CHECK(d && f && x, "open: %s", strerror(errno));
	CHECK_ERR(DM(xendevicemodel_set_ioreq_server_state(d, 0, id, 0)),
		  -EPERM);
	CHECK_ERR(DM(xendevicemodel_map_io_range_to_ioreq_server(d, 0, id, 0,
				0x900, 0x900)), -EPERM);
	CHECK_ERR(DM(xendevicemodel_unmap_io_range_from_ioreq_server(d, 0, id,
				0, 0x300, 0x300)), -EPERM);
	CHECK_ERR(DM(xendevicemodel_map_pcidev_to_ioreq_server(d, 0, id, 0, 0,
				9, 0)), -EPERM);
	CHECK_ERR(DM(xendevicemodel_get_ioreq_server_info(d, 0, id, NULL, NULL,
				&bp)), -EPERM);
	CHECK_ERR(DM(xendevicemodel_destroy_ioreq_server(d, 0, id)), -EPERM);
	CHECK_ERR(DM(xenforeignmemory_resource_size(f, 0, 0, id, &size)),
		  -EPERM);
	CHECK(!xenforeignmemory_map_resource(f, 0, 0, id, 1, 1, &p,
					     PROT_READ, 0) && errno == EPERM,
	      "map_resource: %s", strerror(errno));
	CHECK_ERR(DM(xenevtchn_bind_interdomain(x, 0, 1 + id * 256)), -EPERM);
	/* Its own server is fine, and does not disturb the other one. */
	{
		ioservid_t mine;

		CHECK_OK(DM(xendevicemodel_create_ioreq_server(d, 0, 0, &mine)));
		CHECK(mine != id);
		CHECK_OK(DM(xendevicemodel_destroy_ioreq_server(d, 0, mine)));
	}
	xenevtchn_close(x);
	xenforeignmemory_close(f);
	xendevicemodel_close(d);
	return 0;
}

/* Role "hang": serve port 0x300 but never answer; wait to be killed. */
static int hang(void)
{
	xendevicemodel_handle *d = xendevicemodel_open(NULL, 0);
	ioservid_t id;

	CHECK(d, "open: %s", strerror(errno));
	CHECK_OK(DM(xendevicemodel_create_ioreq_server(d, 0, 0, &id)));
	CHECK_OK(DM(xendevicemodel_map_io_range_to_ioreq_server(d, 0, id, 0,
				0x300, 0x303)));
	CHECK_OK(DM(xendevicemodel_set_ioreq_server_state(d, 0, id, 1)));
	for (;;)
		pause();
}

static pid_t spawn(const char *self, const char *role, const char *arg)
{
	char *argv[] = { (char *)self, (char *)role, (char *)arg, NULL };
	pid_t pid = fork();

	if (!pid) {
		execv(self, argv);
		_exit(127);
	}
	CHECK(pid > 0, "fork: %s", strerror(errno));
	return pid;
}

static int wait_status(pid_t pid)
{
	int st;

	CHECK_EQ(waitpid(pid, &st, 0), pid);
	return st;
}

struct vjob {
	struct iot *t;
	struct ioreq_access a;
	int ret;
	atomic_bool done;
};

static void *vjob_fn(void *arg)
{
	struct vjob *j = arg;

	j->ret = ioreq_send(j->t->h, 0, &j->a);
	atomic_store(&j->done, true);
	return NULL;
}

int main(int argc, char **argv)
{
	struct ioreq_access probe = { .type = IOREQ_TYPE_PIO, .addr = 0x300,
				      .size = 1, .count = 1 };
	struct vjob j = { 0 };
	xendevicemodel_handle *d;
	struct iot t;
	unsigned int nr;
	pthread_t th;
	ioservid_t id;
	char arg[16];
	int fds, i, st;
	pid_t pid;

	if (argc == 3 && !strcmp(argv[1], "intruder"))
		return intruder((unsigned int)atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "hang"))
		return hang();

	fds = iot_count_fds();
	iot_init(&t, 1);

	/* -EPERM for a process that is not the owner. */
	d = xendevicemodel_open(NULL, 0);
	CHECK(d, "open: %s", strerror(errno));
	CHECK_OK(DM(xendevicemodel_create_ioreq_server(d, 0, 2, &id)));
	CHECK_OK(DM(xendevicemodel_map_io_range_to_ioreq_server(d, 0, id, 0,
				0x300, 0x300)));
	snprintf(arg, sizeof(arg), "%u", id);
	st = wait_status(spawn("/proc/self/exe", "intruder", arg));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "the intruder got through (status 0x%x)", st);
	/* Still ours, untouched. */
	CHECK_OK(DM(xendevicemodel_set_ioreq_server_state(d, 0, id, 1)));
	CHECK_OK(DM(xendevicemodel_unmap_io_range_from_ioreq_server(d, 0, id,
				0, 0x300, 0x300)));
	CHECK_OK(DM(xendevicemodel_destroy_ioreq_server(d, 0, id)));

	/* A device model killed with SIGKILL while a vCPU waits on it. */
	pid = spawn("/proc/self/exe", "hang", "-");
	for (i = 0; i < 10000 && ioreq_select_id(t.h, &probe) < 0; i++)
		usleep(1000);
	CHECK(ioreq_select_id(t.h, &probe) >= 0, "the device model never came up");
	j.t = &t;
	j.a = probe;
	atomic_init(&j.done, false);
	CHECK_EQ(pthread_create(&th, NULL, vjob_fn, &j), 0);
	usleep(50000);
	CHECK(!atomic_load(&j.done), "the request completed without an answer");
	CHECK_EQ(kill(pid, SIGKILL), 0);
	st = wait_status(pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	pthread_join(th, NULL);
	CHECK_EQ(j.ret, -EPIPE);
	CHECK_EQ(iot_fails(&t), 1);
	CHECK(strstr(t.fail_msg, "went away"), "%s", t.fail_msg);
	printf("host: %s\n", t.fail_msg);
	/* Its server is gone; the control socket still answers. */
	CHECK_EQ(ioreq_select_id(t.h, &probe), -ENOENT);
	CHECK_EQ(ioreq_send(t.h, 0, &probe), 0);
	CHECK_OK(DM(xendevicemodel_nr_vcpus(d, 0, &nr)));
	CHECK_EQ(nr, 1);
	xendevicemodel_close(d);
	d = xendevicemodel_open(NULL, 0);
	CHECK(d, "a new connection after the crash: %s", strerror(errno));
	CHECK_OK(DM(xendevicemodel_create_ioreq_server(d, 0, 0, &id)));
	CHECK_EQ(id, 0);
	CHECK_OK(DM(xendevicemodel_destroy_ioreq_server(d, 0, id)));
	xendevicemodel_close(d);

	iot_fini(&t);
	CHECK_EQ(iot_count_fds(), fds);
	printf("ioreq ownership and device model death: ok\n");
	return check_status();
}
