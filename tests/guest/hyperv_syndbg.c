// SPDX-License-Identifier: GPL-2.0
/*
 * hyperv_syndbg.c - a kernel-debugger client of the synthetic debugger,
 * run by tests/guest/run-syndbg against a UDP echo peer on the host:
 *  - MSR transport: datagrams of many sizes go out through the send page
 *    and CONTROL.SEND (status SEND_SUCCESS) and come back through
 *    CONTROL.RECV (RECV_SUCCESS | size << 16) intact; the pending page's
 *    first byte is 1 exactly while an echo waits;
 *  - hypercall transport: HvResetDebugSession reports the host address,
 *    HvPostDebugData takes Ethernet/IPv4/UDP frames (the target IP is
 *    learnt from them), HvRetrieveDebugData returns NO_DATA when idle and
 *    frames from host to target otherwise; bad counts and unmapped
 *    buffers give INVALID_PARAMETER and INSUFFICIENT_MEMORY;
 *  - a flood from the peer: the guest drains what the bridge kept (far
 *    less than was sent: the VMM does not queue it) and the runner checks
 *    the VMM's memory;
 *  - the peer gone: a send reports failure (status 0) and the VM goes on.
 */
#include "hyperv.h"

#define SEC	2000000000ull
#define TARGET_IP	0x0200000au	/* 10.0.0.2, network order */
#define HOST_IP		0x0100007fu	/* 127.0.0.1 */

static uint8_t *send_page, *recv_page, *pend_page;
static uint16_t port;

static uint64_t msr_send(const void *data, uint32_t len)
{
	memcpy(send_page, data, len);
	wrmsr(HV_MSR_SYNDBG_CONTROL, HV_SYNDBG_SEND | (uint64_t)len << 16);
	return rdmsr(HV_MSR_SYNDBG_STATUS);
}

/* Wait for the pending flag, then receive; returns the status. */
static uint64_t msr_recv(uint64_t timeout)
{
	uint64_t t0 = rdtsc();

	while (!__atomic_load_n(pend_page, __ATOMIC_ACQUIRE) &&
	       rdtsc() - t0 < timeout)
		pause();
	wrmsr(HV_MSR_SYNDBG_CONTROL, HV_SYNDBG_RECV);
	return rdmsr(HV_MSR_SYNDBG_STATUS);
}

static void fill(uint8_t *p, uint32_t len, uint32_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

static void test_msr_transport(void)
{
	static const uint32_t sizes[] = { 1, 7, 64, 512, 1400, 3000, 4096 };
	static uint8_t pkt[4096];
	uint64_t st;

	wrmsr(HV_MSR_SYNDBG_OPTIONS, 0);
	wrmsr(HV_MSR_SYNDBG_SEND_BUFFER, (uintptr_t)send_page);
	wrmsr(HV_MSR_SYNDBG_RECV_BUFFER, (uintptr_t)recv_page);
	pend_page[0] = 0x77;
	wrmsr(HV_MSR_SYNDBG_PENDING_BUFFER, (uintptr_t)pend_page);
	ASSERT_EQ(pend_page[0], 0);		/* nothing waits yet */
	ASSERT_EQ(rdmsr(HV_MSR_SYNDBG_PENDING_BUFFER), (uintptr_t)pend_page);
	/* Nothing to receive: status 0. */
	wrmsr(HV_MSR_SYNDBG_CONTROL, HV_SYNDBG_RECV);
	ASSERT_EQ(rdmsr(HV_MSR_SYNDBG_STATUS), 0);

	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t n = sizes[i];

		fill(pkt, n, i);
		st = msr_send(pkt, n);
		ASSERT_EQ(st, HV_SYNDBG_SEND_SUCCESS);
		st = msr_recv(5 * SEC);
		if ((st & 0xffff) != HV_SYNDBG_RECV_SUCCESS || (st >> 16) != n)
			exit_fail("size %u: receive status 0x%llx", n,
				  (unsigned long long)st);
		if (memcmp(recv_page, pkt, n))
			exit_fail("size %u: echo differs", n);
		ASSERT_EQ(pend_page[0], 0);	/* consumed */
	}
	/* Two in flight: the flag stays up until both are taken. */
	msr_send("one", 3);
	msr_send("two", 3);
	ASSERT_EQ(msr_recv(5 * SEC) >> 16, 3);
	{
		uint64_t t0 = rdtsc();

		while (!pend_page[0] && rdtsc() - t0 < 5 * SEC)
			pause();
	}
	ASSERT_EQ(pend_page[0], 1);
	ASSERT_EQ(msr_recv(5 * SEC) >> 16, 3);
	ASSERT(!memcmp(recv_page, "two", 3));
	ASSERT_EQ(pend_page[0], 0);
	printf("MSR transport: %u sizes echoed intact, pending flag in step\n",
	       (unsigned int)(sizeof(sizes) / sizeof(sizes[0])));
}

