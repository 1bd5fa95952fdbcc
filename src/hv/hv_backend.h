/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv_backend.h - what an accelerator implements behind hv.h.
 *
 * A backend provides one struct hv_backend_ops.  It embeds struct hv,
 * struct hv_vm and struct hv_vcpu at the start of its own objects and
 * recovers them with container_of().  hv.c holds the list of backends and
 * does argument checks that are common to all of them, so a backend sees
 * only well-formed pointers.  A hook left NULL means "not supported": the
 * dispatcher returns -EOPNOTSUPP without calling anything.
 */
#ifndef CVISOR_HV_BACKEND_H
#define CVISOR_HV_BACKEND_H

#include "hv.h"

struct hv_backend_ops;

struct hv {
	const struct hv_backend_ops *ops;
};

struct hv_vm {
	struct hv *hv;
};

struct hv_vcpu {
	struct hv_vm *vm;
	unsigned int id;
};

struct hv_backend_ops {
	const char *name;		/* "kvm" */
	const char *desc;		/* "this host's KVM" */

	/*
	 * Open the backend.  @probe asks for a startup check that the backend
	 * can really run a guest (used by HV_ACCEL_AUTO).  On failure write one
	 * line to @why.
	 */
	int (*open)(struct hv **out, bool probe, char *why, size_t why_len);
	void (*close)(struct hv *hv);
	int (*check_cap)(struct hv *hv, enum hv_cap cap);
	int (*get_supported_cpuid)(struct hv *hv, struct kvm_cpuid2 *cpuid);
	int (*get_mce_cap_supported)(struct hv *hv, uint64_t *mcg_cap);
	int (*get_msr_index_list)(struct hv *hv, struct kvm_msr_list *list);

	int (*vm_create)(struct hv *hv, const struct hv_vm_config *cfg,
			 struct hv_vm **out);
	void (*vm_destroy)(struct hv_vm *vm);
	int (*vm_enable_cap)(struct hv_vm *vm, enum hv_cap cap, uint64_t args0);
	int (*set_msr_filter)(struct hv_vm *vm,
			      const struct kvm_msr_filter *filter);
	int (*set_memslot)(struct hv_vm *vm, const struct hv_memslot *slot);
	int (*get_dirty_log)(struct hv_vm *vm, uint16_t as_id, uint16_t slot,
			     uint64_t *bitmap);
	/* Optional: NULL when the backend keeps no decoded code. */
	void (*memory_written)(struct hv_vm *vm, uint64_t gpa, uint64_t len);
	int (*set_memory_attributes)(struct hv_vm *vm, uint64_t gpa,
				     uint64_t size, uint64_t attributes,
				     uint64_t flags);
	int (*create_guest_memfd)(struct hv_vm *vm, uint64_t size,
				  uint64_t flags);
	int (*guest_memfd_fallocate)(struct hv *hv, int fd, int mode,
				     uint64_t offset, uint64_t len);
	/* Optional: NULL answers with check_cap (no per-type difference). */
	int (*vm_check_cap)(struct hv_vm *vm, enum hv_cap cap);
	int (*create_irqchip)(struct hv_vm *vm);
	int (*create_pit)(struct hv_vm *vm);
	int (*irq_line)(struct hv_vm *vm, uint32_t gsi, int level);
	int (*signal_msi)(struct hv_vm *vm, const struct kvm_msi *msi);
	int (*set_gsi_routing)(struct hv_vm *vm,
			       const struct kvm_irq_routing *r);
	int (*get_irqchip)(struct hv_vm *vm, struct kvm_irqchip *chip);
	int (*set_irqchip)(struct hv_vm *vm, const struct kvm_irqchip *chip);
	int (*get_pit)(struct hv_vm *vm, struct kvm_pit_state2 *pit);
	int (*set_pit)(struct hv_vm *vm, const struct kvm_pit_state2 *pit);
	int (*get_clock)(struct hv_vm *vm, struct kvm_clock_data *clock);
	int (*set_clock)(struct hv_vm *vm, const struct kvm_clock_data *clock);
	int (*irqfd)(struct hv_vm *vm, const struct kvm_irqfd *irqfd);
	int (*ioeventfd)(struct hv_vm *vm, const struct kvm_ioeventfd *io);

