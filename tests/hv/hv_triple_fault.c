// SPDX-License-Identifier: GPL-2.0
/*
 * hv_triple_fault: a protected-mode guest with an empty IDT executes UD2:
 * #UD cannot be delivered (#GP), neither can #GP (#DF), nor #DF, so the
 * CPU shuts down and the run returns HV_EXIT_SHUTDOWN.
 */
#include "hvtest.h"

static const uint8_t guest[] = {
	0x0f, 0x0b,		/* ud2 */
	0xf4,			/* hlt (not reached) */
};

int main(void)
{
	struct hvt t;

	hvt_setup(&t, guest, sizeof(guest), false);
	hvt_flat32(t.vcpu, HVT_CODE, 0, 0);
	hvt_run(&t, HV_EXIT_SHUTDOWN);
	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
