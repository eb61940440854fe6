/* SPDX-License-Identifier: MIT */
/*
 * record: where every exit of a run is written down (chapter 1 on).
 *
 * One call, exit_record_add(), gives each exit to all its readers: the
 * --trace file, the statistics (--stats and the viewer's statistics pane)
 * and the exit log (fault reports and the viewer's exit pane).  The run
 * loop, the viewer's stepper and chapter 1's raw loop all record through
 * it, so the three count the same exits in the same order.  (The viewer
 * then amends the logged RIP of an IO or MMIO exit to the one after the
 * instruction, the same on every KVM; the trace keeps what KVM said.)
 */
#ifndef KVMLAB_RECORD_H
#define KVMLAB_RECORD_H

#include <stdbool.h>

#include "kvmlab/exits/exitlog.h"
#include "kvmlab/exits/exits.h"
#include "kvmlab/exits/stats.h"
#include "kvmlab/exits/trace.h"
#include "kvmlab/load/loader.h"

struct exit_record {
	struct exit_log log; /* the last exits */
	struct stats stats;  /* every exit, by reason and by place */
	struct trace *trace; /* --trace; NULL when off */
	/* The guest's symbols, to name RIP in reports; may be NULL. */
	const struct guest_image *image;
	/* The caller explains faults itself (chapter 3's --paging32). */
	bool quiet_faults;
};

/* Log, count and trace exit `e`. */
void exit_record_add(struct exit_record *r, const struct exit_info *e);

/* Exits recorded so far (the seq of the newest). */
uint64_t exit_record_count(const struct exit_record *r);

#endif
