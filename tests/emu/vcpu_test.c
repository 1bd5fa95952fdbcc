// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu_test - the emu backend end to end with its irqchip: a real-mode
 * guest enables its LAPIC through the xAPIC page, arms a 50 ms one-shot
 * timer and halts; the vCPU must sleep (not spin) until the timer
 * interrupt, whose handler EOIs and reports on a port.  A second HLT is
 * woken by an MSI from another thread (hv_signal_msi), a third by the PIT
 * through the 8259 (IRQ0 -> ExtINT on LINT0).  Finally the LAPIC, IOAPIC,
 * PIC and PIT state survive get/set, and vcpu events obey the flag rules.
 */
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "hv/hv.h"
#include "accel/emu/timer.h"
#include "emutest.h"

#define RAM	0x10000

#define MOV_FS_D(off, v)	0x66, 0x64, 0xc7, 0x06, (off) & 0xff, (off) >> 8, \
	(v) & 0xff, ((v) >> 8) & 0xff, ((v) >> 16) & 0xff, ((v) >> 24) & 0xff

static const uint8_t main_code[] = {
	MOV_FS_D(0xf0, 0x1ff),			/* SVR: enable */
	MOV_FS_D(0x3e0, 0xb),			/* divide by 1 */
	MOV_FS_D(0x320, 0x40),			/* LVTT: vector 0x40, one-shot */
	MOV_FS_D(0x380, 50000000),		/* 50 ms */
	0xfb,					/* sti */
	0xf4,					/* hlt: timer */
	0xb0, 0xbb, 0xe6, 0xe1,			/* mov al, 0xbb; out 0xe1, al */
	0xf4,					/* hlt: MSI */
	0xb0, 0xcc, 0xe6, 0xe1,			/* mov al, 0xcc; out 0xe1, al */
	MOV_FS_D(0x350, 0x700),			/* LVT0: ExtINT, unmasked */
	/* 8259: ICW1-4, base 0x20, unmask IRQ0 only. */
	0xb0, 0x11, 0xe6, 0x20, 0xb0, 0x20, 0xe6, 0x21,
	0xb0, 0x04, 0xe6, 0x21, 0xb0, 0x01, 0xe6, 0x21,
	0xb0, 0xfe, 0xe6, 0x21,
	/* PIT channel 0, mode 2, ~10 ms. */
	0xb0, 0x34, 0xe6, 0x43, 0xb0, 0x9c, 0xe6, 0x40, 0xb0, 0x2e, 0xe6, 0x40,
	0xf4,					/* hlt: PIT */
	0xb0, 0xdd, 0xe6, 0xe1,			/* mov al, 0xdd; out 0xe1, al */
	0xeb, 0xfe,				/* jmp $ */
};

static const uint8_t lapic_handler[] = {	/* vectors 0x40, 0x41 */
	0xb0, 0xaa, 0xe6, 0xe0,			/* mov al, 0xaa; out 0xe0, al */
	MOV_FS_D(0xb0, 0),			/* EOI */
	0xcf,					/* iret */
};

static const uint8_t pic_handler[] = {	/* vector 0x20 (IRQ0) */
	0xb0, 0xab, 0xe6, 0xe0,			/* mov al, 0xab; out 0xe0, al */
	0xb0, 0x20, 0xe6, 0x20,			/* 8259 EOI */
	0xb0, 0xff, 0xe6, 0x21,			/* mask everything again */
	0xcf,					/* iret */
};

static struct hv_vm *vm;

static void *msi_thread(void *arg)
{
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x41 };

	sleep_ms(20);
	CHECK_EQ(hv_signal_msi(vm, &msi), 1);
	return NULL;
}

static struct hv_exit *run_io(struct hv_vcpu *v, uint16_t port, uint8_t val)
{
	struct hv_exit *e = hv_vcpu_exit(v);
	int ret = hv_vcpu_run(v);

	if (ret || e->reason != HV_EXIT_IO || e->io.port != port ||
	    e->io.data[0] != val) {
		printf("FAIL: run %d exit %u port %#x data %#x, want port %#x "
		       "data %#x\n", ret, e->reason, e->io.port,
		       e->reason == HV_EXIT_IO ? e->io.data[0] : 0, port, val);
		exit(1);
	}
	return e;
}

static uint64_t cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

static void set_ivt(uint8_t *ram, int vec, uint16_t off)
{
	ram[vec * 4] = off & 0xff;
	ram[vec * 4 + 1] = off >> 8;
	ram[vec * 4 + 2] = 0;
	ram[vec * 4 + 3] = 0;
}

