/* SPDX-License-Identifier: MIT */
/*
 * session: a chapter binary fed through a pipe (see session.h).
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kvmlab/base/now.h"
#include "session.h"

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0)
		;
}

/* Read the child's messages; keep the exit count of its last line, and
 * the last len - 1 bytes in `tail`. */
static uint64_t read_exits(int fd, char *tail, size_t len)
{
	char buf[65536];
	size_t used = 0;
	ssize_t n;
	const char *p, *key = " exits";
	uint64_t exits = UINT64_MAX;

	while ((n = read(fd, buf + used, sizeof(buf) - 1 - used)) > 0) {
		used += (size_t)n;
		if (used == sizeof(buf) - 1) { /* keep the newest half */
			memmove(buf, buf + used / 2, used - used / 2);
			used -= used / 2;
		}
	}
	buf[used] = '\0';
	/* Not snprintf: gcc 11 warns it may truncate, which it is meant to. */
	if (len > 0) {
		size_t k = used < len - 1 ? used : len - 1;

		memcpy(tail, buf + used - k, k);
		tail[k] = '\0';
	}
	p = strstr(buf, "guest stopped: status ");
	if (p && (p = strstr(p, " after ")) && strstr(p, key))
		exits = strtoull(p + 7, NULL, 10);
	return exits;
}

void session_run(char *const argv[], const char *input, unsigned delay_ms,
		 int want_status, struct session *s)
{
	int in[2], err[2], status;
	uint64_t t0;
	pid_t pid;

	if (pipe(in) || pipe(err)) {
		perror("bench: pipe");
		exit(1);
	}
	fflush(stdout);
	t0 = now_ns();
	pid = fork();
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(err[1], STDERR_FILENO);
		close(in[0]);
		close(in[1]);
		close(err[0]);
		close(err[1]);
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(err[1]);
	signal(SIGPIPE, SIG_IGN);
	sleep_ms(delay_ms);
	if (write(in[1], input, strlen(input)) < 0)
		perror("bench: writing the session's input");
	close(in[1]);
	s->exits = read_exits(err[0], s->messages, sizeof(s->messages));
	close(err[0]);
	waitpid(pid, &status, 0);
	s->wall_ms = (double)(now_ns() - t0) / 1e6;
	s->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	if (s->status != want_status || s->exits == UINT64_MAX) {
		fprintf(stderr, "bench: %s exited with %d (expected %d)%s\n",
			argv[0], s->status, want_status,
			s->exits == UINT64_MAX ? " and reported no exit count"
					       : "");
		exit(1);
	}
}
