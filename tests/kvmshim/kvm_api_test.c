// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_api_test.c - a raw KVM API client (no cvisor code), run under
 * libcvisor-kvm.so and, for the differential, on the host's /dev/kvm.
 *
 *   kvm_api_test SUBTEST
 *
 * basic    a real-mode guest: PIO OUT and IN (data at io.data_offset),
 *          a memory write seen by the host, MMIO write and read, HLT
 * signals  KVM_RUN returns -EINTR/KVM_EXIT_INTR on a signal for its
 *          thread, immediate_exit, KVM_SET_SIGNAL_MASK unblocking a
 *          signal only during KVM_RUN, a completed IN after immediate_exit
 * fds      VM fd closed while the vCPU lives, dup'd vCPU fds, the kvm_run
 *          mapping shared between two mmaps, exec of a program with the fd
 * errors   bad pointers (EFAULT, also an MSR filter's bitmap), unknown
 *          ioctls, bad ids and arguments
 * twovms   two VMs in one process, interleaved
 * threads  one thread per vCPU, each doing PIO round trips, kicked by
 *          signals from the main thread
 * sregs    sync regs (kvm_run.s.regs) and the state ioctls round trip
 * dirty    KVM_GET_DIRTY_LOG: the guest's store shows, the log clears,
 *          a bad bitmap pointer is EFAULT
 * closerace  other threads open and close plain files while vCPUs are
 *          created: a freed number reused for a vCPU fd stays the vCPU's
 * strio    REP INS batches up to 1 KiB per exit, cut at the page end
 *          (upwards and downwards); REP OUTS exits per element
 * gmem [MASK]  KVM_CREATE_GUEST_MEMFD accepts exactly the flags that
 *          KVM_CAP_GUEST_MEMFD_FLAGS advertises (system and VM fd agree),
 *          and with MASK that set is MASK (the shim's CVISOR_KVM_ABI)
 *
 * Every check is on behaviour KVM documents, so the same binary must pass
 * on both; the manifest runs it both ways where /dev/kvm exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "../check.h"

/* A libc call that fails with -1/errno: exactly @err. */
#define CHECK_FAILS(call, err) CHECK_ERRNO((call) < 0 ? -errno : 0, err)

/* Newer than the build host's uapi headers (values as upstream's). */
#define CAP_GUEST_MEMFD		234
#define CAP_GUEST_MEMFD_FLAGS	244
struct create_guest_memfd {
	uint64_t size, flags, reserved[6];
};
#define CREATE_GUEST_MEMFD	_IOWR(KVMIO, 0xd4, struct create_guest_memfd)

#define MEM_SIZE	0x10000
#define CODE_GPA	0x1000
#define PORT_A		0x10
#define PORT_B		0x11

struct vm {
	int kvm, fd;
	uint8_t *mem;
};

struct vcpu {
	int fd;
	struct kvm_run *run;
	size_t run_size;
};

static void vm_open(struct vm *vm)
{
	struct kvm_userspace_memory_region r = { 0 };

	vm->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0)
		check_skip("/dev/kvm: %s", strerror(errno));
	CHECK_EQ(ioctl(vm->kvm, KVM_GET_API_VERSION, 0), KVM_API_VERSION);
	vm->fd = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	CHECK(vm->fd >= 0, " KVM_CREATE_VM: %s", strerror(errno));
	/* Real mode on VMX without unrestricted guest wants these. */
	ioctl(vm->fd, KVM_SET_TSS_ADDR, 0xfffbd000ul);
	vm->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(vm->mem != MAP_FAILED);
	r.slot = 0;
	r.guest_phys_addr = 0;
	r.memory_size = MEM_SIZE;
	r.userspace_addr = (uintptr_t)vm->mem;
	CHECK_EQ(ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r), 0);
}

static void vm_close(struct vm *vm)
{
	munmap(vm->mem, MEM_SIZE);
	close(vm->fd);
	close(vm->kvm);
}

/* A vCPU in real mode at CS:IP = 0:@ip. */
static void vcpu_open(struct vm *vm, struct vcpu *v, int id, uint16_t ip)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int sz;

	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	CHECK(v->fd >= 0, " KVM_CREATE_VCPU: %s", strerror(errno));
	sz = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	CHECK(sz >= (int)sizeof(struct kvm_run), " mmap size %d", sz);
	v->run_size = sz;
	v->run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	CHECK(v->run != MAP_FAILED, " mmap vcpu: %s", strerror(errno));
	CHECK_EQ(ioctl(v->fd, KVM_GET_SREGS, &sregs), 0);
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	sregs.ds.base = 0;
	sregs.ds.selector = 0;
	sregs.es = sregs.ss = sregs.ds;
	CHECK_EQ(ioctl(v->fd, KVM_SET_SREGS, &sregs), 0);
	memset(&regs, 0, sizeof(regs));
	regs.rip = ip;
	regs.rflags = 2;
	regs.rsp = 0x8000;
	CHECK_EQ(ioctl(v->fd, KVM_SET_REGS, &regs), 0);
}

static void vcpu_close(struct vcpu *v)
{
	munmap(v->run, v->run_size);
	close(v->fd);
}

