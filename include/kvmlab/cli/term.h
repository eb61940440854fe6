/* SPDX-License-Identifier: MIT */
/*
 * term: the terminal as a serial line (chapter 4).
 *
 * A terminal normally edits a line before a program sees it (canonical
 * mode) and echoes what is typed.  A serial port does neither: each key
 * is one byte on the wire the moment it is pressed, and the far end (the
 * guest) echoes it.  term_raw() makes the terminal behave like that line;
 * the settings come back on every way out of the VMM: a normal exit,
 * die(), and SIGINT, SIGTERM, SIGHUP or SIGQUIT.
 *
 * Ctrl-C still stops the VMM (ISIG stays on), so a student can always
 * leave a guest that stopped listening.
 */
#ifndef KVMLAB_TERM_H
#define KVMLAB_TERM_H

/*
 * If `fd` is a terminal, switch it to raw input (no line editing, no
 * echo, no CR-to-NL translation, one byte at a time; output processing
 * and signals stay on) and arrange for term_restore() at exit and on
 * the signals above.  1 if it did, 0 if `fd` is not a terminal,
 * -errno if the terminal refused (reported).
 */
int term_raw(int fd);

/* Put the terminal back as term_raw() found it.  Safe to call twice. */
void term_restore(void);

#endif
