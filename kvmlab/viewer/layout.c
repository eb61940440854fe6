/* SPDX-License-Identifier: MIT */
/*
 * layout: where each pane goes (see layout.h for the screen map).
 *
 * Only positions are decided here; what a pane shows is cpupanes.c's or
 * logpanes.c's.  The help text lives here too, next to the hint line, so
 * the keys are described in one file.
 */
#include <inttypes.h>
#include <string.h>

#include "abi/machine.h"
#include "kvmlab/viewer/cpupanes.h"
#include "kvmlab/viewer/layout.h"
#include "kvmlab/viewer/logpanes.h"

static const char *const page_names[PAGE_COUNT] = {
    "cpu", "segments", "exits", "stats", "memory", "console",
};

const char *view_page_name(enum view_page p)
{
	return p < PAGE_COUNT ? page_names[p] : "?";
}

static const char *const help[] = {
    "s        step one instruction (a HLT is recognised, not stepped over)",
    "n        run to the next exit",
    "c        continue: run until a break, the end, or p (redrawn 4x/s)",
    "p        pause a run",
    "b        toggle a breakpoint: address or symbol, Enter = RIP (max 4)",
    "e        break on exits: REASON [ADDR[-END]], e.g. io 3f8; Enter = off",
    "m        break on a change of CPU mode (real, protected, long)",
    "x        memory: ADDR physical, v ADDR virtual, a symbol; Enter = RIP",
    "Tab 1-6  pages: cpu, segments, exits, stats, memory, console",
    "w        write the screen and the last 1000 exits to a file",
    "?        this help (any key closes it)",
    "q        quit",
    "",
    "* and colour: changed since the last stop.  CR0 PG cd: upper case is",
    "a bit set, lower case a bit clear.  Addresses are in hex.",
    /* Only where the VM has an irqchip (chapter 6 on): */
    "irq, pic: RFLAGS.IF, the PICs' IRR ISR IMR (bit n: IRQ n); IRQ n in",
    "the exit log: an interrupt the CPU took during a step.",
};
#define HELP_IRQ_LINES 2

static void title_bar(struct grid *g, const struct view *v)
{
	const struct snapshot *s = &v->cur;
	bool alert = s->why == STOP_BREAKPOINT || s->why == STOP_FILTER ||
		     s->why == STOP_MODE || s->why == STOP_ERROR ||
		     (s->ended && s->status == ABI_STATUS_FAULT);
	int n;

	grid_paint(g, 0, 0, g->cols, GA_BAR);
	n = grid_printf(g, 0, 0, g->cols, GA_BAR, " %s | ", v->title);
	if (v->running)
		grid_text(g, n, 0, g->cols - n, GA_BAR, "running... p pauses");
	else
		grid_printf(g, n, 0, g->cols - n, alert ? GA_ALERT : GA_BAR,
			    "%s%s",
			    s->why == STOP_START || s->ended ? "" : "stopped: ",
			    s->why_text);
}

/* The CPU mode, and the counters on the right (they win if both do not
 * fit: the mode's first words say the most). */
static void mode_line(struct grid *g, const struct view *v)
{
	char right[64];
	int rw =
	    snprintf(right, sizeof(right), "steps %" PRIu64 "  exits %" PRIu64,
		     v->cur.steps, v->cur.exits);

	grid_text(g, 0, 1, g->cols - rw - 1, GA_NORMAL, v->cur.mode);
	grid_text(g, g->cols - rw, 1, rw, GA_NORMAL, right);
}

static void tabs(struct grid *g, int y, const struct view *v)
{
	int x = 3;

	grid_rule(g, 0, y, g->cols, NULL);
	for (int p = 0; p < PAGE_COUNT; p++) {
		bool on = (int)v->page == p;

		x +=
		    grid_printf(g, x, y, g->cols - x, on ? GA_SELECT : GA_TITLE,
				on ? "[%d %s]" : " %d %s ", p + 1,
				view_page_name((enum view_page)p));
		x += grid_text(g, x, y, g->cols - x, GA_TITLE, " ");
	}
}

/* The hint line: a prompt, a message, or the keys. */
static int bottom(struct grid *g, const struct view *v)
{
	static const char *const keys[][2] = {
	    {"s", "step"},  {"n", "to exit"}, {"c", "continue"}, {"p", "pause"},
	    {"b", "break"}, {"e", "exits"},   {"m", "mode"},	 {"x", "mem"},
	    {"?", "help"},  {"q", "quit"},
	};
	int y = g->rows - 1, x = 0;

	grid_paint(g, 0, y, g->cols, GA_BAR);
	if (v->prompt) {
		x = grid_printf(g, 0, y, g->cols - 1, GA_SELECT, "%s: %s",
				v->prompt, v->input);
		return x < g->cols ? x : g->cols - 1;
	}
	if (v->message[0]) {
		grid_text(g, 0, y, g->cols, GA_BAR, v->message);
		return -1;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		x += grid_text(g, x, y, g->cols - x, GA_KEY, keys[i][0]);
		x += grid_printf(g, x, y, g->cols - x, GA_BAR, ":%s ",
				 keys[i][1]);
	}
	return -1;
}

