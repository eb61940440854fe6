/* SPDX-License-Identifier: MIT */
/* Unit tests: bus registration and dispatch, no KVM needed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kvmlab/base/log.h"
#include "kvmlab/dev/bus.h"

/* A device that remembers its last access and answers reads with a
 * pattern made of the offset, so a test can see which offset it got. */
struct probe {
	struct bus_access last;
	int calls;
};

static void probe_io(void *opaque, struct bus_access *a)
{
	struct probe *p = opaque;

	p->last = *a;
	p->calls++;
	if (!a->write)
		a->value = 0x1122334455667700ull | a->offset;
}

static int setup(void **state)
{
	(void)state;
	log_level = LOG_QUIET; /* the unclaimed-access warnings are expected */
	return 0;
}

static void test_register_and_find(void **state)
{
	struct bus b;
	struct probe p1 = {0}, p2 = {0};

	(void)state;
	bus_init(&b, "pio");
	assert_int_equal(bus_register(&b, "b", 0x3f8, 8, probe_io, &p2), 0);
	assert_int_equal(bus_register(&b, "a", 0x60, 1, probe_io, &p1), 0);
	/* Kept sorted by base whatever the order of registration. */
	assert_int_equal(b.dev[0].base, 0x60);
	assert_int_equal(b.dev[1].base, 0x3f8);
	assert_ptr_equal(bus_find(&b, 0x60, 1), &b.dev[0]);
	assert_null(bus_find(&b, 0x5f, 1));
	assert_null(bus_find(&b, 0x61, 1));
	assert_ptr_equal(bus_find(&b, 0x3f8, 1), &b.dev[1]);
	assert_ptr_equal(bus_find(&b, 0x3ff, 1), &b.dev[1]);
	assert_null(bus_find(&b, 0x400, 1));
	/* An access must fit entirely inside one device. */
	assert_ptr_equal(bus_find(&b, 0x3fc, 4), &b.dev[1]);
	assert_null(bus_find(&b, 0x3fe, 4));
	assert_null(bus_find(&b, 0x3f7, 2));
	assert_null(bus_find(&b, 0x3f8, 0));
}

static void test_register_refuses(void **state)
{
	struct bus b;
	struct probe p = {0};

	(void)state;
	bus_init(&b, "mmio");
	assert_int_equal(bus_register(&b, "x", 0x1000, 0x100, probe_io, &p), 0);
	/* Overlaps at either end, inside, and around. */
	assert_int_equal(bus_register(&b, "y", 0x10ff, 1, probe_io, &p),
			 -EEXIST);
	assert_int_equal(bus_register(&b, "y", 0xf00, 0x101, probe_io, &p),
			 -EEXIST);
	assert_int_equal(bus_register(&b, "y", 0x1010, 4, probe_io, &p),
			 -EEXIST);
	assert_int_equal(bus_register(&b, "y", 0x0, 0x10000, probe_io, &p),
			 -EEXIST);
	/* Touching is fine. */
	assert_int_equal(bus_register(&b, "y", 0x1100, 4, probe_io, &p), 0);
	assert_int_equal(bus_register(&b, "z", 0xf00, 0x100, probe_io, &p), 0);
	/* Empty, wrapping or handler-less ranges. */
	assert_int_equal(bus_register(&b, "e", 0x5000, 0, probe_io, &p),
			 -EINVAL);
	assert_int_equal(bus_register(&b, "w", UINT64_MAX, 2, probe_io, &p),
			 -EINVAL);
	assert_int_equal(bus_register(&b, "n", 0x6000, 1, NULL, &p), -EINVAL);
	/* The very top of the address space is a valid 1-byte device. */
	assert_int_equal(bus_register(&b, "top", UINT64_MAX, 1, probe_io, &p),
			 0);
	assert_non_null(bus_find(&b, UINT64_MAX, 1));
	assert_null(bus_find(&b, UINT64_MAX, 2));
	/* Full. */
	while (b.ndev < BUS_MAX_DEVICES)
		assert_int_equal(bus_register(&b, "f", 0x100000 + b.ndev * 16,
					      16, probe_io, &p),
				 0);
	assert_int_equal(bus_register(&b, "more", 0x900000, 1, probe_io, &p),
			 -ENOSPC);
}

