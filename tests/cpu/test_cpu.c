// SPDX-License-Identifier: GPL-2.0
/*
 * test_cpu.c - unit tests of the CPU core run standalone on the tiny
 * machine of harness.c: mode switches, paging and #PF error codes,
 * exception delivery with stack switch and IST, IRET, SYSCALL/SYSRET,
 * real-mode interrupts, self-modifying and cross-vCPU modified code,
 * MMIO restart semantics, REP over MMIO exits, triple fault.
 */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define SNIPPET(n) extern const char n[], n##_end[]
SNIPPET(ms_start); SNIPPET(load_rax); SNIPPET(store_rax);
SNIPPET(pf_handler); SNIPPET(bp_handler); SNIPPET(user_code);
SNIPPET(sc_entry); SNIPPET(sc_user); SNIPPET(smc); SNIPPET(mmio_rmw);
SNIPPET(mmio_rep); SNIPPET(rm_int); SNIPPET(rm_handler);
SNIPPET(bench_loop); SNIPPET(spin); SNIPPET(store8_rax);
SNIPPET(irq_handler); SNIPPET(sti_hlt); SNIPPET(sti_shadow);
SNIPPET(nmi_handler); SNIPPET(pm_user); SNIPPET(pm_int80);
SNIPPET(pm_sysenter_user); SNIPPET(pm_sysenter_kern); SNIPPET(load_eax);
SNIPPET(idiv_min); SNIPPET(lock_loop);
#define COPY(m, gpa, n) tm_copy(m, gpa, n, n##_end)

#define CODE	0x100000	/* code page for 64-bit snippets */
#define UD	(1u << X86_EXC_UD)

static int test_mode_switch(void)
{
	struct tmach *m = tm_create(NULL);
	struct x86_cpu *cpu = m->cpu;
	int r;

	COPY(m, 0x8000, ms_start);
	cpu->s.seg[X86_CS].selector = 0;
	cpu->s.seg[X86_CS].base = 0;
	cpu->s.rip = 0x8000;
	x86_cpu_state_changed(cpu);
	r = x86_cpu_run(cpu, 10000);
	EXPECT_RET(r == X86_STOP_HLT, "stop %d rip %#llx msg %s", r,
	      (unsigned long long)cpu->s.rip, cpu->internal_msg);
	EXPECT_RET(m->last_port == 0xf4 && m->last_out == 0x42, "port %#x val %#x",
	      m->last_port, m->last_out);
	EXPECT_RET(cpu->s.efer & X86_EFER_LMA, "efer %#llx",
	      (unsigned long long)cpu->s.efer);
	EXPECT_RET(cpu->s.seg[X86_CS].l, "not 64-bit");
	EXPECT_RET(tm_rd64(m, 0x9000) == 0x123456789abcdef0ull, "store");
	EXPECT_RET(cpu->s.gpr[X86_RBX] == 0x123456789abcdef0ull, "rbx");
	tm_destroy(m);
	return 0;
}

/* Run @snippet at CODE with RAX=@addr; expect an intercepted #PF. */
static int pf_case(unsigned cpl, const char *s, const char *e, uint64_t addr,
		   uint32_t want_err, const char *what)
{
	struct tmach *m = tm_create(NULL);
	struct x86_cpu *cpu = m->cpu;
	int r;

	tm_long_mode(m, cpl);
	tm_copy(m, CODE, s, e);
	*tm_pte(m, 0x200000) &= ~1ull;			/* not present */
	*tm_pte(m, 0x201000) &= ~2ull;			/* read-only */
	*tm_pte(m, 0x202000) &= ~4ull;			/* supervisor */
	*tm_pte(m, 0x203000) |= 1ull << 63;		/* NX */
	*tm_pte(m, 0x204000) |= 1ull << 45;		/* reserved bit */
	cpu->s.rip = CODE;
	cpu->s.gpr[X86_RAX] = addr;
	cpu->exc_intercept = (1u << X86_EXC_PF) | UD;
	r = x86_cpu_run(cpu, 100);
	EXPECT_RET(r == X86_STOP_EXCEPTION, "%s: stop %d", what, r);
	EXPECT_RET(cpu->s.ev.exc_nr == X86_EXC_PF, "%s: vector %d", what,
	      cpu->s.ev.exc_nr);
	EXPECT_RET(cpu->s.ev.exc_error == want_err, "%s: error %#x want %#x", what,
	      cpu->s.ev.exc_error, want_err);
	EXPECT_RET(cpu->s.cr2 == addr, "%s: cr2 %#llx", what,
	      (unsigned long long)cpu->s.cr2);
	tm_destroy(m);
	return 0;
}

