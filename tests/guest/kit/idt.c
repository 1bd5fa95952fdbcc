// SPDX-License-Identifier: GPL-2.0
/*
 * idt.c - the IDT, per-vector C handlers and catch_exception().
 */
#include "kit.h"

struct idt_gate {
	uint16_t off0;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;		/* P | DPL 0 | 64-bit interrupt gate (0xE) */
	uint16_t off1;
	uint32_t off2;
	uint32_t zero;
};

struct __attribute__((packed)) idt_ptr {
	uint16_t limit;
	uint64_t base;
};

/* Saved by kit_try (isr.S); the field order is fixed by that code. */
struct kit_jmp {
	uint64_t rbx, rbp, r12, r13, r14, r15, rsp;
};

struct try_slot {
	bool active;
	int vec;
	struct exc_info *info;
	struct kit_jmp jb;
};

extern const char isr_stubs[];
bool kit_try(void (*fn)(void *), void *arg, struct kit_jmp *jb);
extern const char kit_try_recover[];
void isr_dispatch(struct frame *f);

static struct idt_gate idt[256] __aligned(16);
static bool idt_ready;
static handler_t handlers[256];
static struct try_slot try_slots[MAX_CPUS];

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

static void idt_init(void)
{
	int i;

	for (i = 0; i < 256; i++) {
		uint64_t a = (uint64_t)(uintptr_t)(isr_stubs + 16 * i);

		idt[i] = (struct idt_gate){
			.off0 = a & 0xffff,
			.sel = KIT_CS64,
			.type = 0x8e,
			.off1 = (a >> 16) & 0xffff,
			.off2 = a >> 32,
		};
	}
	idt_ready = true;
}

void idt_load(void)
{
	struct idt_ptr p;

	/* The BSP builds the table before any AP exists: no race. */
	if (!idt_ready)
		idt_init();
	p.limit = sizeof(idt) - 1;
	p.base = (uintptr_t)idt;
	__asm__ __volatile__("lidt %0" :: "m"(p));
}

void set_handler(int vec, handler_t fn)
{
	WRITE_ONCE(handlers[vec & 0xff], fn);
}

static void default_handler(struct frame *f)
{
	const char *name = f->vector < 32 && exc_names[f->vector] ?
			   exc_names[f->vector] : "interrupt";

	exit_fail("unexpected exception: vector %llu (%s) error code 0x%llx "
		  "RIP 0x%llx CR2 0x%llx RSP 0x%llx on CPU %d",
		  (unsigned long long)f->vector, name,
		  (unsigned long long)f->error_code,
		  (unsigned long long)f->rip, (unsigned long long)read_cr2(),
		  (unsigned long long)f->rsp, smp_cpu_index());
}

void isr_dispatch(struct frame *f)
{
	struct try_slot *t = &try_slots[smp_cpu_index()];
	handler_t h;

	if (t->active && ((int)f->vector == t->vec || t->vec == CATCH_ANY)) {
		/* Resume in kit_try_recover with the caller's registers. */
		t->info->vector = (int)f->vector;
		t->info->error_code = f->error_code;
		t->info->rip = f->rip;
		t->info->cr2 = read_cr2();
		t->active = false;
		f->rbx = t->jb.rbx;
		f->rbp = t->jb.rbp;
		f->r12 = t->jb.r12;
		f->r13 = t->jb.r13;
		f->r14 = t->jb.r14;
		f->r15 = t->jb.r15;
		f->rsp = t->jb.rsp;
		f->rip = (uintptr_t)kit_try_recover;
		/* fn may have left the kit's segments (a far jump, MOV SS). */
		f->cs = KIT_CS64;
		f->ss = KIT_DS;
		return;
	}
	h = READ_ONCE(handlers[f->vector & 0xff]);
	if (h)
		h(f);
	else
		default_handler(f);
}

bool catch_exception(int vec, void (*fn)(void *), void *arg,
		     struct exc_info *info)
{
	struct try_slot *t = &try_slots[smp_cpu_index()];
	bool caught;

	memset(info, 0, sizeof(*info));
	info->vector = -1;
	t->vec = vec;
	t->info = info;
	barrier();
	t->active = true;
	barrier();
	caught = kit_try(fn, arg, &t->jb);
	barrier();
	t->active = false;
	return caught;
}
