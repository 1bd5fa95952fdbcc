// SPDX-License-Identifier: GPL-2.0
/*
 * hv_smm: an SMI round trip through the hv API, in the spirit of KVM's
 * smm_test, plus the 2016 migration bug as a regression test.
 *
 * A real-mode guest is interrupted by KVM_SMI after an OUT.  Its handler
 * lives in an address-space-1 slot (SMRAM at SMBASE), reports from SMM,
 * relocates SMBASE through the state-save image and returns with RSM.
 * While the vCPU is inside the handler, its whole state (regs, sregs,
 * FPU, XSAVE, XCRs, MSRs incl. SMBASE, LAPIC, events with VALID_SMM, MP
 * state, debug registers) is read and restored into a NEW VM; the new
 * vCPU must fetch its next instruction from SMRAM, read SMRAM's bytes (not
 * the normal view's at the same address) and RSM back into the
 * interrupted code with its registers intact.
 *
 * Cases: the SMI interrupts real mode, 32-bit paging, PAE paging or long
 * mode, without CPUID (32-bit save-state layout, revision 0x20000) or with
 * the backend's CPUID, long mode included (64-bit layout, revision
 * 0x20064); RSM must restore CR0/CR3/CR4/EFER so that a store through
 * paging works after it.  Two more take the SMI in an STI shadow (set with
 * KVM_SET_VCPU_EVENTS): the image records it and RSM restores it.  Last,
 * RSM of an image with an impossible CR0 must shut the vCPU down, and
 * code decoded at a GPA outside SMM is not reused there in SMM.
 */
#include "hvtest.h"

#define SMBASE		0x20000u
#define SMRAM_SIZE	0x10000u
#define NEW_SMBASE	0x40000u
#define MARK_GPA	0x2f000u	/* SMRAM 0xAA, normal view 0x55 */
#define MSR_SMBASE	0x9e
#define VALID_SMM	0x08

static const uint8_t main_code[] = {
	0xb8, 0x34, 0x12,		/* 1000: mov ax, 0x1234 */
	0xbb, 0x78, 0x56,		/* 1003: mov bx, 0x5678 */
	0xe6, 0x10,			/* 1006: out 0x10, al  (SMI here) */
	0xe6, 0x11,			/* 1008: out 0x11, al  (after RSM) */
	0xf4,				/* 100a: hlt */
};

/* At SMBASE + 0x8000, entered with CS = SMBASE >> 4. */
static uint8_t handler[] = {
	0xe6, 0x0e,			/* out 0x0e, al: "in SMM" */
	0x2e, 0xa0, 0x00, 0xf0,		/* mov al, cs:[0xf000] */
	0xe6, 0x0f,			/* out 0x0f, al: SMRAM marker */
	0xc6, 0x06, 0x00, 0x05, 0x77,	/* mov byte [0x500], 0x77 */
	/* mov dword cs:[SMBASE field], NEW_SMBASE (offset patched) */
	0x66, 0x2e, 0xc7, 0x06, 0x00, 0x00,
	(uint8_t)NEW_SMBASE, (uint8_t)(NEW_SMBASE >> 8),
	(uint8_t)(NEW_SMBASE >> 16), (uint8_t)(NEW_SMBASE >> 24),
	0x0f, 0xaa,			/* rsm */
};
#define HANDLER_SMBASE_OFF	17	/* the disp16 of the SMBASE store */

#define NMSRS_MAX	256
#define MSRS_WORDS	((sizeof(struct kvm_msrs) +			\
			  NMSRS_MAX * sizeof(struct kvm_msr_entry)) /	\
			 sizeof(uint64_t))

struct vstate {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_xcrs xcrs;
	uint64_t msrs[MSRS_WORDS];
	struct kvm_lapic_state lapic;
	struct kvm_mp_state mp;
	struct kvm_vcpu_events ev;
	struct kvm_debugregs dr;
	struct kvm_xsave xsave;
};

