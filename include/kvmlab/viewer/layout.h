/* SPDX-License-Identifier: MIT */
/*
 * layout: arrange the register viewer's panes on a screen of any size
 * (chapter 1 on).
 *
 * At 80x24 (the smallest screen the viewer draws) the registers are
 * always shown and the lower part holds one page at a time: cpu (control
 * registers, breaks, the latest exits), segments, exits, stats, memory,
 * console; Tab or 1-6 switch pages.  A taller screen gives the page more
 * rows; from 160x45 every pane is on screen at once, in two columns.
 *
 *   row 0        title bar: the chapter, why the guest stopped, counters
 *   row 1        the CPU mode
 *   rows 2-10    general registers, RIP with its symbol, RFLAGS
 *   row 11       page tabs
 *   rows 12..    the page
 *   last row     key hints, a message, or a prompt
 */
#ifndef KVMLAB_LAYOUT_H
#define KVMLAB_LAYOUT_H

#include "kvmlab/viewer/grid.h"
#include "kvmlab/viewer/view.h"

#define VIEW_MIN_COLS  80
#define VIEW_MIN_ROWS  24
#define VIEW_WIDE_COLS 160
#define VIEW_WIDE_ROWS 45

/* "cpu", "segments", ... */
const char *view_page_name(enum view_page p);

/*
 * Draw `v` into `g` (cleared first).  Returns the column of the cursor on
 * the last row while a prompt is open, else -1.  A grid smaller than
 * 80x24 gets a one-line notice instead.
 */
int view_render(const struct view *v, struct grid *g);

#endif
