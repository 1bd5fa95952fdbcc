/* SPDX-License-Identifier: GPL-2.0 */
/*
 * irqfd.h - KVM_IRQFD and KVM_IOEVENTFD for the emu backend.
 */
#ifndef CVISOR_EMU_IRQFD_H
#define CVISOR_EMU_IRQFD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

struct emu_vm;
struct emu_vcpu;
struct emu_irqfd;
struct emu_resampler;
struct emu_ioev_table;

typedef void (*emu_irqfd_hook_fn)(void *opaque, uint32_t gsi);

/* Per-VM irqfd state (irqfd.c has the rules). */
struct emu_irqfds {
	pthread_mutex_t lock;		/* assign, deassign, VM destroy */
	/* The injector thread, started with the first binding. */
	bool started;
	int epfd;
	int wakefd;
	pthread_t thread;
	pthread_mutex_t q_lock;		/* epoch, stop */
	pthread_cond_t q_cond;
	uint64_t epoch;
	bool stop;
	/* Resamplers: one per GSI with RESAMPLE irqfds. */
	pthread_mutex_t rs_lock;
	struct emu_resampler *rs;
	atomic_uint nr_rs;
	int rs_source;			/* shared resample source id, -1 */
	/* Test hook: called by the injector before every injection. */
	_Atomic(emu_irqfd_hook_fn) hook;
	void *_Atomic hook_opaque;
};

/* Per-VM ioeventfd state (ioeventfd.c). */
struct emu_ioevs {
	pthread_mutex_t lock;		/* updaters */
	_Atomic(struct emu_ioev_table *) table;	/* NULL: none */
};

#define EMU_IOEV_MMIO	0
#define EMU_IOEV_PIO	1
#define EMU_IOEV_CCW	2		/* accepted like KVM; never fires on x86 */

void emu_irqfds_init(struct emu_irqfds *s);
/* Tear down every binding; returns when none can inject any more. */
void emu_irqfds_destroy(struct emu_vm *vm);
int emu_irqfd_op(struct emu_vm *vm, const struct kvm_irqfd *a);
/* An irqchip pin (KVM_IRQCHIP_*) was EOIed: resample. */
void emu_irqfd_ack(struct emu_vm *vm, uint32_t chip, uint32_t pin);

void emu_ioevs_init(struct emu_ioevs *s);
void emu_ioevs_destroy(struct emu_vm *vm);
int emu_ioeventfd_op(struct emu_vm *vm, const struct kvm_ioeventfd *a);
/*
 * vCPU exit path: a guest write of @len bytes at @addr on @bus.  Returns
 * true if an ioeventfd matched (its eventfd is signalled, no exit).
 */
bool emu_ioeventfd_write(struct emu_vcpu *v, unsigned int bus, uint64_t addr,
			 const void *data, unsigned int len);

#endif