struct smm_vm {
	struct hv *hv;
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	struct hv_exit *exit;
	uint8_t *ram, *normal_hi, *smram;
	struct kvm_cpuid2 *cpuid;
};

static void add_slot(struct hv_vm *vm, uint16_t as, uint16_t slot,
		     uint64_t gpa, uint64_t size, void *mem)
{
	struct hv_memslot s = {
		.slot = slot, .as_id = as, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = mem, .guest_memfd = -1,
	};

	CHECK_OK(hv_set_memslot(vm, &s));
}

/* A VM over the given memory: AS0 = RAM + other bytes at SMBASE, AS1 = RAM + SMRAM. */
static void vm_build(struct smm_vm *m)
{
	CHECK_OK(hv_vm_create(m->hv, NULL, &m->vm));
	CHECK_OK(hv_create_irqchip(m->vm));
	add_slot(m->vm, HV_AS_NORMAL, 0, 0, HVT_RAM_SIZE, m->ram);
	add_slot(m->vm, HV_AS_NORMAL, 1, SMBASE, SMRAM_SIZE, m->normal_hi);
	add_slot(m->vm, HV_AS_SMM, 0, 0, HVT_RAM_SIZE, m->ram);
	add_slot(m->vm, HV_AS_SMM, 1, SMBASE, SMRAM_SIZE, m->smram);
	CHECK_OK(hv_vcpu_create(m->vm, 0, &m->vcpu));
	m->exit = hv_vcpu_exit(m->vcpu);
	if (m->cpuid)
		CHECK_OK(hv_vcpu_set_cpuid(m->vcpu, m->cpuid));
}

static void vm_free(struct smm_vm *m)
{
	hv_vcpu_destroy(m->vcpu);
	hv_vm_destroy(m->vm);
	m->vcpu = NULL;
	m->vm = NULL;
}

static struct hv_exit *run_io(struct smm_vm *m, uint16_t port, bool smm)
{
	struct kvm_regs regs;
	int ret = hv_vcpu_run(m->vcpu);

	if (ret || m->exit->reason != HV_EXIT_IO || m->exit->io.port != port) {
		hv_vcpu_get_regs(m->vcpu, &regs);
		check_fail("run: %d, exit %s port 0x%x at rip 0x%llx; want OUT "
			 "0x%x", ret, hvt_reason(m->exit->reason),
			 m->exit->io.port, (unsigned long long)regs.rip, port);
	}
	CHECK(!!(m->exit->flags & HV_RUN_X86_SMM) == smm,
		  "exit at port 0x%x: KVM_RUN_X86_SMM is %d, want %d", port,
		  !!(m->exit->flags & HV_RUN_X86_SMM), smm);
	return m->exit;
}

static uint64_t get_smbase(struct hv_vcpu *vcpu)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = MSR_SMBASE };

	CHECK(hv_vcpu_get_msrs(vcpu, &m.h) == 1, "SMBASE not readable");
	return m.e.data;
}

static void set_smbase(struct hv_vcpu *vcpu, uint64_t v)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = MSR_SMBASE, .e.data = v };

	CHECK(hv_vcpu_set_msrs(vcpu, &m.h) == 1, "SMBASE not writable");
}

