/* SPDX-License-Identifier: MIT */
/*
 * capture: hold what is written to stdout or stderr in a temporary file
 * while the register viewer owns the screen (chapter 1 on).
 *
 * The guest's console goes to stdout and the VMM's messages to stderr;
 * either would tear the viewer's screen apart.  While captured, the text
 * collects in an unlinked temporary file: the viewer shows the console's
 * tail in a pane, and everything is written to the real stdout and stderr
 * when the viewer ends, so nothing the guest or the VMM said is lost.
 */
#ifndef KVMLAB_CAPTURE_H
#define KVMLAB_CAPTURE_H

#include <stdbool.h>

struct capture {
	int fd;	   /* the descriptor captured: 1 or 2 */
	int saved; /* a copy of the original, -1 when not capturing */
	int file;  /* the temporary file now behind `fd` */
};

/*
 * Flush stdio, then put a temporary file behind `fd`.  0, or -errno
 * (reported); on failure nothing changed.
 */
int capture_start(struct capture *c, int fd);
/*
 * Put the original back and, if `replay`, copy the captured text to it.
 * Safe to call twice, on a capture never started, and from a signal
 * handler (only dup2, read, write and close; stdio is flushed only when
 * `flush` is true).
 */
void capture_stop(struct capture *c, bool replay, bool flush);

#endif
