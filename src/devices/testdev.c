// SPDX-License-Identifier: GPL-2.0
/*
 * testdev.c - the VMM side of guest tests (docs/conventions.md): scratch
 * registers reached by port I/O and MMIO, and a command doorbell through
 * which a guest asks for memslot changes, a vCPU state round trip or a
 * capability value.  Present only with --testdev.
 *
 * Commands run on the vCPU thread that rang the doorbell, during its exit,
 * so VCPU_STATE_ROUNDTRIP acts on a stopped vCPU as the hv API requires.
 * The command block is guest memory: it is copied in before use (another
 * vCPU may change it meanwhile) and only result/msg are written back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "devices/devices.h"
#include "lib/compiler.h"
#include "vmm/vm.h"

#define TESTDEV_PIO_SCRATCH	0xE0
#define TESTDEV_PIO_DOORBELL	0xE8
#define TESTDEV_MMIO_BASE	0xFEB00000ull
#define TESTDEV_MMIO_LEN	0x1000

#define TESTDEV_SLOTS		16
#define TESTDEV_SLOT_BASE	16	/* hv slot numbers; RAM uses 0 and 1 */
#define TESTDEV_SLOT_MAX	(256ull << 20)
#define TESTDEV_FILL		0x5A

enum {
	TESTDEV_MEMSLOT_ADD = 1,
	TESTDEV_MEMSLOT_DEL = 2,
	TESTDEV_MEMSLOT_MOVE = 3,
	TESTDEV_VCPU_STATE_ROUNDTRIP = 4,
	TESTDEV_HAS_CAP = 5,
};

struct testdev_cmd {
	uint32_t op;
	int32_t result;
	uint64_t arg[6];
	char msg[8];
};
BUILD_BUG_ON(sizeof(struct testdev_cmd) != 64);

struct testdev_slot {
	bool used;
	bool readonly;
	uint64_t gpa, size;
	void *host;
};

struct testdev {
	struct vm *vm;
	pthread_mutex_t lock;
	uint8_t pio[8];
	uint8_t mmio[8];
	struct testdev_slot slots[TESTDEV_SLOTS];
};

/* ------------------------------------------------------------ memslots */

static bool testdev_overlaps(struct testdev *td, uint64_t gpa, uint64_t size,
			     int self)
{
	unsigned int i;

	if (guest_mem_overlaps(&td->vm->mem, gpa, size))
		return true;
	for (i = 0; i < TESTDEV_SLOTS; i++) {
		const struct testdev_slot *s = &td->slots[i];

		if (!s->used || (int)i == self)
			continue;
		if (gpa < s->gpa + s->size && s->gpa < gpa + size)
			return true;
	}
	return false;
}

static int testdev_set_slot(struct testdev *td, unsigned int id,
			    const struct testdev_slot *s, bool remove)
{
	struct hv_memslot m = {
		.slot = TESTDEV_SLOT_BASE + id,
		.as_id = HV_AS_NORMAL,
		.flags = s->readonly ? HV_MEM_READONLY : 0,
		.guest_phys_addr = s->gpa,
		.memory_size = remove ? 0 : s->size,
		.userspace_addr = s->host,
		.guest_memfd = -1,
	};

	return hv_set_memslot(td->vm->hv_vm, &m);
}

static bool testdev_range_ok(uint64_t gpa, uint64_t size)
{
	return IS_ALIGNED(gpa, 4096ull) && IS_ALIGNED(size, 4096ull) &&
	       gpa + size > gpa;
}

static int testdev_memslot_add(struct testdev *td, const uint64_t *arg)
{
	uint64_t id = arg[0], gpa = arg[1], size = arg[2], flags = arg[3];
	struct testdev_slot s = { .gpa = gpa, .size = size };
	int ret;

	if (id >= TESTDEV_SLOTS || !size || (flags & ~1ull) ||
	    !testdev_range_ok(gpa, size))
		return -EINVAL;
	if (size > TESTDEV_SLOT_MAX)
		return -E2BIG;
	s.readonly = flags & 1;
	if (s.readonly && hv_check_cap(td->vm->hv, HV_CAP_READONLY_MEM) <= 0)
		return -EOPNOTSUPP;
	if (td->slots[id].used)
		return -EBUSY;
	if (testdev_overlaps(td, gpa, size, -1))
		return -EEXIST;
	s.host = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (s.host == MAP_FAILED)
		return -ENOMEM;
	memset(s.host, TESTDEV_FILL, size);
	ret = testdev_set_slot(td, (unsigned int)id, &s, false);
	if (ret) {
		munmap(s.host, size);
		return ret;
	}
	s.used = true;
	td->slots[id] = s;
	return 0;
}

