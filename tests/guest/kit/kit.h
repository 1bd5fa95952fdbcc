/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kit.h - the cvisor guest test kit: a tiny freestanding x86-64 runtime.
 *
 * A guest test is one C file defining
 *
 *	int main(const char *cmdline);
 *
 * The kit boots it through Multiboot v1 in long mode (first 4 GiB identity
 * mapped with 2 MiB pages), with COM1, an IDT and per-vector C handlers
 * ready.  main() returning 0 reports a pass, anything else a failure; the
 * exit_*() functions report directly.  See tests/guest/README.md.
 */
#ifndef CVISOR_GUEST_KIT_H
#define CVISOR_GUEST_KIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __noreturn	__attribute__((noreturn))
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define __aligned(x)	__attribute__((aligned(x)))
#define barrier()	__asm__ __volatile__("" ::: "memory")
#define READ_ONCE(x)	(*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

/* Selectors of the kit's GDT (see head.S). */
#define KIT_CS64	0x08
#define KIT_DS		0x10
#define KIT_CS32	0x18
#define KIT_DS_ALT	0x20	/* a second flat data segment, for tests */

/* ------------------------------------------------------------ entry point */

int main(const char *cmdline);

/* Called on each AP started by smp_boot(); weak default halts. */
void ap_main(int cpu_index);

/* ----------------------------------------------------------- libc subset */

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/* Parses decimal, or hex with 0x; stops at the first invalid character. */
uint64_t strtou64(const char *s, const char **end);

/* ------------------------------------------------------------ console I/O */

void serial_init(void);
void serial_putc(char c);
/* True once "go" has been typed on COM1; never blocks. */
bool serial_go(void);
void puts(const char *s);		/* no newline appended */
int printf(const char *fmt, ...) __printf(1, 2);
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* ---------------------------------------------------------- test results */

/* Values written to isa-debug-exit (port 0xF4); see docs/conventions.md. */
#define EXIT_PORT		0xF4
#define EXIT_CODE_PASS		0	/* cvisor status 1 */
#define EXIT_CODE_FAIL		1	/* cvisor status 3 */
#define EXIT_CODE_SKIP		38	/* cvisor status 77 */

void __noreturn exit_code(uint32_t v);
void __noreturn exit_pass(void);
void __noreturn exit_fail(const char *fmt, ...) __printf(1, 2);
void __noreturn exit_skip(const char *fmt, ...) __printf(1, 2);
/* Stop this CPU for good (interrupts off). */
void __noreturn halt_forever(void);

#define ASSERT(cond) do {						\
	if (!(cond))							\
		exit_fail("%s:%d: assertion failed: %s",		\
			  __FILE__, __LINE__, #cond);			\
} while (0)

/* Compares as u64 and prints both values in hex and decimal on failure. */
#define ASSERT_EQ(a, b) do {						\
	uint64_t __a = (uint64_t)(a), __b = (uint64_t)(b);		\
	if (__a != __b)							\
		exit_fail("%s:%d: %s == %s failed: 0x%llx (%lld) != "	\
			  "0x%llx (%lld)", __FILE__, __LINE__, #a, #b,	\
			  (unsigned long long)__a, (long long)__a,	\
			  (unsigned long long)__b, (long long)__b);	\
} while (0)

#define ASSERT_NE(a, b) do {						\
	uint64_t __a = (uint64_t)(a), __b = (uint64_t)(b);		\
	if (__a == __b)							\
		exit_fail("%s:%d: %s != %s failed: both 0x%llx",	\
			  __FILE__, __LINE__, #a, #b,			\
			  (unsigned long long)__a);			\
} while (0)

/* ------------------------------------------------------------- cmdline */

/*
 * The Multiboot command line is "[image-name] key=value key2=value2 ...".
 * cmdline_get() returns the value of @key copied into a static buffer
 * (overwritten by the next call), "" for a bare "key", or NULL if absent.
 */
const char *cmdline_get(const char *key);
/* Numeric value of @key (decimal or 0x hex), or @def if absent. */
uint64_t cmdline_u64(const char *key, uint64_t def);

/* ------------------------------------------------------- low-level x86 */

