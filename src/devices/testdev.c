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
#include <unistd.h>

#include "devices/devices.h"
#include "lib/compiler.h"
#include "vmm/config.h"
#include "vmm/devsvc.h"

#define TESTDEV_PIO_SCRATCH	0xE0
#define TESTDEV_PIO_DOORBELL	0xE8
#define TESTDEV_MMIO_BASE	0xFEB00000ull
#define TESTDEV_MMIO_LEN	0x1000

#define TESTDEV_SLOTS		DEVSVC_TEST_SLOTS
#define TESTDEV_SLOT_MAX	(256ull << 20)
#define TESTDEV_FILL		0x5A

enum {
	TESTDEV_MEMSLOT_ADD = 1,
	TESTDEV_MEMSLOT_DEL = 2,
	TESTDEV_MEMSLOT_MOVE = 3,
	TESTDEV_VCPU_STATE_ROUNDTRIP = 4,
	TESTDEV_HAS_CAP = 5,
	TESTDEV_SMI = 6,
	TESTDEV_SCAN = 7,
	TESTDEV_DMA_PROBE = 8,
};

/* The guest kit (tests/guest/kit/kit.h) asks for capabilities by number. */
_Static_assert(HV_CAP_IRQCHIP == 0 && HV_CAP_READONLY_MEM == 7 &&
	       HV_CAP_X86_SMM == 17, "keep kit.h's HV_CAP_* in sync");

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
	struct devsvc *svc;
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

	if (devsvc_ram_overlaps(td->svc, gpa, size))
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
	return devsvc_test_memslot(td->svc, id, s->gpa, remove ? 0 : s->size,
				   s->host, s->readonly);
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
	if (s.readonly && devsvc_has_cap(td->svc, HV_CAP_READONLY_MEM) <= 0)
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

/*
 * SCAN: arg0 is one complemented pattern, arg1/arg2 an optional table of
 * complemented patterns in guest RAM (so neither the command nor the
 * table is a copy of what is looked for).
 */
static int testdev_scan(struct testdev *td, const uint64_t *arg)
{
	const uint64_t *table = NULL;
	uint64_t *pat;
	size_t n = 1, i;
	int ret;

	if (arg[2] > 65536)
		return -EINVAL;
	if (arg[2]) {
		table = devsvc_dma_map(td->svc, arg[1], arg[2] * 8, false);
		if (!table)
			return -EFAULT;
	}
	pat = malloc((arg[2] + 1) * sizeof(*pat));
	if (!pat)
		return -ENOMEM;
	pat[0] = ~arg[0];
	for (i = 0; i < arg[2]; i++)
		pat[n++] = ~table[i];
	ret = devsvc_ram_scan(td->svc, pat, n);
	free(pat);
	return ret;
}

/* What a device's DMA through the guest-memory helper would get. */
static int testdev_dma_probe(struct testdev *td, const uint64_t *arg,
			     char *msg)
{
	if (devsvc_dma_map(td->svc, arg[0], arg[1], false))
		return 0;
	snprintf(msg, 8, "%s", devsvc_is_ram(td->svc, arg[0]) ?
		 "private" : "not-ram");
	return -EFAULT;
}

/* ------------------------------------------------------------ doorbell */

