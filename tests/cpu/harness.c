// SPDX-License-Identifier: GPL-2.0
/* harness.c - see harness.h. */
#include "harness.h"

void *tm_map_page(void *opaque, uint64_t gpa, bool write, bool smm)
{
	struct tmach *m = opaque;

	if (gpa >= TM_RAM)
		return NULL;
	return m->ram + (gpa & ~0xfffull);
}

/*
 * In exit mode the device behaves like a VMM-emulated one: the first
 * attempt of an access records it and exits; the re-executed attempt with
 * the same access completes it.  The counters count accesses the device
 * really performed.
 */
int tm_mmio(void *opaque, uint64_t gpa, void *data, unsigned len, bool write)
{
	struct tmach *m = opaque;
	unsigned off = (gpa - TM_MMIO) & 0xfff;
	uint64_t v = 0;

	if (gpa < TM_MMIO || gpa >= TM_MMIO + 4096) {
		if (!write)
			memset(data, 0xff, len);
		return 0;
	}
	if (m->exit_mode) {
		if (m->pending && m->p_gpa == gpa && m->p_len == len &&
		    m->p_write == write) {
			m->pending = false;
			if (!write)
				memcpy(data, &m->p_data, len);
			return 0;
		}
		m->pending = true;
		m->p_gpa = gpa;
		m->p_len = len;
		m->p_write = write;
		m->p_data = 0;
		if (write)
			memcpy(&m->p_data, data, len);
		m->exits++;
		return X86_IO_EXIT;
	}
	if (write) {
		memcpy(&v, data, len);
		memcpy((uint8_t *)m->regs + off, &v, len);
		m->dev_writes++;
	} else {
		memcpy(data, (uint8_t *)m->regs + off, len);
		m->dev_reads++;
	}
	return 0;
}

void tm_complete(struct tmach *m)
{
	unsigned off = (m->p_gpa - TM_MMIO) & 0xfff;

	if (!m->pending)
		return;
	if (m->p_write) {
		memcpy((uint8_t *)m->regs + off, &m->p_data, m->p_len);
		m->dev_writes++;
	} else {
		m->p_data = 0;
		memcpy(&m->p_data, (uint8_t *)m->regs + off, m->p_len);
		m->dev_reads++;
	}
}

int tm_pio(void *opaque, uint16_t port, void *data, unsigned size,
	   unsigned count, bool write)
{
	struct tmach *m = opaque;

	if (write) {
		m->last_port = port;
		m->last_out = 0;
		memcpy(&m->last_out, data, size);
		m->nouts++;
	} else {
		memset(data, 0xff, size * count);
	}
	return 0;
}

static void tm_cpuid(void *opaque, uint32_t leaf, uint32_t sub,
		     uint32_t regs[4])
{
	struct x86_cpuid_entry e[32];
	size_t n = x86_cpu_supported_cpuid(e, 32);

	memset(regs, 0, 16);
	for (size_t i = 0; i < n; i++)
		if (e[i].function == leaf &&
		    (!(e[i].flags & 1) || e[i].index == sub)) {
			regs[0] = e[i].eax;
			regs[1] = e[i].ebx;
			regs[2] = e[i].ecx;
			regs[3] = e[i].edx;
		}
}

static int tm_intr_ack(void *opaque)
{
	struct tmach *m = opaque;
	int v = m->irq_vec;

	m->irq_vec = -1;
	m->acks++;
	atomic_store(&m->cpu->intr_pending, false);
	return v;
}

static uint64_t tm_tsc(void *opaque)
{
	struct tmach *m = opaque;

	return m->tsc += 1000;
}

const struct x86_cpu_ops tm_ops = {
	.map_page = tm_map_page,
	.mmio = tm_mmio,
	.pio = tm_pio,
	.cpuid = tm_cpuid,
	.intr_ack = tm_intr_ack,
	.tsc = tm_tsc,
};

struct tmach *tm_create(struct x86_code_tracker *t)
{
	struct tmach *m = calloc(1, sizeof(*m));

	if (!m)
		abort();
	m->ram = calloc(1, TM_RAM);
	m->irq_vec = -1;
	m->cpu = x86_cpu_create(&tm_ops, m, t);
	if (!m->ram || !m->cpu)
		abort();
	return m;
}

void tm_destroy(struct tmach *m)
{
	x86_cpu_destroy(m->cpu);
	free(m->ram);
	free(m);
}

static void wr64(struct tmach *m, uint64_t gpa, uint64_t v)
{
	memcpy(m->ram + gpa, &v, 8);
}

