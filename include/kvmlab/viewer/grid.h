/* SPDX-License-Identifier: MIT */
/*
 * grid: the register viewer's screen as a character grid (chapter 1 on).
 *
 * The viewer renders everything into a grid of plain ASCII characters,
 * each with a small attribute (what the text is, not how it looks).  The
 * ncurses painter (tui.c) maps attributes to colours or to bold and
 * reverse video; the headless mode prints the characters alone.  So the
 * tests see exactly what a student sees, without a terminal.
 */
#ifndef KVMLAB_GRID_H
#define KVMLAB_GRID_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What a cell is; the painter decides how it looks. */
enum grid_attr {
	GA_NORMAL,
	GA_TITLE,   /* the title bar and pane rules */
	GA_CHANGED, /* a value that changed since the last stop */
	GA_SET,	    /* a decoded bit that is set */
	GA_DIM,	    /* labels, clear bits, unchanged context */
	GA_ALERT,   /* a stop on a breakpoint, a fault, an error */
	GA_KEY,	    /* key names in the hint line and help */
	GA_SELECT,  /* the current page tab, the prompt */
	GA_BAR,	    /* the title bar and the key-hint line */
	GA_COUNT
};

struct grid {
	int cols, rows;
	char *ch;
	uint8_t *attr;
};

/* A rectangle of the grid that a pane draws into. */
struct rect {
	int x, y, w, h;
};

/* Allocate a cols x rows grid of spaces.  0 or -ENOMEM (or -EINVAL). */
int grid_init(struct grid *g, int cols, int rows);
void grid_free(struct grid *g);
/* Fill every cell with a space of GA_NORMAL. */
void grid_clear(struct grid *g);

/*
 * Write `s` at (x, y), at most `maxw` columns (and never past the grid's
 * edge); characters outside printable ASCII become '.', so guest bytes can
 * never reach the terminal as control sequences.  Returns the columns
 * written.
 */
int grid_text(struct grid *g, int x, int y, int maxw, uint8_t attr,
	      const char *s);
int grid_printf(struct grid *g, int x, int y, int maxw, uint8_t attr,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Set the attribute of `w` cells from (x, y), keeping the characters. */
void grid_paint(struct grid *g, int x, int y, int w, uint8_t attr);
/* A pane's top border: "-- title ---------" across `w` columns. */
void grid_rule(struct grid *g, int x, int y, int w, const char *title);
/* A box with ASCII borders (+, -, |) and a title, its inside cleared. */
void grid_box(struct grid *g, struct rect r, const char *title);

/* Row `y` as text, trailing spaces cut, into buf (cols + 1 bytes). */
const char *grid_row(const struct grid *g, int y, char *buf, size_t len);
/* Every row as text, one line each, trailing spaces cut. */
void grid_write(const struct grid *g, FILE *out);

#endif
