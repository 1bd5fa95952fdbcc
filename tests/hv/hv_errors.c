// SPDX-License-Identifier: GPL-2.0
/*
 * hv_errors: error paths.  vCPU ids out of range, overlapping slots,
 * irqfd with a non-eventfd / a bad fd / an eventfd bound twice, and
 * calls whose capability is absent returning -EOPNOTSUPP (never faked).
 */
#include <sys/eventfd.h>
#include <unistd.h>

#include "hvtest.h"

static void check_vcpu_ids(struct hv *hv)
{
	struct hv_vm_config cfg = { .max_vcpus = 2 };
	struct hv_vcpu *vcpu;
	struct hv_vm *vm;
	int max = hv_check_cap(hv, HV_CAP_MAX_VCPUS);

	CHECK_OK(hv_vm_create(hv, &cfg, &vm));
	CHECK_ERRNO(hv_vcpu_create(vm, 2, &vcpu), EINVAL);
	CHECK_ERRNO(hv_vcpu_create(vm, 100000, &vcpu), EINVAL);
	CHECK_OK(hv_vcpu_create(vm, 1, &vcpu));
	CHECK_ERRNO(hv_vcpu_create(vm, 1, &vcpu), EEXIST);
	hv_vcpu_destroy(vcpu);
	hv_vm_destroy(vm);

	CHECK_OK(hv_vm_create(hv, NULL, &vm));
	CHECK_ERRNO(hv_vcpu_create(vm, (unsigned int)max, &vcpu), EINVAL);
	hv_vm_destroy(vm);

	cfg.max_vcpus = (unsigned int)max + 1;
	CHECK_ERRNO(hv_vm_create(hv, &cfg, &vm), EINVAL);
}

static void check_irqfd(struct hvt *t)
{
	struct kvm_irqfd irqfd = { .gsi = 5 };
	int pipefd[2], efd, efd2;

	if (hv_check_cap(t->hv, HV_CAP_IRQFD) <= 0) {
		printf("irqfd: not supported by %s, irqfd errors not checked\n",
		       hv_backend_desc(t->hv));
		return;
	}
	if (pipe(pipefd))
		check_fail("pipe");
	irqfd.fd = pipefd[0];
	CHECK_ERRNO(hv_irqfd(t->vm, &irqfd), EINVAL);
	irqfd.fd = 999;
	CHECK_ERRNO(hv_irqfd(t->vm, &irqfd), EBADF);

	efd = eventfd(0, EFD_CLOEXEC);
	efd2 = eventfd(0, EFD_CLOEXEC);
	irqfd.fd = efd;
	CHECK_OK(hv_irqfd(t->vm, &irqfd));
	CHECK_ERRNO(hv_irqfd(t->vm, &irqfd), EBUSY);
	irqfd.gsi = 6;
	CHECK_ERRNO(hv_irqfd(t->vm, &irqfd), EBUSY);
	irqfd.fd = efd2;
	CHECK_OK(hv_irqfd(t->vm, &irqfd));
	irqfd.flags = 1u << 7;
	CHECK_ERRNO(hv_irqfd(t->vm, &irqfd), EINVAL);

	/* Deassign, then the eventfd is free again. */
	irqfd.fd = efd;
	irqfd.gsi = 5;
	irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
	CHECK_OK(hv_irqfd(t->vm, &irqfd));
	irqfd.flags = 0;
	CHECK_OK(hv_irqfd(t->vm, &irqfd));

	close(pipefd[0]);
	close(pipefd[1]);
	close(efd);
	close(efd2);
}

/* Calls whose capability is absent must say so, not half-work. */
static void check_missing_caps(struct hvt *t)
{
	struct hv_vm_config cfg = { .type = HV_VM_TYPE_SW_PROTECTED };
	struct hv_memslot s = { .slot = 9, .guest_phys_addr = 0x100000,
				.memory_size = 0x1000 };
	struct hv_vm *vm;

	s.userspace_addr = t->ram;
	if (!(hv_check_cap(t->hv, HV_CAP_VM_TYPES) &
	      (1 << HV_VM_TYPE_SW_PROTECTED)))
		CHECK_ERRNO(hv_vm_create(t->hv, &cfg, &vm), EOPNOTSUPP);
	if (!hv_check_cap(t->hv, HV_CAP_MEMORY_ATTRIBUTES))
		CHECK_ERRNO(hv_set_memory_attributes(t->vm, 0, 0x1000,
						 HV_MEMORY_ATTRIBUTE_PRIVATE, 0),
			EOPNOTSUPP);
	if (!hv_check_cap(t->hv, HV_CAP_GUEST_MEMFD))
		CHECK_ERRNO(hv_create_guest_memfd(t->vm, 0x1000, 0), EOPNOTSUPP);
	if (!hv_check_cap(t->hv, HV_CAP_X86_SMM))
		CHECK_ERRNO(hv_vcpu_smi(t->vcpu), EOPNOTSUPP);
	if (hv_check_cap(t->hv, HV_CAP_MULTI_ADDRESS_SPACE) < 2) {
		s.as_id = HV_AS_SMM;
		CHECK_ERRNO(hv_set_memslot(t->vm, &s), EOPNOTSUPP);
		s.as_id = 0;
	}
	if (!hv_check_cap(t->hv, HV_CAP_READONLY_MEM)) {
		s.flags = HV_MEM_READONLY;
		CHECK_ERRNO(hv_set_memslot(t->vm, &s), EOPNOTSUPP);
	}
	if (!hv_check_cap(t->hv, HV_CAP_TSC_CONTROL))
		CHECK_ERRNO(hv_vcpu_set_tsc_khz(t->vcpu, 1000000), EOPNOTSUPP);
	if (!hv_check_cap(t->hv, HV_CAP_HYPERV_CPUID)) {
		struct kvm_cpuid2 c = { .nent = 0 };

		CHECK_ERRNO(hv_vcpu_get_supported_hv_cpuid(t->vcpu, &c),
			EOPNOTSUPP);
	}
	/* guest_memfd excludes dirty logging and read-only. */
	s.flags = HV_MEM_GUEST_MEMFD | HV_MEM_LOG_DIRTY_PAGES;
	CHECK_ERRNO(hv_set_memslot(t->vm, &s), EINVAL);
}

int main(void)
{
	struct hv_memslot s = { .slot = 1, .memory_size = 0x2000 };
	struct hvt t;

	hvt_setup(&t, NULL, 0, true);
	check_vcpu_ids(t.hv);

	s.userspace_addr = t.ram;
	s.guest_phys_addr = 0xf000;	/* overlaps slot 0's last page */
	CHECK_ERRNO(hv_set_memslot(t.vm, &s), EEXIST);
	s.guest_phys_addr = 0x10000;	/* adjacent: fine */
	CHECK_OK(hv_set_memslot(t.vm, &s));

	check_irqfd(&t);
	check_missing_caps(&t);

	hvt_teardown(&t);
	printf("PASS\n");
	return 0;
}
