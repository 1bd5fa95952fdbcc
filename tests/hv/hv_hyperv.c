// SPDX-License-Identifier: GPL-2.0
/*
 * hv_hyperv.c - Hyper-V enlightenments through the hv API, reproducing the
 * upstream KVM selftests' expectations (seed-apis.md 2.8):
 *  - hyperv_cpuid: KVM_GET_SUPPORTED_HV_CPUID gives exactly 10 entries in
 *    0x40000000..0x40000082 with index/flags/padding 0, max leaf
 *    0x40000082, -E2BIG below 10, nent shrunk above;
 *  - hyperv_features (enforce-cpuid): MSR accesses fault without their
 *    CPUID bit and work with it (SYNDBG_STATUS: stages 41-43), and
 *    HvResetDebugSession returns INVALID_HYPERCALL_CODE, ACCESS_DENIED,
 *    OPERATION_DENIED as CPUID and OPTIONS are filled in (stages 5-7);
 *  - syndbg exits: CONTROL and PENDING_BUFFER guest writes exit with the
 *    current values, the status comes back only for CONTROL, host writes
 *    never exit; debug hypercalls exit as HCALL with the control word and
 *    both GPAs, and the VMM's result is the guest's return value.
 *
 * The guest is flat 32-bit protected mode (CPL 0) with an IDT whose #GP
 * and #UD handlers report on ports 0x11/0x12; every stage sets registers
 * and runs one instruction followed by "out 0x10, eax".
 */
#include "hvtest.h"
#include "hv/hv_hyperv.h"

#define GDT_ADDR	0x3000
#define IDT_ADDR	0x3100
#define GP_HANDLER	0x3400
#define UD_HANDLER	0x3410
#define CODE_RDMSR	0x1000
#define CODE_WRMSR	0x1010
#define CODE_VMCALL	0x1020
#define PORT_OK		0x10
#define PORT_GP		0x11
#define PORT_UD		0x12

static struct hvt t;

static void guest_build(void)
{
	static const uint8_t rdmsr[] = { 0x0f, 0x32, 0xe7, PORT_OK, 0xf4 };
	static const uint8_t wrmsr[] = { 0x0f, 0x30, 0xe7, PORT_OK, 0xf4 };
	static const uint8_t vmcall[] = { 0x0f, 0x01, 0xc1, 0xe7, PORT_OK, 0xf4 };
	static const uint8_t gp[] = { 0xe7, PORT_GP, 0xf4 };
	static const uint8_t ud[] = { 0xe7, PORT_UD, 0xf4 };
	uint64_t gdt[3] = {
		0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull,
	};
	uint8_t *ram = t.ram;
	unsigned int v;

	memcpy(ram + CODE_RDMSR, rdmsr, sizeof(rdmsr));
	memcpy(ram + CODE_WRMSR, wrmsr, sizeof(wrmsr));
	memcpy(ram + CODE_VMCALL, vmcall, sizeof(vmcall));
	memcpy(ram + GP_HANDLER, gp, sizeof(gp));
	memcpy(ram + UD_HANDLER, ud, sizeof(ud));
	memcpy(ram + GDT_ADDR, gdt, sizeof(gdt));
	for (v = 0; v < 32; v++) {
		uint32_t h = v == 6 ? UD_HANDLER : GP_HANDLER;
		uint32_t lo = (0x8u << 16) | (h & 0xffff);
		uint32_t hi = (h & 0xffff0000u) | 0x8e00;	/* P, int gate */

		memcpy(ram + IDT_ADDR + v * 8, &lo, 4);
		memcpy(ram + IDT_ADDR + v * 8 + 4, &hi, 4);
	}
}

static void guest_mode(void)
{
	struct kvm_sregs s;

	hvt_flat32(t.vcpu, CODE_RDMSR, IDT_ADDR, 32 * 8 - 1);
	CHECK_OK(hv_vcpu_get_sregs(t.vcpu, &s));
	s.gdt.base = GDT_ADDR;
	s.gdt.limit = sizeof(uint64_t) * 3 - 1;
	CHECK_OK(hv_vcpu_set_sregs(t.vcpu, &s));
}

