/* SPDX-License-Identifier: MIT */
/*
 * spec: read test lists and rubrics (the grader).
 *
 * Both formats are whitespace-separated words, one test a line, with '#'
 * comments; the formats are in grader.h.  A malformed line is reported
 * with its file and line, counted, and later fails the run: a typo in a
 * rubric must never quietly drop the points it was meant to give.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "grader.h"

/* Replace $NAME with the environment's value ($BUILD and $GB default to
 * the Makefile's defaults). */
static char *expand(const char *word)
{
	char out[4096];
	size_t n = 0;

	for (const char *p = word; *p && n < sizeof(out) - 1;) {
		char var[64];
		size_t k = 0;
		const char *val;

		if (*p != '$') {
			out[n++] = *p++;
			continue;
		}
		p++;
		while ((*p == '_' || isupper((unsigned char)*p)) &&
		       k < sizeof(var) - 1)
			var[k++] = *p++;
		var[k] = '\0';
		val = getenv(var);
		if (!val)
			val = !strcmp(var, "GB")      ? "build/guest"
			      : !strcmp(var, "BUILD") ? "build"
						      : "";
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s", val);
		if (n >= sizeof(out))
			n = sizeof(out) - 1;
	}
	out[n] = '\0';
	return strdup(out);
}

static int bad(struct suite *s, const char *file, int line, const char *what)
{
	fprintf(stderr, "grader: %s:%d: %s\n", file, line, what);
	s->errors++;
	return -1;
}

static struct test *new_test(struct suite *s)
{
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 64;
		struct test *t = realloc(s->t, (size_t)cap * sizeof(*t));

		if (!t)
			return NULL;
		s->t = t;
		s->cap = cap;
	}
	memset(&s->t[s->n], 0, sizeof(s->t[0]));
	s->t[s->n].status = -1;
	return &s->t[s->n];
}

static bool number(const char *tok, double *v)
{
	char *end;

	if (!tok)
		return false;
	*v = strtod(tok, &end);
	return *end == '\0' && end != tok;
}

/* "reread EXERCISE TEXT...": the rest of the line is the text. */
static int add_reread(struct suite *s, char *rest, const char *file, int line)
{
	char *id = strtok_r(rest, " \t\n", &rest);
	struct reread *r;

	while (rest && isspace((unsigned char)*rest))
		rest++;
	if (!id || !rest || !*rest)
		return bad(s, file, line, "expected: reread EXERCISE TEXT");
	if (s->nrr == s->rrcap) {
		int cap = s->rrcap ? 2 * s->rrcap : 16;
		struct reread *n = realloc(s->rr, (size_t)cap * sizeof(*n));

		if (!n)
			return -1;
		s->rr = n;
		s->rrcap = cap;
	}
	r = &s->rr[s->nrr++];
	snprintf(r->exercise, sizeof(r->exercise), "%s", id);
	snprintf(r->text, sizeof(r->text), "%.*s", (int)strcspn(rest, "\n"),
		 rest);
	return 0;
}

/* "cmocka PROGRAM...": tests running these are cmocka programs. */
static int add_cmocka(struct suite *s, char **save, const char *file, int line)
{
	char *tok;
	int n = 0;

	while ((tok = strtok_r(NULL, " \t\n", save))) {
		if (s->ncmocka == s->cmcap) {
			int cap = s->cmcap ? 2 * s->cmcap : 8;
			char **p = realloc(s->cmocka, (size_t)cap * sizeof(*p));

			if (!p)
				return -1;
			s->cmocka = p;
			s->cmcap = cap;
		}
		s->cmocka[s->ncmocka++] = expand(tok);
		n++;
	}
	return n ? 0 : bad(s, file, line, "expected: cmocka PROGRAM...");
}

/* CH EXERCISE TEST POINTS: the graded columns before TIMEOUT. */
static int graded_columns(struct suite *s, struct test *t, char **save,
			  const char *first, const char *file, int line)
{
	char *ex = strtok_r(NULL, " \t\n", save);
	char *name = strtok_r(NULL, " \t\n", save);
	char *pts = strtok_r(NULL, " \t\n", save);

	if (strlen(first) != 2 || !isdigit((unsigned char)first[0]) ||
	    !isdigit((unsigned char)first[1]) || !ex || !name ||
	    !number(pts, &t->points) || t->points < 0)
		return bad(s, file, line,
			   "expected: CH EXERCISE TEST POINTS TIMEOUT COMMAND");
	if (strncmp(ex, "ch", 2) || strncmp(ex + 2, first, 2) || ex[4] != '-')
		return bad(s, file, line,
			   "the exercise id must start with chCH-");
	t->graded = true;
	snprintf(t->chapter, sizeof(t->chapter), "%s", first);
	snprintf(t->exercise, sizeof(t->exercise), "%s", ex);
	snprintf(t->test, sizeof(t->test), "%s", name);
	snprintf(t->name, sizeof(t->name), "%s/%s", ex, name);
	return 0;
}

