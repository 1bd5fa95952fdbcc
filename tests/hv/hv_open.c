// SPDX-License-Identifier: GPL-2.0
/*
 * hv_open: opening the backend, the auto mode's probe, the message for a
 * missing device, and the capability table (printed for the log).
 */
#include "hvtest.h"

static void check_missing_device(void)
{
	char why[256] = "";
	struct hv *hv;
	int ret;

	setenv("CVISOR_KVM_PATH", "/nonexistent/kvm", 1);
	ret = hv_open(HV_ACCEL_KVM, &hv, why, sizeof(why));
	CHECK(ret == -ENOENT, "open of a missing device returned %d", ret);
	CHECK(!strcmp(why, "/nonexistent/kvm: No such file or directory"),
		  "missing device message is \"%s\"", why);
	unsetenv("CVISOR_KVM_PATH");
}

/*
 * auto takes kvm only when its probe guest runs kernel code at 100 MIPS or
 * more; either outcome must name the measured speed, consistently.
 */
static void check_auto_probe(void)
{
	char why[256] = "";
	const char *at;
	unsigned int mips;
	struct hv *hv;

	CHECK_OK(hv_open(HV_ACCEL_AUTO, &hv, why, sizeof(why)));
	at = strstr(why, "kernel code at ");
	CHECK(at && sscanf(at, "kernel code at %u MIPS", &mips) == 1,
		  "auto message names no probe speed: \"%s\"", why);
	if (!strcmp(hv_backend_name(hv), "kvm"))
		CHECK(mips >= 100, "auto took kvm at %u MIPS (%s)", mips,
			  why);
	else
		CHECK(mips < 100 && strstr(why, "kvm unusable"),
			  "auto took %s although kvm ran at %u MIPS (%s)",
			  hv_backend_name(hv), mips, why);
	printf("auto: %s: %s\n", hv_backend_name(hv), why);
	hv_close(hv);
}

int main(void)
{
	struct hv *hv = hvt_open();
	bool kvm = !strcmp(hv_backend_name(hv), "kvm");

	for (int c = 0; c < HV_CAP__COUNT; c++)
		printf("%-8d %s\n", hv_check_cap(hv, c), hv_cap_name(c));
	CHECK(hv_check_cap(hv, HV_CAP_VM_TYPES) & (1 << HV_VM_TYPE_DEFAULT),
		  "the default VM type is not supported");
	CHECK(hv_check_cap(hv, HV_CAP_MAX_VCPUS) >= 1, "no vCPUs");
	CHECK(hv_check_cap(hv, HV_CAP__COUNT) == 0,
		  "out-of-range capability reported present");
	hv_close(hv);

	if (kvm) {
		check_missing_device();
		check_auto_probe();
	}
	printf("PASS\n");
	return 0;
}
