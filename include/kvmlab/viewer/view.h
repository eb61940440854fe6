/* SPDX-License-Identifier: MIT */
/*
 * view: what the register viewer's screen shows, in one struct (chapter 1
 * on).  The viewer (commands.c) fills it; layout.c and the panes
 * (cpupanes.c, logpanes.c) draw it and read nothing else.  It holds this
 * stop's snapshot and the last stop's: a value that differs between the
 * two is drawn with a '*' beside it and the GA_CHANGED attribute, so the
 * screen reads the same in colour, in monochrome and as headless text.
 * Types only: there is no view.c.
 */
#ifndef KVMLAB_VIEW_H
#define KVMLAB_VIEW_H

#include <stdbool.h>

#include "kvmlab/viewer/snapshot.h"

enum view_page {
	PAGE_CPU,      /* control registers, breaks and the latest exits */
	PAGE_SEGMENTS, /* segment registers, GDT and IDT */
	PAGE_EXITS,    /* the exit log */
	PAGE_STATS,    /* exit statistics */
	PAGE_MEMORY,   /* the memory view */
	PAGE_CONSOLE,  /* what the guest printed */
	PAGE_COUNT
};

/* Everything the screen shows; the viewer fills it, layout.c draws it. */
struct view {
	const char *title; /* "ch03" */
	struct snapshot cur, prev;
	bool have_prev; /* false until the first stop: nothing is marked */
	enum view_page page;
	bool help;
	bool clock;   /* rates from run time; false in headless mode */
	bool running; /* a run is going on */
	char message[192];
	const char *prompt; /* a question being asked, or NULL */
	char input[128];    /* the answer so far */
};

#endif
