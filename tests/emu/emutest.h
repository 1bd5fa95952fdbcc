/* SPDX-License-Identifier: GPL-2.0 */
/*
 * emutest.h - tiny helpers for the emu device unit tests.
 * Exit status 0 pass, 1 fail (the failing check is printed).
 */
#ifndef CVISOR_TESTS_EMU_EMUTEST_H
#define CVISOR_TESTS_EMU_EMUTEST_H

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("FAIL: %s:%d: %s\n", __FILE__, __LINE__,	\
			       #cond);					\
			exit(1);					\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		long long a_ = (long long)(a), b_ = (long long)(b);	\
		if (a_ != b_) {						\
			printf("FAIL: %s:%d: %s == %lld, expected %s == %lld\n", \
			       __FILE__, __LINE__, #a, a_, #b, b_);	\
			exit(1);					\
		}							\
	} while (0)

static inline void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

#endif