static void test_dispatch(void **state)
{
	struct bus b;
	struct probe p = {0};
	uint64_t v;

	(void)state;
	bus_init(&b, "pio");
	assert_int_equal(bus_register(&b, "dev", 0x100, 0x10, probe_io, &p), 0);

	v = 0xab;
	assert_int_equal(bus_dispatch(&b, 0x104, 1, true, &v), 0);
	assert_int_equal(p.last.offset, 4);
	assert_int_equal(p.last.addr, 0x104);
	assert_int_equal(p.last.size, 1);
	assert_true(p.last.write);
	assert_int_equal(p.last.value, 0xab);

	/* Reads are masked to the access width. */
	for (uint32_t size = 1; size <= 8; size *= 2) {
		assert_int_equal(bus_dispatch(&b, 0x108, size, false, &v), 0);
		uint64_t full = 0x1122334455667708ull;
		uint64_t mask = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;

		assert_int_equal(v, full & mask);
		assert_int_equal(p.last.size, size);
	}
	/* Unaligned is fine while the access stays inside the device. */
	assert_int_equal(bus_dispatch(&b, 0x10b, 4, false, &v), 0);
	assert_int_equal(p.last.offset, 0xb);
	assert_int_equal(b.dev[0].hits, 6);
}

static void test_unclaimed_and_bad_sizes(void **state)
{
	struct bus b;
	struct probe p = {0};
	uint64_t v;

	(void)state;
	bus_init(&b, "pio");
	assert_int_equal(bus_register(&b, "dev", 0x100, 0x10, probe_io, &p), 0);
	for (uint32_t size = 1; size <= 8; size *= 2) {
		v = 0;
		assert_int_equal(bus_dispatch(&b, 0x200, size, false, &v),
				 -ENOENT);
		assert_int_equal(v,
				 size == 8 ? ~0ull : (1ull << (8 * size)) - 1);
	}
	v = 5;
	assert_int_equal(bus_dispatch(&b, 0x200, 1, true, &v), -ENOENT);
	/* Straddling the end of a device is unclaimed, not half-handled. */
	assert_int_equal(bus_dispatch(&b, 0x10e, 4, true, &v), -ENOENT);
	assert_int_equal(b.unclaimed, 6);
	/* Size 0 and sizes above 8 are refused; a read gives all ones. */
	v = 0;
	assert_int_equal(bus_dispatch(&b, 0x100, 0, false, &v), -EINVAL);
	assert_int_equal(v, ~0ull);
	assert_int_equal(bus_dispatch(&b, 0x100, 16, true, &v), -EINVAL);
	assert_int_equal(p.calls, 0);
	/* Many unclaimed accesses: counted, never a crash. */
	for (int i = 0; i < 1000; i++)
		bus_dispatch(&b, (uint64_t)i * 7919, 1, i & 1, &v);
	assert_true(b.unclaimed >= 1000 - 2);
}

/*
 * 3, 5, 6 and 7 bytes: what KVM hands over when an access crosses a page
 * boundary.  Devices get 4-, 2- and 1-byte parts in address order.
 */
static void test_odd_sizes_split(void **state)
{
	struct bus b;
	struct probe p = {0};
	uint64_t v;

	(void)state;
	bus_init(&b, "mmio");
	assert_int_equal(bus_register(&b, "dev", 0x1000, 0x10, probe_io, &p),
			 0);
	/* 7 bytes at 0x1008: 4 at 0x1008, 2 at 0x100c, 1 at 0x100e, each
	 * answered with its offset in its low byte. */
	assert_int_equal(bus_dispatch(&b, 0x1008, 7, false, &v), 0);
	assert_int_equal(p.calls, 3);
	assert_int_equal(p.last.offset, 0xe);
	assert_int_equal(p.last.size, 1);
	assert_int_equal(v, 0x000e770c55667708ull);
	/* A write's bytes go to the parts in order. */
	v = 0x00332211aabbccddull;
	assert_int_equal(bus_dispatch(&b, 0x1000, 7, true, &v), 0);
	assert_int_equal(p.last.offset, 6);
	assert_int_equal(p.last.value, 0x33);
	/* 5 bytes at 0x100c: the device answers the first 4, the last byte
	 * lies past it and reads as all ones. */
	p.calls = 0;
	assert_int_equal(bus_dispatch(&b, 0x100c, 5, false, &v), -ENOENT);
	assert_int_equal(p.calls, 1);
	assert_int_equal(v, 0xff5566770cull);
	assert_int_equal(b.unclaimed, 1);
	/* 3 and 6 bytes split as 2 + 1 and 4 + 2. */
	p.calls = 0;
	assert_int_equal(bus_dispatch(&b, 0x1000, 3, false, &v), 0);
	assert_int_equal(v, 0x027700ull);
	assert_int_equal(bus_dispatch(&b, 0x1000, 6, false, &v), 0);
	assert_int_equal(v, 0x770455667700ull);
	assert_int_equal(p.calls, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_register_and_find),
	    cmocka_unit_test(test_register_refuses),
	    cmocka_unit_test(test_dispatch),
	    cmocka_unit_test(test_unclaimed_and_bad_sizes),
	    cmocka_unit_test(test_odd_sizes_split),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
