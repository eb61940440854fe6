/* SPDX-License-Identifier: MIT */
/*
 * cpupanes: the register viewer's panes of CPU state (chapter 1 on):
 * general registers with RIP and RFLAGS, control registers and EFER
 * decoded bit by bit, segment registers with GDT and IDT, what is armed
 * to stop a run, and (chapter 6 on) the CPU's and the PICs' interrupt
 * state.  Each draws into its rectangle and stays inside it.
 */
#ifndef KVMLAB_CPUPANES_H
#define KVMLAB_CPUPANES_H

#include "kvmlab/viewer/grid.h"
#include "kvmlab/viewer/view.h"

/* Rows the fixed-height panes need. */
#define PANE_REGS_ROWS	   8
#define PANE_SEGMENTS_ROWS 11
#define PANE_IRQ_ROWS	   2 /* only with an in-kernel irqchip */
/* Rows the control registers need at width `w` (CR4 wraps). */
int pane_control_rows(int w);

void pane_regs(struct grid *g, struct rect r, const struct view *v);
void pane_control(struct grid *g, struct rect r, const struct view *v);
void pane_segments(struct grid *g, struct rect r, const struct view *v);
void pane_breaks(struct grid *g, struct rect r, const struct view *v);
/*
 * Chapter 6 on, when the VM has an in-kernel irqchip (snapshot irq_on):
 *   irq  IF=1  vectors 32-39 40-47  shadow -  nmi -  injecting -
 *   pic  IRR*0001 0 timer  ISR 0000 -  IMR ffea unmasked 0 2 4
 * Draws nothing otherwise.
 */
void pane_irq(struct grid *g, struct rect r, const struct view *v);

#endif