/* Run one stage; returns the port reached (OK/GP/UD) with EAX in *val. */
static int stage(uint64_t rip, uint32_t eax, uint32_t ebx, uint32_t ecx,
		 uint32_t edx, uint32_t esi, uint32_t edi, uint64_t *val)
{
	struct kvm_regs r = {
		.rip = rip, .rflags = 2, .rsp = HVT_STACK,
		.rax = eax, .rbx = ebx, .rcx = ecx, .rdx = edx,
		.rsi = esi, .rdi = edi,
	};
	struct hv_exit *e;

	int port;

	CHECK_OK(hv_vcpu_set_regs(t.vcpu, &r));
	e = hvt_run(&t, HV_EXIT_IO);
	port = e->io.port;
	CHECK_OK(hv_vcpu_get_regs(t.vcpu, &r));
	if (val)
		*val = (r.rdx << 32) | (uint32_t)r.rax;
	/* Complete the OUT and stop at the HLT after it. */
	hvt_run(&t, HV_EXIT_HLT);
	return port;
}

static int msr_read(uint32_t idx, uint64_t *val)
{
	return stage(CODE_RDMSR, 0, 0, idx, 0, 0, 0, val);
}

static int msr_write(uint32_t idx, uint64_t val)
{
	return stage(CODE_WRMSR, (uint32_t)val, 0, idx, val >> 32, 0, 0, NULL);
}

static uint64_t hypercall(uint64_t control, uint64_t in, uint64_t out)
{
	uint64_t ret;
	int port = stage(CODE_VMCALL, (uint32_t)control, in >> 32,
			 (uint32_t)in, control >> 32, (uint32_t)out, out >> 32,
			 &ret);

	CHECK(port == PORT_OK, "hypercall 0x%llx: exception (port 0x%x)",
		  (unsigned long long)control, port);
	return ret;
}

static void host_set_msr(uint32_t idx, uint64_t val)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = idx, .e.data = val };

	CHECK(hv_vcpu_set_msrs(t.vcpu, &m.h) == 1,
		  "host write of MSR 0x%x refused", idx);
}

static uint64_t host_get_msr(uint32_t idx)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = idx };

	CHECK(hv_vcpu_get_msrs(t.vcpu, &m.h) == 1,
		  "host read of MSR 0x%x refused", idx);
	return m.e.data;
}

/* The guest's CPUID: the Hyper-V leaves with the given feature words. */
static uint32_t f_eax, f_ebx, f_edx, dbg_cap;

static void set_cpuid(void)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[8];
	} c;

	memset(&c, 0, sizeof(c));
	c.h.nent = 5;
	c.e[0].function = HV_CPUID_VENDOR;
	c.e[0].eax = HV_CPUID_SYNDBG_PLATFORM;
	c.e[1].function = HV_CPUID_INTERFACE;
	c.e[1].eax = HV_INTERFACE_SIGNATURE;
	c.e[2].function = HV_CPUID_FEATURES;
	c.e[2].eax = f_eax;
	c.e[2].ebx = f_ebx;
	c.e[2].edx = f_edx;
	c.e[3].function = HV_CPUID_SYNDBG_PLATFORM;
	c.e[3].eax = dbg_cap;
	c.e[4].function = 0;
	c.e[4].eax = 0xd;
	c.e[4].ebx = 0x756e6547;	/* GenuineIntel */
	c.e[4].edx = 0x49656e69;
	c.e[4].ecx = 0x6c65746e;
	CHECK_OK(hv_vcpu_set_cpuid(t.vcpu, &c.h));
}

