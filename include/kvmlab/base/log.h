/* SPDX-License-Identifier: MIT */
/*
 * log: kvmlab's small error vocabulary (introduced in chapter 1).
 *
 * Every module reports through these five functions so a student sees one
 * format everywhere: "kvmlab: error: KVM_CREATE_VM failed: ...".  Functions
 * that can fail return a negative errno or a negative ABI status; they report
 * what happened themselves, so callers only pass the failure up.
 */
#ifndef KVMLAB_LOG_H
#define KVMLAB_LOG_H

#include <stdnoreturn.h>

enum log_level { LOG_QUIET, LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

/* Messages above this level are dropped.  Default LOG_WARNING; -v raises it. */
extern enum log_level log_level;

/* Print "kvmlab: error: <msg>" and exit with `status`. */
noreturn void die(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An indented continuation line ("  why: ...") under the last message. */
void hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
