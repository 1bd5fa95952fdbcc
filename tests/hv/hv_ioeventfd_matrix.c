// SPDX-License-Identifier: GPL-2.0
/*
 * hv_ioeventfd_matrix: KVM_IOEVENTFD semantics, exactly, on both backends.
 *
 * Two real-mode guests perform a fixed list of port and MMIO accesses of
 * every width, some with values that a DATAMATCH entry wants and some not,
 * then OUT to DONE_PORT and HLT.  For each set of registrations the test
 * computes what KVM does (virt/kvm/eventfd.c, ioeventfd_in_range(): the
 * address must be exact, length 0 matches any width, otherwise the width
 * must equal the length and, with DATAMATCH, the zero-extended value the
 * datamatch; reads never match, see matrix_case() for the one host-
 * dependent exception) and requires exactly that: every matched
 * write signals its eventfd once and does not reach the VMM, every other
 * access exits in order with its port/address, width and value, and
 * nothing else exits.
 *
 * The ioctl itself: length 0/1/2/4/8 only, no flags outside KVM's valid
 * mask (which includes the unnamed fast-MMIO bit 4), no DATAMATCH
 * with length 0, no address overflow (-EINVAL, checked before the fd);
 * a bad fd -EBADF, a non-eventfd -EINVAL; -EEXIST for an entry that could
 * match the same writes as an existing one (the eventfd is not part of the
 * key); DEASSIGN matches (bus, addr, len, eventfd file, DATAMATCH flag and
 * value), validates nothing else and gives -ENOENT when nothing matched.
 */
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hvtest.h"

#define MMIO_GPA	0x20000u	/* unbacked; ES points here */
#define PIO_PORT	0xe0u
#define DONE_PORT	0xf0u
#define PIO_CODE	HVT_CODE
#define MMIO_CODE	(HVT_CODE + 0x100u)
#define MMIO_READ_CODE	(HVT_CODE + 0x200u)
#define DATA8		0x2000u		/* two qwords the MMIO guest stores */

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

#define F_PIO		KVM_IOEVENTFD_FLAG_PIO
#define F_DM		KVM_IOEVENTFD_FLAG_DATAMATCH
#define F_DEASSIGN	KVM_IOEVENTFD_FLAG_DEASSIGN

static const uint8_t pio_guest[] = {
	0xba, 0xe0, 0x00,			/* mov dx, 0xe0 */
	0xb0, 0x11,				/* mov al, 0x11 */
	0xee,					/* out dx, al */
	0xb0, 0x12,				/* mov al, 0x12 */
	0xee,					/* out dx, al */
	0xb8, 0x22, 0x22,			/* mov ax, 0x2222 */
	0xef,					/* out dx, ax */
	0xb8, 0x11, 0x00,			/* mov ax, 0x0011 */
	0xef,					/* out dx, ax */
	0x66, 0xb8, 0x44, 0x44, 0x44, 0x44,	/* mov eax, 0x44444444 */
	0x66, 0xef,				/* out dx, eax */
	0x66, 0xb8, 0x11, 0x00, 0x00, 0x00,	/* mov eax, 0x11 */
	0x66, 0xef,				/* out dx, eax */
	0xec,					/* in al, dx */
	0xed,					/* in ax, dx */
	0x66, 0xed,				/* in eax, dx */
	0x42,					/* inc dx */
	0xb0, 0x11,				/* mov al, 0x11 */
	0xee,					/* out dx, al  (port 0xe1) */
	0xe6, 0xf0,				/* out 0xf0, al */
	0xf4,					/* hlt */
};

