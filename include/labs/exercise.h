/* SPDX-License-Identifier: MIT */
/*
 * exercise: what an unfinished exercise does in the VMM (the labs, from
 * chapter 1's on).
 *
 * It belongs to the labs, not to the library: the library reaches it only
 * from its exercise regions, whose student stubs call exercise_todo()
 * (tests/layers.sh checks that no other library file includes it).
 *
 * The student tree (`make student`) replaces each exercise region with a
 * stub that calls exercise_todo().  It must fail at once and say which
 * exercise is missing, so a student (and the grader) never waits for a
 * timeout or decodes a crash to learn that a hole is still open.
 */
#ifndef KVMLAB_EXERCISE_H
#define KVMLAB_EXERCISE_H

#include <stdnoreturn.h>

/*
 * Print "kvmlab: exercise ID is not done yet: see HANDOUT" on stderr (after
 * flushing stdout), note it (exercise_note), and end the process with
 * ABI_STATUS_EXERCISE (78) through quick_exit(): only the at_quick_exit()
 * handlers run, which put the terminal back (the viewer, chapter 4's raw
 * line), and no atexit() handler or leak check can change the status.
 */
noreturn void exercise_todo(const char *id, const char *handout);

/*
 * Append `id` as a line to the file named by $KVMLAB_EXERCISE_LOG, if set.
 * The grader sets it for every test, so it learns that a test ran a stub
 * even when the message went to a terminal it cannot read.  A guest's stub
 * ends its VM with status 78, which the grader's run_vmm notes as "guest"
 * (tests/guest/lib.sh): the library knows nothing of the labs.
 */
void exercise_note(const char *id);

#endif
