// SPDX-License-Identifier: GPL-2.0
/*
 * vm.c - the VM file: memslots, vCPU creation, the irqchip, PIT, irqfd and
 * ioeventfd, VM capabilities, guest_memfd and memory attributes.
 *
 * Each VM has its own emu instance (struct hv), so guest_memfds, which the
 * emu backend keeps until hv_close(), live exactly as long as the VM
 * object, which every guest_memfd pins (as KVM's guest_memfd pins its VM).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "kvm_abi.h"
#include "shim.h"

static void vm_release(struct shim_obj *obj)
{
	struct shim_vm *vm = container_of(obj, struct shim_vm, obj);

	hv_vm_destroy(vm->vm);
	hv_close(vm->hv);
	pthread_mutex_destroy(&vm->lock);
	free(vm->slots);
	free(vm);
}

/* ------------------------------------------------------------ TSC rate */

static uint32_t host_khz;

/* One (CLOCK_MONOTONIC_RAW, TSC) pair, from the tightest of a few reads. */
static void tsc_sample(uint64_t *ns, uint64_t *tsc)
{
	uint64_t best = UINT64_MAX, a, b, t;
	struct timespec ta, tb;
	int i;

	for (i = 0; i < 5; i++) {
		clock_gettime(CLOCK_MONOTONIC_RAW, &ta);
		t = __rdtsc();
		clock_gettime(CLOCK_MONOTONIC_RAW, &tb);
		a = (uint64_t)ta.tv_sec * 1000000000ull + (uint64_t)ta.tv_nsec;
		b = (uint64_t)tb.tv_sec * 1000000000ull + (uint64_t)tb.tv_nsec;
		if (b - a < best) {
			best = b - a;
			*ns = a + (b - a) / 2;
			*tsc = t;
		}
	}
}

static void host_khz_measure(void)
{
	struct timespec pause = { 0, 20000000 };
	uint64_t n0, t0, n1, t1;

	tsc_sample(&n0, &t0);
	nanosleep(&pause, NULL);
	tsc_sample(&n1, &t1);
	if (n1 > n0 && t1 > t0)
		host_khz = (uint32_t)((unsigned __int128)(t1 - t0) * 1000000 /
				      (n1 - n0));
}

/*
 * KVM gives a vCPU the host's TSC rate unless told otherwise, and KVM
 * programs compare the guest's TSC with their own RDTSC (hyperv_clock
 * does).  emu's own default (1 GHz) would differ, so the shim measures
 * the host's rate once, against CLOCK_MONOTONIC_RAW over 20 ms (well
 * inside 0.1%), and makes it the VM's default.  0 if it cannot.
 */
static uint32_t host_tsc_khz(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, host_khz_measure);
	return host_khz;
}

int shim_vm_create(struct shim_sys *sys, unsigned long type)
{
	struct hv_vm_config cfg = { 0 };
	struct shim_vm *vm;
	int fd, ret;

	/* KVM_X86_DEFAULT_VM, KVM_X86_SW_PROTECTED_VM; others -EINVAL. */
	if (type > HV_VM_TYPE_SW_PROTECTED)
		return -EINVAL;
	cfg.type = (enum hv_vm_type)type;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->obj.kind = SHIM_VM;
	vm->obj.release = vm_release;
	atomic_init(&vm->obj.refs, 1);
	vm->owner = getpid();
	vm->abi = sys->abi;
	pthread_mutex_init(&vm->lock, NULL);
	ret = hv_open(HV_ACCEL_EMU, &vm->hv, NULL, 0);
	if (ret)
		goto err_free;
	if (!(hv_check_cap(vm->hv, HV_CAP_VM_TYPES) & (1 << type))) {
		ret = -EINVAL;
		goto err_close;
	}
	ret = hv_vm_create(vm->hv, &cfg, &vm->vm);
	if (ret)
		goto err_close;
	if (host_tsc_khz() && host_tsc_khz() <= SHIM_MAX_TSC_KHZ)
		vm->tsc_khz = host_tsc_khz();
	/* From here on the release hook undoes everything. */
	fd = shim_memfd("kvm-vm", 0, true);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	ret = shim_fd_install(fd, &vm->obj);
	if (ret) {
		shim_libc()->close(fd);
		goto out;
	}
	ret = fd;
out:
	shim_put(&vm->obj);
	return ret;

err_close:
	hv_close(vm->hv);
err_free:
	pthread_mutex_destroy(&vm->lock);
	free(vm);
	return ret;
}

