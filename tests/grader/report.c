/* SPDX-License-Identifier: MIT */
/*
 * report: write the results files atomically (the grader).
 *
 * Each file is written to a temporary name in the same directory and
 * renamed over the old one, so a reader (Gradescope, a CI step, a class
 * script) sees the previous complete file or the new complete file, never
 * half of one.  Logs can hold any bytes (a random guest's output): strings
 * go out as printable ASCII, anything else as '?'.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "grader.h"

FILE *report_open(const char *dir, const char *name, char *tmp, size_t len)
{
	FILE *f;

	snprintf(tmp, len, "%s/.%s.tmp.%d", dir, name, (int)getpid());
	f = fopen(tmp, "w");
	if (!f)
		fprintf(stderr, "grader: cannot write %s\n", tmp);
	return f;
}

int report_commit(FILE *f, const char *tmp, const char *dir, const char *name)
{
	char final[1024];
	int bad = ferror(f);

	if (fflush(f) || fsync(fileno(f)))
		bad = 1;
	if (fclose(f))
		bad = 1;
	snprintf(final, sizeof(final), "%s/%s", dir, name);
	if (bad || rename(tmp, final)) {
		fprintf(stderr, "grader: cannot write %s\n", final);
		unlink(tmp);
		return -1;
	}
	return 0;
}

void put_json(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c >= 0x7f)
			fputc('?', f);
		else
			fputc(c, f);
	}
}

void put_xml(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c == '\n' || c == '\t')
			fputc(c, f);
		else if (c < 0x20 || c >= 0x7f)
			fputc('?', f);
		else
			fputc(c, f);
	}
}

/*
 * scores.txt, for shell scripts (the class CSV, make verify-graders), one
 * record a line:
 *	graded EXERCISE/TEST VERDICT SCORE MAX
 *	ungraded NAME VERDICT [WHY...]
 *	exercise ID SCORE MAX
 *	total SCORE MAX
 *	tests PASSED FAILED SKIPPED
 *	build ok|failed
 */
static void exercise_totals(FILE *f, const struct suite *s)
{
	for (int i = 0; i < s->n; i++) {
		const struct test *a = &s->t[i];
		double score = 0, max = 0;
		bool first = true;

		if (!a->graded || !a->selected)
			continue;
		for (int j = 0; j < i && first; j++)
			if (s->t[j].graded && s->t[j].selected &&
			    !strcmp(s->t[j].exercise, a->exercise))
				first = false;
		if (!first)
			continue;
		for (int j = i; j < s->n; j++) {
			if (!s->t[j].graded || !s->t[j].selected ||
			    strcmp(s->t[j].exercise, a->exercise))
				continue;
			score += s->t[j].score;
			max += s->t[j].points;
		}
		fprintf(f, "exercise %s %g %g\n", a->exercise, score, max);
	}
}

int write_scores(const char *dir, const struct suite *s, const struct totals *t)
{
	char tmp[1024];
	FILE *f = report_open(dir, "scores.txt", tmp, sizeof(tmp));

	if (!f)
		return -1;
	for (int i = 0; i < s->n; i++) {
		const struct test *a = &s->t[i];

		if (!a->selected)
			continue;
		if (a->graded)
			fprintf(f, "graded %s %s %g %g\n", a->name,
				verdict_name(a->verdict), a->score, a->points);
		else
			fprintf(f, "ungraded %s %s %s\n", a->name,
				verdict_name(a->verdict),
				a->verdict == PASS ? "" : a->why);
	}
	exercise_totals(f, s);
	fprintf(f, "total %g %g\n", t->score, t->max);
	fprintf(f, "tests %d %d %d\n", t->passed, t->failed, t->skipped);
	fprintf(f, "build %s\n", t->build_failed ? "failed" : "ok");
	return report_commit(f, tmp, dir, "scores.txt");
}