static const uint8_t mmio_guest[] = {
	0x26, 0xc6, 0x06, 0x00, 0x00, 0x11,	/* mov byte [es:0], 0x11 */
	0x26, 0xc6, 0x06, 0x00, 0x00, 0x12,	/* mov byte [es:0], 0x12 */
	0x26, 0xc7, 0x06, 0x00, 0x00, 0x22, 0x22,
						/* mov word [es:0], 0x2222 */
	0x26, 0xc7, 0x06, 0x00, 0x00, 0x11, 0x00,
						/* mov word [es:0], 0x0011 */
	0x66, 0x26, 0xc7, 0x06, 0x00, 0x00, 0x44, 0x44, 0x44, 0x44,
						/* mov dword [es:0], 0x44444444 */
	0x66, 0x26, 0xc7, 0x06, 0x00, 0x00, 0x11, 0x00, 0x00, 0x00,
						/* mov dword [es:0], 0x11 */
	0x0f, 0x6f, 0x06, 0x00, 0x20,		/* movq mm0, [0x2000] */
	0x26, 0x0f, 0x7f, 0x06, 0x00, 0x00,	/* movq [es:0], mm0 */
	0x0f, 0x6f, 0x06, 0x08, 0x20,		/* movq mm0, [0x2008] */
	0x26, 0x0f, 0x7f, 0x06, 0x00, 0x00,	/* movq [es:0], mm0 */
	0x26, 0xc6, 0x06, 0x01, 0x00, 0x11,	/* mov byte [es:1], 0x11 */
	0xe6, 0xf0,				/* out 0xf0, al */
	0xf4,					/* hlt */
};

static const uint8_t mmio_read_guest[] = {
	0x26, 0xa0, 0x00, 0x00,			/* mov al, [es:0] */
	0x26, 0xa1, 0x00, 0x00,			/* mov ax, [es:0] */
	0x66, 0x26, 0xa1, 0x00, 0x00,		/* mov eax, [es:0] */
	0x26, 0x0f, 0x6f, 0x0e, 0x00, 0x00,	/* movq mm1, [es:0] */
	0xe6, 0xf0,				/* out 0xf0, al */
	0xf4,					/* hlt */
};

static const uint64_t data8[2] = { 0x0123456789abcdefull, 0x11 };

/* One guest access, in program order. */
struct op {
	bool pio;
	bool write;
	uint8_t width;
	uint64_t addr;
	uint64_t val;		/* writes */
};

static const struct op pio_ops[] = {
	{ true, true, 1, PIO_PORT, 0x11 },
	{ true, true, 1, PIO_PORT, 0x12 },
	{ true, true, 2, PIO_PORT, 0x2222 },
	{ true, true, 2, PIO_PORT, 0x0011 },
	{ true, true, 4, PIO_PORT, 0x44444444 },
	{ true, true, 4, PIO_PORT, 0x11 },
	{ true, false, 1, PIO_PORT, 0 },
	{ true, false, 2, PIO_PORT, 0 },
	{ true, false, 4, PIO_PORT, 0 },
	{ true, true, 1, PIO_PORT + 1, 0x11 },
};

static const struct op mmio_ops[] = {
	{ false, true, 1, MMIO_GPA, 0x11 },
	{ false, true, 1, MMIO_GPA, 0x12 },
	{ false, true, 2, MMIO_GPA, 0x2222 },
	{ false, true, 2, MMIO_GPA, 0x0011 },
	{ false, true, 4, MMIO_GPA, 0x44444444 },
	{ false, true, 4, MMIO_GPA, 0x11 },
	{ false, true, 8, MMIO_GPA, 0x0123456789abcdefull },
	{ false, true, 8, MMIO_GPA, 0x11 },
	{ false, true, 1, MMIO_GPA + 1, 0x11 },
};

static const struct op mmio_read_ops[] = {
	{ false, false, 1, MMIO_GPA, 0 },
	{ false, false, 2, MMIO_GPA, 0 },
	{ false, false, 4, MMIO_GPA, 0 },
	{ false, false, 8, MMIO_GPA, 0 },
};

#define MAX_REGS	4

/* A registration: the ioctl argument plus the eventfd we read. */
struct reg {
	struct kvm_ioeventfd io;
	int efd;
};

static struct hvt t;

static uint64_t efd_count(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static int new_efd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	CHECK(fd >= 0, "eventfd: %s", strerror(errno));
	return fd;
}

