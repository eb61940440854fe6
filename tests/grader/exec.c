/* SPDX-License-Identifier: MIT */
/*
 * exec: run one test in its own process group under its own limit (the
 * grader).
 *
 * The limit is enforced here, not trusted to the test.  However a test
 * ends, at its deadline or on its own, what is left of its process group
 * is stopped before the next test starts: a hung VMM, a guest spinning
 * inside KVM_RUN, a shell pipeline or a forgotten `sleep &` cannot outlive
 * it and write into a later test's files.  The group gets SIGTERM first,
 * so a test's trap can clean up (tmux servers, temporary directories,
 * network namespaces), then SIGKILL after GRACE_SECS.  What escapes the
 * group (a daemon calls setsid) is the test's own trap's to stop.
 *
 * The grader is the subreaper of what a test leaves: the orphans become
 * its children, so it reaps them and sees the group empty, even where the
 * machine's init reaps nothing (some containers).  The verdict comes from
 * the exit status (for a cmocka program, cmocka.c checks its summary
 * too); how long a test took is reported, never checked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grader.h"

/* Between SIGTERM and SIGKILL: time for a trap to delete what it made. */
#define GRACE_SECS 3.0

double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void log_path(const struct test *t, const char *dir, char *buf,
		     size_t len)
{
	char name[160];

	snprintf(name, sizeof(name), "%s", t->name);
	for (char *p = name; *p; p++)
		if (*p == '/')
			*p = '_';
	snprintf(buf, len, "%s/%s.log", dir, name);
}

/* The test's main process, and what is known of its end. */
struct child {
	pid_t pid; /* also its process group */
	int status;
	bool done; /* reaped: status is valid */
};

/* Reap every child that has ended: the test, and the orphans it left. */
static void reap(struct child *c)
{
	int status;
	pid_t r;

	while ((r = waitpid(-1, &status, WNOHANG)) > 0)
		if (r == c->pid) {
			c->status = status;
			c->done = true;
		}
}

/* Nothing of the group is left, not even a zombie. */
static bool group_gone(const struct child *c)
{
	return c->done && kill(-c->pid, 0) < 0 && errno == ESRCH;
}

/* Reap until the group is gone or `secs` have passed. */
static bool wait_gone(struct child *c, double secs)
{
	double end = now_seconds() + secs;

	for (;;) {
		reap(c);
		if (group_gone(c))
			return true;
		if (now_seconds() >= end)
			return false;
		usleep(5000);
	}
}

/*
 * Stop what is left of the group: SIGTERM, then SIGKILL after the grace.
 * Returns false at once when nothing is left (the usual case).
 */
