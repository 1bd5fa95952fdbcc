// SPDX-License-Identifier: GPL-2.0
/*
 * smm.c - System Management Mode seen from a guest, on two CPUs.
 *
 * One SMI handler (16-bit code below) serves every SMI: it finds its CPU's
 * mailbox by APIC ID, counts the SMI, records the SMBASE and saved RIP of
 * the state-save image (64-bit layout: the guest CPUID has long mode), the
 * byte at MARK as the SMM view sees it, and relocates SMBASE when asked,
 * copying itself to the new SMBASE + 0x8000 first.  With "hold" set it
 * spins inside SMM until the BSP clears it.  Every SMI interrupts long
 * mode with paging, and every check after RSM runs in it again.
 *
 * Checked: RSM outside SMM is #UD and the guest cannot read IA32_SMBASE;
 * each SMI source (testdev's KVM_SMI, a self IPI, an IPI to the other CPU,
 * all-excluding-self); SMBASE relocation, different on each CPU; SMRAM
 * (0xA0000-0xBFFFF in the SMM view) holds other bytes than RAM at the same
 * address outside SMM; an SMI wakes a CPU halted with interrupts off; an
 * NMI sent to a CPU in SMM waits for RSM; an INIT sent to a CPU in SMM is
 * latched and delivered after RSM (the CPU then starts from a SIPI).
 */
#include "kit.h"

#define MAILBOX		0x5000ul	/* 64 bytes per APIC ID */
#define MARK		0xaf000ul	/* SMRAM in the SMM view, RAM outside */
#define DEFAULT_SMBASE	0x30000u
#define BSP_SMBASE	0xa0000u
#define AP_SMBASE	0xa8000u
#define SIPI_PAGE	0x9000ul
#define SIPI_MARK	0x9800ul

#define ICR_SMI		0x00200u
#define ICR_NMI		0x00400u
#define ICR_ALLBUT	(3u << 18)
#define MSR_SMBASE	0x9e
#define TIMEOUT		3000000000ull
#define NMI_VECTOR	2

struct mailbox {
	uint32_t new_smbase;	/* in: relocate to this (then cleared) */
	uint32_t count;		/* SMIs handled */
	uint32_t smbase;	/* SMBASE field of the image at entry */
	uint32_t mark;		/* byte at MARK in the SMM view */
	uint32_t hold;		/* in: spin in SMM while set */
	uint32_t shadow;	/* int_shadow byte of the image */
	uint32_t rip;		/* saved RIP, low half */
	uint32_t in_smm;	/* set while spinning */
	uint32_t spin;		/* spin iterations */
	uint32_t pad[7];
};

_Static_assert(sizeof(struct mailbox) == 64, "mailbox layout");

extern const char smm_handler[], smm_handler_end[];
extern const char sipi_code[], sipi_code_end[];

/*
 * Entered at SMBASE + 0x8000 with CS = SMBASE >> 4 and flat 4 GiB data
 * segments based at 0.  Image fields: SMBASE at cs:0xFF00, int_shadow at
 * cs:0xFECB, RIP at cs:0xFF78 (KVM's 64-bit layout).
 */
__asm__(
	".pushsection .rodata\n"
	".code16\n"
	"smm_handler:\n"
	"	movl $0xfee00020, %esi\n"
	"	movl (%esi), %eax\n"
	"	shrl $24, %eax\n"
	"	shll $6, %eax\n"
	"	leal 0x5000(%eax), %ebx\n"
	"	movl %cs:0xff00, %eax\n"
	"	movl %eax, 8(%ebx)\n"
	"	movl $0xaf000, %edi\n"
	"	movzbl (%edi), %eax\n"
	"	movl %eax, 12(%ebx)\n"
	"	movzbl %cs:0xfecb, %eax\n"
	"	movl %eax, 20(%ebx)\n"
	"	movl %cs:0xff78, %eax\n"
	"	movl %eax, 24(%ebx)\n"
	"	movl (%ebx), %eax\n"
	"	testl %eax, %eax\n"
	"	jz 1f\n"
	"	movl %cs:0xff00, %esi\n"
	"	addl $0x8000, %esi\n"
	"	leal 0x8000(%eax), %edi\n"
	"	movl $(smm_handler_end - smm_handler), %ecx\n"
	"	cld\n"
	"	addr32 rep movsb\n"
	"	movl %eax, %cs:0xff00\n"
	"	movl $0, (%ebx)\n"
	"	movl $0xaf000, %edi\n"
	"	movb $0xaa, (%edi)\n"
	/* Counted last: the BSP reads the other fields once it changes. */
	"1:	incl 4(%ebx)\n"
	"	movl $1, 28(%ebx)\n"
	"2:	cmpl $0, 16(%ebx)\n"
	"	je 3f\n"
	"	incl 32(%ebx)\n"
	"	pause\n"
	"	jmp 2b\n"
	"3:	movl $0, 28(%ebx)\n"
	"	rsm\n"
	"smm_handler_end:\n"
	/* The AP after INIT + SIPI: mark the page, halt. */
	"sipi_code:\n"
	"	cli\n"
	"	xorw %ax, %ax\n"
	"	movw %ax, %ds\n"
	"	movw $0x5a5a, 0x9800\n"
	"4:	hlt\n"
	"	jmp 4b\n"
	"sipi_code_end:\n"
	".code64\n"
	".popsection\n"
);

