// SPDX-License-Identifier: GPL-2.0
/*
 * torture.c - a random guest biased toward what hurts a VMM: port I/O to
 * every emulated device, MMIO into the LAPIC, IOAPIC, HPET, PCI config
 * space and the devices' BARs, MSR reads and writes, CPUID, far
 * transfers through random selectors, descriptor-table and other system
 * instructions, software interrupts, hypercalls, self-modifying code, on
 * every vCPU at once.  Driven by tests/guest/run-torture.
 *
 * Command line: seed=N ops=N cpus=N.  Every operation runs under
 * catch_exception(CATCH_ANY), so a fault or interrupt ends that operation
 * only.  The guest may still harm itself (a device's DMA over its own
 * code, a BAR moved over its RAM): that ends the VM, and the runner only
 * asks that the VMM survive it and name the cause.  What the guest never
 * does is park its CPUs for good: INIT, SIPI and SMI deliveries are
 * rewritten to fixed ones wherever the guest composes an interrupt
 * message (ICR, LVTs, IOAPIC entries are kept masked, HPET FSB routes,
 * MSI data), HLT/MWAIT are not generated, and the reset, poweroff and
 * debug-exit ports are left alone.
 *
 * One check is exact: code the guest rewrote (same page, at every
 * offset, across a page boundary) must run as rewritten.
 */
#include "kit.h"
#include "pci.h"

#define TORTURE_MAX_CPUS	4
#define SMC_BYTES		8192

static uint64_t rng_state[TORTURE_MAX_CPUS];
static uint64_t nr_ops, base_seed;
static int ncpus;
static volatile int cpus_done;

/* Per-CPU statistics: which kind ran, how many ended in a fault. */
enum kind { K_PIO, K_MMIO, K_MSR, K_CPUID, K_FAR, K_SYS, K_SMC, K_NR };
static const char *const kind_names[K_NR] = {
	"pio", "mmio", "msr", "cpuid", "far", "sys", "smc",
};
static uint64_t count[TORTURE_MAX_CPUS][K_NR];
static uint64_t faults[TORTURE_MAX_CPUS];

/* Code buffers the guest rewrites, one per CPU, two pages each. */
static uint8_t smc_buf[TORTURE_MAX_CPUS][SMC_BYTES] __aligned(4096);

/* Memory BARs placed at start: the MMIO windows of the PCI devices. */
struct window {
	uint64_t base, size;
};
#define MAX_WINDOWS	24
static struct window windows[MAX_WINDOWS];
static int nr_windows;
/* MSI-X tables (guest-physical), whose data words get filtered. */
static struct window msix[MAX_WINDOWS];
static int nr_msix;

