/* SPDX-License-Identifier: MIT */
/*
 * grade: run one case of a graded test program (the labs).
 *
 * The grader runs each rubric line as its own process and reads its exit
 * status (0 pass, 77 skip, anything else fail) and, because the code under
 * test shares this process and could fake the status, cmocka's summary:
 * status 0 without "[  PASSED  ]", or with "[  FAILED  ]", is a FAIL
 * (tests/grader/cmocka.c).  cmocka's test filter
 * picks the case; checking the name first keeps a typo in a rubric from
 * running nothing and passing.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "grade.h"
#include "kvmlab/kvm/kvm.h"

int grade_main(int argc, char **argv, const char *group,
	       const struct CMUnitTest *tests, size_t n)
{
	size_t i;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [--list | CASE]\n", argv[0]);
		return 2;
	}
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (i = 0; i < n; i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	if (argc == 2) {
		for (i = 0; i < n && strcmp(tests[i].name, argv[1]); i++)
			;
		if (i == n) {
			fprintf(stderr, "%s: no case named %s (--list)\n",
				argv[0], argv[1]);
			return 2;
		}
		cmocka_set_test_filter(argv[1]);
	}
	return _cmocka_run_group_tests(group, tests, n, NULL, NULL) ? 1 : 0;
}

void grade_need_kvm(void)
{
	int kvm = open(kvm_device_path(), O_RDWR | O_CLOEXEC);
	int vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);

	if (vm >= 0) {
		close(vm);
		close(kvm);
		return;
	}
	if (kvm >= 0)
		close(kvm);
	printf("needs KVM: cannot create a VM with %s (make doctor says "
	       "why)\n",
	       kvm_device_path());
	fflush(stdout);
	_exit(77);
}

const char *grade_guest(const char *name)
{
	static char path[4096];
	const char *gb = getenv("GB");

	snprintf(path, sizeof(path), "%s/%s", gb && *gb ? gb : "build/guest",
		 name);
	return path;
}