/* ---- hypercall transport: Ethernet/IPv4/UDP frames ---- */

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }

static uint32_t frame(uint8_t *f, const uint8_t *payload, uint32_t len)
{
	uint8_t *ip = f + 14, *udp = ip + 20;

	memset(f, 0, 42);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(28 + len));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, &(uint32_t){ TARGET_IP }, 4);
	memcpy(ip + 16, &(uint32_t){ HOST_IP }, 4);
	put16(udp, 50001);
	put16(udp + 2, port);
	put16(udp + 4, (uint16_t)(8 + len));
	memcpy(udp + 8, payload, len);
	return 42 + len;
}

static uint64_t post(const uint8_t *payload, uint32_t len, uint32_t *pending)
{
	uint8_t *in = hv_page(3), *out = hv_page(4);
	uint32_t n = frame(in + 8, payload, len);
	uint64_t r;

	memcpy(in, &n, 4);
	memset(in + 4, 0, 4);
	r = hv_hypercall(HVCALL_POST_DEBUG_DATA, (uintptr_t)in, (uintptr_t)out);
	memcpy(pending, out, 4);
	return r;
}

/* Retrieve until a frame comes (or timeout); returns the status. */
static uint64_t retrieve(uint8_t **data, uint32_t *len, uint64_t timeout)
{
	uint8_t *in = hv_page(5), *out = hv_page(6);
	uint32_t count = 4096 - 8, got, rem;
	uint64_t t0 = rdtsc(), r;

	do {
		memcpy(in, &count, 4);
		memset(in + 4, 0, 12);
		r = hv_hypercall(HVCALL_RETRIEVE_DEBUG_DATA, (uintptr_t)in,
				 (uintptr_t)out);
		memcpy(&got, out, 4);
		memcpy(&rem, out + 4, 4);
		if (r == HV_STATUS_NO_DATA) {
			ASSERT_EQ(got, 0);
			ASSERT_EQ(rem, count);
		}
	} while (r == HV_STATUS_NO_DATA && rdtsc() - t0 < timeout);
	*data = out + 8;
	*len = got;
	if (r == HV_STATUS_SUCCESS)
		ASSERT_EQ(got + rem, count);
	return r;
}