static void check_supported_hv_cpuid(void)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[20];
	} c;
	unsigned int i;

	memset(&c, 0, sizeof(c));
	c.h.nent = 9;
	CHECK_ERRNO(hv_vcpu_get_supported_hv_cpuid(t.vcpu, &c.h), E2BIG);
	c.h.nent = 20;
	CHECK_OK(hv_vcpu_get_supported_hv_cpuid(t.vcpu, &c.h));
	CHECK(c.h.nent == 10, "supported HV CPUID: %u entries, want 10",
		  c.h.nent);
	for (i = 0; i < c.h.nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c.e[i];

		CHECK(e->function >= 0x40000000 &&
			  e->function <= 0x40000082,
			  "entry %u: leaf 0x%x out of range", i, e->function);
		CHECK(!e->index && !e->flags && !e->padding[0] &&
			  !e->padding[1] && !e->padding[2],
			  "entry %u: index/flags/padding not 0", i);
		if (e->function == HV_CPUID_VENDOR)
			CHECK(e->eax == 0x40000082,
				  "max leaf 0x%x, want 0x40000082", e->eax);
		if (e->function == HV_CPUID_SYNDBG_INTERFACE)
			CHECK(e->eax == HV_SYNDBG_INTERFACE_SIGNATURE,
				  "0x40000081.EAX is not \"VS#1\"");
		if (e->function == HV_CPUID_SYNDBG_PLATFORM)
			CHECK(e->eax & HV_X64_SYNDBG_CAP_ALLOW_KERNEL_DEBUGGING,
				  "0x40000082 lacks ALLOW_KERNEL_DEBUGGING");
	}
}

/* One MSR under enforce-cpuid: faults until @eax/@edx bits are given. */
static void check_msr_gate(uint32_t idx, uint32_t need_eax, uint32_t need_edx,
			   bool writable)
{
	uint64_t v;
	int port;

	f_eax = f_edx = 0;
	set_cpuid();
	port = msr_read(idx, &v);
	CHECK(port == PORT_GP, "MSR 0x%x readable without its feature",
		  idx);
	f_eax = need_eax;
	f_edx = need_edx;
	set_cpuid();
	port = msr_read(idx, &v);
	CHECK(port == PORT_OK, "MSR 0x%x faults with its feature", idx);
	if (writable) {
		port = msr_write(idx, v);
		CHECK(port == PORT_OK,
			  "MSR 0x%x: writing back 0x%llx faults", idx,
			  (unsigned long long)v);
	}
}

