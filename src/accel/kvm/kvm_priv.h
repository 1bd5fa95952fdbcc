/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm_priv.h - private to the KVM backend (src/accel/kvm).
 *
 * The objects behind struct hv / hv_vm / hv_vcpu, the KVM ABI pieces that
 * the build host's <linux/kvm.h> (Linux 6.1) lacks, and the hooks that
 * kvm.c gathers into kvm_backend_ops.
 */
#ifndef CVISOR_ACCEL_KVM_PRIV_H
#define CVISOR_ACCEL_KVM_PRIV_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

#include "hv/hv_backend.h"
#include "lib/compiler.h"

/* ------------------------------------------------------------------ ABI
 *
 * Newer than the 6.1 headers we build against, but the kernel we run on
 * (and any kernel since 6.8) has them.  Layouts are checked below so a
 * typo cannot silently corrupt an ioctl argument.  The #ifndef guards let
 * newer headers win without a redefinition error.
 */
#ifndef KVM_CAP_USER_MEMORY2
#define KVM_CAP_USER_MEMORY2		231
#define KVM_CAP_MEMORY_FAULT_INFO	232
#define KVM_CAP_MEMORY_ATTRIBUTES	233
#define KVM_CAP_GUEST_MEMFD		234
#define KVM_CAP_VM_TYPES		235
#define KVM_CAP_PRE_FAULT_MEMORY	236
#endif
#ifndef KVM_CAP_GUEST_MEMFD_FLAGS
#define KVM_CAP_GUEST_MEMFD_FLAGS	244
#endif
#ifndef KVM_EXIT_MEMORY_FAULT
#define KVM_EXIT_MEMORY_FAULT		39
#endif
#ifndef KVM_MEM_GUEST_MEMFD
#define KVM_MEM_GUEST_MEMFD		(1u << 2)
#endif

struct kvm_be_memory_region2 {
	uint32_t slot;
	uint32_t flags;
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t guest_memfd_offset;
	uint32_t guest_memfd;
	uint32_t pad1;
	uint64_t pad2[14];
};
BUILD_BUG_ON(sizeof(struct kvm_be_memory_region2) != 160);
BUILD_BUG_ON(offsetof(struct kvm_be_memory_region2, guest_memfd_offset) != 32);
BUILD_BUG_ON(offsetof(struct kvm_be_memory_region2, guest_memfd) != 40);
/* The first 32 bytes are the old struct: REGION2 extends it in place. */
BUILD_BUG_ON(offsetof(struct kvm_be_memory_region2, userspace_addr) !=
	     offsetof(struct kvm_userspace_memory_region, userspace_addr));

struct kvm_be_memory_attributes {
	uint64_t address;
	uint64_t size;
	uint64_t attributes;
	uint64_t flags;
};
BUILD_BUG_ON(sizeof(struct kvm_be_memory_attributes) != 32);

struct kvm_be_create_guest_memfd {
	uint64_t size;
	uint64_t flags;
	uint64_t reserved[6];
};
BUILD_BUG_ON(sizeof(struct kvm_be_create_guest_memfd) != 64);

struct kvm_be_pre_fault_memory {
	uint64_t gpa;
	uint64_t size;
	uint64_t flags;
	uint64_t padding[5];
};
BUILD_BUG_ON(sizeof(struct kvm_be_pre_fault_memory) != 64);

#define KVM_BE_SET_USER_MEMORY_REGION2 \
	_IOW(KVMIO, 0x49, struct kvm_be_memory_region2)
#define KVM_BE_SET_MEMORY_ATTRIBUTES \
	_IOW(KVMIO, 0xd2, struct kvm_be_memory_attributes)
#define KVM_BE_CREATE_GUEST_MEMFD \
	_IOWR(KVMIO, 0xd4, struct kvm_be_create_guest_memfd)
#define KVM_BE_PRE_FAULT_MEMORY \
	_IOWR(KVMIO, 0xd5, struct kvm_be_pre_fault_memory)

/* kvm_run payload of KVM_EXIT_MEMORY_FAULT, at the start of the exit union. */
struct kvm_be_memory_fault {
	uint64_t flags;
	uint64_t gpa;
	uint64_t size;
};
#define KVM_RUN_EXIT_UNION	offsetof(struct kvm_run, mmio)
BUILD_BUG_ON(KVM_RUN_EXIT_UNION != 32);
BUILD_BUG_ON(offsetof(struct kvm_run, io) != KVM_RUN_EXIT_UNION);

/*
 * kvm_run.hypercall as of 6.2: the 6.1 header's "longmode" u32 became a
 * u64 "flags" union at the same offset.
 */
