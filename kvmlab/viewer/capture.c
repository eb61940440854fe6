/* SPDX-License-Identifier: MIT */
/*
 * capture: redirect stdout or stderr into a temporary file (see
 * capture.h).  dup2() swaps the file in under the descriptor, so stdio,
 * printf and every library message follow without knowing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmlab/base/log.h"
#include "kvmlab/viewer/capture.h"

static int temp_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	/* A file system without O_TMPFILE: create, then unlink at once. */
	snprintf(path, sizeof(path), "%s/kvmlab-viewer.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

int capture_start(struct capture *c, int fd)
{
	int err;

	c->fd = fd;
	c->saved = -1;
	c->file = -1;
	fflush(stdout);
	fflush(stderr);
	c->file = temp_file();
	if (c->file < 0)
		goto fail;
	c->saved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (c->saved < 0 || dup2(c->file, fd) < 0)
		goto fail;
	return 0;
fail:
	err = errno;
	if (c->file >= 0)
		close(c->file);
	if (c->saved >= 0)
		close(c->saved);
	c->file = c->saved = -1;
	error("cannot hold the output in a temporary file: %s", strerror(err));
	return -err;
}

void capture_stop(struct capture *c, bool replay, bool flush)
{
	char buf[4096];
	off_t at = 0;
	ssize_t n;

	if (c->saved < 0)
		return;
	if (flush)
		fflush(c->fd == 1 ? stdout : stderr);
	dup2(c->saved, c->fd);
	close(c->saved);
	c->saved = -1;
	while (replay && (n = pread(c->file, buf, sizeof(buf), at)) > 0) {
		for (ssize_t done = 0, w; done < n; done += w) {
			w = write(c->fd, buf + done, (size_t)(n - done));
			if (w <= 0)
				break;
		}
		at += n;
	}
	close(c->file);
	c->file = -1;
}
