// SPDX-License-Identifier: GPL-2.0
/*
 * state.c - vCPU state save/restore round trip (testdev
 * VCPU_STATE_ROUNDTRIP) with unusual values everywhere the guest can put
 * them: all GPRs (including the upper halves of RAX and RDX, which carry
 * the doorbell's value and port), XMM0-15, MXCSR, x87 control word and
 * stack, segment selectors and FS/GS/KERNEL_GS bases, DR0-3 and CR8.  The
 * VMM gets, sets and compares every state component; then the guest checks
 * that each register still holds its value.  Built with SSE enabled.
 *
 * Without testdev (QEMU) the register part still runs, against a doorbell
 * nobody answers, then the test reports a skip.
 */
#include "kit.h"

struct regs {
	uint64_t gpr[16];		/* 0x00: x86 register number order */
	uint8_t xmm[16][16];		/* 0x80 */
	uint64_t rsp_at_call;		/* 0x180: written by the asm */
};

void state_roundtrip_asm(struct regs *in, struct regs *out);

/*
 * Load in->gpr[] / in->xmm[] into the registers, ring the doorbell with
 * OUT %eax, %dx (so only EAX and DX have fixed values), store every
 * register into *out.  RSP cannot be chosen; out->gpr[4] is compared with
 * the value recorded before the loads.  Written as one asm function
 * because no C code may run between loading and storing.
 */
__asm__(
"	.text\n"
"	.globl state_roundtrip_asm\n"
"state_roundtrip_asm:\n"
"	pushq %rbx\n"
"	pushq %rbp\n"
"	pushq %r12\n"
"	pushq %r13\n"
"	pushq %r14\n"
"	pushq %r15\n"
"	pushq %rsi\n"			/* out, found again at 128(%rsp) */
"	movq %rsp, 0x180(%rdi)\n"
"	movdqu 0x080(%rdi), %xmm0\n"
"	movdqu 0x090(%rdi), %xmm1\n"
"	movdqu 0x0a0(%rdi), %xmm2\n"
"	movdqu 0x0b0(%rdi), %xmm3\n"
"	movdqu 0x0c0(%rdi), %xmm4\n"
"	movdqu 0x0d0(%rdi), %xmm5\n"
"	movdqu 0x0e0(%rdi), %xmm6\n"
"	movdqu 0x0f0(%rdi), %xmm7\n"
"	movdqu 0x100(%rdi), %xmm8\n"
"	movdqu 0x110(%rdi), %xmm9\n"
"	movdqu 0x120(%rdi), %xmm10\n"
"	movdqu 0x130(%rdi), %xmm11\n"
"	movdqu 0x140(%rdi), %xmm12\n"
"	movdqu 0x150(%rdi), %xmm13\n"
"	movdqu 0x160(%rdi), %xmm14\n"
"	movdqu 0x170(%rdi), %xmm15\n"
"	movq 0x00(%rdi), %rax\n"
"	movq 0x08(%rdi), %rcx\n"
"	movq 0x10(%rdi), %rdx\n"
"	movq 0x18(%rdi), %rbx\n"
"	movq 0x28(%rdi), %rbp\n"
"	movq 0x30(%rdi), %rsi\n"
"	movq 0x40(%rdi), %r8\n"
"	movq 0x48(%rdi), %r9\n"
"	movq 0x50(%rdi), %r10\n"
"	movq 0x58(%rdi), %r11\n"
"	movq 0x60(%rdi), %r12\n"
"	movq 0x68(%rdi), %r13\n"
"	movq 0x70(%rdi), %r14\n"
"	movq 0x78(%rdi), %r15\n"
"	movq 0x38(%rdi), %rdi\n"
"	outl %eax, %dx\n"
	/* Lowest address ends up holding RAX: gpr[] order. */
"	pushq %r15\n"
"	pushq %r14\n"
"	pushq %r13\n"
"	pushq %r12\n"
"	pushq %r11\n"
"	pushq %r10\n"
"	pushq %r9\n"
"	pushq %r8\n"
"	pushq %rdi\n"
"	pushq %rsi\n"
"	pushq %rbp\n"
"	pushq %rsp\n"
"	pushq %rbx\n"
"	pushq %rdx\n"
"	pushq %rcx\n"
"	pushq %rax\n"
"	movq 128(%rsp), %rdi\n"
"	movdqu %xmm0, 0x080(%rdi)\n"
"	movdqu %xmm1, 0x090(%rdi)\n"
"	movdqu %xmm2, 0x0a0(%rdi)\n"
"	movdqu %xmm3, 0x0b0(%rdi)\n"
"	movdqu %xmm4, 0x0c0(%rdi)\n"
"	movdqu %xmm5, 0x0d0(%rdi)\n"
"	movdqu %xmm6, 0x0e0(%rdi)\n"
"	movdqu %xmm7, 0x0f0(%rdi)\n"
"	movdqu %xmm8, 0x100(%rdi)\n"
"	movdqu %xmm9, 0x110(%rdi)\n"
"	movdqu %xmm10, 0x120(%rdi)\n"
"	movdqu %xmm11, 0x130(%rdi)\n"
"	movdqu %xmm12, 0x140(%rdi)\n"
"	movdqu %xmm13, 0x150(%rdi)\n"
"	movdqu %xmm14, 0x160(%rdi)\n"
"	movdqu %xmm15, 0x170(%rdi)\n"
"	movq %rsp, %rsi\n"
"	movl $16, %ecx\n"
"	cld\n"
"	rep movsq\n"
"	addq $128, %rsp\n"
"	popq %rsi\n"
"	popq %r15\n"
"	popq %r14\n"
"	popq %r13\n"
"	popq %r12\n"
"	popq %rbp\n"
"	popq %rbx\n"
"	ret\n");

