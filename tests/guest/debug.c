// SPDX-License-Identifier: GPL-2.0
/*
 * debug.c - the debug registers as a guest kernel uses them: DR0-DR3
 * instruction breakpoints (a fault, RF lets IRET resume past it), data
 * write and read/write breakpoints and I/O breakpoints (traps after the
 * access), DR6.Bn reporting, single-step with the TF value an instruction
 * starts with (POPF that sets TF traps one instruction later, POPF that
 * clears it still traps), DR7.GD general detect, the DR4/DR5 aliases
 * and their #UD with CR4.DE, ICEBP, and #GP for DR7 bits 63:32.
 */
#include "kit.h"

#define RFLAGS_RF	(1ull << 16)
#define DR6_INIT	0xffff0ff0ull
#define DR6_BD		(1ull << 13)
#define DR6_BS		(1ull << 14)
#define DR7_GD		(1ull << 13)
#define CR4_DE		(1ull << 3)

/* DR7 fields of breakpoint @n. */
#define DR7_L(n)		(1ull << ((n) * 2))
#define DR7_RW(n, rw)		((uint64_t)(rw) << (16 + (n) * 4))
#define DR7_LEN(n, len)		((uint64_t)(len) << (18 + (n) * 4))
#define RW_EXEC 0
#define RW_WRITE 1
#define RW_IO 2
#define RW_RW 3
#define LEN_1 0
#define LEN_2 1
#define LEN_8 2
#define LEN_4 3

