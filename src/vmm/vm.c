// SPDX-License-Identifier: GPL-2.0
/*
 * vm.c - build, run and tear down a VM.
 *
 * Threads: one per vCPU (vcpu.c) and the caller of vm_run(), which becomes
 * the event loop for device backends (stdin) and waits for the end of the
 * VM.  Whoever ends the VM (a device on a vCPU thread, a failing vCPU, the
 * event loop) calls vm_stop()/vm_fail(): the first call records the status,
 * kicks every vCPU out of the backend and wakes the event loop, which then
 * joins the vCPU threads.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "devices/fw_cfg.h"
#include "lib/compiler.h"
#include "lib/size.h"
#include "vmm/term.h"
#include "vmm/vcpu_state.h"
#include "vmm/devsvc_vm.h"
#include "vmm/vm.h"

struct vm_cleanup {
	struct vm_cleanup *next;
	vm_cleanup_fn fn;
	void *opaque;
};

struct vm_loop_entry {
	struct vm_loop_entry *next;
	int fd;
	vm_fd_handler fn;
	void *opaque;
};

void vm_log(struct vm *vm, enum log_level level, const char *fmt, ...)
{
	const struct log_sink sink = vm_log_sink(vm);
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(&sink, level, "vm", fmt, ap);
	va_end(ap);
}

int vm_add_cleanup(struct vm *vm, vm_cleanup_fn fn, void *opaque)
{
	struct vm_cleanup *c = malloc(sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->fn = fn;
	c->opaque = opaque;
	c->next = vm->cleanups;
	vm->cleanups = c;
	return 0;
}

int vm_loop_add(struct vm *vm, int fd, uint32_t events, vm_fd_handler fn,
		void *opaque)
{
	struct epoll_event ev = { .events = events };
	struct vm_loop_entry *e = malloc(sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->fd = fd;
	e->fn = fn;
	e->opaque = opaque;
	ev.data.ptr = e;
	if (epoll_ctl(vm->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int ret = -errno;

		free(e);
		return ret;
	}
	e->next = vm->loop_entries;
	vm->loop_entries = e;
	return 0;
}

/*
 * Run the handlers of the device fds that are ready now, without
 * waiting, a few passes at most.  After vm_pause() has parked the vCPUs
 * this completes what the guest asked for before: a kick still sitting
 * in a queue's eventfd.  Left for later it would be done after a save
 * that did not count it, by this process and again by the one that
 * loads the image (a frame sent twice); done now, its interrupt lands in
 * the irqchip before that is saved too.  The control and stop eventfds
 * stay with the loop (this runs inside a control request).  Event loop
 * thread only.
 */
void vm_loop_drain(struct vm *vm)
{
	struct epoll_event evs[32];
	int n, i, pass;

	if (vm->epoll_fd < 0)
		return;
	for (pass = 0; pass < 4; pass++) {
		n = epoll_wait(vm->epoll_fd, evs, ARRAY_SIZE(evs), 0);
		if (n <= 0)
			return;
		for (i = 0; i < n; i++) {
			struct vm_loop_entry *e = evs[i].data.ptr;

			if (e->fd == vm->ctl_fd || e->fd == vm->stop_fd)
				continue;
			e->fn(vm, e->fd, evs[i].events, e->opaque);
		}
	}
}

static struct vm_loop_entry *loop_find(struct vm *vm, int fd)
{
	struct vm_loop_entry *e;

	for (e = vm->loop_entries; e; e = e->next)
		if (e->fd == fd)
			return e;
	return NULL;
}

/* Safe from any thread: epoll_ctl is, and entries are only freed by the
 * event loop thread or at destroy. */