static uint64_t rnd(void)
{
	uint64_t *s = &rng_state[smp_cpu_index()];

	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* A value biased toward edges: 0, all ones, single bits, random. */
static uint64_t rnd_value(void)
{
	switch (rnd_below(6)) {
	case 0: return 0;
	case 1: return ~0ull;
	case 2: return 1ull << rnd_below(64);
	case 3: return rnd_below(256);
	default: return rnd();
	}
}

/*
 * An interrupt message: its delivery mode (bits 10:8) never INIT, SIPI or
 * SMI, its vector never one of the exceptions (the kit's stubs for those
 * expect the CPU's error code where an interrupt pushes none).
 */
static uint32_t tame_delivery(uint32_t v)
{
	uint32_t mode = (v >> 8) & 7;

	if (mode == 2 || mode == 5 || mode == 6 || mode == 3)
		v &= ~(7u << 8);
	if ((v & 0xff) < 32)
		v |= 0x20;
	return v;
}

/* INT n: the vectors whose stubs expect an error code are moved up. */
static uint8_t tame_int(uint8_t n)
{
	if (n == 8 || (n >= 10 && n <= 14) || n == 17 || n == 21 ||
	    n == 29 || n == 30)
		n += 32;
	return n;
}

/* ---------------------------------------------------------------- PIO */

static const uint16_t ports[] = {
	0x20, 0x21, 0xa0, 0xa1,			/* PICs */
	0x40, 0x41, 0x42, 0x43, 0x61,		/* PIT, port B */
	0x60, 0x64,				/* i8042 */
	0x70, 0x71,				/* RTC/CMOS */
	0x80, 0x92,				/* POST, fast A20 */
	0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff,	/* COM1 */
	0x2f8, 0x2fd, 0x402, 0xe9,		/* COM2, debug consoles */
	0x4f0,					/* boot-done */
	0x510, 0x511, 0x514, 0x518,		/* fw_cfg and its DMA */
	0x600, 0x602, 0x606, 0x608,		/* ACPI PM (not PM1a_CNT) */
	0xcf8, 0xcfc, 0xcfd, 0xcfe, 0xcff,	/* PCI config */
	0x1f0, 0x170, 0x3c0, 0x3d4, 0x3d5,	/* nothing there */
};

/* Ports whose writes end or park the machine (checked by overlap). */
static const struct { uint16_t lo, hi; } no_write[] = {
	{ 0xf4, 0xf7 },		/* isa-debug-exit */
	{ 0xe0, 0xef },		/* testdev */
	{ 0xcf9, 0xcfb },	/* reset control */
	{ 0xb2, 0xb3 },		/* APM: an SMI */
	{ 0x604, 0x605 },	/* PM1a_CNT: SLP_EN */
};

static bool pio_write_ok(uint16_t port, unsigned int size, uint32_t *v)
{
	unsigned int i, last = port + size - 1;

	for (i = 0; i < sizeof(no_write) / sizeof(no_write[0]); i++)
		if (port <= no_write[i].hi && last >= no_write[i].lo)
			return false;
	if (port <= 0x64 && last >= 0x64) {
		uint32_t b = *v >> (8 * (0x64 - port)) & 0xff;

		if ((b & 0xf0) == 0xf0 || b == 0xd1)
			return false;	/* pulse reset, output port */
	}
	if (port <= 0x92 && last >= 0x92)
		*v &= ~(1u << (8 * (0x92 - port)));	/* fast reset */
	return true;
}

static void op_pio(void *arg)
{
	uint16_t port;
	uint32_t v = (uint32_t)rnd_value();
	unsigned int size = 1u << rnd_below(3);
	bool write = rnd() & 1;

	if (rnd_below(10) == 0)
		port = (uint16_t)rnd();
	else
		port = ports[rnd_below(sizeof(ports) / sizeof(ports[0]))];
	/* Config cycles aim at real devices most of the time. */
	if (port == 0xcf8 && size == 4 && write && rnd() & 1)
		v = 0x80000000u | (uint32_t)rnd_below(32) << 11 |
		    (uint32_t)rnd_below(64) << 2;
	if (write && !pio_write_ok(port, size, &v))
		write = false;
	if (write) {
		if (size == 1)
			outb(port, (uint8_t)v);
		else if (size == 2)
			outw(port, (uint16_t)v);
		else
			outl(port, v);
	} else {
		if (size == 1)
			(void)inb(port);
		else if (size == 2)
			(void)inw(port);
		else
			(void)inl(port);
	}
	/* A string form now and then: REP INS/OUTS with either DF. */
	if (rnd_below(16) == 0) {
		static uint8_t buf[TORTURE_MAX_CPUS][64];
		uint8_t *b = buf[smp_cpu_index()];
		uint64_t n = 1 + rnd_below(16);
		bool df = rnd() & 1;
		uint8_t *p = df ? b + 63 : b;

		if (df)
			__asm__ __volatile__("std");
		if (pio_write_ok(port, 1, &v))
			__asm__ __volatile__("rep outsb"
					     : "+S"(p), "+c"(n)
					     : "d"(port) : "memory");
		else
			__asm__ __volatile__("rep insb"
					     : "+D"(p), "+c"(n)
					     : "d"(port) : "memory");
		__asm__ __volatile__("cld");
	}
}

/* ---------------------------------------------------------------- MMIO */

#define IOAPIC_BASE	0xFEC00000ull
#define HPET_BASE	0xFED00000ull

static uint64_t mmio_tame(uint64_t gpa, uint64_t v, unsigned int size,
			  bool *ok)
{
	uint64_t off;

	*ok = true;
	if (gpa >= APIC_BASE && gpa < APIC_BASE + 0x1000) {
		off = gpa & 0xff0;
		/* ICR and every LVT compose a delivery mode. */
		if (off == 0x300 || (off >= 0x2f0 && off <= 0x370 && off != 0x310))
			v = tame_delivery((uint32_t)v);
		if (off == 0x300 && (gpa & 0xf))
			*ok = false;	/* a byte inside the mode field */
	} else if (gpa >= IOAPIC_BASE && gpa < IOAPIC_BASE + 0x1000) {
		/* Redirection entries: only ever masked ones. */
		if ((gpa & 0xff) == 0x10) {
			uint32_t sel = *(volatile uint32_t *)IOAPIC_BASE & 0xff;

			if (sel >= 0x10 && !(sel & 1))
				v |= 1u << 16;
			if (size < 4)
				*ok = false;
		}
	} else if (gpa >= HPET_BASE && gpa < HPET_BASE + 0x400) {
		off = gpa & 0x3ff;
		/* FSB (MSI) routes and the config with FSB enable. */
		if (off >= 0x100 && ((off - 0x100) & 0x1f) >= 0x10)
			*ok = false;
		if (off >= 0x100 && ((off - 0x100) & 0x1f) < 0x8)
			v &= ~(1ull << 14);	/* Tn_FSB_EN_CNF */
	} else if (gpa >= 0xFEB00000ull && gpa < 0xFEB01000ull) {
		*ok = false;		/* testdev */
	}
	for (int i = 0; i < nr_msix; i++)
		if (gpa >= msix[i].base && gpa < msix[i].base + msix[i].size &&
		    (gpa & 0xf) >= 8 && (gpa & 0xf) < 12)
			v = tame_delivery((uint32_t)v);
	return v;
}

static uint64_t mmio_target(void)
{
	switch (rnd_below(8)) {
	case 0: return APIC_BASE + (rnd_below(0x400) << 2);
	case 1: return IOAPIC_BASE + (rnd() & 1 ? 0x10 : 0) ;
	case 2: return HPET_BASE + (rnd_below(0x100) << 2);
	case 3: return PCI_ECAM_BASE + rnd_below(1u << 20);
	case 4: return 0xFEC00000ull + rnd_below(0x1400000);
	default:
		if (nr_windows) {
			struct window *w = &windows[rnd_below(nr_windows)];

			return w->base + rnd_below(w->size);
		}
		return PCI_MMIO_WINDOW + rnd_below(1u << 24);
	}
}

static void op_mmio(void *arg)
{
	uint64_t gpa = mmio_target(), v = rnd_value();
	unsigned int size = 1u << rnd_below(4);
	bool write = rnd() & 1, ok;

	gpa &= ~(uint64_t)(size - 1);
	if (gpa == IOAPIC_BASE && write) {
		/* Select a register (reads of it go through IOWIN). */
		*(volatile uint32_t *)gpa = (uint32_t)rnd_below(0x40);
		return;
	}
	v = mmio_tame(gpa, v, size, &ok);
	if (!ok)
		write = false;
	switch (size) {
	case 1:
		if (write)
			*(volatile uint8_t *)gpa = (uint8_t)v;
		else
			(void)*(volatile uint8_t *)gpa;
		break;
	case 2:
		if (write)
			*(volatile uint16_t *)gpa = (uint16_t)v;
		else
			(void)*(volatile uint16_t *)gpa;
		break;
	case 4:
		if (write)
			*(volatile uint32_t *)gpa = (uint32_t)v;
		else
			(void)*(volatile uint32_t *)gpa;
		break;
	default:
		if (write)
			*(volatile uint64_t *)gpa = v;
		else
			(void)*(volatile uint64_t *)gpa;
	}
	/* REP MOVS out of an MMIO window into a buffer: reads only. */
	if (rnd_below(16) == 0) {
		static uint8_t buf[TORTURE_MAX_CPUS][256];
		uint8_t *d = buf[smp_cpu_index()];
		const uint8_t *s = (const uint8_t *)gpa;
		uint64_t n = 1 + rnd_below(64);

		__asm__ __volatile__("rep movsb"
				     : "+D"(d), "+S"(s), "+c"(n) :: "memory");
	}
}

/* ---------------------------------------------------------------- MSRs */

static const uint32_t msrs[] = {
	0x10, 0x1b, 0x3a, 0x48, 0x49, 0x8b, 0xc1, 0xe7, 0xe8, 0xfe, 0x174,
	0x175, 0x176, 0x179, 0x17a, 0x1a0, 0x1d9, 0x200, 0x201, 0x250, 0x258,
	0x259, 0x277, 0x2ff, 0x345, 0x38d, 0x38f, 0x400, 0x401, 0x402, 0x480,
	0x6e0, 0x802, 0x803, 0x808, 0x80b, 0x80f, 0x828, 0x830, 0x832, 0x838,
	0x83e, 0x83f, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084,
	0xc0000103, 0xc0010015, 0xc0010114, 0xc0011022,
	0x40000000, 0x40000001, 0x40000002, 0x40000010, 0x40000020,
	0x40000021, 0x40000022, 0x40000073, 0x40000080, 0x40000090,
	0x400000b0, 0x400000f1, 0x4b564d00, 0x4b564d01, 0x4b564d02,
	0x4b564d03, 0x4b564d04, 0x11, 0x12,
};

static uint32_t msr_index(void)
{
	static const uint32_t bases[] = {
		0, 0x800, 0xc0000000, 0xc0010000, 0x40000000, 0x4b564d00,
	};

	if (rnd_below(4))
		return msrs[rnd_below(sizeof(msrs) / sizeof(msrs[0]))];
	if (rnd_below(8) == 0)
		return (uint32_t)rnd();
	return bases[rnd_below(6)] + (uint32_t)rnd_below(0x200);
}

static void op_msr(void *arg)
{
	uint32_t idx = msr_index();
	uint64_t v;

	if (rnd() & 1) {
		(void)rdmsr(idx);
		return;
	}
	/* The kit needs long mode and its own per-CPU registers. */
	if (idx == 0xc0000080 || idx == 0xc0000100 || idx == 0xc0000101 ||
	    idx == 0xc0000102)
		return;
	v = rnd() & 1 ? rnd_value() : rdmsr(idx) ^ (1ull << rnd_below(64));
	if (idx == 0x830)
		v = tame_delivery((uint32_t)v) | (v & ~0xffffffffull);
	if ((idx >= 0x832 && idx <= 0x837) || idx == 0x83f || idx == 0x82f)
		v = tame_delivery((uint32_t)v);
	wrmsr(idx, v);
}

/* --------------------------------------------------------------- CPUID */

static void op_cpuid(void *arg)
{
	static const uint32_t bases[] = {
		0, 0x40000000, 0x40000100, 0x80000000, 0xc0000000,
	};
	uint32_t a = bases[rnd_below(5)] + (uint32_t)rnd_below(0x28), b, c, d;

	if (rnd_below(8) == 0)
		a = (uint32_t)rnd();
	c = (uint32_t)rnd_below(64);
	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
}

/* ------------------------------------------------------- far transfers */

extern const char torture_landing[];
__asm__(".text\n"
	".globl torture_landing\n"
	"torture_landing:\n"
	"	ud2\n");		/* every mode decodes it: back home */

static uint16_t rnd_selector(void)
{
	if (rnd_below(3) == 0)
		return (uint16_t)rnd();
	return (uint16_t)(rnd_below(16) << 3 | rnd_below(8));
}

static void op_far(void *arg)
{
	struct __attribute__((packed)) {
		uint64_t off;
		uint16_t sel;
	} target = { (uintptr_t)torture_landing, rnd_selector() };

	switch (rnd_below(4)) {
	case 0:
		__asm__ __volatile__("rex.w ljmp *%0" :: "m"(target));
		break;
	case 1:
		__asm__ __volatile__("rex.w lcall *%0" :: "m"(target));
		break;
	case 2:		/* a far return to the selector */
		__asm__ __volatile__("pushq %0\n\tpushq %1\n\tlretq"
				     :: "r"((uint64_t)target.sel),
				        "r"(target.off) : "memory");
		break;
	default:	/* IRETQ to it, same SS and stack */
		__asm__ __volatile__("movq %%rsp, %%rax\n\t"
				     "pushq $0x10\n\tpushq %%rax\n\t"
				     "pushfq\n\tpushq %0\n\tpushq %1\n\tiretq"
				     :: "r"((uint64_t)target.sel),
				        "r"(target.off) : "rax", "memory");
	}
}

/* ------------------------------------------------------------ system */

static void op_sys(void *arg)
{
	uint64_t v = rnd_value();
	uint16_t sel = rnd_selector();
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} dt;
	uint32_t lo, hi;

	switch (rnd_below(22)) {
	case 0:
		__asm__ __volatile__("invlpg (%0)" :: "r"(v) : "memory");
		break;
	case 1:
		__asm__ __volatile__("wbinvd");
		break;
	case 2:
		__asm__ __volatile__("clflush (%0)" :: "r"(v & 0x3fffffff));
		break;
	case 3:
		__asm__ __volatile__("movq %0, %%cr8" :: "r"(v & 15));
		break;
	case 4:
		__asm__ __volatile__("rdpmc" : "=a"(lo), "=d"(hi)
				     : "c"((uint32_t)v));
		break;
	case 5:
		__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi)
				     : "c"((uint32_t)rnd_below(3)));
		break;
	case 6:
		__asm__ __volatile__("xsetbv" :: "a"((uint32_t)v | 1),
				     "d"(0), "c"(0));
		break;
	case 7:	/* debug registers, without arming them */
		switch (rnd_below(4)) {
		case 0: __asm__ __volatile__("movq %0, %%dr0" :: "r"(v)); break;
		case 1: __asm__ __volatile__("movq %0, %%dr3" :: "r"(v)); break;
		case 2: __asm__ __volatile__("movq %0, %%dr6" :: "r"(v)); break;
		default:
			__asm__ __volatile__("movq %0, %%dr7"
					     :: "r"(v & ~0x20ffull));
		}
		break;
	case 8:
		__asm__ __volatile__("larl %1, %0\n\tlsll %1, %0"
				     : "=&r"(lo) : "r"((uint32_t)sel));
		break;
	case 9:
		__asm__ __volatile__("verr %0\n\tverw %0" :: "r"(sel));
		break;
	case 10:
		__asm__ __volatile__("lldt %0" :: "r"(sel));
		__asm__ __volatile__("lldt %0" :: "r"((uint16_t)0));
		break;
	case 11:
		__asm__ __volatile__("ltr %0" :: "r"(sel));
		break;
	case 12:
		switch (rnd_below(4)) {
		case 0: __asm__ __volatile__("movw %0, %%ds" :: "r"(sel)); break;
		case 1: __asm__ __volatile__("movw %0, %%es" :: "r"(sel)); break;
		case 2: __asm__ __volatile__("movw %0, %%fs" :: "r"(sel)); break;
		default: __asm__ __volatile__("movw %0, %%ss" :: "r"(sel));
		}
		__asm__ __volatile__("movw %0, %%ds\n\tmovw %0, %%es\n\t"
				     "movw %0, %%ss"
				     :: "r"((uint16_t)KIT_DS));
		break;
	case 13: {	/* INT n for a random n: a software interrupt */
		static uint8_t code[TORTURE_MAX_CPUS][4];
		uint8_t *c = code[smp_cpu_index()];

		c[0] = 0xcd;
		c[1] = tame_int((uint8_t)rnd());
		c[2] = 0xc3;
		((void (*)(void))c)();
		break;
	}
	case 14:
		__asm__ __volatile__("int3");
		break;
	case 15:
		__asm__ __volatile__(".byte 0xf1");	/* ICEBP */
		break;
	case 16:
		__asm__ __volatile__("sgdt %0\n\tsidt %0" : "=m"(dt));
		__asm__ __volatile__("sldt %0\n\tstr %0\n\tsmsw %0"
				     : "=r"(sel));
		break;
	case 17:
		__asm__ __volatile__("rdtscp\n\trdtsc" : "=a"(lo), "=d"(hi)
				     :: "rcx");
		__asm__ __volatile__("rdrand %0\n\trdseed %0" : "=r"(v));
		break;
	case 18:	/* interrupts open for a moment */
		__asm__ __volatile__("sti\n\tnop\n\tnop\n\tcli");
		break;
	case 19: {	/* KVM's hypercall ABI with random arguments */
		uint64_t nr = rnd_below(16), a0 = rnd_value(), a1 = rnd_value();
		uint64_t a2 = rnd_value(), a3 = rnd_value();

		if (nr == 10)	/* SEND_IPI: its ICR */
			a3 = tame_delivery((uint32_t)a3);
		if (nr == 12)	/* MAP_GPA_RANGE: not here */
			nr = 0;
		__asm__ __volatile__("vmcall"
				     : "+a"(nr), "+b"(a0), "+c"(a1), "+d"(a2),
				       "+S"(a3) :: "memory");
		break;
	}
	case 20:
		__asm__ __volatile__("lfence\n\tmfence\n\tsfence\n\tpause");
		break;
	default: {	/* a descriptor table reloaded as it was */
		__asm__ __volatile__("sidt %0\n\tlidt %0" : "+m"(dt));
		__asm__ __volatile__("sgdt %0\n\tlgdt %0" : "+m"(dt));
	}
	}
}