static struct kvm_ioeventfd ioev(uint32_t flags, uint64_t addr, uint32_t len,
				 uint64_t dm, int fd)
{
	struct kvm_ioeventfd io = {
		.datamatch = dm, .addr = addr, .len = len, .fd = fd,
		.flags = flags,
	};

	return io;
}

/* KVM's ioeventfd_in_range() plus the bus and direction. */
static bool op_matches(const struct kvm_ioeventfd *io, const struct op *o)
{
	if (!o->write || o->pio != !!(io->flags & F_PIO) || o->addr != io->addr)
		return false;
	if (!io->len)
		return true;
	if (io->len != o->width)
		return false;
	return !(io->flags & F_DM) || io->datamatch == o->val;
}

static const char *desc(const struct kvm_ioeventfd *io)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "%s 0x%llx len %u%s 0x%llx",
		 (io->flags & F_PIO) ? "PIO" : "MMIO",
		 (unsigned long long)io->addr, io->len,
		 (io->flags & F_DM) ? " datamatch" : " (no datamatch)",
		 (unsigned long long)io->datamatch);
	return buf;
}

/*
 * Run the guest at @ip (whose accesses are @ops) once and check exits and
 * eventfd counts against the model for the @nr registrations in @r, which
 * the caller has assigned.
 */
static void run_check(const char *what, uint64_t ip, const struct op *ops,
		      size_t nops, const struct reg *r, size_t nr)
{
	uint64_t want[MAX_REGS] = { 0 }, got;
	struct kvm_regs regs = { .rip = ip, .rflags = 2, .rsp = HVT_STACK };
	struct hv_exit *e;
	size_t i, j, exits = 0;

	CHECK_OK(hv_vcpu_set_regs(t.vcpu, &regs));
	for (i = 0; i < nops; i++) {
		const struct op *o = &ops[i];

		for (j = 0; j < nr; j++)
			if (op_matches(&r[j].io, o))
				break;
		if (j < nr) {
			want[j]++;
			continue;
		}
		exits++;
		if (o->pio) {
			e = hvt_run(&t, HV_EXIT_IO);
			CHECK(e->io.port == o->addr && e->io.size == o->width &&
				  e->io.direction == (o->write ? HV_EXIT_IO_OUT :
						      HV_EXIT_IO_IN) &&
				  e->io.count == 1,
				  "%s: access %zu: exit %s port 0x%x size %u count %u, want %s port 0x%llx size %u",
				  what, i, e->io.direction ? "OUT" : "IN",
				  e->io.port, e->io.size, e->io.count,
				  o->write ? "OUT" : "IN",
				  (unsigned long long)o->addr, o->width);
			if (o->write)
				CHECK(hvt_io_value(e) == o->val,
					  "%s: access %zu: OUT value 0x%llx, want 0x%llx",
					  what, i,
					  (unsigned long long)hvt_io_value(e),
					  (unsigned long long)o->val);
			else
				memset(e->io.data, 0x5a, e->io.size);
		} else {
			uint64_t v = 0;

			e = hvt_run(&t, HV_EXIT_MMIO);
			CHECK(e->mmio.phys_addr == o->addr &&
				  e->mmio.len == o->width &&
				  !!e->mmio.is_write == o->write,
				  "%s: access %zu: MMIO %s 0x%llx len %u, want %s 0x%llx len %u",
				  what, i, e->mmio.is_write ? "write" : "read",
				  (unsigned long long)e->mmio.phys_addr,
				  e->mmio.len, o->write ? "write" : "read",
				  (unsigned long long)o->addr, o->width);
			memcpy(&v, e->mmio.data, o->width);
			if (o->write)
				CHECK(v == o->val,
					  "%s: access %zu: MMIO write 0x%llx, want 0x%llx",
					  what, i, (unsigned long long)v,
					  (unsigned long long)o->val);
			else
				memset(e->mmio.data, 0x5a, o->width);
		}
	}
	e = hvt_run(&t, HV_EXIT_IO);
	CHECK(e->io.port == DONE_PORT,
		  "%s: after %zu expected exits: exit on port 0x%x size %u, want the final OUT to 0x%x (an access that should have signalled exited?)",
		  what, exits, e->io.port, e->io.size, DONE_PORT);
	hvt_run(&t, HV_EXIT_HLT);
	for (j = 0; j < nr; j++) {
		got = efd_count(r[j].efd);
		CHECK(got == want[j],
			  "%s: eventfd of %s signalled %llu times, want %llu",
			  what, desc(&r[j].io), (unsigned long long)got,
			  (unsigned long long)want[j]);
	}
}

