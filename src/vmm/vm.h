/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vm.h - the machine: built from a vm_config, owns everything it uses
 * (backend, RAM, bus, devices, vCPU threads, event loop).
 *
 * Lifecycle: vm_create() -> vm_run() -> vm_destroy().  Devices and vCPU
 * code end the VM with vm_stop() (status chosen by the guest) or
 * vm_fail() (status 125 with a message); the first request wins.
 */
#ifndef CVISOR_VMM_VM_H
#define CVISOR_VMM_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "hv/hv.h"
#include "pci/pci.h"
#include "devices/fw_cfg.h"
#include "bus/bus.h"
#include "vmm/component.h"
#include "vmm/config.h"
#include "vmm/debug.h"
#include "vmm/firmware.h"
#include "vmm/hyperv.h"
#include "vmm/ioreq_vm.h"
#include "vmm/irq.h"
#include "vmm/loader.h"
#include "vmm/machine.h"
#include "vmm/memory.h"
#include "vmm/private.h"
#include "vmm/smram.h"

struct vm;

struct vcpu {
	struct vm *vm;
	struct hv_vcpu *hv;
	unsigned int id;
	pthread_t thread;
	bool started;
	/* Wakes a vCPU blocked in HLT without an irqchip. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool wake;
	struct bus_ctx ctx;
};

typedef void (*vm_fd_handler)(struct vm *vm, int fd, uint32_t events,
			      void *opaque);
typedef void (*vm_cleanup_fn)(struct vm *vm, void *opaque);

struct devsvc_roles;
struct vm_cleanup;
struct vm_loop_entry;
struct vm_ctl_req;

struct vm {
	struct vm_config cfg;
	struct hv *hv;
	struct hv_vm *hv_vm;
	struct guest_mem mem;
	struct smram smram;		/* SMRAM and address space 1 */
	struct vm_private priv;		/* --private-memory (private.c) */
	struct bus bus;
	bool has_irqchip;
	struct vm_irq irq;		/* GSI routing and MSI routes (irq.c) */
	struct machine mach;		/* e820, ACPI (machine.c) */
	struct firmware *fw;		/* --firmware memory map, or NULL */
	struct fw_cfg_items fw_items;	/* what fw_cfg serves (fw_cfg.h) */
	/* PCI bus, power button, syndbg: devices' roles (devsvc_vm.h). */
	struct devsvc_roles *roles;

	unsigned int nr_vcpus;
	struct vcpu *vcpus;
	struct kvm_cpuid2 *cpuid;	/* the CPU model every vCPU got */
	struct boot_cpu boot;

	/* Lifecycle: set once by the first vm_stop()/vm_fail(). */
	pthread_mutex_t lock;
	atomic_bool stopping;
	int exit_status;
	char fail_msg[VM_MSG_LEN];

	/*
	 * Pause (pause.c): vCPU threads park at an instruction boundary
	 * while pause_req is set.  Protected by pause_lock.
	 */
	pthread_mutex_t pause_lock;
	pthread_cond_t pause_cond;
	bool pause_req;
	bool paused;		/* every running vCPU thread is parked */
	unsigned int nr_parked;
	unsigned int nr_exited;	/* vCPU threads that left their loop */

	/* Control requests run on the event loop thread (control.c). */
	int ctl_fd;		/* eventfd */
	pthread_mutex_t ctl_lock;
	pthread_cond_t ctl_cond;
	struct vm_ctl_req *ctl_head;
	bool ctl_closed;
	bool loop_started;	/* loop_thread is valid (under ctl_lock) */
	pthread_t loop_thread;

	int epoll_fd;
	struct vm_loop_entry *loop_entries;
	int stop_fd;		/* eventfd: wakes the event loop on stop */
	struct vm_cleanup *cleanups;
	struct comp_list comps;	/* state holders, restore order (component.h) */
	struct ioreq_host *ioreq;	/* device models; NULL: none */
	struct vm_ioreq *ioreq_vi;	/* their glue (ioreq_vm.c) */
	/* Memory map changes not yet told to them (vm_ioreq_map_changed). */
	atomic_uint ioreq_map_changes;

	/*
	 * The debugger's stop callback (debug.c); set before vm_run() and
	 * cleared after it, so vCPU threads read it without a lock.
	 */
	vm_debug_stop_fn debug_fn;
	void *debug_opaque;
};

/*
 * Build a VM.  On failure returns a negative errno with one line for the
 * user in @err (no "cvisor: " prefix).
 */
int vm_create(const struct vm_config *cfg, struct vm **out, char *err,
	      size_t err_len);
