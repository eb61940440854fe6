/* SPDX-License-Identifier: MIT */
/*
 * exercise.h: what an unfinished exercise does in a guest (the labs).
 *
 * In the student tree an exercise region of guest code is a stub that
 * calls guest_exercise_todo(): it prints which exercise is missing and
 * ends the VM at once through the debug-exit port, so the VMM exits with
 * ABI_STATUS_EXERCISE (78) instead of the guest hanging or faulting.
 */
#ifndef GUEST_EXERCISE_H
#define GUEST_EXERCISE_H

#include <stdnoreturn.h>

/* "exercise ID is not done yet: see HANDOUT", then status 78. */
noreturn void guest_exercise_todo(const char *id, const char *handout);

#endif