uint64_t *tm_pte(struct tmach *m, uint64_t va)
{
	return (uint64_t *)(m->ram + TM_PT + (va >> 12) * 8);
}

void tm_copy(struct tmach *m, uint64_t gpa, const void *start, const void *end)
{
	size_t len = (const char *)end - (const char *)start;

	/* A VMM-side write into guest memory: drop stale decodes. */
	memcpy(m->ram + gpa, start, len);
	x86_code_tracker_write(m->cpu->tracker, gpa, len);
}

void tm_set_gate(struct tmach *m, int vec, uint64_t off, unsigned dpl,
		 unsigned ist)
{
	uint64_t lo = (off & 0xffff) | (0x08ull << 16) | ((uint64_t)ist << 32) |
		      (0x8eull << 40) | ((uint64_t)dpl << 45) |
		      ((off >> 16 & 0xffff) << 48);

	wr64(m, TM_IDT + vec * 16, lo);
	wr64(m, TM_IDT + vec * 16 + 8, off >> 32);
}

static void seg(struct x86_seg *s, uint16_t sel, uint8_t type, unsigned dpl,
		bool l)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel | dpl;
	s->type = type;
	s->s = 1;
	s->dpl = dpl;
	s->present = 1;
	s->l = l;
	s->db = !l;
	s->g = 1;
	s->limit = 0xffffffff;
}

void tm_long_mode(struct tmach *m, unsigned cpl)
{
	struct x86_state *s = &m->cpu->s;

	/* GDT: null, kcode64 08, kdata 10, ucode32 18, udata 20, ucode64 28, TSS 30 */
	wr64(m, TM_GDT + 0x00, 0);
	wr64(m, TM_GDT + 0x08, 0x00af9a000000ffffull);
	wr64(m, TM_GDT + 0x10, 0x00cf92000000ffffull);
	wr64(m, TM_GDT + 0x18, 0x00cffa000000ffffull);
	wr64(m, TM_GDT + 0x20, 0x00cff2000000ffffull);
	wr64(m, TM_GDT + 0x28, 0x00affa000000ffffull);
	wr64(m, TM_GDT + 0x30, 0x0000890000000067ull | ((uint64_t)TM_TSS << 16));
	wr64(m, TM_GDT + 0x38, 0);
	wr64(m, TM_TSS + 4, 0x7f000);		/* RSP0 */
	wr64(m, TM_TSS + 0x24, 0x7e000);	/* IST1 */
	/* Paging: identity map 0..4 MiB with 4 KiB pages, P|W|U. */
	memset(m->ram + TM_PML4, 0, 0x6000);
	wr64(m, TM_PML4, TM_PDPT | 7);
	wr64(m, TM_PDPT, TM_PD | 7);
	wr64(m, TM_PD, TM_PT | 7);
	wr64(m, TM_PD + 8, (TM_PT + 0x1000) | 7);
	for (uint64_t i = 0; i < 1024; i++)
		wr64(m, TM_PT + i * 8, (i << 12) | 7);
	/* MMIO page at 4 MiB - 4 KiB maps the device. */
	wr64(m, TM_PT + 1023 * 8, TM_MMIO | 7);

	s->cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP | X86_CR0_ET | X86_CR0_NE;
	s->cr3 = TM_PML4;
	s->cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	s->efer = X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE | X86_EFER_SCE;
	if (cpl == 3) {
		seg(&s->seg[X86_CS], 0x28, 0xb, 3, true);
		seg(&s->seg[X86_SS], 0x20, 0x3, 3, false);
	} else {
		seg(&s->seg[X86_CS], 0x08, 0xb, 0, true);
		seg(&s->seg[X86_SS], 0x10, 0x3, 0, false);
	}
	seg(&s->seg[X86_DS], 0, 0x3, 0, false);
	s->seg[X86_DS].unusable = 1;
	s->seg[X86_ES] = s->seg[X86_FS] = s->seg[X86_GS] = s->seg[X86_DS];
	s->seg[X86_TR].selector = 0x30;
	s->seg[X86_TR].base = TM_TSS;
	s->seg[X86_TR].limit = 0x67;
	s->seg[X86_TR].type = 0xb;
	s->seg[X86_TR].present = 1;
	s->gdt.base = TM_GDT;
	s->gdt.limit = 0x3f;
	s->idt.base = TM_IDT;
	s->idt.limit = 0xfff;
	s->gpr[X86_RSP] = 0x70000;
	memset(&s->ev, 0, sizeof(s->ev));
	x86_cpu_set_rflags(m->cpu, X86_FIXED1);
	x86_cpu_state_changed(m->cpu);
}
