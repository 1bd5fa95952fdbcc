// SPDX-License-Identifier: GPL-2.0
/*
 * qmp_cmds.c - QMP commands: run state (query-status, stop, cont),
 * lifecycle (quit, system_reset), snapshots (cvisor-snapshot-save) and
 * migration (migrate, query-migrate, migrate-incoming).
 *
 * Everything that touches the machine goes through vm_control_call(), so
 * it runs on the event loop between two device handler calls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/qmp_cmds.h"
#include "lib/compiler.h"
#include "vmm/migrate.h"
#include "vmm/snapshot.h"
#include "vmm/vm.h"

static const char *const run_state_name[] = {
	[QMP_RUNNING] = "running",
	[QMP_PAUSED] = "paused",
	[QMP_FINISH_MIGRATE] = "finish-migrate",
	[QMP_POSTMIGRATE] = "postmigrate",
	[QMP_SHUTDOWN] = "shutdown",
	[QMP_INMIGRATE] = "inmigrate",
};

static enum qmp_run_state qmp_run_state(struct qmp_state *st)
{
	enum qmp_run_state r;

	pthread_mutex_lock(&st->lock);
	r = st->run;
	pthread_mutex_unlock(&st->lock);
	return r;
}

static void qmp_set_run_state(struct qmp_state *st, enum qmp_run_state r)
{
	pthread_mutex_lock(&st->lock);
	st->run = r;
	pthread_mutex_unlock(&st->lock);
}

static int cmd_query_status(struct qmp_state *st, json_t *args, json_t **ret,
			    const char **cls, char *desc, size_t desc_len)
{
	enum qmp_run_state r = qmp_run_state(st);

	*ret = json_pack("{s:b, s:b, s:s}", "running", r == QMP_RUNNING,
			 "singlestep", 0, "status", run_state_name[r]);
	return 0;
}

static int ctl_pause(struct vm *vm, void *opaque)
{
	return vm_pause(vm);
}

static int ctl_resume(struct vm *vm, void *opaque)
{
	vm_resume(vm);
	return 0;
}

static int cmd_stop(struct qmp_state *st, json_t *args, json_t **ret,
		    const char **cls, char *desc, size_t desc_len)
{
	int r;

	if (qmp_run_state(st) != QMP_RUNNING)
		return 0;	/* QEMU: stop on a stopped VM is a no-op */
	r = vm_control_call(st->vm, ctl_pause, NULL);
	if (r) {
		snprintf(desc, desc_len, "cannot pause the VM: %s",
			 r == -ESHUTDOWN ? "it is shutting down" : strerror(-r));
		return r;
	}
	qmp_set_run_state(st, QMP_PAUSED);
	qmp_event(st->srv, "STOP", NULL);
	return 0;
}

static int cmd_cont(struct qmp_state *st, json_t *args, json_t **ret,
		    const char **cls, char *desc, size_t desc_len)
{
	enum qmp_run_state r = qmp_run_state(st);
	int e;

	if (r == QMP_RUNNING)
		return 0;
	if (r != QMP_PAUSED && r != QMP_POSTMIGRATE) {
		snprintf(desc, desc_len, "cannot continue a VM in state '%s'",
			 run_state_name[r]);
		return -EBUSY;
	}
	e = vm_control_call(st->vm, ctl_resume, NULL);
	if (e) {
		snprintf(desc, desc_len, "cannot resume the VM: it is shutting down");
		return e;
	}
	qmp_set_run_state(st, QMP_RUNNING);
	qmp_event(st->srv, "RESUME", NULL);
	return 0;
}

static int cmd_quit(struct qmp_state *st, json_t *args, json_t **ret,
		    const char **cls, char *desc, size_t desc_len)
{
	struct vm *vm;

	/* The SHUTDOWN event follows when the VM has ended. */
	pthread_mutex_lock(&st->lock);
	st->stop_reason = "host-qmp-quit";
	vm = st->vm;
	if (!vm) {
		/* Still waiting for migrate-incoming: end the wait. */
		st->incoming_quit = true;
		pthread_cond_broadcast(&st->incoming_cond);
	}
	pthread_mutex_unlock(&st->lock);
	if (vm)
		vm_stop(vm, 0);
	return 0;
}

static int cmd_system_reset(struct qmp_state *st, json_t *args, json_t **ret,
			    const char **cls, char *desc, size_t desc_len)
{
	/*
	 * cvisor has no warm reboot: a reset ends the VM with status 0,
	 * exactly as a guest-initiated reset does (QEMU's -no-reboot).
	 */
	qmp_event(st->srv, "RESET",
		  json_pack("{s:b, s:s}", "guest", 0, "reason",
			    "host-qmp-system-reset"));
	pthread_mutex_lock(&st->lock);
	st->stop_reason = "host-qmp-system-reset";
	pthread_mutex_unlock(&st->lock);
	vm_stop(st->vm, 0);
	return 0;
}

