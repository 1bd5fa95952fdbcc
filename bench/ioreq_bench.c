// SPDX-License-Identifier: GPL-2.0
/*
 * ioreq_bench.c - the floor for a device-model round trip on this host:
 * an eventfd ping-pong between two processes (what a vCPU ringing a
 * doorbell and waiting for the answer costs at least).  Prints the median
 * and mean round trip in microseconds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned int n = argc > 1 ? (unsigned int)atoi(argv[1]) : 20000, i;
	int ping = eventfd(0, 0), pong = eventfd(0, 0);
	uint64_t v = 1, *rt, sum = 0, t0;
	pid_t pid;

	rt = calloc(n, sizeof(*rt));
	if (ping < 0 || pong < 0 || !rt || !n)
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		for (i = 0; i < n; i++)
			if (read(ping, &v, 8) != 8 || write(pong, &v, 8) != 8)
				_exit(1);
		_exit(0);
	}
	for (i = 0; i < n; i++) {
		t0 = now_ns();
		if (write(ping, &v, 8) != 8 || read(pong, &v, 8) != 8)
			return 1;
		rt[i] = now_ns() - t0;
		sum += rt[i];
	}
	waitpid(pid, NULL, 0);
	qsort(rt, n, sizeof(*rt), cmp);
	printf("eventfd ping-pong between two processes: median %.2f us, mean %.2f us (%u round trips)\n",
	       rt[n / 2] / 1000.0, sum / 1000.0 / n, n);
	return 0;
}
