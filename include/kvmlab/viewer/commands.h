/* SPDX-License-Identifier: MIT */
/*
 * commands: what each key of the register viewer does (chapter 1 on).
 *
 * The same function handles a key whether a student pressed it in the
 * terminal or the headless mode read it from a script, so the tests
 * exercise exactly the code a student uses.  The keys are listed in
 * layout.c's help and in README.md.
 */
#ifndef KVMLAB_COMMANDS_H
#define KVMLAB_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>

#include "kvmlab/viewer/grid.h"
#include "kvmlab/viewer/stepper.h"
#include "kvmlab/viewer/view.h"

enum prompt_kind {
	PROMPT_NONE,
	PROMPT_BREAK,
	PROMPT_FILTER,
	PROMPT_MEMORY,
	PROMPT_WRITE
};

/* One viewer session (large: allocate it, do not put it on the stack). */
struct viewer {
	struct stepper st;
	struct view view;
	struct grid grid;
	const char *binary; /* "ch03", for the default file name */
	bool headless, quit;
	unsigned timeout;     /* headless: seconds a run may take, 0 = none */
	uint64_t deadline_ns; /* headless: when the current run must stop */
	int console_fd;	      /* the captured console, or -1 */
	bool mem_on, mem_virtual;
	uint64_t mem_addr;
	enum prompt_kind prompt;
	char question[128];	/* the prompt's text */
	struct run_hooks hooks; /* the TUI's tick or the headless limit */
	/* The TUI paints the screen with this; NULL when headless. */
	void (*draw)(struct viewer *vw);
};

/* Take a new snapshot; at a stop (`stop`), the old one becomes the one
 * changes are marked against. */
void viewer_refresh(struct viewer *vw, bool stop);
/* Act on one key (keys.h). */
void viewer_key(struct viewer *vw, int key);
/* Switch to a page by its key ('\t', '1'-'6'); false for other keys. */
bool viewer_page_key(struct viewer *vw, int key);
#endif
