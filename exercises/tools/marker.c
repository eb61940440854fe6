/* SPDX-License-Identifier: MIT */
/*
 * marker: the exercise-region syntax, parsed line by line (the labs).
 *
 * A region starts at a line "/+ EXERCISE chNN-name: title +/" (with * for
 * +) directly followed by "#ifndef KVMLAB_STUBS"; the reference runs to
 * the "#else" at the same nesting depth, the stub to the matching
 * "#endif", which must name the exercise again ("END EXERCISE chNN-name").
 * An EXERCISE line without the #ifndef after it is plain text: that is how
 * a region looks in the student tree, once its stub is all that is left.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "marker.h"

static const char *skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static const char *next_line(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? nl + 1 : p + strlen(p);
}

/* "chNN-" then lower-case letters, digits and dashes. */
static size_t id_length(const char *p)
{
	size_t n = 0;

	if (strncmp(p, "ch", 2) || !isdigit((unsigned char)p[2]) ||
	    !isdigit((unsigned char)p[3]) || p[4] != '-')
		return 0;
	n = 5;
	while (islower((unsigned char)p[n]) || isdigit((unsigned char)p[n]) ||
	       p[n] == '-')
		n++;
	return n > 5 ? n : 0;
}

/* Parse an EXERCISE line into r->id and r->title; false if it is none. */
static bool exercise_line(const char *line, struct marker_region *r)
{
	const char *p = skip_blank(line), *end = strchr(p, '\n');
	size_t n, t;

	if (strncmp(p, "/* EXERCISE ", 12))
		return false;
	p += 12;
	n = id_length(p);
	if (!n || p[n] != ':' || n >= sizeof(r->id))
		return false;
	memcpy(r->id, p, n);
	r->id[n] = '\0';
	p = skip_blank(p + n + 1);
	if (!end)
		end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if (end - p < 2 || strncmp(end - 2, "*/", 2))
		return false;
	end -= 2;
	while (end > p && end[-1] == ' ')
		end--;
	t = (size_t)(end - p) < sizeof(r->title) ? (size_t)(end - p)
						 : sizeof(r->title) - 1;
	memcpy(r->title, p, t);
	r->title[t] = '\0';
	return true;
}

/* The directive of a preprocessor line ("if", "else", ...), or NULL. */
static const char *directive(const char *line, size_t *len)
{
	const char *p = skip_blank(line);

	if (*p != '#')
		return NULL;
	p = skip_blank(p + 1);
	*len = 0;
	while (islower((unsigned char)p[*len]))
		(*len)++;
	return p;
}

static bool is(const char *word, size_t len, const char *what)
{
	return len == strlen(what) && !strncmp(word, what, len);
}

static bool names_end(const char *line, const char *id)
{
	const char *end = strchr(line, '\n');
	const char *p = strstr(line, "END EXERCISE ");

	if (!p || (end && p > end))
		return false;
	p += 13;
	return !strncmp(p, id, strlen(id)) && !id_length(p + strlen(id)) &&
	       !isalnum((unsigned char)p[strlen(id)]) && p[strlen(id)] != '-';
}

static int fail(const char *path, int line, const char *what, const char *id)
{
	fprintf(stderr, "%s:%d: exercise %s: %s\n", path, line, id, what);
	return -1;
}

/* Parse the region whose EXERCISE line is at `p` (line number `lineno`). */
static int region(const char *path, const char *text, const char *p,
		  int *lineno, struct marker_region *r)
{
	const char *start_line_id = r->id;
	int depth = 0, start = *lineno;
	bool in_stub = false;
	size_t len;

	r->line = start;
	r->begin = (size_t)(p - text);
	p = next_line(p); /* the #ifndef line */
	(*lineno)++;
	r->body = (size_t)(p - text);
	for (p = next_line(p), (*lineno)++; *p; p = next_line(p), (*lineno)++) {
		struct marker_region nested;
		const char *d = directive(p, &len);

		if (exercise_line(p, &nested))
			return fail(path, *lineno, "a region inside a region",
				    start_line_id);
		if (!d)
			continue;
		if (is(d, len, "if") || is(d, len, "ifdef") ||
		    is(d, len, "ifndef")) {
			depth++;
		} else if (is(d, len, "elif") && depth == 0) {
			return fail(path, *lineno, "#elif is not allowed here",
				    r->id);
		} else if (is(d, len, "else") && depth == 0) {
			if (in_stub)
				return fail(path, *lineno, "a second #else",
					    r->id);
			in_stub = true;
			r->stub_begin = (size_t)(next_line(p) - text);
		} else if (is(d, len, "endif") && depth > 0) {
			depth--;
		} else if (is(d, len, "endif")) {
			if (!in_stub)
				return fail(path, *lineno,
					    "no #else: where is the stub?",
					    r->id);
			if (!names_end(p, r->id))
				return fail(path, *lineno,
					    "the #endif must say END EXERCISE "
					    "and the same id",
					    r->id);
			r->stub_end = (size_t)(p - text);
			r->end = (size_t)(next_line(p) - text);
			return 0;
		}
	}
	return fail(path, start, "the region never ends", r->id);
}

int marker_parse(const char *path, const char *text, struct marked_file *mf)
{
	const char *p;
	int lineno = 1;

	mf->n = 0;
	for (p = text; *p; p = next_line(p), lineno++) {
		struct marker_region *r = &mf->region[mf->n];
		const char *d;
		size_t len;

		if (!exercise_line(p, r))
			continue;
		d = directive(next_line(p), &len);
		if (!d || !is(d, len, "ifndef") ||
		    strncmp(skip_blank(d + len), "KVMLAB_STUBS", 12))
			continue; /* a student tree's leftover marker */
		if (mf->n == MARKER_MAX_REGIONS)
			return fail(path, lineno, "too many regions", r->id);
		if (region(path, text, p, &lineno, r))
			return -1;
		mf->n++;
		/* p is at the #endif line; the loop steps past it. */
		p = text + r->stub_end;
	}
	return mf->n;
}

static void put(char **out, size_t *len, const char *src, size_t n)
{
	memcpy(*out + *len, src, n);
	*len += n;
}

char *marker_rewrite(const char *text, const struct marked_file *mf,
		     bool (*stub)(const char *id), size_t *len)
{
	char *out = malloc(strlen(text) + 1);
	size_t pos = 0;

	if (!out)
		return NULL;
	*len = 0;
	for (int i = 0; i < mf->n; i++) {
		const struct marker_region *r = &mf->region[i];

		if (!stub(r->id))
			continue;
		put(&out, len, text + pos, r->body - pos);
		put(&out, len, text + r->stub_begin,
		    r->stub_end - r->stub_begin);
		pos = r->end;
	}
	put(&out, len, text + pos, strlen(text) - pos);
	return out;
}