static void test_hcall_transport(void)
{
	static const uint32_t sizes[] = { 1, 100, 1000, 1400, 4000 };
	static uint8_t pkt[4096];
	uint8_t *in = hv_page(3), *out = hv_page(4), *f;
	uint32_t pending, len, ip;
	uint64_t r;

	hv_hypercall_setup();
	/* OPTIONS without USE_HCALLS: the calls are refused. */
	wrmsr(HV_MSR_SYNDBG_OPTIONS, 0);
	memset(in, 0, 8);
	ASSERT_EQ(hv_hypercall(HVCALL_RESET_DEBUG_SESSION, (uintptr_t)in,
			       (uintptr_t)out), HV_STATUS_OPERATION_DENIED);
	wrmsr(HV_MSR_SYNDBG_OPTIONS, HV_SYNDBG_USE_HCALLS);

	memset(out, 0xee, 24);
	r = hv_hypercall(HVCALL_RESET_DEBUG_SESSION, (uintptr_t)in,
			 (uintptr_t)out);
	ASSERT_EQ(r, HV_STATUS_SUCCESS);
	memcpy(&ip, out, 4);
	ASSERT_EQ(ip, HOST_IP);
	memcpy(&ip, out + 4, 4);
	ASSERT_EQ(ip, HOST_IP);
	ASSERT_EQ(out[8] | out[9] << 8, port);
	ASSERT_EQ(out[10] | out[11] << 8, port);
	for (int i = 12; i < 24; i++)
		ASSERT_EQ(out[i], 0);

	/* Idle: NO_DATA with retrieved 0, remaining = count. */
	ASSERT_EQ(retrieve(&f, &len, 0), HV_STATUS_NO_DATA);

	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t n = sizes[i];

		fill(pkt, n, 100 + i);
		r = post(pkt, n, &pending);
		ASSERT_EQ(r, HV_STATUS_SUCCESS);
		ASSERT_EQ(pending, 0);
		r = retrieve(&f, &len, 5 * SEC);
		if (r != HV_STATUS_SUCCESS)
			exit_fail("size %u: retrieve status %llu", n,
				  (unsigned long long)r);
		ASSERT_EQ(len, 42 + n);
		ASSERT_EQ(be16(f + 12), 0x0800);
		ASSERT_EQ(f[14 + 9], 17);
		memcpy(&ip, f + 14 + 12, 4);
		ASSERT_EQ(ip, HOST_IP);
		memcpy(&ip, f + 14 + 16, 4);
		ASSERT_EQ(ip, TARGET_IP);	/* learnt from our frames */
		ASSERT_EQ(be16(f + 34 + 4), 8 + n);
		if (memcmp(f + 42, pkt, n))
			exit_fail("size %u: retrieved payload differs", n);
	}
	/* Bad input: too large a count, buffers outside RAM. */
	memcpy(in, &(uint32_t){ 4096 - 7 }, 4);
	ASSERT_EQ(hv_hypercall(HVCALL_POST_DEBUG_DATA, (uintptr_t)in,
			       (uintptr_t)out), HV_STATUS_INVALID_PARAMETER);
	ASSERT_EQ(hv_hypercall(HVCALL_POST_DEBUG_DATA, 1ull << 40,
			       (uintptr_t)out), HV_STATUS_INSUFFICIENT_MEMORY);
	printf("hypercall transport: reset, %u frame sizes both ways, errors\n",
	       (unsigned int)(sizeof(sizes) / sizeof(sizes[0])));
}

static void test_flood(void)
{
	unsigned int drained = 0;
	uint64_t t0, st;

	wrmsr(HV_MSR_SYNDBG_OPTIONS, 0);
	ASSERT_EQ(msr_send("CMD:FLOOD 20000 1400", 20),
		  HV_SYNDBG_SEND_SUCCESS);
	/* Let the peer finish (it is not paced by us). */
	t0 = rdmsr(HV_MSR_TIME_REF_COUNT);
	while (rdmsr(HV_MSR_TIME_REF_COUNT) - t0 < 20000000)	/* 2 s */
		pause();
	for (;;) {
		wrmsr(HV_MSR_SYNDBG_CONTROL, HV_SYNDBG_RECV);
		st = rdmsr(HV_MSR_SYNDBG_STATUS);
		if (!(st & HV_SYNDBG_RECV_SUCCESS))
			break;
		drained++;
	}
	ASSERT_EQ(pend_page[0], 0);
	ASSERT(drained > 0 && drained < 20000);
	ASSERT_EQ(msr_send("CMD:RSS", 7), HV_SYNDBG_SEND_SUCCESS);
	st = msr_recv(5 * SEC);
	ASSERT_EQ(st >> 16, 2);
	ASSERT(!memcmp(recv_page, "OK", 2));
	printf("flood: 20000 datagrams sent, %u kept by the bridge\n", drained);
}

static void test_peer_gone(void)
{
	uint64_t st = 0;
	int i;

	ASSERT_EQ(msr_send("CMD:QUIT", 8), HV_SYNDBG_SEND_SUCCESS);
	ASSERT_EQ(msr_recv(5 * SEC) >> 16, 3);
	/* The first send after may still go out; an ICMP error follows. */
	for (i = 0; i < 200; i++) {
		st = msr_send("anyone?", 7);
		if (st == 0)
			break;
		tsc_delay(1000000);
	}
	ASSERT_EQ(st, 0);
	printf("peer gone: send status 0 after %d tries, VM still running\n",
	       i + 1);
}

int main(const char *cmdline)
{
	ASSERT(hv_present());
	ASSERT(cpuid(HV_CPUID_SYNDBG_PLATFORM).a & 2);
	port = (uint16_t)cmdline_u64("port", 0);
	ASSERT(port != 0);
	send_page = hv_page(0);
	recv_page = hv_page(1);
	pend_page = hv_page(2);
	test_msr_transport();
	test_hcall_transport();
	test_flood();
	test_peer_gone();
	return 0;
}
