/* SPDX-License-Identifier: GPL-2.0 */
/*
 * emu_priv.h - objects of the emu backend ("KVM in userspace").
 *
 * struct emu_vm owns the devices shared by all vCPUs (memslots, clock,
 * APIC bus, IOAPIC, PIC pair, PIT, GSI router); struct emu_vcpu owns a CPU
 * core instance, its LAPIC and its exit record.
 *
 * Locking overview (details at the top of each file):
 *  - vm->vcpu_lock (rwlock): the vcpus[] table.  Read side to kick a vCPU
 *    from a device thread (PIC output, memslot updates), write side to
 *    add or remove a vCPU.  Taken only with no device lock held.
 *  - irqfd/ioeventfd locks: see irqfd.c and ioeventfd.c; the vCPU exit
 *    path's ioeventfd lookup takes none.
 *  - device locks are per chip; nothing calls into a vCPU while holding
 *    one except emu_vcpu_event(), which only sets atomics and signals the
 *    vCPU's wait condition under v->wait_lock (a leaf lock).
 */
#ifndef CVISOR_EMU_PRIV_H
#define CVISOR_EMU_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "cpu/x86_cpu.h"
#include "hv/hv_backend.h"
#include "lib/compiler.h"
#include "ioapic.h"
#include "gmem.h"
#include "hyperv.h"
#include "irqfd.h"
#include "irq_routing.h"
#include "kvmpv.h"
#include "lapic.h"
#include "mem.h"
#include "msr_filter.h"
#include "pic.h"
#include "pit.h"
#include "timer.h"

#define EMU_MAX_VCPUS		EMU_APIC_BUS_MAX
#define EMU_DEFAULT_TSC_KHZ	1000000u	/* 1 GHz: TSC ticks = ns */
#define EMU_RUN_BUDGET		(1u << 20)	/* instructions per slice */
#define EMU_MAX_CPUID		256		/* KVM_MAX_CPUID_ENTRIES */

struct emu_hv {
	struct hv hv;
	struct emu_gmems gmems;		/* guest_memfds of all our VMs */
};

static inline struct emu_hv *to_emu_hv(struct hv *hv)
{
	return container_of(hv, struct emu_hv, hv);
}

struct emu_vcpu;

/* Machine-check state (mce.c); KVM_MAX_MCE_BANKS banks at most. */
#define EMU_MCE_BANKS		32
struct emu_mce {
	uint64_t cap, status, ctl;
	uint64_t banks[4 * EMU_MCE_BANKS];	/* CTL, STATUS, ADDR, MISC */
};

#define EMU_INJECT_MAX	4

struct emu_vm {
	struct hv_vm vm;
	unsigned int max_vcpus;
	struct emu_mem *mem;
	struct emu_clock *clock;
	/*
	 * KVM's VM-wide TSC (vcpu.c): the offset of the last host TSC write,
	 * or of TSC 0 at the VM's creation, and the frequency it is for.
	 */
	pthread_mutex_t tsc_lock;	/* leaf */
	int64_t tsc_offset;
	uint32_t tsc_khz;
	struct x86_code_tracker *tracker;

	/* Interrupt controllers: set once (before vCPUs exist), then read-only. */
	atomic_bool irqchip;
	struct emu_apic_bus bus;
	struct emu_ioapic *ioapic;
	struct emu_pic *pic;
	struct emu_irq_router *router;
	/* PIT: created any time; the pointer is published with release. */
	_Atomic(struct emu_pit *) pit;
	int pit_source;

	/* irqfd and ioeventfd (irqfd.c, ioeventfd.c). */
	struct emu_irqfds irqfds;
	struct emu_ioevs ioevs;

	/* Hyper-V partition state (hyperv.c). */
	struct emu_hv_vm hv;
	/* kvmclock (kvmpv.c). */
	struct emu_kvmclock kvmclock;

	/* KVM_ENABLE_CAP state. */
	atomic_bool cap_exception_payload;
	atomic_bool cap_triple_fault;
	_Atomic uint64_t hypercall_exits;	/* KVM_CAP_EXIT_HYPERCALL mask */
	_Atomic uint32_t user_msr_exits;	/* KVM_CAP_X86_USER_SPACE_MSR mask */
	atomic_bool x2apic_format;		/* KVM_X2APIC_API_USE_32BIT_IDS */
	struct emu_msr_filter msr_filter;

