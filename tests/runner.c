/* SPDX-License-Identifier: MIT */
/*
 * runner: run kvmlab's tests, each in its own process group under its own
 * timeout, and print one line per test and the closing count.
 *
 *   runner [--filter PATTERN] [--verbose] [--logs DIR] LIST...
 *
 * A LIST file holds one test per line:   NAME  TIMEOUT-SECONDS  COMMAND...
 * ($BUILD and $GB in COMMAND are replaced from the environment.)  A test
 * passes with exit status 0, is skipped with 77 (its last output line says
 * why), and fails otherwise; a test still running at its timeout is killed
 * with its whole process group and fails as TIMEOUT.  TIMEOUT_SCALE
 * multiplies every timeout; STRICT=1 counts skips as failures.
 *
 * The last line is always "N passed, N failed[, N skipped]".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS    64
#define SKIP_STATUS 77

struct test {
	char name[128];
	double timeout;
	char *argv[MAX_ARGS];
	int argc;
};

enum verdict { PASS, FAIL, TIMEOUT, SKIP };

static const char *filter;
static bool verbose;
static const char *log_dir = "build/check/logs";
static double timeout_scale = 1.0;
static bool strict;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Replace $BUILD and $GB (and any $NAME) with the environment's values. */
static char *expand(const char *word)
{
	char out[4096];
	size_t n = 0;

	for (const char *p = word; *p && n < sizeof(out) - 1;) {
		if (*p == '$') {
			char var[64];
			size_t k = 0;

			p++;
			while ((*p == '_' || (*p >= 'A' && *p <= 'Z')) &&
			       k < sizeof(var) - 1)
				var[k++] = *p++;
			var[k] = '\0';
			const char *val = getenv(var);

			if (!val)
				val = strcmp(var, "GB") == 0 ? "build/guest"
				      : strcmp(var, "BUILD") == 0 ? "build"
								  : "";
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s",
					      val);
			if (n >= sizeof(out))
				n = sizeof(out) - 1;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	return strdup(out);
}

static int parse_line(char *line, struct test *t, const char *file, int lineno)
{
	char *save, *tok;
	char *end;

	memset(t, 0, sizeof(*t));
	tok = strtok_r(line, " \t\n", &save);
	if (!tok || *tok == '#')
		return 0;
	snprintf(t->name, sizeof(t->name), "%s", tok);
	tok = strtok_r(NULL, " \t\n", &save);
	if (!tok || (t->timeout = strtod(tok, &end)) <= 0 || *end) {
		fprintf(stderr,
			"runner: %s:%d: expected NAME TIMEOUT COMMAND\n", file,
			lineno);
		return -1;
	}
	while ((tok = strtok_r(NULL, " \t\n", &save)) && t->argc < MAX_ARGS - 1)
		t->argv[t->argc++] = expand(tok);
	if (t->argc == 0) {
		fprintf(stderr, "runner: %s:%d: no command\n", file, lineno);
		return -1;
	}
	return 1;
}

static void free_test(struct test *t)
{
	for (int i = 0; i < t->argc; i++)
		free(t->argv[i]);
}

static void log_path(const struct test *t, char *buf, size_t len)
{
	char name[128];

	snprintf(name, sizeof(name), "%s", t->name);
	for (char *p = name; *p; p++)
		if (*p == '/')
			*p = '_';
	snprintf(buf, len, "%s/%s.log", log_dir, name);
}

/* Wait for `pid` until `deadline`; kill its process group at the deadline. */
static int wait_until(pid_t pid, double deadline, bool *timed_out)
{
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		if (now() >= deadline) {
			*timed_out = true;
			kill(-pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return status;
		}
		usleep(2000);
	}
}

/* The last `n` lines of a file, each indented, to stdout. */
static void print_tail(const char *path, int n, const char *indent)
{
	FILE *f = fopen(path, "r");
	char lines[32][256];
	int count = 0;

	if (!f)
		return;
	if (n > 32)
		n = 32;
	while (fgets(lines[count % n], sizeof(lines[0]), f))
		count++;
	fclose(f);
	for (int i = count > n ? count - n : 0; i < count; i++) {
		char *l = lines[i % n];
		size_t len = strlen(l);

		if (len && l[len - 1] == '\n')
			l[len - 1] = '\0';
		printf("%s%s\n", indent, l);
	}
}

static void last_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[256];

	buf[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (line[0] != '\n')
			snprintf(buf, len, "%s", line);
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

static enum verdict run_test(const struct test *t, double *secs)
{
	char path[512], why[256];
	bool timed_out = false;
	double start = now();
	int status, fd;
	pid_t pid;

	log_path(t, path, sizeof(path));
	if (verbose) {
		printf("  $");
		for (int i = 0; i < t->argc; i++)
			printf(" %s", t->argv[i]);
		printf("\n");
		fflush(stdout);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "runner: cannot write %s: %s\n", path,
			strerror(errno));
		return FAIL;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(fd);
		return FAIL;
	}
	if (pid == 0) {
		/* Its own process group, so a timeout kills every child. */
		setpgid(0, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull >= 0)
			dup2(devnull, 0);
		execvp(t->argv[0], t->argv);
		fprintf(stderr, "runner: cannot run %s: %s\n", t->argv[0],
			strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	close(fd);
	status =
	    wait_until(pid, start + t->timeout * timeout_scale, &timed_out);
	*secs = now() - start;

	if (timed_out) {
		printf("TIMEOUT %-44s %6.2fs  (limit %.0fs)\n", t->name, *secs,
		       t->timeout * timeout_scale);
		print_tail(path, 10, "    | ");
		printf("    log: %s\n", path);
		return TIMEOUT;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("PASS    %-44s %6.2fs\n", t->name, *secs);
		return PASS;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == SKIP_STATUS) {
		last_line(path, why, sizeof(why));
		printf("SKIP    %-44s %6.2fs  %s\n", t->name, *secs, why);
		return SKIP;
	}
	if (WIFSIGNALED(status))
		printf("FAIL    %-44s %6.2fs  killed by signal %d (%s)\n",
		       t->name, *secs, WTERMSIG(status),
		       strsignal(WTERMSIG(status)));
	else
		printf("FAIL    %-44s %6.2fs  exit status %d\n", t->name, *secs,
		       WEXITSTATUS(status));
	print_tail(path, 15, "    | ");
	printf("    log: %s\n", path);
	return FAIL;
}

static int mkdirs(const char *dir)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	}
	return mkdir(buf, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

int main(int argc, char **argv)
{
	int counts[4] = {0};
	int i, files = 0;
	const char *env;

	if ((env = getenv("TIMEOUT_SCALE")) && *env) {
		timeout_scale = strtod(env, NULL);
		if (timeout_scale <= 0)
			timeout_scale = 1.0;
	}
	strict = (env = getenv("STRICT")) && strcmp(env, "1") == 0;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc)
			filter = argv[++i];
		else if (strcmp(argv[i], "--logs") == 0 && i + 1 < argc)
			log_dir = argv[++i];
		else if (strcmp(argv[i], "--verbose") == 0)
			verbose = true;
		else {
			fprintf(stderr, "usage: runner [--filter PATTERN] "
					"[--verbose] [--logs DIR] LIST...\n");
			return 2;
		}
	}
	if (mkdirs(log_dir)) {
		fprintf(stderr, "runner: cannot create %s: %s\n", log_dir,
			strerror(errno));
		return 2;
	}
	for (; i < argc; i++) {
		FILE *f = fopen(argv[i], "r");
		char line[1024];
		int lineno = 0;

		if (!f) {
			fprintf(stderr, "runner: cannot read %s: %s\n", argv[i],
				strerror(errno));
			return 2;
		}
		files++;
		while (fgets(line, sizeof(line), f)) {
			struct test t;
			double secs;
			int r = parse_line(line, &t, argv[i], ++lineno);

			if (r < 0) {
				counts[FAIL]++;
				continue;
			}
			if (r == 0)
				continue;
			if (!filter || strstr(t.name, filter))
				counts[run_test(&t, &secs)]++;
			free_test(&t);
		}
		fclose(f);
	}
	if (!files) {
		fprintf(stderr, "runner: no test list given\n");
		return 2;
	}
	int failed =
	    counts[FAIL] + counts[TIMEOUT] + (strict ? counts[SKIP] : 0);
	int skipped = strict ? 0 : counts[SKIP];

	if (counts[PASS] + failed + skipped == 0)
		printf("runner: no test matched%s%s\n", filter ? " " : "",
		       filter ? filter : "");
	if (skipped)
		printf("%d passed, %d failed, %d skipped\n", counts[PASS],
		       failed, skipped);
	else
		printf("%d passed, %d failed\n", counts[PASS], failed);
	return failed || counts[PASS] + failed + skipped == 0 ? 1 : 0;
}