static int testdev_memslot_del(struct testdev *td, const uint64_t *arg)
{
	struct testdev_slot *s;
	int ret;

	if (arg[0] >= TESTDEV_SLOTS)
		return -EINVAL;
	s = &td->slots[arg[0]];
	if (!s->used)
		return -ENOENT;
	ret = testdev_set_slot(td, (unsigned int)arg[0], s, true);
	if (ret)
		return ret;
	munmap(s->host, s->size);
	memset(s, 0, sizeof(*s));
	return 0;
}

static int testdev_memslot_move(struct testdev *td, const uint64_t *arg)
{
	struct testdev_slot *s, moved;
	int ret;

	if (arg[0] >= TESTDEV_SLOTS)
		return -EINVAL;
	s = &td->slots[arg[0]];
	if (!s->used)
		return -ENOENT;
	if (!testdev_range_ok(arg[1], s->size))
		return -EINVAL;
	if (testdev_overlaps(td, arg[1], s->size, (int)arg[0]))
		return -EEXIST;
	moved = *s;
	moved.gpa = arg[1];
	ret = testdev_set_slot(td, (unsigned int)arg[0], &moved, false);
	if (ret)
		return ret;
	*s = moved;
	return 0;
}

static void testdev_free_slots(struct testdev *td)
{
	unsigned int i;

	for (i = 0; i < TESTDEV_SLOTS; i++)
		if (td->slots[i].used)
			munmap(td->slots[i].host, td->slots[i].size);
}

/* ------------------------------------------------------------ vCPU state */

enum {
	ST_REGS, ST_SREGS, ST_FPU, ST_XSAVE, ST_XCRS, ST_MSRS, ST_LAPIC,
	ST_MP, ST_EVENTS, ST_DEBUGREGS, ST__COUNT
};

/* At most 7 characters: the tag must fit msg[8] with its NUL. */
static const char *const st_names[ST__COUNT] = {
	[ST_REGS] = "regs", [ST_SREGS] = "sregs", [ST_FPU] = "fpu",
	[ST_XSAVE] = "xsave", [ST_XCRS] = "xcrs", [ST_MSRS] = "msrs",
	[ST_LAPIC] = "lapic", [ST_MP] = "mpstate", [ST_EVENTS] = "events",
	[ST_DEBUGREGS] = "dbgregs",
};

/* Restore order of seed-apis.md 1.7, with the LAPIC after the MSRs (APIC
 * base) and the legacy FPU view before the XSAVE area that supersedes it. */
static const unsigned int st_restore_order[ST__COUNT] = {
	ST_SREGS, ST_MSRS, ST_LAPIC, ST_XCRS, ST_FPU, ST_XSAVE, ST_EVENTS,
	ST_MP, ST_DEBUGREGS, ST_REGS,
};

/* MSRs that move on their own while the vCPU is stopped. */
static bool msr_is_clock(uint32_t index)
{
	return index == 0x10 ||		/* IA32_TSC */
	       index == 0xE7 ||		/* IA32_MPERF */
	       index == 0xE8;		/* IA32_APERF */
}

struct vstate {
	unsigned int have;	/* bit per ST_*: component supported */
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_mp_state mp;
	struct kvm_vcpu_events events;
	struct kvm_debugregs debugregs;
	struct kvm_msrs *msrs;
	struct kvm_xsave xsave;	/* last: it ends in a flexible array */
};