static void assign_all(struct reg *r, size_t nr)
{
	for (size_t j = 0; j < nr; j++) {
		int ret;

		r[j].efd = new_efd();
		r[j].io.fd = r[j].efd;
		ret = hv_ioeventfd(t.vm, &r[j].io);
		CHECK(!ret, "assign %s: %s", desc(&r[j].io), strerror(-ret));
	}
}

static void deassign_all(struct reg *r, size_t nr)
{
	for (size_t j = 0; j < nr; j++) {
		struct kvm_ioeventfd io = r[j].io;
		int ret;

		io.flags |= F_DEASSIGN;
		ret = hv_ioeventfd(t.vm, &io);
		CHECK(!ret, "deassign %s: %s", desc(&io), strerror(-ret));
		close(r[j].efd);
	}
}

/*
 * One registration set against all guests, then deassigned.
 *
 * MMIO reads at the address of a length-0 MMIO entry are checked on emu
 * only.  KVM puts such entries on its fast-MMIO bus as well, and on Intel
 * hosts with MMIO SPTE caching an EPT misconfiguration at that address
 * signals the eventfd and skips the instruction without decoding it, so a
 * read is swallowed like a write; whether that path is taken depends on
 * the host (nested, MMIO caching), not on the ioeventfd ABI.
 */
static void matrix_case(const char *what, struct reg *r, size_t nr)
{
	bool kvm = !strcmp(hv_backend_name(t.hv), "kvm"), fast = false;
	size_t j;

	for (j = 0; j < nr; j++)
		fast |= !(r[j].io.flags & F_PIO) && !r[j].io.len;
	assign_all(r, nr);
	run_check(what, PIO_CODE, pio_ops, ARRAY_LEN(pio_ops), r, nr);
	run_check(what, MMIO_CODE, mmio_ops, ARRAY_LEN(mmio_ops), r, nr);
	if (!(fast && kvm))
		run_check(what, MMIO_READ_CODE, mmio_read_ops,
			  ARRAY_LEN(mmio_read_ops), r, nr);
	deassign_all(r, nr);
}

#define R(flags, addr, len, dm)	{ .io = ioev(flags, addr, len, dm, -1) }
#define CASE(name, ...)							\
	do {								\
		struct reg r_[] = { __VA_ARGS__ };			\
		matrix_case(name, r_, ARRAY_LEN(r_));			\
	} while (0)

