/* SPDX-License-Identifier: MIT */
/*
 * runner: `make check`, kvmlab's test runner and grader.
 *
 *   runner [--filter PATTERN] [--chapter NN] [--verbose] [--logs DIR]
 *	    [--results DIR] [--hidden DIR] [--build-failed LOG]
 *	    [--only graded|ungraded] [--skip-exercises ID,ID...]
 *	    [--note FILE] [--time-limit SECS] FILE...
 *
 * A FILE ending in .list holds ungraded tests; a FILE named rubric (or
 * ending in .rubric) holds graded ones (formats in grader/grader.h).
 * --hidden DIR adds the lists and rubrics in DIR and its subdirectories
 * (an instructor's hidden tests); $HIDDEN in their commands is DIR.
 *
 * Every test runs in its own process group under its own timeout
 * (times TIMEOUT_SCALE).  When its main process ends, or at the timeout,
 * whatever is left of its group gets SIGTERM, so the test's traps can
 * clean up, then SIGKILL a few seconds later: nothing a test starts in its
 * group outlives it (a daemon that leaves the group is the test's own
 * trap's to stop).  A cmocka program's exit status 0 counts only with
 * cmocka's own summary of a pass.  Ungraded tests print a line each;
 * graded tests print the scoreboard with points, subtotals per chapter
 * and the total.  STRICT=1 counts skips as failures.  An ungraded test that fails because
 * it ran an exercise stub is a SKIP naming the exercise: it needs code the
 * student has not written yet.  With --build-failed LOG nothing runs:
 * every test is a FAIL whose output is the end of the build's LOG.
 * --note FILE is printed first and heads results.json's output: what the
 * autograder did with a submission (exercises/tools/grade-one.sh).
 * --time-limit SECS bounds the whole run: no test runs past it, and those
 * it leaves out are TIMEOUTs, so the results files are written in time
 * (an autograder killed at its limit would report nothing).
 *
 * results.json (Gradescope), junit.xml, results.tap and scores.txt are
 * written to the results directory every time, atomically.  The last line
 * printed is always "N passed, N failed[, N skipped]".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "grader/grader.h"

static const char *filter, *chapter, *hidden, *build_log, *note_file;
static double time_limit; /* --time-limit SECS, or 0 */
static const char *log_dir = "build/check/logs";
static const char *results_dir = "build/check";
static bool verbose, strict;
static const char *only; /* "graded" or "ungraded": run just those */
/* "ch09-nat-rules,ch09-vlan": their graded tests do not run
 * (verify-graders: they cannot have changed, see its `inputs`). */
static const char *skip_exercises;
static double timeout_scale = 1.0;

static int mkdirs(const char *dir)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	}
	if (mkdir(buf, 0755) == 0 || errno == EEXIST)
		return 0;
	fprintf(stderr, "grader: cannot create %s: %s\n", dir, strerror(errno));
	return -1;
}

static int remove_entry(const char *path, const struct stat *st, int type,
			struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/*
 * The run cache (tests/guest/lib.sh's run_vmm): empty at the start of
 * every run, so no test ever sees a guest run of an earlier build, and
 * removed at the end.  Its absolute path, in `buf`, or NULL.
 */
static const char *run_cache_reset(char *buf, size_t len, bool keep)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/run-cache", results_dir);
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (!keep || mkdir(dir, 0755) || !realpath(dir, buf) ||
	    strlen(buf) >= len)
		return NULL;
	return buf;
}

/* The TMPDIR of `vmm` tests: in the results folder, which the emulated
 * machine shares with the host.  Its absolute path, in `buf`, or NULL. */
static const char *shared_tmp(char *buf, size_t len)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/tmp", results_dir);
	if (mkdirs(dir) || !realpath(dir, buf) || strlen(buf) >= len)
		return NULL;
	return buf;
}

static bool is_rubric(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n = strlen(path);

	base = base ? base + 1 : path;
	return !strcmp(base, "rubric") ||
	       (n > 7 && !strcmp(path + n - 7, ".rubric"));
}