static void help_box(struct grid *g, const struct view *v)
{
	int n = (int)(sizeof(help) / sizeof(help[0])) -
		(v->cur.irq_on ? 0 : HELP_IRQ_LINES);
	struct rect r = {(g->cols - 76) / 2, 2, 76, n + 2};

	grid_box(g, r, "keys");
	for (int i = 0; i < n; i++) {
		grid_text(g, r.x + 2, r.y + 1 + i, r.w - 4, GA_NORMAL, help[i]);
		if (i < 12)
			grid_paint(g, r.x + 2, r.y + 1 + i, 8, GA_KEY);
	}
}

static void page(struct grid *g, struct rect r, const struct view *v)
{
	/* Interrupts, under the breaks, only where the VM has an irqchip. */
	int irq = v->cur.irq_on ? PANE_IRQ_ROWS : 0;
	int h, y;

	switch (v->page) {
	case PAGE_CPU:
		h = pane_control_rows(r.w);
		pane_control(g, (struct rect){r.x, r.y, r.w, h}, v);
		pane_breaks(g, (struct rect){r.x, r.y + h, r.w, 1}, v);
		y = r.y + h + 1;
		pane_irq(g, (struct rect){r.x, y, r.w, irq}, v);
		y += irq;
		pane_exits(g, (struct rect){r.x, y, r.w, r.y + r.h - y}, v);
		break;
	case PAGE_SEGMENTS:
		pane_segments(g, r, v);
		break;
	case PAGE_EXITS:
		pane_exits(g, r, v);
		break;
	case PAGE_STATS:
		pane_stats(g, r, v);
		break;
	case PAGE_MEMORY:
		pane_memory(g, r, v);
		break;
	default:
		pane_console(g, r, v);
		break;
	}
}

/* A pane under its rule; returns the row after it. */
static int stack(struct grid *g, int x, int y, int w, int h, const char *name,
		 void (*pane)(struct grid *, struct rect, const struct view *),
		 const struct view *v)
{
	grid_rule(g, x, y, w, name);
	pane(g, (struct rect){x, y + 1, w, h}, v);
	return y + 1 + h;
}

static void wide(struct grid *g, const struct view *v)
{
	int lw = VIEW_MIN_COLS, rx = lw + 2, rw = g->cols - rx;
	int last = g->rows - 1, y;

	y = stack(g, 0, 2, lw, PANE_REGS_ROWS, "registers", pane_regs, v);
	y = stack(g, 0, y, lw, pane_control_rows(lw), "control registers",
		  pane_control, v);
	y = stack(g, 0, y, lw, 1, "breaks", pane_breaks, v);
	if (v->cur.irq_on)
		y = stack(g, 0, y, lw, PANE_IRQ_ROWS, "interrupts", pane_irq,
			  v);
	y = stack(g, 0, y, lw, PANE_SEGMENTS_ROWS, "segments", pane_segments,
		  v);
	stack(g, 0, y, lw, last - y - 1, "memory", pane_memory, v);

	y = stack(g, rx, 2, rw, last - 2 - 1 - 12 - 1 - 8, "exits", pane_exits,
		  v);
	y = stack(g, rx, y, rw, 12, "exit statistics", pane_stats, v);
	stack(g, rx, y, rw, last - y - 1, "console", pane_console, v);
}

int view_render(const struct view *v, struct grid *g)
{
	int cursor;

	grid_clear(g);
	if (g->cols < VIEW_MIN_COLS || g->rows < VIEW_MIN_ROWS) {
		grid_printf(g, 0, 0, g->cols, GA_ALERT,
			    "the viewer needs 80x24; this is %dx%d", g->cols,
			    g->rows);
		return -1;
	}
	title_bar(g, v);
	mode_line(g, v);
	if (g->cols >= VIEW_WIDE_COLS && g->rows >= VIEW_WIDE_ROWS) {
		wide(g, v);
	} else {
		stack(g, 0, 2, g->cols, PANE_REGS_ROWS, "registers", pane_regs,
		      v);
		tabs(g, 3 + PANE_REGS_ROWS, v);
		page(g,
		     (struct rect){0, 4 + PANE_REGS_ROWS, g->cols,
				   g->rows - 5 - PANE_REGS_ROWS},
		     v);
	}
	cursor = bottom(g, v);
	if (v->help)
		help_box(g, v);
	return cursor;
}
