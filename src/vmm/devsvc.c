// SPDX-License-Identifier: GPL-2.0
/*
 * devsvc.c - the device service calls (devsvc.h) on an in-process VM.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/devices.h"
#include "ioreq/ioreq_abi.h"
#include "vmm/devsvc.h"
#include "vmm/devsvc_vm.h"
#include "vmm/vcpu_state.h"
#include "vmm/vm.h"

struct devsvc_fd {
	struct devsvc_fd *next;
	int fd;
	devsvc_fd_fn fn;
	void *opaque;
};

struct devsvc {
	struct vm *vm;
	char name[COMP_NAME_MAX];
	pthread_mutex_t lock;		/* fds */
	struct devsvc_fd *fds;
};

/* What devices provide to the whole machine (devsvc_vm.h). */
struct devsvc_roles {
	struct pci_bus *pci;
	void (*power_button)(void *opaque);
	void *power_button_opaque;
	const struct hyperv_dbg_ops *hv_dbg;
	void *hv_dbg_opaque;
};

struct devsvc_cleanup {
	void (*fn)(void *opaque);
	void *opaque;
};

static void devsvc_free(struct vm *vm, void *opaque)
{
	struct devsvc *svc = opaque;
	struct devsvc_fd *f;

	while ((f = svc->fds)) {
		svc->fds = f->next;
		free(f);
	}
	pthread_mutex_destroy(&svc->lock);
	free(svc);
}

struct devsvc *devsvc_create(struct vm *vm, const char *name)
{
	struct devsvc *svc = calloc(1, sizeof(*svc));

	if (!svc)
		return NULL;
	svc->vm = vm;
	snprintf(svc->name, sizeof(svc->name), "%s", name);
	pthread_mutex_init(&svc->lock, NULL);
	/* First in, so last out: after every cleanup of the device. */
	if (vm_add_cleanup(vm, devsvc_free, svc)) {
		devsvc_free(vm, svc);
		return NULL;
	}
	return svc;
}

int devsvc_io_register(struct devsvc *svc, enum bus_space space,
		       uint64_t base, uint64_t len,
		       const struct bus_dev_ops *ops, void *opaque)
{
	return bus_register(&svc->vm->bus, space, base, len, ops, opaque);
}

int devsvc_io_unregister(struct devsvc *svc, enum bus_space space,
			 uint64_t base)
{
	return bus_unregister(&svc->vm->bus, space, base);
}

int devsvc_ioeventfd(struct devsvc *svc, uint64_t addr, int fd, bool assign)
{
	struct kvm_ioeventfd io = {
		.addr = addr,
		.len = 0,	/* any width: drivers write 16 or 32 bits */
		.fd = fd,
		.flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
	};
	struct vm *vm = svc->vm;

	/* Teardown after the backend VM went: its bindings went with it. */
	if (!vm->hv_vm)
		return -ENODEV;
	if (hv_check_cap(vm->hv, HV_CAP_IOEVENTFD) <= 0)
		return -EOPNOTSUPP;
	return hv_ioeventfd(vm->hv_vm, &io);
}

int devsvc_irq_set(struct devsvc *svc, uint32_t gsi, int level)
{
	return vm_irq_line(svc->vm, gsi, level);
}

int devsvc_msi_send(struct devsvc *svc, uint64_t addr, uint32_t data)
{
	return vm_signal_msi(svc->vm, addr, data);
}

bool devsvc_has_msi_routes(struct devsvc *svc)
{
	struct vm *vm = svc->vm;

	return vm->has_irqchip && vm->irq.routing &&
	       hv_check_cap(vm->hv, HV_CAP_IRQFD) > 0;
}

