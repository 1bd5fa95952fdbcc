// SPDX-License-Identifier: GPL-2.0
/*
 * udp_rtt.c - the limit for the syndbg round-trip bench: N round trips of
 * a 64-byte datagram from a plain host socket to the same UDP echo peer on
 * 127.0.0.1 that the guest talks to.  Prints "UDP-RTT N total_ns".
 * Usage: udp_rtt PORT N
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char buf[64], in[128];
	unsigned long n, i;
	unsigned long long t0;
	int s;

	if (argc != 3) {
		fprintf(stderr, "usage: %s PORT N\n", argv[0]);
		return 2;
	}
	n = strtoul(argv[2], NULL, 0);
	sa.sin_port = htons(atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("udp_rtt: socket");
		return 1;
	}
	memset(buf, 0x42, sizeof(buf));
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (send(s, buf, sizeof(buf), 0) != sizeof(buf) ||
		    recv(s, in, sizeof(in), 0) != sizeof(buf)) {
			perror("udp_rtt: round trip");
			return 1;
		}
	}
	printf("UDP-RTT %lu %llu\n", n, now_ns() - t0);
	close(s);
	return 0;
}