static void check_features(void)
{
	uint64_t v;

	/* Before any CPUID: no Hyper-V MSR exists for the guest. */
	CHECK(msr_read(HV_X64_MSR_GUEST_OS_ID, &v) == PORT_GP,
		  "GUEST_OS_ID readable without Hyper-V CPUID");
	CHECK_OK(hv_vcpu_enable_cap(t.vcpu, HV_CAP_HYPERV_ENFORCE_CPUID, 1));
	CHECK_OK(hv_vcpu_enable_cap(t.vcpu, HV_CAP_HYPERV_SYNIC, 0));

	check_msr_gate(HV_X64_MSR_GUEST_OS_ID, HV_MSR_HYPERCALL_AVAILABLE, 0, true);
	check_msr_gate(HV_X64_MSR_HYPERCALL, HV_MSR_HYPERCALL_AVAILABLE, 0, true);
	check_msr_gate(HV_X64_MSR_VP_RUNTIME, HV_MSR_VP_RUNTIME_AVAILABLE, 0, false);
	check_msr_gate(HV_X64_MSR_TIME_REF_COUNT, HV_MSR_TIME_REF_COUNT_AVAILABLE, 0, false);
	check_msr_gate(HV_X64_MSR_VP_INDEX, HV_MSR_VP_INDEX_AVAILABLE, 0, false);
	check_msr_gate(HV_X64_MSR_RESET, HV_MSR_RESET_AVAILABLE, 0, true);
	check_msr_gate(HV_X64_MSR_REFERENCE_TSC, HV_MSR_REFERENCE_TSC_AVAILABLE, 0, true);
	check_msr_gate(HV_X64_MSR_SCONTROL, HV_MSR_SYNIC_AVAILABLE, 0, false);
	check_msr_gate(HV_X64_MSR_STIMER0_CONFIG, HV_MSR_SYNTIMER_AVAILABLE, 0, true);
	check_msr_gate(HV_X64_MSR_VP_ASSIST_PAGE, HV_MSR_APIC_ACCESS_AVAILABLE, 0, false);
	check_msr_gate(HV_X64_MSR_TSC_FREQUENCY, HV_ACCESS_FREQUENCY_MSRS, 0, false);
	check_msr_gate(HV_X64_MSR_CRASH_P0, 0, HV_FEATURE_GUEST_CRASH_MSR_AVAILABLE, true);

	/* VP_INDEX and TIME_REF_COUNT are read-only for the guest. */
	CHECK(msr_write(HV_X64_MSR_TIME_REF_COUNT, 0) == PORT_GP,
		  "TIME_REF_COUNT writable by the guest");
	f_eax = HV_MSR_VP_INDEX_AVAILABLE;
	set_cpuid();
	CHECK(msr_write(HV_X64_MSR_VP_INDEX, 1) == PORT_GP,
		  "VP_INDEX writable by the guest");

	/* Stages 41-43: SYNDBG_STATUS. */
	f_eax = f_edx = 0;
	dbg_cap = 0;
	set_cpuid();
	CHECK(msr_read(HV_X64_MSR_SYNDBG_STATUS, &v) == PORT_GP,
		  "stage 41: SYNDBG_STATUS readable without features");
	f_edx = HV_FEATURE_DEBUG_MSRS_AVAILABLE;
	set_cpuid();
	CHECK(msr_read(HV_X64_MSR_SYNDBG_STATUS, &v) == PORT_GP,
		  "SYNDBG_STATUS readable without ALLOW_KERNEL_DEBUGGING");
	dbg_cap = HV_X64_SYNDBG_CAP_ALLOW_KERNEL_DEBUGGING;
	set_cpuid();
	CHECK(msr_read(HV_X64_MSR_SYNDBG_STATUS, &v) == PORT_OK,
		  "stage 42: SYNDBG_STATUS read faults with the features");
	CHECK(msr_write(HV_X64_MSR_SYNDBG_STATUS, 0) == PORT_OK,
		  "stage 43: SYNDBG_STATUS write of 0 faults");
}

