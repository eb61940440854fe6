/* SPDX-License-Identifier: MIT */
/*
 * cmocka: a cmocka program passes on cmocka's word, not only its exit
 * status (the grader).
 *
 * A graded C test links the student's code into the test program, so that
 * code can end the process itself: exit(0) in the middle of a case, or
 * _exit(0) from a destructor after cmocka counted a failure.  Exit status
 * 0 alone would be a PASS.  So for a cmocka program (one a rubric names on
 * a `cmocka PROGRAM` line, or whose log shows cmocka's banner) status 0
 * counts only with cmocka's own summary, "[  PASSED  ] N test(s).", and
 * no "[  FAILED  ]" anywhere.  This stops accidents and easy tricks, not a
 * determined student: code in the same process can print a summary too
 * (exercises/README.md, "Grading a class", says what else defends).
 * cmocka flushes each line it prints, so an early exit loses none of them;
 * exec.c makes it print plain text (CMOCKA_MESSAGE_OUTPUT=STDOUT).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "grader.h"

/* What the log says: cmocka ran, and what its summary counted. */
struct seen {
	bool cmocka;  /* its banner or a case started */
	bool failed;  /* "[  FAILED  ]" anywhere in a line */
	bool skipped; /* a case called skip() */
	long passed;  /* from the summary; -1 without one */
};

static void read_log(const char *path, struct seen *s)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	const char *p;

	if (!f)
		return;
	/* Line by line: a flood of output cannot push the summary away. */
	while (getline(&line, &cap, f) > 0) {
		if (strstr(line, "[==========] ") ||
		    strstr(line, "[ RUN      ] "))
			s->cmocka = true;
		if (strstr(line, "[  FAILED  ]"))
			s->failed = true;
		if (strstr(line, "[  SKIPPED ]"))
			s->skipped = true;
		if ((p = strstr(line, "[  PASSED  ] ")))
			s->passed = strtol(p + 13, NULL, 10);
	}
	free(line);
	fclose(f);
}

void cmocka_judge(struct test *t, bool marked)
{
	struct seen s = {.cmocka = marked, .passed = -1};
	const char *why;

	if (!t->ran || t->verdict != PASS)
		return;
	read_log(t->log, &s);
	if (!s.cmocka)
		return;
	if (s.failed)
		why = "cmocka reported a failed case, yet the program exited "
		      "with status 0 (did the code under test change it?)";
	else if (s.passed < 0)
		why = "the test program ended without cmocka's summary (did "
		      "the code under test exit early?)";
	else if (s.passed == 0 && !s.skipped)
		why = "cmocka's summary says no case passed";
	else
		return;
	t->verdict = FAIL;
	snprintf(t->judged, sizeof(t->judged), "%s", why);
}
