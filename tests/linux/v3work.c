// SPDX-License-Identifier: GPL-2.0
/*
 * v3work.c - a deterministic workload built with -march=x86-64-v3 (AVX2,
 * FMA, BMI1/2, MOVBE, LZCNT) for the Linux userspace test: gcc
 * vectorises its loops with 256-bit AVX2 and FMA instructions, so the
 * same program run on the host CPU and on emu must print the same
 * checksums (tests/linux/v3 compares them).
 *
 * Built statically (it runs from the busybox initramfs), with no input:
 * everything comes from a fixed-seed generator.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N	96
#define NSORT	20000

static uint64_t seed = 0x9e3779b97f4a7c15ull;

static uint32_t next(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (uint32_t)seed;
}

static float a[N][N], b[N][N], c[N][N];
static double x[4096], y[4096];
static int32_t v[NSORT];
static uint8_t bytes[65536];

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
	const uint8_t *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	return h;
}

static int cmp(const void *p, const void *q)
{
	int32_t l = *(const int32_t *)p, r = *(const int32_t *)q;

	return (l > r) - (l < r);
}

int main(void)
{
	uint64_t h = 0xcbf29ce484222325ull, bits = 0;
	double dot = 0;

	/* Single-precision matrix product: vfmadd on ymm registers. */
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			a[i][j] = (float)(next() % 2001) / 1000.0f - 1.0f;
			b[i][j] = (float)(next() % 2001) / 1000.0f - 1.0f;
		}
	for (int i = 0; i < N; i++)
		for (int k = 0; k < N; k++)
			for (int j = 0; j < N; j++)
				c[i][j] += a[i][k] * b[k][j];
	h = fnv(c, sizeof(c), h);
	printf("matrix %016llx\n", (unsigned long long)h);

	/* Double-precision axpy and dot product. */
	for (int i = 0; i < 4096; i++) {
		x[i] = (double)next() / 4294967296.0;
		y[i] = (double)next() / 4294967296.0;
	}
	for (int r = 0; r < 8; r++)
		for (int i = 0; i < 4096; i++)
			y[i] = 0.75 * x[i] + y[i] * 0.5;
	for (int i = 0; i < 4096; i++)
		dot += x[i] * y[i];
	h = fnv(y, sizeof(y), h);
	h = fnv(&dot, sizeof(dot), h);
	printf("axpy %016llx\n", (unsigned long long)h);

	/* Integer sort and a vectorised byte histogram / checksum. */
	for (int i = 0; i < NSORT; i++)
		v[i] = (int32_t)next();
	qsort(v, NSORT, sizeof(v[0]), cmp);
	h = fnv(v, sizeof(v), h);
	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = next() >> 13;
	{
		uint32_t sum[8] = { 0 };

		for (size_t i = 0; i < sizeof(bytes); i++)
			sum[i & 7] += bytes[i] * (uint32_t)(i & 0xff);
		h = fnv(sum, sizeof(sum), h);
	}
	/* BMI: trailing/leading zero counts, population counts. */
	for (int i = 0; i < 4096; i++) {
		uint64_t w = ((uint64_t)next() << 32) | next();

		bits += (uint64_t)__builtin_ctzll(w | 1) + __builtin_clzll(w | 1) +
			__builtin_popcountll(w) + ((w >> (i & 63)) & ~w);
	}
	h = fnv(&bits, sizeof(bits), h);
	printf("sort %016llx\n", (unsigned long long)h);
	printf("CVISOR-V3 %016llx\n", (unsigned long long)h);
	return 0;
}
