/* SPDX-License-Identifier: MIT */
/*
 * log: the error vocabulary (chapter 1).  Messages go to stderr, after
 * stdout is flushed, so a guest's console text and the VMM's diagnosis
 * appear in the order they happened.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "kvmlab/base/log.h"

enum log_level log_level = LOG_WARNING;

/* Whether the last message was shown: its hints follow it, or not. */
static int last_shown;

static void vreport(enum log_level level, const char *tag, const char *fmt,
		    va_list ap)
{
	last_shown = level <= log_level;
	if (!last_shown)
		return;
	fflush(stdout);
	fprintf(stderr, "kvmlab: %s", tag);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define REPORT(level, tag)                                                     \
	do {                                                                   \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		vreport(level, tag, fmt, ap);                                  \
		va_end(ap);                                                    \
	} while (0)

noreturn void die(int status, const char *fmt, ...)
{
	REPORT(LOG_ERROR, "error: ");
	exit(status);
}

void error(const char *fmt, ...)
{
	REPORT(LOG_ERROR, "error: ");
}

void warning(const char *fmt, ...)
{
	REPORT(LOG_WARNING, "warning: ");
}

void info(const char *fmt, ...)
{
	REPORT(LOG_INFO, "");
}

void debug(const char *fmt, ...)
{
	REPORT(LOG_DEBUG, "debug: ");
}

void hint(const char *fmt, ...)
{
	va_list ap;

	if (!last_shown)
		return;
	fflush(stdout);
	va_start(ap, fmt);
	fputs("  ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