/* ---------------------------------------------------------------- SMC */

/* mov $imm32, %eax; ret, written at @at: the bytes the CPU must run. */
static void smc_write(uint8_t *at, uint32_t imm)
{
	at[0] = 0xb8;
	at[1] = (uint8_t)imm;
	at[2] = (uint8_t)(imm >> 8);
	at[3] = (uint8_t)(imm >> 16);
	at[4] = (uint8_t)(imm >> 24);
	at[5] = 0xc3;
}

static void op_smc(void *arg)
{
	uint8_t *buf = smc_buf[smp_cpu_index()];
	uint64_t off;
	uint32_t imm, got;
	int i;

	/* Often at the page boundary: the instruction spans two pages. */
	off = rnd_below(4) == 0 ? 4096 - 1 - rnd_below(5) :
	      rnd_below(SMC_BYTES - 6);
	for (i = 0; i < 3; i++) {
		imm = (uint32_t)rnd();
		smc_write(buf + off, imm);
		got = ((uint32_t (*)(void))(buf + off))();
		if (got != imm)
			exit_fail("SMC: code at %p rewritten to return 0x%x "
				  "returned 0x%x (CPU %d)", buf + off, imm,
				  got, smp_cpu_index());
		/* Then only the immediate changes: one byte of it. */
		buf[off + 1 + rnd_below(4)] ^= (uint8_t)(1u << rnd_below(8));
		imm = buf[off + 1] | buf[off + 2] << 8 | buf[off + 3] << 16 |
		      (uint32_t)buf[off + 4] << 24;
		got = ((uint32_t (*)(void))(buf + off))();
		if (got != imm)
			exit_fail("SMC: one byte changed at %p: expected 0x%x, "
				  "got 0x%x (CPU %d)", buf + off, imm, got,
				  smp_cpu_index());
	}
}

