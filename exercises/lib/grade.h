/* SPDX-License-Identifier: MIT */
/*
 * grade: what every graded C test program shares (the labs).
 *
 * A graded test program is a cmocka test group whose cases are run one
 * per process by the rubric: `test_ch02 encode_flat_code`.  One case per
 * process means partial credit per case, a crash or an exercise stub
 * (which ends the process) costs only that case, and a case name that
 * does not exist is an error instead of an empty run that "passes".
 */
#ifndef KVMLAB_GRADE_H
#define KVMLAB_GRADE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/*
 * Run the case named argv[1], or every case when there is no argument;
 * `--list` prints the names.  Returns the process's exit status.
 */
int grade_main(int argc, char **argv, const char *group,
	       const struct CMUnitTest *tests, size_t n);

#define GRADE_MAIN(group, tests)                                               \
	grade_main(argc, argv, group, tests, sizeof(tests) / sizeof(tests[0]))

/* Skip the case (exit status 77, with the reason) unless a VM can be made. */
void grade_need_kvm(void);

/* The file of a built guest: $GB/name (GB defaults to build/guest). */
const char *grade_guest(const char *name);

/* Fail the case with a message a student can act on, unless `cond`. */
#define check(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond))                                                   \
			fail_msg(__VA_ARGS__);                                 \
	} while (0)

#endif
