/* SPDX-License-Identifier: MIT */
/* Unit tests: the shared command line of the chapter binaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/cli/options.h"

static bool flag_a, flag_b;

static const struct chapter_flag flags[] = {
    {"direct", "a chapter flag", &flag_a, NULL},
    {"other", "a flag with its own guest", &flag_b, "chXX-other.elf"},
    {0},
};

static const struct chapter_info ch = {
    .binary = "chXX",
    .title = "tests",
    .default_guest = "chXX.elf",
    .default_timeout = 30,
    .flags = flags,
};

#define PARSE(o, ...)                                                          \
	({                                                                     \
		char *argv_[] = {"chXX", __VA_ARGS__, NULL};                   \
		int argc_ = (int)(sizeof(argv_) / sizeof(argv_[0])) - 1;       \
		options_parse(o, &ch, argc_, argv_);                           \
	})

static int setup(void **state)
{
	(void)state;
	setenv("KVMLAB_GUEST_DIR", "/guests", 1);
	return 0;
}

/* A flag may name the guest it runs; --guest still wins. */
static void test_flag_guest(void **state)
{
	struct options o;

	(void)state;
	flag_b = false;
	assert_int_equal(PARSE(&o, "--other"), OPTIONS_RUN);
	assert_true(flag_b);
	assert_string_equal(o.guest, "/guests/chXX-other.elf");
	assert_string_equal(o.binary, "chXX");
	flag_b = false;
	assert_int_equal(PARSE(&o, "--other", "--guest", "mine.elf"),
			 OPTIONS_RUN);
	assert_string_equal(o.guest, "mine.elf");
	flag_b = false;
	assert_int_equal(PARSE(&o, "--direct"), OPTIONS_RUN);
	assert_string_equal(o.guest, "/guests/chXX.elf");
	flag_a = false;
}

static void test_defaults(void **state)
{
	struct options o;
	char *argv[] = {"chXX", NULL};

	(void)state;
	flag_a = false;
	assert_int_equal(options_parse(&o, &ch, 1, argv), OPTIONS_RUN);
	assert_string_equal(o.guest, "/guests/chXX.elf");
	assert_null(o.trace);
	assert_false(o.stats);
	assert_int_equal(o.timeout, 30);
	assert_int_equal(o.mem, ABI_RAM_DEFAULT);
	assert_false(flag_a);
	assert_int_equal(log_level, LOG_INFO);
	assert_false(o.tui);
	assert_null(o.tui_script);
	assert_false(o.mono);
	assert_int_equal(o.tui_cols, 80);
	assert_int_equal(o.tui_rows, 24);
}

static void test_viewer_options(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--tui"), OPTIONS_RUN);
	assert_true(o.tui);
	assert_null(o.tui_script);
	/* A script means the viewer, headless. */
	assert_int_equal(PARSE(&o, "--tui-script", "ss<enter>", "--mono",
			       "--tui-size", "160x45"),
			 OPTIONS_RUN);
	assert_true(o.tui);
	assert_string_equal(o.tui_script, "ss<enter>");
	assert_true(o.mono);
	assert_int_equal(o.tui_cols, 160);
	assert_int_equal(o.tui_rows, 45);
	log_level = LOG_QUIET;
	assert_int_equal(PARSE(&o, "--tui-script"), ABI_STATUS_USAGE);
	assert_int_equal(PARSE(&o, "--tui-size", "79x24"), ABI_STATUS_USAGE);
	assert_int_equal(PARSE(&o, "--tui-size", "80x23"), ABI_STATUS_USAGE);
	assert_int_equal(PARSE(&o, "--tui-size", "80x24x"), ABI_STATUS_USAGE);
	assert_int_equal(PARSE(&o, "--tui-size", "80*24"), ABI_STATUS_USAGE);
	assert_int_equal(PARSE(&o, "--tui-size", "1000x24"), ABI_STATUS_USAGE);
	assert_int_equal(PARSE(&o, "--tui-size", "wide"), ABI_STATUS_USAGE);
}

/* --help lists the viewer's options for every chapter. */
static void test_usage_lists_viewer(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	options_usage(&ch, f);
	fclose(f);
	assert_non_null(strstr(text, "  --tui "));
	assert_non_null(strstr(text, "  --tui-script KEYS"));
	assert_non_null(strstr(text, "  --tui-size CxR"));
	assert_non_null(strstr(text, "  --mono "));
	free(text);
}

static void test_all_options(void **state)
{
	struct options o;

	(void)state;
	flag_a = false;
	assert_int_equal(PARSE(&o, "--guest", "g.bin", "--trace", "t.json",
			       "--stats", "--timeout", "0", "--mem", "4M",
			       "--direct", "-v"),
			 OPTIONS_RUN);
	assert_string_equal(o.guest, "g.bin");
	assert_string_equal(o.trace, "t.json");
	assert_true(o.stats);
	assert_int_equal(o.timeout, 0);
	assert_int_equal(o.mem, 4u << 20);
	assert_true(flag_a);
	assert_int_equal(log_level, LOG_DEBUG);
	assert_int_equal(PARSE(&o, "-q"), OPTIONS_RUN);
	assert_int_equal(log_level, LOG_ERROR);
	assert_int_equal(PARSE(&o, "--mem", "1G"), OPTIONS_RUN);
	assert_int_equal(o.mem, 1u << 30);
}

static void test_usage_errors(void **state)
{
	struct options o;

	(void)state;
	log_level = LOG_QUIET;
	assert_int_equal(PARSE(&o, "--bogus"), ABI_STATUS_USAGE);
	assert_int_equal(PARSE(&o, "extra"), ABI_STATUS_USAGE);
	assert_int_equal(PARSE(&o, "--guest"), ABI_STATUS_USAGE);
	assert_int_equal(PARSE(&o, "--timeout", "soon"), ABI_STATUS_USAGE);
	assert_int_equal(PARSE(&o, "--timeout", "-1"), ABI_STATUS_USAGE);
	assert_int_equal(PARSE(&o, "--timeout", ""), ABI_STATUS_USAGE);
	assert_int_equal(PARSE(&o, "--timeout", "99999999999"),
			 ABI_STATUS_USAGE);
	assert_int_equal(PARSE(&o, "--mem", "1K"), ABI_STATUS_USAGE);
	assert_int_equal(PARSE(&o, "--mem", "2G"), ABI_STATUS_USAGE);
	assert_int_equal(PARSE(&o, "--mem", "3000000"), ABI_STATUS_USAGE);
	assert_int_equal(PARSE(&o, "--mem", "lots"), ABI_STATUS_USAGE);
	/* A chapter flag of another chapter is unknown here. */
	assert_int_equal(PARSE(&o, "--paging32"), ABI_STATUS_USAGE);
	/* A flag name needs its dashes. */
	assert_int_equal(PARSE(&o, "direct"), ABI_STATUS_USAGE);
}

static void test_help(void **state)
{
	struct options o;
	FILE *saved = stdout;

	(void)state;
	stdout = fopen("/dev/null", "w");
	assert_int_equal(PARSE(&o, "--help"), ABI_STATUS_OK);
	assert_int_equal(PARSE(&o, "--stats", "-h"), ABI_STATUS_OK);
	fclose(stdout);
	stdout = saved;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_flag_guest),
	    cmocka_unit_test(test_all_options),
	    cmocka_unit_test(test_viewer_options),
	    cmocka_unit_test(test_usage_lists_viewer),
	    cmocka_unit_test(test_usage_errors),
	    cmocka_unit_test(test_help),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
