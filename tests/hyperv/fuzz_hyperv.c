// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_hyperv.c - random and mutated guest input against the two Hyper-V
 * parsers that take it:
 *  - the emu backend's hypercall dispatch and Hyper-V MSRs: a 32-bit
 *    guest issues VMCALL with random control words and GPAs, and
 *    RDMSR/WRMSR of random indices in 0x40000000-0x400001ff with random
 *    values (SynIC pages, timer configs, syndbg, the hypercall page
 *    anywhere), under random CPUID feature words, enforce-cpuid on or
 *    off; HCALL exits get random answers.  Every run must end at the
 *    guest's OUT (or its #GP/#UD handler), never crash or hang the VMM;
 *  - the syndbg bridge's frame handling (lib/udp_frame.c): random and
 *    mutated Ethernet/IPv4/UDP frames are parsed (offsets must stay inside
 *    the frame), and frames built from random payloads into random
 *    buffers parse back to the same payload and addresses.
 * Usage: fuzz_hyperv [ITERATIONS [SEED]].  Sanitizer builds make the
 * checks sharper; `make fuzz` builds fuzz_hyperv_lf for the frame parser.
 */
#include <unistd.h>

#include "../hv/hvtest.h"
#include "hv/hv_hyperv.h"
#include "lib/udp_frame.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ---------------------------------------------------------------- emu */

#define CODE	0x1000
#define IDT	0x3100
#define GDT	0x3000
#define HANDLER	0x3400

static struct hvt t;

static void guest_build(void)
{
	/* rdmsr; out; hlt | wrmsr; out; hlt | vmcall; out; hlt | out; hlt */
	static const uint8_t code[] = {
		0x0f, 0x32, 0xe7, 0x10, 0xf4, 0x90, 0x90, 0x90,
		0x0f, 0x30, 0xe7, 0x10, 0xf4, 0x90, 0x90, 0x90,
		0x0f, 0x01, 0xc1, 0xe7, 0x10, 0xf4, 0x90, 0x90,
	};
	static const uint8_t handler[] = { 0xe7, 0x11, 0xf4 };
	uint64_t gdt[3] = { 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull };
	struct kvm_sregs s;

	memcpy(t.ram + CODE, code, sizeof(code));
	memcpy(t.ram + HANDLER, handler, sizeof(handler));
	memcpy(t.ram + GDT, gdt, sizeof(gdt));
	for (unsigned int v = 0; v < 32; v++) {
		uint32_t lo = (0x8u << 16) | HANDLER, hi = 0x8e00;

		memcpy(t.ram + IDT + v * 8, &lo, 4);
		memcpy(t.ram + IDT + v * 8 + 4, &hi, 4);
	}
	hvt_flat32(t.vcpu, CODE, IDT, 32 * 8 - 1);
	CHECK_OK(hv_vcpu_get_sregs(t.vcpu, &s));
	s.gdt.base = GDT;
	s.gdt.limit = 23;
	CHECK_OK(hv_vcpu_set_sregs(t.vcpu, &s));
}

static void set_cpuid(void)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[4];
	} c;

	memset(&c, 0, sizeof(c));
	c.h.nent = 4;
	c.e[0].function = HV_CPUID_INTERFACE;
	c.e[0].eax = HV_INTERFACE_SIGNATURE;
	c.e[1].function = HV_CPUID_FEATURES;
	c.e[1].eax = rnd();
	c.e[1].ebx = rnd();
	c.e[1].edx = rnd();
	c.e[2].function = HV_CPUID_SYNDBG_PLATFORM;
	c.e[2].eax = rnd() & 3;
	c.e[3].function = HV_CPUID_ENLIGHTENMENT;
	c.e[3].eax = rnd();
	c.e[3].ebx = rnd();
	CHECK_OK(hv_vcpu_set_cpuid(t.vcpu, &c.h));
}

