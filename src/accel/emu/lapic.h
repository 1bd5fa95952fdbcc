/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lapic.h - userspace local APIC (xAPIC MMIO and x2APIC MSRs) and the
 * APIC bus that carries IPIs, IOAPIC messages and MSIs to them.
 *
 * The LAPIC knows nothing of the CPU: it tells its vCPU that something
 * changed through ops->kick() and the vCPU pulls interrupts, NMIs, INIT and
 * SIPI with the emu_lapic_take_* / emu_lapic_ack_interrupt() calls.
 */
#ifndef CVISOR_EMU_LAPIC_H
#define CVISOR_EMU_LAPIC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "timer.h"

#define EMU_APIC_DEFAULT_BASE	0xfee00000ull
#define EMU_APIC_BASE_BSP	(1ull << 8)
#define EMU_APIC_BASE_EXTD	(1ull << 10)	/* x2APIC */
#define EMU_APIC_BASE_ENABLE	(1ull << 11)

/*
 * The timer counts at a fixed 1 GHz "bus clock" before the divider: one
 * tick of TMICT with divide-by-1 is one nanosecond of host CLOCK_MONOTONIC.
 * Periodic mode is clamped to a 200 us minimum period (KVM's default), so
 * a guest cannot flood the clock thread.
 */
#define EMU_APIC_BUS_HZ		1000000000ull
#define EMU_APIC_MIN_PERIOD_NS	200000ull

/* Delivery modes (ICR, LVT, IOAPIC RTE and MSI data bits 10:8). */
#define EMU_DM_FIXED	0
#define EMU_DM_LOWEST	1
#define EMU_DM_SMI	2
#define EMU_DM_NMI	4
#define EMU_DM_INIT	5
#define EMU_DM_SIPI	6
#define EMU_DM_EXTINT	7

#define EMU_SH_NONE		0
#define EMU_SH_SELF		1
#define EMU_SH_ALL		2
#define EMU_SH_ALL_BUT_SELF	3

struct emu_lapic;

/* One interrupt message on the APIC bus. */
struct emu_apic_irq {
	uint32_t dest;
	uint8_t vector;
	uint8_t delivery_mode;		/* EMU_DM_* */
	uint8_t shorthand;		/* EMU_SH_* */
	bool dest_logical;
	bool level;			/* trigger mode: level */
	bool assert;			/* level: asserted (INIT de-assert is ignored) */
	bool x2apic_dest;		/* dest is 32 bit (broadcast 0xffffffff) */
};

struct emu_lapic_ops {
	/* Something for the vCPU changed: re-evaluate, wake if halted. */
	void (*kick)(void *opaque);
	/* EOI of a level-triggered vector: broadcast to the IOAPIC. */
	void (*eoi)(void *opaque, uint8_t vector);
	/* Current guest TSC (for TSC-deadline mode). */
	uint64_t (*read_tsc)(void *opaque);
};

#define EMU_APIC_BUS_MAX	1024

/*
 * The bus: a table of LAPICs indexed by vCPU id.  Delivery takes the read
 * side of bus->lock and then each target's lock; registration takes the
 * write side.  No LAPIC lock is ever held while taking bus->lock.
 */
struct emu_apic_bus {
	pthread_rwlock_t lock;
	struct emu_lapic *lapics[EMU_APIC_BUS_MAX];
};

void emu_apic_bus_init(struct emu_apic_bus *bus);
void emu_apic_bus_fini(struct emu_apic_bus *bus);
/* Returns the number of LAPICs that accepted the message. */
int emu_apic_bus_deliver(struct emu_apic_bus *bus, struct emu_lapic *src,
			 const struct emu_apic_irq *irq);
/* MSI address/data to a bus message (Intel format; no remapping). */
void emu_msi_to_irq(uint64_t addr, uint32_t data, struct emu_apic_irq *irq);

/* Create and register LAPIC @id on @bus; BSP gets APIC_BASE.BSP. */
int emu_lapic_create(struct emu_apic_bus *bus, struct emu_clock *clock,
		     unsigned int id, bool bsp, unsigned int tsc_khz,
		     const struct emu_lapic_ops *ops, void *opaque,
		     struct emu_lapic **out);
/* Unregisters from the bus and stops the timer; call without locks. */
void emu_lapic_destroy(struct emu_lapic *l);
void emu_lapic_set_tsc_khz(struct emu_lapic *l, unsigned int khz);

/* INIT: everything but APIC_BASE and the ID goes to its reset value. */
void emu_lapic_reset(struct emu_lapic *l, bool init_event);

uint64_t emu_lapic_get_base(struct emu_lapic *l);
/* Returns -1 for an invalid transition (the caller injects #GP). */
int emu_lapic_set_base(struct emu_lapic *l, uint64_t value, bool host);
bool emu_lapic_x2apic(struct emu_lapic *l);
/* Is @gpa inside this LAPIC's enabled xAPIC MMIO page? */
bool emu_lapic_mmio_hit(struct emu_lapic *l, uint64_t gpa);
void emu_lapic_mmio_read(struct emu_lapic *l, uint32_t off, void *data,
			 unsigned int len);