static int run(struct vcpu *v)
{
	return ioctl(v->fd, KVM_RUN, 0) < 0 ? -errno : 0;
}

static uint8_t *pio_data(struct vcpu *v)
{
	return (uint8_t *)v->run + v->run->io.data_offset;
}

static void expect_out(struct vcpu *v, uint16_t port, uint8_t val)
{
	CHECK_EQ(run(v), 0);
	CHECK_EQ(v->run->exit_reason, KVM_EXIT_IO);
	CHECK_EQ(v->run->io.direction, KVM_EXIT_IO_OUT);
	CHECK_EQ(v->run->io.port, port);
	CHECK_EQ(v->run->io.size, 1);
	CHECK_EQ(v->run->io.count, 1);
	CHECK_EQ(pio_data(v)[0], val);
}

/* ----------------------------------------------------------------- basic */

static const uint8_t basic_code[] = {
	0xba, PORT_A, 0x00,		/* mov dx, PORT_A */
	0xb0, 0x41,			/* mov al, 'A' */
	0xee,				/* out dx, al */
	0xec,				/* in al, dx */
	0xa2, 0x00, 0x20,		/* mov [0x2000], al */
	0xb8, 0x00, 0x10,		/* mov ax, 0x1000 */
	0x8e, 0xd8,			/* mov ds, ax */
	0xc6, 0x06, 0x00, 0x00, 0x99,	/* mov byte [0], 0x99: MMIO 0x10000 */
	0xa0, 0x04, 0x00,		/* mov al, [4]: MMIO read 0x10004 */
	0xba, PORT_B, 0x00,		/* mov dx, PORT_B */
	0xee,				/* out dx, al */
	0xf4,				/* hlt */
	0xeb, 0xfe,			/* jmp $ */
};

static void run_basic(struct vm *vm, struct vcpu *v)
{
	struct kvm_regs regs;

	expect_out(v, PORT_A, 'A');
	CHECK_EQ(run(v), 0);
	CHECK_EQ(v->run->exit_reason, KVM_EXIT_IO);
	CHECK_EQ(v->run->io.direction, KVM_EXIT_IO_IN);
	CHECK_EQ(v->run->io.port, PORT_A);
	pio_data(v)[0] = 0x5a;
	CHECK_EQ(run(v), 0);
	CHECK_EQ(v->run->exit_reason, KVM_EXIT_MMIO);
	CHECK_EQ(v->run->mmio.phys_addr, 0x10000);
	CHECK_EQ(v->run->mmio.is_write, 1);
	CHECK_EQ(v->run->mmio.len, 1);
	CHECK_EQ(v->run->mmio.data[0], 0x99);
	/* The IN completed before the MMIO write: its store is in RAM. */
	CHECK_EQ(vm->mem[0x2000], 0x5a);
	CHECK_EQ(run(v), 0);
	CHECK_EQ(v->run->exit_reason, KVM_EXIT_MMIO);
	CHECK_EQ(v->run->mmio.phys_addr, 0x10004);
	CHECK_EQ(v->run->mmio.is_write, 0);
	CHECK_EQ(v->run->mmio.len, 1);
	v->run->mmio.data[0] = 0x77;
	expect_out(v, PORT_B, 0x77);
	CHECK_EQ(run(v), 0);
	CHECK_EQ(v->run->exit_reason, KVM_EXIT_HLT);
	CHECK_EQ(ioctl(v->fd, KVM_GET_REGS, &regs), 0);
	CHECK_EQ(regs.rip, CODE_GPA + sizeof(basic_code) - 2);
	CHECK_EQ(regs.rax & 0xff, 0x77);
}

static int test_basic(void)
{
	struct vm vm;
	struct vcpu v;

	vm_open(&vm);
	memcpy(vm.mem + CODE_GPA, basic_code, sizeof(basic_code));
	vcpu_open(&vm, &v, 0, CODE_GPA);
	run_basic(&vm, &v);
	vcpu_close(&v);
	vm_close(&vm);
	return 0;
}

/* --------------------------------------------------------------- signals */

static const uint8_t loop_code[] = { 0xeb, 0xfe };	/* jmp $ */

static atomic_int sig_count;

static void on_sigusr1(int sig)
{
	atomic_fetch_add(&sig_count, 1);
}

struct kicker {
	pthread_t target;
	int delay_ms;
};

static void *kick_later(void *arg)
{
	struct kicker *k = arg;
	struct timespec ts = { 0, k->delay_ms * 1000000l };

	nanosleep(&ts, NULL);
	pthread_kill(k->target, SIGUSR1);
	return NULL;
}

static void run_interrupted(struct vcpu *v)
{
	struct kicker k = { pthread_self(), 100 };
	pthread_t t;
	int before = atomic_load(&sig_count);

	CHECK_EQ(pthread_create(&t, NULL, kick_later, &k), 0);
	CHECK_EQ(run(v), -EINTR);
	CHECK_EQ(v->run->exit_reason, KVM_EXIT_INTR);
	pthread_join(t, NULL);
	CHECK_EQ(atomic_load(&sig_count), before + 1);
}

