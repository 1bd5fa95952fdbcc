/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyperv.h - the guest kit's Hyper-V library: CPUID leaves, MSR access
 * with fault capture, the hypercall page and hypercalls (slow and fast),
 * SynIC message slots.  Constants are the TLFS's (and KVM's for syndbg).
 */
#ifndef KIT_HYPERV_H
#define KIT_HYPERV_H

#include "kit.h"

#define HV_CPUID_VENDOR			0x40000000
#define HV_CPUID_INTERFACE		0x40000001
#define HV_CPUID_VERSION		0x40000002
#define HV_CPUID_FEATURES		0x40000003
#define HV_CPUID_ENLIGHTENMENT		0x40000004
#define HV_CPUID_LIMITS			0x40000005
#define HV_CPUID_SYNDBG_VENDOR		0x40000080
#define HV_CPUID_SYNDBG_INTERFACE	0x40000081
#define HV_CPUID_SYNDBG_PLATFORM	0x40000082

/* 0x40000003 EAX */
#define HV_VP_RUNTIME		(1u << 0)
#define HV_TIME_REF_COUNT	(1u << 1)
#define HV_SYNIC		(1u << 2)
#define HV_SYNTIMER		(1u << 3)
#define HV_APIC_ACCESS		(1u << 4)
#define HV_HYPERCALL		(1u << 5)
#define HV_VP_INDEX		(1u << 6)
#define HV_RESET		(1u << 7)
#define HV_REFERENCE_TSC	(1u << 9)
#define HV_FREQUENCY_MSRS	(1u << 11)
/* 0x40000003 EBX */
#define HV_DEBUGGING		(1u << 11)
/* 0x40000003 EDX */
#define HV_GUEST_DEBUGGING	(1u << 1)
#define HV_FREQ_AVAILABLE	(1u << 8)
#define HV_CRASH_MSRS		(1u << 10)
#define HV_DEBUG_MSRS		(1u << 11)
#define HV_XMM_INPUT		(1u << 4)
#define HV_EXT_GVA_RANGES_FLUSH	(1u << 14)
#define HV_STIMER_DIRECT	(1u << 19)
/* 0x40000004 EAX */
#define HV_APIC_RECOMMENDED	(1u << 3)
#define HV_RELAXED_RECOMMENDED	(1u << 5)
#define HV_TLB_FLUSH_RECOMMENDED (1u << 2)
#define HV_CLUSTER_IPI_RECOMMENDED (1u << 10)
#define HV_EX_MASKS_RECOMMENDED	(1u << 11)

#define HV_MSR_GUEST_OS_ID	0x40000000
#define HV_MSR_HYPERCALL	0x40000001
#define HV_MSR_VP_INDEX		0x40000002
#define HV_MSR_RESET		0x40000003
#define HV_MSR_VP_RUNTIME	0x40000010
#define HV_MSR_TIME_REF_COUNT	0x40000020
#define HV_MSR_REFERENCE_TSC	0x40000021
#define HV_MSR_TSC_FREQUENCY	0x40000022
#define HV_MSR_APIC_FREQUENCY	0x40000023
#define HV_MSR_EOI		0x40000070
#define HV_MSR_ICR		0x40000071
#define HV_MSR_TPR		0x40000072
#define HV_MSR_VP_ASSIST_PAGE	0x40000073
#define HV_MSR_SCONTROL		0x40000080
#define HV_MSR_SVERSION		0x40000081
#define HV_MSR_SIEFP		0x40000082
#define HV_MSR_SIMP		0x40000083
#define HV_MSR_EOM		0x40000084
#define HV_MSR_SINT0		0x40000090
#define HV_MSR_STIMER0_CONFIG	0x400000b0
#define HV_MSR_STIMER0_COUNT	0x400000b1
#define HV_MSR_SYNDBG_CONTROL	0x400000f1
#define HV_MSR_SYNDBG_STATUS	0x400000f2
#define HV_MSR_SYNDBG_SEND_BUFFER 0x400000f3
#define HV_MSR_SYNDBG_RECV_BUFFER 0x400000f4
#define HV_MSR_SYNDBG_PENDING_BUFFER 0x400000f5
#define HV_MSR_SYNDBG_OPTIONS	0x400000ff
#define HV_MSR_CRASH_P0		0x40000100
#define HV_MSR_CRASH_CTL	0x40000105

