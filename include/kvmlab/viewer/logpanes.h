/* SPDX-License-Identifier: MIT */
/*
 * logpanes: the register viewer's panes of what happened and what is in
 * memory (chapter 1 on): the exit log (newest last), exit statistics per
 * reason, port and MMIO address, the memory view with its page walk, and
 * the guest's console.  Each draws into its rectangle and stays inside it.
 */
#ifndef KVMLAB_LOGPANES_H
#define KVMLAB_LOGPANES_H

#include "kvmlab/viewer/grid.h"
#include "kvmlab/viewer/view.h"

void pane_exits(struct grid *g, struct rect r, const struct view *v);
void pane_stats(struct grid *g, struct rect r, const struct view *v);
void pane_memory(struct grid *g, struct rect r, const struct view *v);
void pane_console(struct grid *g, struct rect r, const struct view *v);

#endif