int vm_loop_mod(struct vm *vm, int fd, uint32_t events)
{
	struct vm_loop_entry *e = loop_find(vm, fd);
	struct epoll_event ev = { .events = events };

	if (!e)
		return -ENOENT;
	ev.data.ptr = e;
	return epoll_ctl(vm->epoll_fd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

/* Event loop thread only (e.g. from the fd's own handler). */
int vm_loop_del(struct vm *vm, int fd)
{
	struct vm_loop_entry **pp, *e;

	for (pp = &vm->loop_entries; (e = *pp); pp = &e->next) {
		if (e->fd != fd)
			continue;
		epoll_ctl(vm->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
		*pp = e->next;
		free(e);
		return 0;
	}
	return -ENOENT;
}

uint64_t vm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int vm_irq_line(struct vm *vm, uint32_t gsi, int level)
{
	if (!vm->has_irqchip || !vm->hv_vm)
		return 0;
	return hv_irq_line(vm->hv_vm, gsi, level);
}

static void vm_stop_kick_all(struct vm *vm)
{
	uint64_t one = 1;
	unsigned int i;

	/* vCPUs waiting for a device model give up first. */
	if (vm->ioreq)
		ioreq_host_stop(vm->ioreq);
	for (i = 0; i < vm->nr_vcpus; i++) {
		if (!vm->vcpus[i].hv)
			continue;
		hv_vcpu_kick(vm->vcpus[i].hv);
		vcpu_wake(&vm->vcpus[i]);
	}
	if (vm->stop_fd >= 0 && write(vm->stop_fd, &one, sizeof(one)) < 0) {
		/* Cannot fail for an eventfd that is not near overflow. */
	}
	/* Parked vCPUs and a waiting vm_pause() look at the stop flag. */
	pthread_mutex_lock(&vm->pause_lock);
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
}

static bool vm_claim_stop(struct vm *vm, int status)
{
	bool first;

	pthread_mutex_lock(&vm->lock);
	first = !atomic_load(&vm->stopping);
	if (first)
		vm->exit_status = status;
	pthread_mutex_unlock(&vm->lock);
	return first;
}

void vm_stop(struct vm *vm, int status)
{
	if (!vm_claim_stop(vm, status & 0xff))
		return;
	atomic_store_explicit(&vm->stopping, true, memory_order_release);
	vm_stop_kick_all(vm);
}

void vm_fail(struct vm *vm, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!vm_claim_stop(vm, VM_EXIT_FAILURE))
		return;
	/* Only the first stopper gets here, so the buffer is ours. */
	n = snprintf(vm->fail_msg, sizeof(vm->fail_msg), "VM failed: ");
	va_start(ap, fmt);
	vsnprintf(vm->fail_msg + n, sizeof(vm->fail_msg) - n, fmt, ap);
	va_end(ap);
	atomic_store_explicit(&vm->stopping, true, memory_order_release);
	vm_stop_kick_all(vm);
}

static int vm_setup_memory(struct vm *vm, char *err, size_t err_len)
{
	unsigned int i;
	int ret;

	ret = guest_mem_init(&vm->mem, vm->cfg.ram_size);
	if (!ret && vm->cfg.private_memory)
		ret = guest_mem_enable_private(&vm->mem);
	if (ret) {
		char sz[32];

		size_format(vm->cfg.ram_size, sz, sizeof(sz));
		snprintf(err, err_len, "cannot allocate %s of guest RAM: %s",
			 sz, strerror(-ret));
		return ret;
	}
	if (vm->cfg.private_memory) {
		ret = vm_private_setup(vm, err, err_len);
		if (ret)
			return ret;
	}
	for (i = 0; i < vm->mem.ram.nr; i++) {
		const struct boot_ram_region *r = &vm->mem.ram.region[i];

		/* The firmware machine maps low RAM around its legacy hole. */
		if (vm->cfg.firmware && i == 0)
			continue;
		struct hv_memslot slot = {
			.slot = (uint16_t)i,
			.as_id = HV_AS_NORMAL,
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = r->host,
			.guest_memfd = -1,
		};

		/* Private memory: the same layout in the guest_memfd. */
		if (vm->priv.enabled) {
			slot.flags |= HV_MEM_GUEST_MEMFD;
			slot.guest_memfd = vm->priv.gmem_fd;
			slot.guest_memfd_offset = (uint64_t)(r->host -
							     vm->mem.host);
		}

		ret = hv_set_memslot(vm->hv_vm, &slot);
		if (ret) {
			snprintf(err, err_len,
				 "cannot map guest RAM at 0x%llx: %s",
				 (unsigned long long)r->gpa, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/*
 * With SMM the direct-boot machine has SMRAM at 0xA0000 for SMM code only:
 * AS0 keeps its RAM there (no VGA), AS1 shows SMRAM (G_SMRAME set, D_OPEN
 * clear, as firmware leaves an i440FX).
 */
static int vm_setup_smram(struct vm *vm, char *err, size_t err_len)
{
	int ret;

	ret = smram_init(vm);
	/* The firmware machine's i440FX opens the window itself. */
	if (!ret && smram_enabled(&vm->smram) && !vm->cfg.firmware)
		ret = smram_set(vm, true, false);
	if (ret)
		snprintf(err, err_len, "cannot set up SMRAM: %s",
			 strerror(-ret));
	return ret;
}

/* KVM_GET_SUPPORTED_CPUID wants a big enough buffer; grow until it fits. */
static struct kvm_cpuid2 *vm_get_cpuid(struct vm *vm, int *err)
{
	unsigned int nent = 128;
	struct kvm_cpuid2 *c;
	int ret;

	for (;;) {
		c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		if (!c) {
			*err = -ENOMEM;
			return NULL;
		}
		c->nent = nent;
		ret = hv_get_supported_cpuid(vm->hv, c);
		if (!ret)
			return c;
		free(c);
		if (ret != -E2BIG || nent >= 4096) {
			*err = ret;
			return NULL;
		}
		nent *= 2;
	}
}

/* --kvm-pv: hide the KVM leaves (0x40000000-0x400000FF) of the table. */
static void vm_cpuid_kvm_pv(const struct vm_config *cfg, struct kvm_cpuid2 *c)
{
	bool keep = cfg->kvm_pv == VM_KVM_PV_ON ||
		    (cfg->kvm_pv == VM_KVM_PV_AUTO && !cfg->hyperv.features);
	unsigned int i, n = 0;

	if (keep)
		return;
	for (i = 0; i < c->nent; i++)
		if ((c->entries[i].function & 0xffffff00u) != 0x40000000u)
			c->entries[n++] = c->entries[i];
	c->nent = n;
}

static int vm_setup_vcpus(struct vm *vm, char *err, size_t err_len)
{
	struct kvm_cpuid2 *cpuid;
	bool saved = vm->cfg.cpuid;	/* a snapshot's model: leaves included */
	unsigned int i;
	int ret = 0;

	vm->vcpus = calloc(vm->cfg.nr_cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	if (vm->cfg.cpuid) {
		size_t sz = sizeof(*vm->cfg.cpuid) +
			    vm->cfg.cpuid->nent * sizeof(vm->cfg.cpuid->entries[0]);

		cpuid = malloc(sz);
		if (cpuid)
			memcpy(cpuid, vm->cfg.cpuid, sz);
		else
			ret = -ENOMEM;
	} else {
		cpuid = vm_get_cpuid(vm, &ret);
	}
	vm->cfg.cpuid = NULL;	/* the caller's; ours is vm->cpuid */
	if (!cpuid && ret != -EOPNOTSUPP) {
		snprintf(err, err_len, "cannot read the supported CPUID: %s",
			 strerror(-ret));
		return ret;
	}
	if (cpuid && !saved)
		vm_cpuid_kvm_pv(&vm->cfg, cpuid);
	if (cpuid && vm->cfg.hyperv.features && !saved) {
		struct kvm_cpuid2 *hc = hyperv_cpuid(&vm->cfg.hyperv, cpuid,
						     vm->cfg.nr_cpus);

		free(cpuid);
		if (!hc) {
			snprintf(err, err_len, "out of memory");
			return -ENOMEM;
		}
		cpuid = hc;
	}
	for (i = 0; i < vm->cfg.nr_cpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];

		vcpu->vm = vm;
		vcpu->id = i;
		vcpu->ctx.vcpu = vcpu;
		vcpu->ctx.vcpu_id = i;
		pthread_mutex_init(&vcpu->lock, NULL);
		pthread_cond_init(&vcpu->cond, NULL);
		vm->nr_vcpus = i + 1;
		ret = hv_vcpu_create(vm->hv_vm, i, &vcpu->hv);
		if (ret) {
			vcpu->hv = NULL;
			snprintf(err, err_len, "cannot create vCPU %u: %s", i,
				 strerror(-ret));
			goto out;
		}
		ret = vcpu_setup(vcpu, cpuid);
		if (ret) {
			snprintf(err, err_len, "cannot set up vCPU %u: %s", i,
				 strerror(-ret));
			goto out;
		}
		ret = vcpu_state_register(vcpu);
		if (ret) {
			snprintf(err, err_len,
				 "cannot read the state of vCPU %u: %s", i,
				 strerror(-ret));
			goto out;
		}
	}
out:
	vm->cpuid = cpuid;
	return ret;
}

int vm_create(const struct vm_config *cfg, struct vm **out, char *err,
	      size_t err_len)
{
	struct hv_vm_config vcfg = { .max_vcpus = cfg->nr_cpus };
	char why[256] = "";
	struct vm *vm;
	int ret, max;

	*out = NULL;
	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	vm->cfg = *cfg;
	if (!vm->cfg.start_ns)
		vm->cfg.start_ns = vm_now_ns();
	vm->mem.fd = -1;
	vm->epoll_fd = -1;
	vm->stop_fd = -1;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_mutex_init(&vm->irq.lock, NULL);
	pthread_mutex_init(&vm->pause_lock, NULL);
	pthread_cond_init(&vm->pause_cond, NULL);
	vm->ctl_fd = -1;
	ret = vm_control_init(vm);
	if (ret) {
		snprintf(err, err_len, "control: %s", strerror(-ret));
		goto fail;
	}
	atomic_init(&vm->stopping, false);
	ret = devsvc_vm_init(vm);
	if (ret) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	ret = bus_init(&vm->bus);
	if (ret) {
		snprintf(err, err_len, "bus: %s", strerror(-ret));
		goto fail;
	}

	ret = hv_open(cfg->accel, &vm->hv, why, sizeof(why));
	if (ret) {
		vm->hv = NULL;
		if (cfg->accel == HV_ACCEL_KVM)
			snprintf(err, err_len, "kvm backend: %s", why);
		else if (cfg->accel == HV_ACCEL_EMU)
			snprintf(err, err_len, "emu backend: %s", why);
		else
			snprintf(err, err_len, "no usable backend: %s", why);
		goto fail;
	}
	if (cfg->verbose ||
	    (cfg->accel == HV_ACCEL_AUTO &&
	     strcmp(hv_backend_name(vm->hv), "kvm")))
		vm_log(vm, LOG_LEVEL_INFO, "accel %s (%s)",
		       hv_backend_name(vm->hv), why[0] ? why : "requested");

	ret = hyperv_check(vm, err, err_len);
	if (ret)
		goto fail;

	max = hv_check_cap(vm->hv, HV_CAP_MAX_VCPUS);
	if (max > 0 && cfg->nr_cpus > (unsigned int)max) {
		snprintf(err, err_len,
			 "--cpus %u: %s supports at most %d vCPUs",
			 cfg->nr_cpus, hv_backend_desc(vm->hv), max);
		ret = -E2BIG;
		goto fail;
	}

	if (cfg->private_memory) {
		ret = vm_private_check(vm->hv, err, err_len);
		if (ret)
			goto fail;
		vcfg.type = HV_VM_TYPE_SW_PROTECTED;
	}
	ret = hv_vm_create(vm->hv, &vcfg, &vm->hv_vm);
	if (ret) {
		vm->hv_vm = NULL;
		snprintf(err, err_len, "cannot create a VM with %s: %s",
			 hv_backend_desc(vm->hv), strerror(-ret));
		goto fail;
	}
	ret = vm_setup_memory(vm, err, err_len);
	if (ret)
		goto fail;
	if (cfg->firmware) {
		ret = firmware_init(vm, err, err_len);
		if (ret)
			goto fail;
	}
	ret = vm_setup_smram(vm, err, err_len);
	if (ret)
		goto fail;
	if (hv_check_cap(vm->hv, HV_CAP_IRQCHIP) > 0) {
		ret = hv_create_irqchip(vm->hv_vm);
		if (ret) {
			snprintf(err, err_len,
				 "cannot create the interrupt controllers: %s",
				 strerror(-ret));
			goto fail;
		}
		vm->has_irqchip = true;
		/* The 8254 lives in the backend when it has one (IRQ 0). */
		if (hv_check_cap(vm->hv, HV_CAP_PIT) > 0) {
			ret = hv_create_pit(vm->hv_vm);
			if (ret) {
				snprintf(err, err_len,
					 "cannot create the PIT: %s",
					 strerror(-ret));
				goto fail;
			}
		}
		ret = vm_irqchip_register(vm,
					  hv_check_cap(vm->hv, HV_CAP_PIT) > 0);
		if (ret) {
			snprintf(err, err_len, "irqchip state: %s",
				 strerror(-ret));
			goto fail;
		}
	}
	ret = vm_clock_register(vm);
	if (ret) {
		snprintf(err, err_len, "guest clock state: %s", strerror(-ret));
		goto fail;
	}
	ret = vm_irq_init(vm);
	if (ret) {
		snprintf(err, err_len, "cannot set up interrupt routing: %s",
			 strerror(-ret));
		goto fail;
	}
	ret = machine_init(vm, err, err_len);
	if (ret)
		goto fail;

	vm->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	vm->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->epoll_fd < 0 || vm->stop_fd < 0) {
		ret = -errno;
		snprintf(err, err_len, "event loop: %s", strerror(errno));
		goto fail;
	}

	ret = fw_cfg_items_init(&vm->fw_items, &vm->cfg);
	if (ret) {
		snprintf(err, err_len, "fw_cfg: %s", strerror(-ret));
		goto fail;
	}
	vm->cfg.fw_items = &vm->fw_items;
	ret = devsvc_vm_devices_init(vm, err, err_len);
	if (ret)
		goto fail;
	/* Device models claim what the in-process devices left free. */
	ret = vm_ioreq_init(vm, err, err_len);
	if (ret)
		goto fail;
	/*
	 * After the devices (the tables describe them), before the loader
	 * (which hands the RSDP to the kernel).  Firmware gets its tables
	 * through fw_cfg instead (vmm/fw_items_firmware.c).  A restore
	 * loads nothing: the image holds RAM.
	 */
	if (cfg->firmware) {
		ret = fw_items_firmware_setup(vm, err, err_len);
		if (ret)
			goto fail;
	} else {
		ret = machine_write_acpi(vm, err, err_len);
		if (ret)
			goto fail;
		if (!cfg->restore) {
			ret = loader_load(vm, &vm->boot, err, err_len);
			if (ret)
				goto fail;
		}
	}
	ret = vm_setup_vcpus(vm, err, err_len);
	if (ret)
		goto fail;

	*out = vm;
	return 0;
fail:
	vm_destroy(vm);
	return ret;
}

static void vm_stop_fd_ready(struct vm *vm, int fd, uint32_t events,
			     void *opaque)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0) {
		/* Nothing to do: the stopping flag is what matters. */
	}
}

/* --verbose: counters of the vCPUs, once they have stopped. */
static void vm_report_stats(struct vm *vm)
{
	struct hv_vcpu_stats st;
	uint64_t smm = 0;
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		if (hv_vcpu_get_stats(vm->vcpus[i].hv, &st))
			return;		/* the backend keeps no counters */
		smm += st.smm_entries;
	}
	vm_log(vm, LOG_LEVEL_INFO, "smm-entries %llu",
	       (unsigned long long)smm);
}

int vm_run(struct vm *vm, char *err, size_t err_len)
{
	struct epoll_event evs[8];
	sigset_t all, old;
	unsigned int i;
	int ret, n;

	err[0] = '\0';
	ret = vm_loop_add(vm, vm->stop_fd, EPOLLIN, vm_stop_fd_ready, NULL);
	if (!ret)
		ret = vm_control_start(vm);
	if (ret) {
		snprintf(err, err_len, "event loop: %s", strerror(-ret));
		return VM_EXIT_FAILURE;
	}
	ret = term_raw_enter(STDIN_FILENO);
	if (ret && vm->cfg.verbose)
		vm_log(vm, LOG_LEVEL_WARN,
		       "cannot set the terminal to raw mode: %s",
		       strerror(-ret));

	/*
	 * vCPU threads inherit a mask blocking the terminating signals, so
	 * that their handlers (terminal restore) run on this thread.  Other
	 * signals are left alone: a backend may kick vCPUs with one.
	 */
	sigemptyset(&all);
	sigaddset(&all, SIGTERM);
	sigaddset(&all, SIGINT);
	sigaddset(&all, SIGHUP);
	sigaddset(&all, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < vm->nr_vcpus; i++) {
		ret = vcpu_start(&vm->vcpus[i]);
		if (ret) {
			vm_fail(vm, "cannot start vCPU %u: %s", i,
				strerror(-ret));
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	while (!vm_stopping(vm)) {
		n = epoll_wait(vm->epoll_fd, evs, 8, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			vm_fail(vm, "event loop: %s", strerror(errno));
			break;
		}
		for (i = 0; i < (unsigned int)n; i++) {
			struct vm_loop_entry *e = evs[i].data.ptr;

			e->fn(vm, e->fd, evs[i].events, e->opaque);
		}
	}

	vm_control_stopped(vm);
	for (i = 0; i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i].started)
			pthread_join(vm->vcpus[i].thread, NULL);
		vm->vcpus[i].started = false;
	}
	term_restore();
	if (vm->cfg.verbose)
		vm_report_stats(vm);

	pthread_mutex_lock(&vm->lock);
	ret = vm->exit_status;
	if (vm->fail_msg[0])
		snprintf(err, err_len, "%s", vm->fail_msg);
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

void vm_destroy(struct vm *vm)
{
	struct vm_loop_entry *e;
	struct vm_cleanup *c;
	unsigned int i;

	if (!vm)
		return;
	/* vm_run() joined the threads; a VM that never ran has none. */
	for (i = 0; i < vm->nr_vcpus; i++) {
		hv_vcpu_destroy(vm->vcpus[i].hv);
		pthread_mutex_destroy(&vm->vcpus[i].lock);
		pthread_cond_destroy(&vm->vcpus[i].cond);
	}
	free(vm->vcpus);
	vm->vcpus = NULL;
	free(vm->cpuid);
	vm->cpuid = NULL;
	vm->nr_vcpus = 0;

	while ((e = vm->loop_entries)) {
		vm->loop_entries = e->next;
		free(e);
	}
	if (vm->epoll_fd >= 0)
		close(vm->epoll_fd);
	if (vm->stop_fd >= 0)
		close(vm->stop_fd);
	/* Device models may call into the backend (MSIs) until this. */
	ioreq_host_destroy(vm->ioreq);
	vm->ioreq = NULL;
	hv_vm_destroy(vm->hv_vm);
	vm->hv_vm = NULL;
	/*
	 * Devices torn down below may still lower an INTx line, unmap a BAR
	 * or drop an ioeventfd on the way out: with no VM left, those become
	 * no-ops instead of calls into a destroyed backend VM.
	 */
	vm->has_irqchip = false;
	vm->irq.routing = false;
	/*
	 * Device state goes after the VM: nothing can access a device any
	 * more, and memory a device mapped into the guest is no longer in
	 * use.  Cleanups must therefore not call into the backend.
	 */
	while ((c = vm->cleanups)) {
		vm->cleanups = c->next;
		c->fn(vm, c->opaque);
		free(c);
	}
	/* Their destroy hooks ran among the cleanups above. */
	comp_list_free(&vm->comps);
	devsvc_vm_release(vm);
	vm_irq_release(vm);
	vm_private_release(vm);
	guest_mem_release(&vm->mem);
	fw_cfg_items_release(&vm->fw_items);
	hv_close(vm->hv);
	bus_destroy(&vm->bus);
	vm_control_release(vm);
	pthread_mutex_destroy(&vm->pause_lock);
	pthread_cond_destroy(&vm->pause_cond);
	pthread_mutex_destroy(&vm->lock);
	term_restore();
	free(vm);
}