struct kvm_be_hypercall {
	uint64_t nr;
	uint64_t args[6];
	uint64_t ret;
	uint64_t flags;
};
BUILD_BUG_ON(offsetof(struct kvm_run, hypercall.longmode) !=
	     KVM_RUN_EXIT_UNION + offsetof(struct kvm_be_hypercall, flags));

/* ------------------------------------------------------------------ objects */

/* Internal capabilities the backend uses that hv.h does not expose. */
enum kvm_be_icap {
	KVM_BE_ICAP_USER_NMI,
	KVM_BE_ICAP_IMMEDIATE_EXIT,
	KVM_BE_ICAP_GET_TSC_KHZ,
	KVM_BE_ICAP_SET_TSS_ADDR,
	KVM_BE_ICAP_SET_IDENTITY_MAP_ADDR,
	KVM_BE_ICAP_SYS_HYPERV_CPUID,
	KVM_BE_ICAP__COUNT
};

struct kvm_be {
	struct hv hv;
	int fd;				/* /dev/kvm */
	int run_size;			/* KVM_GET_VCPU_MMAP_SIZE */
	int caps[HV_CAP__COUNT];	/* cached at open, never changes */
	int icaps[KVM_BE_ICAP__COUNT];
};

struct kvm_be_vm {
	struct hv_vm hv;
	int fd;
	unsigned int max_vcpus;
};

struct kvm_be_vcpu {
	struct hv_vcpu hv;
	int fd;
	struct kvm_run *run;
	/*
	 * Exit whose completion data must be copied from @exit back into
	 * kvm_run before the next KVM_RUN (HV_EXIT_UNKNOWN: nothing to do).
	 */
	uint32_t pending;
	bool immediate_exit;		/* KVM_CAP_IMMEDIATE_EXIT */
	/* Kick handshake, see kvm_vcpu.c. */
	atomic_bool in_run;
	atomic_bool kicked;
	_Atomic pthread_t thread;
	struct hv_exit exit;
};

static inline struct kvm_be *to_kvm(struct hv *hv)
{
	return container_of(hv, struct kvm_be, hv);
}

static inline struct kvm_be_vm *to_kvm_vm(struct hv_vm *vm)
{
	return container_of(vm, struct kvm_be_vm, hv);
}

static inline struct kvm_be_vcpu *to_kvm_vcpu(struct hv_vcpu *vcpu)
{
	return container_of(vcpu, struct kvm_be_vcpu, hv);
}

static inline struct kvm_be *vm_kvm(struct kvm_be_vm *vm)
{
	return to_kvm(vm->hv.hv);
}

static inline struct kvm_be *vcpu_kvm(struct kvm_be_vcpu *vcpu)
{
	return to_kvm(vcpu->hv.vm->hv);
}

/* ioctl() returning the result or -errno. */
static inline int kvm_be_ioctl(int fd, unsigned long req, void *arg)
{
	int ret = ioctl(fd, req, arg);

	return ret < 0 ? -errno : ret;
}

/* KVM_CAP_* number behind an hv capability, or -1 if it has none. */
int kvm_be_cap_number(enum hv_cap cap);

/* kvm.c */
int kvm_be_check_cap(struct hv *hv, enum hv_cap cap);

/* kvm_vm.c */
int kvm_be_vm_create(struct hv *hv, const struct hv_vm_config *cfg,
		     struct hv_vm **out);
void kvm_be_vm_destroy(struct hv_vm *vm);
int kvm_be_vm_enable_cap(struct hv_vm *vm, enum hv_cap cap, uint64_t args0);
int kvm_be_set_msr_filter(struct hv_vm *vm,
			  const struct kvm_msr_filter *filter);

/* kvm_mem.c */
int kvm_be_set_memslot(struct hv_vm *vm, const struct hv_memslot *slot);
int kvm_be_get_dirty_log(struct hv_vm *vm, uint16_t as_id, uint16_t slot,
			 uint64_t *bitmap);
int kvm_be_set_memory_attributes(struct hv_vm *vm, uint64_t gpa,
				 uint64_t size, uint64_t attributes,
				 uint64_t flags);
int kvm_be_create_guest_memfd(struct hv_vm *vm, uint64_t size,
			      uint64_t flags);
int kvm_be_guest_memfd_fallocate(struct hv *hv, int fd, int mode,
				 uint64_t offset, uint64_t len);
int kvm_be_vm_check_cap(struct hv_vm *vm, enum hv_cap cap);
int kvm_be_pre_fault_memory(struct hv_vcpu *vcpu, uint64_t *gpa,
			    uint64_t *size, uint64_t flags);

