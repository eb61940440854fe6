/* SPDX-License-Identifier: MIT */
/*
 * mkstudent: write the student tree from the reference tree (the labs).
 *
 * The reference source marks each exercise region like this (C and
 * preprocessed assembly alike):
 *
 *	/+ EXERCISE ch02-desc-encode: pack a segment descriptor +/
 *	#ifndef KVMLAB_STUBS
 *	... the reference solution ...
 *	#else
 *	... the stub: fails fast, naming the exercise ...
 *	#endif /+ END EXERCISE ch02-desc-encode +/
 *
 * (with / and * where this comment shows / and +).  A shell script marks
 * one with comments on an if (the else's and the fi's comments end it, not
 * the nesting, so the reference may hold ifs of its own):
 *
 *	# EXERCISE ch09-nat-rules: forward and masquerade the guests
 *	if [ -z "${KVMLAB_STUBS-}" ]; then
 *		... the reference solution ...
 *	else # stub ch09-nat-rules
 *		exercise_todo ch09-nat-rules exercises/09-bridge-nat/README.md
 *	fi # END EXERCISE ch09-nat-rules
 *
 * In the student tree a region becomes its EXERCISE line and its stub.
 * Compiling the reference with -DKVMLAB_STUBS builds every stub in place;
 * running a script with KVMLAB_STUBS=1 in its environment runs its stubs.
 *
 *   mkstudent [--only ID | --done ID | --none] DEST < FILES
 *                            copy FILES to DEST: every exercise a stub,
 *                            only ID a stub, all but ID, or none
 *   mkstudent --list < FILES                       ID, FILE:LINE, title
 *
 * FILES are paths relative to the current directory, one a line.  Only
 * .c, .h and .S files are scanned for C's markers, and only shell scripts
 * for the shell's: .sh files, and files whose "#!" line runs sh or bash
 * (directly or through env), as a script installed without an extension
 * has (chapters/09-bridge-nat/kvmlab-net).  Every file keeps its mode (a
 * script stays executable); files copied unchanged keep their
 * modification time too (so a copied build directory stays valid);
 * rewritten files get the current time.  Malformed markers are errors.
 * A full student tree also gets .kvmlab-student, which says what it is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "marker.h"

enum mode { STUB_ALL, STUB_ONE, STUB_ALL_BUT, STUB_NONE, LIST };

static enum mode mode = STUB_ALL;
static const char *only;
static unsigned regions, stubbed_files, files;
static bool only_seen;

static int mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST) {
			fprintf(stderr, "mkstudent: mkdir %s: %s\n", path,
				strerror(errno));
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return 0;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, cap);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Does the "#!" line of `text` run sh or bash (also as "env bash")? */
static bool shell_script(const char *text)
{
	const char *p = text + 2, *name;
	size_t n;

	if (strncmp(text, "#!", 2))
		return false;
	for (int word = 0; word < 2; word++) {
		p += strspn(p, " \t");
		n = strcspn(p, " \t\r\n");
		for (name = p + n; name > p && name[-1] != '/'; name--)
			;
		n -= (size_t)(name - p);
		if ((n == 2 && !strncmp(name, "sh", 2)) ||
		    (n == 4 && !strncmp(name, "bash", 4)))
			return true;
		if (n != 3 || strncmp(name, "env", 3))
			return false;
		p = name + n; /* "#!/usr/bin/env bash": the next word */
	}
	return false;
}

/* Which markers `path` may hold: C's, the shell's (1, 0), or none (-1). */
static int scanned(const char *path, const char *text)
{
	const char *dot = strrchr(path, '.');

	if (dot &&
	    (!strcmp(dot, ".c") || !strcmp(dot, ".h") || !strcmp(dot, ".S")))
		return MARKER_C;
	if ((dot && !strcmp(dot, ".sh")) || shell_script(text))
		return MARKER_SHELL;
	return -1;
}

static bool wanted(const char *id)
{
	if (mode == STUB_ALL)
		return true;
	if (mode != STUB_ONE && mode != STUB_ALL_BUT)
		return false;
	if (!strcmp(id, only)) {
		only_seen = true;
		return mode == STUB_ONE;
	}
	return mode == STUB_ALL_BUT;
}

