// SPDX-License-Identifier: GPL-2.0
/*
 * kvm.c - the KVM backend: opening /dev/kvm, capabilities, system ioctls,
 * the startup probe guest, and the ops table.
 *
 * Everything the backend relies on is asked of KVM once at open and cached
 * in struct kvm_be; calls whose capability is absent return -EOPNOTSUPP
 * instead of letting a half-supported ioctl fail in a confusing way.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvm_priv.h"

#define KVM_BE_API_VERSION	12

/* Hyper-V syndbg: CPUID leaf and the EAX bit saying syndbg is available. */
#define HV_CPUID_SYNDBG_PLATFORM_CAPS	0x40000082u
#define HV_SYNDBG_CAP_ALLOW_KERNEL_DEBUGGING	(1u << 1)

/*
 * The KVM capability number behind each hv capability.  -1: no number of
 * its own, computed in kvm_cache_caps().  KVM_CAP_IRQCHIP is 0, hence the
 * explicit "present" field rather than a zero test.
 */
static const struct {
	bool present;
	int nr;
} cap_map[HV_CAP__COUNT] = {
#define C(hv, kvm) [hv] = { true, kvm }
	C(HV_CAP_IRQCHIP, KVM_CAP_IRQCHIP),
	C(HV_CAP_PIT, KVM_CAP_PIT2),
	C(HV_CAP_IRQ_ROUTING, KVM_CAP_IRQ_ROUTING),
	C(HV_CAP_SIGNAL_MSI, KVM_CAP_SIGNAL_MSI),
	C(HV_CAP_IRQFD, KVM_CAP_IRQFD),
	C(HV_CAP_IRQFD_RESAMPLE, KVM_CAP_IRQFD_RESAMPLE),
	C(HV_CAP_IOEVENTFD, KVM_CAP_IOEVENTFD),
	C(HV_CAP_READONLY_MEM, KVM_CAP_READONLY_MEM),
	/* KVM_GET_DIRTY_LOG is part of the base memslot API. */
	C(HV_CAP_DIRTY_LOG, KVM_CAP_USER_MEMORY),
	C(HV_CAP_MAX_VCPUS, KVM_CAP_MAX_VCPUS),
	C(HV_CAP_NR_VCPUS, KVM_CAP_NR_VCPUS),
	C(HV_CAP_VCPU_EVENTS, KVM_CAP_VCPU_EVENTS),
	C(HV_CAP_EXCEPTION_PAYLOAD, KVM_CAP_EXCEPTION_PAYLOAD),
	C(HV_CAP_TRIPLE_FAULT_EVENT, KVM_CAP_X86_TRIPLE_FAULT_EVENT),
	C(HV_CAP_XSAVE, KVM_CAP_XSAVE),
	C(HV_CAP_XCRS, KVM_CAP_XCRS),
	C(HV_CAP_DEBUGREGS, KVM_CAP_DEBUGREGS),
	C(HV_CAP_X86_SMM, KVM_CAP_X86_SMM),
	C(HV_CAP_MULTI_ADDRESS_SPACE, KVM_CAP_MULTI_ADDRESS_SPACE),
	C(HV_CAP_X86_USER_SPACE_MSR, KVM_CAP_X86_USER_SPACE_MSR),
	C(HV_CAP_EXIT_HYPERCALL, KVM_CAP_EXIT_HYPERCALL),
	C(HV_CAP_USER_MEMORY2, KVM_CAP_USER_MEMORY2),
	C(HV_CAP_GUEST_MEMFD, KVM_CAP_GUEST_MEMFD),
	C(HV_CAP_GUEST_MEMFD_FLAGS, KVM_CAP_GUEST_MEMFD_FLAGS),
	C(HV_CAP_MEMORY_ATTRIBUTES, KVM_CAP_MEMORY_ATTRIBUTES),
	C(HV_CAP_MEMORY_FAULT_INFO, KVM_CAP_MEMORY_FAULT_INFO),
	C(HV_CAP_VM_TYPES, KVM_CAP_VM_TYPES),
	C(HV_CAP_PRE_FAULT_MEMORY, KVM_CAP_PRE_FAULT_MEMORY),
	C(HV_CAP_HYPERV, KVM_CAP_HYPERV),
	C(HV_CAP_HYPERV_SYNDBG, -1),
	C(HV_CAP_HYPERV_CPUID, KVM_CAP_HYPERV_CPUID),
	C(HV_CAP_HYPERV_ENFORCE_CPUID, KVM_CAP_HYPERV_ENFORCE_CPUID),
	C(HV_CAP_HYPERV_SYNIC, KVM_CAP_HYPERV_SYNIC2),
	C(HV_CAP_HYPERV_TIME, KVM_CAP_HYPERV_TIME),
	C(HV_CAP_HYPERV_TLBFLUSH, KVM_CAP_HYPERV_TLBFLUSH),
	C(HV_CAP_HYPERV_SEND_IPI, KVM_CAP_HYPERV_SEND_IPI),
	C(HV_CAP_SET_GUEST_DEBUG, KVM_CAP_SET_GUEST_DEBUG),
	C(HV_CAP_TSC_CONTROL, KVM_CAP_TSC_CONTROL),
	C(HV_CAP_ADJUST_CLOCK, KVM_CAP_ADJUST_CLOCK),
	C(HV_CAP_X86_MSR_FILTER, KVM_CAP_X86_MSR_FILTER),
	C(HV_CAP_X2APIC_API, KVM_CAP_X2APIC_API),
	C(HV_CAP_MCE, KVM_CAP_MCE),
#undef C
};