int main(void)
{
	struct hv_memslot slot = { .slot = 0, .memory_size = RAM };
	struct kvm_segment *segs[6];
	struct kvm_lapic_state ls, ls2;
	struct kvm_irqchip chip, chip2;
	struct kvm_pit_state2 pit;
	struct kvm_vcpu_events ev;
	struct kvm_mp_state mp;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct hv_vcpu *v;
	struct hv *hv;
	uint64_t t0, c0;
	pthread_t th;
	uint8_t *ram;
	char why[256];
	int i, ret;

	ret = hv_open(HV_ACCEL_EMU, &hv, why, sizeof(why));
	/* emu is cvisor's own: failing to open it is a failure. */
	if (ret)
		check_fail("emu backend does not open: %s", why);
	CHECK(hv_check_cap(hv, HV_CAP_IRQCHIP) > 0);
	CHECK_EQ(hv_check_cap(hv, HV_CAP_IRQFD), 1);
	CHECK_EQ(hv_check_cap(hv, HV_CAP_IOEVENTFD), 1);
	CHECK(!hv_vm_create(hv, NULL, &vm));
	ram = mmap(NULL, RAM, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ram != MAP_FAILED);
	memcpy(ram + 0x1000, main_code, sizeof(main_code));
	memcpy(ram + 0x1100, lapic_handler, sizeof(lapic_handler));
	memcpy(ram + 0x1200, pic_handler, sizeof(pic_handler));
	set_ivt(ram, 0x40, 0x1100);
	set_ivt(ram, 0x41, 0x1100);
	set_ivt(ram, 0x20, 0x1200);
	slot.userspace_addr = ram;
	CHECK(!hv_set_memslot(vm, &slot));
	CHECK_EQ(hv_irq_line(vm, 0, 1), -ENXIO);	/* no irqchip yet */
	CHECK(!hv_create_irqchip(vm));
	CHECK_EQ(hv_create_irqchip(vm), -EEXIST);
	CHECK(!hv_create_pit(vm));
	CHECK(!hv_vcpu_create(vm, 0, &v));
	CHECK_EQ(hv_create_irqchip(vm), -EEXIST);

	/* Real mode at 0:0x1000, FS based at the xAPIC page. */
	CHECK(!hv_vcpu_get_sregs(v, &sregs));
	segs[0] = &sregs.cs; segs[1] = &sregs.ds; segs[2] = &sregs.es;
	segs[3] = &sregs.fs; segs[4] = &sregs.gs; segs[5] = &sregs.ss;
	for (i = 0; i < 6; i++) {
		segs[i]->base = 0;
		segs[i]->selector = 0;
		segs[i]->limit = 0xffff;
	}
	sregs.fs.base = 0xfee00000;
	CHECK_EQ(sregs.apic_base, 0xfee00900);
	CHECK(!hv_vcpu_set_sregs(v, &sregs));
	memset(&regs, 0, sizeof(regs));
	regs.rip = 0x1000;
	regs.rsp = 0x8000;
	regs.rflags = 2;
	CHECK(!hv_vcpu_set_regs(v, &regs));

	/* 1: LAPIC timer wakes HLT; the vCPU sleeps meanwhile. */
	t0 = emu_now_ns();
	c0 = cpu_ns();
	run_io(v, 0xe0, 0xaa);
	t0 = emu_now_ns() - t0;
	c0 = cpu_ns() - c0;
	printf("timer: woke after %llu us, %llu us of CPU\n",
	       (unsigned long long)t0 / 1000, (unsigned long long)c0 / 1000);
	CHECK(t0 >= 50000000);
	CHECK(c0 < t0 / 2);
	run_io(v, 0xe1, 0xbb);

	/* 2: an MSI from another thread wakes the second HLT. */
	pthread_create(&th, NULL, msi_thread, NULL);
	run_io(v, 0xe0, 0xaa);
	pthread_join(th, NULL);
	run_io(v, 0xe1, 0xcc);

	/* 3: PIT -> 8259 -> LINT0 ExtINT. */
	run_io(v, 0xe0, 0xab);
	run_io(v, 0xe1, 0xdd);

	/* State round trips. */
	CHECK(!hv_vcpu_get_lapic(v, &ls));
	CHECK(!hv_vcpu_set_lapic(v, &ls));
	CHECK(!hv_vcpu_get_lapic(v, &ls2));
	memset(ls.regs + 0x390, 0, 4);			/* TMCCT moves */
	memset(ls2.regs + 0x390, 0, 4);
	CHECK(!memcmp(&ls, &ls2, sizeof(ls)));
	for (i = 0; i < 3; i++) {
		memset(&chip, 0, sizeof(chip));
		chip.chip_id = i;
		CHECK(!hv_get_irqchip(vm, &chip));
		CHECK(!hv_set_irqchip(vm, &chip));
		chip2 = chip;
		CHECK(!hv_get_irqchip(vm, &chip2));
		CHECK(!memcmp(&chip, &chip2, sizeof(chip)));
	}
	chip.chip_id = 3;
	CHECK_EQ(hv_get_irqchip(vm, &chip), -EINVAL);
	CHECK(!hv_get_pit(vm, &pit));
	CHECK_EQ(pit.channels[0].mode, 2);
	CHECK_EQ(pit.channels[0].count, 0x2e9c);
	CHECK(!hv_set_pit(vm, &pit));
	CHECK(!hv_vcpu_get_mp_state(v, &mp));
	CHECK_EQ(mp.mp_state, KVM_MP_STATE_RUNNABLE);

	/* vcpu events: flag rules of seed-apis.md 1.3/1.4. */
	CHECK(!hv_vcpu_get_events(v, &ev));
	CHECK_EQ(ev.flags, KVM_VCPUEVENT_VALID_NMI_PENDING |
		 KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM);
	CHECK(!hv_vcpu_set_events(v, &ev));
	ev.flags = 0x40;
	CHECK_EQ(hv_vcpu_set_events(v, &ev), -EINVAL);
	ev.flags = KVM_VCPUEVENT_VALID_PAYLOAD;
	CHECK_EQ(hv_vcpu_set_events(v, &ev), -EINVAL);	/* cap off */
	ev.flags = KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
	CHECK_EQ(hv_vcpu_set_events(v, &ev), -EINVAL);	/* cap off */
	ev.flags = 0;
	ev.exception.injected = 1;
	ev.exception.nr = 2;
	CHECK_EQ(hv_vcpu_set_events(v, &ev), -EINVAL);	/* NMI vector */
	ev.exception.nr = 32;
	CHECK_EQ(hv_vcpu_set_events(v, &ev), -EINVAL);
	ev.exception.injected = 0;
	/* SMM exists: smm=1 is accepted, and so is leaving it again. */
	ev.flags = KVM_VCPUEVENT_VALID_SMM;
	ev.smi.smm = 1;
	CHECK_EQ(hv_vcpu_set_events(v, &ev), 0);
	ev.smi.smm = 0;
	CHECK_EQ(hv_vcpu_set_events(v, &ev), 0);
	/* NMI pending only written with its flag. */
	memset(&ev, 0, sizeof(ev));
	ev.nmi.pending = 1;
	CHECK(!hv_vcpu_set_events(v, &ev));
	CHECK(!hv_vcpu_get_events(v, &ev));
	CHECK_EQ(ev.nmi.pending, 0);
	ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING;
	ev.nmi.pending = 1;
	CHECK(!hv_vcpu_set_events(v, &ev));
	CHECK(!hv_vcpu_get_events(v, &ev));
	CHECK_EQ(ev.nmi.pending, 1);
	ev.nmi.pending = 0;
	CHECK(!hv_vcpu_set_events(v, &ev));
	/* Latched INIT travels with VALID_SMM. */
	memset(&ev, 0, sizeof(ev));
	ev.flags = KVM_VCPUEVENT_VALID_SMM;
	ev.smi.latched_init = 1;
	CHECK(!hv_vcpu_set_events(v, &ev));
	CHECK(!hv_vcpu_get_events(v, &ev));
	CHECK_EQ(ev.smi.latched_init, 1);
	ev.smi.latched_init = 0;
	CHECK(!hv_vcpu_set_events(v, &ev));
	/* Triple fault with the capability: the next run shuts down. */
	CHECK(!hv_vm_enable_cap(vm, HV_CAP_TRIPLE_FAULT_EVENT, 1));
	CHECK(!hv_vcpu_get_events(v, &ev));
	CHECK(ev.flags & KVM_VCPUEVENT_VALID_TRIPLE_FAULT);
	ev.triple_fault.pending = 1;
	CHECK(!hv_vcpu_set_events(v, &ev));
	CHECK(!hv_vcpu_run(v));
	CHECK_EQ(hv_vcpu_exit(v)->reason, HV_EXIT_SHUTDOWN);
	/* Payload: pending wins, reported back as pending. */
	CHECK(!hv_vm_enable_cap(vm, HV_CAP_EXCEPTION_PAYLOAD, 1));
	memset(&ev, 0, sizeof(ev));
	ev.flags = KVM_VCPUEVENT_VALID_PAYLOAD;
	ev.exception.pending = 1;
	ev.exception.injected = 1;
	ev.exception.nr = 14;
	ev.exception_has_payload = 1;
	ev.exception_payload = 0xdead000;
	CHECK(!hv_vcpu_set_events(v, &ev));
	CHECK(!hv_vcpu_get_events(v, &ev));
	CHECK_EQ(ev.exception.pending, 1);
	CHECK_EQ(ev.exception.injected, 0);
	CHECK_EQ(ev.exception_payload, 0xdead000);
	ev.exception.pending = 0;
	CHECK(!hv_vcpu_set_events(v, &ev));

	hv_vcpu_destroy(v);
	hv_vm_destroy(vm);
	hv_close(hv);
	munmap(ram, RAM);
	printf("vcpu: ok\n");
	return 0;
}