static int test_paging(void)
{
	struct tmach *m;
	int r;

	if (pf_case(0, load_rax, load_rax_end, 0x200010, 0x0, "not present") ||
	    pf_case(0, store_rax, store_rax_end, 0x200010, 0x2, "np write") ||
	    pf_case(0, store_rax, store_rax_end, 0x201008, 0x3, "ro write") ||
	    pf_case(3, load_rax, load_rax_end, 0x202000, 0x5, "user->sup") ||
	    pf_case(3, store_rax, store_rax_end, 0x201000, 0x7, "user ro") ||
	    pf_case(0, load_rax, load_rax_end, 0x204000, 0x9, "reserved"))
		return 1;
	/* Fetch from an NX page: I/D set, CR2 = RIP. */
	m = tm_create(NULL);
	tm_long_mode(m, 0);
	*tm_pte(m, 0x203000) |= 1ull << 63;
	m->cpu->s.rip = 0x203000;
	m->cpu->exc_intercept = 1u << X86_EXC_PF;
	r = x86_cpu_run(m->cpu, 10);
	EXPECT_RET(r == X86_STOP_EXCEPTION && m->cpu->s.ev.exc_error == 0x11 &&
	      m->cpu->s.cr2 == 0x203000, "nx fetch: r %d err %#x", r,
	      m->cpu->s.ev.exc_error);
	/* A successful store sets A and D. */
	tm_long_mode(m, 0);
	*tm_pte(m, 0x205000) &= ~0x60ull;
	tm_copy(m, CODE, store_rax, store_rax_end);
	m->cpu->s.rip = CODE;
	m->cpu->s.gpr[X86_RAX] = 0x205000;
	m->cpu->exc_intercept = UD;
	r = x86_cpu_run(m->cpu, 10);
	EXPECT_RET(r == X86_STOP_EXCEPTION && m->cpu->s.ev.exc_nr == X86_EXC_UD,
	      "store: %d", r);
	EXPECT_RET((*tm_pte(m, 0x205000) & 0x60) == 0x60, "A/D %#llx",
	      (unsigned long long)*tm_pte(m, 0x205000));
	/* WP=0: supervisor writes to read-only pages succeed. */
	tm_long_mode(m, 0);
	m->cpu->s.cr0 &= ~X86_CR0_WP;
	x86_cpu_state_changed(m->cpu);
	*tm_pte(m, 0x201000) &= ~2ull;
	m->cpu->s.rip = CODE;
	m->cpu->s.gpr[X86_RAX] = 0x201000;
	m->cpu->s.gpr[X86_RBX] = 77;
	r = x86_cpu_run(m->cpu, 10);
	EXPECT_RET(r == X86_STOP_EXCEPTION && m->cpu->s.ev.exc_nr == X86_EXC_UD &&
	      tm_rd64(m, 0x201000) == 77, "wp=0 store: %d", r);
	tm_destroy(m);
	return 0;
}

/* User-mode #PF delivered to a CPL0 handler on RSP0, #BP on IST1. */
static int test_exceptions_64(void)
{
	struct tmach *m = tm_create(NULL);
	struct x86_cpu *cpu = m->cpu;
	int r;

	tm_long_mode(m, 3);
	COPY(m, 0x110000, pf_handler);
	COPY(m, 0x111000, bp_handler);
	COPY(m, CODE, user_code);
	tm_set_gate(m, X86_EXC_PF, 0x110000, 0, 0);
	tm_set_gate(m, X86_EXC_BP, 0x111000, 3, 1);
	*tm_pte(m, 0x200000) &= ~1ull;
	cpu->s.rip = CODE;
	cpu->s.gpr[X86_RAX] = 0x200008;
	cpu->s.gpr[X86_RSP] = 0x60000;
	cpu->exc_intercept = UD;
	r = x86_cpu_run(cpu, 1000);
	EXPECT_RET(r == X86_STOP_EXCEPTION && cpu->s.ev.exc_nr == X86_EXC_UD,
	      "stop %d vec %d msg %s", r, cpu->s.ev.exc_nr, cpu->internal_msg);
	EXPECT_RET(tm_rd64(m, 0x5008) == 4, "pf err %#llx",
	      (unsigned long long)tm_rd64(m, 0x5008));
	EXPECT_RET(tm_rd64(m, 0x5010) == 0x200008, "cr2");
	EXPECT_RET(tm_rd64(m, 0x5018) == 0x7f000 - 40, "pf frame rsp %#llx",
	      (unsigned long long)tm_rd64(m, 0x5018));
	EXPECT_RET(tm_rd64(m, 0x5020) == 0x7e000 - 40, "ist rsp %#llx",
	      (unsigned long long)tm_rd64(m, 0x5020));
	EXPECT_RET(tm_rd64(m, 0x5028) == 1, "bp count");
	EXPECT_RET(tm_rd64(m, 0x5030) == 0x60000, "user rsp after iret");
	EXPECT_RET(cpu->s.seg[X86_CS].dpl == 3 && cpu->s.seg[X86_SS].dpl == 3,
	      "back at CPL3");
	/* EDX:EAX = INT64_MIN, IDIV by -1: #DE in the guest, host unharmed. */
	COPY(m, CODE + 0x100, idiv_min);
	cpu->s.rip = CODE + 0x100;
	cpu->exc_intercept = UD | (1u << X86_EXC_DE);
	memset(&cpu->s.ev, 0, sizeof(cpu->s.ev));
	r = x86_cpu_run(cpu, 100);
	EXPECT_RET(r == X86_STOP_EXCEPTION && cpu->s.ev.exc_nr == X86_EXC_DE,
	      "idiv overflow: %d vec %d", r, cpu->s.ev.exc_nr);
	/* Triple fault: IDT limit 0, UD2 -> #UD -> #GP -> #DF -> shutdown. */
	cpu->s.idt.limit = 0;
	cpu->exc_intercept = 0;
	cpu->s.rip = CODE + 4;
	r = x86_cpu_run(cpu, 10);
	EXPECT_RET(r == X86_STOP_SHUTDOWN, "triple fault: %d", r);
	tm_destroy(m);
	return 0;
}

