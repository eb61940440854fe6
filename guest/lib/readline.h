/* SPDX-License-Identifier: MIT */
/*
 * readline.h: command lines for the guests' monitors (chapter 4 on).
 *
 * A serial console edits the line on the guest's side: every typed key
 * arrives as one byte, and the guest echoes it back so the user sees it.
 * The monitors of chapters 4 (polled) and 6 (interrupt-driven) read
 * their commands with this, each through its own driver.
 */
#ifndef GUEST_READLINE_H
#define GUEST_READLINE_H

#include <stddef.h>

struct line_reader {
	int (*getc)(void *ctx);			/* a byte, or -1: input ended */
	void (*echo)(void *ctx, const char *s); /* show typed text */
	void *ctx;
	int last; /* the previous byte: LF right after CR is one Enter */
};

/*
 * Read one line into buf (NUL-terminated), echoing it.  A terminal sends
 * CR for Enter, a file or pipe LF: either ends the line.  Backspace and
 * DEL erase; other control keys and bytes past the buffer are ignored.
 * Returns the length, or -1 when the input ended or Ctrl-D was typed on
 * an empty line.
 */
int read_line(struct line_reader *r, char *buf, size_t size);

/* Split `line` in place at spaces into at most `max` words. */
int split_words(char *line, char **argv, int max);

#endif
