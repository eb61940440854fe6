/* SPDX-License-Identifier: MIT */
/*
 * exec: run one test in its own process group under its own limit (the
 * grader).
 *
 * The limit is enforced here, not trusted to the test: at the deadline the
 * whole process group gets SIGKILL, so a hung VMM, a guest spinning inside
 * KVM_RUN or a shell pipeline cannot outlive it.  The verdict comes from
 * the exit status alone; how long a test took is reported, never checked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "grader.h"

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

/* Wait for `pid` until `deadline`; then kill its process group. */
static int wait_until(pid_t pid, double deadline, bool *timed_out)
{
	int status = 0;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (now_seconds() >= deadline) {
			*timed_out = true;
			kill(-pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return status;
		}
		usleep(2000);
	}
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

void test_run(struct test *t, const struct run_opts *o)
{
	bool timed_out = false;
	char notes[600];
	char cwd[320];
	double start;
	int fd;
	pid_t pid;

	log_path(t, o->log_dir, t->log, sizeof(t->log));
	t->limit = t->timeout * o->scale;
	t->ran = true;
	if (o->verbose)
		print_command(t);
	/* Where kvmlab/exercise.c notes the stubs this test runs. */
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
	fflush(stdout);
	start = now_seconds();
	pid = fork();
	if (pid < 0) {
		snprintf(t->why, sizeof(t->why), "fork: %s", strerror(errno));
		close(fd);
		t->verdict = FAIL;
		return;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		setenv("KVMLAB_EXERCISE_LOG", notes, 1);
		/* Its own process group, so a timeout kills every child. */
		setpgid(0, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (devnull >= 0)
			dup2(devnull, 0);
		execvp(t->argv[0], t->argv);
		fprintf(stderr, "grader: cannot run %s: %s\n", t->argv[0],
			strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	close(fd);
	t->status = wait_until(pid, start + t->limit, &timed_out);
	t->secs = now_seconds() - start;
	if (timed_out)
		t->verdict = TIMEOUT;
	else if (WIFEXITED(t->status) && WEXITSTATUS(t->status) == 0)
		t->verdict = PASS;
	else if (WIFEXITED(t->status) && WEXITSTATUS(t->status) == GRADER_SKIP)
		t->verdict = SKIP;
	else
		t->verdict = FAIL;
}