static void state_save(struct smm_vm *m, struct vstate *s)
{
	struct kvm_msrs *msrs = (struct kvm_msrs *)s->msrs;
	struct {
		struct kvm_msr_list h;
		uint32_t idx[NMSRS_MAX];
	} ml = { .h.nmsrs = NMSRS_MAX };

	memset(s, 0, sizeof(*s));
	CHECK_OK(hv_vcpu_get_regs(m->vcpu, &s->regs));
	CHECK_OK(hv_vcpu_get_sregs(m->vcpu, &s->sregs));
	CHECK_OK(hv_vcpu_get_fpu(m->vcpu, &s->fpu));
	CHECK_OK(hv_vcpu_get_xsave(m->vcpu, &s->xsave));
	CHECK_OK(hv_vcpu_get_xcrs(m->vcpu, &s->xcrs));
	CHECK_OK(hv_get_msr_index_list(m->hv, &ml.h));
	msrs->nmsrs = ml.h.nmsrs;
	for (uint32_t i = 0; i < ml.h.nmsrs; i++)
		msrs->entries[i].index = ml.idx[i];
	CHECK(CHECK_OK(hv_vcpu_get_msrs(m->vcpu, msrs)) ==
		  (int)msrs->nmsrs, "not every listed MSR was readable");
	CHECK_OK(hv_vcpu_get_lapic(m->vcpu, &s->lapic));
	CHECK_OK(hv_vcpu_get_events(m->vcpu, &s->ev));
	CHECK_OK(hv_vcpu_get_mp_state(m->vcpu, &s->mp));
	CHECK_OK(hv_vcpu_get_debugregs(m->vcpu, &s->dr));
}

