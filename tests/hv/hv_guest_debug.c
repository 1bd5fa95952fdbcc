// SPDX-License-Identifier: GPL-2.0
/*
 * hv_guest_debug: KVM_SET_GUEST_DEBUG as a debugger stub uses it.  Single
 * step reports each instruction (DR6.BS, pc after it); INT3 with
 * USE_SW_BP stops at the INT3 (exception 3, RIP not advanced) instead of
 * reaching the guest; the VMM's own hardware breakpoints: a data write
 * watchpoint stops after the store (B0), an instruction breakpoint stops
 * before the instruction and RF lets the VMM resume past it; with
 * debugging off the guest runs on untouched.
 */
#include "hvtest.h"

#define DR6_BD		(1ull << 13)
#define DR6_BS		(1ull << 14)
#define DR7_GD		(1ull << 13)
#define RFLAGS_RF	(1ull << 16)

static const uint8_t guest[] = {
	0x90,			/* 0x1000: nop */
	0x40,			/* 0x1001: inc ax */
	0xcc,			/* 0x1002: int3 */
	0xa3, 0x00, 0x20,	/* 0x1003: mov [0x2000], ax */
	0x90,			/* 0x1006: nop */
	0xe6, 0xe0,		/* 0x1007: out 0xe0, al */
	0xf4,			/* 0x1009: hlt */
	0x0f, 0x21, 0xc0,	/* 0x100a: mov eax, dr0 */
	0xf4,			/* 0x100d: hlt */
};

static void set_debug(struct hvt *t, uint32_t control, uint64_t dr0,
		      uint64_t dr7)
{
	struct kvm_guest_debug dbg = { .control = control };

	dbg.arch.debugreg[0] = dr0;
	dbg.arch.debugreg[7] = dr7;
	CHECK_OK(hv_vcpu_set_guest_debug(t->vcpu, &dbg));
}

static struct hv_exit *run_debug(struct hvt *t, uint32_t exc, uint64_t pc)
{
	struct hv_exit *e = hvt_run(t, HV_EXIT_DEBUG);

	CHECK(e->debug.exception == exc && e->debug.pc == pc,
	      "debug exit: exception %u pc 0x%llx, want %u at 0x%llx",
	      e->debug.exception, (unsigned long long)e->debug.pc, exc,
	      (unsigned long long)pc);
	return e;
}

static uint64_t rip(struct hvt *t)
{
	struct kvm_regs regs;

	CHECK_OK(hv_vcpu_get_regs(t->vcpu, &regs));
	return regs.rip;
}

static void set_rip(struct hvt *t, uint64_t ip)
{
	struct kvm_regs regs;

	CHECK_OK(hv_vcpu_get_regs(t->vcpu, &regs));
	regs.rip = ip;
	regs.rax = 0x1234;
	CHECK_OK(hv_vcpu_set_regs(t->vcpu, &regs));
}

static void test_step(struct hvt *t)
{
	struct hv_exit *e;

	/* Single step: one exit per instruction, pc after it. */
	set_debug(t, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP, 0, 0);
	e = run_debug(t, 1, 0x1001);
	CHECK(e->debug.dr6 & DR6_BS, "single step: DR6 0x%llx has no BS",
	      (unsigned long long)e->debug.dr6);
	run_debug(t, 1, 0x1002);
	printf("single step: exits at 0x1001, 0x1002 with DR6.BS\n");
}