/*
 * A random guest address: mostly a RAM page above the code, tables and
 * stack (0x9000-0xffff; the pages the guest runs from stay intact, so
 * every run ends), sometimes anything at all.
 */
static uint64_t rnd_gpa(void)
{
	uint64_t page = 0x9000 + (rnd() % 7) * 0x1000;

	switch (rnd() % 4) {
	case 0: return rnd() & ~0xfffull;
	case 1: return page + (rnd() & 0xff8);
	default: return page;
	}
}

static void one_emu(void)
{
	static const uint64_t interesting[] = {
		0x40000001, 0x40000021, 0x40000073, 0x40000080, 0x40000083,
		0x40000084, 0x40000090, 0x400000b0, 0x400000b1, 0x400000f1,
		0x400000f5, 0x400000ff, 0x40000105, 0x40000003, 0x40000071,
		0x40000106, 0x40000108, 0x40000118,
	};
	/* Debug data, TLB flush and IPI (+ Ex), extended calls. */
	static const uint16_t codes[] = {
		0x0069, 0x006a, 0x006b, 0x0002, 0x0003, 0x000b, 0x0013,
		0x0014, 0x0015, 0x8001, 0x8003, 0x0008,
	};
	struct kvm_regs r = { .rflags = 2, .rsp = HVT_STACK };
	unsigned int op = rnd() % 3, steps;
	uint64_t idx = rnd() % 2 ?
		       interesting[rnd() % (sizeof(interesting) /
					    sizeof(interesting[0]))] :
				   0x40000000 + rnd() % 0x200;
	uint64_t val = rnd() % 2 ? rnd_gpa() | (rnd() & 0xfff) : rnd();

	r.rip = CODE + op * 8;
	if (op < 2) {
		r.rcx = idx;
		r.rax = (uint32_t)val;
		r.rdx = val >> 32;
	} else {
		uint64_t ctl = rnd();
		uint64_t in = rnd_gpa(), out = rnd_gpa();

		if (rnd() % 2)
			ctl = (ctl & ~0xffffull) |
			      codes[rnd() % (sizeof(codes) / sizeof(codes[0]))];
		/* Small variable headers and rep counts reach the parsers. */
		if (rnd() % 2)
			ctl = (ctl & ~(0x3ffull << 17 | 0xfffull << 32 |
				       0xfffull << 48)) |
			      (rnd() % 4) << 17 | (rnd() % 20) << 32;
		if (rnd() % 2)
			ctl &= ~HV_HYPERCALL_RSVD_MASK;
		r.rax = (uint32_t)ctl;
		r.rdx = ctl >> 32;
		r.rbx = in >> 32;
		r.rcx = (uint32_t)in;
		r.rdi = out >> 32;
		r.rsi = (uint32_t)out;
	}
	CHECK_OK(hv_vcpu_set_regs(t.vcpu, &r));
	for (steps = 0; steps < 8; steps++) {
		int ret = hv_vcpu_run(t.vcpu);

		CHECK(ret == 0, "run: %s", strerror(-ret));
		switch (t.exit->reason) {
		case HV_EXIT_IO:
			continue;	/* the OUT: completed by the next run */
		case HV_EXIT_HLT:
			return;
		case HV_EXIT_HYPERV:
			if (t.exit->hyperv.type == KVM_EXIT_HYPERV_HCALL)
				t.exit->hyperv.u.hcall.result = rnd();
			else if (t.exit->hyperv.type == KVM_EXIT_HYPERV_SYNDBG)
				t.exit->hyperv.u.syndbg.status = rnd();
			continue;
		case HV_EXIT_SYSTEM_EVENT:
			return;		/* reset / crash request */
		default:
			check_fail("unexpected exit %s", hvt_reason(t.exit->reason));
		}
	}
	check_fail("guest did not reach HLT");
}

