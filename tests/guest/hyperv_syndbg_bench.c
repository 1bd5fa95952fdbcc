// SPDX-License-Identifier: GPL-2.0
/*
 * hyperv_syndbg_bench.c - syndbg round trips for `make bench` (bench/run
 * starts the UDP echo peer and cvisor): N 64-byte packets through the MSR
 * transport (CONTROL.SEND, wait for the pending byte, CONTROL.RECV), then
 * N through the hypercall transport (HvPostDebugData, HvRetrieveDebugData
 * until data), timed with TIME_REF_COUNT.  Prints
 *   SYNDBG-BENCH msr|hcall N total_100ns
 * Not a test: the manifest does not list it.
 */
#include "hyperv.h"

#define PAYLOAD	64

static uint64_t now(void)
{
	return rdmsr(HV_MSR_TIME_REF_COUNT);
}

static void bench_msr(unsigned int n)
{
	uint8_t *send = hv_page(0), *recv = hv_page(1), *pend = hv_page(2);
	uint64_t t0;

	wrmsr(HV_MSR_SYNDBG_OPTIONS, 0);
	wrmsr(HV_MSR_SYNDBG_SEND_BUFFER, (uintptr_t)send);
	wrmsr(HV_MSR_SYNDBG_RECV_BUFFER, (uintptr_t)recv);
	wrmsr(HV_MSR_SYNDBG_PENDING_BUFFER, (uintptr_t)pend);
	memset(send, 0x42, PAYLOAD);
	t0 = now();
	for (unsigned int i = 0; i < n; i++) {
		wrmsr(HV_MSR_SYNDBG_CONTROL,
		      HV_SYNDBG_SEND | (uint64_t)PAYLOAD << 16);
		if (rdmsr(HV_MSR_SYNDBG_STATUS) != HV_SYNDBG_SEND_SUCCESS)
			exit_fail("send %u failed", i);
		while (!__atomic_load_n(pend, __ATOMIC_ACQUIRE))
			pause();
		wrmsr(HV_MSR_SYNDBG_CONTROL, HV_SYNDBG_RECV);
		if ((rdmsr(HV_MSR_SYNDBG_STATUS) >> 16) != PAYLOAD)
			exit_fail("receive %u failed", i);
	}
	printf("SYNDBG-BENCH msr %u %llu\n", n,
	       (unsigned long long)(now() - t0));
}

static void bench_hcall(unsigned int n)
{
	uint8_t *in = hv_page(3), *out = hv_page(4), *rin = hv_page(5),
		*rout = hv_page(6);
	uint32_t count = 4096 - 8, len = 42 + PAYLOAD;
	uint8_t *f = in + 8, *ip = f + 14, *udp = ip + 20;
	uint64_t t0, r;

	hv_hypercall_setup();
	wrmsr(HV_MSR_SYNDBG_OPTIONS, HV_SYNDBG_USE_HCALLS);
	memset(f, 0, 42 + PAYLOAD);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 28 + PAYLOAD;
	ip[9] = 17;
	ip[12] = 10;
	ip[15] = 2;
	udp[5] = 8 + PAYLOAD;
	memcpy(in, &len, 4);
	memcpy(rin, &count, 4);
	t0 = now();
	for (unsigned int i = 0; i < n; i++) {
		r = hv_hypercall(HVCALL_POST_DEBUG_DATA, (uintptr_t)in,
				 (uintptr_t)out);
		if (r != HV_STATUS_SUCCESS)
			exit_fail("post %u: status %llu", i,
				  (unsigned long long)r);
		do {
			r = hv_hypercall(HVCALL_RETRIEVE_DEBUG_DATA,
					 (uintptr_t)rin, (uintptr_t)rout);
		} while (r == HV_STATUS_NO_DATA);
		if (r != HV_STATUS_SUCCESS)
			exit_fail("retrieve %u: status %llu", i,
				  (unsigned long long)r);
	}
	printf("SYNDBG-BENCH hcall %u %llu\n", n,
	       (unsigned long long)(now() - t0));
}

int main(const char *cmdline)
{
	unsigned int n = cmdline_u64("n", 2000);

	ASSERT(hv_present());
	bench_msr(n);
	bench_hcall(n);
	return 0;
}
