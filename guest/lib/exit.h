/* SPDX-License-Identifier: MIT */
/*
 * exit.h: how a guest ends and reports its verdict (chapter 2 on).
 *
 * Every kvmlab guest finishes the same way: it prints what it has to say,
 * then writes a status byte to the debug-exit port (ABI_PORT_DEBUG_EXIT).
 * The VMM stops the VM and exits with that status, which is what graders
 * and tests check: 0 for success, 1 for the guest's own ABORT, at most
 * ABI_STATUS_GUEST_MAX.
 */
#ifndef GUEST_EXIT_H
#define GUEST_EXIT_H

#include <stdnoreturn.h>

/* Write status to the debug-exit port, then halt for good. */
noreturn void guest_exit(int status);

/* Print "ABORT: <file>:<line>: <what>" and guest_exit(1). */
noreturn void guest_abort(const char *file, int line, const char *what);

/*
 * GUEST_CHECK(cond): if cond is false, abort naming the condition and where
 * it was checked.  Unlike assert(), it is never compiled out.
 */
#define GUEST_CHECK(cond)                                                      \
	do {                                                                   \
		if (!(cond))                                                   \
			guest_abort(__FILE__, __LINE__, #cond);                \
	} while (0)

#endif