static void test_matrix(void)
{
	/* Nothing registered: every access exits. */
	run_check("none", PIO_CODE, pio_ops, ARRAY_LEN(pio_ops), NULL, 0);
	run_check("none", MMIO_CODE, mmio_ops, ARRAY_LEN(mmio_ops), NULL, 0);
	run_check("none", MMIO_READ_CODE, mmio_read_ops,
		  ARRAY_LEN(mmio_read_ops), NULL, 0);

	CASE("pio len 1", R(F_PIO, PIO_PORT, 1, 0));
	CASE("pio len 2", R(F_PIO, PIO_PORT, 2, 0));
	CASE("pio len 4", R(F_PIO, PIO_PORT, 4, 0));
	CASE("pio len 0", R(F_PIO, PIO_PORT, 0, 0));
	CASE("pio len 1 other port", R(F_PIO, PIO_PORT + 1, 1, 0));
	CASE("pio dm 1", R(F_PIO | F_DM, PIO_PORT, 1, 0x11));
	CASE("pio dm 2", R(F_PIO | F_DM, PIO_PORT, 2, 0x2222));
	CASE("pio dm 4", R(F_PIO | F_DM, PIO_PORT, 4, 0x44444444));
	CASE("pio dm 4 small value", R(F_PIO | F_DM, PIO_PORT, 4, 0x11));
	CASE("pio dm wider than len", R(F_PIO | F_DM, PIO_PORT, 1, 0x111));
	CASE("pio two datamatches", R(F_PIO | F_DM, PIO_PORT, 1, 0x11),
	     R(F_PIO | F_DM, PIO_PORT, 1, 0x12));
	CASE("pio three lengths", R(F_PIO, PIO_PORT, 1, 0),
	     R(F_PIO | F_DM, PIO_PORT, 2, 0x2222),
	     R(F_PIO | F_DM, PIO_PORT, 4, 0x11));

	CASE("mmio len 1", R(0, MMIO_GPA, 1, 0));
	CASE("mmio len 2", R(0, MMIO_GPA, 2, 0));
	CASE("mmio len 4", R(0, MMIO_GPA, 4, 0));
	CASE("mmio len 8", R(0, MMIO_GPA, 8, 0));
	CASE("mmio len 0", R(0, MMIO_GPA, 0, 0));
	CASE("mmio len 1 at +1", R(0, MMIO_GPA + 1, 1, 0));
	CASE("mmio dm 1", R(F_DM, MMIO_GPA, 1, 0x11));
	CASE("mmio dm 2", R(F_DM, MMIO_GPA, 2, 0x2222));
	CASE("mmio dm 4", R(F_DM, MMIO_GPA, 4, 0x44444444));
	CASE("mmio dm 8", R(F_DM, MMIO_GPA, 8, 0x0123456789abcdefull));
	CASE("mmio dm 8 small value", R(F_DM, MMIO_GPA, 8, 0x11));
	CASE("mmio two datamatches", R(F_DM, MMIO_GPA, 1, 0x11),
	     R(F_DM, MMIO_GPA, 1, 0x12));
	CASE("mmio four lengths", R(0, MMIO_GPA, 1, 0),
	     R(F_DM, MMIO_GPA, 2, 0x0011), R(0, MMIO_GPA, 4, 0),
	     R(F_DM, MMIO_GPA, 8, 0x11));

	/* The same numbers on both buses do not interact. */
	CASE("pio and mmio", R(F_PIO, PIO_PORT, 1, 0), R(0, PIO_PORT, 1, 0),
	     R(F_PIO, MMIO_GPA, 1, 0), R(0, MMIO_GPA, 1, 0));
}

/* Assign @io, expecting @err (0: success). */
static void expect(const char *what, struct kvm_ioeventfd io, int err)
{
	int ret = hv_ioeventfd(t.vm, &io);

	CHECK(ret == -err, "%s: %s flags 0x%x fd %d: returned %d (%s), want %d (%s)",
		  what, desc(&io), io.flags, (int)io.fd, ret,
		  ret < 0 ? strerror(-ret) : "success", -err,
		  err ? strerror(err) : "success");
}