static int vstate_get_one(struct hv_vcpu *v, struct vstate *st, unsigned int c)
{
	switch (c) {
	case ST_REGS: return hv_vcpu_get_regs(v, &st->regs);
	case ST_SREGS: return hv_vcpu_get_sregs(v, &st->sregs);
	case ST_FPU: return hv_vcpu_get_fpu(v, &st->fpu);
	case ST_XSAVE: return hv_vcpu_get_xsave(v, &st->xsave);
	case ST_XCRS: return hv_vcpu_get_xcrs(v, &st->xcrs);
	case ST_LAPIC: return hv_vcpu_get_lapic(v, &st->lapic);
	case ST_MP: return hv_vcpu_get_mp_state(v, &st->mp);
	case ST_EVENTS: return hv_vcpu_get_events(v, &st->events);
	case ST_DEBUGREGS: return hv_vcpu_get_debugregs(v, &st->debugregs);
	case ST_MSRS: {
		int n = hv_vcpu_get_msrs(v, st->msrs);

		if (n < 0)
			return n;
		return (uint32_t)n == st->msrs->nmsrs ? 0 : -EIO;
	}
	}
	return -EINVAL;
}

static int vstate_set_one(struct hv_vcpu *v, struct vstate *st, unsigned int c)
{
	switch (c) {
	case ST_REGS: return hv_vcpu_set_regs(v, &st->regs);
	case ST_SREGS: return hv_vcpu_set_sregs(v, &st->sregs);
	case ST_FPU: return hv_vcpu_set_fpu(v, &st->fpu);
	case ST_XSAVE: return hv_vcpu_set_xsave(v, &st->xsave);
	case ST_XCRS: return hv_vcpu_set_xcrs(v, &st->xcrs);
	case ST_LAPIC: return hv_vcpu_set_lapic(v, &st->lapic);
	case ST_MP: return hv_vcpu_set_mp_state(v, &st->mp);
	/* Flags stay as the get returned them: they say which fields hold. */
	case ST_EVENTS: return hv_vcpu_set_events(v, &st->events);
	case ST_DEBUGREGS: return hv_vcpu_set_debugregs(v, &st->debugregs);
	case ST_MSRS: {
		int n = hv_vcpu_set_msrs(v, st->msrs);

		if (n < 0)
			return n;
		return (uint32_t)n == st->msrs->nmsrs ? 0 : -EIO;
	}
	}
	return -EINVAL;
}

/* Compare component @c; only stable contents count. */
static bool vstate_equal(struct vstate *a, struct vstate *b, unsigned int c)
{
	unsigned int i;

	switch (c) {
	case ST_REGS: return !memcmp(&a->regs, &b->regs, sizeof(a->regs));
	case ST_SREGS: return !memcmp(&a->sregs, &b->sregs, sizeof(a->sregs));
	case ST_FPU: return !memcmp(&a->fpu, &b->fpu, sizeof(a->fpu));
	case ST_XSAVE: return !memcmp(&a->xsave, &b->xsave, sizeof(a->xsave));
	case ST_XCRS: return !memcmp(&a->xcrs, &b->xcrs, sizeof(a->xcrs));
	case ST_LAPIC:
		/* The timer's current count (0x390) runs down by itself. */
		memset(&a->lapic.regs[0x390], 0, 4);
		memset(&b->lapic.regs[0x390], 0, 4);
		return !memcmp(&a->lapic, &b->lapic, sizeof(a->lapic));
	case ST_MP: return !memcmp(&a->mp, &b->mp, sizeof(a->mp));
	case ST_EVENTS:
		return !memcmp(&a->events, &b->events, sizeof(a->events));
	case ST_DEBUGREGS:
		return !memcmp(&a->debugregs, &b->debugregs,
			       sizeof(a->debugregs));
	case ST_MSRS:
		for (i = 0; i < a->msrs->nmsrs; i++) {
			if (msr_is_clock(a->msrs->entries[i].index))
				continue;
			if (a->msrs->entries[i].index !=
			    b->msrs->entries[i].index ||
			    a->msrs->entries[i].data != b->msrs->entries[i].data)
				return false;
		}
		return true;
	}
	return false;
}

static struct kvm_msrs *msrs_alloc(uint32_t n)
{
	struct kvm_msrs *m = calloc(1, sizeof(*m) + n * sizeof(m->entries[0]));

	if (m)
		m->nmsrs = n;
	return m;
}

/*
 * The MSRs this vCPU can really save: the backend's index list minus the
 * ones that fail to read (KVM lists MSRs some CPUs do not have).  NULL
 * with *ret = -EOPNOTSUPP if the backend has no MSR state.
 */
