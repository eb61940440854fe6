/* SPDX-License-Identifier: MIT */
/*
 * grader: the pieces of `make check` (tests/runner.c is its main).
 *
 * Tests come from two kinds of file.  Test lists (tests/NAME.list) hold
 * ungraded tests, one a line:
 *
 *	NAME  TIMEOUT  COMMAND...
 *
 * Rubrics (exercises/NN-name/rubric) hold graded tests, the hint printed
 * when one fails and, optionally, the programs that are cmocka programs:
 *
 *	CH  EXERCISE  TEST  POINTS  TIMEOUT  COMMAND...
 *	reread  EXERCISE  TEXT...
 *	cmocka  PROGRAM...
 *
 * Either kind of file may also say which of the tests above run on the
 * host even when the KVM tests run in the emulated machine (they need no
 * KVM, and some, like Chromium drawing slides, are slow under emulation):
 *
 *	host  NAME...
 *
 * or which of them run on the host and send only their VMM runs to the
 * emulated machine (tests/guest/lib.sh's run_vmm and need_kvm, through
 * $KVMLAB_VMM_EXEC, with $TMPDIR in a folder both see): a shell script
 * that judges a guest run with sed and awk does that at the host's speed.
 *
 *	vmm  NAME...
 *
 * Graded tests share guest runs: in $KVMLAB_RUN_CACHE, empty at the
 * start of each run of the runner, run_vmm keeps every run, and a test
 * that makes the same run (arguments and files) reads it back.
 *
 * In COMMAND and PROGRAM, $BUILD, $GB and $HIDDEN (any $NAME) come from
 * the environment.  A test passes with exit status 0, is skipped with 77
 * (its last output line says why) and fails otherwise.  A cmocka program
 * (a test whose COMMAND starts with a PROGRAM of a `cmocka` line, or whose
 * output shows cmocka's banner) passes only if cmocka's summary says so
 * too (cmocka.c).  One still running at its timeout is a TIMEOUT.  Either
 * way, what is left of its process group gets SIGTERM, then SIGKILL a few
 * seconds later (exec.c).
 */
#ifndef KVMLAB_GRADER_H
#define KVMLAB_GRADER_H

#include <stdbool.h>
#include <stdio.h>

#define GRADER_MAX_ARGS 64
#define GRADER_SKIP	77

enum verdict { PASS, FAIL, TIMEOUT, SKIP };

struct test {
	/* From the list or rubric. */
	char name[160];	 /* NAME, or EXERCISE/TEST when graded */
	char where[320]; /* FILE:LINE, for messages */
	bool graded;
	char chapter[8];   /* "03"; empty when ungraded */
	char exercise[64]; /* "ch03-map-page" */
	char test[64];	   /* "walk-4k" */
	double points;	   /* what a PASS earns */
	double timeout;	   /* seconds, before TIMEOUT_SCALE */
	char *argv[GRADER_MAX_ARGS];
	int argc;
	bool selected; /* chosen by T= and CH= */
	bool host;     /* a `host` line names it: never through kvm_exec */
	/* A `vmm` line names it: it runs on the host and sends only its
	 * VMM runs (tests/guest/lib.sh) through kvm_exec. */
	bool vmm;

	/* The result. */
	enum verdict verdict;
	bool ran;
	double secs;
	int status;	  /* the raw wait status; -1 if it never ran */
	double limit;	  /* the timeout applied, in seconds */
	char log[512];	  /* its full output */
	char why[320];	  /* one-line diagnosis, or the skip reason */
	char hint[256];	  /* "reread chapter ...", for graded failures */
	char judged[160]; /* why cmocka.c overruled exit status 0, or "" */
	double score;
	char *output; /* diagnosis and the log's last lines (reports) */
};

struct reread {
	char exercise[64];
	char text[200];
};

struct suite {
	struct test *t;
	int n, cap;
	struct reread *rr;
	int nrr, rrcap;
	char **cmocka; /* the rubrics' cmocka PROGRAMs, expanded */
	int ncmocka, cmcap;
	int errors; /* malformed lines, each reported */
};

/* spec.c: read a list (rubric = false) or a rubric into the suite. */
int suite_load(struct suite *s, const char *path, bool rubric);
/* The rubric's "reread" text for an exercise, or NULL. */
const char *suite_reread(const struct suite *s, const char *exercise);
/* Whether a rubric names `program` on a `cmocka` line. */
bool suite_cmocka(const struct suite *s, const char *program);
void suite_free(struct suite *s);

/* exec.c: run one test under its limit, output to t->log. */
struct run_opts {
	const char *log_dir;
	double scale; /* TIMEOUT_SCALE */
	bool verbose; /* V=1: print the command to rerun it by hand */
	/* KVMLAB_KVM_EXEC: the command that runs a test where KVM works
	 * (mk/emu/exec.sh, the emulated machine), or NULL: right here. */
	const char *kvm_exec;
	/* KVMLAB_RUN_CACHE for graded tests: where tests/guest/lib.sh keeps
	 * each guest run, so that graded tests judging the same run (the
	 * same command, arguments and files) share it.  NULL: none. */
	const char *run_cache;
	/* TMPDIR for `vmm` tests: a folder the emulated machine shares, so
	 * the VMM it runs and the test on the host see the same files. */
	const char *shared_tmp;
	/* --time-limit: when the whole run must end (now_seconds()), or 0.
	 * A test gets what is left of it at most; none starts after it. */
	double deadline;
};
void test_run(struct test *t, const struct run_opts *o);
double now_seconds(void);

/*
 * cmocka.c: a PASS of a cmocka program (`marked` by a rubric, or seen in
 * its log) without cmocka's summary of a pass becomes a FAIL (t->judged).
 */
void cmocka_judge(struct test *t, bool marked);

/* diagnose.c: fill t->why (and t->hint for a graded test) from t->log. */
void diagnose(struct test *t, const char *reread);
/* Whether the test with this log ran an exercise stub, and which. */
bool stub_hit(const char *log, char *exercise, size_t len);
/* The last `lines` lines of `path`, at most `max` bytes; malloc'd. */
char *file_tail(const char *path, int lines, size_t max);

/* board.c: what `make check` prints. */
void board_ungraded(const struct test *t);
void board_header(void);
void board_graded(const struct test *t);
void board_chapter_total(const char *chapter, double score, double max);
void board_total(double score, double max, int failed, int skipped);

/* report.c and json.c, junit.c, tap.c: the results files. */
struct totals {
	int passed, failed, skipped; /* every selected test */
	double score, max;	     /* graded tests */
	double secs;
	bool build_failed;
	char *note; /* --note: the top of results.json's output, or NULL */
};
FILE *report_open(const char *dir, const char *name, char *tmp, size_t len);
int report_commit(FILE *f, const char *tmp, const char *dir, const char *name);
/* Print `s` as the inside of a JSON or XML string: ASCII only. */
void put_json(FILE *f, const char *s);
void put_xml(FILE *f, const char *s);
const char *verdict_name(enum verdict v);
int write_json(const char *dir, const struct suite *s, const struct totals *t);
int write_junit(const char *dir, const struct suite *s, const struct totals *t);
int write_tap(const char *dir, const struct suite *s, const struct totals *t);
int write_scores(const char *dir, const struct suite *s,
		 const struct totals *t);

#endif
