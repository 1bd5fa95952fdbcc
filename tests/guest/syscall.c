// SPDX-License-Identifier: GPL-2.0
/*
 * syscall.c - SYSCALL/SYSRET and SYSENTER/SYSEXIT between ring 3 and
 * ring 0 of long mode: SYSCALL saves RIP in RCX and RFLAGS in R11, masks
 * RFLAGS with SFMASK, loads CS/SS from STAR[47:32]; SYSRETQ returns to
 * 64-bit ring 3 (CS STAR[63:48]+16, SS +8) with RFLAGS from R11 and
 * SYSRETL to a 32-bit compatibility-mode segment (CS STAR[63:48]);
 * SYSCALL with EFER.SCE=0 is #UD.  SYSENTER loads CS/SS/RSP/RIP from the
 * SYSENTER MSRs and clears IF; SYSEXIT with REX.W returns to 64-bit code
 * (SYSENTER_CS+32/+40), without to 32-bit code (+16/+24).
 *
 * emu only: this host's nested KVM raises #GP on SYSRETQ (with CS already
 * the user's) and #UD on SYSENTER in long mode.
 */
#include "sys.h"

#define SFMASK_BITS	(RFLAGS_IF | RFLAGS_DF | RFLAGS_AC)

uint64_t sc_mode;			/* 0: SYSRETQ, 1: SYSRETL */
uint64_t sc_k_rcx, sc_k_r11, sc_k_rflags, sc_k_cs, sc_k_ss, sc_k_rsp;
uint64_t sc_u_rflags, sc_u_cs, sc_u_ss, sc_u_rsp, sc_u_rsp0;
uint32_t sc_c_cs, sc_c_push;
uint64_t se_mode;			/* 0: SYSEXIT64, 1: SYSEXIT32 */
uint64_t se_k_cs, se_k_ss, se_k_rsp, se_k_rflags;
uint64_t se_u_cs, se_u_ss, se_u_rsp, se_u_rsp0;
uint32_t se_c_cs;

extern const char sc_after[], sc_entry64[], sc_compat_ud[], sc_syscall_insn[];
extern const char se_entry[], se_compat_ud[];
extern const char tf_after[], tf_entry[];
void tf_user(void *);
void sc_user(void *);
void se_user(void *);

static uint8_t se_stack[4096] __aligned(16);

__asm__(
	".text\n"
	/* Ring 3: SYSCALL with known RCX/R11 garbage, then record. */
	".globl sc_user, sc_after, sc_syscall_insn\n"
	"sc_user:\n"
	"	movq %rsp, sc_u_rsp0(%rip)\n"
	"	movq $0x1111, %rcx\n"
	"	movq $0x2222, %r11\n"
	"sc_syscall_insn:\n"
	"	syscall\n"
	"sc_after:\n"
	"	pushfq\n"
	"	popq sc_u_rflags(%rip)\n"
	"	movq %rsp, sc_u_rsp(%rip)\n"
	"	movw %cs, %ax\n"
	"	movzwq %ax, %rax\n"
	"	movq %rax, sc_u_cs(%rip)\n"
	"	movw %ss, %ax\n"
	"	movzwq %ax, %rax\n"
	"	movq %rax, sc_u_ss(%rip)\n"
	"	cld\n"
	"	ret\n"
	/* LSTAR: ring 0 on the caller's stack (SYSCALL does not switch). */
	".globl sc_entry64\n"
	"sc_entry64:\n"
	"	movq %rcx, sc_k_rcx(%rip)\n"
	"	movq %r11, sc_k_r11(%rip)\n"
	"	movq %rsp, sc_k_rsp(%rip)\n"
	"	pushfq\n"
	"	popq sc_k_rflags(%rip)\n"
	"	movw %cs, %ax\n"
	"	movzwq %ax, %rax\n"
	"	movq %rax, sc_k_cs(%rip)\n"
	"	movw %ss, %ax\n"
	"	movzwq %ax, %rax\n"
	"	movq %rax, sc_k_ss(%rip)\n"
	/* ZF and CF in R11 must come back in RFLAGS. */
	"	orq $0x41, %r11\n"
	"	cmpq $1, sc_mode(%rip)\n"
	"	je 1f\n"
	"	sysretq\n"
	"1:	movl $sc_compat, %ecx\n"
	"	sysretl\n"
	".code32\n"
	"sc_compat:\n"
	"	movl $0x43, %eax\n"		/* SEL_UDS | 3: DS was nulled */
	"	movl %eax, %ds\n"
	"	movw %cs, %ax\n"
	"	movzwl %ax, %eax\n"
	"	movl %eax, sc_c_cs\n"
	"	movl %esp, %eax\n"
	"	pushl %eax\n"
	"	movl %esp, %edx\n"
	"	popl %ecx\n"
	"	subl %edx, %eax\n"
	"	movl %eax, sc_c_push\n"
	".globl sc_compat_ud\n"
	"sc_compat_ud:\n"
	"	ud2\n"
	".code64\n"

	/* Ring 3: SYSENTER with the return RIP in RDX and RSP in RCX. */
	".globl se_user\n"
	"se_user:\n"
	"	movq %rsp, se_u_rsp0(%rip)\n"
	"	leaq se_back(%rip), %rdx\n"
	"	movq %rsp, %rcx\n"
	"	sysenter\n"
	"se_back:\n"
	"	movq %rsp, se_u_rsp(%rip)\n"
	"	movw %cs, %ax\n"
	"	movzwq %ax, %rax\n"
	"	movq %rax, se_u_cs(%rip)\n"
	"	movw %ss, %ax\n"
	"	movzwq %ax, %rax\n"
	"	movq %rax, se_u_ss(%rip)\n"
	"	ret\n"
	".globl se_entry\n"
	"se_entry:\n"
	"	movq %rsp, se_k_rsp(%rip)\n"
	"	pushfq\n"
	"	popq se_k_rflags(%rip)\n"
	"	movw %cs, %ax\n"
	"	movzwq %ax, %rax\n"
	"	movq %rax, se_k_cs(%rip)\n"
	"	movw %ss, %ax\n"
	"	movzwq %ax, %rax\n"
	"	movq %rax, se_k_ss(%rip)\n"
	"	cmpq $1, se_mode(%rip)\n"
	"	je 1f\n"
	"	.byte 0x48, 0x0f, 0x35\n"	/* SYSEXIT with REX.W */
	"1:	movl $se_compat, %edx\n"
	"	sysexitl\n"
	".code32\n"
	"se_compat:\n"
	"	movl $0x8b, %eax\n"		/* SEL_SE_UDS32 | 3 */
	"	movl %eax, %ds\n"
	"	movw %cs, %ax\n"
	"	movzwl %ax, %eax\n"
	"	movl %eax, se_c_cs\n"
	".globl se_compat_ud\n"
	"se_compat_ud:\n"
	"	ud2\n"
	".code64\n"

	/* Single-step across SYSCALL/SYSRET: TF set in ring 3 by IRETQ. */
	".globl tf_user, tf_after, tf_entry\n"
	"tf_user:\n"
	"	syscall\n"
	"tf_after:\n"
	"	nop\n"
	"	ret\n"
	"tf_entry:\n"
	"	sysretq\n"
);