/*
 * Start the vCPUs and run the event loop until the VM stops.  Returns the
 * process exit status; when it is a failure @err holds the cause.
 */
int vm_run(struct vm *vm, char *err, size_t err_len);
void vm_destroy(struct vm *vm);

/* Request the end of the VM with @status.  Any thread; first one wins. */
void vm_stop(struct vm *vm, int status);
/*
 * The guest asked for a system reset (0xCF9, the i8042, a reset event).
 * cvisor has no reboot: the VM ends with status 0, QEMU's -no-reboot.
 */
static inline void vm_reset_request(struct vm *vm)
{
	vm_stop(vm, 0);
}
/* End the VM with status 125 and a message naming the cause. */
void vm_fail(struct vm *vm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline bool vm_stopping(struct vm *vm)
{
	return atomic_load_explicit(&vm->stopping, memory_order_acquire);
}

/*
 * A message for the user.  The machine never prints: src/cli's sink
 * (vm_config.log) does.
 */
void vm_log(struct vm *vm, enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The sink of vm_config.log, for code that logs under its own name. */
static inline struct log_sink vm_log_sink(const struct vm *vm)
{
	return (struct log_sink){ vm->cfg.log, vm->cfg.log_opaque };
}

/* Run @fn(vm, opaque) at vm_destroy(), in reverse order of registration. */
int vm_add_cleanup(struct vm *vm, vm_cleanup_fn fn, void *opaque);

/* Watch @fd in the event loop (EPOLLIN etc.); events 0 pauses it. */
int vm_loop_add(struct vm *vm, int fd, uint32_t events, vm_fd_handler fn,
		void *opaque);
int vm_loop_mod(struct vm *vm, int fd, uint32_t events);
int vm_loop_del(struct vm *vm, int fd);
/* Run the ready device fds' handlers now (pause.c; event loop thread). */
void vm_loop_drain(struct vm *vm);

/* Set a GSI's level; a no-op without an interrupt controller. */
int vm_irq_line(struct vm *vm, uint32_t gsi, int level);
/* Nanoseconds of CLOCK_MONOTONIC. */
uint64_t vm_now_ns(void);

/* irqchip_state.c: components "irqchip" and (with @pit) "pit". */
int vm_irqchip_register(struct vm *vm, bool pit);
/* The guest clock component "clock" (clock_state.c). */
int vm_clock_register(struct vm *vm);

/*
 * pause.c: stop every vCPU at an instruction boundary and wait until all
 * are parked, then let the devices finish what the guest asked for
 * before (vm_loop_drain()); the event loop keeps running, so device
 * back ends still
 * queue input and a kick or interrupt that arrives meanwhile stays
 * pending (irqfd and ioeventfd stay assigned) and is seen after resume.
 * Event loop thread only (use vm_control_call() from other threads).
 * vm_pause() returns -ESHUTDOWN if the VM is stopping.
 */
/*
 * Press the machine's power button (QMP system_powerdown): -ENODEV if
 * it has none.
 */
int vm_power_button(struct vm *vm);
int vm_pause(struct vm *vm);
/* Ask every vCPU to park and return at once (any thread, even a vCPU's). */
void vm_pause_request(struct vm *vm);
void vm_resume(struct vm *vm);
bool vm_paused(struct vm *vm);
/* vCPU thread: park here while a pause is requested. */
void vcpu_park_if_paused(struct vcpu *vcpu);
void vcpu_thread_exited(struct vcpu *vcpu);

/*
 * control.c: run @fn(vm, opaque) on the event loop thread and wait for
 * its return value; the way a control thread (QMP, migration) acts on
 * the VM without racing device handlers.  -ESHUTDOWN once the VM is
 * stopping and the loop has ended.
 */
typedef int (*vm_ctl_fn)(struct vm *vm, void *opaque);
int vm_control_call(struct vm *vm, vm_ctl_fn fn, void *opaque);
/* vm.c's side of control.c. */
int vm_control_init(struct vm *vm);
int vm_control_start(struct vm *vm);
void vm_control_stopped(struct vm *vm);
void vm_control_release(struct vm *vm);

/* vcpu.c */
int vcpu_setup(struct vcpu *vcpu, const struct kvm_cpuid2 *cpuid);
int vcpu_start(struct vcpu *vcpu);
void vcpu_wake(struct vcpu *vcpu);
void vcpu_fail(struct vcpu *vcpu, const char *what);
/*
 * Raise an SMI on @vcpu.  Called from a bus handler on the vCPU's own
 * thread (ctx->vcpu: the CPU that made the access, as PIIX4's APM port
 * does); the SMI is taken once the access completes.
 */
int vcpu_raise_smi(struct vcpu *vcpu);

#endif
