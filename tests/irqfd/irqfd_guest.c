// SPDX-License-Identifier: GPL-2.0
/*
 * irqfd_guest: irqfd semantics seen by a real-mode guest, on both
 * backends.  The guest's 8259 delivers GSI 5 (vector 0x25) to a handler
 * that reports on port 0xe1, EOIs the 8259 and reports again on 0xe2;
 * an MSI vector 0x40 handler reports on 0xe3 (LAPIC software-enabled,
 * LINT0 in ExtINT mode, both set from the host).
 *  - edge: N signals, each acknowledged by the guest, give N interrupts
 *    and no more;
 *  - an eventfd signalled before assign is delivered after assign;
 *  - deassign (with another fd number for the same eventfd) stops
 *    delivery; assign errors in KVM's order; -EBUSY across VMs;
 *  - RESAMPLE on a level (ELCR) line: delivered, resamplefd signalled on
 *    EOI and not before, no re-delivery until the host signals again;
 *  - MSI route: an irqfd on a GSI routed to an MSI delivers it, and a
 *    routing change redirects it.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../hv/hvtest.h"

#define H_PIC	0x1100u
#define H_MSI	0x1180u

static const uint8_t guest[] = {
	0xb0, 0x11, 0xe6, 0x20,		/* ICW1: ICW4 follows */
	0xb0, 0x20, 0xe6, 0x21,		/* ICW2: vector base 0x20 */
	0xb0, 0x04, 0xe6, 0x21,		/* ICW3 */
	0xb0, 0x01, 0xe6, 0x21,		/* ICW4: 8086 mode */
	0xb0, 0xdf, 0xe6, 0x21,		/* OCW1: only IRQ5 */
	0xe6, 0xe0,			/* ready */
	0xfb,				/* sti */
	0xf4,				/* 1: hlt */
	0xeb, 0xfd,			/* jmp 1b */
};

static const uint8_t h_pic[] = {
	0xe6, 0xe1,			/* out 0xe1: handler entered */
	0xb0, 0x20, 0xe6, 0x20,		/* EOI */
	0xe6, 0xe2,			/* out 0xe2: EOI done */
	0xcf,				/* iret */
};

static const uint8_t h_msi[] = {
	0xe6, 0xe3,			/* out 0xe3 (no LAPIC EOI: once only) */
	0xcf,
};

static void *late_kick(void *arg)
{
	usleep(150000);
	hv_vcpu_kick(arg);
	return NULL;
}

/* Run; expect an OUT to @port. */
static void expect_port(struct hvt *t, uint16_t port, const char *what)
{
	int ret = hv_vcpu_run(t->vcpu);

	CHECK(ret == 0 && t->exit->reason == HV_EXIT_IO &&
		  t->exit->io.port == port,
		  "%s: run %d exit %s port 0x%x, want OUT 0x%x", what, ret,
		  hvt_reason(t->exit->reason), t->exit->io.port, port);
}

/* Run with a late kick: nothing may be delivered meanwhile. */
static void expect_quiet(struct hvt *t, const char *what)
{
	pthread_t th;
	int ret;

	pthread_create(&th, NULL, late_kick, t->vcpu);
	ret = hv_vcpu_run(t->vcpu);
	pthread_join(th, NULL);
	CHECK(ret == -EINTR && t->exit->reason == HV_EXIT_INTR,
		  "%s: unexpected exit %s port 0x%x (run %d)", what,
		  hvt_reason(t->exit->reason), t->exit->io.port, ret);
}

static void sig(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		check_fail("eventfd write");
}