static void testdev_command(struct testdev *td, const struct bus_ctx *ctx,
			    uint32_t gpa)
{
	struct testdev_cmd cmd, *gcmd;
	char msg[8] = "";
	int ret;

	/* The result goes back into the command: a device write. */
	gcmd = devsvc_dma_map(td->svc, gpa, sizeof(cmd), true);
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
		/* Memory went away: device models drop their mappings. */
		if (!ret)
			devsvc_memory_removed(td->svc, ctx);
		break;
	case TESTDEV_MEMSLOT_MOVE:
		pthread_mutex_lock(&td->lock);
		ret = testdev_memslot_move(td, cmd.arg);
		pthread_mutex_unlock(&td->lock);
		if (!ret)
			devsvc_memory_removed(td->svc, ctx);
		break;
	case TESTDEV_VCPU_STATE_ROUNDTRIP:
		ret = devsvc_vcpu_state_roundtrip(td->svc, ctx, msg,
						  sizeof(msg));
		if (ret == -ESRCH)
			ret = -EINVAL;
		break;
	case TESTDEV_SMI:
		/* An SMI on the CPU that rang, taken after its OUT completes. */
		ret = devsvc_smi_raise(td->svc, ctx);
		if (ret == -ESRCH)
			ret = -EINVAL;
		break;
	case TESTDEV_SCAN:
		ret = testdev_scan(td, cmd.arg);
		break;
	case TESTDEV_DMA_PROBE:
		ret = testdev_dma_probe(td, cmd.arg, msg);
		break;
	case TESTDEV_HAS_CAP:
		ret = cmd.arg[0] <= UINT32_MAX ?
		      devsvc_has_cap(td->svc, (unsigned int)cmd.arg[0]) :
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

/* ------------------------------------------------------------ lifecycle */

static bool testdev_has_slots(const struct testdev *td)
{
	unsigned int i;

	for (i = 0; i < TESTDEV_SLOTS; i++)
		if (td->slots[i].used)
			return true;
	return false;
}

static void testdev_reset(void *opaque)
{
	struct testdev *td = opaque;

	pthread_mutex_lock(&td->lock);
	memset(td->pio, 0, sizeof(td->pio));
	memset(td->mmio, 0, sizeof(td->mmio));
	pthread_mutex_unlock(&td->lock);
}

/*
 * Version 1: the PIO and MMIO scratch registers (8 bytes each).  Test
 * memslots are not migratable guest RAM: a VM that has one cannot be
 * saved (-EBUSY) rather than be saved without it.
 */
static int testdev_save(void *opaque, struct sbuf *out)
{
	struct testdev *td = opaque;
	int ret = 0;

	pthread_mutex_lock(&td->lock);
	if (testdev_has_slots(td)) {
		ret = -EBUSY;
	} else {
		sbuf_put_bytes(out, td->pio, sizeof(td->pio));
		sbuf_put_bytes(out, td->mmio, sizeof(td->mmio));
	}
	pthread_mutex_unlock(&td->lock);
	return ret;
}

static int testdev_load(void *opaque, struct sbuf *in, uint32_t version)
{
	struct testdev *td = opaque;
	uint8_t pio[8], mmio[8];

	sbuf_get_bytes(in, pio, sizeof(pio));
	sbuf_get_bytes(in, mmio, sizeof(mmio));
	if (sbuf_error(in))
		return sbuf_error(in);
	pthread_mutex_lock(&td->lock);
	memcpy(td->pio, pio, sizeof(pio));
	memcpy(td->mmio, mmio, sizeof(mmio));
	pthread_mutex_unlock(&td->lock);
	return 0;
}

static void testdev_destroy(void *opaque)
{
	struct testdev *td = opaque;

	testdev_free_slots(td);
	pthread_mutex_destroy(&td->lock);
	free(td);
}

static const struct component_ops testdev_comp_ops = {
	.version = 1,
	.reset = testdev_reset,
	.save = testdev_save,
	.load = testdev_load,
	.destroy = testdev_destroy,
};

int testdev_init(struct devsvc *svc, const struct vm_config *cfg, char *err,
		 size_t err_len)
{
	struct testdev *td;
	int ret;

	if (!cfg->testdev)
		return 0;
	td = calloc(1, sizeof(*td));
	if (!td)
		return -ENOMEM;
	td->svc = svc;
	pthread_mutex_init(&td->lock, NULL);
	ret = devsvc_component(svc, "testdev", COMP_STAGE_PLATFORM,
			       &testdev_comp_ops, td);
	if (ret) {
		testdev_destroy(td);
		return ret;
	}
	/* Scratch 0xE0-0xE7 and doorbell 0xE8-0xEB as one range. */
	ret = devsvc_io_register(svc, BUS_PIO, TESTDEV_PIO_SCRATCH, 12,
				 &testdev_pio_ops, td);
	if (ret)
		return ret;
	return devsvc_io_register(svc, BUS_MMIO, TESTDEV_MMIO_BASE,
				  TESTDEV_MMIO_LEN, &testdev_mmio_ops, td);
}