static const int icap_map[KVM_BE_ICAP__COUNT] = {
	[KVM_BE_ICAP_USER_NMI] = KVM_CAP_USER_NMI,
	[KVM_BE_ICAP_IMMEDIATE_EXIT] = KVM_CAP_IMMEDIATE_EXIT,
	[KVM_BE_ICAP_GET_TSC_KHZ] = KVM_CAP_GET_TSC_KHZ,
	[KVM_BE_ICAP_SET_TSS_ADDR] = KVM_CAP_SET_TSS_ADDR,
	[KVM_BE_ICAP_SET_IDENTITY_MAP_ADDR] = KVM_CAP_SET_IDENTITY_MAP_ADDR,
	[KVM_BE_ICAP_SYS_HYPERV_CPUID] = KVM_CAP_SYS_HYPERV_CPUID,
};

int kvm_be_cap_number(enum hv_cap cap)
{
	if ((unsigned int)cap >= HV_CAP__COUNT || !cap_map[cap].present)
		return -1;
	return cap_map[cap].nr;
}

static int kvm_check_extension(int fd, int nr)
{
	int ret = ioctl(fd, KVM_CHECK_EXTENSION, (unsigned long)nr);

	return ret < 0 ? 0 : ret;
}

/* Does a KVM_GET_SUPPORTED_HV_CPUID answer advertise syndbg? */
static bool hv_cpuid_has_syndbg(const struct kvm_cpuid2 *c)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		if (c->entries[i].function == HV_CPUID_SYNDBG_PLATFORM_CAPS)
			return c->entries[i].eax &
			       HV_SYNDBG_CAP_ALLOW_KERNEL_DEBUGGING;
	}
	return false;
}

/*
 * KVM has no syndbg capability number: syndbg is there when the Hyper-V
 * CPUID KVM can emulate lists the syndbg platform-capabilities leaf.  Ask
 * the system fd if KVM can answer there, else a scratch vCPU.
 */
static int kvm_probe_syndbg(struct kvm_be *kvm)
{
	enum { NENT = 64 };
	struct kvm_cpuid2 *c;
	int vm_fd = -1, vcpu_fd = -1, fd, ret = 0;

	if (!kvm->caps[HV_CAP_HYPERV_CPUID])
		return 0;
	c = calloc(1, sizeof(*c) + NENT * sizeof(c->entries[0]));
	if (!c)
		return 0;
	c->nent = NENT;
	fd = kvm->fd;
	if (!kvm->icaps[KVM_BE_ICAP_SYS_HYPERV_CPUID]) {
		vm_fd = ioctl(kvm->fd, KVM_CREATE_VM, 0UL);
		if (vm_fd < 0)
			goto out;
		vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, 0UL);
		if (vcpu_fd < 0)
			goto out;
		fd = vcpu_fd;
	}
	if (ioctl(fd, KVM_GET_SUPPORTED_HV_CPUID, c) == 0)
		ret = hv_cpuid_has_syndbg(c);
out:
	if (vcpu_fd >= 0)
		close(vcpu_fd);
	if (vm_fd >= 0)
		close(vm_fd);
	free(c);
	return ret;
}

