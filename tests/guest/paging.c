// SPDX-License-Identifier: GPL-2.0
/*
 * paging.c - 4-level paging with 4 KiB and 2 MiB pages: exact #PF error
 * codes and CR2 (not present, write to read-only with and without
 * CR0.WP, user access to a supervisor page from ring 3, reserved bits,
 * NX fetch with EFER.NXE), accessed/dirty bits, and TLB invalidation by
 * INVLPG, CR3 reloads and CR4.PGE toggles.
 *
 * The test pages live in their own tree under PML4[1] (virtual 512 GiB),
 * so the kit's identity map is never touched.
 */
#include "sys.h"

#define PTE_P		(1ull << 0)
#define PTE_W		(1ull << 1)
#define PTE_U		(1ull << 2)
#define PTE_A		(1ull << 5)
#define PTE_D		(1ull << 6)
#define PTE_PS		(1ull << 7)
#define PTE_G		(1ull << 8)
#define PTE_NX		(1ull << 63)

#define PF_P		(1u << 0)
#define PF_W		(1u << 1)
#define PF_U		(1u << 2)
#define PF_RSVD		(1u << 3)
#define PF_I		(1u << 4)

#define CR0_WP		(1ull << 16)
#define CR4_PGE		(1ull << 7)

#define TVA		0x8000000000ull		/* PML4[1] */
#define PAGE(i)		(TVA + (uint64_t)(i) * 4096)
#define LARGE(i)	(TVA + (uint64_t)(i) * 0x200000)
#define LARGE_PHYS	0x800000ull		/* 2 MiB aligned scratch RAM */

static uint64_t pdpt[512] __aligned(4096);
static uint64_t pd[512] __aligned(4096);
static uint64_t pt[512] __aligned(4096);
/* Physical pages the 4 KiB PTEs point at. */
static uint8_t frames[8][4096] __aligned(4096);

extern const char pg_read_insn[], pg_write_insn[];

static uint64_t __attribute__((noipa)) pg_read(uint64_t a)
{
	uint64_t v;

	__asm__ __volatile__("pg_read_insn:\n\tmovq (%1), %0"
			     : "=r"(v) : "r"(a) : "memory");
	return v;
}

static void __attribute__((noipa)) pg_write(uint64_t a, uint64_t v)
{
	__asm__ __volatile__("pg_write_insn:\n\tmovq %1, (%0)"
			     :: "r"(a), "r"(v) : "memory");
}

static void do_read(void *a) { pg_read((uintptr_t)a); }
static void do_write(void *a) { pg_write((uintptr_t)a, 0x77); }
static void do_exec(void *a) { ((void (*)(void))a)(); }

static uint64_t frame(int i)
{
	return (uintptr_t)frames[i];
}

static void set_pte(int i, uint64_t v)
{
	WRITE_ONCE(pt[i], v);
	__asm__ __volatile__("invlpg (%0)" :: "r"(PAGE(i)) : "memory");
}

static void invlpg(uint64_t va)
{
	__asm__ __volatile__("invlpg (%0)" :: "r"(va) : "memory");
}

/* Run @fn(@va) in ring 0 and expect #PF with @err at @rip. */
static void expect_pf(const char *what, void (*fn)(void *), uint64_t va,
		      uint64_t err, uint64_t rip)
{
	struct exc_info info;

	if (!catch_exception(PF_VECTOR, fn, (void *)(uintptr_t)va, &info))
		exit_fail("%s: no #PF (va 0x%llx)", what,
			  (unsigned long long)va);
	printf("  %s: #PF error 0x%llx CR2 0x%llx\n", what,
	       (unsigned long long)info.error_code,
	       (unsigned long long)info.cr2);
	ASSERT_EQ(info.error_code, err);
	ASSERT_EQ(info.cr2, va);
	ASSERT_EQ(info.rip, rip);
}

static void expect_no_fault(const char *what, void (*fn)(void *), uint64_t va)
{
	struct exc_info info;

	if (catch_exception(PF_VECTOR, fn, (void *)(uintptr_t)va, &info))
		exit_fail("%s: unexpected #PF error 0x%llx CR2 0x%llx", what,
			  (unsigned long long)info.error_code,
			  (unsigned long long)info.cr2);
	printf("  %s: no fault\n", what);
}

