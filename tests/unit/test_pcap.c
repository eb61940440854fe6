/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the pcap writer (kvmlab/net/pcap.c, chapter 8's --pcap):
 * the file header, one record per frame, the snapshot length, and a
 * file that can be read while the writer still holds it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kvmlab/base/log.h"
#include "kvmlab/net/pcap.h"

static char path[64];

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/kvmlab-pcap.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/* The whole file, and its length. */
static unsigned char *slurp(size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = malloc(1 << 20);

	assert_non_null(f);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static uint32_t u32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t u16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void test_header(void **state)
{
	struct pcap p;
	unsigned char *f;
	size_t len;

	(void)state;
	assert_int_equal(pcap_open(&p, path), 0);
	/* Readable before the close: nothing is buffered. */
	f = slurp(&len);
	assert_int_equal(len, 24);
	assert_int_equal(u32(f), 0xa1b2c3d4);
	assert_int_equal(u16(f + 4), 2);
	assert_int_equal(u16(f + 6), 4);
	assert_int_equal(u32(f + 8), 0);
	assert_int_equal(u32(f + 12), 0);
	assert_int_equal(u32(f + 16), 65535);
	assert_int_equal(u32(f + 20), 1);
	free(f);
	pcap_close(&p);
}

static void test_records(void **state)
{
	static unsigned char frame[70000];
	struct pcap p;
	unsigned char *f;
	size_t len;
	char *text = NULL;
	size_t tlen = 0;
	FILE *out;

	(void)state;
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (unsigned char)i;
	assert_int_equal(pcap_open(&p, path), 0);
	assert_int_equal(pcap_write(&p, PCAP_FROM_GUEST, frame, 60), 0);
	pcap_frame(&p, PCAP_TO_GUEST, frame, 42);
	/* Longer than the snapshot length: cut, its real length noted. */
	assert_int_equal(pcap_write(&p, PCAP_TO_GUEST, frame, 70000), 0);
	f = slurp(&len);
	assert_int_equal(len, 24 + 16 + 60 + 16 + 42 + 16 + 65535);
	assert_int_equal(u32(f + 24 + 8), 60);
	assert_int_equal(u32(f + 24 + 12), 60);
	assert_memory_equal(f + 40, frame, 60);
	assert_int_equal(u32(f + 100 + 8), 42);
	assert_int_equal(u32(f + 158 + 8), 65535);
	assert_int_equal(u32(f + 158 + 12), 70000);
	assert_true(u32(f + 24) > 1000000000u); /* a time of day */
	assert_true(u32(f + 28) < 1000000u);	/* microseconds */
	free(f);
	pcap_close(&p);
	out = open_memstream(&text, &tlen);
	pcap_print_stats(&p, out);
	fclose(out);
	assert_non_null(strstr(text, ": 3 frames (70102 bytes): 2 to the "
				     "guest, 1 from it\n"));
	free(text);
}

static void test_unwritable(void **state)
{
	struct pcap p;

	(void)state;
	log_level = LOG_QUIET;
	assert_int_equal(pcap_open(&p, "/nonexistent/dir/x.pcap"), -ENOENT);
	/* After a failed open: frames counted as lost, never a crash. */
	assert_int_equal(pcap_write(&p, PCAP_TO_GUEST, "abc", 3), -EBADF);
	assert_int_equal(p.lost, 1);
	pcap_close(&p);
	log_level = LOG_WARNING;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_header, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_records, setup, teardown),
	    cmocka_unit_test(test_unwritable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