static inline void outb(uint16_t port, uint8_t v)
{ __asm__ __volatile__("outb %0, %1" :: "a"(v), "Nd"(port) : "memory"); }
static inline void outw(uint16_t port, uint16_t v)
{ __asm__ __volatile__("outw %0, %1" :: "a"(v), "Nd"(port) : "memory"); }
static inline void outl(uint16_t port, uint32_t v)
{ __asm__ __volatile__("outl %0, %1" :: "a"(v), "Nd"(port) : "memory"); }
static inline uint8_t inb(uint16_t port)
{ uint8_t v; __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory"); return v; }
static inline uint16_t inw(uint16_t port)
{ uint16_t v; __asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory"); return v; }
static inline uint32_t inl(uint16_t port)
{ uint32_t v; __asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory"); return v; }

/*
 * Port I/O and MMIO are compiler barriers ("memory"): a doorbell write must
 * not be reordered with the stores that prepare what it points at.  The
 * MMIO accessors are one mov of exactly the named width, so the VMM sees
 * an access of that size.
 */
static inline void mmio_write8(uint64_t a, uint8_t v)
{ __asm__ __volatile__("movb %1, %0" : "=m"(*(volatile uint8_t *)a) : "q"(v) : "memory"); }
static inline void mmio_write16(uint64_t a, uint16_t v)
{ __asm__ __volatile__("movw %1, %0" : "=m"(*(volatile uint16_t *)a) : "r"(v) : "memory"); }
static inline void mmio_write32(uint64_t a, uint32_t v)
{ __asm__ __volatile__("movl %1, %0" : "=m"(*(volatile uint32_t *)a) : "r"(v) : "memory"); }
static inline void mmio_write64(uint64_t a, uint64_t v)
{ __asm__ __volatile__("movq %1, %0" : "=m"(*(volatile uint64_t *)a) : "r"(v) : "memory"); }
static inline uint8_t mmio_read8(uint64_t a)
{ uint8_t v; __asm__ __volatile__("movb %1, %0" : "=q"(v) : "m"(*(volatile uint8_t *)a) : "memory"); return v; }
static inline uint16_t mmio_read16(uint64_t a)
{ uint16_t v; __asm__ __volatile__("movw %1, %0" : "=r"(v) : "m"(*(volatile uint16_t *)a) : "memory"); return v; }
static inline uint32_t mmio_read32(uint64_t a)
{ uint32_t v; __asm__ __volatile__("movl %1, %0" : "=r"(v) : "m"(*(volatile uint32_t *)a) : "memory"); return v; }
static inline uint64_t mmio_read64(uint64_t a)
{ uint64_t v; __asm__ __volatile__("movq %1, %0" : "=r"(v) : "m"(*(volatile uint64_t *)a) : "memory"); return v; }

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" :: "c"(msr), "a"((uint32_t)v),
			     "d"((uint32_t)(v >> 32)) : "memory");
}

struct cpuid_regs {
	uint32_t a, b, c, d;
};

static inline struct cpuid_regs cpuid_count(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r;

	__asm__ __volatile__("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d)
			     : "a"(leaf), "c"(sub));
	return r;
}

static inline struct cpuid_regs cpuid(uint32_t leaf)
{
	return cpuid_count(leaf, 0);
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR(n)							\
static inline uint64_t read_cr##n(void)					\
{ uint64_t v; __asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
static inline void write_cr##n(uint64_t v)				\
{ __asm__ __volatile__("mov %0, %%cr" #n :: "r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
DEFINE_CR(8)
#undef DEFINE_CR

static inline uint64_t read_rflags(void)
{
	uint64_t v;

	__asm__ __volatile__("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline void cli(void) { __asm__ __volatile__("cli" ::: "memory"); }
static inline void sti(void) { __asm__ __volatile__("sti" ::: "memory"); }
/* STI's one-instruction shadow makes "sti; hlt" race-free. */
static inline void sti_hlt(void) { __asm__ __volatile__("sti; hlt" ::: "memory"); }
static inline void hlt(void) { __asm__ __volatile__("hlt" ::: "memory"); }
static inline void pause(void) { __asm__ __volatile__("pause" ::: "memory"); }

#define MSR_EFER		0xC0000080
#define MSR_FS_BASE		0xC0000100
#define MSR_GS_BASE		0xC0000101
#define MSR_KERNEL_GS_BASE	0xC0000102
#define MSR_APIC_BASE		0x0000001B

/* XCR0 and the XSAVE area (64-byte aligned @p, components in @mask). */
static inline void xsetbv(uint64_t v)
{
	__asm__ __volatile__("xsetbv" :: "a"((uint32_t)v),
			     "d"((uint32_t)(v >> 32)), "c"(0));
}

static inline void xsave(void *p, uint64_t mask)
{
	__asm__ __volatile__("xsave64 (%0)" :: "r"(p), "a"((uint32_t)mask),
			     "d"((uint32_t)(mask >> 32)) : "memory");
}

static inline void xrstor(void *p, uint64_t mask)
{
	__asm__ __volatile__("xrstor64 (%0)" :: "r"(p), "a"((uint32_t)mask),
			     "d"((uint32_t)(mask >> 32)) : "memory");
}

/* ------------------------------------------------------ interrupts/IDT */

/* Register frame built by the IDT stubs (isr.S); handlers may edit it. */
struct frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	/* pushed by the CPU */
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*handler_t)(struct frame *f);

#define DE_VECTOR	0
#define DB_VECTOR	1
#define BP_VECTOR	3
#define UD_VECTOR	6
#define DF_VECTOR	8
#define GP_VECTOR	13
#define PF_VECTOR	14

/* Install @fn for @vec (NULL restores the default, which fails the test). */
void set_handler(int vec, handler_t fn);
/* Remap the 8259 PICs to 0x20-0x2F and mask them (done at boot). */
void pic_disable(void);
/* Load the kit's IDT on this CPU (done at boot and for each AP). */
void idt_load(void);

/* What a caught exception looked like. */
struct exc_info {
	int vector;
	uint64_t error_code;
	uint64_t rip;		/* RIP the CPU pushed (fault: the insn; trap: next) */
	uint64_t cr2;		/* read in the handler, for #PF */
};

/*
 * Run fn(arg) and catch exception @vec if fn raises it: the handler records
 * it in @info and resumes right after the catch_exception() call, with the
 * callee-saved registers and stack of the caller.  Returns true if @vec was
 * raised, false if fn returned normally.  Any other vector still goes to
 * its handler (by default: test failure).  Not reentrant per CPU; the BSP
 * and APs each have their own slot.
 */
bool catch_exception(int vec, void (*fn)(void *), void *arg,
		     struct exc_info *info);
/* @vec for catch_exception(): any vector, exceptions and interrupts. */
#define CATCH_ANY	(-2)

/* ------------------------------------------------------------- fw_cfg */

#define FW_CFG_SIGNATURE	0x0000
#define FW_CFG_ID		0x0001
#define FW_CFG_RAM_SIZE		0x0003
#define FW_CFG_NB_CPUS		0x0005

void fwcfg_read(uint16_t key, void *buf, size_t len);
uint64_t fwcfg_read_u64(uint16_t key);
uint16_t fwcfg_read_u16(uint16_t key);
/* True if key 0 reads "QEMU". */
bool fwcfg_present(void);

/* ------------------------------------------------------ KVM hypercalls */

#define KVM_HC_MAP_GPA_RANGE	12
#define KVM_MAP_GPA_ENCRYPTED	(1ull << 4)	/* to private; 0: to shared */
#define KVM_MAP_GPA_2M		1ull		/* page-size hint */

/* KVM's MAP_GPA_RANGE hypercall: RAX's answer (-1000 = not enabled). */
static inline int64_t kvm_map_gpa_range(uint64_t gpa, uint64_t npages,
					uint64_t attrs)
{
	uint64_t ret;

	__asm__ __volatile__("vmcall"
			     : "=a"(ret)
			     : "a"((uint64_t)KVM_HC_MAP_GPA_RANGE), "b"(gpa),
			       "c"(npages), "d"(attrs)
			     : "memory");
	return (int64_t)ret;
}

/* ------------------------------------------------------------- testdev */

#define TESTDEV_PIO_BASE	0xE0
#define TESTDEV_DOORBELL	0xE8
#define TESTDEV_MMIO_BASE	0xFEB00000ull

enum testdev_op {
	TESTDEV_MEMSLOT_ADD = 1,
	TESTDEV_MEMSLOT_DEL = 2,
	TESTDEV_MEMSLOT_MOVE = 3,
	TESTDEV_VCPU_STATE_ROUNDTRIP = 4,
	TESTDEV_HAS_CAP = 5,
	TESTDEV_SMI = 6,	/* KVM_SMI on the calling vCPU */
	TESTDEV_SCAN = 7,
	TESTDEV_DMA_PROBE = 8,
};

/* enum hv_cap in src/hv/hv.h: only the ones guest tests ask about. */
#define HV_CAP_IRQCHIP		0
#define HV_CAP_READONLY_MEM	7
#define HV_CAP_X86_SMM		17

struct testdev_cmd {
	uint32_t op;
	int32_t result;
	uint64_t arg[6];
	char msg[8];
};

/*
 * Run a command: testdev_cmd(op, arg0, arg1, ...).  Returns the VMM's
 * result (0, a capability value, or -errno).  Uses one static buffer: BSP
 * only, not reentrant.  testdev_last_msg() is the VMM's tag of the last
 * command, NUL terminated.
 */
#define testdev_cmd(op, ...) \
	testdev_cmd_array((op), (const uint64_t[6]){ __VA_ARGS__ })
int testdev_cmd_array(uint32_t op, const uint64_t args[6]);
const char *testdev_last_msg(void);
/* Address of the static command buffer, for asm that rings the doorbell. */
struct testdev_cmd *testdev_buffer(void);
/* True if the doorbell answers (false on QEMU or without --testdev). */
bool testdev_present(void);
/* exit_skip() unless testdev_present(). */
void testdev_require(void);
/* HAS_CAP, or -1 without testdev. */
int testdev_has_cap(int cap);

/* --------------------------------------------------------------- LAPIC */

#define APIC_BASE		0xFEE00000ull
#define APIC_ID			0x020
#define APIC_VERSION		0x030
#define APIC_TPR		0x080
#define APIC_EOI		0x0B0
#define APIC_SVR		0x0F0
#define APIC_ESR		0x280
#define APIC_ICR_LO		0x300
#define APIC_ICR_HI		0x310
#define APIC_LVT_TIMER		0x320
#define APIC_TMICT		0x380
#define APIC_TMCCT		0x390
#define APIC_TDCR		0x3E0

#define APIC_ICR_FIXED		0x00000
#define APIC_ICR_INIT		0x00500
#define APIC_ICR_STARTUP	0x00600
#define APIC_ICR_BUSY		0x01000
#define APIC_ICR_ASSERT		0x04000
#define APIC_ICR_SELF		0x40000	/* destination shorthand 01 */

#define APIC_SPURIOUS_VECTOR	0xFF

uint32_t apic_read(uint32_t reg);
void apic_write(uint32_t reg, uint32_t v);
/* Software-enable the LAPIC (SVR) with vector 0xFF as spurious; TPR 0. */
void apic_enable(void);
uint32_t apic_id(void);
void apic_eoi(void);
/* One-shot timer: @count ticks of the bus clock / 1, firing @vector. */
void apic_timer_oneshot(uint8_t vector, uint32_t count);
void apic_timer_stop(void);
/* Send an IPI: @icr_lo is vector | delivery mode | flags; waits idle. */
void apic_icr_send(uint32_t dest_apic_id, uint32_t icr_lo);
void apic_send_ipi(uint32_t dest_apic_id, uint8_t vector);
void apic_self_ipi(uint8_t vector);

/* IOAPIC (MMIO at 0xFEC00000): redirection entry low word bits. */
#define IOAPIC_BASE		0xFEC00000ull
#define IOAPIC_RTE_LOW		(1u << 13)	/* active low */
#define IOAPIC_RTE_LEVEL	(1u << 15)	/* level triggered */
#define IOAPIC_RTE_MASKED	(1u << 16)
/* Pin @pin: @lo (vector | IOAPIC_RTE_*), fixed, to this CPU's APIC. */
void ioapic_route(unsigned int pin, uint32_t lo);

/* Spin for about @cycles TSC cycles. */
void tsc_delay(uint64_t cycles);

/* ----------------------------------------------------------------- SMP */

#define MAX_CPUS		8
#define AP_STACK_SIZE		8192
/* Physical address the real-mode AP trampoline is copied to (SIPI 0x08). */
#define AP_TRAMPOLINE_ADDR	0x8000

/*
 * Start CPUs 1..@ncpus-1 (APIC IDs assumed to equal the index) one at a
 * time with INIT-SIPI-SIPI; each runs ap_main(index) in long mode on its
 * own stack with the kit's GDT, IDT and page tables.  Returns the number of
 * CPUs online (including the BSP) when all started or one timed out.
 */
int smp_boot(int ncpus);
/* 0 on the BSP, the index given by smp_boot() on an AP. */
int smp_cpu_index(void);

#endif
