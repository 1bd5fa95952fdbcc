// SPDX-License-Identifier: GPL-2.0
/*
 * hv_max_vcpus: a VM takes as many vCPUs as HV_CAP_MAX_VCPUS says (1024
 * on emu, KVM's KVM_MAX_VCPUS), quickly, and the last one runs.  emu
 * allocates a vCPU's decoded-code cache at its first run, so vCPUs that
 * never run cost little.
 */
#include <time.h>

#include "hvtest.h"

static const uint8_t guest[] = {
	0xe6, 0xe0,		/* out 0xe0, al */
	0xf4,			/* hlt */
};

int main(void)
{
	struct hv_vcpu **vcpus;
	struct timespec t0, t1;
	struct hvt t;
	int max, i;
	double s;

	hvt_setup(&t, guest, sizeof(guest), false);
	max = hv_check_cap(t.hv, HV_CAP_MAX_VCPUS);
	if (hvt_accel() == HV_ACCEL_EMU)
		CHECK(max == 1024, "emu offers %d vCPUs, want KVM's 1024", max);
	CHECK(max > 1, "HV_CAP_MAX_VCPUS %d", max);
	vcpus = calloc(max, sizeof(*vcpus));
	CHECK(vcpus);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 1; i < max; i++)
		CHECK_OK(hv_vcpu_create(t.vm, i, &vcpus[i]));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%d vCPUs created in %.2f s\n", max, s);
	CHECK_ERRNO(hv_vcpu_create(t.vm, max, &vcpus[0]), EINVAL);

	/* The last vCPU runs the guest. */
	hv_vcpu_destroy(t.vcpu);
	t.vcpu = vcpus[max - 1];
	vcpus[max - 1] = NULL;
	t.exit = hv_vcpu_exit(t.vcpu);
	hvt_real_mode(t.vcpu, HVT_CODE);
	hvt_run_io(&t, 0xe0, HV_EXIT_IO_OUT, 1);
	hvt_run(&t, HV_EXIT_HLT);
	for (i = 1; i < max; i++)
		if (vcpus[i])
			hv_vcpu_destroy(vcpus[i]);
	free(vcpus);
	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