static int test_signals(void)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	struct kvm_signal_mask *mask;
	sigset_t block, cur;
	struct vm vm;
	struct vcpu v;

	sigemptyset(&sa.sa_mask);
	CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	vm_open(&vm);
	memcpy(vm.mem + CODE_GPA, loop_code, sizeof(loop_code));
	memcpy(vm.mem + 0x3000, basic_code, sizeof(basic_code));
	vcpu_open(&vm, &v, 0, CODE_GPA);

	/* A signal for the running thread: -EINTR, KVM_EXIT_INTR. */
	run_interrupted(&v);
	/* Again: the vCPU still runs its loop. */
	run_interrupted(&v);

	/* immediate_exit: -EINTR without entering. */
	v.run->immediate_exit = 1;
	CHECK_EQ(run(&v), -EINTR);
	v.run->immediate_exit = 0;

	/*
	 * KVM_SET_SIGNAL_MASK: SIGUSR1 is blocked in the thread but the run
	 * mask (empty) lets it in during KVM_RUN only.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	CHECK_EQ(pthread_sigmask(SIG_BLOCK, &block, NULL), 0);
	mask = calloc(1, sizeof(*mask) + 8);
	CHECK(mask);
	mask->len = 8;
	CHECK_EQ(ioctl(v.fd, KVM_SET_SIGNAL_MASK, mask), 0);
	{
		struct kicker k = { pthread_self(), 100 };
		int before = atomic_load(&sig_count);
		pthread_t t;

		CHECK_EQ(pthread_create(&t, NULL, kick_later, &k), 0);
		CHECK_EQ(run(&v), -EINTR);
		CHECK_EQ(v.run->exit_reason, KVM_EXIT_INTR);
		pthread_join(t, NULL);
		/*
		 * As KVM: the run mask let the signal end KVM_RUN, but the
		 * thread blocks it, so it is still pending, undelivered.
		 */
		CHECK_EQ(atomic_load(&sig_count), before);
		CHECK_EQ(sigpending(&cur), 0);
		CHECK(sigismember(&cur, SIGUSR1));
		/* Back outside KVM_RUN the thread's own mask holds again. */
		CHECK_EQ(pthread_sigmask(SIG_BLOCK, NULL, &cur), 0);
		CHECK(sigismember(&cur, SIGUSR1));
		CHECK_EQ(pthread_sigmask(SIG_UNBLOCK, &block, NULL), 0);
		CHECK_EQ(atomic_load(&sig_count), before + 1);
		CHECK_EQ(pthread_sigmask(SIG_BLOCK, &block, NULL), 0);
	}
	/* A bad length is refused. */
	mask->len = 4;
	CHECK_FAILS(ioctl(v.fd, KVM_SET_SIGNAL_MASK, mask), EINVAL);
	CHECK_EQ(ioctl(v.fd, KVM_SET_SIGNAL_MASK, NULL), 0);
	CHECK_EQ(pthread_sigmask(SIG_UNBLOCK, &block, NULL), 0);
	free(mask);

	/*
	 * immediate_exit with an IN pending: KVM completes the IN before
	 * returning -EINTR, so AL already holds the answer.
	 */
	{
		struct kvm_regs regs;

		CHECK_EQ(ioctl(v.fd, KVM_GET_REGS, &regs), 0);
		regs.rip = 0x3000;
		CHECK_EQ(ioctl(v.fd, KVM_SET_REGS, &regs), 0);
		expect_out(&v, PORT_A, 'A');
		CHECK_EQ(run(&v), 0);
		CHECK_EQ(v.run->io.direction, KVM_EXIT_IO_IN);
		pio_data(&v)[0] = 0x3c;
		v.run->immediate_exit = 1;
		CHECK_EQ(run(&v), -EINTR);
		v.run->immediate_exit = 0;
		CHECK_EQ(ioctl(v.fd, KVM_GET_REGS, &regs), 0);
		CHECK_EQ(regs.rax & 0xff, 0x3c);
		CHECK_EQ(regs.rip, 0x3000 + 7);
		CHECK_EQ(run(&v), 0);
		CHECK_EQ(v.run->exit_reason, KVM_EXIT_MMIO);
		CHECK_EQ(vm.mem[0x2000], 0x3c);
	}
	vcpu_close(&v);
	vm_close(&vm);
	return 0;
}

/* ------------------------------------------------------------------- fds */

