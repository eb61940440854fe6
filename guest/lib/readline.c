/* SPDX-License-Identifier: MIT */
/*
 * readline.c: line editing for the guests' monitors (see readline.h).
 */
#include "readline.h"

int read_line(struct line_reader *r, char *buf, size_t size)
{
	size_t n = 0;

	for (;;) {
		int c = r->getc(r->ctx);
		int prev = r->last;
		char s[2] = {0, 0};

		r->last = c;
		if (c < 0 || (c == 0x04 && n == 0)) /* hang-up or Ctrl-D */
			return -1;
		if (c == '\n' && prev == '\r')
			continue;
		if (c == '\r' || c == '\n') {
			r->echo(r->ctx, "\n");
			buf[n] = '\0';
			return (int)n;
		}
		if (c == 0x7f || c == '\b') {
			if (n) {
				n--;
				r->echo(r->ctx, "\b \b");
			}
			continue;
		}
		if (c < 0x20 || c > 0x7e || n + 1 >= size)
			continue; /* other control keys; a full line */
		buf[n++] = (char)c;
		s[0] = (char)c;
		r->echo(r->ctx, s);
	}
}

int split_words(char *line, char **argv, int max)
{
	int argc = 0;

	while (*line && argc < max) {
		while (*line == ' ')
			*line++ = '\0';
		if (!*line)
			break;
		argv[argc++] = line;
		while (*line && *line != ' ')
			line++;
	}
	return argc;
}
