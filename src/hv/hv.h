/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv.h - the cvisor hypervisor API.
 *
 * One KVM-shaped interface with two implementations: accel/kvm (the host's
 * /dev/kvm) and accel/emu (cvisor's own x86-64 CPU).  The VMM above this
 * line never asks which backend it runs on; it probes capabilities.
 *
 * Conventions (the same as the kernel's, on purpose):
 *  - Every call returns 0 (or a non-negative value where documented) on
 *    success and a negative errno on failure.  Nothing here prints.
 *  - vCPU state travels in the KVM uapi layouts (struct kvm_regs,
 *    kvm_sregs, kvm_vcpu_events, ...), so state saved on one backend can be
 *    restored on the other, and the kvm backend passes it through
 *    untouched.  Newer ABIs that the build host's <linux/kvm.h> may lack
 *    (memslot2, memory attributes, guest_memfd, memory-fault exits) get
 *    hv_ types below with the upstream field meanings and constants.
 *  - A feature a backend lacks returns -EOPNOTSUPP from the call that needs
 *    it, and hv_check_cap() reports 0 for it.  Callers turn that into one
 *    message with hv_cap_name() and hv_backend_name(), e.g.
 *    "SMM: not supported by this host's KVM".
 *  - Threads: a vCPU's calls are made by one thread at a time and never
 *    while hv_vcpu_run() is executing on it; the exceptions are
 *    hv_vcpu_kick() (any thread, any time) and the VM-level interrupt
 *    calls (irq_line, signal_msi, irqfd/ioeventfd), which are thread safe.
 */
#ifndef CVISOR_HV_H
#define CVISOR_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>

struct hv;
struct hv_vm;
struct hv_vcpu;

/* ---------------------------------------------------------------- backends */

enum hv_accel {
	HV_ACCEL_AUTO,	/* kvm if its probe guest runs kernel code fast enough, else emu */
	HV_ACCEL_KVM,
	HV_ACCEL_EMU,
};

/*
 * Capabilities.  Values mirror the KVM_CHECK_EXTENSION answer of the
 * corresponding KVM capability: 0 = absent, >0 = present (some carry a
 * number, e.g. HV_CAP_MAX_VCPUS, HV_CAP_MULTI_ADDRESS_SPACE = number of
 * address spaces, HV_CAP_GUEST_MEMFD_FLAGS = supported flag mask).
 */
enum hv_cap {
	HV_CAP_IRQCHIP,			/* in-backend LAPIC, IOAPIC, PIC pair */
	HV_CAP_PIT,			/* in-backend 8254 (KVM_CREATE_PIT2) */
	HV_CAP_IRQ_ROUTING,		/* hv_set_gsi_routing() */
	HV_CAP_SIGNAL_MSI,
	HV_CAP_IRQFD,
	HV_CAP_IRQFD_RESAMPLE,
	HV_CAP_IOEVENTFD,
	HV_CAP_READONLY_MEM,
	HV_CAP_DIRTY_LOG,
	HV_CAP_MAX_VCPUS,
	HV_CAP_NR_VCPUS,		/* recommended maximum */
	HV_CAP_VCPU_EVENTS,
	HV_CAP_EXCEPTION_PAYLOAD,
	HV_CAP_TRIPLE_FAULT_EVENT,
	HV_CAP_XSAVE,
	HV_CAP_XCRS,
	HV_CAP_DEBUGREGS,
	HV_CAP_X86_SMM,
	HV_CAP_MULTI_ADDRESS_SPACE,
	HV_CAP_X86_USER_SPACE_MSR,
	HV_CAP_EXIT_HYPERCALL,		/* value = mask of hypercalls that may exit */
	HV_CAP_USER_MEMORY2,
	HV_CAP_GUEST_MEMFD,
	HV_CAP_GUEST_MEMFD_FLAGS,
	HV_CAP_MEMORY_ATTRIBUTES,	/* value = supported attribute mask */
	HV_CAP_MEMORY_FAULT_INFO,
	HV_CAP_VM_TYPES,		/* value = mask of 1 << HV_VM_TYPE_* */
	HV_CAP_PRE_FAULT_MEMORY,
	HV_CAP_HYPERV,			/* Hyper-V MSRs/hypercalls in the backend */
	HV_CAP_HYPERV_SYNDBG,		/* syndbg MSRs + KVM_EXIT_HYPERV_SYNDBG */
	HV_CAP_HYPERV_CPUID,		/* hv_vcpu_get_supported_hv_cpuid() */
	HV_CAP_HYPERV_ENFORCE_CPUID,
	HV_CAP_HYPERV_SYNIC,		/* per-vCPU SynIC (KVM_CAP_HYPERV_SYNIC2) */
	HV_CAP_HYPERV_TIME,		/* TIME_REF_COUNT, reference TSC page */
	HV_CAP_HYPERV_TLBFLUSH,		/* HvFlushVirtualAddress* (+ Ex) */
	HV_CAP_HYPERV_SEND_IPI,		/* HvCallSendSyntheticClusterIpi (+ Ex) */
	HV_CAP_SET_GUEST_DEBUG,		/* single step, sw breakpoints */
	HV_CAP_TSC_CONTROL,
	HV_CAP_ADJUST_CLOCK,		/* hv_get_clock()/hv_set_clock() */
	HV_CAP_X86_MSR_FILTER,		/* hv_vm_set_msr_filter() */
	HV_CAP_X2APIC_API,		/* value = KVM_X2APIC_API_* flags */
	HV_CAP_MCE,			/* machine-check banks: their count */
	HV_CAP__COUNT
};

/* Name of a capability for messages ("SMM", "irqfd resample", ...). */
const char *hv_cap_name(enum hv_cap cap);

/*
 * Open a backend.  For HV_ACCEL_AUTO the chosen backend and the reason are
 * written to @why (e.g. "kvm: /dev/kvm opened and probe guest ran" or
 * "emu: /dev/kvm: No such file or directory").  On failure a one-line
 * explanation is written to @why as well.  @why may be NULL.
 */
int hv_open(enum hv_accel accel, struct hv **out, char *why, size_t why_len);
void hv_close(struct hv *hv);

/* "kvm" or "emu". */
const char *hv_backend_name(const struct hv *hv);
/* Human wording for messages: "this host's KVM" or "the emu backend". */
const char *hv_backend_desc(const struct hv *hv);

/* >= 0: capability value (0 = unsupported).  Never fails. */
int hv_check_cap(struct hv *hv, enum hv_cap cap);

/* CPUID the backend can virtualize (KVM_GET_SUPPORTED_CPUID layout). */
int hv_get_supported_cpuid(struct hv *hv, struct kvm_cpuid2 *cpuid);
/* KVM_X86_GET_MCE_CAP_SUPPORTED: the MCG_CAP bits a vCPU may be given. */
int hv_get_mce_cap_supported(struct hv *hv, uint64_t *mcg_cap);
/* MSR indices that hv_vcpu_get_msrs() can save (KVM_GET_MSR_INDEX_LIST). */
int hv_get_msr_index_list(struct hv *hv, struct kvm_msr_list *list);

/* ---------------------------------------------------------------- VMs */

enum hv_vm_type {
	HV_VM_TYPE_DEFAULT = 0,		/* KVM_X86_DEFAULT_VM */
	HV_VM_TYPE_SW_PROTECTED = 1,	/* KVM_X86_SW_PROTECTED_VM: private memory, no SMM */
};

struct hv_vm_config {
	enum hv_vm_type type;
	unsigned int max_vcpus;		/* 0: backend default */
};

int hv_vm_create(struct hv *hv, const struct hv_vm_config *cfg,
		 struct hv_vm **out);
/*
 * Destroy a VM.  All vCPUs must have been destroyed.  Returns only when no
 * irqfd of this VM can inject any more and no ioeventfd can fire.
 */
void hv_vm_destroy(struct hv_vm *vm);
struct hv *hv_vm_hv(struct hv_vm *vm);

/*
 * Enable a VM capability (KVM_ENABLE_CAP on the VM fd).  Used for
 * HV_CAP_EXCEPTION_PAYLOAD, HV_CAP_TRIPLE_FAULT_EVENT,
 * HV_CAP_X86_USER_SPACE_MSR (args[0] = KVM_MSR_EXIT_REASON_* mask),
 * HV_CAP_X2APIC_API (args[0] = KVM_X2APIC_API_* flags) and
 * HV_CAP_EXIT_HYPERCALL (args[0] = hypercall mask).
 */
int hv_vm_enable_cap(struct hv_vm *vm, enum hv_cap cap, uint64_t args0);

/*
 * KVM_X86_SET_MSR_FILTER: which guest RDMSR/WRMSR the backend handles and
 * which it refuses (#GP, or a KVM_MSR_EXIT_REASON_FILTER exit where
 * HV_CAP_X86_USER_SPACE_MSR asked for it).  The ranges' bitmaps are read
 * during the call; host accesses (hv_vcpu_get/set_msrs) are never
 * filtered.  Errors as KVM's: -EINVAL for bad flags, an empty range set
 * with DEFAULT_DENY, a range without READ/WRITE or with a bitmap over
 * KVM_MSR_FILTER_MAX_BITMAP_SIZE bytes.
 */
int hv_vm_set_msr_filter(struct hv_vm *vm, const struct kvm_msr_filter *filter);

/* ---------------------------------------------------------------- memory */

/* Memslot flags: the KVM_MEM_* values. */
#define HV_MEM_LOG_DIRTY_PAGES	(1u << 0)
#define HV_MEM_READONLY		(1u << 1)
#define HV_MEM_GUEST_MEMFD	(1u << 2)

/* Address spaces (KVM_CAP_MULTI_ADDRESS_SPACE): 0 normal, 1 SMM view. */
#define HV_AS_NORMAL	0
#define HV_AS_SMM	1

/*
 * struct kvm_userspace_memory_region2 with the slot's address-space id in
 * its own field.  size 0 deletes the slot.  Semantics follow
 * KVM_SET_USER_MEMORY_REGION2 (seed-apis.md 3.4), including: GUEST_MEMFD
 * excludes LOG_DIRTY_PAGES and READONLY; guest_memfd slots are immutable
 * (delete only); overlapping slots in one address space give -EEXIST.
 */
struct hv_memslot {
	uint16_t slot;
	uint16_t as_id;
	uint32_t flags;
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	void *userspace_addr;		/* shared backing; page aligned */
	int guest_memfd;		/* with HV_MEM_GUEST_MEMFD */
	uint64_t guest_memfd_offset;
};

int hv_set_memslot(struct hv_vm *vm, const struct hv_memslot *slot);

/*
 * Copy and clear the dirty bitmap of a slot with LOG_DIRTY_PAGES: one bit
 * per 4 KiB page, bitmap sized to round_up(pages, 64) bits.
 */
int hv_get_dirty_log(struct hv_vm *vm, uint16_t as_id, uint16_t slot,
		     uint64_t *bitmap);

/*
 * The VMM wrote guest memory [gpa, gpa+len) through its own mapping (device
 * DMA, a loader).  Hardware backends need nothing: the CPU sees the bytes.
 * A backend that caches decoded guest code (emu) drops its decodes of those
 * pages.  Call after the write and before the guest can learn of it (e.g.
 * before a virtqueue used-ring update), so that no vCPU runs stale code.
 */
void hv_vm_memory_written(struct hv_vm *vm, uint64_t gpa, uint64_t len);

/* KVM_SET_MEMORY_ATTRIBUTES (seed-apis.md 3.5). */
#define HV_MEMORY_ATTRIBUTE_PRIVATE	(1ull << 3)
int hv_set_memory_attributes(struct hv_vm *vm, uint64_t gpa, uint64_t size,
			     uint64_t attributes, uint64_t flags);

/* KVM_CREATE_GUEST_MEMFD (seed-apis.md 3.3): returns a new fd. */
#define HV_GUEST_MEMFD_FLAG_MMAP	(1ull << 0)
#define HV_GUEST_MEMFD_FLAG_INIT_SHARED	(1ull << 1)
int hv_create_guest_memfd(struct hv_vm *vm, uint64_t size, uint64_t flags);

/*
 * fallocate(2) on a guest_memfd with KVM's rules (seed-apis.md 3.3): @mode
 * is FALLOC_FL_KEEP_SIZE, optionally with FALLOC_FL_PUNCH_HOLE (else
 * -EOPNOTSUPP); @offset and @len page aligned (else -EINVAL); allocating
 * past the size is -EINVAL, punching there a no-op; a punched page reads
 * zero when the guest touches it again.  On kvm this is fallocate() on
 * the fd.  On emu the fd is only a handle (docs/private-memory.md) and
 * this call is the one way to allocate or punch; it keeps working after
 * the VM is destroyed, until hv_close().
 */
int hv_guest_memfd_fallocate(struct hv *hv, int fd, int mode, uint64_t offset,
			     uint64_t len);

/*
 * KVM_CHECK_EXTENSION asked on the VM: the answer for this VM's type
 * (HV_CAP_MEMORY_ATTRIBUTES is PRIVATE only in a VM with private memory,
 * HV_CAP_GUEST_MEMFD_FLAGS the flags this VM accepts).
 */
int hv_vm_check_cap(struct hv_vm *vm, enum hv_cap cap);

/* KVM's hypercall numbers and the MAP_GPA_RANGE attribute bits. */
#define HV_HC_MAP_GPA_RANGE		12
#define HV_MAP_GPA_RANGE_PAGE_SZ_4K	0
#define HV_MAP_GPA_RANGE_PAGE_SZ_2M	1
#define HV_MAP_GPA_RANGE_PAGE_SZ_1G	2
#define HV_MAP_GPA_RANGE_ENCRYPTED	(1ull << 4)
/* Guest-visible hypercall errors (KVM's include/uapi/linux/kvm_para.h). */
#define HV_KVM_ENOSYS			1000
#define HV_KVM_EFAULT			14
#define HV_KVM_EINVAL			22
#define HV_KVM_EPERM			1
/* hypercall.flags of HV_EXIT_HYPERCALL */
#define HV_EXIT_HYPERCALL_LONG_MODE	(1ull << 0)

/* ---------------------------------------------------------------- interrupts */

/*
 * Create the backend's interrupt controllers: LAPIC per vCPU, IOAPIC (GSI
 * 0-23) and the 8259 pair, with KVM's default routing.  Must precede
 * vCPU creation.
 */
int hv_create_irqchip(struct hv_vm *vm);
/* In-backend 8254 on port 0x40-0x43 driving GSI 0 (KVM_CREATE_PIT2). */
int hv_create_pit(struct hv_vm *vm);
/* KVM_IRQ_LINE: set a GSI's level (edge = 1 then 0). */
int hv_irq_line(struct hv_vm *vm, uint32_t gsi, int level);
/* KVM_SIGNAL_MSI. Returns >0 delivered, 0 blocked by the guest. */
int hv_signal_msi(struct hv_vm *vm, const struct kvm_msi *msi);
/* KVM_SET_GSI_ROUTING: replaces the whole table. */
int hv_set_gsi_routing(struct hv_vm *vm, const struct kvm_irq_routing *r);
/* KVM_GET/SET_IRQCHIP (PIC master 0, slave 1, IOAPIC 2) and PIT state. */
int hv_get_irqchip(struct hv_vm *vm, struct kvm_irqchip *chip);
int hv_set_irqchip(struct hv_vm *vm, const struct kvm_irqchip *chip);
int hv_get_pit(struct hv_vm *vm, struct kvm_pit_state2 *pit);
int hv_set_pit(struct hv_vm *vm, const struct kvm_pit_state2 *pit);
/*
 * KVM_GET/SET_CLOCK: the VM-wide kvmclock (ns) a paravirtual guest reads
 * through its pvclock pages.  -EOPNOTSUPP on a backend without kvmclock
 * (emu: its guests time with the TSC, which travels in the vCPU MSRs).
 */
int hv_get_clock(struct hv_vm *vm, struct kvm_clock_data *clock);
int hv_set_clock(struct hv_vm *vm, const struct kvm_clock_data *clock);

/*
 * KVM_IRQFD (seed-apis.md 4.2): struct kvm_irqfd with KVM_IRQFD_FLAG_*.
 * Deassign matches (fd, gsi) and returns only when no further interrupt
 * can come from that binding.  An eventfd bound to an irqfd of any VM in
 * the process gives -EBUSY.
 */
int hv_irqfd(struct hv_vm *vm, const struct kvm_irqfd *irqfd);
/* KVM_IOEVENTFD: struct kvm_ioeventfd with KVM_IOEVENTFD_FLAG_*. */
int hv_ioeventfd(struct hv_vm *vm, const struct kvm_ioeventfd *ioeventfd);

/* ---------------------------------------------------------------- vCPUs */

int hv_vcpu_create(struct hv_vm *vm, unsigned int id, struct hv_vcpu **out);
void hv_vcpu_destroy(struct hv_vcpu *vcpu);
unsigned int hv_vcpu_id(const struct hv_vcpu *vcpu);

enum hv_exit_reason {
	HV_EXIT_UNKNOWN = 0,
	HV_EXIT_IO,		/* port I/O; complete IN by writing io.data */
	HV_EXIT_MMIO,		/* complete reads by writing mmio.data */
	HV_EXIT_HLT,		/* only without an irqchip (with one, HLT stays inside) */
	HV_EXIT_SHUTDOWN,	/* triple fault */
	HV_EXIT_INTERNAL_ERROR,	/* backend could not emulate (see internal) */
	HV_EXIT_FAIL_ENTRY,	/* hardware refused the state */
	HV_EXIT_INTR,		/* returned because of hv_vcpu_kick() */
	HV_EXIT_RDMSR,		/* complete with msr.data and msr.error */
	HV_EXIT_WRMSR,		/* complete with msr.error */
	HV_EXIT_HYPERV,		/* struct kvm_hyperv_exit; complete hcall.result / syndbg.status */
	HV_EXIT_MEMORY_FAULT,	/* returned together with -EFAULT or -EHWPOISON */
	HV_EXIT_HYPERCALL,	/* KVM_EXIT_HYPERCALL; complete hypercall.ret */
	HV_EXIT_DEBUG,		/* single step / breakpoint */
	HV_EXIT_SYSTEM_EVENT,	/* KVM_SYSTEM_EVENT_* in system_event.type */
};

#define HV_EXIT_IO_IN	0
#define HV_EXIT_IO_OUT	1

/* exit->flags: KVM_RUN_X86_* bits of kvm_run.flags. */
#define HV_RUN_X86_SMM		(1u << 0)
#define HV_RUN_X86_BUS_LOCK	(1u << 1)

/* memory_fault.flags */
#define HV_MEMORY_EXIT_FLAG_PRIVATE	(1ull << 3)

/* internal.suberror: the KVM_INTERNAL_ERROR_* values. */

struct hv_exit {
	uint32_t reason;	/* enum hv_exit_reason */
	uint16_t flags;		/* HV_RUN_X86_* */
	union {
		struct {
			uint8_t direction;	/* HV_EXIT_IO_IN / _OUT */
			uint8_t size;		/* 1, 2 or 4 */
			uint16_t port;
			uint32_t count;		/* >1 for REP INS/OUTS */
			uint8_t *data;		/* count * size bytes */
		} io;
		struct {
			uint64_t phys_addr;
			uint8_t data[8];
			uint32_t len;		/* 1, 2, 4 or 8 */
			uint8_t is_write;
		} mmio;
		struct {
			uint32_t suberror;
			uint32_t ndata;
			uint64_t data[16];
			/* Why, in words, if the backend knows ("" if not). */
			char desc[96];
		} internal;
		struct {
			uint64_t hardware_entry_failure_reason;
			uint32_t cpu;
		} fail_entry;
		struct {
			uint8_t error;		/* set by VMM: 1 injects #GP */
			uint32_t reason;	/* KVM_MSR_EXIT_REASON_* */
			uint32_t index;
			uint64_t data;
		} msr;
		struct kvm_hyperv_exit hyperv;
		struct {
			uint64_t flags;		/* HV_MEMORY_EXIT_FLAG_* */
			uint64_t gpa;
			uint64_t size;
		} memory_fault;
		struct {
			uint64_t nr;
			uint64_t args[6];
			uint64_t ret;
			uint64_t flags;
		} hypercall;
		struct {
			uint32_t exception;
			uint64_t pc;
			uint64_t dr6;
			uint64_t dr7;
		} debug;
		struct {
			uint32_t type;
			uint32_t ndata;
			uint64_t data[16];
		} system_event;
	};
};

/*
 * Run the vCPU until an exit the VMM must handle.  The exit record is
 * owned by the vCPU and stays valid until the next run; completion data
 * (IN, MMIO read, MSR, Hyper-V and hypercall results) is written into it
 * by the VMM before calling run again.  Returns 0, or -EFAULT/-EHWPOISON
 * with reason HV_EXIT_MEMORY_FAULT, or -EINTR with HV_EXIT_INTR when
 * kicked, or another -errno for a backend failure (the VM is then dead).
 */
int hv_vcpu_run(struct hv_vcpu *vcpu);
struct hv_exit *hv_vcpu_exit(struct hv_vcpu *vcpu);

/*
 * Make a running (or about to run) hv_vcpu_run() return HV_EXIT_INTR as
 * soon as possible.  Any thread, any time; a kick that arrives while the
 * vCPU is not running makes the next run return at once.
 */
void hv_vcpu_kick(struct hv_vcpu *vcpu);

int hv_vcpu_get_regs(struct hv_vcpu *vcpu, struct kvm_regs *regs);
int hv_vcpu_set_regs(struct hv_vcpu *vcpu, const struct kvm_regs *regs);
int hv_vcpu_get_sregs(struct hv_vcpu *vcpu, struct kvm_sregs *sregs);
int hv_vcpu_set_sregs(struct hv_vcpu *vcpu, const struct kvm_sregs *sregs);
int hv_vcpu_get_fpu(struct hv_vcpu *vcpu, struct kvm_fpu *fpu);
int hv_vcpu_set_fpu(struct hv_vcpu *vcpu, const struct kvm_fpu *fpu);
/* The legacy 4 KiB KVM_GET_XSAVE area (x87+SSE+AVX components). */
int hv_vcpu_get_xsave(struct hv_vcpu *vcpu, struct kvm_xsave *xsave);
int hv_vcpu_set_xsave(struct hv_vcpu *vcpu, const struct kvm_xsave *xsave);
int hv_vcpu_get_xcrs(struct hv_vcpu *vcpu, struct kvm_xcrs *xcrs);
int hv_vcpu_set_xcrs(struct hv_vcpu *vcpu, const struct kvm_xcrs *xcrs);
/* Like KVM: returns the number of entries processed, stops at the first
 * unknown index. */
int hv_vcpu_get_msrs(struct hv_vcpu *vcpu, struct kvm_msrs *msrs);
int hv_vcpu_set_msrs(struct hv_vcpu *vcpu, const struct kvm_msrs *msrs);
int hv_vcpu_get_lapic(struct hv_vcpu *vcpu, struct kvm_lapic_state *lapic);
int hv_vcpu_set_lapic(struct hv_vcpu *vcpu, const struct kvm_lapic_state *lapic);
int hv_vcpu_set_cpuid(struct hv_vcpu *vcpu, const struct kvm_cpuid2 *cpuid);
int hv_vcpu_get_mp_state(struct hv_vcpu *vcpu, struct kvm_mp_state *mp);
int hv_vcpu_set_mp_state(struct hv_vcpu *vcpu, const struct kvm_mp_state *mp);
/*
 * KVM_GET/SET_VCPU_EVENTS with exactly the semantics of seed-apis.md
 * 1.3/1.4: flag validation order, fields whose VALID_* bit is clear are not
 * written, SMM toggles reset the memory view, INIT_RECEIVED + SMM refused.
 */
int hv_vcpu_get_events(struct hv_vcpu *vcpu, struct kvm_vcpu_events *ev);
int hv_vcpu_set_events(struct hv_vcpu *vcpu, const struct kvm_vcpu_events *ev);
int hv_vcpu_get_debugregs(struct hv_vcpu *vcpu, struct kvm_debugregs *dr);
int hv_vcpu_set_debugregs(struct hv_vcpu *vcpu, const struct kvm_debugregs *dr);
/* KVM_SET_GUEST_DEBUG (KVM_GUESTDBG_* flags). */
int hv_vcpu_set_guest_debug(struct hv_vcpu *vcpu,
			    const struct kvm_guest_debug *dbg);

/*
 * KVM_PRE_FAULT_MEMORY (seed-apis.md 3.6): map [gpa, gpa+size) as the
 * vCPU would on a read.  Returns 0 when at least one page was done and
 * leaves the rest of the range in *gpa / *size; -EINVAL (flags, empty or
 * wrapping range), -ENOENT (no memslot at *gpa), -EFAULT, -EINTR.
 */
int hv_vcpu_pre_fault_memory(struct hv_vcpu *vcpu, uint64_t *gpa,
			     uint64_t *size, uint64_t flags);

/* KVM_INTERRUPT (only without irqchip), KVM_NMI, KVM_SMI. */
int hv_vcpu_interrupt(struct hv_vcpu *vcpu, uint32_t vector);
int hv_vcpu_nmi(struct hv_vcpu *vcpu);
int hv_vcpu_smi(struct hv_vcpu *vcpu);

/* KVM_ENABLE_CAP on the vCPU (HV_CAP_HYPERV_ENFORCE_CPUID: args0 != 0
 * enables; HV_CAP_HYPERV_SYNIC: activates the vCPU's SynIC). */
int hv_vcpu_enable_cap(struct hv_vcpu *vcpu, enum hv_cap cap, uint64_t args0);
/* KVM_GET_SUPPORTED_HV_CPUID (seed-apis.md 2.3): -E2BIG if nent too small. */
int hv_vcpu_get_supported_hv_cpuid(struct hv_vcpu *vcpu,
				   struct kvm_cpuid2 *cpuid);
/* TSC frequency in kHz (KVM_GET/SET_TSC_KHZ). */
int hv_vcpu_get_tsc_khz(struct hv_vcpu *vcpu);
/*
 * KVM_X86_SETUP_MCE: give the vCPU machine-check banks (MCG_CAP bits
 * 7:0) and the MCG_CAP features of hv_get_mce_cap_supported(); MCG_CTL
 * and every MCi_CTL become all ones.
 */
int hv_vcpu_setup_mce(struct hv_vcpu *vcpu, uint64_t mcg_cap);
int hv_vcpu_set_tsc_khz(struct hv_vcpu *vcpu, uint32_t khz);

/*
 * Counters of a vCPU since it was created (statistics, not state: they are
 * not saved or restored).  -EOPNOTSUPP where the backend keeps none.
 */
struct hv_vcpu_stats {
	uint64_t insns;		/* instructions retired (emu) */
	uint64_t smm_entries;	/* SMIs taken */
};
int hv_vcpu_get_stats(struct hv_vcpu *vcpu, struct hv_vcpu_stats *st);

#endif
