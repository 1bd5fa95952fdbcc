// SPDX-License-Identifier: GPL-2.0
/*
 * sys.c - the GDT/TSS, ring-3 runner and IDT tweaks of sys.h.
 */
#include "sys.h"

struct __attribute__((packed)) sys_dtr {
	uint16_t limit;
	uint64_t base;
};

/* Saved by sys_enter (sys_entry.S); the field order is fixed by that code. */
struct sys_jmp {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp;
};

void sys_enter(uint64_t rip, uint64_t cs, uint64_t rflags, uint64_t rsp,
	       uint64_t ss, struct sys_jmp *jb, uint64_t rdi_rsi[2]);
extern const char sys_resume[];

uint64_t sys_gdt[SYS_GDT_ENTRIES] __aligned(16);
struct tss64 sys_tss __aligned(16);

static uint8_t rsp0_stack[16384] __aligned(16);
static uint8_t ist_stacks[3][8192] __aligned(16);
static uint8_t user_stack[16384] __aligned(16);

static struct sys_jmp run_jb;
static struct user_result *run_res;

uint64_t sys_rsp0_top(void)
{
	return (uintptr_t)rsp0_stack + sizeof(rsp0_stack);
}

uint64_t sys_ist_top(int ist)
{
	return (uintptr_t)ist_stacks[ist - 1] + sizeof(ist_stacks[0]);
}

uint64_t user_stack_top(void)
{
	return (uintptr_t)user_stack + sizeof(user_stack);
}

static uint64_t seg(uint32_t base, uint32_t limit, uint8_t access,
		    uint8_t flags)
{
	return (uint64_t)(limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) |
	       ((uint64_t)access << 40) | ((uint64_t)((limit >> 16) & 0xf) << 48) |
	       ((uint64_t)flags << 52) | ((uint64_t)(base >> 24) << 56);
}

/* Flags nibble: G = 8, D/B = 4, L = 2. */
#define F_CODE64	0xa
#define F_FLAT32	0xc
#define F_16		0x0

void sys_setup(void)
{
	uint64_t tss = (uintptr_t)&sys_tss, *pml4, *pdpt, *pd;
	struct sys_dtr gdtr;
	int i, j;

	sys_gdt[0] = 0;
	sys_gdt[KIT_CS64 / 8] = seg(0, 0xfffff, 0x9b, F_CODE64);
	sys_gdt[KIT_DS / 8] = seg(0, 0xfffff, 0x93, F_FLAT32);
	sys_gdt[KIT_CS32 / 8] = seg(0, 0xfffff, 0x9b, F_FLAT32);
	sys_gdt[KIT_DS_ALT / 8] = seg(0, 0xfffff, 0x93, F_FLAT32);
	sys_gdt[SEL_CS16 / 8] = seg(0, 0xffff, 0x9b, F_16);
	sys_gdt[SEL_DS16 / 8] = seg(0, 0xffff, 0x93, F_16);
	sys_gdt[SEL_UCS32 / 8] = seg(0, 0xfffff, 0xfb, F_FLAT32);
	sys_gdt[SEL_UDS / 8] = seg(0, 0xfffff, 0xf3, F_FLAT32);
	sys_gdt[SEL_UCS64 / 8] = seg(0, 0xfffff, 0xfb, F_CODE64);
	/* Available 64-bit TSS (type 9); the upper half holds base[63:32]. */
	sys_gdt[SEL_TSS / 8] = seg((uint32_t)tss, sizeof(sys_tss) - 1, 0x89, 0);
	sys_gdt[SEL_TSS / 8 + 1] = tss >> 32;
	sys_gdt[SEL_NP_DS / 8] = seg(0, 0xfffff, 0x13, F_FLAT32);
	sys_gdt[SEL_SE_KCS / 8] = seg(0, 0xfffff, 0x9b, F_CODE64);
	sys_gdt[SEL_SE_KDS / 8] = seg(0, 0xfffff, 0x93, F_FLAT32);
	sys_gdt[SEL_SE_UCS32 / 8] = seg(0, 0xfffff, 0xfb, F_FLAT32);
	sys_gdt[SEL_SE_UDS32 / 8] = seg(0, 0xfffff, 0xf3, F_FLAT32);
	sys_gdt[SEL_SE_UCS64 / 8] = seg(0, 0xfffff, 0xfb, F_CODE64);
	sys_gdt[SEL_SE_UDS64 / 8] = seg(0, 0xfffff, 0xf3, F_FLAT32);
	sys_gdt[SEL_NP_CS / 8] = seg(0, 0xfffff, 0x1b, F_CODE64);

	memset(&sys_tss, 0, sizeof(sys_tss));
	sys_tss.rsp[0] = sys_rsp0_top();
	for (i = 1; i <= 3; i++)
		sys_tss.ist[i - 1] = sys_ist_top(i);
	/* I/O bitmap base beyond the limit: no bitmap, IN/OUT need IOPL. */
	sys_tss.iopb = sizeof(sys_tss);

	gdtr.limit = sizeof(sys_gdt) - 1;
	gdtr.base = (uintptr_t)sys_gdt;
	/* Reload CS with a far return: the selector values do not change. */
	__asm__ __volatile__("lgdt %0\n\t"
			     "pushq %1\n\t"
			     "leaq 1f(%%rip), %%rax\n\t"
			     "pushq %%rax\n\t"
			     "lretq\n"
			     "1:\tmovl %2, %%eax\n\t"
			     "movl %%eax, %%ds\n\t"
			     "movl %%eax, %%es\n\t"
			     "movl %%eax, %%ss\n\t"
			     "movw %3, %%ax\n\t"
			     "ltr %%ax"
			     :: "m"(gdtr), "i"(KIT_CS64), "i"(KIT_DS),
				"i"(SEL_TSS)
			     : "rax", "memory");

	/* Ring 3 runs the image itself: U/S on every level of the map. */
	pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~0xfffull);
	pml4[0] |= 4;
	pdpt = (uint64_t *)(uintptr_t)(pml4[0] & 0xfffff000ull);
	for (i = 0; i < 4; i++) {
		pdpt[i] |= 4;
		pd = (uint64_t *)(uintptr_t)(pdpt[i] & 0xfffff000ull);
		for (j = 0; j < 512; j++)
			pd[j] |= 4;
	}
	write_cr3(read_cr3());
}