static void expect_user_pf(const char *what, void (*fn)(void *), uint64_t va,
			   uint64_t err, uint64_t rip)
{
	struct user_result r;

	user_run(fn, (void *)(uintptr_t)va, 0, &r);
	printf("  %s (ring 3): vector %d error 0x%llx CR2 0x%llx\n", what,
	       r.vector, (unsigned long long)r.error_code,
	       (unsigned long long)r.cr2);
	ASSERT_EQ(r.vector, PF_VECTOR);
	ASSERT_EQ(r.error_code, err);
	ASSERT_EQ(r.cr2, va);
	ASSERT_EQ(r.rip, rip);
	ASSERT_EQ(r.cs, SEL_UCS64 | 3);
}

static int maxphyaddr(void)
{
	if (cpuid(0x80000000).a >= 0x80000008)
		return cpuid(0x80000008).a & 0xff;
	return 36;
}

static void build_tables(void)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~0xfffull);
	int i;

	/* Upper levels allow everything; the leaves decide. */
	pml4[1] = (uintptr_t)pdpt | PTE_P | PTE_W | PTE_U;
	pdpt[0] = (uintptr_t)pd | PTE_P | PTE_W | PTE_U;
	pd[0] = (uintptr_t)pt | PTE_P | PTE_W | PTE_U;
	for (i = 0; i < 8; i++)
		memset(frames[i], 0, 4096);
	write_cr3(read_cr3());
}

static void test_not_present(void)
{
	printf("not present (4 KiB PTE and 2 MiB PDE):\n");
	set_pte(1, 0);
	expect_pf("read", do_read, PAGE(1) + 0x10, 0, (uintptr_t)pg_read_insn);
	expect_pf("write", do_write, PAGE(1) + 0xff8, PF_W,
		  (uintptr_t)pg_write_insn);
	pd[3] = 0;
	invlpg(LARGE(3));
	expect_pf("read 2M", do_read, LARGE(3) + 0x12340, 0,
		  (uintptr_t)pg_read_insn);
	/* An unmapped PML4 slot: the walk stops at the top level. */
	expect_pf("read PML4E", do_read, 0x10000000000ull + 0x5008, 0,
		  (uintptr_t)pg_read_insn);
}

static void test_write_protect(void)
{
	uint64_t cr0 = read_cr0();

	printf("read-only page, CR0.WP:\n");
	set_pte(2, frame(2) | PTE_P | PTE_U);
	write_cr0(cr0 | CR0_WP);
	expect_no_fault("read RO", do_read, PAGE(2));
	expect_pf("write RO, WP=1", do_write, PAGE(2) + 8, PF_P | PF_W,
		  (uintptr_t)pg_write_insn);
	write_cr0(cr0 & ~CR0_WP);
	expect_no_fault("write RO, WP=0", do_write, PAGE(2) + 8);
	ASSERT_EQ(*(volatile uint64_t *)(frames[2] + 8), 0x77);
	/* WP only relaxes supervisor writes: ring 3 still faults. */
	expect_user_pf("user write RO, WP=0", do_write, PAGE(2) + 16,
		       PF_P | PF_W | PF_U, (uintptr_t)pg_write_insn);
	write_cr0(cr0 | CR0_WP);
	expect_user_pf("user write RO, WP=1", do_write, PAGE(2) + 16,
		       PF_P | PF_W | PF_U, (uintptr_t)pg_write_insn);
	write_cr0(cr0);
}