/* The route number is the GSI: a plain number an ioreq peer could use. */
int devsvc_msi_route_add(struct devsvc *svc, int efd)
{
	struct kvm_irqfd irqfd = { 0 };
	struct vm *vm = svc->vm;
	uint32_t gsi;
	int ret;

	if (!devsvc_has_msi_routes(svc) || !vm->hv_vm)
		return -EOPNOTSUPP;
	if (efd < 0)
		return -EBADF;
	ret = vm_irq_alloc_msi_gsi(vm, &gsi);
	if (ret)
		return ret;
	irqfd.fd = (uint32_t)efd;
	irqfd.gsi = gsi;
	ret = hv_irqfd(vm->hv_vm, &irqfd);
	return ret ? ret : (int)gsi;
}

int devsvc_msi_route_set(struct devsvc *svc, int route, uint64_t addr,
			 uint32_t data)
{
	if (route < VM_IRQ_MSI_BASE)
		return -EINVAL;
	return vm_irq_set_msi_route(svc->vm, (uint32_t)route, addr, data);
}

static void devsvc_fd_ready(struct vm *vm, int fd, uint32_t events,
			    void *opaque)
{
	struct devsvc_fd *f = opaque;

	f->fn(f->opaque, fd, events);
}

int devsvc_fd_add(struct devsvc *svc, int fd, uint32_t events,
		  devsvc_fd_fn fn, void *opaque)
{
	struct devsvc_fd *f = calloc(1, sizeof(*f));
	int ret;

	if (!f)
		return -ENOMEM;
	f->fd = fd;
	f->fn = fn;
	f->opaque = opaque;
	ret = vm_loop_add(svc->vm, fd, events, devsvc_fd_ready, f);
	if (ret) {
		free(f);
		return ret;
	}
	pthread_mutex_lock(&svc->lock);
	f->next = svc->fds;
	svc->fds = f;
	pthread_mutex_unlock(&svc->lock);
	return 0;
}

int devsvc_fd_mod(struct devsvc *svc, int fd, uint32_t events)
{
	return vm_loop_mod(svc->vm, fd, events);
}

int devsvc_fd_del(struct devsvc *svc, int fd)
{
	struct devsvc_fd **pp, *f;
	int ret;

	ret = vm_loop_del(svc->vm, fd);
	if (ret)
		return ret;
	pthread_mutex_lock(&svc->lock);
	for (pp = &svc->fds; (f = *pp); pp = &f->next) {
		if (f->fd == fd) {
			*pp = f->next;
			free(f);
			break;
		}
	}
	pthread_mutex_unlock(&svc->lock);
	return 0;
}

/*
 * Private memory is refused here once the VM has any (guest_memfd
 * slots): the attribute check goes before the pointer is handed out, so
 * that no device path can ever reach a private page.
 */
static bool devsvc_dma_allowed(struct devsvc *svc, uint64_t gpa,
			       uint64_t len)
{
	return true;
}

void *devsvc_dma_map(struct devsvc *svc, uint64_t gpa, uint64_t len,
		     bool write)
{
	struct vm *vm = svc->vm;
	void *p;

	if (!devsvc_dma_allowed(svc, gpa, len))
		return NULL;
	p = guest_mem_ptr(&vm->mem, gpa, len);
	if (p && write && len && vm->hv_vm)
		hv_vm_memory_written(vm->hv_vm, gpa, len);
	/* A running migration must resend what a device writes. */
	if (p && write && len)
		guest_mem_mark_dirty(&vm->mem, gpa, len);
	return p;
}

int devsvc_hyperv_debugger(struct devsvc *svc,
			   const struct hyperv_dbg_ops *ops, void *opaque)
{
	struct devsvc_roles *r = svc->vm->roles;

	if (r->hv_dbg)
		return -EBUSY;
	r->hv_dbg_opaque = opaque;
	r->hv_dbg = ops;
	return 0;
}

int devsvc_component(struct devsvc *svc, const char *name,
		     enum comp_stage stage, const struct component_ops *ops,
		     void *opaque)
{
	return vm_component_add(svc->vm, name, stage, ops, opaque);
}

static void devsvc_run_cleanup(struct vm *vm, void *opaque)
{
	struct devsvc_cleanup *c = opaque;

	c->fn(c->opaque);
	free(c);
}