static uint64_t drain(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static void lapic_setup(struct hv_vcpu *vcpu)
{
	struct kvm_lapic_state l;
	uint32_t v;

	CHECK_OK(hv_vcpu_get_lapic(vcpu, &l));
	v = 0x1ff;				/* SPIV: enabled */
	memcpy(&l.regs[0xf0], &v, 4);
	v = 0x700;				/* LVT0: ExtINT */
	memcpy(&l.regs[0x350], &v, 4);
	CHECK_OK(hv_vcpu_set_lapic(vcpu, &l));
}

static void errors(struct hvt *t, int efd)
{
	struct kvm_irqfd f = { .fd = (uint32_t)efd, .gsi = 5 };
	struct hv_vm *vm2, *bare;
	int p[2];

	/* Unknown flags first, then (assign) irqchip, fd, eventfd. */
	f.flags = 1u << 5;
	CHECK_ERRNO(hv_irqfd(t->vm, &f), EINVAL);
	f.flags = 0;
	CHECK_OK(hv_vm_create(t->hv, NULL, &bare));
	/* x86 KVM: -EINVAL without an irqchip (arm64 has -EAGAIN). */
	CHECK_ERRNO(hv_irqfd(bare, &f), EINVAL);
	hv_vm_destroy(bare);
	f.fd = 9999;
	CHECK_ERRNO(hv_irqfd(t->vm, &f), EBADF);
	if (pipe(p))
		check_fail("pipe");
	f.fd = (uint32_t)p[0];
	CHECK_ERRNO(hv_irqfd(t->vm, &f), EINVAL);
	f.flags = KVM_IRQFD_FLAG_DEASSIGN;
	CHECK_ERRNO(hv_irqfd(t->vm, &f), EINVAL);
	f.fd = 9999;
	CHECK_ERRNO(hv_irqfd(t->vm, &f), EBADF);
	close(p[0]);
	close(p[1]);
	/* Never assigned: deassign is fine. */
	f.fd = (uint32_t)efd;
	CHECK_OK(hv_irqfd(t->vm, &f));
	/* Bound once in the whole process. */
	f.flags = 0;
	CHECK_OK(hv_irqfd(t->vm, &f));
	f.gsi = 6;
	CHECK_ERRNO(hv_irqfd(t->vm, &f), EBUSY);
	CHECK_OK(hv_vm_create(t->hv, NULL, &vm2));
	CHECK_OK(hv_create_irqchip(vm2));
	f.gsi = 5;
	CHECK_ERRNO(hv_irqfd(vm2, &f), EBUSY);
	hv_vm_destroy(vm2);
	f.flags = KVM_IRQFD_FLAG_DEASSIGN;
	CHECK_OK(hv_irqfd(t->vm, &f));
}

int main(void)
{
	struct kvm_irqfd f = { .gsi = 5 };
	struct kvm_irq_routing *rt;
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	struct hvt t;
	int efd, rfd, dupfd, i, n = 50;

	hvt_setup(&t, guest, sizeof(guest), true);
	hvt_require_cap(t.hv, HV_CAP_IRQFD);
	memcpy(t.ram + H_PIC, h_pic, sizeof(h_pic));
	memcpy(t.ram + H_MSI, h_msi, sizeof(h_msi));
	t.ram[0x25 * 4] = H_PIC & 0xff;
	t.ram[0x25 * 4 + 1] = H_PIC >> 8;
	t.ram[0x40 * 4] = H_MSI & 0xff;
	t.ram[0x40 * 4 + 1] = H_MSI >> 8;
	lapic_setup(t.vcpu);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	errors(&t, efd);
	hvt_run_io(&t, 0xe0, HV_EXIT_IO_OUT, 1);

	/* Signalled before assign: delivered after it. */
	sig(efd);
	f.fd = (uint32_t)efd;
	CHECK_OK(hv_irqfd(t.vm, &f));
	expect_port(&t, 0xe1, "pre-signalled");
	expect_port(&t, 0xe2, "pre-signalled EOI");
	expect_quiet(&t, "after pre-signalled");

	/* Edge: exactly once per signal. */
	for (i = 0; i < n; i++) {
		sig(efd);
		expect_port(&t, 0xe1, "edge");
		expect_port(&t, 0xe2, "edge EOI");
	}
	expect_quiet(&t, "edge: an extra interrupt");
	printf("edge: %d signals, %d interrupts\n", n, n);

	/* Deassign through another number for the same eventfd. */
	dupfd = dup(efd);
	f.fd = (uint32_t)dupfd;
	f.flags = KVM_IRQFD_FLAG_DEASSIGN;
	CHECK_OK(hv_irqfd(t.vm, &f));
	sig(efd);
	expect_quiet(&t, "after deassign");
	close(dupfd);
	drain(efd);

	/* Resample on a level-triggered (ELCR) IRQ5. */
	if (hv_check_cap(t.hv, HV_CAP_IRQFD_RESAMPLE) > 0) {
		CHECK_OK(hv_get_irqchip(t.vm, &chip));
		chip.chip.pic.elcr |= 1u << 5;
		CHECK_OK(hv_set_irqchip(t.vm, &chip));
		rfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		f = (struct kvm_irqfd){ .fd = (uint32_t)efd, .gsi = 5,
					.flags = KVM_IRQFD_FLAG_RESAMPLE,
					.resamplefd = (uint32_t)rfd };
		CHECK_OK(hv_irqfd(t.vm, &f));
		for (i = 0; i < 10; i++) {
			sig(efd);
			expect_port(&t, 0xe1, "level");
			CHECK(drain(rfd) == 0, "resamplefd before EOI");
			expect_port(&t, 0xe2, "level EOI");
			CHECK(drain(rfd) == 1, "resamplefd not signalled "
				  "on EOI (%d)", i);
			expect_quiet(&t, "level re-delivered without signal");
		}
		f.flags = KVM_IRQFD_FLAG_DEASSIGN;
		CHECK_OK(hv_irqfd(t.vm, &f));
		sig(efd);
		expect_quiet(&t, "resample irqfd after deassign");
		drain(efd);
		close(rfd);
		printf("resample: 10 level interrupts, 10 resamples\n");
	} else {
		printf("resample: skipped (%s)\n",
		       hv_cap_name(HV_CAP_IRQFD_RESAMPLE));
	}

	/* MSI route on GSI 24 (after the ELCR test: the line is idle). */
	rt = calloc(1, sizeof(*rt) + 2 * sizeof(rt->entries[0]));
	rt->nr = 2;
	rt->entries[0] = (struct kvm_irq_routing_entry){
		.gsi = 5, .type = KVM_IRQ_ROUTING_IRQCHIP,
		.u.irqchip = { .irqchip = KVM_IRQCHIP_PIC_MASTER, .pin = 5 } };
	rt->entries[1] = (struct kvm_irq_routing_entry){
		.gsi = 24, .type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = 0xfee00000, .data = 0x41 } };
	CHECK_OK(hv_set_gsi_routing(t.vm, rt));
	f = (struct kvm_irqfd){ .fd = (uint32_t)efd, .gsi = 24 };
	CHECK_OK(hv_irqfd(t.vm, &f));
	/* Vector 0x41 has no handler: re-route to 0x40 before signalling. */
	rt->entries[1].u.msi.data = 0x40;
	CHECK_OK(hv_set_gsi_routing(t.vm, rt));
	sig(efd);
	expect_port(&t, 0xe3, "MSI route");
	f.flags = KVM_IRQFD_FLAG_DEASSIGN;
	CHECK_OK(hv_irqfd(t.vm, &f));
	free(rt);
	printf("msi: delivered through the updated route\n");

	close(efd);
	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
