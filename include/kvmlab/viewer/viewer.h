/* SPDX-License-Identifier: MIT */
/*
 * viewer: the register viewer, every chapter binary's --tui (chapter 1 on).
 *
 * It opens stopped at the guest's first instruction; the student steps
 * one instruction, runs to the next exit, continues, sets breakpoints and
 * exit filters, and watches registers, segments, control registers,
 * memory and exits change.  Keys: ? in the viewer, or README.md.
 *
 * --tui-script KEYS runs it headless: the keys are replayed, and the
 * screen (80x24, or --tui-size) is printed as text at each <frame> and at
 * the end, each frame after a line "--- frame N ---".  Headless frames
 * hold no wall-clock values (rates show "-"), so they can be compared
 * with golden files.  The guest's console text follows the last frame.
 * --timeout bounds each headless run command; in the terminal the student
 * pauses with p instead.
 *
 * The pieces: stepper.c runs the guest, snapshot.c copies its state,
 * cpupanes.c, logpanes.c and layout.c draw it into a grid.c grid,
 * commands.c acts on keys, tui.c paints the grid with ncurses.
 */
#ifndef KVMLAB_VIEWER_H
#define KVMLAB_VIEWER_H

#include <stdint.h>

#include <linux/kvm.h>

#include "kvmlab/cli/options.h"
#include "kvmlab/kvm/vcpu.h"

/*
 * View `v`, which is at its first instruction, until the student quits.
 * Returns the chapter binary's exit status: the guest's own when it
 * ended, 0 when the student quit before, ABI_STATUS_USAGE (no terminal,
 * a bad key script), 128 + N after signal N.  A flat guest without
 * symbols gets them from the .sym file beside opt->guest.  It has the
 * type machine_run() takes (machine_viewer), and chapter 1 calls it with
 * its own vCPU.
 */
int viewer_run(struct vcpu *v, const struct options *opt);

#endif