static void kvm_cache_caps(struct kvm_be *kvm)
{
	for (int i = 0; i < HV_CAP__COUNT; i++) {
		if (cap_map[i].present && cap_map[i].nr >= 0)
			kvm->caps[i] = kvm_check_extension(kvm->fd,
							   cap_map[i].nr);
	}
	for (int i = 0; i < KVM_BE_ICAP__COUNT; i++)
		kvm->icaps[i] = kvm_check_extension(kvm->fd, icap_map[i]);

	/* Kernels before VM types existed still create the default VM. */
	if (!kvm->caps[HV_CAP_VM_TYPES])
		kvm->caps[HV_CAP_VM_TYPES] = 1 << HV_VM_TYPE_DEFAULT;
	/* Only KVM_CAP_MAX_VCPUS-less ancient kernels: KVM's documented 4. */
	if (!kvm->caps[HV_CAP_MAX_VCPUS])
		kvm->caps[HV_CAP_MAX_VCPUS] = kvm->caps[HV_CAP_NR_VCPUS] ?: 4;
	/* guest_memfd slots can only be made through REGION2. */
	if (!kvm->caps[HV_CAP_USER_MEMORY2]) {
		kvm->caps[HV_CAP_GUEST_MEMFD] = 0;
		kvm->caps[HV_CAP_GUEST_MEMFD_FLAGS] = 0;
	}
	kvm->caps[HV_CAP_HYPERV_SYNDBG] = kvm_probe_syndbg(kvm);
}

int kvm_be_check_cap(struct hv *hv, enum hv_cap cap)
{
	return to_kvm(hv)->caps[cap];
}

/*
 * The probe guest, real mode at guest-physical 0 (real mode is ring 0, so
 * it shows how fast this KVM runs guest kernel code):
 *	mov al, 0xa5		b0 a5
 *	out 0x7f, al		e6 7f		first exit: KVM works at all
 *	mov cx, PROBE_LOOPS	b9 lo hi
 * 1:	loop 1b			e2 fe		PROBE_LOOPS instructions
 *	out 0x7f, al		e6 7f		second exit: timed from the first
 *	hlt			f4
 *
 * A nested KVM without hardware support (this project's build host)
 * emulates guest kernel code at a few MIPS: it opens and runs the guest,
 * yet a kernel boot on it would take hours.  HV_ACCEL_AUTO must then pick
 * the emu backend, so the probe measures instead of merely running.
 */
#define PROBE_PORT	0x7f
#define PROBE_VALUE	0xa5
#define PROBE_LOOPS	20000
#define PROBE_MIN_MIPS	100

static bool kvm_probe_exit_ok(const struct hv_exit *exit)
{
	return exit->reason == HV_EXIT_IO && exit->io.port == PROBE_PORT &&
	       exit->io.direction == HV_EXIT_IO_OUT && exit->io.size == 1 &&
	       exit->io.data[0] == PROBE_VALUE;
}

static double kvm_probe_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int kvm_run_probe(struct kvm_be *kvm, char *why, size_t why_len,
			 unsigned int *mips)
{
	static const uint8_t code[] = {
		0xb0, PROBE_VALUE, 0xe6, PROBE_PORT,
		0xb9, PROBE_LOOPS & 0xff, PROBE_LOOPS >> 8, 0xe2, 0xfe,
		0xe6, PROBE_PORT, 0xf4,
	};
	struct hv_memslot slot = { .memory_size = 4096 };
	struct hv_vm *vm = NULL;
	struct hv_vcpu *vcpu = NULL;
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = 0, .rflags = 2 };
	const char *step;
	double t0, dt;
	void *mem;
	int ret;

	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		ret = -errno;
		step = "mmap";
		goto fail;
	}
	memcpy(mem, code, sizeof(code));
	slot.userspace_addr = mem;

	step = "create VM";
	ret = kvm_be_vm_create(&kvm->hv, &(struct hv_vm_config){ 0 }, &vm);
	if (ret)
		goto fail;
	step = "set memslot";
	ret = kvm_be_set_memslot(vm, &slot);
	if (ret)
		goto fail;
	step = "create vCPU";
	ret = kvm_be_vcpu_create(vm, 0, &vcpu);
	if (ret)
		goto fail;
	step = "set registers";
	ret = kvm_be_get_sregs(vcpu, &sregs);
	if (ret)
		goto fail;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	ret = kvm_be_set_sregs(vcpu, &sregs);
	if (!ret)
		ret = kvm_be_set_regs(vcpu, &regs);
	if (ret)
		goto fail;
	step = "run";
	ret = kvm_be_vcpu_run(vcpu);
	if (ret)
		goto fail;
	if (!kvm_probe_exit_ok(kvm_be_vcpu_exit(vcpu)))
		goto misbehaved;
	t0 = kvm_probe_now_us();
	ret = kvm_be_vcpu_run(vcpu);
	if (ret)
		goto fail;
	dt = kvm_probe_now_us() - t0;
	if (!kvm_probe_exit_ok(kvm_be_vcpu_exit(vcpu)))
		goto misbehaved;
	*mips = dt > 0 ? (unsigned int)(PROBE_LOOPS / dt) : 100000;
	if (*mips < PROBE_MIN_MIPS) {
		snprintf(why, why_len,
			 "/dev/kvm runs guest kernel code at %u MIPS (need %u; nested KVM without hardware support?)",
			 *mips, PROBE_MIN_MIPS);
		ret = -ENOTSUP;
	}
	goto out;
