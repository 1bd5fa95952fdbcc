/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hvtest.h - helpers for the backend-neutral hv API tests.
 *
 * Tests use only hv.h.  The backend comes from CVISOR_ACCEL (kvm|emu).
 * Checks and verdicts are tests/check.h's: exit 0 pass, 77 skip (only
 * for the host's KVM or a capability it lacks; the last line printed is
 * the reason), 1 fail (with a message naming what differed).
 *
 * A test VM has RAM at guest-physical [0, HVT_RAM_SIZE) in slot 0 and one
 * vCPU in real mode with flat zero-based segments, so guest code written
 * at HVT_CODE runs with IP = HVT_CODE.
 */
#ifndef CVISOR_TESTS_HV_HVTEST_H
#define CVISOR_TESTS_HV_HVTEST_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hv/hv.h"
#include "../check.h"

#define HVT_RAM_SIZE	0x10000u
#define HVT_CODE	0x1000u
#define HVT_STACK	0x8000u

struct hvt {
	struct hv *hv;
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	uint8_t *ram;
	struct hv_exit *exit;
};

/*
 * The names these checks had before tests/check.h, for branches written
 * against them; new code uses check.h's names.
 */
#define HVT_CHECK	CHECK
#define HVT_OK		CHECK_OK
#define HVT_ERR		CHECK_ERRNO
#define hvt_fail	check_fail
#define hvt_skip	check_skip

static inline enum hv_accel hvt_accel(void)
{
	const char *a = getenv("CVISOR_ACCEL");

	if (a && !strcmp(a, "emu"))
		return HV_ACCEL_EMU;
	if (a && !strcmp(a, "auto"))
		return HV_ACCEL_AUTO;
	return HV_ACCEL_KVM;
}

static inline const char *hvt_accel_name(void)
{
	const char *a = getenv("CVISOR_ACCEL");

	return a && *a ? a : "kvm";
}

/* Open the backend or skip the test, naming why. */
static inline struct hv *hvt_open(void)
{
	char why[256] = "";
	struct hv *hv;
	int ret;

	ret = hv_open(hvt_accel(), &hv, why, sizeof(why));
	/* Only the host's KVM may be missing: emu is cvisor's own. */
	if (ret && hvt_accel() == HV_ACCEL_EMU)
		check_fail("emu backend does not open: %s",
			 why[0] ? why : strerror(-ret));
	if (ret)
		check_skip("%s backend unavailable: %s", hvt_accel_name(),
			 why[0] ? why : strerror(-ret));
	return hv;
}

static inline void hvt_require_cap(struct hv *hv, enum hv_cap cap)
{
	if (hv_check_cap(hv, cap) <= 0)
		check_skip("%s: not supported by %s", hv_cap_name(cap),
			 hv_backend_desc(hv));
}

static inline void *hvt_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		check_fail("mmap %zu: %s", size, strerror(errno));
	return p;
}

static inline void hvt_add_slot(struct hv_vm *vm, uint16_t slot,
				uint64_t gpa, uint64_t size, void *mem,
				uint32_t flags)
{
	struct hv_memslot s = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = mem,
	};

	CHECK_OK(hv_set_memslot(vm, &s));
}

/* Real mode, every segment based at 0, IP = @ip, flags = 2. */
static inline void hvt_real_mode(struct hv_vcpu *vcpu, uint64_t ip)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = ip, .rflags = 2, .rsp = HVT_STACK };
	struct kvm_segment *segs[] = { &sregs.cs, &sregs.ds, &sregs.es,
				       &sregs.fs, &sregs.gs, &sregs.ss };

	CHECK_OK(hv_vcpu_get_sregs(vcpu, &sregs));
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		segs[i]->base = 0;
		segs[i]->selector = 0;
	}
	CHECK_OK(hv_vcpu_set_sregs(vcpu, &sregs));
	CHECK_OK(hv_vcpu_set_regs(vcpu, &regs));
}

/* Flat 32-bit protected mode, no paging, IDT/GDT as given. */
static inline void hvt_flat32(struct hv_vcpu *vcpu, uint64_t ip,
			      uint64_t idt_base, uint16_t idt_limit)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = ip, .rflags = 2, .rsp = HVT_STACK };
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 0x8, .type = 0xb,
		.present = 1, .s = 1, .db = 1, .g = 1,
	};
	struct kvm_segment data = code;

	data.selector = 0x10;
	data.type = 3;
	CHECK_OK(hv_vcpu_get_sregs(vcpu, &sregs));
	sregs.cr0 = 0x11;	/* ET PE */
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.idt.base = idt_base;
	sregs.idt.limit = idt_limit;
	CHECK_OK(hv_vcpu_set_sregs(vcpu, &sregs));
	CHECK_OK(hv_vcpu_set_regs(vcpu, &regs));
}

/*
 * Open the backend and build the standard test VM with @code (@len bytes)
 * at HVT_CODE.  @irqchip: create the in-backend interrupt controllers.
 */
static inline void hvt_setup(struct hvt *t, const void *code, size_t len,
			     bool irqchip)
{
	memset(t, 0, sizeof(*t));
	t->hv = hvt_open();
	CHECK_OK(hv_vm_create(t->hv, NULL, &t->vm));
	if (irqchip) {
		hvt_require_cap(t->hv, HV_CAP_IRQCHIP);
		CHECK_OK(hv_create_irqchip(t->vm));
	}
	t->ram = hvt_alloc(HVT_RAM_SIZE);
	if (len)
		memcpy(t->ram + HVT_CODE, code, len);
	hvt_add_slot(t->vm, 0, 0, HVT_RAM_SIZE, t->ram, 0);
	CHECK_OK(hv_vcpu_create(t->vm, 0, &t->vcpu));
	t->exit = hv_vcpu_exit(t->vcpu);
	hvt_real_mode(t->vcpu, HVT_CODE);
}

