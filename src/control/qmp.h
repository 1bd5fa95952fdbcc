/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qmp.h - the control socket: QEMU's QMP wire protocol on a unix socket
 * (cvisor run --api-socket PATH), served by its own thread so that the
 * vCPUs and the event loop never wait for a client.
 *
 * Commands that change the machine (stop, cont, snapshots, the last
 * phase of a migration) run on the VM's event loop through
 * vm_control_call(); read-only queries answer from the server's state.
 */
#ifndef CVISOR_CONTROL_QMP_H
#define CVISOR_CONTROL_QMP_H

#include <stddef.h>

struct vm;
struct qmp_server;

/*
 * Serve QMP on @path for @vm.  @vm NULL: a destination started with
 * "--incoming defer", in state "inmigrate" until migrate-incoming names
 * the URI (qmp_server_wait_incoming()); then qmp_server_attach_vm().
 */
int qmp_server_start(struct vm *vm, const char *path, struct qmp_server **out,
		     char *err, size_t err_len);
/* 0 with a malloc'ed URI, or -ECANCELED if a client sent quit first. */
int qmp_server_wait_incoming(struct qmp_server *srv, char **uri);
void qmp_server_attach_vm(struct qmp_server *srv, struct vm *vm);
/*
 * The VM has ended (vm_run() returned): send SHUTDOWN to the clients,
 * with @guest telling whether the guest asked for it.
 */
void qmp_server_vm_ended(struct qmp_server *srv, int status);
void qmp_server_stop(struct qmp_server *srv);

/* Ask the server at @path to run one command; qmp_client.c. */
struct qmp_reply {
	char *json;	/* the "return" value, or NULL */
	char err_class[64];
	char err_desc[256];
};
int qmp_client_execute(const char *path, const char *cmd,
		       const char *args_json, struct qmp_reply *reply,
		       char *err, size_t err_len);
void qmp_reply_free(struct qmp_reply *reply);

#endif
