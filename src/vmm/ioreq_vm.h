/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ioreq_vm.h - the VM's ioreq host: out-of-process device models
 * (src/ioreq) wired to the machine.  Device models are spawned from
 * --device-model specs or connect by hand to --ioreq-socket; the VM starts
 * its vCPUs once all of them reported that they are running.
 */
#ifndef CVISOR_VMM_IOREQ_VM_H
#define CVISOR_VMM_IOREQ_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ioreq/ioreq.h"

struct vm;
struct bus_ctx;

#define VM_MAX_DEVICE_MODELS	8
/* PCI slot of the first spawned device model's function (00:10.0). */
#define VM_DM_FIRST_SLOT	16

/* Set up the host, spawn the device models and wait for them. */
int vm_ioreq_init(struct vm *vm, char *err, size_t err_len);

struct vm_config;
/* A --device-model runs device @name (the in-process one is left out). */
bool vm_device_model_replaces(const struct vm_config *cfg, const char *name);

/*
 * An access nobody in the VMM claims: hand it to the ioreq servers.
 * Returns true when a server took it (a read's bytes are in @data; a
 * failed request reads as all-ones), false when the caller handles it.
 */
bool vm_ioreq_access(struct vm *vm, const struct bus_ctx *ctx, uint8_t type,
		     uint64_t addr, uint8_t *data, unsigned int len,
		     bool is_write);

/*
 * Can every device model's state be saved (snapshot, migration)?  0, or
 * -EOPNOTSUPP with a message naming the one that cannot.
 */
int vm_ioreq_check_save(struct vm *vm, char *err, size_t err_len);

/*
 * Guest memory was removed or moved (memslot change, conversion to
 * private) by vCPU @vcpu: device models drop their mappings
 * (IOREQ_TYPE_INVALIDATE, synchronous).
 */
void vm_ioreq_invalidate(struct vm *vm, unsigned int vcpu);
/*
 * The guest-physical map changed where a device model may have mapped
 * it (a PAM segment's routing, the SMRAM window seen outside SMM), on a
 * path that knows no vCPU (a PCI config cycle, a reset, a restore).  As
 * Xen does after a p2m change, the INVALIDATE goes out from the next vCPU
 * that comes back from an exit (vm_ioreq_exit_done()), before it runs the
 * guest again: one per change, however many servers are enabled.
 */
void vm_ioreq_map_changed(struct vm *vm);
/* vCPU @vcpu handled an exit: send a pending INVALIDATE. */
void vm_ioreq_exit_done(struct vm *vm, unsigned int vcpu);
/* The guest's RTC moved by @delta seconds (IOREQ_TYPE_TIMEOFFSET). */
void vm_ioreq_timeoffset(struct vm *vm, int64_t delta);

#endif