static struct kvm_msrs *vstate_msr_list(struct hv_vcpu *v, struct hv *hv,
					int *ret)
{
	uint32_t cap = 256, i, n = 0;
	struct kvm_msr_list *list;
	struct kvm_msrs *m = NULL, *one = NULL;

	for (;;) {
		list = calloc(1, sizeof(*list) + cap * sizeof(list->indices[0]));
		if (!list) {
			*ret = -ENOMEM;
			return NULL;
		}
		list->nmsrs = cap;
		*ret = hv_get_msr_index_list(hv, list);
		if (*ret != -E2BIG || cap >= 16384 || list->nmsrs <= cap)
			break;
		cap = list->nmsrs;
		free(list);
	}
	if (*ret)
		goto out;
	m = msrs_alloc(list->nmsrs);
	one = msrs_alloc(1);
	if (!m || !one) {
		*ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < list->nmsrs; i++) {
		one->entries[0].index = list->indices[i];
		if (hv_vcpu_get_msrs(v, one) == 1)
			m->entries[n++].index = list->indices[i];
	}
	m->nmsrs = n;
out:
	free(list);
	free(one);
	if (*ret) {
		free(m);
		m = NULL;
	}
	return m;
}

static int vstate_get_all(struct hv_vcpu *v, struct vstate *st, bool first,
			  unsigned int *bad)
{
	unsigned int c;
	int ret;

	for (c = 0; c < ST__COUNT; c++) {
		if (!first && !(st->have & (1u << c)))
			continue;
		if (c == ST_MSRS && !st->msrs)
			continue;
		ret = vstate_get_one(v, st, c);
		if (ret == -EOPNOTSUPP && first)
			continue;
		if (ret) {
			*bad = c;
			return ret;
		}
		st->have |= 1u << c;
	}
	return 0;
}

static int testdev_state_roundtrip(struct testdev *td, struct hv_vcpu *v,
				   char *msg)
{
	struct vstate *a, *b = NULL;
	unsigned int i, c, bad = 0;
	int ret;

	a = calloc(1, sizeof(*a));
	b = calloc(1, sizeof(*b));
	if (!a || !b) {
		ret = -ENOMEM;
		goto out;
	}
	a->msrs = vstate_msr_list(v, td->vm->hv, &ret);
	if (!a->msrs && ret != -EOPNOTSUPP)
		goto out_named;
	if (a->msrs) {
		size_t sz = sizeof(*a->msrs) +
			    a->msrs->nmsrs * sizeof(a->msrs->entries[0]);

		b->msrs = malloc(sz);
		if (!b->msrs) {
			ret = -ENOMEM;
			goto out;
		}
		memcpy(b->msrs, a->msrs, sz);
	}
	bad = ST_MSRS;

	ret = vstate_get_all(v, a, true, &bad);
	if (ret)
		goto out_named;
	for (i = 0; i < ST__COUNT; i++) {
		c = st_restore_order[i];
		if (!(a->have & (1u << c)))
			continue;
		ret = vstate_set_one(v, a, c);
		if (ret) {
			bad = c;
			goto out_named;
		}
	}
	b->have = a->have;
	ret = vstate_get_all(v, b, false, &bad);
	if (ret)
		goto out_named;
	for (c = 0; c < ST__COUNT; c++) {
		if ((a->have & (1u << c)) && !vstate_equal(a, b, c)) {
			bad = c;
			ret = -EIO;
			goto out_named;
		}
	}
	goto out;
out_named:
	snprintf(msg, 8, "%s", st_names[bad]);
out:
	if (a)
		free(a->msrs);
	if (b)
		free(b->msrs);
	free(a);
	free(b);
	return ret;
}

/* ------------------------------------------------------------ doorbell */

