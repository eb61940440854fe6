/* SPDX-License-Identifier: MIT */
/*
 * tui: the ncurses painter and terminal keeper (see tui.h).
 *
 * ncurses is global state, so this file is too: one terminal, one viewer.
 * The terminal must come back whatever happens, because a student whose
 * shell is left without echo after a guest fault will not trust the tool
 * again.  Every exit path therefore goes through tui_close() or, from a
 * fatal signal, through its async-signal-minded twin restore_now().
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ncurses.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/cli/keys.h"
#include "kvmlab/viewer/capture.h"
#include "kvmlab/viewer/tui.h"

static struct {
	volatile sig_atomic_t active;
	SCREEN *screen;
	FILE *out; /* the terminal, behind the captured stdout */
	struct capture out_cap, err_cap;
	chtype attr[GA_COUNT];
	bool atexit_done;
} tui;

static volatile sig_atomic_t got_signal;

static const int quit_signals[] = {SIGINT, SIGTERM, SIGHUP};
static const int fatal_signals[] = {SIGSEGV, SIGBUS,  SIGFPE,
				    SIGILL,  SIGABRT, SIGQUIT};

/* endwin() is not on the async-signal-safe list, but it is what every
 * curses program calls here; the alternative is a dead terminal. */
static void restore_now(bool flush)
{
	if (!tui.active)
		return;
	tui.active = 0;
	endwin();
	capture_stop(&tui.out_cap, true, flush);
	capture_stop(&tui.err_cap, true, flush);
}

static void on_quit(int sig)
{
	got_signal = sig;
}

static void on_fatal(int sig)
{
	restore_now(false);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void handle(const int *sigs, size_t n, void (*fn)(int))
{
	struct sigaction sa = {.sa_handler = fn};

	/* No SA_RESTART: a signal must end KVM_RUN and wgetch(). */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < n; i++)
		sigaction(sigs[i], &sa, NULL);
}

static void at_exit(void)
{
	tui_close();
}

static bool no_color(void)
{
	const char *v = getenv("NO_COLOR");

	return v && *v;
}

static void pick_attributes(bool mono)
{
	chtype *a = tui.attr;

	if (mono || no_color() || !has_colors()) {
		a[GA_NORMAL] = A_NORMAL;
		a[GA_TITLE] = A_BOLD;
		a[GA_CHANGED] = A_BOLD | A_UNDERLINE;
		a[GA_SET] = A_BOLD;
		a[GA_DIM] = A_NORMAL;
		a[GA_ALERT] = A_BOLD | A_UNDERLINE;
		a[GA_KEY] = A_BOLD;
		a[GA_SELECT] = A_REVERSE;
		a[GA_BAR] = A_REVERSE;
		return;
	}
	start_color();
	use_default_colors();
	init_pair(1, COLOR_CYAN, -1);
	init_pair(2, COLOR_YELLOW, -1);
	init_pair(3, COLOR_GREEN, -1);
	init_pair(4, COLOR_RED, -1);
	init_pair(5, COLOR_BLACK, COLOR_CYAN);
	init_pair(6, COLOR_RED, COLOR_CYAN);
	a[GA_NORMAL] = A_NORMAL;
	a[GA_TITLE] = COLOR_PAIR(1);
	a[GA_CHANGED] = COLOR_PAIR(2) | A_BOLD;
	a[GA_SET] = COLOR_PAIR(3) | A_BOLD;
	a[GA_DIM] = A_DIM;
	a[GA_ALERT] = COLOR_PAIR(6) | A_BOLD;
	a[GA_KEY] = COLOR_PAIR(5) | A_BOLD;
	a[GA_SELECT] = A_REVERSE;
	a[GA_BAR] = COLOR_PAIR(5);
}

int tui_open(bool mono)
{
	const char *term = getenv("TERM");
	int fd;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		error("--tui needs a terminal on stdin and stdout");
		hint("run it in a terminal, or replay keys without one: "
		     "--tui-script 'sss' prints the screen as text");
		return ABI_STATUS_USAGE;
	}
	if (capture_start(&tui.out_cap, STDOUT_FILENO))
		return ABI_STATUS_HOST;
	fd = dup(tui.out_cap.saved);
	tui.out = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!tui.out || capture_start(&tui.err_cap, STDERR_FILENO)) {
		if (tui.out)
			fclose(tui.out);
		capture_stop(&tui.out_cap, true, true);
		return ABI_STATUS_HOST;
	}
	tui.screen = newterm(NULL, tui.out, stdin);
	if (!tui.screen) {
		capture_stop(&tui.err_cap, true, true);
		capture_stop(&tui.out_cap, true, true);
		fclose(tui.out);
		error("the terminal type TERM=%s is unknown to ncurses",
		      term ? term : "(unset)");
		hint("try TERM=xterm-256color, or --tui-script for text");
		return ABI_STATUS_USAGE;
	}
	tui.active = 1;
	/* at_quick_exit too: an exercise stub ends with quick_exit(). */
	if (!tui.atexit_done) {
		atexit(at_exit);
		at_quick_exit(at_exit);
	}
	tui.atexit_done = true;
	handle(quit_signals, sizeof(quit_signals) / sizeof(int), on_quit);
	handle(fatal_signals, sizeof(fatal_signals) / sizeof(int), on_fatal);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	pick_attributes(mono);
	return 0;
}

void tui_close(void)
{
	if (!tui.active)
		return;
	restore_now(true);
	delscreen(tui.screen);
	tui.screen = NULL;
	fclose(tui.out);
	tui.out = NULL;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(int); i++)
		signal(fatal_signals[i], SIG_DFL);
}

void tui_size(int *cols, int *rows)
{
	*cols = COLS;
	*rows = LINES;
}

void tui_paint(const struct grid *g, int cursor)
{
	int rows = g->rows < LINES ? g->rows : LINES;
	int cols = g->cols < COLS ? g->cols : COLS;

	for (int y = 0; y < rows; y++) {
		move(y, 0);
		for (int x = 0; x < cols; x++) {
			size_t at = (size_t)y * (size_t)g->cols + (size_t)x;

			addch((chtype)(unsigned char)g->ch[at] |
			      tui.attr[g->attr[at] < GA_COUNT ? g->attr[at]
							      : GA_NORMAL]);
		}
	}
	if (cursor >= 0 && cursor < cols) {
		curs_set(1);
		move(rows - 1, cursor);
	} else {
		curs_set(0);
	}
	refresh();
}

void tui_redraw(void)
{
	clearok(curscr, TRUE);
}

int tui_key(int timeout_ms)
{
	int c;

	timeout(timeout_ms);
	c = getch();
	switch (c) {
	case ERR:
		return KEY_NONE;
	case KEY_RESIZE:
		return VKEY_RESIZE;
	case KEY_ENTER:
	case '\r':
	case '\n':
		return KEY_ENTER_;
	case KEY_BACKSPACE:
	case KEY_DC:
	case 8:
	case 127:
		return KEY_BS_;
	default:
		return c >= 0 && c < 0x100 ? c : KEY_NONE;
	}
}

int tui_signal(void)
{
	return got_signal;
}

int tui_console_fd(void)
{
	return tui.out_cap.file;
}
