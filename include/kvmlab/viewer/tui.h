/* SPDX-License-Identifier: MIT */
/*
 * tui: paint the register viewer's grid on a terminal with ncurses, read
 * keys, and give the terminal back on every way out (chapter 1 on).
 *
 * ncurses only paints: what is on screen is decided by layout.c into a
 * grid.  While the viewer runs, stdout (the guest's console) and stderr
 * (the VMM's messages) are held in temporary files (capture.h) and
 * written out when the terminal is restored, after a normal quit, an
 * exit() anywhere (atexit), SIGINT/SIGTERM/SIGHUP (the viewer quits), or
 * a crash (SIGSEGV, SIGABRT, ...: restored, then the signal goes on).
 *
 * Colour is used when the terminal has it, unless --mono or NO_COLOR
 * (https://no-color.org: set and not empty) says otherwise; without it,
 * attributes become bold, underline and reverse video.
 */
#ifndef KVMLAB_TUI_H
#define KVMLAB_TUI_H

#include <stdbool.h>

#include "kvmlab/viewer/grid.h"

/*
 * Take over the terminal on stdin/stdout.  0; ABI_STATUS_USAGE when they
 * are not a terminal or TERM is unknown (reported); ABI_STATUS_HOST when
 * the output cannot be held.
 */
int tui_open(bool mono);
/* Restore the terminal and write out the held output.  Safe twice. */
void tui_close(void);

/* The terminal's size now. */
void tui_size(int *cols, int *rows);
/* Paint `g`; put the cursor on the last row at `cursor` (-1: hidden). */
void tui_paint(const struct grid *g, int cursor);
/* Paint everything again on the next tui_paint() (Ctrl-L). */
void tui_redraw(void);
/* The next key (keys.h), waiting at most `timeout_ms`; KEY_NONE if none. */
int tui_key(int timeout_ms);
/* SIGINT, SIGTERM or SIGHUP if one arrived (the viewer then quits), or 0. */
int tui_signal(void);
/* The file holding the guest's console output, for the console pane. */
int tui_console_fd(void);

#endif
