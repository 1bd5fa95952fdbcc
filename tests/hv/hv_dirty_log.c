// SPDX-License-Identifier: GPL-2.0
/*
 * hv_dirty_log: the dirty bitmap of a LOG_DIRTY_PAGES slot has exactly
 * the pages the guest wrote (not the ones it only read), and reading it
 * clears it.
 */
#include "hvtest.h"

#define LOG_GPA		0x20000u
#define LOG_PAGES	16u
#define PAGE		0x1000u

static const uint8_t guest[] = {
	0x26, 0xc6, 0x06, 0x00, 0x10, 0x01,	/* mov byte [es:0x1000], 1 */
	0x26, 0xc7, 0x06, 0x10, 0x30, 0x02, 0x00,
						/* mov word [es:0x3010], 2 */
	0x26, 0xa0, 0x00, 0x50,			/* mov al, [es:0x5000] (read) */
	0x66, 0x26, 0xc7, 0x06, 0xfc, 0xef, 0x03, 0x00, 0x00, 0x00,
						/* mov dword [es:0xeffc], 3 */
	0xf4,					/* hlt */
	0x26, 0xc6, 0x06, 0x00, 0x70, 0x04,	/* mov byte [es:0x7000], 4 */
	0xf4,					/* hlt */
};

int main(void)
{
	uint64_t bitmap, want = 1u << 1 | 1u << 3 | 1u << 14;
	struct kvm_sregs sregs;
	struct hvt t;
	uint8_t *buf;

	hvt_setup(&t, guest, sizeof(guest), false);
	hvt_require_cap(t.hv, HV_CAP_DIRTY_LOG);
	buf = hvt_alloc(LOG_PAGES * PAGE);
	hvt_add_slot(t.vm, 1, LOG_GPA, LOG_PAGES * PAGE, buf,
		     HV_MEM_LOG_DIRTY_PAGES);
	CHECK_OK(hv_vcpu_get_sregs(t.vcpu, &sregs));
	sregs.es.base = LOG_GPA;
	sregs.es.selector = LOG_GPA >> 4;
	CHECK_OK(hv_vcpu_set_sregs(t.vcpu, &sregs));

	bitmap = ~0ull;
	CHECK_OK(hv_get_dirty_log(t.vm, HV_AS_NORMAL, 1, &bitmap));
	CHECK(bitmap == 0, "fresh slot dirty bitmap 0x%llx",
		  (unsigned long long)bitmap);

	hvt_run(&t, HV_EXIT_HLT);
	CHECK_OK(hv_get_dirty_log(t.vm, HV_AS_NORMAL, 1, &bitmap));
	CHECK(bitmap == want, "dirty bitmap 0x%llx, want 0x%llx",
		  (unsigned long long)bitmap, (unsigned long long)want);
	CHECK(buf[0x1000] == 1 && buf[0x3010] == 2 && buf[0xeffc] == 3,
		  "guest writes did not reach the backing");

	CHECK_OK(hv_get_dirty_log(t.vm, HV_AS_NORMAL, 1, &bitmap));
	CHECK(bitmap == 0, "dirty bitmap not cleared by reading: 0x%llx",
		  (unsigned long long)bitmap);

	hvt_run(&t, HV_EXIT_HLT);
	CHECK_OK(hv_get_dirty_log(t.vm, HV_AS_NORMAL, 1, &bitmap));
	CHECK(bitmap == 1u << 7, "second round: dirty bitmap 0x%llx",
		  (unsigned long long)bitmap);

	/* A slot without logging has no dirty log. */
	CHECK_ERRNO(hv_get_dirty_log(t.vm, HV_AS_NORMAL, 0, &bitmap), ENOENT);

	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
