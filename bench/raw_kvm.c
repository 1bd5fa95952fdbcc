// SPDX-License-Identifier: GPL-2.0
/*
 * raw_kvm - the yardstick: the least a VMM can do to run a bench guest.
 *
 * One VM, one memslot over an anonymous mapping, one vCPU entered in flat
 * 32-bit protected mode at the ELF entry (what Multiboot and PVH promise),
 * and a KVM_RUN loop that understands exactly three ports:
 *
 *   0xF4   isa-debug-exit: exit with status (v << 1) | 1, like QEMU/cvisor
 *   0x3F8  COM1 THR: bytes go to stdout, line buffered (a '\n' is
 *          written at once: the start-up guest relies on it); other COM1
 *          registers read as "transmitter empty"
 *   other  OUT: counted and dropped; IN: all-ones (cvisor's unclaimed port)
 *
 * No irqchip, no CPUID, no threads, no device model: anything a real VMM
 * adds on top of this is its overhead.  Everything is set up with the
 * fewest ioctls KVM accepts, in the order it needs them.
 *
 * Usage: raw_kvm [-m MIB] [-i] [-v] KERNEL.elf
 *   -i  also create the in-kernel irqchip (PIC, IOAPIC, LAPIC), as a full
 *       VMM does: a diagnostic row in the start-up benchmark, because on
 *       this host tearing that irqchip down costs several milliseconds
 *   -v  print the exit counts and the KVM_RUN loop's own time on stderr
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PORT_DEBUG_EXIT	0xf4
#define PORT_COM1	0x3f8
#define COM1_LSR	(PORT_COM1 + 5)
#define LSR_THRE_TEMT	0x60

static int verbose, irqchip;
static struct {
	unsigned long pio_out, pio_in, mmio, other;
} counts;
static struct timespec t_run;

static char outbuf[4096];
static size_t outlen;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fputs("raw_kvm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(125);
}

static void flush_out(void)
{
	size_t off = 0;

	while (off < outlen) {
		ssize_t n = write(STDOUT_FILENO, outbuf + off, outlen - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += n;
	}
	outlen = 0;
}

/* Line buffered so a harness waiting for "READY\n" sees it at once. */
static void serial_put(uint8_t c)
{
	outbuf[outlen++] = c;
	if (c == '\n' || outlen == sizeof(outbuf))
		flush_out();
}

static double elapsed_us(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1e6 + (b.tv_nsec - a->tv_nsec) / 1e3;
}

static void __attribute__((noreturn)) finish(int status)
{
	flush_out();
	if (verbose)
		fprintf(stderr,
			"raw_kvm: run loop %.1f us; exits: pio out %lu, pio in %lu, mmio %lu, other %lu\n",
			elapsed_us(&t_run), counts.pio_out, counts.pio_in,
			counts.mmio, counts.other);
	/* No teardown: the kernel frees the VM faster than we could. */
	_exit(status);
}

/* Copy the ELF32 PT_LOAD segments into guest RAM; returns the entry. */
static uint32_t load_elf(const char *path, uint8_t *ram, uint64_t ram_size)
{
	struct stat st;
	Elf32_Ehdr *eh;
	uint32_t entry;
	uint8_t *img;
	int fd, i;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		die("%s: %s", path, strerror(errno));
	if ((size_t)st.st_size < sizeof(*eh))
		die("%s: not an ELF32 image", path);
	img = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img == MAP_FAILED)
		die("%s: mmap: %s", path, strerror(errno));
	close(fd);

	eh = (Elf32_Ehdr *)img;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_machine != EM_386 ||
	    eh->e_phentsize != sizeof(Elf32_Phdr) ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf32_Phdr) >
		    (uint64_t)st.st_size)
		die("%s: not an ELF32 i386 image", path);

	for (i = 0; i < eh->e_phnum; i++) {
		Elf32_Phdr *ph = (Elf32_Phdr *)(img + eh->e_phoff) + i;

		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_filesz > ph->p_memsz ||
		    (uint64_t)ph->p_offset + ph->p_filesz > (uint64_t)st.st_size ||
		    (uint64_t)ph->p_paddr + ph->p_memsz > ram_size)
			die("%s: segment %d does not fit", path, i);
		/* The bss part is already zero: fresh anonymous memory. */
		memcpy(ram + ph->p_paddr, img + ph->p_offset, ph->p_filesz);
	}
	entry = eh->e_entry;
	munmap(img, st.st_size);
	return entry;
}

static void flat_seg(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->db = 1;
	s->g = 1;
}