static int test_fds(const char *self)
{
	struct kvm_run *second;
	struct stat st;
	struct vm vm;
	struct vcpu v;
	int dupfd, pid, status;
	char fdarg[16];

	vm_open(&vm);
	memcpy(vm.mem + CODE_GPA, basic_code, sizeof(basic_code));
	vcpu_open(&vm, &v, 0, CODE_GPA);
	CHECK_EQ(fstat(v.fd, &st), 0);
	/* The VM lives on while a vCPU fd does. */
	CHECK_EQ(close(vm.fd), 0);
	vm.fd = -1;
	expect_out(&v, PORT_A, 'A');
	/* A dup'd fd is the same vCPU; the original may go. */
	dupfd = dup(v.fd);
	CHECK(dupfd >= 0);
	CHECK_EQ(close(v.fd), 0);
	v.fd = dupfd;
	CHECK_EQ(run(&v), 0);
	CHECK_EQ(v.run->io.direction, KVM_EXIT_IO_IN);
	/* A second mapping of the vCPU fd shows the same kvm_run. */
	second = mmap(NULL, v.run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v.fd, 0);
	CHECK(second != MAP_FAILED);
	CHECK_EQ(second->exit_reason, KVM_EXIT_IO);
	CHECK_EQ(second->io.port, PORT_A);
	((uint8_t *)second + second->io.data_offset)[0] = 0x5a;
	munmap(second, v.run_size);
	CHECK_EQ(run(&v), 0);
	CHECK_EQ(v.run->exit_reason, KVM_EXIT_MMIO);
	CHECK_EQ(vm.mem[0x2000], 0x5a);
	/* dup2 and F_DUPFD onto new numbers, then ioctls through them. */
	CHECK_EQ(dup2(v.fd, 100), 100);
	CHECK_EQ(close(v.fd), 0);
	v.fd = fcntl(100, F_DUPFD_CLOEXEC, 200);
	CHECK(v.fd >= 200);
	CHECK_EQ(close(100), 0);
	CHECK_EQ(run(&v), 0);
	CHECK_EQ(v.run->exit_reason, KVM_EXIT_MMIO);
	CHECK_EQ(v.run->mmio.is_write, 0);
	v.run->mmio.data[0] = 0x77;
	expect_out(&v, PORT_B, 0x77);
	/* A closed fd is no longer KVM's. */
	CHECK_FAILS(ioctl(100, KVM_RUN, 0), EBADF);

	/* exec: an inherited vCPU fd in a program that checks it is open. */
	dupfd = dup(v.fd);	/* no O_CLOEXEC */
	CHECK(dupfd >= 0);
	snprintf(fdarg, sizeof(fdarg), "%d", dupfd);
	pid = fork();
	CHECK(pid >= 0);
	if (!pid) {
		/* The new program runs without the shim. */
		unsetenv("LD_PRELOAD");
		execl(self, self, "exec-child", fdarg, (char *)NULL);
		_exit(127);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      " exec child status 0x%x", status);
	close(dupfd);
	vcpu_close(&v);
	vm.fd = open("/dev/null", O_RDONLY);
	vm_close(&vm);
	return 0;
}

/*
 * In a new program: the fd is still open, and a KVM ioctl on it from
 * this process (another mm) fails instead of running the parent's VM.
 */
static int exec_child(const char *fdarg)
{
	int fd = atoi(fdarg);
	struct kvm_regs regs;

	CHECK(fcntl(fd, F_GETFD) >= 0, " fd %d not inherited", fd);
	CHECK(ioctl(fd, KVM_GET_REGS, &regs) < 0);
	return 0;
}

/* ---------------------------------------------------------------- errors */