/* ---------------------------------------------------------------- memory */

/* vm->lock held.  Remember (or forget, @pages 0) a slot's size. */
static int slot_track(struct shim_vm *vm, uint32_t id, uint64_t pages)
{
	struct shim_slot *n;
	unsigned int i;

	for (i = 0; i < vm->nr_slots; i++) {
		if (vm->slots[i].id != id)
			continue;
		if (pages)
			vm->slots[i].pages = pages;
		else
			vm->slots[i] = vm->slots[--vm->nr_slots];
		return 0;
	}
	if (!pages)
		return 0;
	n = realloc(vm->slots, (vm->nr_slots + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	vm->slots = n;
	vm->slots[vm->nr_slots].id = id;
	vm->slots[vm->nr_slots].pages = pages;
	vm->nr_slots++;
	return 0;
}

static long vm_set_memslot(struct shim_vm *vm, unsigned long arg, bool v2)
{
	struct shim_memory_region2 r = { 0 };
	struct hv_memslot s = { 0 };
	uint32_t valid = KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY;
	long ret;

	if (shim_copy_from_user(&r, arg, v2 ? sizeof(r) :
				sizeof(struct kvm_userspace_memory_region)))
		return -EFAULT;
	if (v2)
		valid |= SHIM_MEM_GUEST_MEMFD;
	if (r.flags & ~valid)
		return -EINVAL;
	s.slot = r.slot & 0xffff;
	s.as_id = r.slot >> 16;
	s.flags = r.flags;
	s.guest_phys_addr = r.guest_phys_addr;
	s.memory_size = r.memory_size;
	s.userspace_addr = (void *)(uintptr_t)r.userspace_addr;
	s.guest_memfd = (int)r.guest_memfd;
	s.guest_memfd_offset = r.guest_memfd_offset;
	/* KVM's generic checks before the backend's. */
	if ((r.memory_size & 4095) || (r.guest_phys_addr & 4095) ||
	    (r.memory_size && (r.userspace_addr & 4095)))
		return -EINVAL;
	if (s.slot >= SHIM_NR_MEMSLOTS ||
	    s.as_id >= (unsigned int)hv_vm_check_cap(vm->vm,
						     HV_CAP_MULTI_ADDRESS_SPACE))
		return -EINVAL;
	if (r.memory_size &&
	    r.guest_phys_addr + r.memory_size < r.guest_phys_addr)
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	ret = hv_set_memslot(vm->vm, &s);
	if (!ret) {
		slot_track(vm, r.slot, 0);
		/* Out of memory here only costs that slot's dirty log. */
		if (r.memory_size)
			slot_track(vm, r.slot, r.memory_size / 4096);
	}
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

static long vm_get_dirty_log(struct shim_vm *vm, unsigned long arg)
{
	struct kvm_dirty_log log;
	uint64_t *bitmap = NULL;
	size_t bytes = 0;
	unsigned int i;
	long ret;

	if (shim_copy_from_user(&log, arg, sizeof(log)))
		return -EFAULT;
	pthread_mutex_lock(&vm->lock);
	for (i = 0; i < vm->nr_slots; i++)
		if (vm->slots[i].id == log.slot)
			bytes = ALIGN_UP(vm->slots[i].pages, 64) / 8;
	pthread_mutex_unlock(&vm->lock);
	if (!bytes)
		return -ENOENT;
	/* Into our buffer first: a bad pointer is -EFAULT, not a crash. */
	bitmap = calloc(1, bytes);
	if (!bitmap)
		return -ENOMEM;
	ret = hv_get_dirty_log(vm->vm, log.slot >> 16, log.slot & 0xffff,
			       bitmap);
	if (!ret)
		ret = shim_copy_to_user((unsigned long)log.dirty_bitmap,
					bitmap, bytes);
	free(bitmap);
	return ret;
}

static long vm_set_attributes(struct shim_vm *vm, unsigned long arg)
{
	struct shim_memory_attributes a;

	if (shim_copy_from_user(&a, arg, sizeof(a)))
		return -EFAULT;
	return hv_set_memory_attributes(vm->vm, a.address, a.size,
					a.attributes, a.flags);
}

static void gmem_release(struct shim_obj *obj)
{
	struct shim_gmem *g = container_of(obj, struct shim_gmem, obj);

	shim_put(&g->vm->obj);
	free(g);
}

static long vm_create_gmem(struct shim_vm *vm, unsigned long arg)
{
	struct shim_create_guest_memfd c;
	struct shim_gmem *g;
	size_t i;
	int fd, ret;

	if (shim_copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	for (i = 0; i < ARRAY_SIZE(c.reserved); i++)
		if (c.reserved[i])
			return -EINVAL;
	if (c.flags & ~shim_abi_gmem_flags(vm->abi))
		return -EINVAL;
	fd = hv_create_guest_memfd(vm->vm, c.size, c.flags);
	if (fd < 0)
		return fd;
	g = calloc(1, sizeof(*g));
	if (!g) {
		shim_libc()->close(fd);
		return -ENOMEM;
	}
	g->obj.kind = SHIM_GMEM;
	g->obj.release = gmem_release;
	atomic_init(&g->obj.refs, 1);
	shim_get(&vm->obj);
	g->vm = vm;
	g->size = c.size;
	g->flags = c.flags;
	ret = shim_fd_install(fd, &g->obj);
	if (ret)
		shim_libc()->close(fd);
	shim_put(&g->obj);
	return ret ? ret : fd;
}

long shim_gmem_fallocate(struct shim_gmem *g, int fd, int mode, off_t off,
			 off_t len)
{
	if (off < 0 || len <= 0)
		return -EINVAL;
	return hv_guest_memfd_fallocate(g->vm->hv, fd, mode, (uint64_t)off,
					(uint64_t)len);
}

/* ---------------------------------------------------------------- irqs */

static long vm_create_irqchip(struct shim_vm *vm)
{
	long ret;

	pthread_mutex_lock(&vm->lock);
	if (vm->irqchip)
		ret = -EEXIST;
	else if (vm->nr_vcpus)
		ret = -EINVAL;
	else
		ret = hv_create_irqchip(vm->vm);
	if (!ret)
		vm->irqchip = true;
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

static long vm_irq_line(struct shim_vm *vm, unsigned long arg, bool status)
{
	struct kvm_irq_level l;
	long ret;

	if (shim_copy_from_user(&l, arg, sizeof(l)))
		return -EFAULT;
	if (!vm->irqchip)
		return -ENXIO;
	ret = hv_irq_line(vm->vm, l.irq, l.level);
	if (ret < 0 || !status)
		return ret;
	/* KVM_IRQ_LINE_STATUS: 1 = delivered (the hv call coalesces none). */
	l.status = 1;
	return shim_copy_to_user(arg, &l, sizeof(l));
}

static long vm_gsi_routing(struct shim_vm *vm, unsigned long arg)
{
	struct kvm_irq_routing head, *r;
	size_t bytes;
	long ret;

	if (shim_copy_from_user(&head, arg, sizeof(head)))
		return -EFAULT;
	if (head.nr > (unsigned int)hv_check_cap(vm->hv, HV_CAP_IRQ_ROUTING))
		return -EINVAL;
	if (head.flags)
		return -EINVAL;
	bytes = sizeof(*r) + head.nr * sizeof(r->entries[0]);
	r = malloc(bytes);
	if (!r)
		return -ENOMEM;
	ret = shim_copy_from_user(r, arg, bytes);
	if (!ret)
		ret = hv_set_gsi_routing(vm->vm, r);
	free(r);
	return ret;
}

#define COPY_IN(var)						\
	do {							\
		if (shim_copy_from_user(&(var), arg, sizeof(var)))	\
			return -EFAULT;				\
	} while (0)

static long vm_irqchip_state(struct shim_vm *vm, unsigned long arg, bool set)
{
	struct kvm_irqchip chip;
	long ret;

	COPY_IN(chip);
	if (!vm->irqchip)
		return -ENXIO;
	if (set)
		return hv_set_irqchip(vm->vm, &chip);
	ret = hv_get_irqchip(vm->vm, &chip);
	return ret ? ret : shim_copy_to_user(arg, &chip, sizeof(chip));
}

static long vm_pit_state(struct shim_vm *vm, unsigned long arg, bool set)
{
	struct kvm_pit_state2 pit;
	long ret;

	COPY_IN(pit);
	if (set)
		return hv_set_pit(vm->vm, &pit);
	ret = hv_get_pit(vm->vm, &pit);
	return ret ? ret : shim_copy_to_user(arg, &pit, sizeof(pit));
}

/* KVM_CAP_MAX_VCPU_ID: once, at most the advertised bound (KVM's rules). */
static long vm_set_max_vcpu_id(struct shim_vm *vm, uint64_t max)
{
	long ret = -EINVAL;

	if (max > (uint64_t)hv_check_cap(vm->hv, HV_CAP_MAX_VCPUS))
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	if (vm->max_vcpu_id == max) {
		ret = 0;
	} else if (!vm->max_vcpu_id) {
		vm->max_vcpu_id = (unsigned int)max;
		ret = 0;
	}
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

static long vm_enable_cap(struct shim_vm *vm, unsigned long arg)
{
	struct kvm_enable_cap cap;
	int h;

	COPY_IN(cap);
	if (cap.flags)
		return -EINVAL;
	if (cap.cap == KVM_CAP_MAX_VCPU_ID)
		return vm_set_max_vcpu_id(vm, cap.args[0]);
	h = shim_cap_to_hv(cap.cap);
	switch (h) {
	case HV_CAP_EXCEPTION_PAYLOAD:
	case HV_CAP_TRIPLE_FAULT_EVENT:
	case HV_CAP_X86_USER_SPACE_MSR:
	case HV_CAP_X2APIC_API:
	case HV_CAP_EXIT_HYPERCALL:
		if (!hv_vm_check_cap(vm->vm, h))
			return -EINVAL;
		return hv_vm_enable_cap(vm->vm, h, cap.args[0]);
	default:
		return -EINVAL;
	}
}

/*
 * KVM_X86_SET_MSR_FILTER: the bitmaps are the program's memory, read here
 * (as KVM's memdup_user does) for every range the backend may keep.  A
 * bitmap that cannot be read is passed as NULL, which the backend answers
 * with -EFAULT after the checks that come first on KVM.
 */
static long vm_set_msr_filter(struct shim_vm *vm, unsigned long arg)
{
	struct kvm_msr_filter f;
	uint8_t *maps[KVM_MSR_FILTER_MAX_RANGES] = { 0 };
	size_t i, bytes;
	long ret;

	COPY_IN(f);
	for (i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		struct kvm_msr_filter_range *r = &f.ranges[i];

		bytes = ((size_t)r->nmsrs + 63) / 64 * 8;
		if (!bytes || bytes > KVM_MSR_FILTER_MAX_BITMAP_SIZE)
			continue;	/* skipped or refused by the backend */
		maps[i] = malloc(bytes);
		if (!maps[i]) {
			ret = -ENOMEM;
			goto out;
		}
		if (shim_copy_from_user(maps[i], (unsigned long)r->bitmap,
					bytes)) {
			free(maps[i]);
			maps[i] = NULL;
		}
		r->bitmap = maps[i];
	}
	ret = hv_vm_set_msr_filter(vm->vm, &f);
out:
	for (i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++)
		free(maps[i]);
	return ret;
}

/*
 * KVM_GET_TSC_KHZ on the VM (KVM_CAP_VM_TSC_CONTROL): the frequency new
 * vCPUs get: the host's (shim_vm_create()) or what was set.  Should the
 * host's be unknown, it is the backend's default, read from a vCPU of a
 * throwaway VM so that this VM's vCPU ids and irqchip stay untouched.
 */
static long vm_get_tsc_khz(struct shim_vm *vm)
{
	struct hv_vm_config cfg = { 0 };
	struct hv_vcpu *vcpu;
	struct hv_vm *tmp;
	long ret;

	if (vm->tsc_khz)
		return vm->tsc_khz;
	ret = hv_vm_create(vm->hv, &cfg, &tmp);
	if (ret)
		return ret;
	ret = hv_vcpu_create(tmp, 0, &vcpu);
	if (!ret) {
		ret = hv_vcpu_get_tsc_khz(vcpu);
		hv_vcpu_destroy(vcpu);
	}
	hv_vm_destroy(tmp);
	return ret;
}

static long vm_set_tsc_khz(struct shim_vm *vm, unsigned long khz)
{
	long ret = 0;

	if (!khz || khz > SHIM_MAX_TSC_KHZ)
		return -EINVAL;
	pthread_mutex_lock(&vm->lock);
	if (vm->nr_vcpus)
		ret = -EBUSY;	/* as KVM: only before the first vCPU */
	else
		vm->tsc_khz = (uint32_t)khz;
	pthread_mutex_unlock(&vm->lock);
	return ret;
}

/* KVM_GET_CLOCK / KVM_SET_CLOCK: the VM's kvmclock (KVM_CAP_ADJUST_CLOCK). */
static long vm_clock(struct shim_vm *vm, unsigned long arg, bool set)
{
	struct kvm_clock_data c;
	long ret;

	if (set) {
		COPY_IN(c);
		return hv_set_clock(vm->vm, &c);
	}
	memset(&c, 0, sizeof(c));
	ret = hv_get_clock(vm->vm, &c);
	if (!ret && shim_copy_to_user(arg, &c, sizeof(c)))
		return -EFAULT;
	return ret;
}

static long vm_check_extension(struct shim_vm *vm, unsigned long arg)
{
	return shim_check_extension(vm->hv, vm->vm, vm->abi, (long)arg);
}

long shim_vm_ioctl(struct shim_vm *vm, unsigned long req, unsigned long arg)
{
	if (vm->owner != getpid())
		return -EIO;
	switch (req) {
	case KVM_CREATE_VCPU:
		return shim_vcpu_create(vm, arg);
	case KVM_SET_USER_MEMORY_REGION:
		return vm_set_memslot(vm, arg, false);
	case SHIM_SET_USER_MEMORY_REGION2:
		return vm_set_memslot(vm, arg, true);
	case KVM_GET_DIRTY_LOG:
		return vm_get_dirty_log(vm, arg);
	case SHIM_SET_MEMORY_ATTRIBUTES:
		return vm_set_attributes(vm, arg);
	case SHIM_CREATE_GUEST_MEMFD:
		return vm_create_gmem(vm, arg);
	case KVM_SET_TSS_ADDR:
	case KVM_SET_IDENTITY_MAP_ADDR:
		/* Only VMX real mode needs these pages; emu needs none. */
		return 0;
	case KVM_CREATE_IRQCHIP:
		return vm_create_irqchip(vm);
	case KVM_CREATE_PIT2: {
		struct kvm_pit_config pc;

		COPY_IN(pc);
		return hv_create_pit(vm->vm);
	}
	case KVM_IRQ_LINE:
		return vm_irq_line(vm, arg, false);
	case KVM_IRQ_LINE_STATUS:
		return vm_irq_line(vm, arg, true);
	case KVM_SIGNAL_MSI: {
		struct kvm_msi msi;

		COPY_IN(msi);
		return hv_signal_msi(vm->vm, &msi);
	}
	case KVM_SET_GSI_ROUTING:
		return vm_gsi_routing(vm, arg);
	case KVM_GET_IRQCHIP:
		return vm_irqchip_state(vm, arg, false);
	case KVM_SET_IRQCHIP:
		return vm_irqchip_state(vm, arg, true);
	case KVM_GET_PIT2:
		return vm_pit_state(vm, arg, false);
	case KVM_SET_PIT2:
		return vm_pit_state(vm, arg, true);
	case KVM_IRQFD: {
		struct kvm_irqfd f;

		COPY_IN(f);
		return hv_irqfd(vm->vm, &f);
	}
	case KVM_IOEVENTFD: {
		struct kvm_ioeventfd e;

		COPY_IN(e);
		return hv_ioeventfd(vm->vm, &e);
	}
	case KVM_ENABLE_CAP:
		return vm_enable_cap(vm, arg);
	case KVM_X86_SET_MSR_FILTER:
		return vm_set_msr_filter(vm, arg);
	case KVM_GET_TSC_KHZ:
		return vm_get_tsc_khz(vm);
	case KVM_SET_NR_MMU_PAGES:
		/* emu has no shadow-page cache to size; KVM's bound. */
		if (arg < 64)
			return -EINVAL;
		vm->nr_mmu_pages = arg;
		return 0;
	case KVM_GET_NR_MMU_PAGES:
		return vm->nr_mmu_pages ? (long)vm->nr_mmu_pages : 64;
	case KVM_SET_TSC_KHZ:
		return vm_set_tsc_khz(vm, arg);
	case KVM_CHECK_EXTENSION:
		return vm_check_extension(vm, arg);
	case KVM_GET_CLOCK:
		return vm_clock(vm, arg, false);
	case KVM_SET_CLOCK:
		return vm_clock(vm, arg, true);
	default:
		return -ENOTTY;
	}
}