static void handle_io(struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint32_t i, n = run->io.count;

	if (run->io.direction == KVM_EXIT_IO_IN) {
		counts.pio_in++;
		/* Unclaimed ports float high; the UART is always ready. */
		memset(data, run->io.port == COM1_LSR ? LSR_THRE_TEMT : 0xff,
		       (size_t)run->io.size * n);
		return;
	}
	if (run->io.port == PORT_DEBUG_EXIT) {
		uint32_t v = 0;

		memcpy(&v, data, run->io.size);
		finish((int)((v << 1) | 1) & 0xff);
	}
	if (run->io.port == PORT_COM1) {
		for (i = 0; i < n; i++)
			serial_put(data[i * run->io.size]);
		return;
	}
	counts.pio_out++;
}

int main(int argc, char **argv)
{
	uint64_t ram_size = 128ull << 20;
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	int kvm, vm, vcpu, opt, run_size;
	uint32_t entry;
	uint8_t *ram;

	while ((opt = getopt(argc, argv, "m:iv")) != -1) {
		switch (opt) {
		case 'm':
			ram_size = strtoull(optarg, NULL, 0) << 20;
			break;
		case 'i':
			irqchip = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			fprintf(stderr, "usage: raw_kvm [-m MIB] [-i] [-v] KERNEL\n");
			return 2;
		}
	}
	if (optind != argc - 1 || ram_size == 0 || ram_size > (3ull << 30)) {
		fprintf(stderr, "usage: raw_kvm [-m MIB (1..3072)] [-i] [-v] KERNEL\n");
		return 2;
	}

	/*
	 * Guest RAM: lazily backed anonymous memory, so untouched pages cost
	 * nothing.  No hugepage advice: the RSS benchmark wants 4 KiB
	 * granularity, like the other contenders' defaults.
	 */
	ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED)
		die("guest RAM: %s", strerror(errno));
	entry = load_elf(argv[optind], ram, ram_size);

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm: %s", strerror(errno));
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		die("unexpected KVM API version");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM: %s", strerror(errno));
	/*
	 * Intel without unrestricted guest needs a TSS area for real-mode
	 * emulation; cheap, and QEMU and cvisor set it too.  Just below the
	 * 4 GiB BIOS area, far from our RAM.
	 */
	if (ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0)
		die("KVM_SET_TSS_ADDR: %s", strerror(errno));

	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = ram_size,
		.userspace_addr = (uintptr_t)ram,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));

	/*
	 * After the memslot, as cvisor does: on this host the first memslot
	 * of a VM that already has the irqchip waits ~6 ms in KVM's SRCU
	 * synchronization, which would charge the irqchip row with a cost no
	 * VMM has to pay.
	 */
	if (irqchip && ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
		die("KVM_CREATE_IRQCHIP: %s", strerror(errno));

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU: %s", strerror(errno));
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(*run))
		die("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("kvm_run mmap: %s", strerror(errno));

	/* Flat 32-bit protected mode, paging off: the Multiboot/PVH state. */
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS: %s", strerror(errno));
	flat_seg(&sregs.cs, 0x08, 0xb);		/* code, exec/read, accessed */
	flat_seg(&sregs.ds, 0x10, 0x3);		/* data, read/write, accessed */
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.cr0 = (sregs.cr0 | 0x1) & ~0x80000000ull;	/* PE, no PG */
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		die("KVM_SET_SREGS: %s", strerror(errno));

	memset(&regs, 0, sizeof(regs));
	regs.rip = entry;
	regs.rflags = 0x2;
	regs.rax = 0x2badb002;	/* Multiboot magic; EBX (info) = 0: unused */
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_REGS: %s", strerror(errno));

	clock_gettime(CLOCK_MONOTONIC, &t_run);
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("KVM_RUN: %s", strerror(errno));
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			handle_io(run);
			break;
		case KVM_EXIT_MMIO:
			/* Unbacked: reads all-ones, writes dropped. */
			counts.mmio++;
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
			break;
		case KVM_EXIT_HLT:
			finish(0);
		case KVM_EXIT_SHUTDOWN:
			flush_out();
			die("guest shutdown (triple fault?)");
		case KVM_EXIT_FAIL_ENTRY:
			flush_out();
			die("VM entry failed: reason 0x%llx",
			    (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		case KVM_EXIT_INTERNAL_ERROR:
			flush_out();
			die("KVM internal error, suberror %u",
			    run->internal.suberror);
		default:
			counts.other++;
			flush_out();
			die("unexpected exit reason %u", run->exit_reason);
		}
	}
}
