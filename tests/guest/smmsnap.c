// SPDX-License-Identifier: GPL-2.0
/*
 * smmsnap.c - a vCPU inside its SMI handler, with an SMI pending and an
 * NMI held, survives a snapshot/restore into a new process or a live
 * migration (tests/snapshot/smm.py).
 *
 * The AP's SMBASE is first relocated into SMRAM (0xA8000), so its handler
 * then runs from memory only address space 1 holds.  The AP is sent an
 * SMI with "hold" set and spins in its handler; while it is inside SMM
 * the BSP sends it a second SMI (latched: pending until RSM) and an NMI
 * (held until RSM), prints "IN_SMM" and waits for "go" on COM1.  The host
 * moves the VM meanwhile.  Then the BSP releases the AP, which must leave
 * SMM, take the pending SMI (one more handler run) and then the NMI,
 * exactly once each.
 */
#include "kit.h"

#define MAILBOX		0x5000ul	/* 64 bytes per APIC ID */
#define DEFAULT_SMBASE	0x30000u
#define AP_SMBASE	0xa8000u
#define ICR_SMI		0x00200u
#define ICR_NMI		0x00400u
#define NMI_VECTOR	2
#define COM1		0x3f8
#define TIMEOUT		4000000000ull

struct mailbox {
	uint32_t new_smbase;	/* in: relocate to this (then cleared) */
	uint32_t count;		/* SMIs handled */
	uint32_t smbase;	/* SMBASE at entry */
	uint32_t hold;		/* in: spin in SMM while set */
	uint32_t in_smm;	/* set while spinning */
	uint32_t spin;		/* spin iterations */
	uint32_t pad[10];
};

_Static_assert(sizeof(struct mailbox) == 64, "mailbox layout");

extern const char snap_smi[], snap_smi_end[];

/*
 * Entered at SMBASE + 0x8000, CS = SMBASE >> 4, flat data segments.
 * SMBASE is at cs:0xFF00 of the state-save image (KVM's 64-bit layout).
 */
__asm__(
	".pushsection .rodata\n"
	".code16\n"
	"snap_smi:\n"
	"	movl $0xfee00020, %esi\n"
	"	movl (%esi), %eax\n"
	"	shrl $24, %eax\n"
	"	shll $6, %eax\n"
	"	leal 0x5000(%eax), %ebx\n"
	"	incl 4(%ebx)\n"
	"	movl %cs:0xff00, %eax\n"
	"	movl %eax, 8(%ebx)\n"
	"	movl (%ebx), %eax\n"
	"	testl %eax, %eax\n"
	"	jz 1f\n"
	"	movl %cs:0xff00, %esi\n"
	"	addl $0x8000, %esi\n"
	"	leal 0x8000(%eax), %edi\n"
	"	movl $(snap_smi_end - snap_smi), %ecx\n"
	"	cld\n"
	"	addr32 rep movsb\n"
	"	movl %eax, %cs:0xff00\n"
	"	movl $0, (%ebx)\n"
	"1:	movl $1, 16(%ebx)\n"
	"2:	cmpl $0, 12(%ebx)\n"
	"	je 3f\n"
	"	incl 20(%ebx)\n"
	"	pause\n"
	"	jmp 2b\n"
	"3:	movl $0, 16(%ebx)\n"
	"	rsm\n"
	"snap_smi_end:\n"
	".code64\n"
	".popsection\n"
);

static volatile struct mailbox *const mb = (volatile struct mailbox *)MAILBOX;
static volatile int ap_nmis;

static void nmi_handler(struct frame *f)
{
	if (smp_cpu_index())
		ap_nmis++;
}

void ap_main(int cpu_index)
{
	for (;;)
		pause();
}

static bool wait_u32(volatile uint32_t *p, uint32_t want)
{
	uint64_t t0 = rdtsc();

	while (READ_ONCE(*p) != want && rdtsc() - t0 < TIMEOUT)
		pause();
	return READ_ONCE(*p) == want;
}

int main(const char *cmdline)
{
	uint32_t spin;

	testdev_require();
	if (testdev_has_cap(HV_CAP_X86_SMM) <= 0)
		exit_skip("SMM: not supported by this host's KVM");
	if (testdev_has_cap(HV_CAP_IRQCHIP) <= 0)
		exit_skip("no in-backend LAPIC (irqchip capability)");

	apic_enable();
	set_handler(NMI_VECTOR, nmi_handler);
	memset((void *)MAILBOX, 0, 2 * sizeof(struct mailbox));
	memcpy((void *)(DEFAULT_SMBASE + 0x8000ul), snap_smi,
	       snap_smi_end - snap_smi);
	ASSERT_EQ(smp_boot(2), 2);

	/* First SMI: relocate the AP's handler into SMRAM. */
	mb[1].new_smbase = AP_SMBASE;
	apic_icr_send(1, ICR_SMI | APIC_ICR_ASSERT);
	ASSERT(wait_u32(&mb[1].count, 1));
	ASSERT(wait_u32(&mb[1].new_smbase, 0));

	/* Second SMI: the AP stays in its handler, in SMRAM. */
	mb[1].hold = 1;
	apic_icr_send(1, ICR_SMI | APIC_ICR_ASSERT);
	ASSERT(wait_u32(&mb[1].in_smm, 1));
	ASSERT_EQ(mb[1].count, 2);
	ASSERT_EQ(mb[1].smbase, AP_SMBASE);
	/* A third SMI is latched and an NMI held while it is in SMM. */
	apic_icr_send(1, ICR_SMI | APIC_ICR_ASSERT);
	apic_icr_send(1, ICR_NMI | APIC_ICR_ASSERT);
	spin = READ_ONCE(mb[1].spin);
	while (READ_ONCE(mb[1].spin) - spin < 1000)
		pause();
	ASSERT_EQ(mb[1].count, 2);
	ASSERT_EQ(ap_nmis, 0);
	printf("IN_SMM: AP spinning in its SMI handler at SMBASE 0x%x, an SMI pending, an NMI held\n",
	       mb[1].smbase);

	while (!serial_go())
		pause();
	spin = READ_ONCE(mb[1].spin);
	printf("got go: the AP spun %u times so far\n", spin);
	/* Still inside SMM, still spinning, nothing delivered meanwhile. */
	ASSERT_EQ(mb[1].in_smm, 1);
	ASSERT_EQ(mb[1].count, 2);
	ASSERT_EQ(ap_nmis, 0);
	while (READ_ONCE(mb[1].spin) - spin < 1000)
		pause();

	mb[1].hold = 0;
	ASSERT(wait_u32(&mb[1].count, 3));	/* the pending SMI ran */
	ASSERT(wait_u32(&mb[1].in_smm, 0));
	{
		uint64_t t0 = rdtsc();

		while (READ_ONCE(ap_nmis) < 1 && rdtsc() - t0 < TIMEOUT)
			pause();
	}
	ASSERT_EQ(ap_nmis, 1);
	ASSERT_EQ(mb[1].count, 3);
	ASSERT_EQ(mb[1].smbase, AP_SMBASE);
	printf("released: the pending SMI ran once, then the NMI was delivered once\n");
	return 0;
}