static void testdev_command(struct testdev *td, const struct bus_ctx *ctx,
			    uint32_t gpa)
{
	struct testdev_cmd cmd, *gcmd;
	char msg[8] = "";
	int ret;

	gcmd = guest_mem_ptr(&td->vm->mem, gpa, sizeof(cmd));
	if (!gcmd)
		return;		/* nowhere to put a result: ignore */
	memcpy(&cmd, gcmd, sizeof(cmd));

	switch (cmd.op) {
	case TESTDEV_MEMSLOT_ADD:
		pthread_mutex_lock(&td->lock);
		ret = testdev_memslot_add(td, cmd.arg);
		pthread_mutex_unlock(&td->lock);
		break;
	case TESTDEV_MEMSLOT_DEL:
		pthread_mutex_lock(&td->lock);
		ret = testdev_memslot_del(td, cmd.arg);
		pthread_mutex_unlock(&td->lock);
		break;
	case TESTDEV_MEMSLOT_MOVE:
		pthread_mutex_lock(&td->lock);
		ret = testdev_memslot_move(td, cmd.arg);
		pthread_mutex_unlock(&td->lock);
		break;
	case TESTDEV_VCPU_STATE_ROUNDTRIP:
		if (!ctx || !ctx->vcpu) {
			ret = -EINVAL;
			break;
		}
		ret = testdev_state_roundtrip(td, ctx->vcpu->hv, msg);
		break;
	case TESTDEV_HAS_CAP:
		ret = cmd.arg[0] < HV_CAP__COUNT ?
		      hv_check_cap(td->vm->hv, (enum hv_cap)cmd.arg[0]) :
		      -EINVAL;
		break;
	default:
		ret = -ENOSYS;
	}
	if (ret && !msg[0])
		snprintf(msg, sizeof(msg), "op%u", cmd.op % 100000);
	gcmd->result = ret;
	memcpy(gcmd->msg, msg, sizeof(msg));
}

static void testdev_pio(void *opaque, const struct bus_ctx *ctx,
			uint64_t offset, uint8_t *data, unsigned int len,
			bool is_write)
{
	struct testdev *td = opaque;

	if (offset >= 8) {		/* doorbell */
		if (is_write && len == 4)
			testdev_command(td, ctx, (uint32_t)bus_get_le(data, 4));
		else if (!is_write)
			memset(data, 0, len);
		return;
	}
	if (len > 8 - offset) {		/* straddles scratch and doorbell */
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&td->lock);
	if (is_write)
		memcpy(&td->pio[offset], data, len);
	else
		memcpy(data, &td->pio[offset], len);
	pthread_mutex_unlock(&td->lock);
}

static void testdev_mmio(void *opaque, const struct bus_ctx *ctx,
			 uint64_t offset, uint8_t *data, unsigned int len,
			 bool is_write)
{
	struct testdev *td = opaque;

	if (offset >= 8 || len > 8 - offset) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	pthread_mutex_lock(&td->lock);
	if (is_write)
		memcpy(&td->mmio[offset], data, len);
	else
		memcpy(data, &td->mmio[offset], len);
	pthread_mutex_unlock(&td->lock);
}

static const struct bus_dev_ops testdev_pio_ops = {
	.name = "testdev",
	.access = testdev_pio,
};

static const struct bus_dev_ops testdev_mmio_ops = {
	.name = "testdev-mmio",
	.access = testdev_mmio,
};

static void testdev_free(struct vm *vm, void *opaque)
{
	struct testdev *td = opaque;

	testdev_free_slots(td);
	pthread_mutex_destroy(&td->lock);
	free(td);
}

int testdev_init(struct vm *vm, char *err, size_t err_len)
{
	struct testdev *td;
	int ret;

	if (!vm->cfg.testdev)
		return 0;
	td = calloc(1, sizeof(*td));
	if (!td)
		return -ENOMEM;
	td->vm = vm;
	pthread_mutex_init(&td->lock, NULL);
	ret = vm_add_cleanup(vm, testdev_free, td);
	if (ret) {
		testdev_free(vm, td);
		return ret;
	}
	/* Scratch 0xE0-0xE7 and doorbell 0xE8-0xEB as one range. */
	ret = bus_register(&vm->bus, BUS_PIO, TESTDEV_PIO_SCRATCH, 12,
			   &testdev_pio_ops, td);
	if (ret)
		return ret;
	return bus_register(&vm->bus, BUS_MMIO, TESTDEV_MMIO_BASE,
			    TESTDEV_MMIO_LEN, &testdev_mmio_ops, td);
}