static int test_errors(void)
{
	struct kvm_regs regs;
	struct vm vm;
	struct vcpu v;
	int fd;

	vm_open(&vm);
	memcpy(vm.mem + CODE_GPA, basic_code, sizeof(basic_code));
	vcpu_open(&vm, &v, 0, CODE_GPA);
	/* Bad pointers are EFAULT, not a crash. */
	CHECK_FAILS(ioctl(v.fd, KVM_GET_REGS, NULL), EFAULT);
	CHECK_FAILS(ioctl(v.fd, KVM_SET_REGS, (void *)8), EFAULT);
	CHECK_FAILS(ioctl(v.fd, KVM_GET_SREGS, (void *)-4096l), EFAULT);
	CHECK_FAILS(ioctl(vm.fd, KVM_SET_USER_MEMORY_REGION, (void *)16),
		    EFAULT);
	CHECK_FAILS(ioctl(vm.kvm, KVM_GET_SUPPORTED_CPUID, NULL), EFAULT);
	/* Unknown ioctls: KVM's per-file defaults. */
	CHECK_FAILS(ioctl(vm.kvm, _IO(KVMIO, 0xfe), 0), EINVAL);
	CHECK_FAILS(ioctl(vm.fd, _IO(KVMIO, 0xfe), 0), ENOTTY);
	CHECK_FAILS(ioctl(v.fd, _IO(KVMIO, 0xfe), 0), EINVAL);
	/*
	 * The command is 32 bits wide: passed as an int (QEMU does), an
	 * _IOR number arrives sign-extended and must still work.
	 */
	CHECK_EQ(ioctl(v.fd, (unsigned long)(long)(int)KVM_GET_REGS, &regs), 0);
	/* KVM_RUN takes no argument; KVM_GET_API_VERSION neither. */
	CHECK_FAILS(ioctl(v.fd, KVM_RUN, 1), EINVAL);
	CHECK_FAILS(ioctl(vm.kvm, KVM_GET_API_VERSION, 1), EINVAL);
	/* vCPU ids: duplicate, out of range. */
	CHECK_FAILS(ioctl(vm.fd, KVM_CREATE_VCPU, 0), EEXIST);
	CHECK_FAILS(ioctl(vm.fd, KVM_CREATE_VCPU, 1 << 20), EINVAL);
	/* Memslots: misaligned, overlapping. */
	{
		struct kvm_userspace_memory_region r = {
			.slot = 1, .guest_phys_addr = 0x100001,
			.memory_size = 0x1000,
			.userspace_addr = (uintptr_t)vm.mem,
		};

		CHECK_FAILS(ioctl(vm.fd, KVM_SET_USER_MEMORY_REGION, &r),
			    EINVAL);
		r.guest_phys_addr = 0x1000;
		CHECK_FAILS(ioctl(vm.fd, KVM_SET_USER_MEMORY_REGION, &r),
			    EEXIST);
	}
	/* Unknown VM type. */
	CHECK_FAILS(ioctl(vm.kvm, KVM_CREATE_VM, 0xff), EINVAL);
	/* An MSR filter's bitmap is read: EFAULT, after the flag checks. */
	if (ioctl(vm.kvm, KVM_CHECK_EXTENSION, KVM_CAP_X86_MSR_FILTER) > 0) {
		struct kvm_msr_filter f = { .flags = 0 };

		f.ranges[0].flags = KVM_MSR_FILTER_READ;
		f.ranges[0].nmsrs = 64;
		f.ranges[0].bitmap = (uint8_t *)8;
		CHECK_FAILS(ioctl(vm.fd, KVM_X86_SET_MSR_FILTER, &f), EFAULT);
		f.ranges[0].flags = 4;
		CHECK_FAILS(ioctl(vm.fd, KVM_X86_SET_MSR_FILTER, &f), EINVAL);
		CHECK_FAILS(ioctl(vm.fd, KVM_X86_SET_MSR_FILTER, 8), EFAULT);
	} else {
		check_subskip("MSR filter: not offered by this KVM");
	}
	/* read/write on KVM files. */
	CHECK(read(v.fd, &regs, sizeof(regs)) < 0);
	CHECK(write(vm.fd, &regs, sizeof(regs)) < 0);
	/* The vCPU still works after all that. */
	run_basic(&vm, &v);
	/* Capabilities: asked on /dev/kvm and on the VM. */
	CHECK(ioctl(vm.kvm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) > 0);
	CHECK(ioctl(vm.fd, KVM_CHECK_EXTENSION, KVM_CAP_IMMEDIATE_EXIT) > 0);
	CHECK_EQ(ioctl(vm.kvm, KVM_CHECK_EXTENSION, -1l), 0);
	fd = open("/dev/kvm", O_RDONLY);
	CHECK(fd >= 0);
	close(fd);
	vcpu_close(&v);
	vm_close(&vm);
	return 0;
}

/* ---------------------------------------------------------------- twovms */

static int test_twovms(void)
{
	struct vm a, b;
	struct vcpu va, vb;

	vm_open(&a);
	vm_open(&b);
	memcpy(a.mem + CODE_GPA, basic_code, sizeof(basic_code));
	memcpy(b.mem + CODE_GPA, basic_code, sizeof(basic_code));
	vcpu_open(&a, &va, 0, CODE_GPA);
	vcpu_open(&b, &vb, 0, CODE_GPA);
	/* Interleave: each VM sees only its own memory and exits. */
	expect_out(&va, PORT_A, 'A');
	expect_out(&vb, PORT_A, 'A');
	CHECK_EQ(run(&va), 0);
	pio_data(&va)[0] = 0x11;
	CHECK_EQ(run(&vb), 0);
	pio_data(&vb)[0] = 0x22;
	CHECK_EQ(run(&va), 0);
	CHECK_EQ(run(&vb), 0);
	CHECK_EQ(a.mem[0x2000], 0x11);
	CHECK_EQ(b.mem[0x2000], 0x22);
	vcpu_close(&va);
	vm_close(&a);
	/* b is untouched by a's destruction. */
	CHECK_EQ(run(&vb), 0);
	CHECK_EQ(vb.run->exit_reason, KVM_EXIT_MMIO);
	CHECK_EQ(vb.run->mmio.phys_addr, 0x10004);
	vcpu_close(&vb);
	vm_close(&b);
	return 0;
}

/* --------------------------------------------------------------- threads */

#define NR_THREADS	2
#define ROUNDS		200

/*
 * out PORT_A, al; a delay loop; inc al; jmp back: one PIO exit per round,
 * most of the time inside KVM_RUN, where the kicks should land.
 */
static const uint8_t count_code[] = {
	0xba, PORT_A, 0x00,	/* mov dx, PORT_A */
	0x31, 0xc0,		/* xor ax, ax */
	0xee,			/* 1: out dx, al */
	0xb9, 0xff, 0xff,	/* mov cx, 0xffff */
	0xe2, 0xfe,		/* loop $ */
	0xfe, 0xc0,		/* inc al */
	0xeb, 0xf6,		/* jmp 1b */
};

struct worker {
	struct vcpu v;
	pthread_t thread;
	atomic_int intr;
	atomic_bool ready, done;
	int fail;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int i, r;
	uint8_t expect = 0;

	atomic_store(&w->ready, true);
	for (i = 0; i < ROUNDS; ) {
		r = run(&w->v);
		if (r == -EINTR) {
			if (w->v.run->exit_reason != KVM_EXIT_INTR)
				w->fail = 1;
			atomic_fetch_add(&w->intr, 1);
			continue;
		}
		if (r || w->v.run->exit_reason != KVM_EXIT_IO ||
		    pio_data(&w->v)[0] != expect) {
			w->fail = 2;
			break;
		}
		expect++;
		i++;
	}
	atomic_store(&w->done, true);
	return NULL;
}

