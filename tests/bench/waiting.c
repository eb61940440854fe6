/* SPDX-License-Identifier: MIT */
/*
 * waiting: polling against interrupts, in exits (see waiting.h).
 *
 * Waiting: the same session ("echo hi", "exit") runs twice per chapter,
 * its input sent at once and `wait_ms` late.  The difference in exits is
 * what the wait itself cost: chapter 4's driver polls LSR all along,
 * chapter 6's sleeps in HLT, which KVM keeps in the kernel.
 *
 * Printing: "bytes 6400" against a session that only exits; the
 * difference over 6400 bytes (plus the newlines every 63) is the cost per
 * byte, for each driver mode.
 */
#include <inttypes.h>
#include <stdio.h>

#include "session.h"
#include "waiting.h"

#define BYTES 6400

static uint64_t exits_of(const char *path, const char *input, unsigned delay_ms)
{
	char *argv[] = {(char *)path, "--timeout", "120", NULL};
	struct session s;

	session_run(argv, input, delay_ms, 0, &s);
	return s.exits;
}

static void waiting_row(const char *name, const char *path, unsigned wait_ms,
			double *per_s)
{
	const char *input = "echo hi\nexit\n";
	uint64_t now = exits_of(path, input, 0);
	uint64_t late = exits_of(path, input, wait_ms);
	uint64_t spent = late > now ? late - now : 0;

	*per_s = (double)spent * 1000.0 / wait_ms;
	printf("  %-28s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %10.0f\n", name,
	       now, late, spent, *per_s);
}

static void byte_row(const char *name, const char *path, const char *mode)
{
	char input[64];
	uint64_t base, full;

	snprintf(input, sizeof(input), "%s\nexit\n", mode);
	base = exits_of(path, input, 0);
	snprintf(input, sizeof(input), "%s\nbytes %d\nexit\n", mode, BYTES);
	full = exits_of(path, input, 0);
	printf("  %-40s %9" PRIu64 " %8.3f\n", name, full - base,
	       (double)(full - base) / BYTES);
}

void bench_waiting(const char *ch04, const char *ch06, unsigned wait_ms)
{
	double polled, irq;

	printf("\nkvmlab bench: waiting for input, polled (chapter 4) against "
	       "interrupts (chapter 6)\nthe same session, its input at once "
	       "and %.1f s late: the exits the wait cost\n\n",
	       wait_ms / 1000.0);
	printf("  %-28s %9s %9s %9s %10s\n", "", "at once", "late", "waiting",
	       "per second");
	waiting_row("ch04: polls LSR", ch04, wait_ms, &polled);
	waiting_row("ch06: sleeps in HLT", ch06, wait_ms, &irq);
	if (irq >= 1)
		printf("  ratio polled / interrupts    %9.0f\n", polled / irq);
	else
		printf("  interrupts: the wait made no exit to the VMM at all "
		       "(polled: %.0f a second)\n",
		       polled);

	printf("\nkvmlab bench: exits per byte printed (%d bytes)\n\n", BYTES);
	printf("  %-40s %9s %8s\n", "", "exits", "per byte");
	byte_row("ch04: poll LSR before each byte", ch04, "burst off");
	byte_row("ch04: poll LSR, then 16 bytes", ch04, "burst on");
	byte_row("ch06: THR-empty interrupt, FIFO off", ch06, "fifo off");
	byte_row("ch06: THR-empty interrupt, 16 bytes", ch06, "fifo on");
	printf("  (each byte is at least its OUT to THR: chapter 7 prints a "
	       "line per exit)\n");
}