/* ------------------------------------------------------------- driver */

static void (*const ops[K_NR])(void *) = {
	op_pio, op_mmio, op_msr, op_cpuid, op_far, op_sys, op_smc,
};
/* Weights: device I/O first. */
static const unsigned int weight[K_NR] = { 30, 30, 12, 4, 6, 12, 6 };

static void torture_loop(int cpu)
{
	struct exc_info info;
	unsigned int total = 0, w;
	uint64_t i;
	int k;

	for (k = 0; k < K_NR; k++)
		total += weight[k];
	for (i = 0; i < nr_ops; i++) {
		w = (unsigned int)rnd_below(total);
		for (k = 0; w >= weight[k]; k++)
			w -= weight[k];
		count[cpu][k]++;
		if (catch_exception(CATCH_ANY, ops[k], NULL, &info))
			faults[cpu]++;
		__asm__ __volatile__("cld\n\tcli");
	}
}

void ap_main(int cpu)
{
	torture_loop(cpu);
	__atomic_add_fetch(&cpus_done, 1, __ATOMIC_SEQ_CST);
	for (;;)
		__asm__ __volatile__("cli\n\thlt");
}

/* Place every memory BAR and note MSI-X tables, as a driver would. */
static void pci_setup(void)
{
	uint64_t next = PCI_MMIO_WINDOW;
	unsigned int dev, cap;
	bool is64;
	int bar;

	for (dev = 0; dev < 32 && nr_windows < MAX_WINDOWS; dev++) {
		if ((pci_cf8_read32(dev, 0, 0) & 0xffff) == 0xffff)
			continue;
		for (bar = 0; bar < 6 && nr_windows < MAX_WINDOWS; bar++) {
			uint32_t raw = pci_cf8_read32(dev, 0, 0x10 + 4 * bar);
			uint64_t size = pci_bar_size(dev, bar, &is64);

			if (!size || (raw & 1))
				continue;
			next = (next + size - 1) & ~(size - 1);
			pci_bar_place(dev, bar, next);
			windows[nr_windows++] = (struct window){ next, size };
			next += size;
			if (is64)
				bar++;
		}
		cap = pci_find_cap(dev, 0x11, 0);
		if (cap && nr_msix < MAX_WINDOWS) {
			uint32_t tbl = pci_cf8_read32(dev, 0, cap + 4);
			uint32_t n = (pci_cf8_read32(dev, 0, cap) >> 16 & 0x7ff) + 1;
			uint32_t bar_lo = pci_cf8_read32(dev, 0,
							 0x10 + 4 * (tbl & 7));

			msix[nr_msix++] = (struct window){
				(bar_lo & ~0xfull) + (tbl & ~7u), n * 16ull };
		}
	}
}