static const char *const gpr_names[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static struct regs in, out;

#define FCW_VALUE	0x0a7f		/* round up, 64-bit precision, masked */
#define MXCSR_VALUE	0x7f80		/* round toward zero, all masked */
#define DR_BASE		0x0000123456789000ull
#define FS_BASE_VALUE	0xffff800012345000ull
#define GS_BASE_VALUE	0x00007fffabcde000ull
#define KGS_BASE_VALUE	0xffffffff81000000ull
#define CR8_VALUE	0x5

static uint16_t read_sel(int which)
{
	uint16_t v = 0;

	switch (which) {
	case 0: __asm__ __volatile__("mov %%ds, %0" : "=r"(v)); break;
	case 1: __asm__ __volatile__("mov %%es, %0" : "=r"(v)); break;
	case 2: __asm__ __volatile__("mov %%fs, %0" : "=r"(v)); break;
	case 3: __asm__ __volatile__("mov %%gs, %0" : "=r"(v)); break;
	case 4: __asm__ __volatile__("mov %%ss, %0" : "=r"(v)); break;
	case 5: __asm__ __volatile__("mov %%cs, %0" : "=r"(v)); break;
	}
	return v;
}

#define WRITE_DR(n, v) __asm__ __volatile__("mov %0, %%dr" #n :: "r"((uint64_t)(v)))
#define READ_DR(n) ({ uint64_t __v; __asm__ __volatile__("mov %%dr" #n ", %0" : "=r"(__v)); __v; })

int main(const char *cmdline)
{
	static const uint16_t sel_want[6] = {
		KIT_DS, KIT_DS_ALT, KIT_DS_ALT, 0, KIT_DS, KIT_CS64,
	};
	struct testdev_cmd *cmd = testdev_buffer();
	bool have_testdev = testdev_present();
	uint8_t st_pi[10], st_one[10], want_pi[10], want_one[10];
	uint64_t cr0 = read_cr0(), cr4 = read_cr4(), efer = rdmsr(MSR_EFER);
	uint64_t cr3 = read_cr3();
	uint32_t mxcsr;
	uint16_t fcw;
	int i, j;

	/* The x87 values as stored by this very FPU, for comparison. */
	__asm__ __volatile__("fninit; fldpi; fstpt %0; fld1; fstpt %1"
			     : "=m"(want_pi), "=m"(want_one));

	for (i = 0; i < 16; i++) {
		in.gpr[i] = 0x0101010101010101ull * (uint64_t)(0x11 * (i + 1)) ^
			    0x8000000000000000ull >> i;
		for (j = 0; j < 16; j++)
			in.xmm[i][j] = (uint8_t)(0xa0 + i * 7 + j * 13);
	}
	/* EAX: the command's GPA; DX: the doorbell port.  Upper bits: ours. */
	in.gpr[0] = 0xa5a5a5a500000000ull | (uint32_t)(uintptr_t)cmd;
	in.gpr[2] = 0xdeadbeefcafe0000ull | TESTDEV_DOORBELL;

	cmd->op = TESTDEV_VCPU_STATE_ROUNDTRIP;
	cmd->result = (int32_t)0x80000001;	/* "nobody answered" */
	memset(cmd->arg, 0, sizeof(cmd->arg));
	memset(cmd->msg, 0, sizeof(cmd->msg));

	/* Segments: selectors first (loading one resets its base), then bases. */
	__asm__ __volatile__("mov %0, %%es; mov %0, %%fs; mov %1, %%gs"
			     :: "r"((uint16_t)KIT_DS_ALT), "r"((uint16_t)0));
	wrmsr(MSR_FS_BASE, FS_BASE_VALUE);
	wrmsr(MSR_GS_BASE, GS_BASE_VALUE);
	wrmsr(MSR_KERNEL_GS_BASE, KGS_BASE_VALUE);
	WRITE_DR(0, DR_BASE + 0x10);
	WRITE_DR(1, DR_BASE + 0x20);
	WRITE_DR(2, DR_BASE + 0x40);
	WRITE_DR(3, DR_BASE + 0x80);
	write_cr8(CR8_VALUE);
	/* x87: fldpi then fld1, so ST0 = 1.0, ST1 = pi; new control word. */
	fcw = FCW_VALUE;
	mxcsr = MXCSR_VALUE;
	__asm__ __volatile__("fninit; fldcw %0; fldpi; fld1; ldmxcsr %1"
			     :: "m"(fcw), "m"(mxcsr));

	state_roundtrip_asm(&in, &out);

	__asm__ __volatile__("fnstcw %0; stmxcsr %1; fstpt %2; fstpt %3"
			     : "=m"(fcw), "=m"(mxcsr), "=m"(st_one), "=m"(st_pi));

	if (have_testdev && cmd->result != 0)
		exit_fail("VCPU_STATE_ROUNDTRIP: result %d, component '%.8s'",
			  cmd->result, cmd->msg);

	for (i = 0; i < 16; i++) {
		uint64_t want = i == 4 ? in.rsp_at_call - 11 * 8 : in.gpr[i];

		if (out.gpr[i] != want)
			exit_fail("%s = 0x%llx after the round trip, expected "
				  "0x%llx", gpr_names[i],
				  (unsigned long long)out.gpr[i],
				  (unsigned long long)want);
	}
	for (i = 0; i < 16; i++)
		if (memcmp(out.xmm[i], in.xmm[i], 16))
			exit_fail("xmm%d changed across the round trip", i);
	ASSERT_EQ(mxcsr, MXCSR_VALUE);
	ASSERT_EQ(fcw, FCW_VALUE);
	/*
	 * fldpi rounds by the control word (round up here), so compare only
	 * ST0 = 1.0 exactly and ST1 against pi in either rounding.
	 */
	ASSERT(!memcmp(st_one, want_one, 10));
	ASSERT(!memcmp(st_pi + 1, want_pi + 1, 9) &&
	       (st_pi[0] == want_pi[0] || st_pi[0] == want_pi[0] + 1));
	for (i = 0; i < 6; i++)
		if (read_sel(i) != sel_want[i])
			exit_fail("segment register %d: selector 0x%x, expected "
				  "0x%x", i, read_sel(i), sel_want[i]);
	ASSERT_EQ(rdmsr(MSR_FS_BASE), FS_BASE_VALUE);
	ASSERT_EQ(rdmsr(MSR_GS_BASE), GS_BASE_VALUE);
	ASSERT_EQ(rdmsr(MSR_KERNEL_GS_BASE), KGS_BASE_VALUE);
	ASSERT_EQ(READ_DR(0), DR_BASE + 0x10);
	ASSERT_EQ(READ_DR(1), DR_BASE + 0x20);
	ASSERT_EQ(READ_DR(2), DR_BASE + 0x40);
	ASSERT_EQ(READ_DR(3), DR_BASE + 0x80);
	ASSERT_EQ(read_cr8(), CR8_VALUE);
	ASSERT_EQ(read_cr0(), cr0);
	ASSERT_EQ(read_cr3(), cr3);
	ASSERT_EQ(read_cr4(), cr4);
	ASSERT_EQ(rdmsr(MSR_EFER), efer);

	/* Put back what the rest of the kit expects. */
	write_cr8(0);
	wrmsr(MSR_FS_BASE, 0);
	wrmsr(MSR_GS_BASE, 0);
	wrmsr(MSR_KERNEL_GS_BASE, 0);

	if (!have_testdev)
		exit_skip("testdev not present (needs cvisor run --testdev); "
			  "registers survived an unanswered doorbell");
	printf("state: round trip OK, registers preserved\n");
	return 0;
}