static void test_user(void)
{
	struct user_result r;

	printf("user/supervisor:\n");
	set_pte(3, frame(3) | PTE_P | PTE_W);
	expect_user_pf("user read of supervisor page", do_read, PAGE(3) + 0x20,
		       PF_P | PF_U, (uintptr_t)pg_read_insn);
	expect_user_pf("user write of supervisor page", do_write,
		       PAGE(3) + 0x28, PF_P | PF_W | PF_U,
		       (uintptr_t)pg_write_insn);
	set_pte(1, 0);
	expect_user_pf("user read not present", do_read, PAGE(1), PF_U,
		       (uintptr_t)pg_read_insn);
	set_pte(4, frame(4) | PTE_P | PTE_W | PTE_U);
	user_run(do_write, (void *)(uintptr_t)PAGE(4), 0, &r);
	ASSERT_EQ(r.vector, -1);
	ASSERT_EQ(*(volatile uint64_t *)frames[4], 0x77);
	printf("  user write of user page: ok\n");
	/* U/S=0 at a higher level wins over U/S=1 in the PTE. */
	pd[0] &= ~PTE_U;
	write_cr3(read_cr3());
	expect_user_pf("user read, PDE supervisor", do_read, PAGE(4),
		       PF_P | PF_U, (uintptr_t)pg_read_insn);
	pd[0] |= PTE_U;
	write_cr3(read_cr3());
}

static void test_reserved(void)
{
	int m = maxphyaddr();

	printf("reserved bits (MAXPHYADDR %d):\n", m);
	if (m < 52) {
		set_pte(5, frame(5) | PTE_P | PTE_W | (1ull << m));
		expect_pf("PTE bit MAXPHYADDR, read", do_read, PAGE(5),
			  PF_P | PF_RSVD, (uintptr_t)pg_read_insn);
		expect_pf("PTE bit MAXPHYADDR, write", do_write, PAGE(5),
			  PF_P | PF_W | PF_RSVD, (uintptr_t)pg_write_insn);
	}
	/* Bits 20:13 of a 2 MiB PDE are reserved. */
	pd[2] = LARGE_PHYS | PTE_P | PTE_W | PTE_PS | (1ull << 13);
	invlpg(LARGE(2));
	expect_pf("2M PDE bit 13", do_read, LARGE(2) + 0x1000,
		  PF_P | PF_RSVD, (uintptr_t)pg_read_insn);
	pd[2] = 0;
	invlpg(LARGE(2));
	/* Without EFER.NXE, bit 63 is reserved too. */
	set_pte(5, frame(5) | PTE_P | PTE_W | PTE_NX);
	expect_pf("NX bit with NXE=0", do_read, PAGE(5) + 0x100,
		  PF_P | PF_RSVD, (uintptr_t)pg_read_insn);
}

static void test_nx(void)
{
	uint64_t efer = rdmsr(MSR_EFER);

	if (!(cpuid(0x80000001).d & (1u << 20))) {
		printf("NX: not advertised, skipped\n");
		return;
	}
	printf("NX (EFER.NXE=1):\n");
	wrmsr(MSR_EFER, efer | EFER_NXE);
	frames[6][0] = 0xc3;		/* ret */
	frames[7][0] = 0xc3;
	set_pte(6, frame(6) | PTE_P | PTE_W | PTE_NX);
	set_pte(7, frame(7) | PTE_P | PTE_W);
	expect_no_fault("execute X page", do_exec, PAGE(7));
	expect_no_fault("read NX page", do_read, PAGE(6));
	expect_pf("execute NX page", do_exec, PAGE(6), PF_P | PF_I, PAGE(6));
	set_pte(1, 0);
	expect_pf("execute not present", do_exec, PAGE(1), PF_I, PAGE(1));
	/* A reserved-bit fault on a fetch reports I/D as well. */
	if (maxphyaddr() < 52) {
		set_pte(5, frame(7) | PTE_P | PTE_W | (1ull << maxphyaddr()));
		expect_pf("execute reserved", do_exec, PAGE(5),
			  PF_P | PF_RSVD | PF_I, PAGE(5));
	}
	wrmsr(MSR_EFER, efer);
}

