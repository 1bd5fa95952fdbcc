// SPDX-License-Identifier: GPL-2.0
/*
 * hv_memslot: adding, moving and deleting a memslot under a running guest
 * (data follows a move; a deleted range becomes MMIO), and overlap errors.
 *
 * The guest loops: it takes a value from port 0xe0, stores it at
 * es:4, reads es:0 and reports it on port 0xe1.  The host moves ES and
 * the slot between iterations.
 */
#include "hvtest.h"

#define SLOT_GPA	0x20000u
#define MOVED_GPA	0x30000u
#define PAGE		0x1000u

static const uint8_t guest[] = {
	0x66, 0xe5, 0xe0,			/* 1: in eax, 0xe0 */
	0x66, 0x26, 0xa3, 0x04, 0x00,		/* mov [es:4], eax */
	0x66, 0x26, 0xa1, 0x00, 0x00,		/* mov eax, [es:0] */
	0x66, 0xe7, 0xe1,			/* out 0xe1, eax */
	0xeb, 0xee,				/* jmp 1b */
};

static void set_es(struct hvt *t, uint32_t base)
{
	struct kvm_sregs sregs;

	CHECK_OK(hv_vcpu_get_sregs(t->vcpu, &sregs));
	sregs.es.base = base;
	sregs.es.selector = base >> 4;
	CHECK_OK(hv_vcpu_set_sregs(t->vcpu, &sregs));
}

static void give(struct hvt *t, uint32_t v)
{
	struct hv_exit *e = hvt_run_io(t, 0xe0, HV_EXIT_IO_IN, 4);

	memcpy(e->io.data, &v, 4);
}

static uint32_t reported(struct hvt *t)
{
	return hvt_io_value(hvt_run_io(t, 0xe1, HV_EXIT_IO_OUT, 4));
}

int main(void)
{
	struct hv_memslot s = { .slot = 1, .memory_size = PAGE };
	uint32_t *buf, v;
	struct hv_exit *e;
	struct hvt t;
	void *other;

	hvt_setup(&t, guest, sizeof(guest), false);
	buf = hvt_alloc(PAGE);
	other = hvt_alloc(4 * PAGE);
	buf[0] = 0x11223344;
	s.userspace_addr = buf;

	/* add */
	s.guest_phys_addr = SLOT_GPA;
	CHECK_OK(hv_set_memslot(t.vm, &s));
	set_es(&t, SLOT_GPA);
	give(&t, 0xa1);
	v = reported(&t);
	CHECK(v == 0x11223344, "new slot: guest read 0x%x", v);
	CHECK(buf[1] == 0xa1, "new slot: guest write did not land (0x%x)",
		  buf[1]);

	/* move: the same backing shows up at the new address */
	s.guest_phys_addr = MOVED_GPA;
	CHECK_OK(hv_set_memslot(t.vm, &s));
	set_es(&t, MOVED_GPA);
	give(&t, 0xa2);
	v = reported(&t);
	CHECK(v == 0x11223344, "moved slot: guest read 0x%x", v);
	CHECK(buf[1] == 0xa2, "moved slot: write did not land (0x%x)",
		  buf[1]);

	/* ... and the old address is no longer memory */
	set_es(&t, SLOT_GPA);
	give(&t, 0xa3);
	e = hvt_run(&t, HV_EXIT_MMIO);
	CHECK(e->mmio.is_write && e->mmio.phys_addr == SLOT_GPA + 4,
		  "old range after move: MMIO %s at 0x%llx",
		  e->mmio.is_write ? "write" : "read",
		  (unsigned long long)e->mmio.phys_addr);
	e = hvt_run(&t, HV_EXIT_MMIO);
	CHECK(!e->mmio.is_write && e->mmio.phys_addr == SLOT_GPA,
		  "old range after move: no MMIO read at 0x%x", SLOT_GPA);
	memcpy(e->mmio.data, &(uint32_t){ 0x55 }, 4);
	v = reported(&t);
	CHECK(v == 0x55, "MMIO read completion: guest read 0x%x", v);

	/* delete: accesses become MMIO exits */
	s.memory_size = 0;
	CHECK_OK(hv_set_memslot(t.vm, &s));
	set_es(&t, MOVED_GPA);
	give(&t, 0xa4);
	e = hvt_run(&t, HV_EXIT_MMIO);
	v = 0;
	memcpy(&v, e->mmio.data, 4);
	CHECK(e->mmio.is_write && e->mmio.phys_addr == MOVED_GPA + 4 &&
		  e->mmio.len == 4 && v == 0xa4,
		  "deleted slot: write was not an MMIO exit with the data");
	e = hvt_run(&t, HV_EXIT_MMIO);
	CHECK(!e->mmio.is_write && e->mmio.phys_addr == MOVED_GPA,
		  "deleted slot: read was not an MMIO exit");
	memcpy(e->mmio.data, &(uint32_t){ 0x66 }, 4);
	v = reported(&t);
	CHECK(v == 0x66, "deleted slot: guest read 0x%x", v);
	CHECK(buf[1] == 0xa2, "deleted slot's backing was written");

	/* overlap: with slot 0's RAM, and between two new slots */
	s = (struct hv_memslot){ .slot = 2, .guest_phys_addr = 0x8000,
				 .memory_size = PAGE, .userspace_addr = other };
	CHECK_ERRNO(hv_set_memslot(t.vm, &s), EEXIST);
	s.guest_phys_addr = 0x40000;
	s.memory_size = 2 * PAGE;
	CHECK_OK(hv_set_memslot(t.vm, &s));
	s.slot = 3;
	s.guest_phys_addr = 0x41000;
	CHECK_ERRNO(hv_set_memslot(t.vm, &s), EEXIST);
	s.guest_phys_addr = 0x42000;
	CHECK_OK(hv_set_memslot(t.vm, &s));
	/* Bad alignment and unknown flags are argument errors. */
	s.slot = 4;
	s.guest_phys_addr = 0x50800;
	CHECK_ERRNO(hv_set_memslot(t.vm, &s), EINVAL);
	s.guest_phys_addr = 0x50000;
	s.flags = 1u << 7;
	CHECK_ERRNO(hv_set_memslot(t.vm, &s), EINVAL);

	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
