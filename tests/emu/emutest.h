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

#include "../check.h"

static inline void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

#endif