int devsvc_cleanup(struct devsvc *svc, void (*fn)(void *opaque),
		   void *opaque)
{
	struct devsvc_cleanup *c = malloc(sizeof(*c));
	int ret;

	if (!c)
		return -ENOMEM;
	c->fn = fn;
	c->opaque = opaque;
	ret = vm_add_cleanup(svc->vm, devsvc_run_cleanup, c);
	if (ret)
		free(c);
	return ret;
}

void devsvc_memory_removed(struct devsvc *svc, const struct bus_ctx *ctx)
{
	if (ctx && ctx->vcpu)
		vm_ioreq_invalidate(svc->vm, ctx->vcpu_id);
}

void devsvc_time_offset(struct devsvc *svc, int64_t delta)
{
	vm_ioreq_timeoffset(svc->vm, delta);
}

void devsvc_vm_stop(struct devsvc *svc, int status)
{
	vm_stop(svc->vm, status);
}

void devsvc_reset_request(struct devsvc *svc)
{
	vm_reset_request(svc->vm);
}

void devsvc_vm_fail(struct devsvc *svc, const char *fmt, ...)
{
	char msg[VM_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vm_fail(svc->vm, "%s", msg);
}

int devsvc_smi_raise(struct devsvc *svc, const struct bus_ctx *ctx)
{
	if (!ctx || !ctx->vcpu)
		return -ESRCH;
	if (!smram_enabled(&svc->vm->smram))
		return -EOPNOTSUPP;
	return vcpu_raise_smi(ctx->vcpu);
}

bool devsvc_has_smm(struct devsvc *svc)
{
	return smram_enabled(&svc->vm->smram);
}

int devsvc_pam_set(struct devsvc *svc, unsigned int seg, uint8_t attr)
{
	if (!svc->vm->fw)
		return -ENODEV;
	return firmware_pam_set(svc->vm->fw, seg, attr);
}

int devsvc_smram_set(struct devsvc *svc, bool in_smm, bool outside_smm)
{
	if (!smram_enabled(&svc->vm->smram))
		return -EOPNOTSUPP;
	return smram_set(svc->vm, in_smm, outside_smm);
}

int devsvc_pci_host_bridge(struct devsvc *svc, struct pci_dev *dev)
{
	struct pci_bus *bus = svc->vm->roles->pci;

	if (!bus)
		return -ENODEV;
	pci_dev_unregister(&bus->host);
	return pci_dev_register(bus, dev, 0);
}

int devsvc_pci_bus_provide(struct devsvc *svc, struct pci_bus *bus)
{
	struct devsvc_roles *r = svc->vm->roles;

	if (r->pci)
		return -EBUSY;
	r->pci = bus;
	return 0;
}

bool devsvc_pci_cfg_forward(struct devsvc *svc, const struct bus_ctx *ctx,
			    uint8_t devfn, uint32_t reg, unsigned int len,
			    bool is_write, uint32_t *val)
{
	uint64_t sbdf = XEN_DMOP_PCI_SBDF(0, 0, devfn >> 3, devfn & 7);
	uint8_t data[4];

	if (len > sizeof(data))
		return false;
	bus_put_le(data, 4, *val);
	if (!vm_ioreq_access(svc->vm, ctx, IOREQ_TYPE_PCI_CONFIG,
			     sbdf << 32 | reg, data, len, is_write))
		return false;
	*val = (uint32_t)bus_get_le(data, len);
	return true;
}

int devsvc_has_cap(struct devsvc *svc, unsigned int cap)
{
	if (cap >= HV_CAP__COUNT)
		return -EINVAL;
	return hv_check_cap(svc->vm->hv, (enum hv_cap)cap);
}

/* hv slot numbers of the test slots: guest RAM and SMRAM stay below. */
#define DEVSVC_TEST_SLOT_BASE	16

int devsvc_test_memslot(struct devsvc *svc, unsigned int id, uint64_t gpa,
			uint64_t size, void *host, bool readonly)
{
	struct hv_memslot m = {
		.slot = DEVSVC_TEST_SLOT_BASE + id,
		.as_id = HV_AS_NORMAL,
		.flags = readonly ? HV_MEM_READONLY : 0,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = host,
		.guest_memfd = -1,
	};

	if (id >= DEVSVC_TEST_SLOTS)
		return -EINVAL;
	if (readonly && hv_check_cap(svc->vm->hv, HV_CAP_READONLY_MEM) <= 0)
		return -EOPNOTSUPP;
	return hv_set_memslot(svc->vm->hv_vm, &m);
}

bool devsvc_ram_overlaps(struct devsvc *svc, uint64_t gpa, uint64_t size)
{
	return guest_mem_overlaps(&svc->vm->mem, gpa, size);
}

bool devsvc_is_ram(struct devsvc *svc, uint64_t gpa)
{
	uint64_t off;

	return guest_mem_span(&svc->vm->mem, gpa, &off) != 0;
}

int devsvc_vcpu_state_roundtrip(struct devsvc *svc,
				const struct bus_ctx *ctx, char *part,
				size_t part_len)
{
	if (!ctx || !ctx->vcpu)
		return -ESRCH;
	return vcpu_state_roundtrip(svc->vm->hv, ctx->vcpu->hv, part,
				    part_len);
}

int devsvc_ram_scan(struct devsvc *svc, uint64_t *pat, size_t n)
{
	return guest_mem_scan(&svc->vm->mem, pat, n);
}

int devsvc_pci_register(struct devsvc *svc, struct pci_dev *dev, int devfn)
{
	struct pci_bus *bus = svc->vm->roles->pci;

	if (!bus)
		return -ENODEV;
	return pci_dev_register(bus, dev, devfn);
}

int devsvc_power_button(struct devsvc *svc, void (*fn)(void *opaque),
			void *opaque)
{
	struct devsvc_roles *r = svc->vm->roles;

	if (r->power_button)
		return -EBUSY;
	r->power_button = fn;
	r->power_button_opaque = opaque;
	return 0;
}

void devsvc_log(struct devsvc *svc, enum log_level level,
		const char *fmt, ...)
{
	const struct log_sink sink = vm_log_sink(svc->vm);
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(&sink, level, svc->name, fmt, ap);
	va_end(ap);
}

uint64_t devsvc_now_ns(void)
{
	return vm_now_ns();
}

/* ------------------------------------------------ the machine's side */

int devsvc_vm_init(struct vm *vm)
{
	vm->roles = calloc(1, sizeof(*vm->roles));
	return vm->roles ? 0 : -ENOMEM;
}

void devsvc_vm_release(struct vm *vm)
{
	free(vm->roles);
	vm->roles = NULL;
}

int devsvc_vm_devices_init(struct vm *vm, char *err, size_t err_len)
{
	struct devsvc *svc;
	size_t i;
	int ret;

	for (i = 0; i < nr_devices; i++) {
		err[0] = '\0';
		/* A device model serves it out of process instead. */
		if (vm_device_model_replaces(&vm->cfg, devices[i].name))
			continue;
		svc = devsvc_create(vm, devices[i].name);
		ret = svc ? devices[i].init(svc, &vm->cfg, err, err_len) :
			    -ENOMEM;
		if (ret) {
			if (!err[0])
				snprintf(err, err_len, "%s: %s",
					 devices[i].name, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

struct pci_bus *devsvc_vm_pci(struct vm *vm)
{
	return vm->roles ? vm->roles->pci : NULL;
}

bool devsvc_vm_has_power_button(struct vm *vm)
{
	return vm->roles && vm->roles->power_button;
}

void devsvc_vm_power_button(struct vm *vm)
{
	if (devsvc_vm_has_power_button(vm))
		vm->roles->power_button(vm->roles->power_button_opaque);
}

const struct hyperv_dbg_ops *devsvc_vm_hyperv_debugger(struct vm *vm,
						       void **opaque)
{
	if (!vm->roles || !vm->roles->hv_dbg)
		return NULL;
	*opaque = vm->roles->hv_dbg_opaque;
	return vm->roles->hv_dbg;
}