static uint8_t *idt_gate(int vec)
{
	struct sys_dtr idtr;

	__asm__ __volatile__("sidt %0" : "=m"(idtr));
	return (uint8_t *)(uintptr_t)(idtr.base + 16 * vec);
}

void sys_set_ist(int vec, int ist)
{
	idt_gate(vec)[4] = ist;
}

void sys_set_gate_dpl(int vec, int dpl)
{
	uint8_t *g = idt_gate(vec);

	g[5] = (g[5] & ~0x60) | (dpl << 5);
}

void self_nmi(void)
{
	/* Delivery mode NMI (100b); the vector field is ignored. */
	apic_icr_send(apic_id(), APIC_ICR_ASSERT | 0x400);
}

/*
 * Any exception while sys_enter() runs ends the run: record the frame and
 * make IRETQ return to sys_resume in ring 0 with the saved registers.
 */
static void run_handler(struct frame *f)
{
	struct user_result *r = run_res;

	r->vector = (int)f->vector;
	r->error_code = f->error_code;
	r->rip = f->rip;
	r->cs = f->cs;
	r->rflags = f->rflags;
	r->rsp = f->rsp;
	r->ss = f->ss;
	r->cr2 = read_cr2();
	r->frame_top = (uintptr_t)&f->ss + 8;
	if (f->vector == UD_VECTOR && f->rip == (uintptr_t)user_exit_insn)
		r->vector = -1;
	f->rbx = run_jb.rbx;
	f->rbp = run_jb.rbp;
	f->r12 = run_jb.r12;
	f->r13 = run_jb.r13;
	f->r14 = run_jb.r14;
	f->r15 = run_jb.r15;
	f->rsp = run_jb.rsp;
	f->rip = (uintptr_t)sys_resume;
	f->cs = KIT_CS64;
	f->ss = KIT_DS;
	f->rflags = RFLAGS_FIXED;
}

void sys_run_at(uint64_t rip, uint64_t cs, uint64_t ss, uint64_t rsp,
		uint64_t rflags, uint64_t rdi, uint64_t rsi,
		struct user_result *r)
{
	uint64_t args[2] = { rdi, rsi };
	int v;

	memset(r, 0, sizeof(*r));
	r->vector = -2;		/* nothing ended it: a bug in the test */
	run_res = r;
	for (v = 0; v < 32; v++)
		set_handler(v, run_handler);
	sys_enter(rip, cs, rflags, rsp, ss, &run_jb, args);
	for (v = 0; v < 32; v++)
		set_handler(v, NULL);
	/* IRET to ring 3 nulls data segments with DPL < 3: reload them. */
	__asm__ __volatile__("movl %0, %%ds\n\tmovl %0, %%es\n\t"
			     "movl %0, %%fs\n\tmovl %0, %%gs"
			     :: "r"(KIT_DS));
}

void user_run(void (*fn)(void *), void *arg, uint64_t rflags_or,
	      struct user_result *r)
{
	sys_run_at((uintptr_t)user_tramp, SEL_UCS64 | 3, SEL_UDS | 3,
		   user_stack_top(), RFLAGS_FIXED | rflags_or,
		   (uintptr_t)fn, (uintptr_t)arg, r);
}