static int test_syscall(void)
{
	struct tmach *m = tm_create(NULL);
	struct x86_cpu *cpu = m->cpu;
	int r;

	tm_long_mode(m, 3);
	COPY(m, CODE, sc_user);
	COPY(m, 0x110000, sc_entry);
	x86_cpu_set_msr(cpu, X86_MSR_STAR, (0x13ull << 48) | (0x08ull << 32));
	x86_cpu_set_msr(cpu, X86_MSR_LSTAR, 0x110000);
	x86_cpu_set_msr(cpu, X86_MSR_SFMASK, X86_IF | X86_DF);
	x86_cpu_set_rflags(cpu, X86_FIXED1 | X86_IF);
	cpu->s.rip = CODE;
	cpu->exc_intercept = UD;
	r = x86_cpu_run(cpu, 100);
	EXPECT_RET(r == X86_STOP_EXCEPTION && cpu->s.ev.exc_nr == X86_EXC_UD,
	      "stop %d", r);
	EXPECT_RET(cpu->s.gpr[X86_RDI] == 43, "rdi %llu",
	      (unsigned long long)cpu->s.gpr[X86_RDI]);
	EXPECT_RET(tm_rd64(m, 0x5000) == CODE + 9, "rcx %#llx",
	      (unsigned long long)tm_rd64(m, 0x5000));
	EXPECT_RET(tm_rd64(m, 0x5008) & X86_IF, "r11");
	EXPECT_RET(cpu->s.seg[X86_CS].selector == 0x23 &&
	      cpu->s.seg[X86_SS].selector == 0x1b, "cs %#x ss %#x",
	      cpu->s.seg[X86_CS].selector, cpu->s.seg[X86_SS].selector);
	EXPECT_RET(x86_cpu_get_rflags(cpu) & X86_IF, "IF restored");
	tm_destroy(m);
	return 0;
}

static int test_real_int(void)
{
	struct tmach *m = tm_create(NULL);
	struct x86_cpu *cpu = m->cpu;
	uint32_t ivt = 0x9000;	/* 0000:9000 */
	int r;

	COPY(m, 0x8000, rm_int);
	COPY(m, 0x9000, rm_handler);
	memcpy(m->ram + 0x21 * 4, &ivt, 4);
	cpu->s.seg[X86_CS].selector = 0;
	cpu->s.seg[X86_CS].base = 0;
	cpu->s.rip = 0x8000;
	x86_cpu_state_changed(cpu);
	r = x86_cpu_run(cpu, 100);
	EXPECT_RET(r == X86_STOP_HLT, "stop %d", r);
	EXPECT_RET((cpu->s.gpr[X86_RBX] & 0xffff) == 0x1234, "bx");
	EXPECT_RET(m->last_out == 0x55, "out");
	EXPECT_RET((cpu->s.gpr[X86_RSP] & 0xffff) == 0x7000, "sp");
	tm_destroy(m);
	return 0;
}

static int test_smc(void)
{
	struct tmach *m = tm_create(NULL);
	struct x86_cpu *cpu = m->cpu;
	int r;

	tm_long_mode(m, 0);
	COPY(m, CODE, smc);
	cpu->s.rip = CODE;
	cpu->exc_intercept = UD;
	r = x86_cpu_run(cpu, 1000);
	EXPECT_RET(r == X86_STOP_EXCEPTION, "stop %d", r);
	/* The patch precedes the patched ADD in every iteration. */
	EXPECT_RET(cpu->s.gpr[X86_RAX] == 3 * (1 + 0x10), "rax %#llx",
	      (unsigned long long)cpu->s.gpr[X86_RAX]);
	tm_destroy(m);
	return 0;
}

