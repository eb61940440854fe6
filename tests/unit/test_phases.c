/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the phases a guest marks (kvmlab/exits/phases.c,
 * chapter 7's --compare): what a phase counts, and the table.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kvmlab/base/log.h"
#include "kvmlab/exits/phases.h"

static const char *const names[] = {"(a) slow", "(b) fast", "(c) none"};

/* A phase's exits leave out its start mark's own exit. */
static void test_get(void **state)
{
	struct phases p;
	struct phase ph;

	(void)state;
	phases_init(&p);
	assert_int_equal(phases_get(&p, 0, &ph), -ENOENT);
	phases_mark(&p, 10, 1000, 5);
	assert_int_equal(phases_get(&p, 0, &ph), -ENOENT);
	phases_mark(&p, 111, 3000, 105);
	assert_int_equal(phases_get(&p, 0, &ph), 0);
	assert_int_equal(ph.exits, 100);
	assert_int_equal(ph.ns, 2000);
	assert_int_equal(ph.bytes, 100);
	/* Marks back to back: no exit between them. */
	phases_mark(&p, 112, 3000, 105);
	phases_mark(&p, 113, 3500, 105);
	assert_int_equal(phases_get(&p, 1, &ph), 0);
	assert_int_equal(ph.exits, 0);
	assert_int_equal(phases_get(&p, 2, &ph), -ENOENT);
	/* Marks beyond the room are counted, not kept. */
	for (int i = 0; i < 2 * PHASES_MAX; i++)
		phases_mark(&p, 200, 4000, 105);
	assert_int_equal(p.marks, 2 * PHASES_MAX);
	assert_int_equal(p.dropped, 4);
	assert_int_equal(phases_get(&p, PHASES_MAX, &ph), -ENOENT);
}

static char *table(const struct phases *p, unsigned n, int *ret)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	*ret = phases_print(p, names, n, 100, out);
	fclose(out);
	return text;
}

static void test_print(void **state)
{
	struct phases p;
	char *text;
	int ret;

	(void)state;
	log_level = LOG_QUIET;
	phases_init(&p);
	phases_mark(&p, 0, 0, 0);
	phases_mark(&p, 6801, 800000000, 6400);
	phases_mark(&p, 6802, 800000000, 6400);
	phases_mark(&p, 6903, 810000000, 12800);
	phases_mark(&p, 6904, 810000000, 12800);
	phases_mark(&p, 6905, 812000000, 19200);
	text = table(&p, 3, &ret);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(text, "the same 100 lines (6400 bytes)"));
	assert_non_null(strstr(
	    text, "  (a) slow                     6800      68.00       0.94 "
		  "    800.00            1          1\n"));
	assert_non_null(strstr(
	    text, "  (b) fast                      100       1.00      64.00 "
		  "     10.00       1/68.0     1/80.0\n"));
	assert_non_null(strstr(
	    text, "  (c) none                        0       0.00    no exit "
		  "      2.00            0      1/400\n"));
	free(text);
	/* A guest that marked too few phases: no table. */
	phases_init(&p);
	phases_mark(&p, 0, 0, 0);
	phases_mark(&p, 1, 1, 1);
	text = table(&p, 3, &ret);
	assert_int_equal(ret, -ENOENT);
	assert_string_equal(text, "");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get),
	    cmocka_unit_test(test_print),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