static int test_threads(void)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };
	struct worker w[NR_THREADS];
	struct vm vm;
	int i, k, done, intr = 0;

	sigemptyset(&sa.sa_mask);
	CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	vm_open(&vm);
	memcpy(vm.mem + CODE_GPA, count_code, sizeof(count_code));
	memset(w, 0, sizeof(w));
	for (i = 0; i < NR_THREADS; i++) {
		vcpu_open(&vm, &w[i].v, i, CODE_GPA);
		CHECK_EQ(pthread_create(&w[i].thread, NULL, worker_main, &w[i]),
			 0);
	}
	/* Kick every thread every 2 ms until they are done. */
	for (k = 0; k < 5000; k++) {
		struct timespec ts = { 0, 2000000 };
		bool all_done = true;

		nanosleep(&ts, NULL);
		for (i = 0; i < NR_THREADS; i++) {
			if (atomic_load(&w[i].done))
				continue;
			all_done = false;
			if (atomic_load(&w[i].ready))
				pthread_kill(w[i].thread, SIGUSR1);
		}
		if (all_done)
			break;
	}
	for (i = 0, done = 0; i < NR_THREADS; i++) {
		pthread_join(w[i].thread, NULL);
		EXPECT(!w[i].fail, " vCPU %d failed (%d)", i, w[i].fail);
		printf("vcpu%d: %d rounds, %d interrupted runs\n", i, ROUNDS,
		       atomic_load(&w[i].intr));
		done++;
		intr += atomic_load(&w[i].intr);
		vcpu_close(&w[i].v);
	}
	CHECK_EQ(done, NR_THREADS);
	/* The kicks interrupted runs (and each such run said KVM_EXIT_INTR). */
	EXPECT(intr > 0, " no KVM_RUN was interrupted by a signal");
	vm_close(&vm);
	return check_status();
}

/* ----------------------------------------------------------------- sregs */

static int test_sregs(void)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct vm vm;
	struct vcpu v;
	int caps;

	vm_open(&vm);
	memcpy(vm.mem + CODE_GPA, basic_code, sizeof(basic_code));
	vcpu_open(&vm, &v, 0, CODE_GPA);
	caps = ioctl(vm.kvm, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
	if (!(caps & KVM_SYNC_X86_REGS)) {
		printf("SUBSKIP: sync regs: not offered by this KVM\n");
	} else {
		/*
		 * Valid regs are written at every exit.  (Where RIP is at an
		 * OUT exit depends on KVM's path: its fast PIO path skips the
		 * OUT on completion, its emulator before the exit.)
		 */
		v.run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
		expect_out(&v, PORT_A, 'A');
		CHECK_EQ(v.run->s.regs.regs.rax & 0xff, 'A');
		CHECK_EQ(v.run->s.regs.sregs.cs.base, 0);
		/* Dirty regs are taken in: a new BX, stored by the guest? */
		v.run->s.regs.regs.rbx = 0x1234;
		v.run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
		CHECK_EQ(run(&v), 0);
		CHECK_EQ(v.run->kvm_dirty_regs, 0);
		CHECK_EQ(v.run->io.port, PORT_A);
		CHECK_EQ(v.run->io.direction, KVM_EXIT_IO_IN);
		CHECK_EQ(v.run->s.regs.regs.rip, CODE_GPA + 6);
		CHECK_EQ(v.run->s.regs.regs.rbx, 0x1234);
		CHECK_EQ(ioctl(v.fd, KVM_GET_REGS, &regs), 0);
		CHECK_EQ(regs.rbx, 0x1234);
		/* Bad masks are refused. */
		v.run->kvm_valid_regs = 1u << 20;
		CHECK_FAILS(ioctl(v.fd, KVM_RUN, 0), EINVAL);
		v.run->kvm_valid_regs = 0;
	}
	CHECK_EQ(ioctl(v.fd, KVM_GET_REGS, &regs), 0);
	CHECK_EQ(ioctl(v.fd, KVM_SET_REGS, &regs), 0);
	CHECK_EQ(ioctl(v.fd, KVM_GET_SREGS, &sregs), 0);
	CHECK_EQ(ioctl(v.fd, KVM_SET_SREGS, &sregs), 0);
	vcpu_close(&v);
	vm_close(&vm);
	return 0;
}

/* ----------------------------------------------------------------- dirty */

