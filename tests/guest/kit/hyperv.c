// SPDX-License-Identifier: GPL-2.0
/* hyperv.c - the guest kit's Hyper-V library (see hyperv.h). */
#include "hyperv.h"

static uint8_t hcall_page[4096] __attribute__((aligned(4096)));
static uint8_t pages[8][4096] __attribute__((aligned(4096)));

struct msr_op {
	uint32_t msr;
	uint64_t val;
};

static void do_rdmsr(void *arg)
{
	struct msr_op *op = arg;

	op->val = rdmsr(op->msr);
}

static void do_wrmsr(void *arg)
{
	struct msr_op *op = arg;

	wrmsr(op->msr, op->val);
}

bool hv_rdmsr_safe(uint32_t msr, uint64_t *val)
{
	struct msr_op op = { .msr = msr };
	struct exc_info info;

	if (catch_exception(GP_VECTOR, do_rdmsr, &op, &info))
		return true;
	*val = op.val;
	return false;
}

bool hv_wrmsr_safe(uint32_t msr, uint64_t val)
{
	struct msr_op op = { .msr = msr, .val = val };
	struct exc_info info;

	return catch_exception(GP_VECTOR, do_wrmsr, &op, &info);
}

bool hv_present(void)
{
	return (cpuid(1).c & (1u << 31)) &&
	       cpuid(HV_CPUID_INTERFACE).a == 0x31237648;	/* "Hv#1" */
}

void hv_vendor(uint32_t leaf, char out[13])
{
	struct cpuid_regs r = cpuid(leaf);

	memcpy(out, &r.b, 4);
	memcpy(out + 4, &r.c, 4);
	memcpy(out + 8, &r.d, 4);
	out[12] = 0;
}

void *hv_hypercall_setup(void)
{
	wrmsr(HV_MSR_GUEST_OS_ID, HV_GUEST_OS_ID_KIT);
	wrmsr(HV_MSR_HYPERCALL, (uint64_t)(uintptr_t)hcall_page | 1);
	return hcall_page;
}

uint64_t hv_hypercall(uint64_t control, uint64_t in_gpa, uint64_t out_gpa)
{
	uint64_t ret;
	register uint64_t r8 __asm__("r8") = out_gpa;

	__asm__ __volatile__("call *%[page]"
			     : "=a"(ret), "+c"(control), "+d"(in_gpa),
			       "+r"(r8)
			     : [page] "m"(*(uint64_t[]){ (uintptr_t)hcall_page })
			     : "memory", "cc", "r9", "r10", "r11");
	return ret;
}

uint64_t hv_hypercall_fast(uint64_t control, uint64_t in1, uint64_t in2)
{
	return hv_hypercall(control | HV_HYPERCALL_FAST, in1, in2);
}

uint64_t hv_hypercall_xmm(uint64_t control, uint64_t in1, uint64_t in2,
			  const uint64_t xmm[6])
{
	uint64_t ret;
	register uint64_t r8 __asm__("r8") = in2;

	control |= HV_HYPERCALL_FAST;
	__asm__ __volatile__("movdqu 0(%[x]), %%xmm0\n\t"
			     "movdqu 16(%[x]), %%xmm1\n\t"
			     "movdqu 32(%[x]), %%xmm2\n\t"
			     "call *%[page]"
			     : "=a"(ret), "+c"(control), "+d"(in1), "+r"(r8)
			     : [page] "m"(*(uint64_t[]){ (uintptr_t)hcall_page }),
			       [x] "r"(xmm), "m"(*(const uint64_t(*)[6])xmm)
			     : "memory", "cc", "r9", "r10", "r11");
	return ret;
}

void *hv_page(unsigned int i)
{
	if (i >= 8)
		exit_fail("hv_page(%u): only 8 pages", i);
	return pages[i];
}
