/* SPDX-License-Identifier: MIT */
/*
 * junit: junit.xml, which CI systems (GitHub Actions reporters, GitLab,
 * Jenkins) display test by test (the grader).
 *
 * One <testsuite> for the ungraded tests and one per chapter for the
 * graded ones; a graded test's class name is its exercise.
 */
#include <string.h>

#include "grader.h"

static void one_case(FILE *f, const struct test *t)
{
	fprintf(f, "    <testcase classname=\"");
	put_xml(f, t->graded ? t->exercise : "tests");
	fprintf(f, "\" name=\"");
	put_xml(f, t->graded ? t->test : t->name);
	fprintf(f, "\" time=\"%.3f\"", t->secs);
	if (t->verdict == PASS) {
		fprintf(f, "/>\n");
		return;
	}
	fprintf(f, ">\n      <%s message=\"",
		t->verdict == SKIP ? "skipped" : "failure");
	put_xml(f, t->why);
	if (t->verdict == SKIP) {
		fprintf(f, "\"/>\n    </testcase>\n");
		return;
	}
	fprintf(f, "\" type=\"%s\">", verdict_name(t->verdict));
	put_xml(f, t->output ? t->output : "");
	fprintf(f, "</failure>\n    </testcase>\n");
}

/* One <testsuite> of the selected tests whose chapter is `ch`. */
static void suite(FILE *f, const struct suite *s, const char *ch)
{
	int n = 0, failures = 0, skipped = 0;
	double secs = 0;

	for (int i = 0; i < s->n; i++) {
		const struct test *t = &s->t[i];

		if (!t->selected || strcmp(t->chapter, ch))
			continue;
		n++;
		secs += t->secs;
		failures += t->verdict == FAIL || t->verdict == TIMEOUT;
		skipped += t->verdict == SKIP;
	}
	if (!n)
		return;
	fprintf(f,
		"  <testsuite name=\"%s%s\" tests=\"%d\" failures=\"%d\" "
		"errors=\"0\" skipped=\"%d\" time=\"%.3f\">\n",
		*ch ? "chapter " : "ungraded", ch, n, failures, skipped, secs);
	for (int i = 0; i < s->n; i++)
		if (s->t[i].selected && !strcmp(s->t[i].chapter, ch))
			one_case(f, &s->t[i]);
	fprintf(f, "  </testsuite>\n");
}

int write_junit(const char *dir, const struct suite *s, const struct totals *t)
{
	char tmp[1024], done[64][8];
	FILE *f = report_open(dir, "junit.xml", tmp, sizeof(tmp));
	int ndone = 0;

	if (!f)
		return -1;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f,
		"<testsuites name=\"kvmlab\" tests=\"%d\" failures=\"%d\" "
		"time=\"%.3f\">\n",
		t->passed + t->failed + t->skipped, t->failed, t->secs);
	suite(f, s, "");
	/* Chapters in the order they first appear. */
	for (int i = 0; i < s->n; i++) {
		bool seen = false;

		if (!s->t[i].graded)
			continue;
		for (int j = 0; j < ndone; j++)
			seen = seen || !strcmp(done[j], s->t[i].chapter);
		if (seen || ndone == 64)
			continue;
		snprintf(done[ndone++], sizeof(done[0]), "%s", s->t[i].chapter);
		suite(f, s, s->t[i].chapter);
	}
	fprintf(f, "</testsuites>\n");
	return report_commit(f, tmp, dir, "junit.xml");
}
