/* SPDX-License-Identifier: MIT */
/*
 * tap: results.tap, the Test Anything Protocol (version 13), for prove(1)
 * style harnesses and anything else that reads TAP (the grader).
 *
 * A skipped test is "ok ... # SKIP reason" as TAP wants; a failure is
 * "not ok" followed by its diagnosis and last lines as '#' comments.
 */
#include <string.h>

#include "grader.h"

static void comment(FILE *f, const char *text)
{
	while (*text) {
		size_t n = strcspn(text, "\n");

		fprintf(f, "#   %.*s\n", (int)n, text);
		text += n + (text[n] == '\n');
	}
}

int write_tap(const char *dir, const struct suite *s, const struct totals *t)
{
	char tmp[1024];
	FILE *f = report_open(dir, "results.tap", tmp, sizeof(tmp));
	int n = 0;

	if (!f)
		return -1;
	fprintf(f, "TAP version 13\n1..%d\n",
		t->passed + t->failed + t->skipped);
	for (int i = 0; i < s->n; i++) {
		const struct test *a = &s->t[i];

		if (!a->selected)
			continue;
		fprintf(f, "%s %d - %s",
			a->verdict == PASS || a->verdict == SKIP ? "ok"
								 : "not ok",
			++n, a->name);
		if (a->graded)
			fprintf(f, " (%g/%g points)", a->score, a->points);
		if (a->verdict == SKIP)
			fprintf(f, " # SKIP %s", a->why);
		fprintf(f, "\n");
		if (a->verdict == FAIL || a->verdict == TIMEOUT)
			comment(f, a->output ? a->output : a->why);
	}
	return report_commit(f, tmp, dir, "results.tap");
}
