// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_decode.c - random bytes as guest code, in each CPU mode, with an
 * instruction budget: the core must not crash, hang or trip a sanitizer.
 *
 * Built two ways: with -fsanitize=fuzzer as a libFuzzer target (make
 * fuzz), and with a plain main() that feeds a deterministic stream of
 * random inputs (the smoke run in make check: fuzz_smoke [count] [seed]).
 *
 * Input layout: byte 0 selects the mode (real, 16/32-bit protected,
 * 64-bit kernel, 64-bit user) and some state bits; bytes 1..32 seed the
 * GPRs; the rest is code, copied to the code page and also sprayed over
 * the data area so memory operands see guest-controlled bytes.
 */
#include "harness.h"

static struct tmach *fz_machine(void)
{
	static struct tmach *m;	/* reused across inputs (fuzzer speed) */

	if (!m)
		m = tm_create(NULL);
	return m;
}

static void set_seg(struct x86_seg *s, uint16_t sel, uint8_t type,
		    unsigned dpl, bool db, bool l)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->type = type;
	s->s = 1;
	s->dpl = dpl;
	s->present = 1;
	s->db = db;
	s->l = l;
	s->g = 1;
	s->limit = 0xffffffff;
}

static int fuzz_one(const uint8_t *data, size_t size)
{
	struct tmach *m = fz_machine();
	struct x86_cpu *cpu = m->cpu;
	struct x86_state *s = &cpu->s;
	uint8_t sel;
	uint64_t code = 0x100000;

	if (size < 2)
		return 0;
	sel = data[0];
	m->exit_mode = sel & 0x80;
	m->pending = false;
	x86_cpu_reset(cpu);
	tm_long_mode(m, 0);
	/* Random bytes everywhere code and data might point. */
	memset(m->ram + 0x100000, 0xcc, 0x2000);
	for (size_t i = 1; i < size && i < 0x2000; i++)
		m->ram[0x100000 + i - 1] = data[i];
	for (int i = 0; i < 16; i++) {
		/* Boundary values find overflow paths (IDIV, shifts...). */
		static const uint64_t special[] = {
			0, 1, ~0ull, 0x80000000, 0x8000000000000000ull,
			0x7fffffffffffffffull, 0xffffffff, 0x8000, 0x80,
			0x7fffffff, 0xffff, 63, 64, 0x1000, 0xfff, 0x100000,
		};
		uint64_t v = 0;

		if (size > 1 + (size_t)i * 2) {
			uint8_t b = data[1 + i * 2];

			v = (b & 0x80) ? special[b & 15] : b * 0x10101ull;
		}
		s->gpr[i] = v;
	}
	s->gpr[X86_RSP] = 0x80000;
	switch (sel & 7) {
	case 0:		/* real mode */
		s->cr0 = X86_CR0_ET;
		s->cr4 = 0;
		s->efer = 0;
		for (int i = 0; i < X86_NR_SREGS; i++) {
			set_seg(&s->seg[i], 0x1000, i == X86_CS ? 0xb : 3, 0,
				false, false);
			s->seg[i].base = 0x10000;
			s->seg[i].limit = 0xffff;
			s->seg[i].g = 0;
		}
		s->idt.base = 0;
		s->idt.limit = 0x3ff;
		s->rip = code - 0x10000;
		break;
	case 1:		/* 16-bit protected mode, no paging */
	case 2:		/* 32-bit protected mode, no paging */
		s->cr0 = X86_CR0_PE | X86_CR0_ET;
		s->efer = 0;
		s->cr4 = (sel & 8) ? X86_CR4_OSFXSR : 0;
		for (int i = 0; i < X86_NR_SREGS; i++)
			set_seg(&s->seg[i], i == X86_CS ? 0x08 : 0x10,
				i == X86_CS ? 0xb : 3, 0, (sel & 7) == 2,
				false);
		s->rip = code;
		break;
	case 3:		/* 32-bit with PAE paging (identity tables reused) */
		s->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
		s->efer = X86_EFER_NXE;
		s->cr4 = X86_CR4_PAE | X86_CR4_OSFXSR;
		s->pdptr[0] = TM_PD | 1;
		for (int i = 0; i < X86_NR_SREGS; i++)
			set_seg(&s->seg[i], i == X86_CS ? 0x08 : 0x10,
				i == X86_CS ? 0xb : 3, 0, true, false);
		s->rip = code;
		break;
	case 4:		/* 64-bit user */
		tm_long_mode(m, 3);
		s->rip = code;
		break;
	case 5:		/* compatibility mode */
		set_seg(&s->seg[X86_CS], 0x18 | 3, 0xb, 3, true, false);
		set_seg(&s->seg[X86_SS], 0x20 | 3, 3, 3, true, false);
		s->rip = code;
		break;
	default:	/* 64-bit kernel */
		s->rip = code;
		break;
	}
	x86_cpu_set_rflags(cpu, X86_FIXED1 | ((sel & 0x40) ? X86_IF : 0));
	x86_cpu_state_changed(cpu);
	/* Run with a budget; complete exits like a VMM would. */
	for (int round = 0; round < 8; round++) {
		int r = x86_cpu_run(cpu, 2000);

		if (r == X86_STOP_EXIT) {
			tm_complete(m);
			continue;
		}
		if (r == X86_STOP_HLT) {
			s->halted = 0;
			continue;
		}
		if (r != X86_STOP_BUDGET)
			break;
	}
	return 0;
}

/*
 * Sanitized builds (make asan-check, tsan-check) run the core many times
 * slower; the smoke run divides its input count by this to stay within
 * its manifest timeout.  The plain build keeps the full count.
 */
#if defined(__SANITIZE_THREAD__)
#define SAN_SLOWDOWN	8
#elif defined(__SANITIZE_ADDRESS__)
#define SAN_SLOWDOWN	4
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SAN_SLOWDOWN	8
#elif __has_feature(address_sanitizer)
#define SAN_SLOWDOWN	4
#endif
#endif
#ifndef SAN_SLOWDOWN
#define SAN_SLOWDOWN	1
#endif

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_one(data, size);
}
#else
int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000;
	uint64_t x = argc > 2 ? strtoull(argv[2], NULL, 0) : 12345;
	uint8_t buf[256];

	n = n / SAN_SLOWDOWN ? n / SAN_SLOWDOWN : n;
	for (unsigned long i = 0; i < n; i++) {
		size_t len = 2 + (x % (sizeof(buf) - 2));

		for (size_t k = 0; k < len; k++) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			buf[k] = (x * 0x2545f4914f6cdd1dull) >> 56;
		}
		fuzz_one(buf, len);
	}
	printf("fuzz_smoke: %lu inputs, no crash\n", n);
	return 0;
}
#endif