static void fuzz_emu(unsigned long n)
{
	unsigned long i;

	/* No irqchip: HLT then exits, which is how a run ends. */
	memset(&t, 0, sizeof(t));
	t.hv = hvt_open();
	CHECK_OK(hv_vm_create(t.hv, NULL, &t.vm));
	t.ram = hvt_alloc(HVT_RAM_SIZE);
	hvt_add_slot(t.vm, 0, 0, HVT_RAM_SIZE, t.ram, 0);
	CHECK_OK(hv_vcpu_create(t.vm, 0, &t.vcpu));
	t.exit = hv_vcpu_exit(t.vcpu);
	guest_build();
	CHECK_OK(hv_vcpu_enable_cap(t.vcpu, HV_CAP_HYPERV_SYNIC, 0));
	for (i = 0; i < n; i++) {
		if (i % 64 == 0) {
			struct {
				struct kvm_msrs h;
				struct kvm_msr_entry e;
			} m = { .h.nmsrs = 1, .e.index = HV_X64_MSR_GUEST_OS_ID,
				.e.data = rnd() % 4 ? 1 : 0 };

			set_cpuid();
			CHECK_OK(hv_vcpu_enable_cap(t.vcpu,
						  HV_CAP_HYPERV_ENFORCE_CPUID,
						  rnd() % 2));
			hv_vcpu_set_msrs(t.vcpu, &m.h);
			/* The code may have been overwritten (hypercall page). */
			guest_build();
		}
		one_emu();
	}
	hvt_teardown(&t);
}

/* ---------------------------------------------------------------- frames */

static void fuzz_frames(unsigned long n)
{
	static uint8_t frame[4200], payload[4200], out[4200];
	unsigned long i, parsed = 0;

	for (i = 0; i < n; i++) {
		size_t len = rnd() % sizeof(frame), plen, cap, flen, off, pl;
		uint32_t src = rnd(), dst = rnd(), ip;
		uint16_t port = rnd();

		/* Build one from a random payload, then mutate it. */
		plen = rnd() % 4096;
		cap = rnd() % sizeof(out);
		for (size_t j = 0; j < plen; j++)
			payload[j] = rnd();
		flen = udp_frame_build(out, cap, payload, plen, src, dst, port);
		if (flen) {
			CHECK(flen == plen + UDP_FRAME_HDR && flen <= cap,
				  "built %zu bytes for %zu into %zu", flen, plen,
				  cap);
			CHECK(!udp_frame_parse(out, flen, &off, &pl, &ip) &&
				  pl == plen && off == UDP_FRAME_HDR &&
				  ip == src && !memcmp(out + off, payload, pl),
				  "built frame does not parse back");
		} else {
			CHECK(plen + UDP_FRAME_HDR > cap,
				  "%zu bytes fit %zu but were refused", plen, cap);
		}
		if (flen && rnd() % 2) {
			memcpy(frame, out, flen);
			len = flen;
			for (unsigned int k = rnd() % 4; k; k--)
				frame[rnd() % flen] ^= 1u << (rnd() % 8);
			if (rnd() % 4 == 0)
				len = rnd() % (flen + 1);
		} else {
			for (size_t j = 0; j < len; j++)
				frame[j] = rnd();
		}
		if (!udp_frame_parse(frame, len, &off, &pl, &ip)) {
			CHECK(off <= len && pl <= len - off,
				  "payload [%zu, +%zu) outside a %zu-byte frame",
				  off, pl, len);
			parsed++;
		}
	}
	printf("frames: %lu inputs, %lu parsed as UDP\n", n, parsed);
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000;

	rng_state = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x1234567;
	if (!rng_state)
		rng_state = 1;
	setenv("CVISOR_ACCEL", "emu", 1);
	alarm(250);		/* a hang is a failure, not a timeout */
	fuzz_frames(n * 4);
	fuzz_emu(n);
	printf("fuzz_hyperv: %lu guest inputs, ok\n", n);
	return 0;
}