static void test_syscall(void)
{
	uint64_t uflags = RFLAGS_FIXED | RFLAGS_IF | RFLAGS_DF | RFLAGS_AC |
			  RFLAGS_CF;
	uint64_t efer = rdmsr(MSR_EFER);
	struct user_result r;

	printf("SYSCALL/SYSRET:\n");
	wrmsr(MSR_EFER, efer | EFER_SCE);
	wrmsr(MSR_STAR, ((uint64_t)SEL_UCS32 << 48) | ((uint64_t)KIT_CS64 << 32));
	wrmsr(MSR_LSTAR, (uintptr_t)sc_entry64);
	wrmsr(MSR_SFMASK, SFMASK_BITS);
	sc_mode = 0;
	user_run(sc_user, NULL, uflags & ~RFLAGS_FIXED, &r);
	ASSERT_EQ(r.vector, -1);
	CHECK_EQ("ring 0 RCX (return RIP)", sc_k_rcx, (uintptr_t)sc_after);
	CHECK_EQ("ring 0 R11 (user RFLAGS)", sc_k_r11, uflags);
	CHECK_EQ("ring 0 RFLAGS (masked)", sc_k_rflags,
		 uflags & ~SFMASK_BITS);
	CHECK_EQ("ring 0 CS", sc_k_cs, KIT_CS64);
	CHECK_EQ("ring 0 SS", sc_k_ss, KIT_DS);
	CHECK_EQ("ring 0 RSP (not switched)", sc_k_rsp, sc_u_rsp0);
	CHECK_EQ("ring 3 CS after SYSRETQ", sc_u_cs, SEL_UCS64 | 3);
	CHECK_EQ("ring 3 SS after SYSRETQ", sc_u_ss, SEL_UDS | 3);
	CHECK_EQ("ring 3 RFLAGS = R11", sc_u_rflags, uflags | 0x41);
	CHECK_EQ("ring 3 RSP", sc_u_rsp, sc_u_rsp0);

	printf("SYSRETL to compatibility mode:\n");
	sc_mode = 1;
	user_run(sc_user, NULL, 0, &r);
	ASSERT_EQ(r.vector, UD_VECTOR);
	CHECK_EQ("#UD RIP in 32-bit code", r.rip, (uintptr_t)sc_compat_ud);
	CHECK_EQ("frame CS", r.cs, SEL_UCS32 | 3);
	CHECK_EQ("frame SS", r.ss, SEL_UDS | 3);
	CHECK_EQ("CS read in 32-bit code", sc_c_cs, SEL_UCS32 | 3);
	CHECK_EQ("push width in 32-bit code", sc_c_push, 4);

	wrmsr(MSR_EFER, efer & ~EFER_SCE);
	user_run(sc_user, NULL, 0, &r);
	ASSERT_EQ(r.vector, UD_VECTOR);
	CHECK_EQ("EFER.SCE=0: #UD at", r.rip, (uintptr_t)sc_syscall_insn);
	wrmsr(MSR_EFER, efer);
}