	/* KVM_X86_SW_PROTECTED_VM: private memory, one address space. */
	bool private_mem;
	/*
	 * Fault injection (CVISOR_EMU_INJECT_MISMATCH, SW_PROTECTED only):
	 * pages whose next access reports the shared/private mismatch that
	 * KVM reports when a conversion races with a fault.  Entry = page
	 * address | 1 while armed, 0 once taken.
	 */
	_Atomic uint64_t inject_mismatch[EMU_INJECT_MAX];
	atomic_bool inject_armed;

	pthread_mutex_t lock;		/* irqchip/PIT creation, vCPU count */
	unsigned int nr_vcpus;
	pthread_rwlock_t vcpu_lock;
	struct emu_vcpu *vcpus[EMU_MAX_VCPUS];
};

enum emu_pending_io {
	EMU_PEND_NONE,
	EMU_PEND_PIO,
	EMU_PEND_MMIO,
	EMU_PEND_HYPERCALL,
	EMU_PEND_MSR,
};

struct emu_vcpu {
	struct hv_vcpu vcpu;
	struct emu_vm *vm;
	struct x86_cpu *cpu;
	struct emu_lapic *lapic;	/* NULL without irqchip */
	struct emu_mem_reader rd;
	struct hv_exit exit;

	/* An exit to the VMM whose completion the next run consumes. */
	enum emu_pending_io pend;
	uint16_t pend_port;
	uint8_t pend_size;
	uint8_t pend_write;
	uint32_t pend_count;
	uint64_t pend_gpa;
	uint32_t pend_len;
	uint32_t pend_done;		/* MMIO bytes completed (>8 byte accesses) */
	uint8_t pend_buf[16];
	bool mem_fault;			/* exit is a memory fault: -EFAULT */
	uint8_t *io_buf;		/* exit.io.data */
	size_t io_buf_size;

	/* Wake-up of a blocked vCPU (HLT, waiting for SIPI). */
	pthread_mutex_t wait_lock;
	pthread_cond_t wait_cond;
	atomic_bool wakeup;
	atomic_bool kicked;		/* hv_vcpu_kick(): return -EINTR */
	/* The ioeventfd table this vCPU is reading (ioeventfd.c). */
	_Atomic(struct emu_ioev_table *) ioev_hazard;

	uint32_t mp_state;		/* KVM_MP_STATE_*, vCPU thread only */
	uint64_t apic_page;		/* xAPIC MMIO page, ~0 if none */
	int ext_irq;			/* KVM_INTERRUPT vector, -1 if none */
	atomic_uint tsc_khz;
	bool tsc_written;		/* by the host: no more TSC adoption */

	/* vcpu events that the core does not hold. */
	bool exc_pending;		/* with payload, not yet delivered */
	bool exc_has_payload;
	uint64_t exc_payload;
	bool triple_fault;

	struct kvm_cpuid_entry2 *cpuid;
	unsigned int cpuid_nent;

	/* Hyper-V per-vCPU state (hyperv*.c). */
	struct emu_hv_vcpu hv;
	/* KVM PV per-vCPU state (kvmpv.c, hypercall.c). */
	struct emu_kvmpv_vcpu pv;
	struct emu_mce mce;
	uint64_t slice_start_ns;	/* guest code running since, or 0 */
};

static inline struct emu_vm *to_emu_vm(struct hv_vm *vm)
{
	return container_of(vm, struct emu_vm, vm);
}

static inline struct emu_vcpu *to_emu_vcpu(struct hv_vcpu *v)
{
	return container_of(v, struct emu_vcpu, vcpu);
}

/* vm.c */
int emu_vm_create(struct hv *hv, const struct hv_vm_config *cfg,
		  struct hv_vm **out);
void emu_vm_destroy(struct hv_vm *vm);
int emu_vm_enable_cap(struct hv_vm *vm, enum hv_cap cap, uint64_t args0);
int emu_set_msr_filter(struct hv_vm *vm, const struct kvm_msr_filter *filter);
int emu_set_memslot(struct hv_vm *vm, const struct hv_memslot *slot);
void emu_memory_written(struct hv_vm *vm, uint64_t gpa, uint64_t len);
int emu_get_dirty_log(struct hv_vm *vm, uint16_t as_id, uint16_t slot,
		      uint64_t *bitmap);
