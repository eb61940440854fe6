/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of memory (chapter 2): the guest-physical to host translator
 * and --mem parsing.
 *
 * gpa_to_host() is the one check between a guest-chosen address and a host
 * pointer, so its edges are tested one byte at a time: the last valid byte,
 * the first invalid one, lengths of zero, and sums that wrap past 2^64.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kvmlab/base/memory.h"

#define RAM_SIZE 0x10000

static uint8_t ram[RAM_SIZE];
static const struct guest_mem gmem = {ram, RAM_SIZE};

static void test_gpa_to_host_bounds(void **state)
{
	(void)state;
	assert_ptr_equal(gpa_to_host(&gmem, 0, 1), ram);
	assert_ptr_equal(gpa_to_host(&gmem, 0, RAM_SIZE), ram);
	assert_ptr_equal(gpa_to_host(&gmem, RAM_SIZE - 1, 1),
			 ram + RAM_SIZE - 1);
	/* An empty range may sit at the very end, not past it. */
	assert_ptr_equal(gpa_to_host(&gmem, RAM_SIZE, 0), ram + RAM_SIZE);
	assert_null(gpa_to_host(&gmem, RAM_SIZE + 1, 0));
	assert_null(gpa_to_host(&gmem, RAM_SIZE, 1));
	assert_null(gpa_to_host(&gmem, RAM_SIZE - 1, 2));
	assert_null(gpa_to_host(&gmem, 0, RAM_SIZE + 1));
}

static void test_gpa_to_host_overflow(void **state)
{
	(void)state;
	assert_null(gpa_to_host(&gmem, UINT64_MAX, 1));
	assert_null(gpa_to_host(&gmem, UINT64_MAX, 0));
	assert_null(gpa_to_host(&gmem, 0x8000000000000000, 1));
	/* gpa + len wraps to a small number that would pass a naive check. */
	assert_null(gpa_to_host(&gmem, 0x10, UINT64_MAX));
	assert_null(gpa_to_host(&gmem, 0x10, UINT64_MAX - 0xf));
	assert_null(gpa_to_host(&gmem, UINT64_MAX - 0xf, 0x20));
	assert_null(gpa_to_host(&gmem, 0, UINT64_MAX));
}

static void test_gpa_to_host_no_ram(void **state)
{
	const struct guest_mem none = {NULL, RAM_SIZE};
	const struct guest_mem empty = {ram, 0};

	(void)state;
	assert_null(gpa_to_host(&none, 0, 1));
	assert_null(gpa_to_host(&none, 0, 0));
	assert_ptr_equal(gpa_to_host(&empty, 0, 0), ram);
	assert_null(gpa_to_host(&empty, 0, 1));
}

static void test_guest_write_read(void **state)
{
	const uint8_t msg[] = "hello, guest";
	uint8_t back[sizeof(msg)];

	(void)state;
	memset(ram, 0, sizeof(ram));
	assert_int_equal(guest_write(&gmem, 0x100, msg, sizeof(msg)), 0);
	assert_memory_equal(ram + 0x100, msg, sizeof(msg));
	assert_int_equal(guest_read(&gmem, 0x100, back, sizeof(back)), 0);
	assert_memory_equal(back, msg, sizeof(msg));

	/* The last bytes of RAM. */
	assert_int_equal(guest_write(&gmem, RAM_SIZE - 4, msg, 4), 0);
	assert_memory_equal(ram + RAM_SIZE - 4, msg, 4);
	assert_int_equal(guest_read(&gmem, RAM_SIZE - 4, back, 4), 0);
	assert_memory_equal(back, msg, 4);
	assert_int_equal(guest_write(&gmem, RAM_SIZE, msg, 0), 0);
}

static void test_guest_write_read_fault(void **state)
{
	static uint8_t before[RAM_SIZE];
	const uint8_t msg[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	uint8_t back[8];

	(void)state;
	memset(ram, 0x5a, sizeof(ram));
	memcpy(before, ram, sizeof(ram));

	/* A write that would straddle the end copies nothing at all. */
	assert_int_equal(guest_write(&gmem, RAM_SIZE - 4, msg, sizeof(msg)),
			 -EFAULT);
	assert_int_equal(guest_write(&gmem, RAM_SIZE, msg, 1), -EFAULT);
	assert_int_equal(guest_write(&gmem, UINT64_MAX - 2, msg, sizeof(msg)),
			 -EFAULT);
	assert_memory_equal(ram, before, sizeof(ram));

	memset(back, 0xee, sizeof(back));
	assert_int_equal(guest_read(&gmem, RAM_SIZE - 4, back, sizeof(back)),
			 -EFAULT);
	assert_int_equal(guest_read(&gmem, UINT64_MAX, back, 1), -EFAULT);
	for (size_t i = 0; i < sizeof(back); i++)
		assert_int_equal(back[i], 0xee);
}

static void expect_size(const char *text, uint64_t want)
{
	uint64_t got = 0;

	if (parse_size(text, &got) != 0)
		fail_msg("parse_size(\"%s\") failed", text);
	if (got != want)
		fail_msg("parse_size(\"%s\") = %llu, expected %llu", text,
			 (unsigned long long)got, (unsigned long long)want);
}

static void expect_bad_size(const char *text)
{
	uint64_t got = 12345;

	if (parse_size(text, &got) != -EINVAL)
		fail_msg("parse_size(\"%s\") accepted it", text);
	assert_int_equal(got, 12345); /* untouched on failure */
}

static void test_parse_size(void **state)
{
	(void)state;
	expect_size("2M", 2 << 20);
	expect_size("2MiB", 2 << 20);
	expect_size("2m", 2 << 20);
	expect_size("512K", 512 << 10);
	expect_size("512KiB", 512 << 10);
	expect_size("1G", 1 << 30);
	expect_size("0x1000", 0x1000);
	expect_size("4096", 4096);
	expect_size("0", 0);
	expect_size("16777215G", (uint64_t)16777215 << 30);
}

static void test_parse_size_bad(void **state)
{
	(void)state;
	expect_bad_size("");
	expect_bad_size("abc");
	expect_bad_size("2X");
	expect_bad_size("2MX");
	expect_bad_size("-1");
	expect_bad_size(" 2M");
	expect_bad_size("2 M");
	expect_bad_size("M");
	expect_bad_size("0x");
	/* Overflows: in the number itself, and after the shift. */
	expect_bad_size("99999999999G");
	expect_bad_size("18446744073709551616");
	expect_bad_size("17179869184G");
	expect_bad_size(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gpa_to_host_bounds),
	    cmocka_unit_test(test_gpa_to_host_overflow),
	    cmocka_unit_test(test_gpa_to_host_no_ram),
	    cmocka_unit_test(test_guest_write_read),
	    cmocka_unit_test(test_guest_write_read_fault),
	    cmocka_unit_test(test_parse_size),
	    cmocka_unit_test(test_parse_size_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