misbehaved:
	snprintf(why, why_len, "/dev/kvm: probe guest misbehaved (exit %u)",
		 kvm_be_vcpu_exit(vcpu)->reason);
	ret = -EIO;
	goto out;
fail:
	snprintf(why, why_len, "/dev/kvm: probe guest: %s: %s", step,
		 strerror(-ret));
out:
	if (vcpu)
		kvm_be_vcpu_destroy(vcpu);
	if (vm)
		kvm_be_vm_destroy(vm);
	if (mem != MAP_FAILED)
		munmap(mem, 4096);
	return ret;
}

static const char *kvm_dev_path(void)
{
	const char *p = getenv("CVISOR_KVM_PATH");

	return p && *p ? p : "/dev/kvm";
}

static int kvm_open(struct hv **out, bool probe, char *why, size_t why_len)
{
	const char *path = kvm_dev_path();
	struct kvm_be *kvm;
	int ret;

	kvm = calloc(1, sizeof(*kvm));
	if (!kvm) {
		snprintf(why, why_len, "kvm: out of memory");
		return -ENOMEM;
	}
	kvm->hv.ops = &kvm_backend_ops;
	kvm->fd = open(path, O_RDWR | O_CLOEXEC);
	if (kvm->fd < 0) {
		ret = -errno;
		snprintf(why, why_len, "%s: %s", path, strerror(errno));
		goto err_free;
	}
	ret = ioctl(kvm->fd, KVM_GET_API_VERSION, 0UL);
	if (ret != KVM_BE_API_VERSION) {
		snprintf(why, why_len, "%s: KVM API version %d, need %d", path,
			 ret, KVM_BE_API_VERSION);
		ret = -ENOTSUP;
		goto err_close;
	}
	kvm->run_size = ioctl(kvm->fd, KVM_GET_VCPU_MMAP_SIZE, 0UL);
	if (kvm->run_size < (int)sizeof(struct kvm_run)) {
		ret = kvm->run_size < 0 ? -errno : -EINVAL;
		snprintf(why, why_len, "%s: bad vCPU mmap size", path);
		goto err_close;
	}
	ret = kvm_be_signal_init();
	if (ret) {
		snprintf(why, why_len, "kvm: kick signal: %s", strerror(-ret));
		goto err_close;
	}
	kvm_cache_caps(kvm);
	if (probe) {
		unsigned int mips = 0;

		ret = kvm_run_probe(kvm, why, why_len, &mips);
		if (ret)
			goto err_close;
		snprintf(why, why_len,
			 "%s opened, probe guest ran kernel code at %u MIPS",
			 path, mips);
	} else {
		snprintf(why, why_len, "%s opened", path);
	}
	*out = &kvm->hv;
	return 0;

err_close:
	close(kvm->fd);
err_free:
	free(kvm);
	return ret;
}

static void kvm_close(struct hv *hv)
{
	struct kvm_be *kvm = to_kvm(hv);

	close(kvm->fd);
	free(kvm);
}

static int kvm_get_supported_cpuid(struct hv *hv, struct kvm_cpuid2 *cpuid)
{
	return kvm_be_ioctl(to_kvm(hv)->fd, KVM_GET_SUPPORTED_CPUID, cpuid);
}