static void test_args(void)
{
	int efd = new_efd(), pfd[2], bad;

	CHECK(!pipe(pfd), "pipe: %s", strerror(errno));
	bad = open("/dev/null", O_RDONLY);
	CHECK(bad >= 0, "open /dev/null");
	close(bad);		/* now a closed descriptor number */

	expect("len 3", ioev(F_PIO, PIO_PORT, 3, 0, efd), EINVAL);
	expect("len 16", ioev(F_PIO, PIO_PORT, 16, 0, efd), EINVAL);
	expect("mmio len 3", ioev(0, MMIO_GPA, 3, 0, efd), EINVAL);
	expect("mmio len 16", ioev(0, MMIO_GPA, 16, 0, efd), EINVAL);
	/*
	 * Bit 4 (kvm_ioeventfd_flag_nr_fast_mmio) is inside KVM's valid
	 * mask and changes nothing; deassign does not compare flags.
	 */
	expect("flag 1<<4", ioev(F_PIO | (1u << 4), PIO_PORT, 1, 0, efd), 0);
	expect("deassign flag 1<<4 entry",
	       ioev(F_PIO | F_DEASSIGN, PIO_PORT, 1, 0, efd), 0);
	expect("flag 1<<5", ioev(F_PIO | (1u << 5), PIO_PORT, 1, 0, efd),
	       EINVAL);
	expect("flag 1<<31", ioev(1u << 31, MMIO_GPA, 4, 0, efd), EINVAL);
	expect("len 0 with datamatch", ioev(F_DM, MMIO_GPA, 0, 0, efd), EINVAL);
	expect("pio len 0 with datamatch",
	       ioev(F_PIO | F_DM, PIO_PORT, 0, 0, efd), EINVAL);
	expect("address overflow", ioev(0, ~0ull - 3, 8, 0, efd), EINVAL);
	/* Argument checks come before the fd is looked at. */
	expect("len 3, closed fd", ioev(F_PIO, PIO_PORT, 3, 0, bad), EINVAL);
	expect("flag 1<<5, closed fd", ioev(1u << 5, MMIO_GPA, 1, 0, bad),
	       EINVAL);
	expect("closed fd", ioev(F_PIO, PIO_PORT, 1, 0, bad), EBADF);
	expect("fd -1", ioev(0, MMIO_GPA, 1, 0, -1), EBADF);
	expect("pipe fd", ioev(F_PIO, PIO_PORT, 1, 0, pfd[0]), EINVAL);
	expect("mmio pipe fd", ioev(0, MMIO_GPA, 4, 0, pfd[1]), EINVAL);

	/* Deassign checks only the fd, then looks for the entry. */
	expect("deassign nothing",
	       ioev(F_PIO | F_DEASSIGN, PIO_PORT, 1, 0, efd), ENOENT);
	expect("deassign len 3",
	       ioev(F_PIO | F_DEASSIGN, PIO_PORT, 3, 0, efd), ENOENT);
	expect("deassign flag 1<<4",
	       ioev(F_PIO | F_DEASSIGN | (1u << 4), PIO_PORT, 1, 0, efd),
	       ENOENT);
	expect("deassign closed fd",
	       ioev(F_PIO | F_DEASSIGN, PIO_PORT, 1, 0, bad), EBADF);
	expect("deassign pipe fd",
	       ioev(F_DEASSIGN, MMIO_GPA, 1, 0, pfd[0]), EINVAL);

	close(pfd[0]);
	close(pfd[1]);
	close(efd);
}

