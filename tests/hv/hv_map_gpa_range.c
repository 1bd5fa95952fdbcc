// SPDX-License-Identifier: GPL-2.0
/*
 * hv_map_gpa_range: KVM's hypercall ABI for KVM_HC_MAP_GPA_RANGE (12),
 * how private_mem_conversions_test drives conversions.  Without
 * HV_CAP_EXIT_HYPERCALL the guest gets -KVM_ENOSYS; with it the call
 * exits to the VMM with {gpa, npages, attributes} and the VMM's answer
 * is the guest's RAX; a misaligned gpa is -KVM_EINVAL in the guest with
 * no exit, an unknown hypercall -KVM_ENOSYS.  A default VM is enough:
 * the exit does not depend on private memory.
 */
#include "hvtest.h"

#define GPA	0x200000u

static const uint8_t guest[] = {
	0x66, 0xb8, 0x0c, 0x00, 0x00, 0x00,	/* mov eax, 12 */
	0x66, 0xbb, 0x00, 0x00, 0x20, 0x00,	/* mov ebx, 0x200000 */
	0x66, 0xb9, 0x03, 0x00, 0x00, 0x00,	/* mov ecx, 3 */
	0x66, 0xba, 0x10, 0x00, 0x00, 0x00,	/* mov edx, ENCRYPTED */
	0x0f, 0x01, 0xc1,			/* vmcall */
	0x66, 0xe7, 0xe1,			/* out 0xe1, eax */
	0x66, 0xbb, 0x00, 0x08, 0x20, 0x00,	/* mov ebx, 0x200800 */
	0x66, 0xb8, 0x0c, 0x00, 0x00, 0x00,	/* mov eax, 12 */
	0x0f, 0x01, 0xc1,			/* vmcall */
	0x66, 0xe7, 0xe1,			/* out 0xe1, eax */
	0x66, 0xb8, 0x63, 0x00, 0x00, 0x00,	/* mov eax, 99 */
	0x0f, 0x01, 0xc1,			/* vmcall */
	0x66, 0xe7, 0xe1,			/* out 0xe1, eax */
	0xf4,					/* hlt */
};

static uint32_t out_value(struct hvt *t)
{
	return (uint32_t)hvt_io_value(hvt_run_io(t, 0xe1, HV_EXIT_IO_OUT, 4));
}

int main(void)
{
	struct hv_exit *e;
	struct hvt t;
	uint32_t v;

	hvt_setup(&t, guest, sizeof(guest), false);
	if (!(hv_check_cap(t.hv, HV_CAP_EXIT_HYPERCALL) &
	      (1u << HV_HC_MAP_GPA_RANGE)))
		check_skip("%s (MAP_GPA_RANGE): not supported by %s",
			 hv_cap_name(HV_CAP_EXIT_HYPERCALL),
			 hv_backend_desc(t.hv));
	CHECK_ERRNO(hv_vm_enable_cap(t.vm, HV_CAP_EXIT_HYPERCALL, 1ull << 63),
		EINVAL);

	/* Not enabled: the guest hears ENOSYS, the VMM nothing. */
	v = out_value(&t);
	CHECK(v == (uint32_t)-HV_KVM_ENOSYS, "not enabled: rax 0x%x", v);

	CHECK_OK(hv_vm_enable_cap(t.vm, HV_CAP_EXIT_HYPERCALL,
				1ull << HV_HC_MAP_GPA_RANGE));
	hvt_real_mode(t.vcpu, HVT_CODE);
	e = hvt_run(&t, HV_EXIT_HYPERCALL);
	CHECK(e->hypercall.nr == HV_HC_MAP_GPA_RANGE &&
		  e->hypercall.args[0] == GPA && e->hypercall.args[1] == 3 &&
		  e->hypercall.args[2] == HV_MAP_GPA_RANGE_ENCRYPTED,
		  "hypercall exit nr %llu args 0x%llx 0x%llx 0x%llx",
		  (unsigned long long)e->hypercall.nr,
		  (unsigned long long)e->hypercall.args[0],
		  (unsigned long long)e->hypercall.args[1],
		  (unsigned long long)e->hypercall.args[2]);
	CHECK(!(e->hypercall.flags & HV_EXIT_HYPERCALL_LONG_MODE),
		  "real mode reported as long mode");
	e->hypercall.ret = 0x1234;
	v = out_value(&t);
	CHECK(v == 0x1234, "VMM's answer not in rax: 0x%x", v);
	v = out_value(&t);
	CHECK(v == (uint32_t)-HV_KVM_EINVAL, "misaligned gpa: rax 0x%x", v);
	v = out_value(&t);
	CHECK(v == (uint32_t)-HV_KVM_ENOSYS, "unknown call: rax 0x%x", v);
	hvt_run(&t, HV_EXIT_HLT);

	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