static int cmd_system_powerdown(struct qmp_state *st, json_t *args,
				json_t **ret, const char **cls, char *desc,
				size_t desc_len)
{
	int r = vm_power_button(st->vm);

	if (r == -ENODEV) {
		snprintf(desc, desc_len, "this machine has no ACPI power button");
		return r;
	}
	if (r) {
		snprintf(desc, desc_len, "system_powerdown: %s", strerror(-r));
		return r;
	}
	qmp_event(st->srv, "POWERDOWN", json_object());
	return 0;
}

struct snap_req {
	const char *path;
	struct snapshot_stats st;
	char err[VM_MSG_LEN];
};

static int ctl_snapshot(struct vm *vm, void *opaque)
{
	struct snap_req *r = opaque;

	return vm_snapshot_save(vm, r->path, &r->st, r->err, sizeof(r->err));
}

/*
 * cvisor-snapshot-save {"file": PATH}: the VM is paused while it is
 * written and then continues in the state it had (running or paused).
 * Returns the file size, the RAM pages written and the pause length.
 */
static int cmd_snapshot_save(struct qmp_state *st, json_t *args, json_t **ret,
			     const char **cls, char *desc, size_t desc_len)
{
	struct snap_req r = { 0 };
	int e;

	if (json_unpack(args, "{s:s}", "file", &r.path)) {
		snprintf(desc, desc_len, "Parameter 'file' is missing or not a string");
		return -EINVAL;
	}
	e = vm_control_call(st->vm, ctl_snapshot, &r);
	if (e) {
		snprintf(desc, desc_len, "%s",
			 r.err[0] ? r.err : "the VM is shutting down");
		return e;
	}
	*ret = json_pack("{s:I, s:I, s:f, s:f}",
			 "bytes", (json_int_t)r.st.bytes,
			 "ram-pages", (json_int_t)r.st.ram_pages,
			 "pause-ms", r.st.pause_ns / 1e6,
			 "total-ms", r.st.total_ns / 1e6);
	return 0;
}

static void qmp_migration_notify(void *opaque, enum migrate_status s)
{
	struct qmp_state *st = opaque;

	pthread_mutex_lock(&st->lock);
	if (s == MIGRATE_DEVICE && st->run == QMP_RUNNING)
		st->run = QMP_FINISH_MIGRATE;
	else if (s == MIGRATE_COMPLETED)
		st->run = QMP_POSTMIGRATE;
	else if (s == MIGRATE_FAILED && st->run == QMP_FINISH_MIGRATE)
		st->run = QMP_RUNNING;
	pthread_mutex_unlock(&st->lock);
	qmp_event(st->srv, "MIGRATION",
		  json_pack("{s:s}", "status", migrate_status_name(s)));
}

static int cmd_migrate(struct qmp_state *st, json_t *args, json_t **ret,
		       const char **cls, char *desc, size_t desc_len)
{
	struct migrate_info info;
	struct migration *m;
	const char *uri;
	int e;

	if (json_unpack(args, "{s:s}", "uri", &uri)) {
		snprintf(desc, desc_len, "Parameter 'uri' is missing or not a string");
		return -EINVAL;
	}
	pthread_mutex_lock(&st->lock);
	m = st->mig;
	pthread_mutex_unlock(&st->lock);
	if (m) {
		migrate_query(m, &info);
		if (info.status != MIGRATE_COMPLETED &&
		    info.status != MIGRATE_FAILED) {
			snprintf(desc, desc_len, "There's a migration process in progress");
			return -EBUSY;
		}
		/* The last one is over: its thread has nothing left to do. */
		pthread_mutex_lock(&st->lock);
		st->mig = NULL;
		pthread_mutex_unlock(&st->lock);
		migrate_free(m);
	}
	if (qmp_run_state(st) == QMP_POSTMIGRATE) {
		snprintf(desc, desc_len, "this VM has already been migrated");
		return -EBUSY;
	}
	e = migrate_start(st->vm, uri, qmp_migration_notify, st, &m, desc,
			  desc_len);
	if (e)
		return e;
	pthread_mutex_lock(&st->lock);
	st->mig = m;
	pthread_mutex_unlock(&st->lock);
	return 0;
}

static int cmd_query_migrate(struct qmp_state *st, json_t *args, json_t **ret,
			     const char **cls, char *desc, size_t desc_len)
{
	struct migrate_info info;
	json_t *o;

	pthread_mutex_lock(&st->lock);
	if (st->mig)
		migrate_query(st->mig, &info);
	pthread_mutex_unlock(&st->lock);
	if (!st->mig) {
		*ret = json_object();
		return 0;
	}
	o = json_pack("{s:s, s:I, s:{s:I, s:I, s:I, s:I, s:I}}",
		      "status", migrate_status_name(info.status),
		      "total-time", (json_int_t)(info.total_ns / 1000000),
		      "ram", "transferred", (json_int_t)info.bytes,
		      "normal", (json_int_t)info.pages,
		      "normal-bytes", (json_int_t)(info.pages * 4096),
		      "remaining", (json_int_t)(info.remaining * 4096),
		      "dirty-sync-count", (json_int_t)info.rounds);
	if (info.status == MIGRATE_COMPLETED) {
		json_object_set_new(o, "downtime",
				    json_integer((json_int_t)(info.downtime_ns / 1000000)));
		/* Sub-millisecond detail QEMU's field cannot carry. */
		json_object_set_new(o, "x-downtime-us",
				    json_integer((json_int_t)(info.downtime_ns / 1000)));
		json_object_set_new(o, "x-total-time-us",
				    json_integer((json_int_t)(info.total_ns / 1000)));
		/* vCPUs that were inside SMM when the VM stopped. */
		json_object_set_new(o, "x-vcpus-in-smm",
				    json_integer(info.vcpus_in_smm));
	}
	if (info.status == MIGRATE_FAILED)
		json_object_set_new(o, "error-desc", json_string(info.error));
	*ret = o;
	return 0;
}