void emu_lapic_mmio_write(struct emu_lapic *l, uint32_t off,
			  const void *data, unsigned int len);
/* x2APIC MSRs 0x800-0x8ff and TSC_DEADLINE (0x6e0); -1 means #GP. */
int emu_lapic_msr_read(struct emu_lapic *l, uint32_t msr, uint64_t *val);
int emu_lapic_msr_write(struct emu_lapic *l, uint32_t msr, uint64_t val);
/* CR8 is TPR[7:4]. */
uint64_t emu_lapic_get_cr8(struct emu_lapic *l);
void emu_lapic_set_cr8(struct emu_lapic *l, uint64_t cr8);

/* Accept a message as its target (used by the bus, and for local LVTs). */
bool emu_lapic_accept(struct emu_lapic *l, const struct emu_apic_irq *irq);

/* vCPU side. */
int emu_lapic_has_interrupt(struct emu_lapic *l);	/* vector or -1 */
int emu_lapic_ack_interrupt(struct emu_lapic *l);	/* IRR->ISR; vector or -1 */
/* EOI of @vector just acknowledged (Hyper-V auto-EOI SINTs). */
void emu_lapic_eoi_vector(struct emu_lapic *l, int vector);
bool emu_lapic_take_nmi(struct emu_lapic *l);
bool emu_lapic_take_init(struct emu_lapic *l);
bool emu_lapic_init_pending(struct emu_lapic *l);
void emu_lapic_set_init_pending(struct emu_lapic *l, bool pending);
/* SIPI vector, or -1 if none is pending. */
int emu_lapic_take_sipi(struct emu_lapic *l);
void emu_lapic_set_sipi_vector(struct emu_lapic *l, uint8_t vector);
/* Mark a SIPI with the stored vector pending (KVM_MP_STATE_SIPI_RECEIVED). */
void emu_lapic_raise_sipi(struct emu_lapic *l);
/* What is waiting for the vCPU (EMU_LAPIC_EV_* mask). */
#define EMU_LAPIC_EV_INTR	(1u << 0)	/* a deliverable IRR vector */
#define EMU_LAPIC_EV_NMI	(1u << 1)
#define EMU_LAPIC_EV_INIT	(1u << 2)
#define EMU_LAPIC_EV_SIPI	(1u << 3)
#define EMU_LAPIC_EV_SMI	(1u << 4)	/* an SMI IPI arrived */
unsigned int emu_lapic_pending(struct emu_lapic *l);
/* Take a pending SMI IPI (it becomes the vCPU's smi_pending). */
bool emu_lapic_take_smi(struct emu_lapic *l);
void emu_lapic_clear_nmi(struct emu_lapic *l);
/* Does the LAPIC pass the 8259's INTR to the CPU (LINT0 ExtINT or hw-off)? */
bool emu_lapic_accept_pic_intr(struct emu_lapic *l);
/* Deliver through a local vector table entry (APIC_LVT0 etc.). */
void emu_lapic_local_deliver(struct emu_lapic *l, uint32_t lvt_off);

/* KVM_GET/SET_LAPIC (KVM's layout, x2APIC ID as id << 24). */
/* @x2apic_format: KVM_CAP_X2APIC_API's 32-bit x2APIC ids. */
void emu_lapic_get_state(struct emu_lapic *l, struct kvm_lapic_state *s,
			 bool x2apic_format);
int emu_lapic_set_state(struct emu_lapic *l, const struct kvm_lapic_state *s,
			bool x2apic_format);

/* Register offsets. */
#define APIC_ID		0x20
#define APIC_LVR	0x30
#define APIC_TASKPRI	0x80
#define APIC_ARBPRI	0x90
#define APIC_PROCPRI	0xa0
#define APIC_EOI	0xb0
#define APIC_RRR	0xc0
#define APIC_LDR	0xd0
#define APIC_DFR	0xe0
#define APIC_SPIV	0xf0
#define APIC_ISR	0x100
#define APIC_TMR	0x180
#define APIC_IRR	0x200
#define APIC_ESR	0x280
#define APIC_LVTCMCI	0x2f0
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVTT	0x320
#define APIC_LVTTHMR	0x330
#define APIC_LVTPC	0x340
#define APIC_LVT0	0x350
#define APIC_LVT1	0x360
#define APIC_LVTERR	0x370
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0
#define APIC_SELF_IPI	0x3f0

#define APIC_LVT_MASKED		(1u << 16)
#define APIC_LVT_LEVEL		(1u << 15)
#define APIC_SPIV_ENABLE	(1u << 8)
#define APIC_TIMER_ONESHOT	(0u << 17)
#define APIC_TIMER_PERIODIC	(1u << 17)
#define APIC_TIMER_TSCDEADLINE	(2u << 17)
#define APIC_TIMER_MODE_MASK	(3u << 17)

#define MSR_IA32_TSC_DEADLINE	0x6e0
#define MSR_X2APIC_FIRST	0x800
#define MSR_X2APIC_LAST		0x8ff

#endif
