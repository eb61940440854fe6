/* SPDX-License-Identifier: MIT */
/*
 * board: what `make check` prints (the grader).
 *
 * Ungraded tests print one line each, as they finish.  Graded tests print
 * the scoreboard: chapter, exercise, test, result, points and time, and
 * under a failure its diagnosis, the hint and the log to open; then a
 * subtotal per chapter and the total.
 */
#include <stdlib.h>
#include <string.h>

#include "grader.h"

const char *verdict_name(enum verdict v)
{
	static const char *const names[] = {"PASS", "FAIL", "TIMEOUT", "SKIP"};

	return names[v];
}

static void details(const struct test *t)
{
	if (t->why[0])
		printf("    -> %s\n", t->why);
	if (t->hint[0])
		printf("       %s\n", t->hint);
	if (t->log[0])
		printf("       log: %s\n", t->log);
}

void board_ungraded(const struct test *t)
{
	if (t->verdict == SKIP) {
		printf("SKIP    %-44s %6.2fs  %s\n", t->name, t->secs, t->why);
		return;
	}
	printf("%-7s %-44s %6.2fs\n", verdict_name(t->verdict), t->name,
	       t->secs);
	if (t->verdict != PASS && !t->ran) {
		details(t);
	} else if (t->verdict != PASS) {
		/* The last lines say more than any summary of them. */
		char *tail = file_tail(t->log, 12, 4000);

		for (char *l = tail; *l;) {
			size_t n = strcspn(l, "\n");

			printf("    | %.*s\n", (int)n, l);
			l += n + (l[n] == '\n');
		}
		free(tail);
		details(t);
	}
	fflush(stdout);
}

void board_header(void)
{
	printf("\nScoreboard\n");
	printf("%-3s %-22s %-20s %-7s %7s %8s\n", "CH", "EXERCISE", "TEST",
	       "RESULT", "POINTS", "TIME");
}

void board_graded(const struct test *t)
{
	char pts[32];

	snprintf(pts, sizeof(pts), "%g/%g", t->score, t->points);
	printf("%-3s %-22s %-20s %-7s %7s %7.2fs\n", t->chapter, t->exercise,
	       t->test, verdict_name(t->verdict), pts, t->secs);
	if (t->verdict != PASS)
		details(t);
	fflush(stdout);
}

void board_chapter_total(const char *chapter, double score, double max)
{
	char pts[32];

	snprintf(pts, sizeof(pts), "%g/%g", score, max);
	printf("%-3s %-51s %7s\n", chapter, "chapter subtotal", pts);
}

void board_total(double score, double max, int failed, int skipped)
{
	char pts[32];

	snprintf(pts, sizeof(pts), "%g/%g", score, max);
	printf("%-3s %-51s %7s\n", "", "total", pts);
	if (failed || skipped)
		printf("%-3s graded tests: %d failed, %d skipped\n", "", failed,
		       skipped);
	printf("\n");
}
