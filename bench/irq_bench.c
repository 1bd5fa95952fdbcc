// SPDX-License-Identifier: GPL-2.0
/*
 * irq_bench - interrupt delivery round trip and throughput, per backend.
 *
 * A real-mode guest sleeps in HLT; its 8259 IRQ5 handler writes port 0xe4
 * and EOIs.  Three ways to drive it, each measured as a round trip from
 * "host raises the interrupt" to "host learns the handler ran":
 *  irqfd+ioeventfd  another thread writes the irqfd and blocks reading the
 *                   ioeventfd bound to port 0xe4 (no exit anywhere; the
 *                   vCPU thread just runs);
 *  irqfd+exit       the same irqfd, the handler's OUT exits to the vCPU
 *                   thread, which signals a pipe the host waits on;
 *  direct           the VMM injects from the vCPU thread (hv_irq_line
 *                   pulse) and runs until the handler's OUT exits.
 * Throughput = round trips per second (one interrupt in flight).
 * Usage: irq_bench [iterations]  (default 2000).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "../tests/hv/hvtest.h"

static const uint8_t guest[] = {
	0xb0, 0x11, 0xe6, 0x20, 0xb0, 0x20, 0xe6, 0x21,
	0xb0, 0x04, 0xe6, 0x21, 0xb0, 0x01, 0xe6, 0x21,
	0xb0, 0xdf, 0xe6, 0x21,		/* 8259: base 0x20, only IRQ5 */
	0xe6, 0xe0,			/* ready */
	0xfb, 0xf4, 0xeb, 0xfd,		/* sti; 1: hlt; jmp 1b */
};
static const uint8_t handler[] = {
	0xe6, 0xe4,			/* out 0xe4 */
	0xb0, 0x20, 0xe6, 0x20,		/* EOI */
	0xcf,
};

static atomic_bool stop;
static int exit_pipe[2] = { -1, -1 };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void *vcpu_loop(void *arg)
{
	struct hvt *t = arg;
	char c = 1;

	while (!atomic_load(&stop)) {
		int r = hv_vcpu_run(t->vcpu);

		if (!r && t->exit->reason == HV_EXIT_IO &&
		    t->exit->io.port == 0xe4 &&
		    write(exit_pipe[1], &c, 1) != 1)
			break;
	}
	return NULL;
}

static void report(const char *accel, const char *mode, uint64_t *d, int n,
		   uint64_t total)
{
	qsort(d, n, sizeof(*d), cmp);
	printf("%-4s %-16s median %8.2f us  p99 %8.2f us  min %8.2f us  "
	       "%9.0f irq/s\n", accel, mode, d[n / 2] / 1e3,
	       d[n * 99 / 100] / 1e3, d[0] / 1e3, n / (total / 1e9));
}

/*
 * hvt_setup() ends the process when a backend does not open; the bench
 * says so for that backend and measures the others (a host without
 * /dev/kvm still gets emu's numbers).
 */
static bool backend_usable(enum hv_accel a, const char *name)
{
	char why[256] = "";
	struct hv *hv;
	int ret = hv_open(a, &hv, why, sizeof(why));

	if (ret) {
		printf("%s: skipped: backend unavailable: %s\n", name,
		       why[0] ? why : strerror(-ret));
		return false;
	}
	ret = hv_check_cap(hv, HV_CAP_IRQCHIP) > 0;
	if (!ret)
		printf("%s: skipped: no in-backend irqchip\n", name);
	hv_close(hv);
	return ret;
}

static void bench(enum hv_accel a, const char *name, int n)
{
	struct kvm_irqfd f = { .gsi = 5 };
	struct kvm_ioeventfd io = { .addr = 0xe4, .len = 1,
				    .flags = KVM_IOEVENTFD_FLAG_PIO };
	uint64_t *d = calloc(n, sizeof(*d)), one = 1, v, t0, tt;
	struct hvt t;
	pthread_t th;
	char c;
	int i;

	setenv("CVISOR_ACCEL", name, 1);
	if (!backend_usable(a, name))
		return;
	hvt_setup(&t, guest, sizeof(guest), true);
	if (hv_check_cap(t.hv, HV_CAP_IRQFD) <= 0 ||
	    hv_check_cap(t.hv, HV_CAP_IOEVENTFD) <= 0) {
		printf("%s: no irqfd/ioeventfd\n", name);
		return;
	}
	memcpy(t.ram + 0x1100, handler, sizeof(handler));
	t.ram[0x25 * 4] = 0x00;
	t.ram[0x25 * 4 + 1] = 0x11;
	hvt_lint0_extint(t.vcpu);
	hvt_run_io(&t, 0xe0, HV_EXIT_IO_OUT, 1);

	/* direct: inject from the vCPU thread (this one). */
	tt = now_ns();
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		hv_irq_line(t.vm, 5, 1);
		hv_irq_line(t.vm, 5, 0);
		hvt_run_io(&t, 0xe4, HV_EXIT_IO_OUT, 1);
		d[i] = now_ns() - t0;
	}
	report(name, "direct", d, n, now_ns() - tt);

	f.fd = (uint32_t)eventfd(0, EFD_CLOEXEC);
	io.fd = eventfd(0, EFD_CLOEXEC);
	HVT_OK(hv_irqfd(t.vm, &f));
	if (pipe(exit_pipe))
		hvt_fail("pipe");
	atomic_store(&stop, false);
	pthread_create(&th, NULL, vcpu_loop, &t);

	/* irqfd, the handler's OUT exits to the vCPU thread. */
	tt = now_ns();
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		if (write(f.fd, &one, 8) != 8 || read(exit_pipe[0], &c, 1) != 1)
			hvt_fail("irqfd+exit");
		d[i] = now_ns() - t0;
	}
	report(name, "irqfd+exit", d, n, now_ns() - tt);

	/* irqfd in, ioeventfd out: no exit to the VMM at all. */
	HVT_OK(hv_ioeventfd(t.vm, &io));
	tt = now_ns();
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		if (write(f.fd, &one, 8) != 8 || read(io.fd, &v, 8) != 8)
			hvt_fail("irqfd+ioeventfd");
		d[i] = now_ns() - t0;
	}
	report(name, "irqfd+ioeventfd", d, n, now_ns() - tt);

	atomic_store(&stop, true);
	hv_vcpu_kick(t.vcpu);
	pthread_join(th, NULL);
	close(exit_pipe[0]);
	close(exit_pipe[1]);
	hvt_teardown(&t);
	close((int)f.fd);
	close(io.fd);
	free(d);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;

	bench(HV_ACCEL_KVM, "kvm", n);
	bench(HV_ACCEL_EMU, "emu", n);
	return 0;
}