static int test_dirty(void)
{
	struct kvm_userspace_memory_region r = { 0 };
	struct kvm_dirty_log log = { 0 };
	uint64_t bitmap[1];
	struct vm vm;
	struct vcpu v;

	vm_open(&vm);
	memcpy(vm.mem + CODE_GPA, basic_code, sizeof(basic_code));
	r.slot = 0;
	r.flags = KVM_MEM_LOG_DIRTY_PAGES;
	r.memory_size = MEM_SIZE;
	r.userspace_addr = (uintptr_t)vm.mem;
	CHECK_EQ(ioctl(vm.fd, KVM_SET_USER_MEMORY_REGION, &r), 0);
	vcpu_open(&vm, &v, 0, CODE_GPA);
	log.slot = 0;
	log.dirty_bitmap = bitmap;
	CHECK_EQ(ioctl(vm.fd, KVM_GET_DIRTY_LOG, &log), 0);
	/* The guest's store to 0x2000 (after the IN) dirties page 2. */
	run_basic(&vm, &v);
	bitmap[0] = 0;
	CHECK_EQ(ioctl(vm.fd, KVM_GET_DIRTY_LOG, &log), 0);
	CHECK(bitmap[0] & (1u << 2), " bitmap %#llx",
	      (unsigned long long)bitmap[0]);
	/* Read and cleared. */
	CHECK_EQ(ioctl(vm.fd, KVM_GET_DIRTY_LOG, &log), 0);
	CHECK(!(bitmap[0] & (1u << 2)), " bitmap %#llx",
	      (unsigned long long)bitmap[0]);
	/* A bad bitmap pointer: EFAULT; a slot that is not there: ENOENT. */
	log.dirty_bitmap = (void *)16;
	CHECK_FAILS(ioctl(vm.fd, KVM_GET_DIRTY_LOG, &log), EFAULT);
	log.slot = 5;
	log.dirty_bitmap = bitmap;
	CHECK_FAILS(ioctl(vm.fd, KVM_GET_DIRTY_LOG, &log), ENOENT);
	vcpu_close(&v);
	vm_close(&vm);
	return 0;
}

/* ------------------------------------------------------------- closerace */

static atomic_bool churn_stop;

static void *churn(void *arg)
{
	while (!atomic_load(&churn_stop)) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

static int test_closerace(void)
{
	enum { CR_THREADS = 4, CR_ROUNDS = 40, CR_VCPUS = 16 };
	pthread_t t[CR_THREADS];
	struct kvm_regs regs;
	int fds[CR_VCPUS];
	int kvm, vmfd, r, i;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		check_skip("/dev/kvm: %s", strerror(errno));
	for (i = 0; i < CR_THREADS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, churn, NULL), 0);
	for (r = 0; r < CR_ROUNDS; r++) {
		/* Each number a churn thread just freed may come back here. */
		vmfd = ioctl(kvm, KVM_CREATE_VM, 0);
		CHECK(vmfd >= 0, " KVM_CREATE_VM: %s", strerror(errno));
		for (i = 0; i < CR_VCPUS; i++) {
			fds[i] = ioctl(vmfd, KVM_CREATE_VCPU, i);
			CHECK(fds[i] >= 0, " KVM_CREATE_VCPU: %s",
			      strerror(errno));
		}
		for (i = 0; i < CR_VCPUS; i++)
			CHECK(ioctl(fds[i], KVM_GET_REGS, &regs) == 0,
			      " KVM_GET_REGS on vCPU fd %d: %s", fds[i],
			      strerror(errno));
		CHECK(ioctl(vmfd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) > 0,
		      " VM fd %d: %s", vmfd, strerror(errno));
		for (i = 0; i < CR_VCPUS; i++)
			close(fds[i]);
		close(vmfd);
	}
	atomic_store(&churn_stop, true);
	for (i = 0; i < CR_THREADS; i++)
		pthread_join(t[i], NULL);
	close(kvm);
	return 0;
}

/* ----------------------------------------------------------------- strio */

static const uint8_t strio_code[] = {
	0xba, 0x80, 0x00,	/* mov dx, 0x80 */
	0xbf, 0x00, 0x2f,	/* mov di, 0x2f00 */
	0xb9, 0xb8, 0x0b,	/* mov cx, 3000 */
	0xfc,			/* cld */
	0xf3, 0x6c,		/* rep insb */
	0xbe, 0x00, 0x2f,	/* mov si, 0x2f00 */
	0xb9, 0x03, 0x00,	/* mov cx, 3 */
	0xf3, 0x6e,		/* rep outsb */
	0xfd,			/* std */
	0xbf, 0x10, 0x60,	/* mov di, 0x6010 */
	0xb9, 0x64, 0x00,	/* mov cx, 100 */
	0xf3, 0x6c,		/* rep insb */
	0xf4,			/* hlt */
};

/* One REP INSB exit of @count bytes, answered with (seed + i). */
static void expect_ins(struct vcpu *v, unsigned count, uint8_t seed)
{
	unsigned i;

	CHECK_EQ(run(v), 0);
	CHECK_EQ(v->run->exit_reason, KVM_EXIT_IO);
	CHECK_EQ(v->run->io.direction, KVM_EXIT_IO_IN);
	CHECK_EQ(v->run->io.port, 0x80);
	CHECK_EQ(v->run->io.size, 1);
	CHECK_EQ(v->run->io.count, count);
	for (i = 0; i < count; i++)
		pio_data(v)[i] = (uint8_t)(seed + i);
}