static bool stop_group(struct child *c)
{
	reap(c);
	if (group_gone(c))
		return false;
	kill(-c->pid, SIGTERM);
	if (!wait_gone(c, GRACE_SECS)) {
		kill(-c->pid, SIGKILL);
		wait_gone(c, GRACE_SECS);
	}
	/* Only a process stuck in the kernel survives SIGKILL: wait. */
	while (!c->done && waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
		;
	c->done = true;
	return true;
}

/*
 * Ctrl-C does not reach a test (it has its own process group), so while
 * one runs the grader catches INT, TERM and HUP, stops the test's group
 * like at a timeout, then dies of the signal.  An ignored one stays so.
 */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void catch_stops(struct sigaction *old)
{
	struct sigaction sa = {.sa_handler = on_stop};

	for (int i = 0; i < 3; i++) {
		sigaction(stop_signals[i], NULL, &old[i]);
		if (old[i].sa_handler != SIG_IGN)
			sigaction(stop_signals[i], &sa, NULL);
	}
}

static void release_stops(const struct sigaction *old)
{
	for (int i = 0; i < 3; i++)
		sigaction(stop_signals[i], &old[i], NULL);
	if (stop_signal)
		raise(stop_signal);
}

/* Wait for the test until `deadline` (or a stop signal); true if it ended. */
static bool wait_until(struct child *c, double deadline)
{
	for (;;) {
		reap(c);
		if (c->done)
			return true;
		if (now_seconds() >= deadline || stop_signal)
			return false;
		usleep(2000);
	}
}

/* Say in the log that the grader stopped what the test left running. */
static void note_leftovers(const char *log)
{
	FILE *f = fopen(log, "a");

	if (!f)
		return;
	fprintf(f,
		"grader: the test left processes running in its process "
		"group: stopped them (SIGTERM; SIGKILL after %gs)\n",
		GRACE_SECS);
	fclose(f);
}

/* V=1: the command as it can be pasted into a shell. */
static void print_command(const struct test *t)
{
	const char *build = getenv("BUILD"), *gb = getenv("GB");

	printf("  $ BUILD=%s GB=%s", build ? build : "build",
	       gb ? gb : "build/guest");
	for (int i = 0; i < t->argc; i++)
		printf(" %s", t->argv[i]);
	printf("\n");
	fflush(stdout);
}

/* In the child: its own group, output to the log, then the command
 * (through `kvm_exec` unless it runs on the host). */
static void exec_test(const struct test *t, int fd, const char *notes,
		      const struct run_opts *o)
{
	const char *kvm_exec = o->kvm_exec;
	bool vmm = kvm_exec && t->vmm && o->shared_tmp;
	int devnull = open("/dev/null", O_RDONLY);
	char *argv[GRADER_MAX_ARGS + 1];
	int argc = 0;

	setenv("KVMLAB_EXERCISE_LOG", notes, 1);
	if (t->graded && o->run_cache)
		setenv("KVMLAB_RUN_CACHE", o->run_cache, 1);
	else
		unsetenv("KVMLAB_RUN_CACHE");
	/* A `vmm` test here, its VMM runs in the machine (lib.sh). */
	if (vmm) {
		setenv("KVMLAB_VMM_EXEC", kvm_exec, 1);
		setenv("TMPDIR", o->shared_tmp, 1);
	} else {
		unsetenv("KVMLAB_VMM_EXEC");
	}
	/* cmocka.c reads cmocka's plain output, whatever the caller set. */
	setenv("CMOCKA_MESSAGE_OUTPUT", "STDOUT", 1);
	/* Its own process group, so the grader can stop every child. */
	setpgid(0, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (devnull >= 0)
		dup2(devnull, 0);
	if (kvm_exec && !t->host && !vmm)
		argv[argc++] = (char *)kvm_exec;
	/* A host test runs as on a host without the machine (the grader's
	 * self-test starts runners of its own). */
	if (t->host)
		unsetenv("KVMLAB_KVM_EXEC");
	for (int i = 0; i <= t->argc; i++)
		argv[argc++] = t->argv[i];
	execvp(argv[0], argv);
	fprintf(stderr, "grader: cannot run %s: %s\n", argv[0],
		strerror(errno));
	_exit(127);
}

void test_run(struct test *t, const struct run_opts *o)
{
	struct sigaction old[3];
	struct child c = {0};
	char notes[600];
	char cwd[320];
	bool ended;
	double start;
	int fd;

	log_path(t, o->log_dir, t->log, sizeof(t->log));
	t->limit = t->timeout * o->scale;
	t->ran = true;
	if (o->deadline && o->deadline - now_seconds() < t->limit)
		t->limit = o->deadline - now_seconds();
	if (o->deadline && t->limit < 1) {
		/* Out of time: the verdict an autograder can still report. */
		FILE *f = fopen(t->log, "w");

		if (f) {
			fprintf(f, "FAIL: not run: the time for the whole run "
				   "(--time-limit) was used up before it\n");
			fclose(f);
		}
		t->limit = 0;
		t->verdict = TIMEOUT;
		return;
	}
	if (o->verbose)
		print_command(t);
	/* Where exercises/lib/exercise.c notes the stubs this test runs. */
	if (t->log[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	snprintf(notes, sizeof(notes), "%.300s%s%.290s.stubs", cwd,
		 *cwd ? "/" : "", t->log);
	unlink(notes);
	fd = open(t->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(t->why, sizeof(t->why), "cannot write %.200s: %s",
			 t->log, strerror(errno));
		t->verdict = FAIL;
		return;
	}
	/* Orphans of the test become ours (idempotent; Linux 3.4 on). */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	catch_stops(old);
	fflush(stdout);
	start = now_seconds();
	c.pid = fork();
	if (c.pid < 0) {
		snprintf(t->why, sizeof(t->why), "fork: %s", strerror(errno));
		release_stops(old);
		close(fd);
		t->verdict = FAIL;
		return;
	}
	if (c.pid == 0)
		exec_test(t, fd, notes, o);
	setpgid(c.pid, c.pid);
	close(fd);
	ended = wait_until(&c, start + t->limit);
	t->secs = now_seconds() - start;
	if (stop_group(&c) && ended)
		note_leftovers(t->log);
	release_stops(old);
	t->status = c.status;
	if (!ended)
		t->verdict = TIMEOUT;
	else if (WIFEXITED(t->status) && WEXITSTATUS(t->status) == 0)
		t->verdict = PASS;
	else if (WIFEXITED(t->status) && WEXITSTATUS(t->status) == GRADER_SKIP)
		t->verdict = SKIP;
	else
		t->verdict = FAIL;
}