static void check_hypercalls(void)
{
	uint64_t r;

	f_eax = HV_MSR_HYPERCALL_AVAILABLE;
	f_ebx = f_edx = 0;
	dbg_cap = 0;
	set_cpuid();
	/* Without GUEST_OS_ID VMCALL is KVM's: -KVM_ENOSYS. */
	r = hypercall(HVCALL_RESET_DEBUG_SESSION, 0, 0);
	CHECK((uint32_t)r == (uint32_t)-1000,
		  "KVM hypercall before GUEST_OS_ID: 0x%llx", (unsigned long long)r);
	host_set_msr(HV_X64_MSR_GUEST_OS_ID, 0x8100ull << 48);

	/* Stage 5: no syndbg in CPUID. */
	r = hypercall(HVCALL_RESET_DEBUG_SESSION, 0, 0);
	CHECK(r == HV_STATUS_INVALID_HYPERCALL_CODE,
		  "stage 5: status %llu", (unsigned long long)r);
	/* Stage 6: syndbg, no HV_DEBUGGING. */
	dbg_cap = HV_X64_SYNDBG_CAP_ALLOW_KERNEL_DEBUGGING;
	set_cpuid();
	r = hypercall(HVCALL_RESET_DEBUG_SESSION, 0, 0);
	CHECK(r == HV_STATUS_ACCESS_DENIED, "stage 6: status %llu",
		  (unsigned long long)r);
	/* Stage 7: HV_DEBUGGING, OPTIONS.USE_HCALLS clear. */
	f_ebx = HV_DEBUGGING;
	set_cpuid();
	r = hypercall(HVCALL_RESET_DEBUG_SESSION, 0, 0);
	CHECK(r == HV_STATUS_OPERATION_DENIED, "stage 7: status %llu",
		  (unsigned long long)r);
	/* Fast Post/Retrieve: INVALID_PARAMETER. */
	r = hypercall(HVCALL_POST_DEBUG_DATA | HV_HYPERCALL_FAST_BIT, 0, 0);
	CHECK(r == HV_STATUS_INVALID_PARAMETER, "fast post: status %llu",
		  (unsigned long long)r);
	r = hypercall(HVCALL_RETRIEVE_DEBUG_DATA | HV_HYPERCALL_FAST_BIT, 0, 0);
	CHECK(r == HV_STATUS_INVALID_PARAMETER,
		  "fast retrieve: status %llu", (unsigned long long)r);
	/* Control word checks. */
	r = hypercall(0x7777, 0, 0);
	CHECK(r == HV_STATUS_INVALID_HYPERCALL_CODE,
		  "unknown code: status %llu", (unsigned long long)r);
	r = hypercall(0x7777 | (1ull << 27), 0, 0);
	CHECK(r == HV_STATUS_INVALID_HYPERCALL_INPUT,
		  "reserved bits: status %llu", (unsigned long long)r);
	r = hypercall(HVCALL_POST_MESSAGE, 0, 0);
	CHECK(r == HV_STATUS_ACCESS_DENIED,
		  "post message without HV_POST_MESSAGES: %llu",
		  (unsigned long long)r);

	/* With USE_HCALLS: an HCALL exit carrying control and GPAs. */
	host_set_msr(HV_X64_MSR_SYNDBG_OPTIONS, HV_X64_SYNDBG_OPTION_USE_HCALLS);
	{
		struct kvm_regs regs = {
			.rip = CODE_VMCALL, .rflags = 2, .rsp = HVT_STACK,
			.rax = HVCALL_POST_DEBUG_DATA, .rdx = 0,
			.rbx = 0, .rcx = 0x5000, .rdi = 0, .rsi = 0x6000,
		};
		struct hv_exit *e;

		CHECK_OK(hv_vcpu_set_regs(t.vcpu, &regs));
		e = hvt_run(&t, HV_EXIT_HYPERV);
		CHECK(e->hyperv.type == KVM_EXIT_HYPERV_HCALL &&
			  e->hyperv.u.hcall.input == HVCALL_POST_DEBUG_DATA &&
			  e->hyperv.u.hcall.params[0] == 0x5000 &&
			  e->hyperv.u.hcall.params[1] == 0x6000,
			  "HCALL exit: type %u input 0x%llx in 0x%llx out 0x%llx",
			  e->hyperv.type,
			  (unsigned long long)e->hyperv.u.hcall.input,
			  (unsigned long long)e->hyperv.u.hcall.params[0],
			  (unsigned long long)e->hyperv.u.hcall.params[1]);
		e->hyperv.u.hcall.result = HV_STATUS_INSUFFICIENT_BUFFERS;
		e = hvt_run_io(&t, PORT_OK, HV_EXIT_IO_OUT, 4);
		CHECK_OK(hv_vcpu_get_regs(t.vcpu, &regs));
		hvt_run(&t, HV_EXIT_HLT);
		CHECK(regs.rax == HV_STATUS_INSUFFICIENT_BUFFERS,
			  "hypercall result 0x%llx after the VMM's answer",
			  (unsigned long long)regs.rax);
	}
}