int emu_create_irqchip(struct hv_vm *vm);
int emu_create_pit(struct hv_vm *vm);
int emu_irq_line_op(struct hv_vm *vm, uint32_t gsi, int level);
int emu_signal_msi(struct hv_vm *vm, const struct kvm_msi *msi);
int emu_set_gsi_routing(struct hv_vm *vm, const struct kvm_irq_routing *r);
int emu_get_irqchip(struct hv_vm *vm, struct kvm_irqchip *chip);
int emu_set_irqchip(struct hv_vm *vm, const struct kvm_irqchip *chip);
int emu_get_pit(struct hv_vm *vm, struct kvm_pit_state2 *pit);
int emu_irqfd(struct hv_vm *vm, const struct kvm_irqfd *irqfd);
int emu_ioeventfd(struct hv_vm *vm, const struct kvm_ioeventfd *io);
int emu_set_pit(struct hv_vm *vm, const struct kvm_pit_state2 *pit);
int emu_vm_check_cap(struct hv_vm *vm, enum hv_cap cap);
int emu_get_clock(struct hv_vm *vm, struct kvm_clock_data *clock);
int emu_set_clock(struct hv_vm *vm, const struct kvm_clock_data *clock);
int emu_set_memory_attributes(struct hv_vm *vm, uint64_t gpa, uint64_t size,
			      uint64_t attributes, uint64_t flags);
int emu_create_guest_memfd(struct hv_vm *vm, uint64_t size, uint64_t flags);
int emu_guest_memfd_fallocate(struct hv *hv, int fd, int mode,
			      uint64_t offset, uint64_t len);

/* hypercall.c: KVM's hypercall ABI (VMCALL), apart from Hyper-V's. */
#define KVM_HC_VAPIC_POLL_IRQ	1
#define KVM_HC_KICK_CPU		5
#define KVM_HC_SEND_IPI		10
#define KVM_HC_SCHED_YIELD	11
#define EMU_HYPERCALL_EXITS	(1ull << HV_HC_MAP_GPA_RANGE)
int emu_kvm_hypercall(struct emu_vcpu *v, unsigned int cpl, bool op64);

/*
 * MSRs the backend keeps outside the core, by group (Hyper-V's, KVM's
 * paravirtual ones, machine check).  read and write return 0, X86_MSR_GP
 * or X86_IO_EXIT for the guest, 0 or -1 for the host (@host); list fills
 * what KVM_GET_MSR_INDEX_LIST reports and returns the count (@idx may be
 * NULL).
 */
struct emu_msr_group {
	bool (*owned)(uint32_t idx);
	int (*read)(struct emu_vcpu *v, uint32_t idx, uint64_t *val,
		    bool host);
	int (*write)(struct emu_vcpu *v, uint32_t idx, uint64_t val,
		     bool host);
	unsigned int (*list)(uint32_t *idx, unsigned int max);
};
extern const struct emu_msr_group emu_hv_msrs, emu_kvmpv_msrs, emu_mce_msrs;
/* The group that owns @idx, or NULL (vcpu.c). */
const struct emu_msr_group *emu_msr_group(uint32_t idx);
/* Every group's list, as emu_msr_group.list (vcpu.c). */
unsigned int emu_msr_groups_list(uint32_t *idx, unsigned int max);

/* mce.c */
int emu_get_mce_cap_supported(struct hv *hv, uint64_t *mcg_cap);
int emu_setup_mce(struct hv_vcpu *vcpu, uint64_t mcg_cap);

/* vcpu.c */
int emu_vcpu_create(struct hv_vm *vm, unsigned int id, struct hv_vcpu **out);
void emu_vcpu_destroy(struct hv_vcpu *vcpu);
int emu_vcpu_run(struct hv_vcpu *vcpu);
struct hv_exit *emu_vcpu_exit(struct hv_vcpu *vcpu);
void emu_vcpu_kick(struct hv_vcpu *vcpu);
/* Something for @v arrived (interrupt, NMI, INIT, SIPI): any thread. */
void emu_vcpu_event(struct emu_vcpu *v);
/*
 * Host pointer to the guest RAM page holding @gpa (NULL: not RAM, or a
 * write to read-only memory), for the backend's own accesses to guest
 * structures: through the vCPU's view on its thread, the VM's map when
 * @host (a state restore).  A write marks the page dirty; the caller
 * tells the code tracker (x86_code_tracker_write) once it wrote.
 */
void *emu_vcpu_map_guest(struct emu_vcpu *v, uint64_t gpa, bool write,
			 bool host);
