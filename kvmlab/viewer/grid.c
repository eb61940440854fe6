/* SPDX-License-Identifier: MIT */
/*
 * grid: the viewer's screen as characters and attributes (see grid.h).
 *
 * Rendering into memory first, and painting second, is what makes the
 * viewer testable: the same grid is printed as text by the headless mode
 * and compared with golden frames, and painted by ncurses for a student.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kvmlab/viewer/grid.h"

int grid_init(struct grid *g, int cols, int rows)
{
	memset(g, 0, sizeof(*g));
	if (cols <= 0 || rows <= 0 || cols > 1000 || rows > 1000)
		return -EINVAL;
	g->ch = malloc((size_t)cols * (size_t)rows);
	g->attr = malloc((size_t)cols * (size_t)rows);
	if (!g->ch || !g->attr) {
		grid_free(g);
		return -ENOMEM;
	}
	g->cols = cols;
	g->rows = rows;
	grid_clear(g);
	return 0;
}

void grid_free(struct grid *g)
{
	free(g->ch);
	free(g->attr);
	memset(g, 0, sizeof(*g));
}

void grid_clear(struct grid *g)
{
	memset(g->ch, ' ', (size_t)g->cols * (size_t)g->rows);
	memset(g->attr, GA_NORMAL, (size_t)g->cols * (size_t)g->rows);
}

int grid_text(struct grid *g, int x, int y, int maxw, uint8_t attr,
	      const char *s)
{
	int n = 0;

	if (y < 0 || y >= g->rows || x < 0)
		return 0;
	for (; *s && n < maxw && x + n < g->cols; s++, n++) {
		unsigned char c = (unsigned char)*s;
		size_t at = (size_t)y * (size_t)g->cols + (size_t)(x + n);

		g->ch[at] = c >= 0x20 && c < 0x7f ? (char)c : '.';
		g->attr[at] = attr;
	}
	return n;
}

int grid_printf(struct grid *g, int x, int y, int maxw, uint8_t attr,
		const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return grid_text(g, x, y, maxw, attr, buf);
}

void grid_paint(struct grid *g, int x, int y, int w, uint8_t attr)
{
	if (y < 0 || y >= g->rows)
		return;
	for (int i = x < 0 ? 0 : x; i < x + w && i < g->cols; i++)
		g->attr[(size_t)y * (size_t)g->cols + (size_t)i] = attr;
}

void grid_rule(struct grid *g, int x, int y, int w, const char *title)
{
	int n;

	for (int i = 0; i < w; i++)
		grid_text(g, x + i, y, 1, GA_TITLE, "-");
	if (!title || !*title)
		return;
	n = grid_text(g, x + 3, y, w - 4, GA_TITLE, " ");
	n += grid_text(g, x + 3 + n, y, w - 4 - n, GA_TITLE, title);
	grid_text(g, x + 3 + n, y, w - 4 - n, GA_TITLE, " ");
}

void grid_box(struct grid *g, struct rect r, const char *title)
{
	if (r.w < 2 || r.h < 2)
		return;
	for (int y = r.y; y < r.y + r.h; y++) {
		bool edge = y == r.y || y == r.y + r.h - 1;

		for (int x = r.x; x < r.x + r.w; x++) {
			bool side = x == r.x || x == r.x + r.w - 1;
			const char *c = edge && side ? "+"
					: edge	     ? "-"
					: side	     ? "|"
						     : " ";

			grid_text(g, x, y, 1,
				  edge || side ? GA_TITLE : GA_NORMAL, c);
		}
	}
	if (title && *title)
		grid_printf(g, r.x + 2, r.y, r.w - 4, GA_TITLE, " %s ", title);
}

const char *grid_row(const struct grid *g, int y, char *buf, size_t len)
{
	size_t n = 0;

	if (!len)
		return buf;
	if (y >= 0 && y < g->rows) {
		const char *row = g->ch + (size_t)y * (size_t)g->cols;

		n = (size_t)g->cols < len - 1 ? (size_t)g->cols : len - 1;
		memcpy(buf, row, n);
		while (n && buf[n - 1] == ' ')
			n--;
	}
	buf[n] = '\0';
	return buf;
}

void grid_write(const struct grid *g, FILE *out)
{
	char line[1024 + 1];

	for (int y = 0; y < g->rows; y++)
		fprintf(out, "%s\n", grid_row(g, y, line, sizeof(line)));
}