/* An instructor's directory: its lists and rubrics, one level down too. */
static void load_hidden(struct suite *s, const char *dir)
{
	static const char *const patterns[] = {"%s/*.list",   "%s/rubric",
					       "%s/*.rubric", "%s/*/*.list",
					       "%s/*/rubric", "%s/*/*.rubric"};
	char abs[PATH_MAX], pat[PATH_MAX + 16];
	int before = s->n;

	if (!realpath(dir, abs)) {
		fprintf(stderr, "grader: hidden tests: cannot open %s: %s\n",
			dir, strerror(errno));
		s->errors++;
		return;
	}
	setenv("HIDDEN", abs, 1);
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		glob_t g;

		snprintf(pat, sizeof(pat), patterns[i], abs);
		if (glob(pat, 0, NULL, &g) == 0)
			for (size_t k = 0; k < g.gl_pathc; k++)
				suite_load(s, g.gl_pathv[k],
					   is_rubric(g.gl_pathv[k]));
		globfree(&g);
	}
	if (s->n == before) {
		fprintf(stderr, "grader: no tests in hidden directory %s\n",
			dir);
		s->errors++;
	}
}

/* Is `id` one of the comma-separated words of `list` (NULL: none)? */
static bool listed(const char *list, const char *id)
{
	size_t n = strlen(id);

	for (const char *p = list; p && *p; p += strcspn(p, ",")) {
		p += *p == ',';
		if (!strncmp(p, id, n) && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

static void select_tests(struct suite *s)
{
	char ch[8] = "", tag[8] = "";

	if (chapter) {
		/* CH=3, CH=03 and CH=ch03 all mean chapter 03. */
		snprintf(ch, sizeof(ch), "%02d",
			 atoi(chapter + strcspn(chapter, "0123456789")));
		snprintf(tag, sizeof(tag), "ch%s", ch);
	}
	for (int i = 0; i < s->n; i++) {
		struct test *t = &s->t[i];

		t->selected = !filter || strstr(t->name, filter);
		if (chapter && t->graded)
			t->selected = t->selected && !strcmp(t->chapter, ch);
		else if (chapter)
			t->selected = t->selected && strstr(t->name, tag);
		if (only && strcmp(only, t->graded ? "graded" : "ungraded"))
			t->selected = false;
		if (t->graded && listed(skip_exercises, t->exercise))
			t->selected = false;
	}
}

/* What a report says about a test beyond its verdict. */
static void set_output(struct test *t)
{
	char *tail;
	size_t len;

	if (t->verdict == PASS) {
		t->output = strdup("");
		return;
	}
	tail = file_tail(t->log, 15, 3000);
	len = strlen(t->why) + strlen(t->hint) + strlen(t->log) + strlen(tail) +
	      64;
	t->output = malloc(len);
	if (t->output)
		snprintf(t->output, len, "%s\n%s%slog: %s\n%s", t->why, t->hint,
			 *t->hint ? "\n" : "", t->log, tail);
	free(tail);
}

/* The build failed: nothing can run, every test fails with its output. */
static void fail_unbuilt(struct test *t)
{
	char *tail = file_tail(build_log, 40, 3500), *l, *err = NULL,
	     *last = NULL;

	/* The first compiler error says most; else the last line. */
	for (l = tail; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != 0)) {
		size_t n = strcspn(l, "\n");

		if (n)
			last = l;
		if (!err && memmem(l, n, "error", 5))
			err = l;
	}
	if (!err)
		err = last ? last : tail;
	t->verdict = FAIL;
	snprintf(t->why, sizeof(t->why), "the build failed: %.*s",
		 (int)strcspn(err, "\n"), err);
	snprintf(t->log, sizeof(t->log), "%s", build_log);
	if (asprintf(&t->output, "%s\nthe build's last lines (%s):\n%s", t->why,
		     build_log, tail) < 0)
		t->output = NULL;
	free(tail);
}

static void finish(struct suite *s, struct test *t)
{
	char ex[64];
	bool stub;

	/* Student code in a cmocka program can fake its exit status. */
	cmocka_judge(t, t->argc && suite_cmocka(s, t->argv[0]));
	stub = t->ran && t->verdict != PASS && stub_hit(t->log, ex, sizeof(ex));
	if (!t->ran) {
		fail_unbuilt(t);
	} else if (stub && !t->graded) {
		t->verdict = SKIP;
		snprintf(t->why, sizeof(t->why),
			 "needs exercise %s, which is not done yet", ex);
	} else if (t->verdict == SKIP && !stub) {
		char *last = file_tail(t->log, 1, 200);

		snprintf(t->why, sizeof(t->why), "%.*s",
			 (int)strcspn(last, "\n"), last);
		free(last);
	} else if (t->verdict != PASS) {
		/* A graded test that ran a stub fails, however it ended. */
		if (t->verdict == SKIP)
			t->verdict = FAIL;
		diagnose(t, t->graded ? suite_reread(s, t->exercise) : NULL);
	}
	if (strict && t->verdict == SKIP) {
		t->verdict = FAIL;
		snprintf(t->hint, sizeof(t->hint),
			 "STRICT=1 counts a skip as a failure");
	}
	t->score = t->verdict == PASS ? t->points : 0;
	if (t->ran)
		set_output(t);
}

static void count(struct totals *tot, const struct test *t)
{
	tot->passed += t->verdict == PASS;
	tot->failed += t->verdict == FAIL || t->verdict == TIMEOUT;
	tot->skipped += t->verdict == SKIP;
	tot->secs += t->secs;
	if (t->graded) {
		tot->score += t->score;
		tot->max += t->points;
	}
}

static void run_ungraded(struct suite *s, const struct run_opts *o,
			 struct totals *tot)
{
	for (int i = 0; i < s->n; i++) {
		struct test *t = &s->t[i];

		if (!t->selected || t->graded)
			continue;
		if (!build_log)
			test_run(t, o);
		finish(s, t);
		board_ungraded(t);
		count(tot, t);
	}
}

/* Graded tests, chapter by chapter, as a scoreboard. */
static void run_graded(struct suite *s, const struct run_opts *o,
		       struct totals *tot)
{
	char done[64][8];
	int ndone = 0, failed = 0, skipped = 0;
	bool any = false;

	for (int i = 0; i < s->n; i++) {
		double score = 0, max = 0;
		const char *ch = s->t[i].chapter;
		bool seen = false;

		if (!s->t[i].graded || !s->t[i].selected)
			continue;
		for (int j = 0; j < ndone; j++)
			seen = seen || !strcmp(done[j], ch);
		if (seen || ndone == 64)
			continue;
		snprintf(done[ndone++], sizeof(done[0]), "%s", ch);
		if (!any)
			board_header();
		any = true;
		for (int j = i; j < s->n; j++) {
			struct test *t = &s->t[j];

			if (!t->graded || !t->selected ||
			    strcmp(t->chapter, ch))
				continue;
			if (!build_log)
				test_run(t, o);
			finish(s, t);
			board_graded(t);
			count(tot, t);
			score += t->score;
			max += t->points;
			failed += t->verdict == FAIL || t->verdict == TIMEOUT;
			skipped += t->verdict == SKIP;
		}
		board_chapter_total(ch, score, max);
	}
	if (any)
		board_total(tot->score, tot->max, failed, skipped);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: runner [--filter PATTERN] [--chapter NN] [--verbose] "
		"[--logs DIR]\n       [--results DIR] [--hidden DIR] "
		"[--build-failed LOG] [--only graded|ungraded]\n"
		"       [--skip-exercises ID,ID...] [--note FILE] "
		"[--time-limit SECS] FILE...\n");
	return 2;
}

static int parse_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--verbose"))
			verbose = true;
		else if (!strcmp(a, "--only") && v)
			only = v;
		else if (!v)
			return -1;
		else if (!strcmp(a, "--filter"))
			filter = *v ? v : NULL;
		else if (!strcmp(a, "--chapter"))
			chapter = *v ? v : NULL;
		else if (!strcmp(a, "--logs"))
			log_dir = v;
		else if (!strcmp(a, "--results"))
			results_dir = v;
		else if (!strcmp(a, "--hidden"))
			hidden = *v ? v : NULL;
		else if (!strcmp(a, "--build-failed"))
			build_log = v;
		else if (!strcmp(a, "--skip-exercises"))
			skip_exercises = v;
		else if (!strcmp(a, "--note"))
			note_file = v;
		else if (!strcmp(a, "--time-limit"))
			time_limit = strtod(v, NULL);
		else
			return -1;
		if (strcmp(a, "--verbose"))
			i++;
	}
	return i;
}