static void test_collisions(void)
{
	int a = new_efd(), b = new_efd();
	const uint32_t P = F_PIO, PD = F_PIO | F_DM, D = F_DEASSIGN;

	expect("assign", ioev(PD, PIO_PORT, 2, 0x2222, a), 0);
	expect("exact duplicate", ioev(PD, PIO_PORT, 2, 0x2222, a), EEXIST);
	expect("same key, other eventfd", ioev(PD, PIO_PORT, 2, 0x2222, b),
	       EEXIST);
	expect("wildcard over datamatch", ioev(P, PIO_PORT, 2, 0, b), EEXIST);
	expect("len 0 over len 2", ioev(P, PIO_PORT, 0, 0, b), EEXIST);
	expect("other datamatch", ioev(PD, PIO_PORT, 2, 0x3333, b), 0);
	expect("other length", ioev(P, PIO_PORT, 1, 0, a), 0);
	expect("other bus", ioev(F_DM, PIO_PORT, 2, 0x2222, a), 0);
	expect("datamatch under wildcard", ioev(PD, PIO_PORT, 1, 0x11, b),
	       EEXIST);
	expect("same eventfd, other port", ioev(PD, PIO_PORT + 1, 2, 0x2222, a),
	       0);
	expect("mmio len 0", ioev(0, MMIO_GPA, 0, 0, a), 0);
	expect("mmio len 0 twice", ioev(0, MMIO_GPA, 0, 0, b), EEXIST);
	expect("mmio len 4 under len 0", ioev(0, MMIO_GPA, 4, 0, b), EEXIST);
	expect("mmio dm under len 0", ioev(F_DM, MMIO_GPA, 8, 1, b), EEXIST);

	/* Deassign must name the entry exactly. */
	expect("deassign other eventfd", ioev(PD | D, PIO_PORT, 2, 0x2222, b),
	       ENOENT);
	expect("deassign other len", ioev(PD | D, PIO_PORT, 4, 0x2222, a),
	       ENOENT);
	expect("deassign without datamatch", ioev(P | D, PIO_PORT, 2, 0x2222, a),
	       ENOENT);
	expect("deassign other value", ioev(PD | D, PIO_PORT, 2, 0x2223, a),
	       ENOENT);
	expect("deassign other bus", ioev(F_DM | D, PIO_PORT + 1, 2, 0x2222, a),
	       ENOENT);
	expect("deassign wildcard with datamatch",
	       ioev(PD | D, PIO_PORT, 1, 0, a), ENOENT);
	expect("deassign", ioev(PD | D, PIO_PORT, 2, 0x2222, a), 0);
	expect("deassign again", ioev(PD | D, PIO_PORT, 2, 0x2222, a), ENOENT);
	expect("reassign after deassign", ioev(PD, PIO_PORT, 2, 0x2222, b), 0);
	expect("deassign", ioev(PD | D, PIO_PORT, 2, 0x2222, b), 0);
	expect("deassign", ioev(PD | D, PIO_PORT, 2, 0x3333, b), 0);
	expect("deassign", ioev(P | D, PIO_PORT, 1, 0, a), 0);
	expect("deassign", ioev(F_DM | D, PIO_PORT, 2, 0x2222, a), 0);
	expect("deassign", ioev(PD | D, PIO_PORT + 1, 2, 0x2222, a), 0);
	/* The wildcard's datamatch field is ignored by deassign. */
	expect("deassign len 0", ioev(D, MMIO_GPA, 0, 0x99, a), 0);

	close(a);
	close(b);
}

/*
 * The entry is keyed by the eventfd's file, not the descriptor number:
 * closing the number used to assign does not disarm it, and a dup of it
 * deassigns.  After deassign the writes exit again.
 */
static void test_deassign_runs(void)
{
	struct reg r = { .io = ioev(F_PIO | F_DM, PIO_PORT, 1, 0x11, -1) };
	int orig = new_efd();

	r.io.fd = orig;
	CHECK_OK(hv_ioeventfd(t.vm, &r.io));
	r.efd = dup(orig);
	CHECK(r.efd >= 0, "dup: %s", strerror(errno));
	close(orig);
	run_check("assigned, fd closed", PIO_CODE, pio_ops, ARRAY_LEN(pio_ops),
		  &r, 1);
	r.io.fd = r.efd;
	r.io.flags |= F_DEASSIGN;
	CHECK_OK(hv_ioeventfd(t.vm, &r.io));
	r.io.flags &= ~F_DEASSIGN;
	/* Deassigned: the model with no registration, and no signal. */
	run_check("deassigned", PIO_CODE, pio_ops, ARRAY_LEN(pio_ops), NULL, 0);
	CHECK(efd_count(r.efd) == 0, "deassigned eventfd signalled");
	close(r.efd);
}

int main(void)
{
	struct kvm_sregs sregs;

	hvt_setup(&t, pio_guest, sizeof(pio_guest), false);
	hvt_require_cap(t.hv, HV_CAP_IOEVENTFD);
	memcpy(t.ram + MMIO_CODE, mmio_guest, sizeof(mmio_guest));
	memcpy(t.ram + MMIO_READ_CODE, mmio_read_guest,
	       sizeof(mmio_read_guest));
	memcpy(t.ram + DATA8, data8, sizeof(data8));
	CHECK_OK(hv_vcpu_get_sregs(t.vcpu, &sregs));
	sregs.es.base = MMIO_GPA;
	sregs.es.selector = MMIO_GPA >> 4;
	CHECK_OK(hv_vcpu_set_sregs(t.vcpu, &sregs));

	test_args();
	test_collisions();
	test_matrix();
	test_deassign_runs();

	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
