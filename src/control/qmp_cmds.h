/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qmp_cmds.h - the commands behind the QMP server and the state they
 * share (run state, the current migration).  qmp.c owns the wire.
 */
#ifndef CVISOR_CONTROL_QMP_CMDS_H
#define CVISOR_CONTROL_QMP_CMDS_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct qmp_server;
struct vm;
struct migration;

enum qmp_run_state {
	QMP_RUNNING,
	QMP_PAUSED,
	QMP_FINISH_MIGRATE,	/* source: stop-and-copy in progress */
	QMP_POSTMIGRATE,	/* source: the destination has the VM */
	QMP_SHUTDOWN,
	QMP_INMIGRATE,		/* --incoming defer: no VM until migrate-incoming */
};

struct qmp_state {
	struct qmp_server *srv;
	struct vm *vm;
	pthread_mutex_t lock;
	enum qmp_run_state run;
	struct migration *mig;	/* the last outgoing migration, or NULL */
	const char *stop_reason;	/* set when the host ended the VM */
	/* --incoming defer: the URI migrate-incoming gave, or quit. */
	pthread_cond_t incoming_cond;
	char *incoming_uri;
	bool incoming_set;	/* migrate-incoming came (once only) */
	bool incoming_quit;
};

/*
 * A command: 0 with *ret set (NULL means {}), or a negative errno with
 * *cls set to a QMP error class and @desc to the message.
 */
struct qmp_cmd {
	const char *name;
	int (*fn)(struct qmp_state *st, json_t *args, json_t **ret,
		  const char **cls, char *desc, size_t desc_len);
};

const struct qmp_cmd *qmp_cmd_find(const char *name);
void qmp_state_init(struct qmp_state *st, struct qmp_server *srv,
		    struct vm *vm);
void qmp_state_vm_ended(struct qmp_state *st, int status);
/* Commands that work before the VM exists (QMP_INMIGRATE). */
bool qmp_cmd_needs_vm(const struct qmp_cmd *cmd);
/* 0 and a malloc'ed URI once migrate-incoming came; -ECANCELED on quit. */
int qmp_state_wait_incoming(struct qmp_state *st, char **uri);
void qmp_state_attach(struct qmp_state *st, struct vm *vm);
/* Under st->lock: the VM, or NULL before it arrived. */
struct vm *qmp_state_vm(struct qmp_state *st);
void qmp_state_release(struct qmp_state *st);

/* qmp.c: send an event to every negotiated client (takes @data). */
void qmp_event(struct qmp_server *srv, const char *name, json_t *data);

#endif