static int cmd_migrate_incoming(struct qmp_state *st, json_t *args,
				json_t **ret, const char **cls, char *desc,
				size_t desc_len)
{
	const char *uri = NULL;
	int r = 0;

	if (args)
		uri = json_string_value(json_object_get(args, "uri"));
	pthread_mutex_lock(&st->lock);
	if (st->run != QMP_INMIGRATE) {
		/* A running VM; QEMU's answer for a non-deferred -incoming. */
		snprintf(desc, desc_len,
			 "this VM is already running; start the destination with 'cvisor run --incoming URI' or '--incoming defer'");
		r = -EBUSY;
	} else if (st->incoming_set) {
		snprintf(desc, desc_len, "an incoming migration is already set up");
		r = -EBUSY;
	} else if (!uri || (strncmp(uri, "tcp:", 4) && strncmp(uri, "unix:", 5))) {
		snprintf(desc, desc_len,
			 "migrate-incoming needs \"uri\": \"tcp:HOST:PORT\" or \"unix:PATH\"");
		r = -EINVAL;
	} else {
		st->incoming_uri = strdup(uri);
		if (!st->incoming_uri)
			r = -ENOMEM;
		st->incoming_set = !r;
		pthread_cond_broadcast(&st->incoming_cond);
	}
	pthread_mutex_unlock(&st->lock);
	return r;
}

bool qmp_cmd_needs_vm(const struct qmp_cmd *cmd)
{
	return cmd->fn != cmd_migrate_incoming && cmd->fn != cmd_query_status &&
	       cmd->fn != cmd_quit;
}

int qmp_state_wait_incoming(struct qmp_state *st, char **uri)
{
	int r = 0;

	pthread_mutex_lock(&st->lock);
	while (!st->incoming_uri && !st->incoming_quit)
		pthread_cond_wait(&st->incoming_cond, &st->lock);
	if (st->incoming_quit) {
		r = -ECANCELED;
	} else {
		*uri = st->incoming_uri;
		st->incoming_uri = NULL;
	}
	pthread_mutex_unlock(&st->lock);
	return r;
}

void qmp_state_attach(struct qmp_state *st, struct vm *vm)
{
	pthread_mutex_lock(&st->lock);
	st->vm = vm;
	st->run = QMP_RUNNING;
	pthread_mutex_unlock(&st->lock);
}

struct vm *qmp_state_vm(struct qmp_state *st)
{
	struct vm *vm;

	pthread_mutex_lock(&st->lock);
	vm = st->vm;
	pthread_mutex_unlock(&st->lock);
	return vm;
}

static const struct qmp_cmd qmp_cmds[] = {
	{ "cvisor-snapshot-save", cmd_snapshot_save },
	{ "migrate",		cmd_migrate },
	{ "query-migrate",	cmd_query_migrate },
	{ "migrate-incoming",	cmd_migrate_incoming },
	{ "query-status",	cmd_query_status },
	{ "stop",		cmd_stop },
	{ "cont",		cmd_cont },
	{ "quit",		cmd_quit },
	{ "system_reset",	cmd_system_reset },
	{ "system_powerdown",	cmd_system_powerdown },
};

const struct qmp_cmd *qmp_cmd_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(qmp_cmds); i++)
		if (!strcmp(qmp_cmds[i].name, name))
			return &qmp_cmds[i];
	return NULL;
}

void qmp_state_init(struct qmp_state *st, struct qmp_server *srv,
		    struct vm *vm)
{
	st->srv = srv;
	st->vm = vm;
	st->run = vm ? QMP_RUNNING : QMP_INMIGRATE;
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->incoming_cond, NULL);
}

void qmp_state_vm_ended(struct qmp_state *st, int status)
{
	const char *reason;

	pthread_mutex_lock(&st->lock);
	st->run = QMP_SHUTDOWN;
	reason = st->stop_reason;
	pthread_mutex_unlock(&st->lock);
	qmp_event(st->srv, "SHUTDOWN",
		  json_pack("{s:b, s:s}", "guest", !reason, "reason",
			    reason ? reason : "guest-shutdown"));
}

void qmp_state_release(struct qmp_state *st)
{
	migrate_free(st->mig);
	st->mig = NULL;
	free(st->incoming_uri);
	st->incoming_uri = NULL;
	pthread_cond_destroy(&st->incoming_cond);
	pthread_mutex_destroy(&st->lock);
}
