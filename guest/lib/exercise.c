/* SPDX-License-Identifier: MIT */
/*
 * exercise.c: the one function every C exercise stub in a guest calls
 * (the labs).  Assembly stubs print the same line themselves.
 */
#include "abi/machine.h"
#include "exercise.h"
#include "exit.h"
#include "printf.h"

noreturn void guest_exercise_todo(const char *id, const char *handout)
{
	printf("exercise %s is not done yet: see %s\n", id, handout);
	guest_exit(ABI_STATUS_EXERCISE);
}