static volatile struct mailbox *const mb = (volatile struct mailbox *)MAILBOX;
static volatile int nmis[2];
static volatile int ap_beat, ap_cmd, ap_halting, ap_woke;

#define AP_CMD_HALT	1

static void nmi_handler(struct frame *f)
{
	nmis[smp_cpu_index() ? 1 : 0]++;
}

void ap_main(int cpu_index)
{
	for (;;) {
		ap_beat++;
		if (READ_ONCE(ap_cmd) == AP_CMD_HALT) {
			ap_cmd = 0;
			ap_halting = 1;
			/* Only an SMI (or NMI) ends this HLT. */
			__asm__ __volatile__("cli; hlt" ::: "memory");
			ap_woke++;
		}
		pause();
	}
}

static bool wait_u32(volatile uint32_t *p, uint32_t want)
{
	uint64_t t0 = rdtsc();

	while (READ_ONCE(*p) != want && rdtsc() - t0 < TIMEOUT)
		pause();
	return READ_ONCE(*p) == want;
}

static bool wait_int(volatile int *p, int want)
{
	uint64_t t0 = rdtsc();

	while (READ_ONCE(*p) < want && rdtsc() - t0 < TIMEOUT)
		pause();
	return READ_ONCE(*p) >= want;
}

/* Let the AP spin @n more times in its handler. */
static void wait_spins(uint32_t n)
{
	uint32_t s0 = READ_ONCE(mb[1].spin);
	uint64_t t0 = rdtsc();

	while (READ_ONCE(mb[1].spin) - s0 < n && rdtsc() - t0 < TIMEOUT)
		pause();
	ASSERT(READ_ONCE(mb[1].spin) - s0 >= n);
}

static void do_rsm(void *arg)
{
	__asm__ __volatile__(".byte 0x0f, 0xaa" ::: "memory");
}

static void read_smbase(void *arg)
{
	*(uint64_t *)arg = rdmsr(MSR_SMBASE);
}

static void check_outside(void)
{
	struct exc_info info;
	uint64_t v = 0;

	ASSERT(catch_exception(UD_VECTOR, do_rsm, NULL, &info));
	ASSERT(catch_exception(GP_VECTOR, read_smbase, &v, &info));
	printf("outside SMM: RSM is #UD, RDMSR SMBASE is #GP\n");
}

static void check_bsp_sources(void)
{
	volatile uint8_t *mark = (volatile uint8_t *)MARK;

	/* KVM_SMI through testdev: the SMI follows the doorbell's OUT. */
	mb[0].new_smbase = BSP_SMBASE;
	ASSERT_EQ(testdev_cmd(TESTDEV_SMI), 0);
	ASSERT_EQ(mb[0].count, 1);
	ASSERT_EQ(mb[0].smbase, DEFAULT_SMBASE);
	ASSERT_EQ(mb[0].new_smbase, 0);
	ASSERT_EQ(mb[0].shadow, 0);
	ASSERT(mb[0].rip >= 0x100000);		/* the kit's code */
	ASSERT_EQ(*mark, 0x55);
	printf("testdev SMI: handler ran at SMBASE 0x%x, relocated to 0x%x\n",
	       mb[0].smbase, BSP_SMBASE);

	/* Self IPI with delivery mode SMI: the relocated handler runs. */
	apic_icr_send(0, APIC_ICR_SELF | ICR_SMI | APIC_ICR_ASSERT);
	ASSERT(wait_u32(&mb[0].count, 2));
	ASSERT_EQ(mb[0].smbase, BSP_SMBASE);
	ASSERT_EQ(mb[0].mark, 0xaa);
	ASSERT_EQ(*mark, 0x55);
	printf("self-IPI SMI: SMBASE 0x%x; 0x%lx reads 0x%x in SMM, 0x%x "
	       "outside\n", mb[0].smbase, MARK, mb[0].mark, *mark);
}