static void check_syndbg_exits(void)
{
	struct kvm_regs regs;
	struct hv_exit *e;

	f_eax = HV_MSR_HYPERCALL_AVAILABLE;
	f_edx = HV_FEATURE_DEBUG_MSRS_AVAILABLE;
	dbg_cap = HV_X64_SYNDBG_CAP_ALLOW_KERNEL_DEBUGGING;
	set_cpuid();
	/* Host writes: stored, no exit. */
	host_set_msr(HV_X64_MSR_SYNDBG_SEND_BUFFER, 0x7000);
	host_set_msr(HV_X64_MSR_SYNDBG_RECV_BUFFER, 0x8000);
	host_set_msr(HV_X64_MSR_SYNDBG_CONTROL, 0x55);
	host_set_msr(HV_X64_MSR_SYNDBG_STATUS, 0);
	CHECK(host_get_msr(HV_X64_MSR_SYNDBG_CONTROL) == 0x55,
		  "host CONTROL write not stored");

	/* Guest CONTROL write: exit, status latched. */
	memset(&regs, 0, sizeof(regs));
	regs.rip = CODE_WRMSR;
	regs.rflags = 2;
	regs.rsp = HVT_STACK;
	regs.rcx = HV_X64_MSR_SYNDBG_CONTROL;
	regs.rax = HV_SYNDBG_CONTROL_SEND | (100u << 16);
	CHECK_OK(hv_vcpu_set_regs(t.vcpu, &regs));
	e = hvt_run(&t, HV_EXIT_HYPERV);
	CHECK(e->hyperv.type == KVM_EXIT_HYPERV_SYNDBG &&
		  e->hyperv.u.syndbg.msr == HV_X64_MSR_SYNDBG_CONTROL &&
		  e->hyperv.u.syndbg.control == regs.rax &&
		  e->hyperv.u.syndbg.send_page == 0x7000 &&
		  e->hyperv.u.syndbg.recv_page == 0x8000,
		  "SYNDBG exit: type %u msr 0x%x control 0x%llx",
		  e->hyperv.type, e->hyperv.u.syndbg.msr,
		  (unsigned long long)e->hyperv.u.syndbg.control);
	e->hyperv.u.syndbg.status = HV_SYNDBG_STATUS_SEND_SUCCESS;
	hvt_run_io(&t, PORT_OK, HV_EXIT_IO_OUT, 4);
	hvt_run(&t, HV_EXIT_HLT);
	CHECK(host_get_msr(HV_X64_MSR_SYNDBG_STATUS) ==
		  HV_SYNDBG_STATUS_SEND_SUCCESS, "status not latched for CONTROL");

	/* PENDING_BUFFER: exit, status not latched. */
	regs.rip = CODE_WRMSR;
	regs.rcx = HV_X64_MSR_SYNDBG_PENDING_BUFFER;
	regs.rax = 0x9000;
	CHECK_OK(hv_vcpu_set_regs(t.vcpu, &regs));
	e = hvt_run(&t, HV_EXIT_HYPERV);
	CHECK(e->hyperv.type == KVM_EXIT_HYPERV_SYNDBG &&
		  e->hyperv.u.syndbg.msr == HV_X64_MSR_SYNDBG_PENDING_BUFFER &&
		  e->hyperv.u.syndbg.pending_page == 0x9000,
		  "PENDING_BUFFER exit wrong");
	e->hyperv.u.syndbg.status = 0x1234;
	hvt_run_io(&t, PORT_OK, HV_EXIT_IO_OUT, 4);
	hvt_run(&t, HV_EXIT_HLT);
	CHECK(host_get_msr(HV_X64_MSR_SYNDBG_STATUS) ==
		  HV_SYNDBG_STATUS_SEND_SUCCESS,
		  "status latched for PENDING_BUFFER");
	/* OPTIONS and buffers: stored, no exit. */
	CHECK(msr_write(HV_X64_MSR_SYNDBG_OPTIONS, 0) == PORT_OK,
		  "OPTIONS write");
	CHECK(msr_write(HV_X64_MSR_SYNDBG_SEND_BUFFER, 0xa000) == PORT_OK,
		  "SEND_BUFFER write");
	CHECK(host_get_msr(HV_X64_MSR_SYNDBG_SEND_BUFFER) == 0xa000,
		  "SEND_BUFFER not stored");
}

int main(void)
{
	hvt_setup(&t, NULL, 0, false);
	hvt_require_cap(t.hv, HV_CAP_HYPERV);
	hvt_require_cap(t.hv, HV_CAP_HYPERV_CPUID);
	hvt_require_cap(t.hv, HV_CAP_HYPERV_ENFORCE_CPUID);
	hvt_require_cap(t.hv, HV_CAP_HYPERV_SYNIC);
	hvt_require_cap(t.hv, HV_CAP_HYPERV_SYNDBG);
	guest_build();
	guest_mode();
	check_supported_hv_cpuid();
	check_features();
	check_hypercalls();
	check_syndbg_exits();
	hvt_teardown(&t);
	printf("hv_hyperv: ok\n");
	return 0;
}