static int test_strio(void)
{
	/* Upwards from page offset 0xf00: the page end, then 1 KiB each. */
	static const unsigned up[] = { 0x100, 1024, 1024, 3000 - 0x100 - 2048 };
	/* Downwards from offset 0x10: 16 bytes, 1 at offset 0, the rest. */
	static const unsigned down[] = { 16, 1, 83 };
	struct kvm_regs regs;
	unsigned i, j, at;
	struct vm vm;
	struct vcpu v;

	vm_open(&vm);
	memcpy(vm.mem + CODE_GPA, strio_code, sizeof(strio_code));
	vcpu_open(&vm, &v, 0, CODE_GPA);
	for (i = 0; i < 4; i++)
		expect_ins(&v, up[i], (uint8_t)(i * 64));
	for (i = 0; i < 3; i++) {
		CHECK_EQ(run(&v), 0);
		CHECK_EQ(v.run->exit_reason, KVM_EXIT_IO);
		CHECK_EQ(v.run->io.direction, KVM_EXIT_IO_OUT);
		CHECK_EQ(v.run->io.count, 1);
		CHECK_EQ(pio_data(&v)[0], i);
	}
	for (i = 0; i < 3; i++)
		expect_ins(&v, down[i], 0x80);
	CHECK_EQ(run(&v), 0);
	CHECK_EQ(v.run->exit_reason, KVM_EXIT_HLT);
	/* Every byte landed where its exit put it. */
	for (i = 0, at = 0x2f00; i < 4; i++)
		for (j = 0; j < up[i]; j++, at++)
			CHECK(vm.mem[at] == (uint8_t)(i * 64 + j),
			      " byte at 0x%x: 0x%x", at, vm.mem[at]);
	for (i = 0, at = 0x6010; i < 3; i++)
		for (j = 0; j < down[i]; j++, at--)
			CHECK(vm.mem[at] == (uint8_t)(0x80 + j),
			      " byte at 0x%x: 0x%x", at, vm.mem[at]);
	CHECK_EQ(ioctl(v.fd, KVM_GET_REGS, &regs), 0);
	CHECK_EQ(regs.rcx & 0xffff, 0);
	CHECK_EQ(regs.rdi & 0xffff, 0x6010 - 100);
	CHECK_EQ(regs.rsi & 0xffff, 0x2f03);
	vcpu_close(&v);
	vm_close(&vm);
	return 0;
}

/* ------------------------------------------------------------------ gmem */

static int test_gmem(const char *want_mask)
{
	struct create_guest_memfd c = { .size = 4096 };
	long flags, vm_flags;
	struct vm vm;
	int bit, fd;

	vm_open(&vm);
	if (ioctl(vm.kvm, KVM_CHECK_EXTENSION, CAP_GUEST_MEMFD) <= 0) {
		check_subskip("guest_memfd: not offered by this KVM");
		vm_close(&vm);
		return 0;
	}
	flags = ioctl(vm.kvm, KVM_CHECK_EXTENSION, CAP_GUEST_MEMFD_FLAGS);
	vm_flags = ioctl(vm.fd, KVM_CHECK_EXTENSION, CAP_GUEST_MEMFD_FLAGS);
	CHECK(flags >= 0 && vm_flags >= 0);
	/* The system answer is the union over VM types. */
	CHECK_EQ(vm_flags & ~flags, 0);
	if (want_mask)
		CHECK_EQ(vm_flags, strtol(want_mask, NULL, 0));
	for (bit = 0; bit < 64; bit++) {
		c.flags = 1ull << bit;
		fd = ioctl(vm.fd, CREATE_GUEST_MEMFD, &c);
		if (vm_flags & c.flags) {
			CHECK(fd >= 0, " flag 0x%llx advertised, refused: %s",
			      (unsigned long long)c.flags, strerror(errno));
			close(fd);
		} else {
			CHECK(fd < 0 && errno == EINVAL,
			      " flag 0x%llx not advertised, fd %d",
			      (unsigned long long)c.flags, fd);
		}
	}
	/* No flags at all is always valid. */
	c.flags = 0;
	fd = ioctl(vm.fd, CREATE_GUEST_MEMFD, &c);
	CHECK(fd >= 0, " no flags: %s", strerror(errno));
	close(fd);
	vm_close(&vm);
	return 0;
}

int main(int argc, char **argv)
{
	const char *t = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(t, "basic"))
		return test_basic();
	if (!strcmp(t, "signals"))
		return test_signals();
	if (!strcmp(t, "fds"))
		return test_fds(argv[0]);
	if (!strcmp(t, "exec-child") && argc > 2)
		return exec_child(argv[2]);
	if (!strcmp(t, "errors"))
		return test_errors();
	if (!strcmp(t, "twovms"))
		return test_twovms();
	if (!strcmp(t, "threads"))
		return test_threads();
	if (!strcmp(t, "sregs"))
		return test_sregs();
	if (!strcmp(t, "dirty"))
		return test_dirty();
	if (!strcmp(t, "closerace"))
		return test_closerace();
	if (!strcmp(t, "strio"))
		return test_strio();
	if (!strcmp(t, "gmem"))
		return test_gmem(argc > 2 ? argv[2] : NULL);
	fprintf(stderr, "usage: kvm_api_test basic|signals|fds|errors|twovms|threads|sregs|dirty|closerace|strio|gmem [MASK]\n");
	return 2;
}