static void test_hw(struct hvt *t)
{
	struct kvm_regs regs;
	struct hv_exit *e;

	/* A 2-byte write watchpoint at 0x2000: stop after the store. */
	set_rip(t, 0x1003);
	set_debug(t, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP, 0x2000,
		  0x400 | 1 | (1u << 16) | (1u << 18));
	e = run_debug(t, 1, 0x1006);
	CHECK((e->debug.dr6 & 0xf) == 1, "watchpoint: DR6 0x%llx, want B0",
	      (unsigned long long)e->debug.dr6);
	CHECK(t->ram[0x2000] == 0x34 && t->ram[0x2001] == 0x12,
	      "the store did not happen before the stop");
	printf("hardware watchpoint: stop after the store, B0\n");

	/* Instruction breakpoint on the OUT; RF resumes past it. */
	set_debug(t, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP, 0x1007,
		  0x400 | 1);
	run_debug(t, 1, 0x1007);
	CHECK(rip(t) == 0x1007, "instruction breakpoint: RIP 0x%llx",
	      (unsigned long long)rip(t));
	CHECK_OK(hv_vcpu_get_regs(t->vcpu, &regs));
	regs.rflags |= RFLAGS_RF;
	CHECK_OK(hv_vcpu_set_regs(t->vcpu, &regs));
	hvt_run_io(t, 0xe0, HV_EXIT_IO_OUT, 1);
	printf("hardware breakpoint: stop before the OUT; RF resumes\n");
}

static void test_sw(struct hvt *t)
{
	/* INT3 stops at itself, RIP not advanced. */
	set_rip(t, 0x1002);
	set_debug(t, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP, 0, 0);
	run_debug(t, 3, 0x1002);
	CHECK(rip(t) == 0x1002, "RIP 0x%llx after the INT3 stop",
	      (unsigned long long)rip(t));
	printf("software breakpoint: exception 3 at the INT3\n");
}

static void test_gd(struct hvt *t)
{
	struct kvm_debugregs dregs;
	struct hv_exit *e;

	/* General detect in the VMM's DR7: the MOV stops before it runs. */
	set_rip(t, 0x100a);
	set_debug(t, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP, 0,
		  0x400 | DR7_GD);
	e = run_debug(t, 1, 0x100a);
	CHECK(e->debug.dr6 == (0xffff0ff0 | DR6_BD),
	      "general detect: DR6 0x%llx, want BD",
	      (unsigned long long)e->debug.dr6);
	CHECK(rip(t) == 0x100a, "general detect: RIP 0x%llx",
	      (unsigned long long)rip(t));

	/*
	 * The guest's own GD while the VMM's DR7 is in force: not looked
	 * at, the MOV runs and the guest reaches its HLT.
	 */
	CHECK_OK(hv_vcpu_get_debugregs(t->vcpu, &dregs));
	dregs.dr7 = 0x400 | DR7_GD;
	CHECK_OK(hv_vcpu_set_debugregs(t->vcpu, &dregs));
	set_debug(t, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP, 0, 0x400);
	hvt_run(t, HV_EXIT_HLT);
	CHECK(rip(t) == 0x100e, "after the MOV: RIP 0x%llx",
	      (unsigned long long)rip(t));
	dregs.dr7 = 0x400;
	CHECK_OK(hv_vcpu_set_debugregs(t->vcpu, &dregs));
	printf("general detect: the VMM's DR7.GD stops at MOV DR with DR6.BD\n");
}

/* argv[1]: the parts to run, "step,hw,sw,gd" by default. */
int main(int argc, char **argv)
{
	struct kvm_guest_debug bad = { .control = 1u << 30 };
	const char *parts = argc > 1 ? argv[1] : "step,hw,sw,gd";
	struct hvt t;

	hvt_setup(&t, guest, sizeof(guest), false);
	hvt_require_cap(t.hv, HV_CAP_SET_GUEST_DEBUG);
	/*
	 * Unknown control bits: -EINVAL since Linux 5.16; this host's nested
	 * KVM accepts them, so only emu is held to it.
	 */
	if (hvt_accel() == HV_ACCEL_EMU)
		CHECK_ERRNO(hv_vcpu_set_guest_debug(t.vcpu, &bad), EINVAL);
	if (strstr(parts, "step"))
		test_step(&t);
	if (strstr(parts, "hw"))
		test_hw(&t);
	if (strstr(parts, "sw"))
		test_sw(&t);
	if (strstr(parts, "gd"))
		test_gd(&t);

	/* Debugging off: the guest runs on to its HLT. */
	set_debug(&t, 0, 0, 0);
	set_rip(&t, 0x1009);
	hvt_run(&t, HV_EXIT_HLT);
	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
