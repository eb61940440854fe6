/* SPDX-License-Identifier: MIT */
/*
 * diagnose: say in one line why a test failed (the grader).
 *
 * The VMM already explains every fault in plain words on stderr, and the
 * tests copy those messages into their logs.  Here the first telling line
 * of a log becomes the diagnosis: an exercise stub, a sanitizer report, a
 * triple fault, a failed VM entry, an emulation failure, an unexpected
 * exit, a guest that never finished, a guest exception or abort, a failed
 * check; else cmocka.c's reason, or the exit status.  For a graded test
 * the rubric's "reread" text is the hint.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "grader.h"

#define LOG_MAX (256 * 1024)

/* The whole file (at most its last LOG_MAX bytes), NUL-terminated. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long size;
	size_t n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	if (size > LOG_MAX)
		fseek(f, size - LOG_MAX, SEEK_SET);
	else
		fseek(f, 0, SEEK_SET);
	buf = malloc(LOG_MAX + 1);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, LOG_MAX, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Copy the line holding `at` (from `at` if `from_at`), trimmed. */
static void line_of(const char *text, const char *at, bool from_at, char *out,
		    size_t len)
{
	const char *b = at, *e = strchr(at, '\n');

	if (!from_at)
		while (b > text && b[-1] != '\n')
			b--;
	if (!e)
		e = at + strlen(at);
	while (b < e && (*b == ' ' || *b == '\t'))
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\r'))
		e--;
	snprintf(out, len, "%.*s", (int)(e - b), b);
}

/*
 * The exercise id in a stub's message ("exercise ch02-desc-encode is not
 * done yet: ...") somewhere in `text`; *at points at the message.
 */
static bool stub_message(const char *text, char *exercise, size_t len,
			 const char **at)
{
	const char *p = text, *b;

	while ((p = strstr(p, " is not done yet"))) {
		for (b = p; b > text && b[-1] != ' ' && b[-1] != '\n'; b--)
			;
		if (p - b > 5 && !strncmp(b, "ch", 2) &&
		    isdigit((unsigned char)b[2]) &&
		    isdigit((unsigned char)b[3]) && b[4] == '-') {
			snprintf(exercise, len, "%.*s", (int)(p - b), b);
			if (at)
				*at = b;
			return true;
		}
		p++;
	}
	return false;
}

bool stub_hit(const char *log, char *exercise, size_t len)
{
	char notes[600];
	char *text = slurp(log), *note;
	bool hit = text && stub_message(text, exercise, len, NULL);

	/* The notes exercises/lib/exercise.c leaves: stubs whose message we lack. */
	snprintf(notes, sizeof(notes), "%.500s.stubs", log);
	note = slurp(notes);
	if (!hit && note && *note) {
		snprintf(exercise, len, "%.*s", (int)strcspn(note, "\n"), note);
		if (!strcmp(exercise, "guest"))
			snprintf(exercise, len, "(in guest code: status 78)");
		hit = true;
	}
	free(note);
	free(text);
	return hit;
}

/* Patterns from kvmlab/exits/fault.c and the guests, most telling first. */
static const struct {
	const char *needle;
	const char *say; /* NULL: quote the line itself */
} faults[] = {
    {"triple-faulted (exit reason SHUTDOWN)",
     "triple fault (KVM_EXIT_SHUTDOWN): an exception could not be "
     "delivered"},
    {"exit reason FAIL_ENTRY",
     "VM entry failed (KVM_EXIT_FAIL_ENTRY): KVM refused the register "
     "state"},
    {"exit reason INTERNAL_ERROR",
     "KVM gave up (KVM_EXIT_INTERNAL_ERROR): an instruction it cannot run "
     "or an exception it cannot deliver"},
    {"unexpected exit ", NULL},
    {"still running after --timeout",
     "the guest never finished: the VMM's --timeout stopped it (an "
     "endless loop?)"},
    {"unhandled exception ", NULL},
    {"ABORT: ", NULL},
};