/* vCPU B patches code that vCPU A has decoded and is spinning in. */
static int test_cross_vcpu(void)
{
	struct x86_code_tracker *t = x86_code_tracker_create(TM_RAM);
	struct tmach *a = tm_create(t), *b;
	int r;

	b = calloc(1, sizeof(*b));
	*b = *a;
	b->cpu = x86_cpu_create(&tm_ops, b, t);
	tm_long_mode(a, 0);
	tm_long_mode(b, 0);
	COPY(a, CODE, spin);
	a->cpu->s.rip = CODE;
	a->cpu->exc_intercept = UD;
	r = x86_cpu_run(a->cpu, 1000);
	EXPECT_RET(r == X86_STOP_BUDGET, "spinning: %d", r);
	/* B stores the new immediate of "mov $1, %eax" through its own TLB. */
	COPY(b, 0x120000, store8_rax);
	b->cpu->s.rip = 0x120000;
	b->cpu->s.gpr[X86_RAX] = CODE + 1;
	b->cpu->s.gpr[X86_RBX] = 2;	/* imm32 = 2: the low byte */
	b->cpu->exc_intercept = UD;
	r = x86_cpu_run(b->cpu, 10);
	EXPECT_RET(r == X86_STOP_EXCEPTION, "b: %d", r);
	r = x86_cpu_run(a->cpu, 1000);
	EXPECT_RET(r == X86_STOP_EXCEPTION && a->cpu->s.ev.exc_nr == X86_EXC_UD,
	      "a did not see new code: %d", r);
	x86_cpu_destroy(b->cpu);
	free(b);
	tm_destroy(a);
	x86_code_tracker_destroy(t);
	return 0;
}

static void *spin_thread(void *arg)
{
	struct tmach *a = arg;
	long r;

	/* Runs until the patched code reaches UD2 (bounded by the budget). */
	r = x86_cpu_run(a->cpu, 4000000000ull);
	return (void *)r;
}

/* The same, with both vCPUs running concurrently in their own threads. */
static int test_cross_vcpu_threads(void)
{
	struct x86_code_tracker *t = x86_code_tracker_create(TM_RAM);
	struct tmach *a = tm_create(t), *b;
	pthread_t th;
	void *ret;
	int r;

	b = calloc(1, sizeof(*b));
	*b = *a;		/* same RAM */
	b->cpu = x86_cpu_create(&tm_ops, b, t);
	tm_long_mode(a, 0);
	tm_long_mode(b, 0);
	COPY(a, CODE, spin);
	a->cpu->s.rip = CODE;
	a->cpu->exc_intercept = UD;
	if (pthread_create(&th, NULL, spin_thread, a))
		return 1;
	usleep(20000);
	COPY(b, 0x120000, store8_rax);
	b->cpu->s.rip = 0x120000;
	b->cpu->s.gpr[X86_RAX] = CODE + 1;
	b->cpu->s.gpr[X86_RBX] = 2;
	b->cpu->exc_intercept = UD;
	r = x86_cpu_run(b->cpu, 10);
	pthread_join(th, &ret);
	EXPECT_RET(r == X86_STOP_EXCEPTION, "b: %d", r);
	EXPECT_RET((long)ret == X86_STOP_EXCEPTION &&
	      a->cpu->s.ev.exc_nr == X86_EXC_UD, "a: %ld", (long)ret);
	x86_cpu_destroy(b->cpu);
	free(b);
	tm_destroy(a);
	x86_code_tracker_destroy(t);
	return 0;
}

static void *lock_thread(void *arg)
{
	struct tmach *m = arg;

	return (void *)(long)x86_cpu_run(m->cpu, 4000000000ull);
}

static uint32_t rd32(struct tmach *m, uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, m->ram + gpa, 4);
	return v;
}

/*
 * Locked read-modify-writes of two vCPU threads on shared RAM lose no
 * update: LOCK XADD, LOCK CMPXCHG, XCHG, split locks, CMPXCHG16B.
 */