static void check_ap_sources(void)
{
	ASSERT_EQ(smp_boot(2), 2);

	mb[1].new_smbase = AP_SMBASE;
	apic_icr_send(1, ICR_SMI | APIC_ICR_ASSERT);
	ASSERT(wait_u32(&mb[1].count, 1));
	ASSERT_EQ(mb[1].smbase, DEFAULT_SMBASE);
	ASSERT(wait_u32(&mb[1].new_smbase, 0));
	printf("IPI SMI to the AP: handler at 0x%x, relocated to 0x%x\n",
	       mb[1].smbase, AP_SMBASE);

	apic_icr_send(0, ICR_ALLBUT | ICR_SMI | APIC_ICR_ASSERT);
	ASSERT(wait_u32(&mb[1].count, 2));
	ASSERT_EQ(mb[1].smbase, AP_SMBASE);
	ASSERT_EQ(mb[1].mark, 0xaa);
	ASSERT_EQ(mb[0].count, 2);
	ASSERT_EQ(mb[0].smbase, BSP_SMBASE);
	printf("all-excluding-self SMI: AP at SMBASE 0x%x, BSP untouched "
	       "(SMBASE 0x%x)\n", mb[1].smbase, mb[0].smbase);
}

static void check_halted_wake(void)
{
	ap_cmd = AP_CMD_HALT;
	ASSERT(wait_int(&ap_halting, 1));
	tsc_delay(20000000);
	ASSERT_EQ(ap_woke, 0);
	apic_icr_send(1, ICR_SMI | APIC_ICR_ASSERT);
	ASSERT(wait_u32(&mb[1].count, 3));
	ASSERT(wait_int(&ap_woke, 1));
	printf("SMI woke the AP from HLT with interrupts off\n");
}

static void check_nmi_held(void)
{
	mb[1].hold = 1;
	apic_icr_send(1, ICR_SMI | APIC_ICR_ASSERT);
	ASSERT(wait_u32(&mb[1].in_smm, 1));
	apic_icr_send(1, ICR_NMI | APIC_ICR_ASSERT);
	wait_spins(2000);
	ASSERT_EQ(nmis[1], 0);
	mb[1].hold = 0;
	ASSERT(wait_u32(&mb[1].in_smm, 0));
	ASSERT(wait_int(&nmis[1], 1));
	ASSERT_EQ(mb[1].count, 4);
	printf("NMI sent in SMM: held until RSM, then delivered\n");
}

static void check_init_latched(void)
{
	volatile uint16_t *mark = (volatile uint16_t *)SIPI_MARK;
	int beat;

	memcpy((void *)SIPI_PAGE, sipi_code, sipi_code_end - sipi_code);
	mark[0] = 0;
	mb[1].hold = 1;
	apic_icr_send(1, ICR_SMI | APIC_ICR_ASSERT);
	ASSERT(wait_u32(&mb[1].in_smm, 1));
	apic_icr_send(1, APIC_ICR_INIT | APIC_ICR_ASSERT);
	wait_spins(2000);		/* still in its handler: latched */
	ASSERT_EQ(mb[1].in_smm, 1);
	mb[1].hold = 0;
	ASSERT(wait_u32(&mb[1].in_smm, 0));
	ASSERT_EQ(mb[1].count, 5);
	/* After RSM the INIT took the AP: it waits for a SIPI now. */
	beat = READ_ONCE(ap_beat);
	tsc_delay(50000000);
	ASSERT_EQ(READ_ONCE(ap_beat), beat);
	apic_icr_send(1, APIC_ICR_STARTUP | APIC_ICR_ASSERT |
		      (SIPI_PAGE >> 12));
	{
		uint64_t t0 = rdtsc();

		while (mark[0] != 0x5a5a && rdtsc() - t0 < TIMEOUT)
			pause();
	}
	ASSERT_EQ(mark[0], 0x5a5a);
	printf("INIT sent in SMM: latched, delivered after RSM (SIPI "
	       "restarted the AP)\n");
}

int main(const char *cmdline)
{
	testdev_require();
	if (testdev_has_cap(HV_CAP_X86_SMM) <= 0)
		exit_skip("SMM: not supported by this host's KVM");
	if (testdev_has_cap(HV_CAP_IRQCHIP) <= 0)
		exit_skip("no in-backend LAPIC (irqchip capability)");

	apic_enable();
	set_handler(NMI_VECTOR, nmi_handler);
	memset((void *)MAILBOX, 0, 2 * sizeof(struct mailbox));
	memcpy((void *)(DEFAULT_SMBASE + 0x8000ul), smm_handler,
	       smm_handler_end - smm_handler);
	*(volatile uint8_t *)MARK = 0x55;

	check_outside();
	check_bsp_sources();
	check_ap_sources();
	check_halted_wake();
	check_nmi_held();
	check_init_latched();
	return 0;
}
