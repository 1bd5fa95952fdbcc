// SPDX-License-Identifier: GPL-2.0
/*
 * test_smram.c - the VMM's SMRAM (src/vmm/smram.c) as a chipset drives it.
 *
 * A VM with the chipset's layout (a hole at 0xA0000-0xBFFFF in address
 * space 0) gets SMRAM from smram_init(); a real-mode vCPU then reads the
 * first byte of the window outside SMM and, through an SMI, inside it,
 * for each smram_set() combination:
 *
 *   in_smm outside_smm   normal view      SMM view
 *   0      0             hole (MMIO)      hole (MMIO)
 *   1      0             hole (MMIO)      SMRAM
 *   x      1             SMRAM            SMRAM   (D_OPEN)
 *
 * RAM outside the window is the same memory in both views.  Needs a
 * backend with SMM (emu): skips only where the host's KVM lacks it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm/vm.h"
#include "../check.h"

#define SMRAM_BYTE	0xa5
#define CODE		0x1000u
#define NORMAL_OUT	0x10
#define SMM_OUT		0x11

/*
 * Normal code: read [0xA0000] and [0x5000], report them, then the host
 * raises an SMI; the handler at 0x38000 does the same from SMM and RSMs.
 */
static const uint8_t code[] = {
	0xb8, 0x00, 0xa0,	/* mov ax, 0xa000 */
	0x8e, 0xd8,		/* mov ds, ax */
	0xa0, 0x00, 0x00,	/* mov al, [0] */
	0xe6, NORMAL_OUT,	/* out NORMAL_OUT, al */
	0x31, 0xc0,		/* xor ax, ax */
	0x8e, 0xd8,		/* mov ds, ax */
	0xa0, 0x00, 0x50,	/* mov al, [0x5000] */
	0xe6, NORMAL_OUT,	/* out NORMAL_OUT, al */
	0xf4,			/* hlt */
};
static const uint8_t handler[] = {
	0xb8, 0x00, 0xa0, 0x8e, 0xd8, 0xa0, 0x00, 0x00,
	0xe6, SMM_OUT,
	0x31, 0xc0, 0x8e, 0xd8, 0xa0, 0x00, 0x50,
	0xe6, SMM_OUT,
	0x0f, 0xaa,		/* rsm */
};

struct probe {
	int window;		/* byte read at 0xA0000, -1: MMIO exit */
	int ram;		/* byte read at 0x5000 */
};

static void map_as0(struct vm *vm, uint16_t slot, uint64_t gpa, uint64_t size)
{
	struct hv_memslot s = {
		.slot = slot, .as_id = HV_AS_NORMAL, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = vm->mem.host + gpa,
		.guest_memfd = -1,
	};

	CHECK_OK(hv_set_memslot(vm->hv_vm, &s));
}

/* Next access the vCPU makes: an OUT to @port (value) or an MMIO read. */
static int next_value(struct hv_vcpu *vcpu, uint16_t port)
{
	struct hv_exit *e = hv_vcpu_exit(vcpu);

	for (;;) {
		CHECK_OK(hv_vcpu_run(vcpu));
		if (e->reason == HV_EXIT_MMIO && !e->mmio.is_write) {
			CHECK_EQ(e->mmio.phys_addr, SMRAM_BASE);
			CHECK_EQ(!!(e->flags & HV_RUN_X86_SMM),
				 port == SMM_OUT);
			memset(e->mmio.data, 0xff, sizeof(e->mmio.data));
			continue;	/* the read completes as 0xff */
		}
		CHECK(e->reason == HV_EXIT_IO && e->io.port == port,
		      "exit %u port %#x, want OUT %#x", e->reason,
		      e->io.port, port);
		CHECK_EQ(!!(e->flags & HV_RUN_X86_SMM), port == SMM_OUT);
		return e->io.data[0];
	}
}

static void probe(struct vm *vm, struct probe *normal, struct probe *smm)
{
	struct hv_vcpu *vcpu;
	struct kvm_sregs sr;
	struct kvm_regs regs = { .rip = CODE, .rflags = 2 };

	CHECK_OK(hv_vcpu_create(vm->hv_vm, 0, &vcpu));
	CHECK_OK(hv_vcpu_get_sregs(vcpu, &sr));
	sr.cs.base = sr.ds.base = sr.ss.base = 0;
	sr.cs.selector = sr.ds.selector = sr.ss.selector = 0;
	CHECK_OK(hv_vcpu_set_sregs(vcpu, &sr));
	CHECK_OK(hv_vcpu_set_regs(vcpu, &regs));
	normal->window = next_value(vcpu, NORMAL_OUT);
	normal->ram = next_value(vcpu, NORMAL_OUT);
	CHECK_OK(hv_vcpu_smi(vcpu));
	smm->window = next_value(vcpu, SMM_OUT);
	smm->ram = next_value(vcpu, SMM_OUT);
	hv_vcpu_destroy(vcpu);
}

int main(void)
{
	static const struct {
		bool in_smm, outside;
		int normal, smm;
	} cases[] = {
		{ false, false, 0xff, 0xff },
		{ true, false, 0xff, SMRAM_BYTE },
		{ false, true, SMRAM_BYTE, SMRAM_BYTE },
		{ true, true, SMRAM_BYTE, SMRAM_BYTE },
		{ false, false, 0xff, 0xff },
	};
	struct probe n, s;
	struct vm *vm;
	char why[256];
	int ret;

	vm = calloc(1, sizeof(*vm));
	CHECK(vm);
	vm->mem.fd = vm->epoll_fd = vm->stop_fd = -1;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_mutex_init(&vm->irq.lock, NULL);
	CHECK_OK(bus_init(&vm->bus));
	ret = hv_open(HV_ACCEL_EMU, &vm->hv, why, sizeof(why));
	CHECK(!ret, "emu backend: %s", why);
	CHECK_OK(hv_vm_create(vm->hv, NULL, &vm->hv_vm));
	CHECK_OK(guest_mem_init(&vm->mem, 2ull << 20));
	/* The chipset machine's AS0: RAM around a hole at the window. */
	map_as0(vm, 0, 0, SMRAM_BASE);
	map_as0(vm, 1, SMRAM_BASE + SMRAM_SIZE,
		(2ull << 20) - SMRAM_BASE - SMRAM_SIZE);
	memcpy(vm->mem.host + CODE, code, sizeof(code));
	memcpy(vm->mem.host + 0x38000, handler, sizeof(handler));
	vm->mem.host[0x5000] = 0x42;

	CHECK_ERR(smram_set(vm, true, false), -EOPNOTSUPP);
	CHECK_OK(smram_init(vm));
	CHECK(smram_enabled(&vm->smram), "emu has SMM: SMRAM expected");
	CHECK_ERR(smram_init(vm), -EBUSY);
	vm->smram.host[0] = SMRAM_BYTE;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_OK(smram_set(vm, cases[i].in_smm, cases[i].outside));
		probe(vm, &n, &s);
		printf("in_smm %d outside_smm %d: normal view %#x, SMM view "
		       "%#x\n", cases[i].in_smm, cases[i].outside, n.window,
		       s.window);
		CHECK_EQ(n.window, cases[i].normal);
		CHECK_EQ(s.window, cases[i].smm);
		CHECK_EQ(n.ram, 0x42);
		CHECK_EQ(s.ram, 0x42);
	}
	vm_destroy(vm);
	printf("PASS\n");
	return 0;
}
