/* SPDX-License-Identifier: MIT */
/*
 * term: raw mode for the terminal behind the emulated UART (chapter 4).
 *
 * A VMM that leaves the terminal raw when it dies leaves its user typing
 * blind into a shell that no longer echoes.  So the saved settings are
 * restored from an atexit() handler (and at_quick_exit(), which an
 * exercise stub ends with) and from the handlers of the signals
 * that usually end a program; both may run, and restoring twice is
 * harmless.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "kvmlab/base/log.h"
#include "kvmlab/cli/term.h"

static struct termios saved;
static int saved_fd = -1;
static volatile sig_atomic_t raw_on;

/* SIGPIPE too: `ch04 | head` must not leave the terminal raw. */
static const int restore_signals[] = {SIGINT,  SIGTERM, SIGHUP, SIGQUIT,
				      SIGPIPE, SIGSEGV, SIGBUS, SIGFPE,
				      SIGILL,  SIGABRT};

void term_restore(void)
{
	if (!raw_on)
		return;
	raw_on = 0;
	/* tcsetattr() is async-signal-safe: this also runs in a handler. */
	tcsetattr(saved_fd, TCSANOW, &saved);
}

/* Restore, then die of the same signal, so the shell sees why. */
static void on_signal(int sig)
{
	term_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

int term_raw(int fd)
{
	static bool hooked;
	struct termios raw;
	struct sigaction sa = {.sa_handler = on_signal};

	if (!isatty(fd))
		return 0;
	if (tcgetattr(fd, &saved) < 0) {
		int err = errno;

		error("cannot read the terminal's settings: %s", strerror(err));
		return -err;
	}
	raw = saved;
	/* Input: no CR->NL, no flow control keys, all 8 bits. */
	raw.c_iflag &= ~(tcflag_t)(ICRNL | INLCR | IGNCR | IXON | ISTRIP);
	/* No line editing, no echo; ISIG stays so Ctrl-C still works. */
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ECHONL | IEXTEN);
	/* Ctrl-Z would stop us with the terminal raw: hand it to the guest. */
	raw.c_cc[VSUSP] = _POSIX_VDISABLE;
	/* read() returns as soon as one byte is there. */
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;

	saved_fd = fd;
	if (!hooked) {
		atexit(term_restore);
		at_quick_exit(term_restore);
		sigemptyset(&sa.sa_mask);
		for (size_t i = 0;
		     i < sizeof(restore_signals) / sizeof(restore_signals[0]);
		     i++)
			sigaction(restore_signals[i], &sa, NULL);
		hooked = true;
	}
	if (tcsetattr(fd, TCSANOW, &raw) < 0) {
		int err = errno;

		error("cannot put the terminal in raw mode: %s", strerror(err));
		return -err;
	}
	raw_on = 1;
	return 1;
}
