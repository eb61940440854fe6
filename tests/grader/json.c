/* SPDX-License-Identifier: MIT */
/*
 * json: results.json in Gradescope's autograder format (the grader).
 *
 *	{ "score": S, "execution_time": T, "output": "...",
 *	  "tests": [ { "name", "number", "score", "max_score", "status",
 *		       "output", "tags" }, ... ] }
 *
 * Only graded tests are listed: they are the ones that carry points.  The
 * ungraded tests are summed up in the top-level output.
 */
#include <string.h>

#include "grader.h"

static void one_test(FILE *f, const struct test *t, bool first)
{
	fprintf(f, "%s\n    {\"name\": \"", first ? "" : ",");
	put_json(f, t->name);
	fprintf(f, "\", \"number\": \"%s\", \"score\": %g, \"max_score\": %g, ",
		t->chapter, t->score, t->points);
	fprintf(f, "\"status\": \"%s\", \"tags\": [\"ch%s\", \"",
		t->verdict == PASS ? "passed" : "failed", t->chapter);
	put_json(f, t->exercise);
	fprintf(f, "\"], \"output\": \"%s: ", verdict_name(t->verdict));
	put_json(f, t->output ? t->output : "");
	fprintf(f, "\"}");
}

int write_json(const char *dir, const struct suite *s, const struct totals *t)
{
	char tmp[1024];
	FILE *f = report_open(dir, "results.json", tmp, sizeof(tmp));
	bool first = true;

	if (!f)
		return -1;
	fprintf(f, "{\n  \"score\": %g,\n  \"execution_time\": %.2f,\n",
		t->score, t->secs);
	fprintf(f, "  \"output\": \"");
	if (t->note && *t->note) {
		put_json(f, t->note);
		put_json(f, "\n\n");
	}
	fprintf(f,
		"%s%g of %g points; %d passed, %d failed, "
		"%d skipped (graded and ungraded tests)\",\n",
		t->build_failed ? "THE BUILD FAILED: every test counts as "
				  "failed. "
				: "",
		t->score, t->max, t->passed, t->failed, t->skipped);
	fprintf(f, "  \"tests\": [");
	for (int i = 0; i < s->n; i++) {
		if (!s->t[i].graded || !s->t[i].selected)
			continue;
		one_test(f, &s->t[i], first);
		first = false;
	}
	fprintf(f, "\n  ]\n}\n");
	return report_commit(f, tmp, dir, "results.json");
}