/* Skip unless the backend runs KVM_X86_SW_PROTECTED_VM, naming why. */
static inline void hvt_require_private(struct hv *hv)
{
	if (!(hv_check_cap(hv, HV_CAP_VM_TYPES) &
	      (1 << HV_VM_TYPE_SW_PROTECTED)))
		check_skip("%s (SW_PROTECTED): not supported by %s",
			 hv_cap_name(HV_CAP_VM_TYPES), hv_backend_desc(hv));
	hvt_require_cap(hv, HV_CAP_GUEST_MEMFD);
	hvt_require_cap(hv, HV_CAP_MEMORY_ATTRIBUTES);
	hvt_require_cap(hv, HV_CAP_MEMORY_FAULT_INFO);
}

/* hvt_setup() for a SW_PROTECTED VM (no irqchip). */
static inline void hvt_setup_private(struct hvt *t, const void *code,
				     size_t len)
{
	struct hv_vm_config cfg = { .type = HV_VM_TYPE_SW_PROTECTED };

	memset(t, 0, sizeof(*t));
	t->hv = hvt_open();
	hvt_require_private(t->hv);
	CHECK_OK(hv_vm_create(t->hv, &cfg, &t->vm));
	t->ram = hvt_alloc(HVT_RAM_SIZE);
	if (len)
		memcpy(t->ram + HVT_CODE, code, len);
	hvt_add_slot(t->vm, 0, 0, HVT_RAM_SIZE, t->ram, 0);
	CHECK_OK(hv_vcpu_create(t->vm, 0, &t->vcpu));
	t->exit = hv_vcpu_exit(t->vcpu);
	hvt_real_mode(t->vcpu, HVT_CODE);
}

/* ES at @gpa (real mode) so that [es:0] is that page. */
static inline void hvt_set_es(struct hv_vcpu *vcpu, uint64_t gpa)
{
	struct kvm_sregs sregs;

	CHECK_OK(hv_vcpu_get_sregs(vcpu, &sregs));
	sregs.es.base = gpa;
	sregs.es.selector = gpa >> 4;
	CHECK_OK(hv_vcpu_set_sregs(vcpu, &sregs));
}

/*
 * LINT0 in ExtINT mode, so the 8259 reaches a real-mode guest.  KVM's BSP
 * comes out of reset like that (KVM_X86_QUIRK_LINT0_REENABLED); the emu
 * LAPIC does not model the quirk, so tests that use the 8259 set it.
 */
static inline void hvt_lint0_extint(struct hv_vcpu *vcpu)
{
	struct kvm_lapic_state l;
	uint32_t v = 0x700;

	CHECK_OK(hv_vcpu_get_lapic(vcpu, &l));
	memcpy(&l.regs[0x350], &v, sizeof(v));
	CHECK_OK(hv_vcpu_set_lapic(vcpu, &l));
}

static inline void hvt_teardown(struct hvt *t)
{
	hv_vcpu_destroy(t->vcpu);
	hv_vm_destroy(t->vm);
	munmap(t->ram, HVT_RAM_SIZE);
	hv_close(t->hv);
}

static const char *const hvt_reason_names[] = {
	"UNKNOWN", "IO", "MMIO", "HLT", "SHUTDOWN", "INTERNAL_ERROR",
	"FAIL_ENTRY", "INTR", "RDMSR", "WRMSR", "HYPERV", "MEMORY_FAULT",
	"HYPERCALL", "DEBUG", "SYSTEM_EVENT",
};

static inline const char *hvt_reason(uint32_t r)
{
	return r < sizeof(hvt_reason_names) / sizeof(hvt_reason_names[0]) ?
	       hvt_reason_names[r] : "?";
}

/* Run once; the exit must be @reason. */
static inline struct hv_exit *hvt_run(struct hvt *t, uint32_t reason)
{
	int ret = hv_vcpu_run(t->vcpu);
	struct kvm_regs regs;

	if (ret == 0 && t->exit->reason == reason)
		return t->exit;
	hv_vcpu_get_regs(t->vcpu, &regs);
	if (t->exit->reason == HV_EXIT_INTERNAL_ERROR)
		printf("internal error: suberror %u\n",
		       t->exit->internal.suberror);
	check_fail("run returned %d (%s), exit %s at rip 0x%llx; want exit %s",
		 ret, ret ? strerror(-ret) : "ok", hvt_reason(t->exit->reason),
		 (unsigned long long)regs.rip, hvt_reason(reason));
}

/* Run once; the exit must be port I/O on @port in @dir of @size bytes. */
static inline struct hv_exit *hvt_run_io(struct hvt *t, uint16_t port,
					 uint8_t dir, uint8_t size)
{
	struct hv_exit *e = hvt_run(t, HV_EXIT_IO);

	CHECK(e->io.port == port && e->io.direction == dir &&
		  e->io.size == size,
		  "I/O exit port 0x%x dir %u size %u, want 0x%x dir %u size %u",
		  e->io.port, e->io.direction, e->io.size, port, dir, size);
	return e;
}

static inline uint64_t hvt_io_value(const struct hv_exit *e)
{
	uint64_t v = 0;

	memcpy(&v, e->io.data, e->io.size);
	return v;
}

#endif
