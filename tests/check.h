/* SPDX-License-Identifier: GPL-2.0 */
/*
 * check.h - the one set of check helpers for host-side test programs.
 *
 * Verdicts follow tests/run: exit 0 pass, 1 fail, 77 skip (the last line
 * printed is the reason).  A skip is only for a capability the *host*
 * lacks (check_skip); when cvisor's own piece is missing or broken, that
 * is a failure.
 *
 *   CHECK(cond[, fmt, ...])     fatal: print "FAIL file:line: cond: msg", exit 1
 *   EXPECT(cond[, fmt, ...])    non-fatal: print the same, count it
 *   CHECK_EQ(a, b)              fatal, prints both integer values
 *   CHECK_OK(call)              fatal unless call >= 0 (negative errno printed);
 *                               evaluates to the call's value
 *   CHECK_ERR(call, -EFOO)      fatal unless call returns exactly that value
 *   CHECK_ERRNO(call, EFOO)     the same, with the errno's name (prints it)
 *   EXPECT_RET(cond[, fmt, ...]) in an int sub-test function: report,
 *                               count, and return 1 from it
 *   check_fail(fmt, ...)        fatal, with a message only
 *   check_skip(fmt, ...)        the whole program skips (exit 77)
 *   check_subskip(fmt, ...)     one sub-test skips: prints "SUBSKIP: reason",
 *                               which tests/run counts in its summary
 *   return check_status();      at the end of main: 1 if any EXPECT failed
 */
#ifndef CVISOR_TESTS_CHECK_H
#define CVISOR_TESTS_CHECK_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_SKIP_STATUS	77

static int check_failures __attribute__((unused));

static inline void check_report(const char *file, int line, const char *expr)
{
	printf("FAIL %s:%d: %s", file, line, expr);
}

/* @fmt starts with the " " the macros prepend, so it is never empty. */
static inline void __attribute__((format(printf, 1, 2)))
check_msg(const char *fmt, ...)
{
	va_list ap;

	if (fmt[1]) {
		printf(":");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
	fflush(stdout);
}

#define CHECK(cond, ...) do {						\
	if (!(cond)) {							\
		check_report(__FILE__, __LINE__, #cond);		\
		check_msg(" " __VA_ARGS__);				\
		exit(1);						\
	}								\
} while (0)

#define EXPECT(cond, ...) do {						\
	if (!(cond)) {							\
		check_report(__FILE__, __LINE__, #cond);		\
		check_msg(" " __VA_ARGS__);				\
		check_failures++;					\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	CHECK(a_ == b_, "%s = %lld, expected %s = %lld", #a, a_, #b, b_); \
} while (0)

#define CHECK_OK(call) ({						\
	long long r_ = (call);						\
	if (r_ < 0) {							\
		check_report(__FILE__, __LINE__, #call);		\
		check_msg(" %s", strerror((int)-r_));			\
		exit(1);						\
	}								\
	r_;								\
})

#define CHECK_ERR(call, want) do {					\
	long long r_ = (call), w_ = (want);				\
	if (r_ != w_) {							\
		check_report(__FILE__, __LINE__, #call);		\
		check_msg(" returned %lld (%s), expected %lld (%s)", r_, \
			  r_ < 0 ? strerror((int)-r_) : "success", w_,	\
			  w_ < 0 ? strerror((int)-w_) : "success");	\
		exit(1);						\
	}								\
} while (0)

#define CHECK_ERRNO(call, err) do {					\
	long long r_ = (call);						\
	if (r_ != -(long long)(err)) {					\
		check_report(__FILE__, __LINE__, #call);		\
		check_msg(" returned %lld (%s), expected -%s", r_,	\
			  r_ < 0 ? strerror((int)-r_) : "success", #err); \
		exit(1);						\
	}								\
} while (0)

#define EXPECT_RET(cond, ...) do {					\
	if (!(cond)) {							\
		check_report(__FILE__, __LINE__, #cond);		\
		check_msg(" " __VA_ARGS__);				\
		check_failures++;					\
		return 1;						\
	}								\
} while (0)

static inline void __attribute__((noreturn, format(printf, 1, 2)))
check_fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

static inline void __attribute__((noreturn, format(printf, 1, 2)))
check_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(CHECK_SKIP_STATUS);
}

static inline void __attribute__((format(printf, 1, 2)))
check_subskip(const char *fmt, ...)
{
	va_list ap;

	printf("SUBSKIP: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static inline int check_status(void)
{
	return check_failures ? 1 : 0;
}

#endif
