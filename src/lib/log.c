// SPDX-License-Identifier: GPL-2.0
/*
 * log.c - format a message and hand it to the sink (log.h).
 */
#include <stdio.h>

#include "lib/log.h"

void log_vmsg(const struct log_sink *sink, enum log_level level,
	      const char *subsys, const char *fmt, va_list ap)
{
	char msg[LOG_MSG_MAX];

	if (!sink || !sink->fn)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	sink->fn(sink->opaque, level, subsys, msg);
}

void log_msg(const struct log_sink *sink, enum log_level level,
	     const char *subsys, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(sink, level, subsys, fmt, ap);
	va_end(ap);
}
