/* SPDX-License-Identifier: MIT */
/*
 * cpupanes: the register viewer's panes of CPU state (chapter 1 on):
 * general registers with RIP and RFLAGS, control registers and EFER
 * decoded bit by bit, segment registers with GDT and IDT, and what is
 * armed to stop a run.  Each draws into its rectangle and stays inside it.
 */
#ifndef KVMLAB_CPUPANES_H
#define KVMLAB_CPUPANES_H

#include "kvmlab/viewer/grid.h"
#include "kvmlab/viewer/view.h"

/* Rows the fixed-height panes need. */
#define PANE_REGS_ROWS	   8
#define PANE_SEGMENTS_ROWS 11
/* Rows the control registers need at width `w` (CR4 wraps). */
int pane_control_rows(int w);

void pane_regs(struct grid *g, struct rect r, const struct view *v);
void pane_control(struct grid *g, struct rect r, const struct view *v);
void pane_segments(struct grid *g, struct rect r, const struct view *v);
void pane_breaks(struct grid *g, struct rect r, const struct view *v);

#endif
