/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log.h - the one way library code says something to the user.
 *
 * Nothing outside src/cli (and the cvisor-dm main) prints: code that
 * has a message calls log_msg() on the sink it was given, and the
 * program's front end installs the sink (src/cli writes "cvisor: MSG" to
 * stderr).  A NULL sink, or one without a function, drops the message,
 * which is what unit tests want.
 *
 * @subsys names the source ("vm", "snapshot", a device's name) so that a
 * sink can filter or tag; the message itself is one line without the
 * program's prefix and without a newline.
 */
#ifndef CVISOR_LIB_LOG_H
#define CVISOR_LIB_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_INFO,		/* asked for (--verbose, --boot-time) */
	LOG_LEVEL_WARN,		/* something the user should know */
};

typedef void (*log_fn)(void *opaque, enum log_level level,
		       const char *subsys, const char *msg);

struct log_sink {
	log_fn fn;
	void *opaque;
};

/* Longest message passed to a sink, NUL included; longer ones are cut. */
#define LOG_MSG_MAX	512

void log_msg(const struct log_sink *sink, enum log_level level,
	      const char *subsys, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void log_vmsg(const struct log_sink *sink, enum log_level level,
	      const char *subsys, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

#endif
