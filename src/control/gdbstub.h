/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gdbstub.h - a GDB remote-protocol server for a VM (cvisor run --gdb):
 * vCPUs are threads, all-stop mode, registers, memory by guest-virtual
 * address, software breakpoints (INT3 written into the guest),
 * hardware breakpoints and watchpoints (the vCPU's debug registers as
 * the VMM's own, invisible to the guest) and single-step, all through
 * KVM_SET_GUEST_DEBUG semantics so that both backends serve it.
 *
 * @spec is "tcp:HOST:PORT" or "unix:PATH", optionally followed by
 * ",wait": the vCPUs then wait for the debugger before their first
 * instruction (QEMU's -S).  The VM stops when a debugger attaches and
 * runs on when it detaches.
 */
#ifndef CVISOR_CONTROL_GDBSTUB_H
#define CVISOR_CONTROL_GDBSTUB_H

#include <stddef.h>

struct vm;
struct gdb_server;

int gdb_server_start(struct vm *vm, const char *spec, struct gdb_server **out,
		     char *err, size_t err_len);
/* The VM has ended with @status: tell the debugger, then stop serving. */
void gdb_server_stop(struct gdb_server *srv, int status);

#endif