/* kvm_irq.c */
int kvm_be_create_irqchip(struct hv_vm *vm);
int kvm_be_create_pit(struct hv_vm *vm);
int kvm_be_irq_line(struct hv_vm *vm, uint32_t gsi, int level);
int kvm_be_signal_msi(struct hv_vm *vm, const struct kvm_msi *msi);
int kvm_be_set_gsi_routing(struct hv_vm *vm, const struct kvm_irq_routing *r);
int kvm_be_get_irqchip(struct hv_vm *vm, struct kvm_irqchip *chip);
int kvm_be_set_irqchip(struct hv_vm *vm, const struct kvm_irqchip *chip);
int kvm_be_get_pit(struct hv_vm *vm, struct kvm_pit_state2 *pit);
int kvm_be_get_clock(struct hv_vm *vm, struct kvm_clock_data *clock);
int kvm_be_set_clock(struct hv_vm *vm, const struct kvm_clock_data *clock);
int kvm_be_set_pit(struct hv_vm *vm, const struct kvm_pit_state2 *pit);
int kvm_be_irqfd(struct hv_vm *vm, const struct kvm_irqfd *irqfd);
int kvm_be_ioeventfd(struct hv_vm *vm, const struct kvm_ioeventfd *io);

/* kvm_vcpu.c */
int kvm_be_signal_init(void);
int kvm_be_vcpu_create(struct hv_vm *vm, unsigned int id,
		       struct hv_vcpu **out);
void kvm_be_vcpu_destroy(struct hv_vcpu *vcpu);
int kvm_be_vcpu_run(struct hv_vcpu *vcpu);
struct hv_exit *kvm_be_vcpu_exit(struct hv_vcpu *vcpu);
void kvm_be_vcpu_kick(struct hv_vcpu *vcpu);

/* kvm_state.c */
int kvm_be_get_regs(struct hv_vcpu *vcpu, struct kvm_regs *regs);
int kvm_be_set_regs(struct hv_vcpu *vcpu, const struct kvm_regs *regs);
int kvm_be_get_sregs(struct hv_vcpu *vcpu, struct kvm_sregs *sregs);
int kvm_be_set_sregs(struct hv_vcpu *vcpu, const struct kvm_sregs *sregs);
int kvm_be_get_fpu(struct hv_vcpu *vcpu, struct kvm_fpu *fpu);
int kvm_be_set_fpu(struct hv_vcpu *vcpu, const struct kvm_fpu *fpu);
int kvm_be_get_xsave(struct hv_vcpu *vcpu, struct kvm_xsave *xsave);
int kvm_be_set_xsave(struct hv_vcpu *vcpu, const struct kvm_xsave *xsave);
int kvm_be_get_xcrs(struct hv_vcpu *vcpu, struct kvm_xcrs *xcrs);
int kvm_be_set_xcrs(struct hv_vcpu *vcpu, const struct kvm_xcrs *xcrs);
int kvm_be_get_msrs(struct hv_vcpu *vcpu, struct kvm_msrs *msrs);
int kvm_be_set_msrs(struct hv_vcpu *vcpu, const struct kvm_msrs *msrs);
int kvm_be_get_lapic(struct hv_vcpu *vcpu, struct kvm_lapic_state *lapic);
int kvm_be_set_lapic(struct hv_vcpu *vcpu,
		     const struct kvm_lapic_state *lapic);
int kvm_be_set_cpuid(struct hv_vcpu *vcpu, const struct kvm_cpuid2 *cpuid);
int kvm_be_get_mp_state(struct hv_vcpu *vcpu, struct kvm_mp_state *mp);
int kvm_be_set_mp_state(struct hv_vcpu *vcpu, const struct kvm_mp_state *mp);
int kvm_be_get_events(struct hv_vcpu *vcpu, struct kvm_vcpu_events *ev);
int kvm_be_set_events(struct hv_vcpu *vcpu, const struct kvm_vcpu_events *ev);
int kvm_be_get_debugregs(struct hv_vcpu *vcpu, struct kvm_debugregs *dr);
int kvm_be_set_debugregs(struct hv_vcpu *vcpu,
			 const struct kvm_debugregs *dr);
int kvm_be_set_guest_debug(struct hv_vcpu *vcpu,
			   const struct kvm_guest_debug *dbg);
int kvm_be_interrupt(struct hv_vcpu *vcpu, uint32_t vector);
int kvm_be_nmi(struct hv_vcpu *vcpu);
int kvm_be_smi(struct hv_vcpu *vcpu);
int kvm_be_vcpu_enable_cap(struct hv_vcpu *vcpu, enum hv_cap cap,
			   uint64_t args0);
int kvm_be_get_supported_hv_cpuid(struct hv_vcpu *vcpu,
				  struct kvm_cpuid2 *cpuid);
int kvm_be_get_tsc_khz(struct hv_vcpu *vcpu);
int kvm_be_setup_mce(struct hv_vcpu *vcpu, uint64_t mcg_cap);
int kvm_be_set_tsc_khz(struct hv_vcpu *vcpu, uint32_t khz);

#endif