#define HVCALL_FLUSH_VA_SPACE		0x0002
#define HVCALL_FLUSH_VA_LIST		0x0003
#define HVCALL_SEND_IPI			0x000b
#define HVCALL_FLUSH_VA_SPACE_EX	0x0013
#define HVCALL_FLUSH_VA_LIST_EX		0x0014
#define HVCALL_SEND_IPI_EX		0x0015
#define HVCALL_POST_DEBUG_DATA		0x0069
#define HVCALL_RETRIEVE_DEBUG_DATA	0x006a
#define HVCALL_RESET_DEBUG_SESSION	0x006b
#define HV_HYPERCALL_FAST		(1ull << 16)
#define HV_HYPERCALL_VARHEAD(n)		((uint64_t)(n) << 17)
#define HV_HYPERCALL_REP_COUNT(n)	((uint64_t)(n) << 32)
#define HV_HYPERCALL_REP_START(n)	((uint64_t)(n) << 48)

#define HV_FLUSH_ALL_PROCESSORS		(1ull << 0)
#define HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES (1ull << 1)
#define HV_GENERIC_SET_SPARSE_4K	0
#define HV_GENERIC_SET_ALL		1

#define HV_STATUS_SUCCESS		0
#define HV_STATUS_INVALID_HYPERCALL_CODE 2
#define HV_STATUS_INVALID_HYPERCALL_INPUT 3
#define HV_STATUS_INVALID_PARAMETER	5
#define HV_STATUS_ACCESS_DENIED		6
#define HV_STATUS_OPERATION_DENIED	8
#define HV_STATUS_INSUFFICIENT_MEMORY	11
#define HV_STATUS_INSUFFICIENT_BUFFERS	19
#define HV_STATUS_NO_DATA		27

#define HV_SYNDBG_SEND			(1ull << 0)
#define HV_SYNDBG_RECV			(1ull << 1)
#define HV_SYNDBG_SEND_SUCCESS		(1ull << 0)
#define HV_SYNDBG_RECV_SUCCESS		(1ull << 2)
#define HV_SYNDBG_USE_HCALLS		(1ull << 2)

#define HVMSG_TIMER_EXPIRED		0x80000010u

/* A Linux-style guest OS id (vendor 0x8100). */
#define HV_GUEST_OS_ID_KIT		(0x8100ull << 48 | 0x060100)

/* RDMSR/WRMSR that report a #GP instead of failing the test. */
bool hv_rdmsr_safe(uint32_t msr, uint64_t *val);	/* true: faulted */
bool hv_wrmsr_safe(uint32_t msr, uint64_t val);		/* true: faulted */

/* True if CPUID 0x40000001 says "Hv#1". */
bool hv_present(void);
/* The 12-byte vendor of leaf @leaf (EBX:ECX:EDX), NUL terminated. */
void hv_vendor(uint32_t leaf, char out[13]);

/*
 * GUEST_OS_ID, then HYPERCALL enabled on a page of the kit's; returns
 * the page.  hv_hypercall*() call through it.
 */
void *hv_hypercall_setup(void);
/* Slow call: control word, input and output GPAs; returns RAX. */
uint64_t hv_hypercall(uint64_t control, uint64_t in_gpa, uint64_t out_gpa);
/* Fast call: the two input words in RDX and R8. */
uint64_t hv_hypercall_fast(uint64_t control, uint64_t in1, uint64_t in2);
/*
 * XMM fast call: RDX and R8 as above, then @xmm[0..5] (64-bit halves,
 * low first) in XMM0-XMM2.  The vector registers are set from asm only.
 */
uint64_t hv_hypercall_xmm(uint64_t control, uint64_t in1, uint64_t in2,
			  const uint64_t xmm[6]);

/* Page-aligned scratch pages for hypercall I/O, SIMP, SIEFP, ... */
void *hv_page(unsigned int i);	/* i < 8 */

struct hv_message {
	uint32_t type;
	uint8_t payload_size;
	uint8_t flags;
	uint16_t rsvd;
	uint64_t sender;
	uint64_t payload[30];
};

/* The reference TSC page (hv-time) and its lock-free read. */
struct tsc_page {
	volatile uint32_t seq;
	uint32_t rsvd;
	volatile uint64_t scale;
	volatile int64_t offset;
};

static inline uint64_t tsc_page_read(struct tsc_page *p)
{
	uint32_t seq;
	uint64_t t;

	do {
		seq = p->seq;
		__asm__ __volatile__("" ::: "memory");
		t = (uint64_t)(((unsigned __int128)rdtsc() * p->scale) >> 64) +
		    p->offset;
		__asm__ __volatile__("" ::: "memory");
	} while (p->seq != seq);
	return t;
}

#endif