static void ignore(struct frame *f)
{
}

/*
 * An exception outside an operation: the guest harmed itself (DMA over
 * its code, a BAR over its RAM).  Its COM1 may be in any state by now:
 * set it up again so that the runner reads the cause.
 */
static void crashed(struct frame *f)
{
	serial_init();
	exit_fail("unexpected exception: vector %llu RIP 0x%llx error code "
		  "0x%llx on CPU %d", (unsigned long long)f->vector,
		  (unsigned long long)f->rip,
		  (unsigned long long)f->error_code, smp_cpu_index());
}

int main(const char *cmdline)
{
	int want = (int)cmdline_u64("cpus", 1), cpu, k;
	uint64_t sum[K_NR] = { 0 }, nfaults = 0;

	base_seed = cmdline_u64("seed", 1);
	nr_ops = cmdline_u64("ops", 2000);
	if (want < 1 || want > TORTURE_MAX_CPUS)
		exit_fail("cpus=%d: 1..%d", want, TORTURE_MAX_CPUS);
	for (cpu = 0; cpu < TORTURE_MAX_CPUS; cpu++)
		rng_state[cpu] = ((base_seed + 1) * 0x9e3779b97f4a7c15ull ^
				  (uint64_t)(cpu + 1) << 32) | 1;
	for (k = 0; k < 32; k++)
		set_handler(k, crashed);
	/* NMIs may come from a device or a timer the guest armed. */
	set_handler(2, ignore);
	pci_setup();
	ncpus = want > 1 ? smp_boot(want) : 1;
	torture_loop(0);
	while (cpus_done < ncpus - 1)
		pause();
	serial_init();		/* the operations reprogrammed COM1 */
	for (cpu = 0; cpu < ncpus; cpu++) {
		for (k = 0; k < K_NR; k++)
			sum[k] += count[cpu][k];
		nfaults += faults[cpu];
	}
	printf("torture seed %llu: %d CPUs x %llu ops, %llu faulted:",
	       (unsigned long long)base_seed, ncpus,
	       (unsigned long long)nr_ops, (unsigned long long)nfaults);
	for (k = 0; k < K_NR; k++)
		printf(" %s %llu", kind_names[k], (unsigned long long)sum[k]);
	printf("\n");
	return 0;
}
