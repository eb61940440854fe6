/* SPDX-License-Identifier: MIT */
/*
 * prompts: the register viewer's questions, asked on the bottom line and
 * answered with Enter (chapter 1 on):
 *
 *   b  breakpoint at: a symbol, symbol+offset (decimal, or 0x hex, as the
 *      screen shows offsets), a hex address; Enter = RIP
 *   e  break on exits: REASON [ADDR[-END]] (breaks.h); Enter = off
 *   x  memory at: p ADDR (physical), v ADDR (virtual), a symbol
 *      (virtual), a bare hex address (physical); Enter = RIP
 *   w  write the screen and the exit log to: a path; Enter = BINARY-view.txt
 *
 * Esc cancels, Backspace deletes.  The outcome is the next message.
 */
#ifndef KVMLAB_PROMPTS_H
#define KVMLAB_PROMPTS_H

#include <stddef.h>

#include "kvmlab/viewer/commands.h"

/* Open the prompt `p` (not PROMPT_NONE). */
void viewer_ask(struct viewer *vw, enum prompt_kind p);
/* A key while a prompt is open: edit, cancel, or answer. */
void viewer_prompt_key(struct viewer *vw, int key);
/*
 * Write the screen and the last EXIT_LOG_SIZE exits to `path`.  0 or
 * -errno; `msg` says what happened either way.
 */
int viewer_write(struct viewer *vw, const char *path, char *msg, size_t len);

#endif