static int test_lock_smp(void)
{
	enum { N = 50000 };
	struct x86_code_tracker *t = x86_code_tracker_create(TM_RAM);
	struct tmach *m[2];
	pthread_t th[2];
	void *ret[2];

	m[0] = tm_create(t);
	m[1] = calloc(1, sizeof(*m[1]));
	*m[1] = *m[0];		/* same RAM */
	m[1]->cpu = x86_cpu_create(&tm_ops, m[1], t);
	for (int i = 0; i < 2; i++) {
		tm_long_mode(m[i], 0);
		m[i]->cpu->s.rip = CODE;
		m[i]->cpu->s.gpr[X86_RCX] = N;
		m[i]->cpu->exc_intercept = UD;
	}
	COPY(m[0], CODE, lock_loop);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&th[i], NULL, lock_thread, m[i]))
			return 1;
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], &ret[i]);
	for (int i = 0; i < 2; i++)
		EXPECT_RET((long)ret[i] == X86_STOP_EXCEPTION &&
		      m[i]->cpu->s.ev.exc_nr == X86_EXC_UD,
		      "vcpu %d: %ld", i, (long)ret[i]);
	EXPECT_RET(tm_rd64(m[0], 0x200000) == 2 * N, "xadd %llu",
	      (unsigned long long)tm_rd64(m[0], 0x200000));
	EXPECT_RET(tm_rd64(m[0], 0x200008) == 2 * N, "cmpxchg %llu",
	      (unsigned long long)tm_rd64(m[0], 0x200008));
	EXPECT_RET(tm_rd64(m[0], 0x200018) == 2 * N, "xchg lock %llu",
	      (unsigned long long)tm_rd64(m[0], 0x200018));
	EXPECT_RET(rd32(m[0], 0x200101) == 2 * N, "misaligned %u",
	      rd32(m[0], 0x200101));
	EXPECT_RET(rd32(m[0], 0x200ffe) == 2 * N, "page split %u",
	      rd32(m[0], 0x200ffe));
	EXPECT_RET(tm_rd64(m[0], 0x200020) == 2 * N &&
	      tm_rd64(m[0], 0x200028) == 4 * N, "cmpxchg16b %llu %llu",
	      (unsigned long long)tm_rd64(m[0], 0x200020),
	      (unsigned long long)tm_rd64(m[0], 0x200028));
	x86_cpu_destroy(m[1]->cpu);
	free(m[1]);
	tm_destroy(m[0]);
	x86_code_tracker_destroy(t);
	return 0;
}

static int run_exits(struct tmach *m, int *nexit)
{
	int r;

	for (;;) {
		r = x86_cpu_run(m->cpu, 1000);
		if (r != X86_STOP_EXIT)
			return r;
		(*nexit)++;
		tm_complete(m);
	}
}

static int test_mmio_restart(void)
{
	struct tmach *m = tm_create(NULL);
	struct x86_cpu *cpu = m->cpu;
	int r, nexit = 0;

	tm_long_mode(m, 0);
	COPY(m, CODE, mmio_rmw);
	m->regs[0] = 100;
	m->regs[1] = 7;
	m->exit_mode = true;
	cpu->s.rip = CODE;
	cpu->s.gpr[X86_RAX] = 0x3ff000;
	cpu->s.gpr[X86_RBX] = 5;
	cpu->s.gpr[X86_RCX] = 9;
	cpu->exc_intercept = UD;
	/* First exit: the read of ADD; nothing committed. */
	r = x86_cpu_run(cpu, 1000);
	EXPECT_RET(r == X86_STOP_EXIT && cpu->s.rip == CODE, "first: %d", r);
	tm_complete(m);
	r = run_exits(m, &nexit);
	EXPECT_RET(r == X86_STOP_EXCEPTION && cpu->s.ev.exc_nr == X86_EXC_UD,
	      "end: %d", r);
	EXPECT_RET(m->regs[0] == 105, "add result %llu",
	      (unsigned long long)m->regs[0]);
	EXPECT_RET(m->regs[1] == 9 && cpu->s.gpr[X86_RCX] == 7, "xchg");
	EXPECT_RET(m->dev_reads == 2 && m->dev_writes == 2,
	      "device saw %u reads %u writes", m->dev_reads, m->dev_writes);
	EXPECT_RET(m->exits == 4, "exits %u", m->exits);
	tm_destroy(m);
	return 0;
}

static int test_rep_mmio(void)
{
	struct tmach *m = tm_create(NULL);
	struct x86_cpu *cpu = m->cpu;
	int r, nexit = 0;

	tm_long_mode(m, 0);
	COPY(m, CODE, mmio_rep);
	m->exit_mode = true;
	cpu->s.rip = CODE;
	cpu->s.gpr[X86_RDI] = 0x3ff010;
	cpu->s.gpr[X86_RCX] = 5;
	cpu->s.gpr[X86_RAX] = 0xabcd;
	cpu->exc_intercept = UD;
	r = x86_cpu_run(cpu, 1000);
	EXPECT_RET(r == X86_STOP_EXIT && cpu->s.gpr[X86_RCX] == 5, "first %d", r);
	tm_complete(m);
	r = x86_cpu_run(cpu, 1000);
	EXPECT_RET(r == X86_STOP_EXIT && cpu->s.gpr[X86_RCX] == 4 &&
	      cpu->s.gpr[X86_RDI] == 0x3ff014, "second: rcx %llu",
	      (unsigned long long)cpu->s.gpr[X86_RCX]);
	tm_complete(m);
	r = run_exits(m, &nexit);
	EXPECT_RET(r == X86_STOP_EXCEPTION, "end %d", r);
	EXPECT_RET(m->dev_writes == 5 && cpu->s.gpr[X86_RCX] == 0,
	      "writes %u", m->dev_writes);
	for (int i = 0; i < 5; i++)
		EXPECT_RET(((uint32_t *)m->regs)[4 + i] == 0xabcd, "reg %d", i);
	tm_destroy(m);
	return 0;
}