/* Write `len` bytes to dest with src's mode; keep src's mtime if asked. */
static int write_file(const char *dest, const char *data, size_t len,
		      const struct stat *st, bool keep_time)
{
	char tmp[4096];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s", dest) >= (int)sizeof(tmp))
		return -1;
	if (mkdirs(tmp))
		return -1;
	fd = open(dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		  st->st_mode & 07777);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		fprintf(stderr, "mkstudent: cannot write %s: %s\n", dest,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fchmod(fd, st->st_mode & 07777);
	if (keep_time) {
		struct timespec t[2] = {st->st_atim, st->st_mtim};

		futimens(fd, t);
	}
	return close(fd);
}

/* One file: list its regions, or copy it with the chosen ones stubbed. */
static int do_file(const char *path, const char *dest_dir)
{
	struct marked_file mf;
	struct stat st;
	char dest[4096];
	size_t len;
	char *text, *out = NULL;
	size_t outlen = 0;
	int r = 0, n, lang;

	if (stat(path, &st) || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "mkstudent: %s: not a regular file, skipped\n",
			path);
		return 0;
	}
	text = read_all(path, &len);
	if (!text) {
		fprintf(stderr, "mkstudent: cannot read %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	n = 0;
	lang = scanned(path, text);
	if (lang >= 0) {
		n = marker_parse(path, text, (enum marker_lang)lang, &mf);
		if (n < 0) {
			free(text);
			return -1;
		}
	}
	regions += n;
	if (mode == LIST) {
		for (int i = 0; i < n; i++)
			printf("%s\t%s:%d\t%s\n", mf.region[i].id, path,
			       mf.region[i].line, mf.region[i].title);
		free(text);
		return 0;
	}
	if (n > 0)
		out = marker_rewrite(text, &mf, wanted, &outlen);
	if (snprintf(dest, sizeof(dest), "%s/%s", dest_dir, path) >=
	    (int)sizeof(dest)) {
		fprintf(stderr, "mkstudent: path too long: %s\n", path);
		free(out);
		free(text);
		return -1;
	}
	if (out && (outlen != len || memcmp(out, text, len))) {
		stubbed_files++;
		r = write_file(dest, out, outlen, &st, false);
	} else {
		r = write_file(dest, text, len, &st, true);
	}
	files++;
	free(out);
	free(text);
	return r;
}

/*
 * A student tree says what it is, so tools that need the reference
 * (make verify-graders) can tell the student why they stop.
 */
static int mark_student(const char *dest)
{
	static const char note[] =
	    "This is a kvmlab student tree, written by `make student`: its\n"
	    "exercise regions are stubs.  See exercises/README.md.\n";
	char path[4096];
	struct stat st = {.st_mode = 0644};

	if (snprintf(path, sizeof(path), "%s/.kvmlab-student", dest) >=
	    (int)sizeof(path))
		return -1;
	return write_file(path, note, sizeof(note) - 1, &st, false);
}

static int usage(void)
{
	fprintf(stderr, "usage: mkstudent [--only ID | --done ID | --none] "
			"DEST < FILES\n"
			"       mkstudent --list < FILES\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *dest = NULL;
	char line[4096];
	int i, failed = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			mode = STUB_ONE;
			only = argv[++i];
		} else if (!strcmp(argv[i], "--done") && i + 1 < argc) {
			mode = STUB_ALL_BUT;
			only = argv[++i];
		} else if (!strcmp(argv[i], "--none")) {
			mode = STUB_NONE;
		} else if (!strcmp(argv[i], "--list")) {
			mode = LIST;
		} else if (argv[i][0] != '-' && !dest) {
			dest = argv[i];
		} else {
			return usage();
		}
	}
	if ((mode == LIST) == (dest != NULL))
		return usage();
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] && do_file(line, dest))
			failed = 1;
	}
	if (failed)
		return 1;
	if ((mode == STUB_ONE || mode == STUB_ALL_BUT) && !only_seen) {
		fprintf(stderr, "mkstudent: no exercise region named %s\n",
			only);
		return 1;
	}
	if (mode == STUB_ALL && mark_student(dest))
		return 1;
	if (mode != LIST)
		printf("mkstudent: %u files to %s; %u rewritten (%s)\n", files,
		       dest, stubbed_files,
		       mode == STUB_ALL	      ? "every exercise stubbed"
		       : mode == STUB_ONE     ? only
		       : mode == STUB_ALL_BUT ? "every exercise stubbed but one"
					      : "reference, nothing stubbed");
	return 0;
}