int emu_interrupt(struct hv_vcpu *vcpu, uint32_t vector);
int emu_nmi(struct hv_vcpu *vcpu);
int emu_pre_fault_memory(struct hv_vcpu *vcpu, uint64_t *gpa, uint64_t *size,
			 uint64_t flags);
int emu_smi(struct hv_vcpu *vcpu);
int emu_get_vcpu_stats(struct hv_vcpu *vcpu, struct hv_vcpu_stats *st);
int emu_get_tsc_khz(struct hv_vcpu *vcpu);
int emu_set_tsc_khz(struct hv_vcpu *vcpu, uint32_t khz);

/* state.c */
int emu_get_regs(struct hv_vcpu *vcpu, struct kvm_regs *regs);
int emu_set_regs(struct hv_vcpu *vcpu, const struct kvm_regs *regs);
int emu_get_sregs(struct hv_vcpu *vcpu, struct kvm_sregs *sregs);
int emu_set_sregs(struct hv_vcpu *vcpu, const struct kvm_sregs *sregs);
int emu_get_fpu(struct hv_vcpu *vcpu, struct kvm_fpu *fpu);
int emu_set_fpu(struct hv_vcpu *vcpu, const struct kvm_fpu *fpu);
int emu_get_xsave(struct hv_vcpu *vcpu, struct kvm_xsave *xsave);
int emu_set_xsave(struct hv_vcpu *vcpu, const struct kvm_xsave *xsave);
int emu_get_xcrs(struct hv_vcpu *vcpu, struct kvm_xcrs *xcrs);
int emu_set_xcrs(struct hv_vcpu *vcpu, const struct kvm_xcrs *xcrs);
int emu_get_msrs(struct hv_vcpu *vcpu, struct kvm_msrs *msrs);
int emu_set_msrs(struct hv_vcpu *vcpu, const struct kvm_msrs *msrs);
int emu_get_lapic(struct hv_vcpu *vcpu, struct kvm_lapic_state *lapic);
int emu_set_lapic(struct hv_vcpu *vcpu, const struct kvm_lapic_state *lapic);
int emu_set_cpuid(struct hv_vcpu *vcpu, const struct kvm_cpuid2 *cpuid);
int emu_get_mp_state(struct hv_vcpu *vcpu, struct kvm_mp_state *mp);
int emu_set_mp_state(struct hv_vcpu *vcpu, const struct kvm_mp_state *mp);
int emu_get_events(struct hv_vcpu *vcpu, struct kvm_vcpu_events *ev);
int emu_set_events(struct hv_vcpu *vcpu, const struct kvm_vcpu_events *ev);
int emu_get_debugregs(struct hv_vcpu *vcpu, struct kvm_debugregs *dr);
int emu_set_debugregs(struct hv_vcpu *vcpu, const struct kvm_debugregs *dr);
int emu_set_guest_debug(struct hv_vcpu *vcpu,
			const struct kvm_guest_debug *dbg);
int emu_get_supported_cpuid(struct hv *hv, struct kvm_cpuid2 *cpuid);
int emu_get_msr_index_list(struct hv *hv, struct kvm_msr_list *list);
/* Apply an APIC_BASE value (guest or host write) to the LAPIC and core. */
int emu_vcpu_set_apic_base(struct emu_vcpu *v, uint64_t value, bool host);
void emu_vcpu_cpuid(struct emu_vcpu *v, uint32_t leaf, uint32_t sub,
		    uint32_t regs[4]);
uint64_t emu_vcpu_guest_tsc(struct emu_vcpu *v);
void emu_vcpu_tsc_written(struct emu_vcpu *v);
/* Time this vCPU has run guest code (Hyper-V VP_RUNTIME). */
uint64_t emu_vcpu_runtime_ns(struct emu_vcpu *v);
int emu_vcpu_enable_cap(struct hv_vcpu *vcpu, enum hv_cap cap, uint64_t args0);
int emu_get_supported_hv_cpuid(struct hv_vcpu *vcpu, struct kvm_cpuid2 *c);

/* inject.c: CVISOR_EMU_INJECT_MISMATCH (SW_PROTECTED VMs only). */
int emu_inject_init(struct emu_vm *vm);
bool emu_inject_pending(struct emu_vm *vm, uint64_t gpa);
bool emu_inject_take(struct emu_vm *vm, uint64_t gpa);

#endif