/* HLT stops; an acknowledged interrupt wakes it and runs the handler. */
static int test_interrupts(void)
{
	struct tmach *m = tm_create(NULL);
	struct x86_cpu *cpu = m->cpu;
	int r;

	tm_long_mode(m, 0);
	COPY(m, 0x110000, irq_handler);
	COPY(m, 0x111000, nmi_handler);
	COPY(m, CODE, sti_hlt);
	tm_set_gate(m, 0x40, 0x110000, 0, 0);
	tm_set_gate(m, X86_EXC_NMI, 0x111000, 0, 0);
	cpu->s.rip = CODE;
	cpu->exc_intercept = UD;
	r = x86_cpu_run(cpu, 100);
	EXPECT_RET(r == X86_STOP_HLT && cpu->s.halted, "hlt: %d", r);
	r = x86_cpu_run(cpu, 100);
	EXPECT_RET(r == X86_STOP_HLT, "still halted: %d", r);
	m->irq_vec = 0x40;
	atomic_store(&cpu->intr_pending, true);
	r = x86_cpu_run(cpu, 100);
	EXPECT_RET(r == X86_STOP_EXCEPTION && cpu->s.ev.exc_nr == X86_EXC_UD,
	      "after irq: %d", r);
	EXPECT_RET(tm_rd64(m, 0x5000) == 1 && !cpu->s.halted, "handler ran");

	/* STI shadow: the interrupt comes after the next instruction. */
	tm_long_mode(m, 0);
	COPY(m, CODE, sti_shadow);
	cpu->s.rip = CODE;
	cpu->s.gpr[X86_RAX] = cpu->s.gpr[X86_RBX] = 0;
	m->irq_vec = 0x40;
	atomic_store(&cpu->intr_pending, true);
	cpu->exc_intercept = UD;
	r = x86_cpu_run(cpu, 100);
	EXPECT_RET(r == X86_STOP_EXCEPTION, "shadow: %d", r);
	EXPECT_RET(tm_rd64(m, 0x5000) == 2 && tm_rd64(m, 0x5008) == 1 &&
	      tm_rd64(m, 0x5010) == 0, "delivered after %llu/%llu",
	      (unsigned long long)tm_rd64(m, 0x5008),
	      (unsigned long long)tm_rd64(m, 0x5010));

	/* NMI: delivered with IF=0, masked until IRET. */
	tm_long_mode(m, 0);
	COPY(m, CODE, load_rax);
	cpu->s.rip = CODE;
	cpu->s.gpr[X86_RAX] = 0x6000;
	atomic_store(&cpu->nmi_pending, true);
	cpu->exc_intercept = UD;
	r = x86_cpu_run(cpu, 2);	/* NMI delivery + INCQ */
	EXPECT_RET(cpu->s.ev.nmi_masked, "NMI not masked in handler");
	r = x86_cpu_run(cpu, 100);
	EXPECT_RET(r == X86_STOP_EXCEPTION && tm_rd64(m, 0x5018) == 1 &&
	      !cpu->s.ev.nmi_masked && cpu->s.gpr[X86_RCX] == 0x4444,
	      "nmi: %d", r);
	tm_destroy(m);
	return 0;
}

static void set_prot32(struct tmach *m)
{
	struct x86_state *s = &m->cpu->s;
	uint64_t d[] = { 0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull,
			 0x00cffa000000ffffull, 0x00cff2000000ffffull,
			 0x0000890000000067ull | ((uint64_t)TM_TSS << 16) };

	memcpy(m->ram + TM_GDT, d, sizeof(d));
	memset(m->ram + TM_TSS, 0, 0x68);
	*(uint32_t *)(m->ram + TM_TSS + 4) = 0x7f000;	/* ESP0 */
	*(uint32_t *)(m->ram + TM_TSS + 8) = 0x10;	/* SS0 */
	s->cr0 = X86_CR0_PE | X86_CR0_ET;
	s->cr4 = 0;
	s->efer = 0;
	s->gdt.base = TM_GDT;
	s->gdt.limit = sizeof(d) - 1;
	s->idt.base = TM_IDT;
	s->idt.limit = 0x7ff;
	memset(&s->seg[X86_TR], 0, sizeof(s->seg[X86_TR]));
	s->seg[X86_TR].selector = 0x28;
	s->seg[X86_TR].base = TM_TSS;
	s->seg[X86_TR].limit = 0x67;
	s->seg[X86_TR].type = 0xb;
	s->seg[X86_TR].present = 1;
	for (int i = 0; i < X86_NR_SREGS; i++) {
		struct x86_seg *g = &s->seg[i];

		memset(g, 0, sizeof(*g));
		g->selector = i == X86_CS ? 0x1b : 0x23;
		g->type = i == X86_CS ? 0xb : 3;
		g->s = g->present = g->db = g->g = 1;
		g->dpl = 3;
		g->limit = 0xffffffff;
	}
	s->gpr[X86_RSP] = 0x60000;
	memset(&s->ev, 0, sizeof(s->ev));
	x86_cpu_set_rflags(m->cpu, X86_FIXED1);
	x86_cpu_state_changed(m->cpu);
}

