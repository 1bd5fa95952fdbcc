// SPDX-License-Identifier: GPL-2.0
/*
 * iret.c - IRETQ in its long-mode forms: to the same privilege level
 * (RSP, SS and RFLAGS come from the frame), to 64-bit ring 3 with SS:RSP,
 * to a 32-bit compatibility-mode code segment in ring 0 and in ring 3;
 * and NMI blocking: a self-NMI sent inside the NMI handler stays pending
 * until the handler's IRETQ, then is delivered.
 *
 * Protected-mode (32-bit) IRET is in iret32.c: this host's nested KVM
 * cannot emulate it.
 */
#include "sys.h"

#define FLAGS_SET	(RFLAGS_FIXED | RFLAGS_CF | (1u << 2) | RFLAGS_ZF | \
			 (1u << 7) | RFLAGS_DF | RFLAGS_OF)

uint64_t ir_rsp, ir_flags, ir_cs, ir_ss;
uint32_t ir_c_cs, ir_c_push, ir_c_call;
extern const char ir_compat_ud[];
void ir_same(uint64_t new_rsp);
void ir_compat(void);
void ir_user(void *);
void ir_user32(void);

__asm__(
	".text\n"
	".globl ir_same\n"
	"ir_same:\n"
	"	movq %rsp, %r8\n"
	"	pushq $0x10\n"
	"	pushq %rdi\n"
	"	pushq $0xcc7\n"
	"	pushq $0x08\n"
	"	leaq 1f(%rip), %rax\n"
	"	pushq %rax\n"
	"	iretq\n"
	"1:	movq %rsp, ir_rsp(%rip)\n"
	"	pushfq\n"
	"	popq ir_flags(%rip)\n"
	"	cld\n"
	"	movq %r8, %rsp\n"
	"	ret\n"

	/* Ring 0 to CS 0x18 (32-bit) and back with a far jump. */
	".globl ir_compat\n"
	"ir_compat:\n"
	"	pushq %rbx\n"
	"	movq %rsp, %r8\n"
	"	movq %rsp, %rax\n"
	"	pushq $0x10\n"
	"	pushq %rax\n"
	"	pushq $0x2\n"
	"	pushq $0x18\n"
	"	pushq $ir_c32\n"
	"	iretq\n"
	".code32\n"
	"ir_c32:\n"
	"	movw %cs, %ax\n"
	"	movzwl %ax, %eax\n"
	"	movl %eax, ir_c_cs\n"
	"	movl %esp, %eax\n"
	"	pushl %eax\n"
	"	movl %esp, %edx\n"
	"	popl %ecx\n"
	"	subl %edx, %eax\n"
	"	movl %eax, ir_c_push\n"
	"	movl %esp, %ebx\n"
	"	call 2f\n"
	"2:	movl %ebx, %eax\n"
	"	subl %esp, %eax\n"
	"	movl %ebx, %esp\n"
	"	movl %eax, ir_c_call\n"
	"	ljmpl $0x08, $ir_back64\n"
	".code64\n"
	"ir_back64:\n"
	"	movq %r8, %rsp\n"
	"	popq %rbx\n"
	"	ret\n"

	/* Ring 3, 64-bit: record what IRETQ loaded. */
	".globl ir_user\n"
	"ir_user:\n"
	"	leaq 8(%rsp), %rax\n"		/* RSP before the call */
	"	movq %rax, ir_rsp(%rip)\n"
	"	pushfq\n"
	"	popq ir_flags(%rip)\n"
	"	movw %cs, %ax\n"
	"	movzwq %ax, %rax\n"
	"	movq %rax, ir_cs(%rip)\n"
	"	movw %ss, %ax\n"
	"	movzwq %ax, %rax\n"
	"	movq %rax, ir_ss(%rip)\n"
	"	cld\n"
	"	ret\n"

	/* Ring 3, 32-bit. */
	".code32\n"
	".globl ir_user32, ir_compat_ud\n"
	"ir_user32:\n"
	"	movl $0x43, %eax\n"
	"	movl %eax, %ds\n"
	"	movl %esp, %eax\n"
	"	pushl %eax\n"
	"	movl %esp, %edx\n"
	"	popl %ecx\n"
	"	subl %edx, %eax\n"
	"	movl %eax, ir_c_push\n"
	"ir_compat_ud:\n"
	"	ud2\n"
	".code64\n"
);

