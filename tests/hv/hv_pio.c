// SPDX-License-Identifier: GPL-2.0
/*
 * hv_pio: port I/O exits.  OUT and IN of widths 1, 2 and 4 (the IN value
 * is echoed back by the guest with an OUT, so it must round-trip through
 * the exit's data pointer) and REP OUTSB/INSB with their counts.
 */
#include "hvtest.h"

static const uint8_t guest[] = {
	0xb0, 0x11,				/* mov al, 0x11 */
	0xe6, 0xe0,				/* out 0xe0, al */
	0xb8, 0x33, 0x22,			/* mov ax, 0x2233 */
	0xe7, 0xe0,				/* out 0xe0, ax */
	0x66, 0xb8, 0x77, 0x66, 0x55, 0x44,	/* mov eax, 0x44556677 */
	0x66, 0xe7, 0xe0,			/* out 0xe0, eax */
	0xe4, 0xe2,				/* in al, 0xe2 */
	0xe6, 0xe1,				/* out 0xe1, al */
	0xe5, 0xe2,				/* in ax, 0xe2 */
	0xe7, 0xe1,				/* out 0xe1, ax */
	0x66, 0xe5, 0xe2,			/* in eax, 0xe2 */
	0x66, 0xe7, 0xe1,			/* out 0xe1, eax */
	0xbe, 0x00, 0x20,			/* mov si, 0x2000 */
	0xb9, 0x05, 0x00,			/* mov cx, 5 */
	0xba, 0xe3, 0x00,			/* mov dx, 0xe3 */
	0xfc,					/* cld */
	0xf3, 0x6e,				/* rep outsb */
	0xbf, 0x00, 0x30,			/* mov di, 0x3000 */
	0xb9, 0x03, 0x00,			/* mov cx, 3 */
	0xf3, 0x6c,				/* rep insb */
	0xf4,					/* hlt */
};

static const uint8_t rep_out[5] = { 'h', 'e', 'l', 'l', 'o' };
static const uint8_t rep_in[3] = { 0xa1, 0xb2, 0xc3 };

int main(void)
{
	static const struct { uint8_t size; uint32_t val; } outs[] = {
		{ 1, 0x11 }, { 2, 0x2233 }, { 4, 0x44556677 },
	};
	static const struct { uint8_t size; uint32_t val; } ins[] = {
		{ 1, 0x9a }, { 2, 0xbeef }, { 4, 0xdeadc0de },
	};
	struct hv_exit *e;
	struct hvt t;
	size_t got;

	hvt_setup(&t, guest, sizeof(guest), false);
	memcpy(t.ram + 0x2000, rep_out, sizeof(rep_out));

	for (size_t i = 0; i < 3; i++) {
		e = hvt_run_io(&t, 0xe0, HV_EXIT_IO_OUT, outs[i].size);
		CHECK(e->io.count == 1, "OUT count %u", e->io.count);
		CHECK(hvt_io_value(e) == outs[i].val,
			  "OUT%u wrote 0x%llx, want 0x%x", outs[i].size * 8,
			  (unsigned long long)hvt_io_value(e), outs[i].val);
	}
	for (size_t i = 0; i < 3; i++) {
		e = hvt_run_io(&t, 0xe2, HV_EXIT_IO_IN, ins[i].size);
		memcpy(e->io.data, &ins[i].val, ins[i].size);
		e = hvt_run_io(&t, 0xe1, HV_EXIT_IO_OUT, ins[i].size);
		CHECK(hvt_io_value(e) == ins[i].val,
			  "IN%u completed with 0x%x, guest saw 0x%llx",
			  ins[i].size * 8, ins[i].val,
			  (unsigned long long)hvt_io_value(e));
	}

	/*
	 * Hardware-assisted KVM reports a whole REP string in one exit
	 * (count 5); KVM's instruction emulator, which this nested host
	 * uses for real mode, one element per exit.  Both are legal, so the
	 * test checks that counts add up and the data is where they say.
	 */
	got = 0;
	while (got < sizeof(rep_out)) {
		e = hvt_run_io(&t, 0xe3, HV_EXIT_IO_OUT, 1);
		CHECK(e->io.count >= 1 && got + e->io.count <= 5,
			  "REP OUTSB count %u after %zu bytes", e->io.count,
			  got);
		CHECK(!memcmp(e->io.data, rep_out + got, e->io.count),
			  "REP OUTSB data differs at byte %zu", got);
		printf("REP OUTSB exit: count %u\n", e->io.count);
		got += e->io.count;
	}
	got = 0;
	while (got < sizeof(rep_in)) {
		e = hvt_run_io(&t, 0xe3, HV_EXIT_IO_IN, 1);
		CHECK(e->io.count >= 1 && got + e->io.count <= 3,
			  "REP INSB count %u after %zu bytes", e->io.count,
			  got);
		memcpy(e->io.data, rep_in + got, e->io.count);
		got += e->io.count;
	}
	hvt_run(&t, HV_EXIT_HLT);
	CHECK(!memcmp(t.ram + 0x3000, rep_in, 3),
		  "REP INSB data did not reach guest memory");

	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
