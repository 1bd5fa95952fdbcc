// SPDX-License-Identifier: GPL-2.0
/*
 * control.c - run control requests on the event loop thread.
 *
 * Pause, snapshot and the stop-and-copy phase of a migration must not run
 * concurrently with device handlers.  Handlers run on the vCPU threads
 * (exits; parked by a pause) and on the event loop thread, so a request
 * executed by the event loop itself, between two handler calls, sees
 * every device quiescent.  Control threads (QMP, migration) queue a
 * request, poke an eventfd and sleep until it is done; the event loop
 * stays the only thread that touches device state besides the vCPUs.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/devsvc_vm.h"
#include "vmm/vm.h"

struct vm_ctl_req {
	struct vm_ctl_req *next;
	vm_ctl_fn fn;
	void *opaque;
	int ret;
	bool done;
};

int vm_control_init(struct vm *vm)
{
	pthread_mutex_init(&vm->ctl_lock, NULL);
	pthread_cond_init(&vm->ctl_cond, NULL);
	vm->ctl_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return vm->ctl_fd < 0 ? -errno : 0;
}

static void vm_control_ready(struct vm *vm, int fd, uint32_t events,
			     void *opaque)
{
	struct vm_ctl_req *r;
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0) {
		/* Spurious wake-up: the queue below is what matters. */
	}
	for (;;) {
		pthread_mutex_lock(&vm->ctl_lock);
		r = vm->ctl_head;
		if (r)
			vm->ctl_head = r->next;
		pthread_mutex_unlock(&vm->ctl_lock);
		if (!r)
			break;
		r->ret = r->fn(vm, r->opaque);
		pthread_mutex_lock(&vm->ctl_lock);
		r->done = true;
		pthread_cond_broadcast(&vm->ctl_cond);
		pthread_mutex_unlock(&vm->ctl_lock);
	}
}

int vm_control_start(struct vm *vm)
{
	/* Control threads may already be calling in (a QMP client). */
	pthread_mutex_lock(&vm->ctl_lock);
	vm->loop_thread = pthread_self();
	vm->loop_started = true;
	pthread_mutex_unlock(&vm->ctl_lock);
	return vm_loop_add(vm, vm->ctl_fd, EPOLLIN, vm_control_ready, NULL);
}

/* The loop has ended: fail what is queued and whatever comes later. */
void vm_control_stopped(struct vm *vm)
{
	struct vm_ctl_req *r;

	pthread_mutex_lock(&vm->ctl_lock);
	vm->ctl_closed = true;
	while ((r = vm->ctl_head)) {
		vm->ctl_head = r->next;
		r->ret = -ESHUTDOWN;
		r->done = true;
	}
	pthread_cond_broadcast(&vm->ctl_cond);
	pthread_mutex_unlock(&vm->ctl_lock);
}

void vm_control_release(struct vm *vm)
{
	if (vm->ctl_fd >= 0)
		close(vm->ctl_fd);
	vm->ctl_fd = -1;
	pthread_mutex_destroy(&vm->ctl_lock);
	pthread_cond_destroy(&vm->ctl_cond);
}

int vm_control_call(struct vm *vm, vm_ctl_fn fn, void *opaque)
{
	struct vm_ctl_req req = { .fn = fn, .opaque = opaque }, **pp;
	uint64_t one = 1;

	pthread_mutex_lock(&vm->ctl_lock);
	if (vm->ctl_closed) {
		pthread_mutex_unlock(&vm->ctl_lock);
		return -ESHUTDOWN;
	}
	if (vm->loop_started &&
	    pthread_equal(vm->loop_thread, pthread_self())) {
		pthread_mutex_unlock(&vm->ctl_lock);
		return fn(vm, opaque);
	}
	for (pp = &vm->ctl_head; *pp; pp = &(*pp)->next)
		;
	*pp = &req;
	pthread_mutex_unlock(&vm->ctl_lock);

	if (write(vm->ctl_fd, &one, sizeof(one)) < 0) {
		/* Only fails near counter overflow: the loop is awake then. */
	}

	pthread_mutex_lock(&vm->ctl_lock);
	while (!req.done)
		pthread_cond_wait(&vm->ctl_cond, &vm->ctl_lock);
	pthread_mutex_unlock(&vm->ctl_lock);
	return req.ret;
}

static int vm_power_button_press(struct vm *vm, void *opaque)
{
	devsvc_vm_power_button(vm);
	return 0;
}

int vm_power_button(struct vm *vm)
{
	if (!devsvc_vm_has_power_button(vm))
		return -ENODEV;
	/* On the event loop, where device handlers run. */
	return vm_control_call(vm, vm_power_button_press, NULL);
}