/*
 * A single-step #DB after SYSCALL and SYSRET follows the flags they
 * leave, not the flags before (XSA-204): SYSCALL that masks TF does not
 * trap into the kernel, SYSRET that loads TF from R11 traps at once, on
 * the first user instruction.
 */
static void test_syscall_tf(void)
{
	uint64_t efer = rdmsr(MSR_EFER), dr6;
	struct user_result r;

	printf("single-step across SYSCALL/SYSRET:\n");
	wrmsr(MSR_EFER, efer | EFER_SCE);
	wrmsr(MSR_STAR, ((uint64_t)SEL_UCS32 << 48) | ((uint64_t)KIT_CS64 << 32));
	wrmsr(MSR_LSTAR, (uintptr_t)tf_entry);
	wrmsr(MSR_SFMASK, RFLAGS_TF | RFLAGS_IF);
	__asm__ __volatile__("mov %0, %%dr6" :: "r"(0xffff0ff0ull));
	/* Enter at the SYSCALL itself: user_run()'s trampoline comes first. */
	sys_run_at((uintptr_t)tf_user, SEL_UCS64 | 3, SEL_UDS | 3,
		   user_stack_top(), RFLAGS_FIXED | RFLAGS_TF, 0, 0, &r);
	ASSERT_EQ(r.vector, DB_VECTOR);
	CHECK_EQ("#DB right after SYSRETQ, RIP", r.rip, (uintptr_t)tf_after);
	CHECK_EQ("#DB frame CS (ring 3)", r.cs, SEL_UCS64 | 3);
	__asm__ __volatile__("mov %%dr6, %0" : "=r"(dr6));
	CHECK_EQ("DR6.BS", dr6 & (1u << 14), 1u << 14);
	wrmsr(MSR_EFER, efer);
}

static void test_sysenter(void)
{
	uint64_t uflags = RFLAGS_IF | RFLAGS_CF;
	struct user_result r;

	printf("SYSENTER/SYSEXIT:\n");
	wrmsr(MSR_SYSENTER_CS, SEL_SE_KCS);
	wrmsr(MSR_SYSENTER_ESP, (uintptr_t)se_stack + sizeof(se_stack));
	wrmsr(MSR_SYSENTER_EIP, (uintptr_t)se_entry);
	se_mode = 0;
	user_run(se_user, NULL, uflags, &r);
	/* fn returns on the SYSEXIT segments: the exit #UD has CS 0x93. */
	ASSERT_EQ(r.vector, -1);
	CHECK_EQ("ring 0 CS", se_k_cs, SEL_SE_KCS);
	CHECK_EQ("ring 0 SS", se_k_ss, SEL_SE_KDS);
	CHECK_EQ("ring 0 RSP", se_k_rsp, (uintptr_t)se_stack + sizeof(se_stack));
	CHECK_EQ("ring 0 RFLAGS (IF cleared)", se_k_rflags & (RFLAGS_IF | RFLAGS_CF),
		 RFLAGS_CF);
	CHECK_EQ("CS after SYSEXIT (REX.W)", se_u_cs, SEL_SE_UCS64 | 3);
	CHECK_EQ("SS after SYSEXIT (REX.W)", se_u_ss, SEL_SE_UDS64 | 3);
	CHECK_EQ("RSP after SYSEXIT = RCX", se_u_rsp, se_u_rsp0);
	CHECK_EQ("frame CS of the exit", r.cs, SEL_SE_UCS64 | 3);

	se_mode = 1;
	user_run(se_user, NULL, uflags, &r);
	ASSERT_EQ(r.vector, UD_VECTOR);
	CHECK_EQ("#UD RIP in 32-bit code", r.rip, (uintptr_t)se_compat_ud);
	CHECK_EQ("CS after SYSEXIT (32-bit)", se_c_cs, SEL_SE_UCS32 | 3);
	CHECK_EQ("frame SS", r.ss, SEL_SE_UDS32 | 3);
	CHECK_EQ("frame RSP = RCX", r.rsp, se_u_rsp0);
}

int main(const char *cmdline)
{
	sys_setup();
	test_sysenter();
	test_syscall();
	test_syscall_tf();
	return 0;
}