static int kvm_get_mce_cap_supported(struct hv *hv, uint64_t *mcg_cap)
{
	return kvm_be_ioctl(to_kvm(hv)->fd, KVM_X86_GET_MCE_CAP_SUPPORTED,
			    mcg_cap);
}

static int kvm_get_msr_index_list(struct hv *hv, struct kvm_msr_list *list)
{
	return kvm_be_ioctl(to_kvm(hv)->fd, KVM_GET_MSR_INDEX_LIST, list);
}

const struct hv_backend_ops kvm_backend_ops = {
	.name = "kvm",
	.desc = "this host's KVM",
	.open = kvm_open,
	.close = kvm_close,
	.check_cap = kvm_be_check_cap,
	.get_supported_cpuid = kvm_get_supported_cpuid,
	.get_mce_cap_supported = kvm_get_mce_cap_supported,
	.get_msr_index_list = kvm_get_msr_index_list,

	.vm_create = kvm_be_vm_create,
	.vm_destroy = kvm_be_vm_destroy,
	.vm_enable_cap = kvm_be_vm_enable_cap,
	.set_msr_filter = kvm_be_set_msr_filter,
	.set_memslot = kvm_be_set_memslot,
	.get_dirty_log = kvm_be_get_dirty_log,
	.set_memory_attributes = kvm_be_set_memory_attributes,
	.create_guest_memfd = kvm_be_create_guest_memfd,
	.guest_memfd_fallocate = kvm_be_guest_memfd_fallocate,
	.vm_check_cap = kvm_be_vm_check_cap,
	.create_irqchip = kvm_be_create_irqchip,
	.create_pit = kvm_be_create_pit,
	.irq_line = kvm_be_irq_line,
	.signal_msi = kvm_be_signal_msi,
	.set_gsi_routing = kvm_be_set_gsi_routing,
	.get_irqchip = kvm_be_get_irqchip,
	.set_irqchip = kvm_be_set_irqchip,
	.get_pit = kvm_be_get_pit,
	.set_pit = kvm_be_set_pit,
	.get_clock = kvm_be_get_clock,
	.set_clock = kvm_be_set_clock,
	.irqfd = kvm_be_irqfd,
	.ioeventfd = kvm_be_ioeventfd,

	.vcpu_create = kvm_be_vcpu_create,
	.vcpu_destroy = kvm_be_vcpu_destroy,
	.vcpu_run = kvm_be_vcpu_run,
	.vcpu_exit = kvm_be_vcpu_exit,
	.vcpu_kick = kvm_be_vcpu_kick,
	.get_regs = kvm_be_get_regs,
	.set_regs = kvm_be_set_regs,
	.get_sregs = kvm_be_get_sregs,
	.set_sregs = kvm_be_set_sregs,
	.get_fpu = kvm_be_get_fpu,
	.set_fpu = kvm_be_set_fpu,
	.get_xsave = kvm_be_get_xsave,
	.set_xsave = kvm_be_set_xsave,
	.get_xcrs = kvm_be_get_xcrs,
	.set_xcrs = kvm_be_set_xcrs,
	.get_msrs = kvm_be_get_msrs,
	.set_msrs = kvm_be_set_msrs,
	.get_lapic = kvm_be_get_lapic,
	.set_lapic = kvm_be_set_lapic,
	.set_cpuid = kvm_be_set_cpuid,
	.get_mp_state = kvm_be_get_mp_state,
	.set_mp_state = kvm_be_set_mp_state,
	.get_events = kvm_be_get_events,
	.set_events = kvm_be_set_events,
	.get_debugregs = kvm_be_get_debugregs,
	.set_debugregs = kvm_be_set_debugregs,
	.set_guest_debug = kvm_be_set_guest_debug,
	.pre_fault_memory = kvm_be_pre_fault_memory,
	.interrupt = kvm_be_interrupt,
	.nmi = kvm_be_nmi,
	.smi = kvm_be_smi,
	.vcpu_enable_cap = kvm_be_vcpu_enable_cap,
	.get_supported_hv_cpuid = kvm_be_get_supported_hv_cpuid,
	.get_tsc_khz = kvm_be_get_tsc_khz,
	.set_tsc_khz = kvm_be_set_tsc_khz,
	.setup_mce = kvm_be_setup_mce,
};
