// SPDX-License-Identifier: GPL-2.0
/*
 * smp_ipi.c - two CPUs: INIT/SIPI start-up (smp_boot), a fixed IPI from
 * the BSP to the AP and one back, a self IPI, the all-excluding-self
 * shorthand (the AP gets it, the sender does not), and INIT of the
 * running AP followed by a SIPI to another page: the AP restarts in real
 * mode at CS = vector << 8, IP = 0.  Finally smp_boot() brings it back.
 */
#include "kit.h"

#define V_TO_AP		0x50
#define V_TO_BSP	0x51
#define V_SELF		0x52
#define V_BCAST		0x53
#define SIPI_PAGE	0x9000		/* vector 0x09 */
#define SIPI_MARK	0x9800		/* the restarted AP writes here */
#define APIC_DEST_ALLBUT (3u << 18)
#define TIMEOUT		3000000000ull

static volatile int ap_hits[256], bsp_hits[256];
static volatile int ap_runs;

extern const char sipi_code[], sipi_code_end[];

/*
 * Real-mode code for the restarted AP: store CS and the magic 0x5A5A at
 * SIPI_MARK (DS = 0 after INIT), then halt with interrupts off.
 */
__asm__(
	".section .rodata\n"
	".code16\n"
	".globl sipi_code, sipi_code_end\n"
	"sipi_code:\n"
	"	cli\n"
	"	xorw %ax, %ax\n"
	"	movw %ax, %ds\n"
	"	movw %cs, %ax\n"
	"	movw %ax, 0x9802\n"
	"	call 1f\n"
	"1:	popw %ax\n"
	"	movw %ax, 0x9804\n"
	"	movw $0x5a5a, 0x9800\n"
	"2:	hlt\n"
	"	jmp 2b\n"
	"sipi_code_end:\n"
	".code64\n"
	".text\n"
);

static void ap_handler(struct frame *f)
{
	if (smp_cpu_index())
		ap_hits[f->vector]++;
	else
		bsp_hits[f->vector]++;
	apic_eoi();
	/* The AP answers the BSP's fixed IPI. */
	if (smp_cpu_index() && f->vector == V_TO_AP)
		apic_send_ipi(0, V_TO_BSP);
}

void ap_main(int cpu_index)
{
	ap_runs++;
	for (;;)
		sti_hlt();
}

static bool wait_for(volatile int *p, int want)
{
	uint64_t t0 = rdtsc();

	while (READ_ONCE(*p) < want && rdtsc() - t0 < TIMEOUT) {
		sti();
		pause();
		cli();
	}
	return READ_ONCE(*p) >= want;
}

int main(const char *cmdline)
{
	volatile uint16_t *mark = (volatile uint16_t *)SIPI_MARK;
	uint64_t t0;

	testdev_require();
	if (testdev_has_cap(HV_CAP_IRQCHIP) <= 0)
		exit_skip("no in-backend LAPIC (irqchip capability)");
	set_handler(V_TO_AP, ap_handler);
	set_handler(V_TO_BSP, ap_handler);
	set_handler(V_SELF, ap_handler);
	set_handler(V_BCAST, ap_handler);

	ASSERT_EQ(smp_boot(2), 2);
	ASSERT_EQ(ap_runs, 1);
	printf("INIT-SIPI-SIPI: AP online\n");

	apic_send_ipi(1, V_TO_AP);
	ASSERT(wait_for(&ap_hits[V_TO_AP], 1));
	ASSERT(wait_for(&bsp_hits[V_TO_BSP], 1));
	printf("fixed IPI BSP -> AP and AP -> BSP: delivered\n");

	apic_self_ipi(V_SELF);
	ASSERT(wait_for(&bsp_hits[V_SELF], 1));
	ASSERT_EQ(ap_hits[V_SELF], 0);
	printf("self IPI: delivered to the BSP only\n");

	apic_icr_send(0, APIC_DEST_ALLBUT | APIC_ICR_FIXED | APIC_ICR_ASSERT |
		      V_BCAST);
	ASSERT(wait_for(&ap_hits[V_BCAST], 1));
	/* Give a wrong delivery to the sender time to show up. */
	t0 = rdtsc();
	while (rdtsc() - t0 < TIMEOUT / 30) {
		sti();
		pause();
		cli();
	}
	ASSERT_EQ(bsp_hits[V_BCAST], 0);
	ASSERT_EQ(ap_hits[V_BCAST], 1);
	printf("all-excluding-self: AP got it, BSP did not\n");

	/* INIT a running AP, then SIPI it to another page. */
	memcpy((void *)SIPI_PAGE, sipi_code, sipi_code_end - sipi_code);
	mark[0] = mark[1] = mark[2] = 0;
	apic_icr_send(1, APIC_ICR_INIT | APIC_ICR_ASSERT);
	tsc_delay(10000000);
	/* In wait-for-SIPI: an IPI now must not run the handler. */
	apic_send_ipi(1, V_TO_AP);
	tsc_delay(10000000);
	ASSERT_EQ(ap_hits[V_TO_AP], 1);
	apic_icr_send(1, APIC_ICR_STARTUP | APIC_ICR_ASSERT | (SIPI_PAGE >> 12));
	t0 = rdtsc();
	while (mark[0] != 0x5a5a && rdtsc() - t0 < TIMEOUT)
		pause();
	ASSERT_EQ(mark[0], 0x5a5a);
	ASSERT_EQ(mark[1], SIPI_PAGE >> 4);
	/* call 1f is the code's 8th byte: IP counts from 0 in the page. */
	ASSERT_EQ(mark[2], 13);
	printf("INIT + SIPI 0x%x: AP restarted in real mode at CS 0x%x IP 0x%x\n",
	       SIPI_PAGE >> 12, mark[1], mark[2]);

	/* And once more through the kit's trampoline into long mode. */
	ASSERT_EQ(smp_boot(2), 2);
	ASSERT_EQ(ap_runs, 2);
	apic_send_ipi(1, V_TO_AP);
	ASSERT(wait_for(&ap_hits[V_TO_AP], 2));
	ASSERT(wait_for(&bsp_hits[V_TO_BSP], 2));
	printf("INIT-SIPI-SIPI again: AP back in long mode, IPIs work\n");
	return 0;
}