/*
 * "host NAME...": the tests named, above in this file, run on the host.
 * "vmm NAME...": they run on the host too, and only the VMM runs they
 * make through tests/guest/lib.sh go where KVM is: a test that mostly
 * reads logs with sed and awk does it at the host's speed.
 */
static int mark_host(struct suite *s, char **save, int first, const char *file,
		     int line, bool vmm)
{
	char *tok;
	int n = 0;

	while ((tok = strtok_r(NULL, " \t\n", save))) {
		bool found = false;

		for (int i = first; i < s->n; i++) {
			if (strcmp(s->t[i].name, tok))
				continue;
			if (vmm)
				s->t[i].vmm = true;
			else
				s->t[i].host = true;
			found = true;
		}
		if (!found)
			return bad(s, file, line,
				   vmm ? "vmm: no test of that name above"
				       : "host: no test of that name above");
		n++;
	}
	if (!n)
		return bad(s, file, line,
			   vmm ? "expected: vmm NAME..."
			       : "expected: host NAME...");
	return 0;
}

static int parse_line(struct suite *s, char *line, bool rubric,
		      const char *file, int lineno, int first)
{
	char *save, *tok, *rest;
	struct test *t;

	tok = strtok_r(line, " \t\n", &save);
	if (!tok || *tok == '#')
		return 0;
	if (rubric && !strcmp(tok, "reread")) {
		rest = save;
		return add_reread(s, rest, file, lineno);
	}
	if (rubric && !strcmp(tok, "cmocka"))
		return add_cmocka(s, &save, file, lineno);
	if (!strcmp(tok, "host") || !strcmp(tok, "vmm"))
		return mark_host(s, &save, first, file, lineno,
				 !strcmp(tok, "vmm"));
	t = new_test(s);
	if (!t)
		return -1;
	snprintf(t->where, sizeof(t->where), "%s:%d", file, lineno);
	if (rubric) {
		if (graded_columns(s, t, &save, tok, file, lineno))
			return -1;
	} else {
		snprintf(t->name, sizeof(t->name), "%s", tok);
	}
	tok = strtok_r(NULL, " \t\n", &save);
	if (!number(tok, &t->timeout) || t->timeout <= 0)
		return bad(s, file, lineno, "expected a timeout in seconds");
	while ((tok = strtok_r(NULL, " \t\n", &save)) &&
	       t->argc < GRADER_MAX_ARGS - 1)
		t->argv[t->argc++] = expand(tok);
	if (t->argc == 0)
		return bad(s, file, lineno, "no command");
	s->n++;
	return 0;
}

int suite_load(struct suite *s, const char *path, bool rubric)
{
	FILE *f = fopen(path, "r");
	char line[2048];
	int lineno = 0, first = s->n;

	if (!f) {
		fprintf(stderr, "grader: cannot read %s\n", path);
		s->errors++;
		return -1;
	}
	while (fgets(line, sizeof(line), f))
		parse_line(s, line, rubric, path, ++lineno, first);
	fclose(f);
	return 0;
}

const char *suite_reread(const struct suite *s, const char *exercise)
{
	for (int i = 0; i < s->nrr; i++)
		if (!strcmp(s->rr[i].exercise, exercise))
			return s->rr[i].text;
	return NULL;
}

bool suite_cmocka(const struct suite *s, const char *program)
{
	for (int i = 0; i < s->ncmocka; i++)
		if (s->cmocka[i] && !strcmp(s->cmocka[i], program))
			return true;
	return false;
}

void suite_free(struct suite *s)
{
	for (int i = 0; i < s->ncmocka; i++)
		free(s->cmocka[i]);
	free(s->cmocka);
	for (int i = 0; i < s->n; i++) {
		for (int a = 0; a < s->t[i].argc; a++)
			free(s->t[i].argv[a]);
		free(s->t[i].output);
	}
	free(s->t);
	free(s->rr);
}
