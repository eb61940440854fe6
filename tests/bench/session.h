/* SPDX-License-Identifier: MIT */
/*
 * session: run a chapter binary as a user would, with input on stdin,
 * and count the exits it reports (`make bench`, chapters 6 and 7).
 *
 * The figures are exits, which are the same on every machine, and wall
 * time, which is not: compare the ratios one run prints.
 */
#ifndef KVMLAB_BENCH_SESSION_H
#define KVMLAB_BENCH_SESSION_H

#include <stdint.h>

struct session {
	int status;	/* the binary's exit status */
	uint64_t exits; /* from its "guest stopped: ... after N exits" */
	double wall_ms; /* from fork to exit */
	/* The end of its messages (stderr), for a report it prints there
	 * (chapter 7's --compare table). */
	char messages[4096];
};

/*
 * Run `argv` (argv[0] is the path) with `input` written to its stdin
 * after `delay_ms`, stdout discarded.  Exits 1 with a message if the
 * binary cannot run, does not exit with `want_status`, or reports no
 * exit count.
 */
void session_run(char *const argv[], const char *input, unsigned delay_ms,
		 int want_status, struct session *s);

#endif
