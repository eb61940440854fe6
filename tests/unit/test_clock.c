/* SPDX-License-Identifier: MIT */
/* Unit tests: chapter 5's MMIO clock, with a fake host clock, no KVM. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "abi/clock.h"
#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/dev/bus.h"
#include "kvmlab/dev/clock.h"

static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static void start(struct clock_dev *c, struct bus *mmio)
{
	log_level = LOG_QUIET;
	fake_now = 1000;
	bus_init(mmio, "mmio");
	assert_int_equal(clock_register(c, &(struct board){.mmio = mmio},
					ABI_MMIO_CLOCK, fake_clock),
			 0);
}

static void test_identity(void **state)
{
	struct clock_dev c;
	struct bus mmio;
	uint64_t v;

	(void)state;
	start(&c, &mmio);
	assert_int_equal(clock_read(&c, ABI_CLOCK_MAGIC_REG, 4),
			 ABI_CLOCK_MAGIC);
	assert_int_equal(clock_read(&c, ABI_CLOCK_VERSION_REG, 4),
			 ABI_CLOCK_VERSION);
	/* Any width at any offset: the bytes it covers, little-endian. */
	assert_int_equal(clock_read(&c, 0, 1), 'k');
	assert_int_equal(clock_read(&c, 1, 4), 0x016b6c63);
	assert_int_equal(clock_read(&c, 0, 8),
			 (uint64_t)ABI_CLOCK_VERSION << 32 | ABI_CLOCK_MAGIC);
	/* Past the registers: zeros. */
	assert_int_equal(clock_read(&c, ABI_CLOCK_REGS_END, 8), 0);
	assert_int_equal(clock_read(&c, 0xff8, 8), 0);
	/* Through the bus, at its guest-physical address. */
	assert_int_equal(bus_dispatch(&mmio,
				      ABI_MMIO_CLOCK + ABI_CLOCK_MAGIC_REG, 4,
				      false, &v),
			 0);
	assert_int_equal(v, ABI_CLOCK_MAGIC);
	assert_int_equal(bus_dispatch(&mmio,
				      ABI_MMIO_CLOCK + ABI_MMIO_CLOCK_LEN, 4,
				      false, &v),
			 -ENOENT);
}

static void test_now_and_latch(void **state)
{
	struct clock_dev c;
	struct bus mmio;

	(void)state;
	start(&c, &mmio);
	/* NOW counts from when the device was created. */
	fake_now = 1000 + 0x100000005ull;
	assert_int_equal(clock_read(&c, ABI_CLOCK_NOW, 8), 0x100000005ull);
	/* The low half samples; the high half alone returns the sample's. */
	fake_now = 1000 + 0x2fffffff0ull;
	assert_int_equal(clock_read(&c, ABI_CLOCK_NOW, 4), 0xfffffff0);
	fake_now = 1000 + 0x300000010ull; /* the clock moves on... */
	assert_int_equal(clock_read(&c, ABI_CLOCK_NOW_HI, 4), 2);
	/* ...and the next sample sees it. */
	assert_int_equal(clock_read(&c, ABI_CLOCK_NOW, 4), 0x10);
	assert_int_equal(clock_read(&c, ABI_CLOCK_NOW_HI, 4), 3);
	/* A read that covers byte 0x08 from below samples too. */
	fake_now = 1000 + 0x400000000ull;
	assert_int_equal(clock_read(&c, 4, 8), 0ull | 1);
	assert_int_equal(clock_read(&c, ABI_CLOCK_NOW_HI, 4), 4);
}

static void test_accesses_count_every_access(void **state)
{
	struct clock_dev c;
	struct bus mmio;
	uint64_t v = 0;

	(void)state;
	start(&c, &mmio);
	/* The read of ACCESSES counts itself. */
	assert_int_equal(clock_read(&c, ABI_CLOCK_ACCESSES, 8), 1);
	for (int i = 0; i < 10; i++)
		clock_read(&c, ABI_CLOCK_SCRATCH, 4);
	clock_write(&c, ABI_CLOCK_SCRATCH, 1, 0);
	bus_dispatch(&mmio, ABI_MMIO_CLOCK + ABI_CLOCK_ACCESSES, 8, false, &v);
	assert_int_equal(v, 1 + 10 + 1 + 1);
}

static void test_scratch_lanes_and_read_only(void **state)
{
	struct clock_dev c;
	struct bus mmio;

	(void)state;
	start(&c, &mmio);
	clock_write(&c, ABI_CLOCK_SCRATCH, 8, 0x0123456789abcdefull);
	assert_int_equal(clock_read(&c, ABI_CLOCK_SCRATCH, 8),
			 0x0123456789abcdefull);
	clock_write(&c, ABI_CLOCK_SCRATCH + 1, 1, 0x5a);
	clock_write(&c, ABI_CLOCK_SCRATCH + 6, 2, 0xbeef);
	assert_int_equal(clock_read(&c, ABI_CLOCK_SCRATCH, 8),
			 0xbeef456789ab5aefull);
	assert_int_equal(clock_read(&c, ABI_CLOCK_SCRATCH + 2, 2), 0x89ab);
	assert_int_equal(c.ignored_writes, 0);
	/* Writes to read-only registers change nothing, and are counted. */
	clock_write(&c, ABI_CLOCK_MAGIC_REG, 4, 0);
	clock_write(&c, ABI_CLOCK_NOW, 8, 0);
	clock_write(&c, 0x800, 4, 0);
	assert_int_equal(clock_read(&c, ABI_CLOCK_MAGIC_REG, 4),
			 ABI_CLOCK_MAGIC);
	assert_int_equal(c.ignored_writes, 3);
	/* A write straddling the end of SCRATCH keeps its in-range bytes. */
	clock_write(&c, ABI_CLOCK_SCRATCH + 7, 2, 0x1177);
	assert_int_equal(clock_read(&c, ABI_CLOCK_SCRATCH + 7, 1), 0x77);
	assert_int_equal(c.ignored_writes, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_identity),
	    cmocka_unit_test(test_now_and_latch),
	    cmocka_unit_test(test_accesses_count_every_access),
	    cmocka_unit_test(test_scratch_lanes_and_read_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
