/* SPDX-License-Identifier: GPL-2.0 */
/*
 * harness.h - a tiny machine for running the CPU core standalone: flat
 * RAM, one MMIO page with a register file that can demand VMM exits, a
 * port log, and helpers to put a vCPU into 64-bit mode with 4 KiB
 * identity paging of the first 4 MiB.
 */
#ifndef CVISOR_TESTS_CPU_HARNESS_H
#define CVISOR_TESTS_CPU_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86_cpu.h"
#include "../check.h"

#define TM_RAM		(8u << 20)
#define TM_MMIO		0xfeb00000ull	/* one page of device registers */
#define TM_PML4		0x10000
#define TM_PDPT		0x11000
#define TM_PD		0x12000
#define TM_PT		0x13000	/* two page tables: 0x13000, 0x14000 */
#define TM_GDT		0x1000
#define TM_IDT		0x2000
#define TM_TSS		0x3000

struct tmach {
	uint8_t *ram;
	struct x86_cpu *cpu;
	/* MMIO device */
	uint64_t regs[512];
	bool exit_mode;		/* every new access exits to the "VMM" */
	bool pending;		/* an exit is waiting for completion */
	uint64_t p_gpa, p_data;
	unsigned p_len;
	bool p_write;
	unsigned dev_reads, dev_writes, exits;
	/* ports */
	uint16_t last_port;
	uint32_t last_out;
	unsigned nouts;
	uint64_t tsc;
	int irq_vec;		/* returned once by intr_ack, -1 = none */
	unsigned acks;
};

void *tm_map_page(void *opaque, uint64_t gpa, bool write, bool smm);
int tm_mmio(void *opaque, uint64_t gpa, void *data, unsigned len, bool write);
int tm_pio(void *opaque, uint16_t port, void *data, unsigned size,
	   unsigned count, bool write);
extern const struct x86_cpu_ops tm_ops;

struct tmach *tm_create(struct x86_code_tracker *t);
void tm_destroy(struct tmach *m);
/* 64-bit mode, CPL @cpl, paging identity-maps 0..4 MiB with U/W set. */
void tm_long_mode(struct tmach *m, unsigned cpl);
/* Complete a pending exit the way the VMM would. */
void tm_complete(struct tmach *m);
uint64_t *tm_pte(struct tmach *m, uint64_t va);
void tm_copy(struct tmach *m, uint64_t gpa, const void *start, const void *end);
void tm_set_gate(struct tmach *m, int vec, uint64_t off, unsigned dpl,
		 unsigned ist);
static inline uint64_t tm_rd64(struct tmach *m, uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, m->ram + gpa, 8);
	return v;
}


#endif
