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
 *
 * A shell script marks a region with its own comments and an if:
 *
 *	# EXERCISE chNN-name: title
 *	if [ -z "${KVMLAB_STUBS-}" ]; then
 *		... the reference ...
 *	else # stub chNN-name
 *		... the stub ...
 *	fi # END EXERCISE chNN-name
 *
 * so KVMLAB_STUBS=1 in the environment runs every stub in place.  The
 * reference may hold ifs of its own (and one-line "if ...; fi"s, which no
 * line-by-line parser could count), so the region's else and fi are found
 * by their comments, not by nesting: a plain else or fi never ends it.
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

/*
 * Parse an EXERCISE line ("/+ EXERCISE id: title +/" in C, "# EXERCISE id:
 * title" in shell) into r->id and r->title; false if it is none.
 */
static bool exercise_line(const char *line, enum marker_lang lang,
			  struct marker_region *r)
{
	const char *open =
	    lang == MARKER_SHELL ? "# EXERCISE " : "/* EXERCISE ";
	const char *close = lang == MARKER_SHELL ? "" : "*/";
	const char *p = skip_blank(line), *end = strchr(p, '\n');
	size_t n, t, cl = strlen(close);

	if (strncmp(p, open, strlen(open)))
		return false;
	p += strlen(open);
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
	if ((size_t)(end - p) < cl || strncmp(end - cl, close, cl))
		return false;
	end -= cl;
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

		if (exercise_line(p, MARKER_C, &nested))
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

/* The line that opens a shell region, after the EXERCISE line. */
static const char shell_if[] = "if [ -z \"${KVMLAB_STUBS-}\" ]; then";

/* The rest of `line` after a leading shell word `word`, or NULL. */
static const char *after_word(const char *line, const char *word)
{
	const char *p = skip_blank(line);
	size_t n = strlen(word);

	if (strncmp(p, word, n) ||
	    (p[n] != ' ' && p[n] != '\t' && p[n] != '\n' && p[n]))
		return NULL;
	return skip_blank(p + n);
}

/* Does `p` hold `what`, then only blanks to the end of its line? */
static bool line_is(const char *p, const char *what)
{
	size_t n = strlen(what);

	if (strncmp(p, what, n))
		return false;
	p = skip_blank(p + n);
	return *p == '\n' || *p == '\r' || !*p;
}

/* Does the line at `p` mention `what` (before its end)? */
static bool line_has(const char *p, const char *what)
{
	const char *end = strchr(p, '\n'), *hit = strstr(p, what);

	return hit && (!end || hit < end);
}

/* Parse the shell region whose EXERCISE line is at `p`, as region() does. */
static int shell_region(const char *path, const char *text, const char *p,
			int *lineno, struct marker_region *r)
{
	int start = *lineno;
	bool in_stub = false;

	r->line = start;
	r->begin = (size_t)(p - text);
	p = next_line(p); /* the if line */
	(*lineno)++;
	r->body = (size_t)(p - text);
	for (p = next_line(p), (*lineno)++; *p; p = next_line(p), (*lineno)++) {
		struct marker_region nested;
		const char *w;

		if (exercise_line(p, MARKER_SHELL, &nested))
			return fail(path, *lineno, "a region inside a region",
				    r->id);
		w = after_word(p, "else");
		if (w && !strncmp(w, "# stub", 6)) {
			if (strncmp(w, "# stub ", 7) || !line_is(w + 7, r->id))
				return fail(path, *lineno,
					    "the else must say \"# stub\" and "
					    "the same id, and nothing more",
					    r->id);
			if (in_stub)
				return fail(path, *lineno,
					    "a second \"else # stub\"", r->id);
			in_stub = true;
			r->stub_begin = (size_t)(next_line(p) - text);
			continue;
		}
		if (!line_has(p, "END EXERCISE"))
			continue; /* the reference's, or the stub's, own line */
		w = after_word(p, "fi");
		if (!w || strncmp(w, "# END EXERCISE ", 15))
			return fail(path, *lineno,
				    "END EXERCISE belongs on the region's last "
				    "line: \"fi # END EXERCISE id\"",
				    r->id);
		if (!in_stub)
			return fail(path, *lineno,
				    "no \"else # stub id\" line: where is the "
				    "stub?",
				    r->id);
		if (!line_is(w + 15, r->id))
			return fail(path, *lineno,
				    "the fi must say END EXERCISE and the same "
				    "id",
				    r->id);
		r->stub_end = (size_t)(p - text);
		r->end = (size_t)(next_line(p) - text);
		return 0;
	}
	return fail(path, start, "the region never ends", r->id);
}

/*
 * Does the line at `p`, after an EXERCISE line, open a region?  A shell
 * region's if must be exactly shell_if: an if that tests KVMLAB_STUBS in
 * another way (-n for -z, say) would keep the reference in the student
 * tree, so it is an error (-1), not plain text.
 */
static int opens_region(const char *path, int lineno, const char *p,
			enum marker_lang lang, const struct marker_region *r)
{
	const char *d;
	size_t len;

	if (lang == MARKER_SHELL) {
		d = after_word(p, "if");
		if (!d || !line_has(p, "KVMLAB_STUBS"))
			return 0; /* a student tree's leftover marker */
		if (!line_is(skip_blank(p), shell_if))
			return fail(path, lineno + 1,
				    "the line after EXERCISE must be: if [ -z "
				    "\"${KVMLAB_STUBS-}\" ]; then",
				    r->id);
		return 1;
	}
	d = directive(p, &len);
	if (!d || !is(d, len, "ifndef") ||
	    strncmp(skip_blank(d + len), "KVMLAB_STUBS", 12))
		return 0; /* a student tree's leftover marker */
	return 1;
}

int marker_parse(const char *path, const char *text, enum marker_lang lang,
		 struct marked_file *mf)
{
	const char *p;
	int lineno = 1;

	mf->n = 0;
	for (p = text; *p; p = next_line(p), lineno++) {
		struct marker_region r;
		int opens;

		if (!exercise_line(p, lang, &r))
			continue;
		opens = opens_region(path, lineno, next_line(p), lang, &r);
		if (opens < 0)
			return -1;
		if (!opens)
			continue;
		if (mf->n == MARKER_MAX_REGIONS)
			return fail(path, lineno, "too many regions", r.id);
		if (lang == MARKER_SHELL
			? shell_region(path, text, p, &lineno, &r)
			: region(path, text, p, &lineno, &r))
			return -1;
		mf->region[mf->n++] = r;
		/* p is at the #endif (fi) line; the loop steps past it. */
		p = text + r.stub_end;
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