int main(int argc, char **argv)
{
	struct suite s = {0};
	struct totals tot = {0};
	struct run_opts o;
	char cache[PATH_MAX], tmp[PATH_MAX];
	double start = now_seconds();
	const char *env;
	int i, n = 0;

	if ((env = getenv("TIMEOUT_SCALE")) && *env) {
		timeout_scale = strtod(env, NULL);
		if (timeout_scale <= 0)
			timeout_scale = 1.0;
	}
	strict = (env = getenv("STRICT")) && !strcmp(env, "1");
	i = parse_args(argc, argv);
	if (i < 0 || i == argc)
		return usage();
	if (mkdirs(log_dir) || mkdirs(results_dir))
		return 2;
	for (; i < argc; i++)
		suite_load(&s, argv[i], is_rubric(argv[i]));
	if (hidden)
		load_hidden(&s, hidden);
	select_tests(&s);
	for (i = 0; i < s.n; i++)
		n += s.t[i].selected;

	env = getenv("KVMLAB_KVM_EXEC");
	o = (struct run_opts){log_dir,
			      timeout_scale,
			      verbose,
			      env && *env ? env : NULL,
			      run_cache_reset(cache, sizeof(cache), true),
			      shared_tmp(tmp, sizeof(tmp)),
			      time_limit > 0 ? start + time_limit : 0};
	tot.build_failed = build_log != NULL;
	/* What the autograder has to say first (files it ignored). */
	if (note_file && (tot.note = file_tail(note_file, 40, 4000))) {
		size_t len = strlen(tot.note);

		while (len && tot.note[len - 1] == '\n')
			tot.note[--len] = '\0';
		if (len)
			printf("%s\n", tot.note);
	}
	if (build_log)
		printf("The build failed (its output: %s): every test counts "
		       "as failed.\n",
		       build_log);
	run_ungraded(&s, &o, &tot);
	run_graded(&s, &o, &tot);
	run_cache_reset(cache, sizeof(cache), false);
	tot.secs = now_seconds() - start;
	if (write_json(results_dir, &s, &tot) ||
	    write_junit(results_dir, &s, &tot) ||
	    write_tap(results_dir, &s, &tot) ||
	    write_scores(results_dir, &s, &tot))
		s.errors++;

	if (s.errors)
		printf("grader: %d problem%s in the test files (see above)\n",
		       s.errors, s.errors == 1 ? "" : "s");
	if (!n)
		printf("grader: no test matched%s%s%s%s\n", filter ? " T=" : "",
		       filter ? filter : "", chapter ? " CH=" : "",
		       chapter ? chapter : "");
	tot.failed += s.errors;
	if (tot.skipped)
		printf("%d passed, %d failed, %d skipped\n", tot.passed,
		       tot.failed, tot.skipped);
	else
		printf("%d passed, %d failed\n", tot.passed, tot.failed);
	i = tot.failed || !n || build_log;
	free(tot.note);
	suite_free(&s);
	return i;
}
