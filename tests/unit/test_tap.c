/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the TAP module (kvmlab/net/tap.c, chapter 8) that need
 * no privileges: a bad name, the explanations of each failure, and the
 * backend calls on a pipe standing in for the TAP's fd.  Opening real
 * TAPs is tested in a network namespace (tests/guest/ch08.sh).
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/net/tap.h"

static void test_bad_name(void **state)
{
	struct tap t;

	(void)state;
	log_level = LOG_QUIET;
	assert_int_equal(tap_open(&t, "", false), ABI_STATUS_USAGE);
	assert_int_equal(t.fd, -1);
	assert_int_equal(tap_open(&t, "a-name-much-too-long-for-linux", true),
			 ABI_STATUS_USAGE);
	tap_close(&t);
	log_level = LOG_WARNING;
}

/* Each failure has its reason and a fix that quotes the device. */
static void test_explanations(void **state)
{
	(void)state;
	assert_non_null(strstr(tap_why(TAP_OPEN_TUN, ENOENT), "tun module"));
	assert_non_null(
	    strstr(tap_fix(TAP_OPEN_TUN, ENOENT, "t0"), "modprobe tun"));
	assert_non_null(
	    strstr(tap_why(TAP_SETIFF, EPERM), "needs CAP_NET_ADMIN"));
	assert_non_null(strstr(tap_fix(TAP_SETIFF, EPERM, "t0"),
			       "ip tuntap add t0 mode tap user $USER"));
	assert_non_null(
	    strstr(tap_fix(TAP_SETIFF, EPERM, "t0"), "unshare -Urn"));
	assert_non_null(strstr(tap_why(TAP_SETIFF, EBUSY), "another process"));
	assert_non_null(strstr(tap_why(TAP_SETIFF, EINVAL), "not a"));
	assert_non_null(
	    strstr(tap_fix(TAP_DOWN, 0, "t0"), "ip link set t0 up"));
	assert_non_null(
	    strstr(tap_fix(TAP_LOOKUP, ENODEV, "t0"), "--create-tap"));
}

/* send and recv: whole frames, -EAGAIN when none, counted. */
static void test_send_recv(void **state)
{
	struct tap t = {.name = "fake", .fd = -1};
	struct iovec iov[2] = {{"0123456789ab", 12}, {"frame", 5}};
	char buf[64];
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	t.fd = p[1];
	assert_int_equal(tap_send(&t, iov, 2), 17);
	assert_int_equal(t.tx_frames, 1);
	assert_int_equal(t.tx_bytes, 17);
	t.fd = p[0];
	assert_int_equal(tap_recv(&t, buf, sizeof(buf)), 17);
	assert_memory_equal(buf, "0123456789abframe", 17);
	assert_int_equal(tap_recv(&t, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(t.rx_frames, 1);
	assert_int_equal(t.rx_errors, 0);
	/* Writing to the read end: an error, counted. */
	assert_true(tap_send(&t, iov, 2) < 0);
	assert_int_equal(t.tx_errors, 1);
	close(p[1]);
	tap_close(&t);
	assert_int_equal(t.fd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_name),
	    cmocka_unit_test(test_explanations),
	    cmocka_unit_test(test_send_recv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