/* 32-bit: ring 3 INT 0x80 through an interrupt gate, TSS stack, IRET. */
static int test_prot32(void)
{
	struct tmach *m = tm_create(NULL);
	struct x86_cpu *cpu = m->cpu;
	uint64_t gate = (0x110000 & 0xffff) | (0x08ull << 16) |
			(0xeeull << 40) | ((0x110000ull >> 16) << 48);
	int r;

	set_prot32(m);
	COPY(m, CODE, pm_user);
	COPY(m, 0x110000, pm_int80);
	memcpy(m->ram + TM_IDT + 0x80 * 8, &gate, 8);
	cpu->s.rip = CODE;
	cpu->exc_intercept = UD;
	r = x86_cpu_run(cpu, 100);
	EXPECT_RET(r == X86_STOP_EXCEPTION && cpu->s.ev.exc_nr == X86_EXC_UD,
	      "stop %d vec %d %s", r, cpu->s.ev.exc_nr, cpu->internal_msg);
	EXPECT_RET(*(uint32_t *)(m->ram + 0x5000) == 0x7f000 - 20, "ring0 esp %#x",
	      *(uint32_t *)(m->ram + 0x5000));
	EXPECT_RET(*(uint32_t *)(m->ram + 0x5004) == 0x1b, "frame cs");
	EXPECT_RET(*(uint32_t *)(m->ram + 0x5040) == 15, "eax");
	EXPECT_RET(*(uint32_t *)(m->ram + 0x5044) == 0x60000, "user esp");
	EXPECT_RET(cpu->s.seg[X86_CS].selector == 0x1b &&
	      cpu->s.seg[X86_SS].selector == 0x23, "back in ring 3");

	/* SYSENTER / SYSEXIT. */
	set_prot32(m);
	COPY(m, CODE, pm_sysenter_user);
	COPY(m, 0x111000, pm_sysenter_kern);
	x86_cpu_set_msr(cpu, X86_MSR_SYSENTER_CS, 0x08);
	x86_cpu_set_msr(cpu, X86_MSR_SYSENTER_EIP, 0x111000);
	x86_cpu_set_msr(cpu, X86_MSR_SYSENTER_ESP, 0x7e000);
	cpu->s.rip = CODE;
	cpu->exc_intercept = UD;
	r = x86_cpu_run(cpu, 100);
	EXPECT_RET(r == X86_STOP_EXCEPTION && cpu->s.ev.exc_nr == X86_EXC_UD,
	      "sysenter: stop %d vec %d", r, cpu->s.ev.exc_nr);
	EXPECT_RET(*(uint32_t *)(m->ram + 0x5050) == 0x99, "sysenter result %#x rip %#llx eax %#llx cs %#x",
	      *(uint32_t *)(m->ram + 0x5050), (unsigned long long)cpu->s.rip, (unsigned long long)cpu->s.gpr[0], cpu->s.seg[X86_CS].selector);
	EXPECT_RET(cpu->s.seg[X86_CS].selector == 0x1b &&
	      cpu->s.gpr[X86_RSP] == 0x60000, "sysexit state");
	tm_destroy(m);
	return 0;
}

/* Ring-0 32-bit load of (%eax): returns the stop reason. */
static int run_load32(struct tmach *m, uint32_t addr)
{
	struct x86_cpu *cpu = m->cpu;

	COPY(m, CODE, load_eax);
	cpu->s.rip = CODE;
	cpu->s.gpr[X86_RAX] = addr;
	cpu->exc_intercept = (1u << X86_EXC_PF) | UD;
	memset(&cpu->s.ev, 0, sizeof(cpu->s.ev));
	return x86_cpu_run(cpu, 10);
}