static uint8_t alt_stack[4096] __aligned(16);

static void test_same(void)
{
	uint64_t top = (uintptr_t)alt_stack + sizeof(alt_stack) - 0x30;

	printf("IRETQ, same privilege:\n");
	ir_same(top);
	CHECK_EQ("RSP from the frame", ir_rsp, top);
	CHECK_EQ("RFLAGS from the frame", ir_flags, FLAGS_SET);
}

static void test_user64(void)
{
	struct user_result r;

	printf("IRETQ to ring 3 (64-bit):\n");
	user_run(ir_user, NULL, FLAGS_SET & ~RFLAGS_FIXED, &r);
	ASSERT_EQ(r.vector, -1);
	/*
	 * CS and SS as the exit exception's frame shows them: on this host's
	 * nested KVM, MOV from CS/SS in ring 3 reads the host's selectors.
	 */
	CHECK_EQ("CS", r.cs, SEL_UCS64 | 3);
	CHECK_EQ("SS", r.ss, SEL_UDS | 3);
	CHECK_EQ("RSP", ir_rsp, user_stack_top());
	/* Status flags and DF only: ring 3 on the nested KVM reads IF=1. */
	CHECK_EQ("RFLAGS status flags and DF", ir_flags & 0xcd7, FLAGS_SET);
}

static void test_compat(void)
{
	struct user_result r;

	printf("IRETQ to 32-bit code, ring 0 (CS 0x18):\n");
	ir_compat();
	CHECK_EQ("CS", ir_c_cs, KIT_CS32);
	CHECK_EQ("push width", ir_c_push, 4);
	CHECK_EQ("call pushes", ir_c_call, 4);

	printf("IRETQ to 32-bit code, ring 3:\n");
	ir_c_push = 0;
	sys_run_at((uintptr_t)ir_user32, SEL_UCS32 | 3, SEL_UDS | 3,
		   user_stack_top() - 16, RFLAGS_FIXED, 0, 0, &r);
	CHECK_EQ("ended by #UD", r.vector, UD_VECTOR);
	CHECK_EQ("at", r.rip, (uintptr_t)ir_compat_ud);
	CHECK_EQ("frame CS", r.cs, SEL_UCS32 | 3);
	CHECK_EQ("frame RSP", r.rsp, user_stack_top() - 16);
	CHECK_EQ("push width", ir_c_push, 4);
}

static volatile int nmi_count, nmi_depth, nmi_max_depth, nmi_seen_inside;

static void nmi_handler(struct frame *f)
{
	int n;

	nmi_depth++;
	if (nmi_depth > nmi_max_depth)
		nmi_max_depth = nmi_depth;
	n = ++nmi_count;
	if (n == 1) {
		/* Held until our IRETQ: the count must not move meanwhile. */
		self_nmi();
		tsc_delay(50000000);
		nmi_seen_inside = nmi_count;
	}
	nmi_depth--;
}

static void test_nmi_blocking(void)
{
	uint64_t t0;

	if (testdev_has_cap(HV_CAP_IRQCHIP) <= 0) {
		printf("NMI blocking: no LAPIC, skipped\n");
		return;
	}
	printf("NMI blocking until IRET:\n");
	apic_enable();
	set_handler(NMI_VECTOR, nmi_handler);
	self_nmi();
	t0 = rdtsc();
	while (nmi_count < 2 && rdtsc() - t0 < 3000000000ull)
		pause();
	CHECK_EQ("NMIs while in the handler", nmi_seen_inside, 1);
	CHECK_EQ("nesting depth", nmi_max_depth, 1);
	CHECK_EQ("NMIs after IRETQ", nmi_count, 2);
}

int main(const char *cmdline)
{
	testdev_require();
	sys_setup();
	test_same();
	test_user64();
	test_compat();
	test_nmi_blocking();
	return 0;
}