/* The restore order of seed-apis.md 1.7 (LAPIC after MSRs: APIC base). */
static void state_restore(struct smm_vm *m, const struct vstate *s)
{
	const struct kvm_msrs *msrs = (const struct kvm_msrs *)s->msrs;

	CHECK_OK(hv_vcpu_set_sregs(m->vcpu, &s->sregs));
	CHECK(CHECK_OK(hv_vcpu_set_msrs(m->vcpu, msrs)) ==
		  (int)msrs->nmsrs, "not every MSR was restored");
	CHECK_OK(hv_vcpu_set_xcrs(m->vcpu, &s->xcrs));
	CHECK_OK(hv_vcpu_set_xsave(m->vcpu, &s->xsave));
	CHECK_OK(hv_vcpu_set_lapic(m->vcpu, &s->lapic));
	CHECK_OK(hv_vcpu_set_events(m->vcpu, &s->ev));
	CHECK_OK(hv_vcpu_set_mp_state(m->vcpu, &s->mp));
	CHECK_OK(hv_vcpu_set_debugregs(m->vcpu, &s->dr));
	CHECK_OK(hv_vcpu_set_regs(m->vcpu, &s->regs));
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

enum mode { M_REAL, M_PAGING32, M_PAE, M_LONG };

static const char *const mode_name[] = {
	"real mode", "32-bit paging", "PAE paging", "long mode",
};

struct smm_case {
	enum mode mode;
	bool lm;		/* guest CPUID has long mode: 64-bit layout */
	bool shadow;		/* SMI taken in an STI shadow (via events) */
};

/* Code of the paged modes: the store after RSM goes through paging. */
static const uint8_t paged_code[] = {
	0xb8, 0x78, 0x56, 0x34, 0x12,		/* 1000: mov eax, 0x12345678 */
	0xe6, 0x10,				/* 1005: out 0x10, al */
	0x89, 0x04, 0x25, 0x00, 0x90, 0x00, 0x00, /* 1007: mov [0x9000], eax */
	0xe6, 0x11,				/* 100e: out 0x11, al */
	0xf4,
};

#define PD32	0x2000u		/* 32-bit paging: one 4 MiB page */
#define PDPT	0x3000u		/* PAE: PDPT -> PD with one 2 MiB page */
#define PD64	0x4000u
#define PML4	0x5000u		/* long mode: PML4 -> PDPT64 -> PD64 */
#define PDPT64	0x6000u

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* Identity-map the first 2-4 MiB and switch the vCPU to @mode. */
static void enter_mode(struct smm_vm *m, enum mode mode)
{
	struct kvm_sregs sr;
	struct kvm_regs regs = { .rip = HVT_CODE, .rflags = 2,
				 .rsp = HVT_STACK };
	struct kvm_segment code = {
		.limit = 0xffffffff, .selector = 0x8, .type = 0xb,
		.present = 1, .s = 1, .db = 1, .g = 1,
	};
	struct kvm_segment data = code;

	if (mode == M_REAL) {
		hvt_real_mode(m->vcpu, HVT_CODE);
		return;
	}
	memcpy(m->ram + HVT_CODE, paged_code, sizeof(paged_code));
	put64(m->ram + PD32, 0x83);			/* P W PS */
	put64(m->ram + PDPT, PD64 | 1);
	put64(m->ram + PD64, 0x83);
	put64(m->ram + PML4, PDPT64 | 3);
	put64(m->ram + PDPT64, PD64 | 3);
	data.selector = 0x10;
	data.type = 3;
	CHECK_OK(hv_vcpu_get_sregs(m->vcpu, &sr));
	sr.cr0 = 0x80000011;				/* PG ET PE */
	switch (mode) {
	case M_PAGING32:
		sr.cr3 = PD32;
		sr.cr4 = 0x10;				/* PSE */
		break;
	case M_PAE:
		sr.cr3 = PDPT;
		sr.cr4 = 0x20;				/* PAE */
		break;
	default:
		sr.cr3 = PML4;
		sr.cr4 = 0x20;
		sr.efer = 0x500;			/* LME LMA */
		code.db = 0;
		code.l = 1;
		break;
	}
	sr.cs = code;
	sr.ds = sr.es = sr.fs = sr.gs = sr.ss = data;
	CHECK_OK(hv_vcpu_set_sregs(m->vcpu, &sr));
	CHECK_OK(hv_vcpu_set_regs(m->vcpu, &regs));
}

static void run_case(struct hv *hv, const struct smm_case *c)
{
	/* Image offsets from SMBASE + 0xFE00 (seed-apis.md 1.5). */
	bool lm = c->lm, real = c->mode == M_REAL;
	unsigned rev_off = 0xfc, smbase_off = lm ? 0x100 : 0xf8;
	unsigned rip_off = lm ? 0x178 : 0x1f0;
	unsigned shadow_off = lm ? 0xcb : 0x11a;
	unsigned out_len = real ? 6 : 5;	/* bytes before OUT 0x10 */
	struct kvm_vcpu_events ev;
	struct kvm_regs regs;
	struct kvm_sregs sregs, before;
	struct smm_vm m = { .hv = hv };
	struct vstate *st;
	struct hv_exit *e;
	const uint8_t *img;

	printf("%s, %s layout%s\n", mode_name[c->mode], lm ? "64-bit" : "32-bit",
	       c->shadow ? ", SMI in an STI shadow" : "");
	m.ram = hvt_alloc(HVT_RAM_SIZE);
	m.normal_hi = hvt_alloc(SMRAM_SIZE);
	m.smram = hvt_alloc(SMRAM_SIZE);
	st = hvt_alloc(sizeof(*st));
	memset(m.normal_hi, 0x55, SMRAM_SIZE);
	m.smram[MARK_GPA - SMBASE] = 0xaa;
	memcpy(m.ram + HVT_CODE, main_code, sizeof(main_code));
	handler[HANDLER_SMBASE_OFF] = (uint8_t)(0xfe00 + smbase_off);
	handler[HANDLER_SMBASE_OFF + 1] = (uint8_t)((0xfe00 + smbase_off) >> 8);
	memcpy(m.smram + 0x8000, handler, sizeof(handler));
	if (lm) {
		m.cpuid = calloc(1, sizeof(*m.cpuid) +
				 256 * sizeof(m.cpuid->entries[0]));
		m.cpuid->nent = 256;
		CHECK_OK(hv_get_supported_cpuid(hv, m.cpuid));
	}

	vm_build(&m);
	CHECK(get_smbase(m.vcpu) == 0x30000, "SMBASE reset value %#llx",
		  (unsigned long long)get_smbase(m.vcpu));
	set_smbase(m.vcpu, SMBASE);
	enter_mode(&m, c->mode);
	CHECK_OK(hv_vcpu_get_sregs(m.vcpu, &before));

	if (c->shadow) {
		/* SMI pending at a boundary in an STI shadow: taken anyway. */
		CHECK_OK(hv_vcpu_get_regs(m.vcpu, &regs));
		regs.rip = HVT_CODE + out_len;
		CHECK_OK(hv_vcpu_set_regs(m.vcpu, &regs));
		CHECK_OK(hv_vcpu_get_events(m.vcpu, &ev));
		ev.flags = KVM_VCPUEVENT_VALID_SHADOW | VALID_SMM;
		ev.interrupt.shadow = KVM_X86_SHADOW_INT_STI;
		ev.smi.pending = 1;
		CHECK_OK(hv_vcpu_set_events(m.vcpu, &ev));
	} else {
		run_io(&m, 0x10, false);
		CHECK_OK(hv_vcpu_smi(m.vcpu));
		CHECK_OK(hv_vcpu_get_events(m.vcpu, &ev));
		CHECK(ev.smi.pending && !ev.smi.smm,
			  "SMI not pending before entry");
	}

	/* In the handler: SMM state, entry registers and the image. */
	run_io(&m, 0x0e, true);
	CHECK_OK(hv_vcpu_get_events(m.vcpu, &ev));
	CHECK(ev.smi.smm && !ev.smi.pending && ev.nmi.masked &&
		  !ev.smi.smm_inside_nmi && !ev.interrupt.shadow,
		  "in handler: smm %u pending %u nmi.masked %u inside_nmi %u "
		  "shadow %u", ev.smi.smm, ev.smi.pending, ev.nmi.masked,
		  ev.smi.smm_inside_nmi, ev.interrupt.shadow);
	CHECK_OK(hv_vcpu_get_sregs(m.vcpu, &sregs));
	CHECK(sregs.cs.selector == SMBASE >> 4 && sregs.cs.base == SMBASE &&
		  sregs.cs.limit == 0xffffffff && sregs.ds.base == 0 &&
		  !(sregs.cr0 & 0x80000001) && sregs.cr4 == 0 &&
		  sregs.idt.base == 0 && sregs.idt.limit == 0 &&
		  (!lm || sregs.efer == 0),
		  "entry state: cs %#x/%#llx limit %#x cr0 %#llx cr4 %#llx "
		  "idt %#llx/%#x efer %#llx", sregs.cs.selector,
		  (unsigned long long)sregs.cs.base, sregs.cs.limit,
		  (unsigned long long)sregs.cr0, (unsigned long long)sregs.cr4,
		  (unsigned long long)sregs.idt.base, sregs.idt.limit,
		  (unsigned long long)sregs.efer);
	img = m.smram + 0xfe00;
	CHECK(rd32(img + rev_off) == (lm ? 0x20064u : 0x20000u),
		  "revision %#x", rd32(img + rev_off));
	CHECK(rd32(img + smbase_off) == SMBASE, "image SMBASE %#x",
		  rd32(img + smbase_off));
	CHECK(rd32(img + rip_off) == HVT_CODE + out_len + 2 - 2 * c->shadow,
		  "image RIP %#x", rd32(img + rip_off));
	CHECK(img[shadow_off] == (c->shadow ? KVM_X86_SHADOW_INT_STI : 0),
		  "image int_shadow %u", img[shadow_off]);
	CHECK(m.normal_hi[0xfe00 + rev_off] == 0x55,
		  "the image was written to the normal view");

	/* Save everything, throw the VM away, restore into a new one. */
	state_save(&m, st);
	CHECK(st->ev.flags & VALID_SMM, "GET_VCPU_EVENTS lacks VALID_SMM");
	vm_free(&m);
	vm_build(&m);
	state_restore(&m, st);
	CHECK(get_smbase(m.vcpu) == SMBASE, "SMBASE not restored");

	/*
	 * The OUT of the exit was not completed before the save (as with
	 * KVM, nothing ran it), so the new vCPU repeats it: fetched from
	 * SMRAM, since the normal view holds 0x55 bytes there.  Then the
	 * data read comes from SMRAM too.
	 */
	run_io(&m, 0x0e, true);
	e = run_io(&m, 0x0f, true);
	CHECK(hvt_io_value(e) == 0xaa,
		  "handler read %#llx at %#x, want SMRAM's 0xaa",
		  (unsigned long long)hvt_io_value(e), MARK_GPA);

	/* RSM back to the interrupted code, registers intact. */
	run_io(&m, 0x10 + !c->shadow, false);
	CHECK_OK(hv_vcpu_get_events(m.vcpu, &ev));
	CHECK(!ev.smi.smm && !ev.nmi.masked, "after RSM: smm %u nmi %u",
		  ev.smi.smm, ev.nmi.masked);
	CHECK(ev.interrupt.shadow ==
		  (c->shadow ? KVM_X86_SHADOW_INT_STI : 0),
		  "after RSM: shadow %u", ev.interrupt.shadow);
	CHECK_OK(hv_vcpu_get_sregs(m.vcpu, &sregs));
	CHECK(sregs.cr0 == before.cr0 && sregs.cr3 == before.cr3 &&
		  sregs.cr4 == before.cr4 && sregs.efer == before.efer &&
		  sregs.cs.l == before.cs.l && sregs.cs.db == before.cs.db &&
		  sregs.cs.selector == before.cs.selector,
		  "after RSM: cr0 %#llx cr3 %#llx cr4 %#llx efer %#llx cs.l %u",
		  (unsigned long long)sregs.cr0, (unsigned long long)sregs.cr3,
		  (unsigned long long)sregs.cr4, (unsigned long long)sregs.efer,
		  sregs.cs.l);
	CHECK(get_smbase(m.vcpu) == NEW_SMBASE,
		  "SMBASE after relocation %#llx, want %#x",
		  (unsigned long long)get_smbase(m.vcpu), NEW_SMBASE);
	CHECK(m.ram[0x500] == 0x77, "SMM store to normal RAM lost");
	CHECK_OK(hv_vcpu_get_regs(m.vcpu, &regs));
	if (c->shadow) {
		CHECK(regs.rip == HVT_CODE + out_len, "after RSM: rip %#llx",
			  (unsigned long long)regs.rip);
	} else if (real) {
		CHECK((regs.rax & 0xffff) == 0x1234 &&
			  (regs.rbx & 0xffff) == 0x5678 &&
			  regs.rip == HVT_CODE + 8,
			  "after RSM: ax %#llx bx %#llx rip %#llx",
			  (unsigned long long)regs.rax,
			  (unsigned long long)regs.rbx,
			  (unsigned long long)regs.rip);
	} else {
		/* The store after RSM went through the restored paging. */
		CHECK(rd32(m.ram + 0x9000) == 0x12345678 &&
			  regs.rip == HVT_CODE + 14,
			  "after RSM: [0x9000] %#x rip %#llx",
			  rd32(m.ram + 0x9000), (unsigned long long)regs.rip);
	}

	vm_free(&m);
	free(m.cpuid);
	munmap(st, sizeof(*st));
	munmap(m.ram, HVT_RAM_SIZE);
	munmap(m.normal_hi, SMRAM_SIZE);
	munmap(m.smram, SMRAM_SIZE);
}

/*
 * RSM of an image the CPU must refuse (CR0.PG without CR0.PE) shuts the
 * vCPU down, as KVM does, instead of running on in a made-up state.
 */
static void run_bad_image(struct hv *hv)
{
	static const uint8_t bad_handler[] = {
		/* mov dword cs:[0xfffc], 0x80000010 (32-bit image CR0) */
		0x66, 0x2e, 0xc7, 0x06, 0xfc, 0xff, 0x10, 0x00, 0x00, 0x80,
		0x0f, 0xaa,			/* rsm */
	};
	struct smm_vm m = { .hv = hv };

	printf("bad image: CR0.PG without PE\n");
	m.ram = hvt_alloc(HVT_RAM_SIZE);
	m.normal_hi = hvt_alloc(SMRAM_SIZE);
	m.smram = hvt_alloc(SMRAM_SIZE);
	memcpy(m.ram + HVT_CODE, main_code, sizeof(main_code));
	memcpy(m.smram + 0x8000, bad_handler, sizeof(bad_handler));
	vm_build(&m);
	set_smbase(m.vcpu, SMBASE);
	hvt_real_mode(m.vcpu, HVT_CODE);
	run_io(&m, 0x10, false);
	HVT_OK(hv_vcpu_smi(m.vcpu));
	HVT_OK(hv_vcpu_run(m.vcpu));
	HVT_CHECK(m.exit->reason == HV_EXIT_SHUTDOWN,
		  "RSM of a bad image: exit %s, want SHUTDOWN",
		  hvt_reason(m.exit->reason));
	vm_free(&m);
	munmap(m.ram, HVT_RAM_SIZE);
	munmap(m.normal_hi, SMRAM_SIZE);
	munmap(m.smram, SMRAM_SIZE);
}

/*
 * The same guest-physical address holds other code in each view: code the
 * vCPU ran at 0x28000 outside SMM must not be what it runs there in SMM
 * (decoded code is keyed by SMM as well as by GPA).
 */
static void run_same_gpa(struct hv *hv)
{
	static const uint8_t normal_code[] = {
		0xe6, 0x13,			/* out 0x13, al */
		0xf4,
	};
	struct smm_vm m = { .hv = hv };
	struct kvm_sregs sr;
	struct kvm_regs regs = { .rip = 0x8000, .rflags = 2 };

	printf("same GPA, normal code then SMI handler\n");
	m.ram = hvt_alloc(HVT_RAM_SIZE);
	m.normal_hi = hvt_alloc(SMRAM_SIZE);
	m.smram = hvt_alloc(SMRAM_SIZE);
	memcpy(m.ram + HVT_CODE, main_code, sizeof(main_code));
	memcpy(m.normal_hi + 0x8000, normal_code, sizeof(normal_code));
	memcpy(m.smram + 0x8000, handler, sizeof(handler));
	vm_build(&m);
	set_smbase(m.vcpu, SMBASE);
	hvt_real_mode(m.vcpu, HVT_CODE);
	HVT_OK(hv_vcpu_get_sregs(m.vcpu, &sr));
	sr.cs.selector = SMBASE >> 4;
	sr.cs.base = SMBASE;
	HVT_OK(hv_vcpu_set_sregs(m.vcpu, &sr));
	HVT_OK(hv_vcpu_set_regs(m.vcpu, &regs));
	run_io(&m, 0x13, false);
	hvt_real_mode(m.vcpu, HVT_CODE);
	run_io(&m, 0x10, false);
	HVT_OK(hv_vcpu_smi(m.vcpu));
	run_io(&m, 0x0e, true);
	vm_free(&m);
	munmap(m.ram, HVT_RAM_SIZE);
	munmap(m.normal_hi, SMRAM_SIZE);
	munmap(m.smram, SMRAM_SIZE);
}

int main(void)
{
	struct hv *hv = hvt_open();

	hvt_require_cap(hv, HV_CAP_X86_SMM);
	hvt_require_cap(hv, HV_CAP_IRQCHIP);
	static const struct smm_case cases[] = {
		{ M_REAL, false, false },
		{ M_REAL, true, false },
		{ M_PAGING32, false, false },
		{ M_PAE, false, false },
		{ M_PAE, true, false },
		{ M_LONG, true, false },
		{ M_REAL, false, true },
		{ M_REAL, true, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(hv, &cases[i]);
	run_same_gpa(hv);
	run_bad_image(hv);
	hv_close(hv);
	printf("PASS\n");
	return 0;
}