/* cmocka: "ERROR: msg" (fail_msg) or "[  ERROR   ] --- msg", and where. */
static bool cmocka_failure(const char *text, char *out, size_t len)
{
	const char *e = strstr(text, "[  ERROR   ] --- ");
	const char *l = strstr(text, "[   LINE   ] --- ");
	const char *m = strstr(text, "\nERROR: ");
	char what[200] = "", where[120] = "";

	if (!e && !m)
		return false;
	if (m)
		line_of(text, m + 8, true, what, sizeof(what));
	else
		line_of(text, e + 17, true, what, sizeof(what));
	if (l) {
		line_of(text, l + 17, true, where, sizeof(where));
		where[strcspn(where, " ")] = '\0';
		if (*where && where[strlen(where) - 1] == ':')
			where[strlen(where) - 1] = '\0';
	}
	snprintf(out, len, "check failed: %s%s%s%s", what, *where ? " (" : "",
		 where, *where ? ")" : "");
	return true;
}

/* A name for the exit statuses the chapter binaries document. */
static const char *status_meaning(int code)
{
	switch (code) {
	case 64:
		return " (a usage error)";
	case 65:
	case 66:
		return " (a missing or bad guest image)";
	case 69:
		return " (KVM unusable)";
	case 70:
		return " (a guest fault)";
	case 71:
		return " (the host failed)";
	case 78:
		return " (an exercise stub)";
	case 124:
		return " (--timeout)";
	case 127:
		return " (command not found)";
	default:
		return "";
	}
}

static void from_status(struct test *t)
{
	if (t->status < 0)
		return;
	if (WIFSIGNALED(t->status))
		snprintf(t->why, sizeof(t->why), "killed by signal %d (%s)",
			 WTERMSIG(t->status), strsignal(WTERMSIG(t->status)));
	else
		snprintf(t->why, sizeof(t->why), "exit status %d%s",
			 WEXITSTATUS(t->status),
			 status_meaning(WEXITSTATUS(t->status)));
}

void diagnose(struct test *t, const char *reread)
{
	char *text = slurp(t->log), *p;
	char line[sizeof(t->why)];
	char ex[64];
	const char *at;
	bool fault = false;

	t->why[0] = t->hint[0] = '\0';
	if (text && stub_message(text, ex, sizeof(ex), &at)) {
		line_of(text, at, true, line, sizeof(line));
		snprintf(t->why, sizeof(t->why), "exercise %.300s", line);
	} else if (stub_hit(t->log, ex, sizeof(ex))) {
		snprintf(t->why, sizeof(t->why),
			 "exercise %s is not done yet: the test ran its stub",
			 ex);
	} else if (text && ((p = strstr(text, "ERROR: AddressSanitizer")) ||
			    (p = strstr(text, "ERROR: LeakSanitizer")) ||
			    (p = strstr(text, "runtime error: ")))) {
		line_of(text, p, false, line, sizeof(line));
		snprintf(t->why, sizeof(t->why), "the sanitizer: %.280s", line);
	} else if (text) {
		for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]);
		     i++) {
			p = strstr(text, faults[i].needle);
			if (!p)
				continue;
			line_of(text, p, faults[i].say == NULL, line,
				sizeof(line));
			snprintf(t->why, sizeof(t->why), "%s",
				 faults[i].say ? faults[i].say : line);
			fault = true;
			break;
		}
		if (!fault && !cmocka_failure(text, t->why, sizeof(t->why)) &&
		    (p = strstr(text, "FAIL: ")))
			line_of(text, p + 6, true, t->why, sizeof(t->why));
	}
	if (t->verdict == TIMEOUT) {
		snprintf(line, sizeof(line), "%s", t->why);
		snprintf(t->why, sizeof(t->why),
			 "no result within its limit of %gs%s%.250s", t->limit,
			 *line ? "; " : "", line);
	} else if (!t->why[0] && t->judged[0]) {
		/* Exit status 0, overruled by cmocka.c. */
		snprintf(t->why, sizeof(t->why), "%s", t->judged);
	} else if (!t->why[0]) {
		from_status(t);
	}
	if (t->graded && reread && !strstr(t->why, " is not done yet"))
		snprintf(t->hint, sizeof(t->hint), "reread %s", reread);
	free(text);
}

char *file_tail(const char *path, int lines, size_t max)
{
	char *text = slurp(path);
	char *p;
	int n = 0;

	if (!text)
		return strdup("");
	p = text + strlen(text);
	if (p > text && p[-1] == '\n')
		p--;
	while (p > text && n < lines) {
		p--;
		if (*p == '\n')
			n++;
	}
	if (*p == '\n')
		p++;
	if (strlen(p) > max)
		p += strlen(p) - max;
	p = strdup(p);
	free(text);
	return p;
}