static void test_accessed_dirty(void)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~0xfffull);

	printf("accessed/dirty:\n");
	pml4[1] &= ~PTE_A;
	pdpt[0] &= ~PTE_A;
	pd[0] &= ~(PTE_A | PTE_D);
	set_pte(0, frame(0) | PTE_P | PTE_W);
	write_cr3(read_cr3());
	pg_read(PAGE(0));
	ASSERT_EQ(pt[0] & (PTE_A | PTE_D), PTE_A);
	ASSERT(pml4[1] & PTE_A);
	ASSERT(pdpt[0] & PTE_A);
	ASSERT(pd[0] & PTE_A);
	/* A non-leaf entry has no dirty bit to set. */
	ASSERT_EQ(pd[0] & PTE_D, 0);
	printf("  read: PTE A=1 D=0, PML4E/PDPTE/PDE A=1\n");
	pg_write(PAGE(0) + 8, 1);
	ASSERT_EQ(pt[0] & (PTE_A | PTE_D), PTE_A | PTE_D);
	printf("  write: PTE A=1 D=1\n");
	/* A faulting write sets no dirty bit. */
	write_cr0(read_cr0() | CR0_WP);
	set_pte(2, frame(2) | PTE_P);
	expect_pf("write RO", do_write, PAGE(2), PF_P | PF_W,
		  (uintptr_t)pg_write_insn);
	ASSERT_EQ(pt[2] & PTE_D, 0);
	write_cr0(read_cr0() & ~CR0_WP);

	pd[1] = LARGE_PHYS | PTE_P | PTE_W | PTE_PS;
	invlpg(LARGE(1));
	pg_read(LARGE(1) + 0x1000);
	ASSERT_EQ(pd[1] & (PTE_A | PTE_D), PTE_A);
	pg_write(LARGE(1) + 0x1000, 5);
	ASSERT_EQ(pd[1] & (PTE_A | PTE_D), PTE_A | PTE_D);
	ASSERT_EQ(*(volatile uint64_t *)(LARGE_PHYS + 0x1000), 5);
	printf("  2 MiB page: A then D set, data at the physical page\n");
}

static void test_tlb(void)
{
	uint64_t cr4 = read_cr4(), v;

	printf("TLB invalidation:\n");
	*(volatile uint64_t *)frames[0] = 0x1111;
	*(volatile uint64_t *)frames[1] = 0x2222;
	set_pte(9, frame(0) | PTE_P | PTE_W);
	ASSERT_EQ(pg_read(PAGE(9)), 0x1111);
	WRITE_ONCE(pt[9], frame(1) | PTE_P | PTE_W);
	invlpg(PAGE(9));
	ASSERT_EQ(pg_read(PAGE(9)), 0x2222);
	printf("  INVLPG: new PTE seen\n");
	WRITE_ONCE(pt[9], frame(0) | PTE_P | PTE_W);
	write_cr3(read_cr3());
	ASSERT_EQ(pg_read(PAGE(9)), 0x1111);
	printf("  CR3 reload: new PTE seen\n");

	/*
	 * A global translation may survive a CR3 write (the TLB is allowed,
	 * not required, to keep it), so only print what happened there;
	 * INVLPG and clearing CR4.PGE must drop it.
	 */
	write_cr4(cr4 | CR4_PGE);
	set_pte(10, frame(0) | PTE_P | PTE_W | PTE_G);
	ASSERT_EQ(pg_read(PAGE(10)), 0x1111);
	WRITE_ONCE(pt[10], frame(1) | PTE_P | PTE_W | PTE_G);
	write_cr3(read_cr3());
	v = pg_read(PAGE(10));
	ASSERT(v == 0x1111 || v == 0x2222);
	printf("  global page after CR3 reload: %s\n",
	       v == 0x1111 ? "old translation kept" : "new PTE seen");
	write_cr4(cr4 & ~CR4_PGE);
	ASSERT_EQ(pg_read(PAGE(10)), 0x2222);
	printf("  CR4.PGE cleared: new PTE seen\n");
	write_cr4(cr4 | CR4_PGE);
	WRITE_ONCE(pt[10], frame(0) | PTE_P | PTE_W | PTE_G);
	invlpg(PAGE(10));
	ASSERT_EQ(pg_read(PAGE(10)), 0x1111);
	printf("  INVLPG of a global page: new PTE seen\n");
	write_cr4(cr4);
}

int main(const char *cmdline)
{
	sys_setup();
	build_tables();
	test_not_present();
	test_write_protect();
	test_user();
	test_reserved();
	test_nx();
	test_accessed_dirty();
	test_tlb();
	return 0;
}