#define DEFINE_DR(n)							\
static inline uint64_t read_dr##n(void)					\
{ uint64_t v; __asm__ __volatile__("mov %%dr" #n ", %0" : "=r"(v)); return v; } \
static inline void write_dr##n(uint64_t v)				\
{ __asm__ __volatile__("mov %0, %%dr" #n :: "r"(v) : "memory"); }
DEFINE_DR(0)
DEFINE_DR(1)
DEFINE_DR(2)
DEFINE_DR(3)
DEFINE_DR(6)
DEFINE_DR(7)

uint32_t watched[4] __aligned(16);
extern const char dw_next[], dw8_next[], dr_next[], io_next[], gd_insn[];
extern const char icebp_next[], ss_seq[], ss_1[], ss_2[], ss_3[], ss_end[];
void ss_run(void);

__asm__(
	".text\n"
	/*
	 * POPF sets TF: the first trap follows the NOP after it.  The second
	 * POPF clears TF and still traps (TF was set when it started).
	 */
	".globl ss_run, ss_seq, ss_1, ss_2, ss_3, ss_end\n"
	"ss_run:\n"
	"ss_seq:\n"
	"	pushfq\n"
	"	orq $0x100, (%rsp)\n"
	"	popfq\n"
	"ss_1:	nop\n"
	"ss_2:	nop\n"
	"ss_3:	pushfq\n"
	"	andq $~0x100, (%rsp)\n"
	"	popfq\n"
	"ss_end:\n"
	"	ret\n");

static void __attribute__((noipa, aligned(16))) bp_target(void *arg)
{
	__asm__ __volatile__("" ::: "memory");
	(*(volatile int *)arg)++;
}

static void do_write4(void *arg)
{
	__asm__ __volatile__("movl $5, watched+4(%%rip)\n"
			     ".globl dw_next\ndw_next:" ::: "memory");
}

static void do_write8(void *arg)
{
	__asm__ __volatile__("movq $0, watched(%%rip)\n"
			     ".globl dw8_next\ndw8_next:" ::: "memory");
}

static void do_write_other(void *arg)
{
	watched[0] = 7;
	watched[3] = 7;
}

static void do_read(void *arg)
{
	*(volatile uint32_t *)arg = watched[1];
}

static void do_read_byte(void *arg)
{
	__asm__ __volatile__("movb watched+9(%%rip), %%al\n"
			     ".globl dr_next\ndr_next:" ::: "rax", "memory");
}

static void do_out(void *arg)
{
	__asm__ __volatile__("outb %%al, $0x80\n"
			     ".globl io_next\nio_next:" :: "a"(0) : "memory");
}

static void do_gd(void *arg)
{
	uint64_t v;

	__asm__ __volatile__(".globl gd_insn\ngd_insn:\n"
			     "mov %%dr0, %0" : "=r"(v));
}

static void do_icebp(void *arg)
{
	__asm__ __volatile__(".byte 0xf1\n.globl icebp_next\nicebp_next:");
}

static void do_dr4(void *arg)
{
	uint64_t v;

	__asm__ __volatile__("mov %%dr4, %0" : "=r"(v));
	*(uint64_t *)arg = v;
}

static void do_dr7_high(void *arg)
{
	write_dr7(0x400 | (1ull << 32));
}

static int db_count;
static uint64_t db_rips[8], db_dr6[8];

/* Records the #DB, clears DR6 as a kernel does, and resumes. */
static void db_record(struct frame *f)
{
	if (db_count < 8) {
		db_rips[db_count] = f->rip;
		db_dr6[db_count] = read_dr6();
	}
	db_count++;
	write_dr6(DR6_INIT);
	/* Resume an instruction breakpoint's instruction past it. */
	f->rflags |= RFLAGS_RF;
}

static void test_exec_bp(void)
{
	volatile int runs = 0;

	db_count = 0;
	set_handler(DB_VECTOR, db_record);
	write_dr0((uintptr_t)bp_target);
	write_dr7(0x400 | DR7_L(0) | DR7_RW(0, RW_EXEC) | DR7_LEN(0, LEN_1));
	bp_target((void *)&runs);
	bp_target((void *)&runs);
	write_dr7(0x400);
	ASSERT_EQ(db_count, 2);
	ASSERT_EQ(runs, 2);
	ASSERT_EQ(db_rips[0], (uintptr_t)bp_target);
	ASSERT_EQ(db_dr6[0] & 0xf, 1);
	ASSERT_EQ(db_dr6[0] & DR6_BS, 0);
	/* Disabled: nothing fires. */
	bp_target((void *)&runs);
	ASSERT_EQ(db_count, 2);
	ASSERT_EQ(runs, 3);
	set_handler(DB_VECTOR, NULL);
	printf("instruction breakpoint: fault at the insn, B0, RF resumes\n");
}

static void test_data_bp(void)
{
	struct exc_info info;
	uint32_t v = 0;

	write_dr6(DR6_INIT);
	write_dr1((uintptr_t)&watched[1]);
	write_dr7(0x400 | DR7_L(1) | DR7_RW(1, RW_WRITE) | DR7_LEN(1, LEN_4));
	ASSERT(catch_exception(DB_VECTOR, do_write4, NULL, &info));
	ASSERT_EQ(info.rip, (uintptr_t)dw_next);
	ASSERT_EQ(watched[1], 5);	/* a trap: the write happened */
	ASSERT_EQ(read_dr6() & 0xf, 2);
	write_dr6(DR6_INIT);
	ASSERT(!catch_exception(DB_VECTOR, do_read, &v, &info));
	ASSERT_EQ(v, 5);
	ASSERT(!catch_exception(DB_VECTOR, do_write_other, NULL, &info));
	/* An 8-byte store over watched[0..1] overlaps the range. */
	ASSERT(catch_exception(DB_VECTOR, do_write8, NULL, &info));
	ASSERT_EQ(info.rip, (uintptr_t)dw8_next);
	printf("data write breakpoint: trap after the store, B1; reads "
	       "and neighbours do not fire\n");

	write_dr6(DR6_INIT);
	write_dr2((uintptr_t)&watched[2] + 1);
	write_dr7(0x400 | DR7_L(2) | DR7_RW(2, RW_RW) | DR7_LEN(2, LEN_1));
	ASSERT(catch_exception(DB_VECTOR, do_read_byte, NULL, &info));
	ASSERT_EQ(info.rip, (uintptr_t)dr_next);
	ASSERT_EQ(read_dr6() & 0xf, 4);
	write_dr7(0x400);
	write_dr6(DR6_INIT);
	ASSERT(!catch_exception(DB_VECTOR, do_read_byte, NULL, &info));
	printf("data read/write breakpoint: a 1-byte read fires, B2\n");
}

static void test_io_bp(void)
{
	struct exc_info info;

	write_cr4(read_cr4() | CR4_DE);
	write_dr6(DR6_INIT);
	write_dr3(0x80);
	write_dr7(0x400 | DR7_L(3) | DR7_RW(3, RW_IO) | DR7_LEN(3, LEN_1));
	ASSERT(catch_exception(DB_VECTOR, do_out, NULL, &info));
	ASSERT_EQ(info.rip, (uintptr_t)io_next);
	ASSERT_EQ(read_dr6() & 0xf, 8);
	write_dr7(0x400);
	write_dr6(DR6_INIT);
	ASSERT(!catch_exception(DB_VECTOR, do_out, NULL, &info));
	/* With CR4.DE, DR4 and DR5 are reserved. */
	ASSERT(catch_exception(UD_VECTOR, do_dr4, NULL, &info));
	write_cr4(read_cr4() & ~CR4_DE);
	printf("I/O breakpoint (CR4.DE): trap after OUT, B3; DR4 #UD\n");
}

static void test_single_step(void)
{
	db_count = 0;
	write_dr6(DR6_INIT);
	set_handler(DB_VECTOR, db_record);
	ss_run();
	set_handler(DB_VECTOR, NULL);
	printf("single-step: %d traps\n", db_count);
	ASSERT_EQ(db_count, 5);
	ASSERT_EQ(db_rips[0], (uintptr_t)ss_2);
	ASSERT_EQ(db_rips[1], (uintptr_t)ss_3);
	ASSERT_EQ(db_rips[2], (uintptr_t)ss_3 + 1);
	ASSERT_EQ(db_rips[3], (uintptr_t)ss_end - 1);
	ASSERT_EQ(db_rips[4], (uintptr_t)ss_end);
	for (int i = 0; i < 5; i++)
		ASSERT_EQ(db_dr6[i] & (DR6_BS | 0xf), DR6_BS);
	ASSERT_EQ(read_rflags() & (1u << 8), 0);
	printf("single-step: from the insn after POPF to the POPF that "
	       "clears TF, DR6.BS\n");
}

static void test_gd(void)
{
	struct exc_info info;
	uint64_t v = 0;

	write_dr6(DR6_INIT);
	write_dr7(0x400 | DR7_GD);
	ASSERT(catch_exception(DB_VECTOR, do_gd, NULL, &info));
	ASSERT_EQ(info.rip, (uintptr_t)gd_insn);
	/* The #DB cleared GD: the handler (and we) may use DRs again. */
	ASSERT_EQ(read_dr7() & DR7_GD, 0);
	ASSERT(read_dr6() & DR6_BD);
	write_dr6(DR6_INIT);
	printf("general detect: MOV DR faults with DR6.BD, GD cleared\n");

	/* Without CR4.DE, DR4/DR5 alias DR6/DR7. */
	ASSERT(!catch_exception(UD_VECTOR, do_dr4, &v, &info));
	ASSERT_EQ(v, read_dr6());
	ASSERT(catch_exception(GP_VECTOR, do_dr7_high, NULL, &info));
	ASSERT_EQ(read_dr7() & ~0xffffffffull, 0);
	printf("DR4 aliases DR6; DR7 bit 32: #GP\n");
}

static void test_icebp(void)
{
	struct exc_info info;

	ASSERT(catch_exception(DB_VECTOR, do_icebp, NULL, &info));
	ASSERT_EQ(info.rip, (uintptr_t)icebp_next);
	printf("ICEBP: #DB trap after it\n");
}

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "exec", test_exec_bp },
	{ "data", test_data_bp },
	{ "io", test_io_bp },
	{ "step", test_single_step },
	{ "gd", test_gd },
	{ "icebp", test_icebp },
};

/* Is @name in the comma-separated list @parts? */
static bool listed(const char *parts, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = parts; *p; ) {
		if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == 0))
			return true;
		while (*p && *p != ',')
			p++;
		if (*p == ',')
			p++;
	}
	return false;
}

/* "parts=exec,step,..." runs only those parts. */
int main(const char *cmdline)
{
	const char *parts = cmdline_get("parts");

	for (size_t i = 0; i < ARRAY_SIZE(tests); i++)
		if (!parts || listed(parts, tests[i].name))
			tests[i].fn();
	return 0;
}
