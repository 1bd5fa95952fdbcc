// SPDX-License-Identifier: GPL-2.0
/*
 * apic.c - xAPIC (MMIO at 0xFEE00000) helpers and AP bring-up.
 */
#include "kit.h"

extern const char ap_trampoline[], ap_trampoline_end[];
extern uint64_t ap_boot_stack;
extern uint8_t ap_stacks[];
void kit_ap_start(void);

static volatile int ap_started;

uint32_t apic_read(uint32_t reg)
{
	return mmio_read32(APIC_BASE + reg);
}

void apic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(APIC_BASE + reg, v);
}

/* Destination first: an unmasked entry fires with a stale one otherwise. */
void ioapic_route(unsigned int pin, uint32_t lo)
{
	mmio_write32(IOAPIC_BASE, 0x11 + 2 * pin);
	mmio_write32(IOAPIC_BASE + 0x10, apic_id() << 24);
	mmio_write32(IOAPIC_BASE, 0x10 + 2 * pin);
	mmio_write32(IOAPIC_BASE + 0x10, lo);
}

static void spurious_handler(struct frame *f)
{
	/* Spurious interrupts take no EOI (SDM 10.9). */
}

void apic_enable(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	/* Globally enabled at reset; make sure, without touching x2APIC. */
	if (!(base & (1u << 11)))
		wrmsr(MSR_APIC_BASE, base | (1u << 11));
	set_handler(APIC_SPURIOUS_VECTOR, spurious_handler);
	apic_write(APIC_SVR, 0x100 | APIC_SPURIOUS_VECTOR);
	apic_write(APIC_TPR, 0);
}

uint32_t apic_id(void)
{
	return apic_read(APIC_ID) >> 24;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_timer_oneshot(uint8_t vector, uint32_t count)
{
	apic_write(APIC_TDCR, 0xB);		/* divide by 1 */
	apic_write(APIC_LVT_TIMER, vector);	/* one-shot, unmasked */
	apic_write(APIC_TMICT, count);
}

void apic_timer_stop(void)
{
	apic_write(APIC_LVT_TIMER, 1u << 16);	/* masked */
	apic_write(APIC_TMICT, 0);
}

static void apic_icr_wait(void)
{
	unsigned int spins = 0;

	while ((apic_read(APIC_ICR_LO) & APIC_ICR_BUSY) && ++spins < 1000000)
		pause();
}

void apic_icr_send(uint32_t dest_apic_id, uint32_t icr_lo)
{
	apic_icr_wait();
	apic_write(APIC_ICR_HI, dest_apic_id << 24);
	apic_write(APIC_ICR_LO, icr_lo);
	apic_icr_wait();
}

void apic_send_ipi(uint32_t dest_apic_id, uint8_t vector)
{
	apic_icr_send(dest_apic_id, APIC_ICR_FIXED | APIC_ICR_ASSERT | vector);
}

void apic_self_ipi(uint8_t vector)
{
	apic_icr_send(0, APIC_ICR_SELF | APIC_ICR_FIXED | APIC_ICR_ASSERT |
		      vector);
}

void tsc_delay(uint64_t cycles)
{
	uint64_t t0 = rdtsc();

	while (rdtsc() - t0 < cycles)
		pause();
}

/* ------------------------------------------------------------------ SMP */

int smp_cpu_index(void)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	uintptr_t lo = (uintptr_t)ap_stacks;

	/* Each AP runs on its slot of ap_stacks; anything else is the BSP. */
	if (sp >= lo && sp < lo + MAX_CPUS * AP_STACK_SIZE)
		return (int)((sp - lo) / AP_STACK_SIZE);
	return 0;
}

void kit_ap_start(void)
{
	int idx = smp_cpu_index();

	idt_load();
	apic_enable();
	WRITE_ONCE(ap_started, 1);
	ap_main(idx);
	halt_forever();
}

static bool wait_started(uint64_t cycles)
{
	uint64_t t0 = rdtsc();

	while (!READ_ONCE(ap_started)) {
		if (rdtsc() - t0 > cycles)
			return false;
		pause();
	}
	return true;
}

/*
 * TSC-based delays; the TSC rate is unknown but at least hundreds of MHz
 * on anything that runs this, and emulated APICs don't need the SDM's
 * 10 ms INIT delay anyway, so these are generous rather than exact.
 */
#define INIT_DELAY	10000000ull
#define SIPI_WAIT	300000000ull
#define START_TIMEOUT	5000000000ull

int smp_boot(int ncpus)
{
	size_t len = ap_trampoline_end - ap_trampoline;
	uint32_t sipi = APIC_ICR_STARTUP | APIC_ICR_ASSERT |
			(AP_TRAMPOLINE_ADDR >> 12);
	int i, online = 1;

	memcpy((void *)(uintptr_t)AP_TRAMPOLINE_ADDR, ap_trampoline, len);
	apic_enable();
	for (i = 1; i < ncpus && i < MAX_CPUS; i++) {
		/* One AP at a time: they share ap_boot_stack. */
		ap_boot_stack = (uintptr_t)(ap_stacks + (i + 1) * AP_STACK_SIZE);
		WRITE_ONCE(ap_started, 0);
		barrier();
		apic_icr_send(i, APIC_ICR_INIT | APIC_ICR_ASSERT);
		tsc_delay(INIT_DELAY);
		apic_icr_send(i, sipi);
		if (!wait_started(SIPI_WAIT)) {
			/* The second SIPI of the MP protocol, only if needed. */
			apic_icr_send(i, sipi);
			if (!wait_started(START_TIMEOUT)) {
				printf("smp: CPU %d (APIC ID %d) did not start\n",
				       i, i);
				break;
			}
		}
		online++;
	}
	return online;
}