	int (*vcpu_create)(struct hv_vm *vm, unsigned int id,
			   struct hv_vcpu **out);
	void (*vcpu_destroy)(struct hv_vcpu *vcpu);
	int (*vcpu_run)(struct hv_vcpu *vcpu);
	struct hv_exit *(*vcpu_exit)(struct hv_vcpu *vcpu);
	void (*vcpu_kick)(struct hv_vcpu *vcpu);
	int (*get_regs)(struct hv_vcpu *vcpu, struct kvm_regs *regs);
	int (*set_regs)(struct hv_vcpu *vcpu, const struct kvm_regs *regs);
	int (*get_sregs)(struct hv_vcpu *vcpu, struct kvm_sregs *sregs);
	int (*set_sregs)(struct hv_vcpu *vcpu, const struct kvm_sregs *sregs);
	int (*get_fpu)(struct hv_vcpu *vcpu, struct kvm_fpu *fpu);
	int (*set_fpu)(struct hv_vcpu *vcpu, const struct kvm_fpu *fpu);
	int (*get_xsave)(struct hv_vcpu *vcpu, struct kvm_xsave *xsave);
	int (*set_xsave)(struct hv_vcpu *vcpu, const struct kvm_xsave *xsave);
	int (*get_xcrs)(struct hv_vcpu *vcpu, struct kvm_xcrs *xcrs);
	int (*set_xcrs)(struct hv_vcpu *vcpu, const struct kvm_xcrs *xcrs);
	int (*get_msrs)(struct hv_vcpu *vcpu, struct kvm_msrs *msrs);
	int (*set_msrs)(struct hv_vcpu *vcpu, const struct kvm_msrs *msrs);
	int (*get_lapic)(struct hv_vcpu *vcpu, struct kvm_lapic_state *lapic);
	int (*set_lapic)(struct hv_vcpu *vcpu,
			 const struct kvm_lapic_state *lapic);
	int (*set_cpuid)(struct hv_vcpu *vcpu, const struct kvm_cpuid2 *cpuid);
	int (*get_mp_state)(struct hv_vcpu *vcpu, struct kvm_mp_state *mp);
	int (*set_mp_state)(struct hv_vcpu *vcpu,
			    const struct kvm_mp_state *mp);
	int (*get_events)(struct hv_vcpu *vcpu, struct kvm_vcpu_events *ev);
	int (*set_events)(struct hv_vcpu *vcpu,
			  const struct kvm_vcpu_events *ev);
	int (*get_debugregs)(struct hv_vcpu *vcpu, struct kvm_debugregs *dr);
	int (*set_debugregs)(struct hv_vcpu *vcpu,
			     const struct kvm_debugregs *dr);
	int (*set_guest_debug)(struct hv_vcpu *vcpu,
			       const struct kvm_guest_debug *dbg);
	int (*pre_fault_memory)(struct hv_vcpu *vcpu, uint64_t *gpa,
				uint64_t *size, uint64_t flags);
	int (*interrupt)(struct hv_vcpu *vcpu, uint32_t vector);
	int (*nmi)(struct hv_vcpu *vcpu);
	int (*smi)(struct hv_vcpu *vcpu);
	int (*vcpu_enable_cap)(struct hv_vcpu *vcpu, enum hv_cap cap,
			       uint64_t args0);
	int (*get_supported_hv_cpuid)(struct hv_vcpu *vcpu,
				      struct kvm_cpuid2 *cpuid);
	int (*get_tsc_khz)(struct hv_vcpu *vcpu);
	int (*setup_mce)(struct hv_vcpu *vcpu, uint64_t mcg_cap);
	int (*set_tsc_khz)(struct hv_vcpu *vcpu, uint32_t khz);
	int (*get_vcpu_stats)(struct hv_vcpu *vcpu, struct hv_vcpu_stats *st);
};

/* The two accelerators; each lives in its own directory under accel/. */
extern const struct hv_backend_ops kvm_backend_ops;
extern const struct hv_backend_ops emu_backend_ops;

#endif
