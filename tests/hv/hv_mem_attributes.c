// SPDX-License-Identifier: GPL-2.0
/*
 * hv_mem_attributes: private memory in a SW_PROTECTED VM (seed-apis.md
 * 3.5/3.6).  Argument validation of hv_set_memory_attributes(), then a
 * guest access to a page whose attribute disagrees with the access (here:
 * PRIVATE page without a guest_memfd slot) returns -EFAULT with
 * HV_EXIT_MEMORY_FAULT describing the page.
 */
#include "hvtest.h"

#define PAGE	0x1000u

static const uint8_t guest[] = {
	0x26, 0xa0, 0x00, 0x00,		/* mov al, [es:0] */
	0xf4,				/* hlt */
};

int main(void)
{
	struct hv_vm_config cfg = { .type = HV_VM_TYPE_SW_PROTECTED };
	struct kvm_sregs sregs;
	struct hv_exit *e;
	struct hvt t;
	int ret;

	t.hv = hvt_open();
	hvt_require_cap(t.hv, HV_CAP_MEMORY_ATTRIBUTES);
	if (!(hv_check_cap(t.hv, HV_CAP_MEMORY_ATTRIBUTES) &
	      HV_MEMORY_ATTRIBUTE_PRIVATE))
		check_skip("private memory attribute: not supported by %s",
			 hv_backend_desc(t.hv));
	if (!(hv_check_cap(t.hv, HV_CAP_VM_TYPES) &
	      (1 << HV_VM_TYPE_SW_PROTECTED)))
		check_skip("%s (SW_PROTECTED): not supported by %s",
			 hv_cap_name(HV_CAP_VM_TYPES), hv_backend_desc(t.hv));
	hvt_require_cap(t.hv, HV_CAP_MEMORY_FAULT_INFO);

	CHECK_OK(hv_vm_create(t.hv, &cfg, &t.vm));
	t.ram = hvt_alloc(HVT_RAM_SIZE);
	memcpy(t.ram + HVT_CODE, guest, sizeof(guest));
	hvt_add_slot(t.vm, 0, 0, HVT_RAM_SIZE, t.ram, 0);
	CHECK_OK(hv_vcpu_create(t.vm, 0, &t.vcpu));
	t.exit = hv_vcpu_exit(t.vcpu);
	hvt_real_mode(t.vcpu, HVT_CODE);

	CHECK_ERRNO(hv_set_memory_attributes(t.vm, 0x4000, PAGE,
					 HV_MEMORY_ATTRIBUTE_PRIVATE, 1), EINVAL);
	CHECK_ERRNO(hv_set_memory_attributes(t.vm, 0x4000, 0,
					 HV_MEMORY_ATTRIBUTE_PRIVATE, 0), EINVAL);
	CHECK_ERRNO(hv_set_memory_attributes(t.vm, 0x4800, PAGE,
					 HV_MEMORY_ATTRIBUTE_PRIVATE, 0), EINVAL);
	CHECK_ERRNO(hv_set_memory_attributes(t.vm, 0x4000, PAGE, 1, 0), EINVAL);
	CHECK_OK(hv_set_memory_attributes(t.vm, 0x4000, PAGE,
					HV_MEMORY_ATTRIBUTE_PRIVATE, 0));

	CHECK_OK(hv_vcpu_get_sregs(t.vcpu, &sregs));
	sregs.es.base = 0x4000;
	sregs.es.selector = 0x400;
	CHECK_OK(hv_vcpu_set_sregs(t.vcpu, &sregs));
	ret = hv_vcpu_run(t.vcpu);
	e = t.exit;
	CHECK(ret == -EFAULT && e->reason == HV_EXIT_MEMORY_FAULT,
		  "private page without guest_memfd: run %d exit %s", ret,
		  hvt_reason(e->reason));
	CHECK(e->memory_fault.gpa == 0x4000 &&
		  e->memory_fault.size == PAGE &&
		  (e->memory_fault.flags & HV_MEMORY_EXIT_FLAG_PRIVATE),
		  "memory fault gpa 0x%llx size 0x%llx flags 0x%llx",
		  (unsigned long long)e->memory_fault.gpa,
		  (unsigned long long)e->memory_fault.size,
		  (unsigned long long)e->memory_fault.flags);

	/* Converting back to shared lets the access complete. */
	CHECK_OK(hv_set_memory_attributes(t.vm, 0x4000, PAGE, 0, 0));
	hvt_run(&t, HV_EXIT_HLT);

	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