/* 32-bit paging with PSE 4 MiB pages, and PAE with 2 MiB and 4 KiB. */
static int test_paging32(void)
{
	struct tmach *m = tm_create(NULL);
	struct x86_cpu *cpu = m->cpu;
	uint32_t *pd = (uint32_t *)(m->ram + 0x30000);
	uint64_t *pdpt = (uint64_t *)(m->ram + 0x20000);
	uint64_t *pd64 = (uint64_t *)(m->ram + 0x21000);
	uint64_t *pt64 = (uint64_t *)(m->ram + 0x22000);
	int r;

	set_prot32(m);
	/* Ring 0 flat. */
	for (int i = 0; i < X86_NR_SREGS; i++) {
		cpu->s.seg[i].dpl = 0;
		cpu->s.seg[i].selector = i == X86_CS ? 0x08 : 0x10;
	}
	/* Non-PAE: PD[0] = 4 MiB page at 0, PD[1] = 4 MiB page at 4 MiB RO. */
	pd[0] = 0x83 | 4;
	pd[1] = 0x400000 | 0x81;
	cpu->s.cr3 = 0x30000;
	cpu->s.cr4 = X86_CR4_PSE;
	cpu->s.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_ET;
	x86_cpu_state_changed(cpu);
	r = run_load32(m, 0x5008);
	EXPECT_RET(r == X86_STOP_EXCEPTION && cpu->s.ev.exc_nr == X86_EXC_UD,
	      "pse load: %d vec %d", r, cpu->s.ev.exc_nr);
	EXPECT_RET(pd[0] & 0x20, "PDE accessed bit");
	r = run_load32(m, 0x800010);
	EXPECT_RET(r == X86_STOP_EXCEPTION && cpu->s.ev.exc_nr == X86_EXC_PF &&
	      cpu->s.ev.exc_error == 0 && cpu->s.cr2 == 0x800010,
	      "pse not present: %d err %#x", r, cpu->s.ev.exc_error);

	/* PAE: PDPTE[0] -> PD: [0] -> PT (4 KiB), [1] = 2 MiB page. */
	pdpt[0] = 0x21000 | 1;
	pd64[0] = 0x22000 | 3;
	pd64[1] = 0x200000 | 0x83;
	for (int i = 0; i < 512; i++)
		pt64[i] = ((uint64_t)i << 12) | 3;
	pt64[0x180] = 0;			/* 0x180000 not present */
	pt64[0x181] |= 1ull << 63;		/* NX */
	cpu->s.cr3 = 0x20000;
	cpu->s.cr4 = X86_CR4_PAE;
	cpu->s.efer = X86_EFER_NXE;
	x86_cpu_state_changed(cpu);
	EXPECT_RET(cpu->s.pdptr[0] == (0x21000 | 1), "PDPTRs loaded");
	r = run_load32(m, 0x5000);
	EXPECT_RET(r == X86_STOP_EXCEPTION && cpu->s.ev.exc_nr == X86_EXC_UD,
	      "pae load: %d", r);
	r = run_load32(m, 0x180004);
	EXPECT_RET(r == X86_STOP_EXCEPTION && cpu->s.ev.exc_nr == X86_EXC_PF &&
	      cpu->s.ev.exc_error == 0 && cpu->s.cr2 == 0x180004,
	      "pae not present: err %#x", cpu->s.ev.exc_error);
	r = run_load32(m, 0x200010);		/* 2 MiB page: fine */
	EXPECT_RET(r == X86_STOP_EXCEPTION && cpu->s.ev.exc_nr == X86_EXC_UD,
	      "pae 2M: %d", r);
	/* Execute from the NX page: I/D in the error code. */
	memset(&cpu->s.ev, 0, sizeof(cpu->s.ev));
	cpu->s.rip = 0x181000;
	r = x86_cpu_run(cpu, 10);
	EXPECT_RET(r == X86_STOP_EXCEPTION && cpu->s.ev.exc_nr == X86_EXC_PF &&
	      cpu->s.ev.exc_error == 0x11, "pae nx: err %#x",
	      cpu->s.ev.exc_error);
	tm_destroy(m);
	return 0;
}

/* Not a pass/fail test: guest MIPS on a 4-instruction loop. */
static int bench(void)
{
	struct tmach *m = tm_create(NULL);
	struct x86_cpu *cpu = m->cpu;
	struct timespec t0, t1;
	uint64_t n = 50000000;
	double s;

	tm_long_mode(m, 0);
	COPY(m, CODE, bench_loop);
	cpu->s.rip = CODE;
	cpu->s.gpr[X86_RCX] = n / 4;
	cpu->exc_intercept = UD;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	while (x86_cpu_run(cpu, ~0ull) != X86_STOP_EXCEPTION)
		;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("bench: %llu instructions in %.3f s CPU time = %.1f MIPS\n",
	       (unsigned long long)cpu->insns, s, cpu->insns / s / 1e6);
	tm_destroy(m);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(void); } tests[] = {
		{ "mode_switch", test_mode_switch },
		{ "paging", test_paging },
		{ "exceptions_64", test_exceptions_64 },
		{ "syscall", test_syscall },
		{ "real_int", test_real_int },
		{ "smc", test_smc },
		{ "cross_vcpu", test_cross_vcpu },
		{ "cross_vcpu_threads", test_cross_vcpu_threads },
		{ "lock_smp", test_lock_smp },
		{ "mmio_restart", test_mmio_restart },
		{ "rep_mmio", test_rep_mmio },
		{ "interrupts", test_interrupts },
		{ "prot32", test_prot32 },
		{ "paging32", test_paging32 },
	};
	int fails = 0;

	if (argc > 1 && !strcmp(argv[1], "bench"))
		return bench();
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		int r = tests[i].fn();

		printf("%s %s\n", r ? "FAIL" : "ok  ", tests[i].name);
		fails += r != 0;
	}
	return fails ? 1 : 0;
}
