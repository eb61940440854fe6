/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of chapter 7's hypercall dispatcher, no KVM needed: every
 * call, and every way a guest can get one wrong.
 *
 * Guest RAM here sits between two guard zones, and every test compares
 * the whole buffer, guards included, with a snapshot taken before the
 * call: a call may change its own block and nothing else, and a refused
 * call changes at most its header's `ret`.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <linux/kvm.h>

#include "abi/hypercall.h"
#include "kvmlab/base/log.h"
#include "kvmlab/base/memory.h"
#include "kvmlab/dev/board.h"
#include "kvmlab/dev/bus.h"
#include "kvmlab/exits/stats.h"
#include "kvmlab/para/hypercall.h"

#define RAM   0x20000 /* 128 KiB: room for a maximal console write */
#define GUARD 64
#define FILL  0xa5

struct fixture {
	uint8_t buf[GUARD + RAM + GUARD]; /* guard, RAM, guard */
	uint8_t before[GUARD + RAM + GUARD];
	struct guest_mem mem;
	struct stats stats;
	struct hypercall hc;
	FILE *console;
	char *out;
	size_t outlen;
	int stops, status; /* what the stop callback saw */
};

static void stop(void *opaque, int status)
{
	struct fixture *f = opaque;

	f->stops++;
	f->status = status;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	log_level = LOG_QUIET; /* every refusal logs a line: expected */
	memset(f->buf, FILL, sizeof(f->buf));
	f->mem = (struct guest_mem){.host = f->buf + GUARD, .size = RAM};
	f->console = open_memstream(&f->out, &f->outlen);
	hypercall_init(&f->hc, &f->mem, f->console, &f->stats, stop, f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fclose(f->console);
	free(f->out);
	free(f);
	return 0;
}

/* Put `len` bytes at guest-physical `gpa`, as a guest would. */
static void put(struct fixture *f, uint64_t gpa, const void *p, size_t len)
{
	assert_int_equal(guest_write(&f->mem, gpa, p, len), 0);
}

static void snapshot(struct fixture *f)
{
	memcpy(f->before, f->buf, sizeof(f->buf));
}

/* Nothing changed outside [gpa, gpa + len) since snapshot(): not in
 * RAM, not in the guards. */
static void only_changed(struct fixture *f, uint64_t gpa, uint64_t len)
{
	for (uint64_t i = 0; i < sizeof(f->buf); i++) {
		uint64_t at = i - GUARD; /* wraps for the first guard: fine */

		if (i >= GUARD && at >= gpa && at - gpa < len)
			continue;
		if (f->buf[i] != f->before[i])
			fail_msg("byte %s0x%llx changed: 0x%02x -> 0x%02x",
				 i < GUARD ? "(guard) -" : "",
				 i < GUARD ? (unsigned long long)(GUARD - i)
					   : (unsigned long long)at,
				 f->before[i], f->buf[i]);
	}
}

static int64_t ret_at(struct fixture *f, uint64_t gpa)
{
	struct hc_header h;

	assert_int_equal(guest_read(&f->mem, gpa, &h, sizeof(h)), 0);
	return h.ret;
}

static const char *printed(struct fixture *f)
{
	fflush(f->console);
	return f->out ? f->out : "";
}

/* A console write block at `gpa`: dispatched, its `ret` returned, and
 * checked to be what the block now holds. */
static int64_t console_write(struct fixture *f, uint64_t gpa, uint64_t buf,
			     uint64_t len)
{
	struct hc_console_write a = {{-12345}, buf, len};
	int64_t r;

	put(f, gpa, &a, sizeof(a));
	snapshot(f);
	r = hypercall_dispatch(&f->hc, HC_CONSOLE_WRITE, gpa);
	assert_int_equal(ret_at(f, gpa), r);
	/* A console write answers in its header only. */
	only_changed(f, gpa, sizeof(struct hc_header));
	return r;
}

static void test_console_write(void **state)
{
	struct fixture *f = *state;
	static const char text[] = "hello from the guest\n";

	put(f, 0x2000, text, sizeof(text) - 1);
	assert_int_equal(console_write(f, 0x1000, 0x2000, sizeof(text) - 1),
			 sizeof(text) - 1);
	assert_string_equal(printed(f), text);
	/* Zero bytes: nothing printed, 0 returned, `buf` not even looked
	 * at (here it points nowhere). */
	assert_int_equal(console_write(f, 0x1000, UINT64_MAX, 0), 0);
	assert_int_equal(console_write(f, 0x1000, RAM + 1, 0), 0);
	assert_string_equal(printed(f), text);
	/* The largest write, ending at the last byte of RAM. */
	assert_int_equal(
	    console_write(f, 0x1000, RAM - HC_CONSOLE_MAX, HC_CONSOLE_MAX),
	    HC_CONSOLE_MAX);
	assert_int_equal(f->outlen, sizeof(text) - 1 + HC_CONSOLE_MAX);
	assert_int_equal(f->hc.calls[HC_CONSOLE_WRITE], 4);
	assert_int_equal(f->hc.console_bytes,
			 sizeof(text) - 1 + HC_CONSOLE_MAX);
	assert_int_equal(f->hc.refused, 0);
}

static void test_console_write_bad(void **state)
{
	struct fixture *f = *state;

	/* Buffers not wholly in RAM: straddling the end, just past it,
	 * far past it, and wrapping past 2^64. */
	assert_int_equal(console_write(f, 0x1000, RAM - 4, 8), HC_EFAULT);
	assert_int_equal(console_write(f, 0x1000, RAM, 1), HC_EFAULT);
	assert_int_equal(console_write(f, 0x1000, 0xc0000000, 16), HC_EFAULT);
	assert_int_equal(console_write(f, 0x1000, UINT64_MAX - 3, 8),
			 HC_EFAULT);
	assert_int_equal(console_write(f, 0x1000, UINT64_MAX, 1), HC_EFAULT);
	/* Lengths above the limit, however much RAM there is; one that
	 * would wrap the address space is one of them. */
	assert_int_equal(console_write(f, 0x1000, 0, HC_CONSOLE_MAX + 1),
			 HC_EMSGSIZE);
	assert_int_equal(console_write(f, 0x1000, 0x2000, UINT64_MAX),
			 HC_EMSGSIZE);
	assert_int_equal(console_write(f, 0x1000, 0x2000, 0ull - 0x2000),
			 HC_EMSGSIZE);
	assert_int_equal(console_write(f, 0x1000, 0x2000, 0ull - 0x1000),
			 HC_EMSGSIZE);
	/* Nothing printed, each one counted and refused. */
	assert_int_equal(f->outlen, 0);
	assert_string_equal(printed(f), "");
	assert_int_equal(f->hc.console_bytes, 0);
	assert_int_equal(f->hc.calls[HC_CONSOLE_WRITE], 9);
	assert_int_equal(f->hc.refused, 9);
}

static uint64_t fake_ns;

static uint64_t fake_now(void)
{
	return fake_ns;
}

static uint64_t wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void test_time(void **state)
{
	struct fixture *f = *state;
	struct hc_time t = {{-1}, 1, 2};
	uint64_t wall0, wall1;

	/* The VM's clock counts from hypercall_init(). */
	f->hc.now = fake_now;
	f->hc.start_ns = 5000000000ull;
	fake_ns = 5000000000ull + 123456789;
	put(f, 0x3000, &t, sizeof(t));
	snapshot(f);
	wall0 = wall_now();
	assert_int_equal(hypercall_dispatch(&f->hc, HC_TIME, 0x3000), 0);
	wall1 = wall_now();
	only_changed(f, 0x3000, sizeof(t));
	assert_int_equal(guest_read(&f->mem, 0x3000, &t, sizeof(t)), 0);
	assert_int_equal(t.h.ret, 0);
	assert_int_equal(t.ns, 123456789);
	assert_true(t.wall_ns >= wall0 && t.wall_ns <= wall1);
	assert_int_equal(f->hc.calls[HC_TIME], 1);

	/* The real clock: small, and not going backwards. */
	hypercall_init(&f->hc, &f->mem, f->console, NULL, stop, f);
	assert_int_equal(hypercall_dispatch(&f->hc, HC_TIME, 0x3000), 0);
	assert_int_equal(guest_read(&f->mem, 0x3000, &t, sizeof(t)), 0);
	assert_true(t.ns < 10000000000ull);
}

static void test_exit_stats(void **state)
{
	struct fixture *f = *state;
	struct hc_exit_stats x;

	f->stats.total = 100;
	f->stats.by_reason[KVM_EXIT_IO] = 60;
	f->stats.by_reason[KVM_EXIT_MMIO] = 25;
	f->stats.by_reason[KVM_EXIT_HLT] = 1;
	f->stats.by_reason[KVM_EXIT_SHUTDOWN] = 4;
	f->stats.other_reason = 10;
	memset(&x, 0xee, sizeof(x));
	put(f, 0x4000, &x, sizeof(x));
	snapshot(f);
	hypercall_dispatch(&f->hc, HC_TIME, 0x4000); /* one more call */
	assert_int_equal(hypercall_dispatch(&f->hc, HC_EXIT_STATS, 0x4000), 0);
	only_changed(f, 0x4000, sizeof(x));
	assert_int_equal(guest_read(&f->mem, 0x4000, &x, sizeof(x)), 0);
	assert_int_equal(x.h.ret, 0);
	assert_int_equal(x.total, 100);
	assert_int_equal(x.io, 60);
	assert_int_equal(x.mmio, 25);
	assert_int_equal(x.hlt, 1);
	assert_int_equal(x.other, 14);
	assert_int_equal(x.hypercalls, 2); /* this one included */

	/* No statistics: zeros, but the calls are still counted. */
	hypercall_init(&f->hc, &f->mem, f->console, NULL, stop, f);
	memset(&x, 0xee, sizeof(x));
	put(f, 0x4000, &x, sizeof(x));
	assert_int_equal(hypercall_dispatch(&f->hc, HC_EXIT_STATS, 0x4000), 0);
	assert_int_equal(guest_read(&f->mem, 0x4000, &x, sizeof(x)), 0);
	assert_int_equal(x.total | x.io | x.mmio | x.hlt | x.other, 0);
	assert_int_equal(x.hypercalls, 1);
}

static int64_t halt_with(struct fixture *f, uint64_t status)
{
	struct hc_halt a = {{-1}, status};
	int64_t r;

	put(f, 0x5000, &a, sizeof(a));
	snapshot(f);
	r = hypercall_dispatch(&f->hc, HC_HALT, 0x5000);
	only_changed(f, 0x5000, sizeof(struct hc_header));
	assert_int_equal(ret_at(f, 0x5000), r);
	return r;
}

static void test_halt(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(halt_with(f, 7), 0);
	assert_int_equal(f->stops, 1);
	assert_int_equal(f->status, 7);
	assert_int_equal(halt_with(f, 0), 0);
	assert_int_equal(f->status, 0);
	assert_int_equal(halt_with(f, 63), 0);
	assert_int_equal(f->status, 63);
	assert_int_equal(f->stops, 3);
	/* Above 63 a status would pose as the VMM's own (124 "timeout"):
	 * refused, and the VM goes on. */
	assert_int_equal(halt_with(f, 64), HC_EINVAL);
	assert_int_equal(halt_with(f, 124), HC_EINVAL);
	assert_int_equal(halt_with(f, 0x100000000ull), HC_EINVAL);
	assert_int_equal(halt_with(f, UINT64_MAX), HC_EINVAL);
	assert_int_equal(f->stops, 3);
	assert_int_equal(f->hc.calls[HC_HALT], 7);
	assert_int_equal(f->hc.refused, 4);
}

/*
 * Blocks in the wrong place, for every call: the header in RAM but the
 * rest not (the error goes in the header), and the header itself not in
 * RAM (nothing at all is written).
 */
static void test_block_outside_ram(void **state)
{
	struct fixture *f = *state;
	/* The dispatcher's own calls; the ring console's are
	 * tests/unit/test_pvring.c's. */
	static const size_t size[HC_RING_SETUP] = {
	    [HC_CONSOLE_WRITE] = sizeof(struct hc_console_write),
	    [HC_TIME] = sizeof(struct hc_time),
	    [HC_EXIT_STATS] = sizeof(struct hc_exit_stats),
	    [HC_HALT] = sizeof(struct hc_halt),
	};
	static const uint64_t wild[] = {
	    RAM - 4, /* the header straddles the end */
	    RAM - 1,	    RAM,	RAM + 8,
	    0xc0000000,	    1ull << 32, /* beyond what the 32-bit OUT can carry */
	    UINT64_MAX - 7, /* the header would end exactly at 2^64 */
	    UINT64_MAX - 3, /* the header wraps */
	    UINT64_MAX,
	};
	unsigned refused = 0;

	for (unsigned call = 0; call < HC_RING_SETUP; call++) {
		/* The last 8 bytes of RAM: the header fits, the body not. */
		uint64_t gpa = RAM - sizeof(struct hc_header);

		snapshot(f);
		assert_int_equal(hypercall_dispatch(&f->hc, call, gpa),
				 HC_EFAULT);
		assert_int_equal(ret_at(f, gpa), HC_EFAULT);
		only_changed(f, gpa, sizeof(struct hc_header));
		refused++;
		/* One byte short of the whole block. */
		gpa = RAM - size[call] + 1;
		snapshot(f);
		assert_int_equal(hypercall_dispatch(&f->hc, call, gpa),
				 HC_EFAULT);
		assert_int_equal(ret_at(f, gpa), HC_EFAULT);
		only_changed(f, gpa, sizeof(struct hc_header));
		refused++;
		/* The whole block in the last bytes of RAM: no HC_EFAULT
		 * (but the bytes left there make a console write's length
		 * and a halt's status bad). */
		gpa = RAM - size[call];
		assert_true(hypercall_dispatch(&f->hc, call, gpa) != HC_EFAULT);
		refused += call == HC_HALT || call == HC_CONSOLE_WRITE;
		for (size_t i = 0; i < sizeof(wild) / sizeof(wild[0]); i++) {
			snapshot(f);
			assert_int_equal(
			    hypercall_dispatch(&f->hc, call, wild[i]),
			    HC_EFAULT);
			only_changed(f, 0, 0);
			refused++;
		}
	}
	assert_int_equal(f->stops, 0);
	assert_int_equal(f->outlen, 0);
	assert_int_equal(f->hc.refused, refused);
}

static void test_unknown_call(void **state)
{
	struct fixture *f = *state;
	static const unsigned calls[] = {HC_NR_CALLS, 7,
					 ABI_PORT_HYPERCALL_LEN - 1,
					 ABI_PORT_HYPERCALL_LEN, 0xffffffffu};

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		put(f, 0x6000, &(struct hc_header){-1}, 8);
		snapshot(f);
		assert_int_equal(hypercall_dispatch(&f->hc, calls[i], 0x6000),
				 HC_ENOSYS);
		assert_int_equal(ret_at(f, 0x6000), HC_ENOSYS);
		only_changed(f, 0x6000, 8);
	}
	/* Unknown and nowhere to answer: HC_EFAULT, nothing written. */
	snapshot(f);
	assert_int_equal(hypercall_dispatch(&f->hc, 9, RAM), HC_EFAULT);
	only_changed(f, 0, 0);
	assert_int_equal(f->hc.unknown, 6);
	assert_int_equal(f->hc.refused, 6);
	for (unsigned c = 0; c < HC_NR_CALLS; c++)
		assert_int_equal(f->hc.calls[c], 0);
}

/* What an attached module answers, and what it was given. */
struct module {
	int64_t ret;
	const char *why;
	uint64_t gpa;
	int calls;
};

static int64_t module_call(void *opaque, uint64_t gpa, char *why,
			   size_t why_len)
{
	struct module *m = opaque;

	m->calls++;
	m->gpa = gpa;
	snprintf(why, why_len, "%s", m->why);
	return m->ret;
}

/*
 * The ring console's calls: HC_ENOSYS until a module is attached, then
 * the module's answer in the header; its refusals are counted, and
 * logged unless it said so itself.  The dispatcher's own calls cannot be
 * taken over.
 */
static void test_attached(void **state)
{
	struct fixture *f = *state;
	struct module m = {.ret = 5, .why = ""};

	assert_int_equal(hypercall_dispatch(&f->hc, HC_RING_SETUP, 0x100),
			 HC_ENOSYS);
	assert_int_equal(hypercall_dispatch(&f->hc, HC_RING_FLUSH, 0x100),
			 HC_ENOSYS);
	assert_int_equal(f->hc.refused, 2);
	assert_int_equal(hypercall_attach(&f->hc, HC_HALT, module_call, &m),
			 -EINVAL);
	assert_int_equal(hypercall_attach(&f->hc, HC_NR_CALLS, module_call, &m),
			 -EINVAL);
	assert_int_equal(
	    hypercall_attach(&f->hc, HC_RING_FLUSH, module_call, &m), 0);
	snapshot(f);
	assert_int_equal(hypercall_dispatch(&f->hc, HC_RING_FLUSH, 0x100), 5);
	assert_int_equal(ret_at(f, 0x100), 5);
	only_changed(f, 0x100, 8);
	assert_int_equal(m.gpa, 0x100);
	/* A header outside RAM never reaches the module. */
	assert_int_equal(hypercall_dispatch(&f->hc, HC_RING_FLUSH, RAM - 4),
			 HC_EFAULT);
	assert_int_equal(m.calls, 1);
	/* Refusals: with a reason (logged here) and without (logged by
	 * the module): counted both ways. */
	m = (struct module){.ret = HC_EINVAL, .why = "a reason"};
	f->hc.warnings = 0;
	assert_int_equal(hypercall_dispatch(&f->hc, HC_RING_FLUSH, 0x100),
			 HC_EINVAL);
	assert_int_equal(f->hc.warnings, 1);
	m = (struct module){.ret = HC_EIO, .why = ""};
	assert_int_equal(hypercall_dispatch(&f->hc, HC_RING_FLUSH, 0x100),
			 HC_EIO);
	assert_int_equal(ret_at(f, 0x100), HC_EIO);
	assert_int_equal(f->hc.warnings, 1);
	assert_int_equal(f->hc.refused, 5);
	assert_int_equal(f->hc.calls[HC_RING_FLUSH], 5);
	assert_int_equal(f->hc.calls[HC_RING_SETUP], 1);
}

/* HC_EXIT_STATS calls the mark hook before it answers. */
static int marks;

static void count_mark(void *opaque)
{
	(void)opaque;
	marks++;
}

static void test_mark(void **state)
{
	struct fixture *f = *state;

	marks = 0;
	f->hc.mark = count_mark;
	assert_int_equal(hypercall_dispatch(&f->hc, HC_EXIT_STATS, 0x100), 0);
	assert_int_equal(marks, 1);
	/* A refused call is no mark. */
	hypercall_dispatch(&f->hc, HC_EXIT_STATS, RAM - 8);
	hypercall_dispatch(&f->hc, HC_TIME, 0x100);
	assert_int_equal(marks, 1);
}

/* Through the port bus, as the vCPU's exits arrive. */
static void test_ports(void **state)
{
	struct fixture *f = *state;
	struct bus pio;
	const struct board board = {.pio = &pio};
	static const char text[] = "one exit\n";
	struct hc_console_write a = {{-1}, 0x7100, sizeof(text) - 1};
	uint64_t v;

	bus_init(&pio, "pio");
	assert_int_equal(hypercall_register(&f->hc, &board), 0);
	assert_int_equal(pio.ndev, 1);
	assert_int_equal(pio.dev[0].base, ABI_PORT_HYPERCALL);
	assert_int_equal(pio.dev[0].len, ABI_PORT_HYPERCALL_LEN);
	/* Registering twice is an overlap. */
	assert_int_equal(hypercall_register(&f->hc, &board), -EEXIST);

	put(f, 0x7100, text, sizeof(text) - 1);
	put(f, 0x7000, &a, sizeof(a));
	/* A 4-byte OUT: only its 32 bits are the address. */
	v = 0xffffffff00007000ull;
	assert_int_equal(
	    bus_dispatch(&pio, HC_PORT(HC_CONSOLE_WRITE), 4, true, &v), 0);
	assert_string_equal(printed(f), text);
	assert_int_equal(ret_at(f, 0x7000), sizeof(text) - 1);
	/* A port in the range with no call answers HC_ENOSYS. */
	v = 0x7000;
	assert_int_equal(bus_dispatch(&pio, HC_PORT(7), 4, true, &v), 0);
	assert_int_equal(ret_at(f, 0x7000), HC_ENOSYS);
	assert_int_equal(f->hc.unknown, 1);

	/* INs read all ones, OUTs of another width are ignored: no call,
	 * nothing written, counted as bad accesses. */
	snapshot(f);
	for (uint32_t size = 1; size <= 4; size *= 2) {
		v = 0;
		assert_int_equal(
		    bus_dispatch(&pio, HC_PORT(HC_HALT), size, false, &v), 0);
		assert_int_equal(v, (1ull << (8 * size)) - 1);
	}
	v = 0x7000;
	assert_int_equal(bus_dispatch(&pio, HC_PORT(HC_HALT), 1, true, &v), 0);
	assert_int_equal(bus_dispatch(&pio, HC_PORT(HC_HALT), 2, true, &v), 0);
	only_changed(f, 0, 0);
	assert_int_equal(f->hc.bad_access, 5);
	assert_int_equal(f->hc.calls[HC_HALT], 0);
	assert_int_equal(f->stops, 0);
	/* 3 bytes at the last two ports: the bus hands over a 2-byte part,
	 * ours and a bad access, and a 1-byte part past the range, which
	 * no device claims. */
	v = 0;
	assert_int_equal(bus_dispatch(&pio, HC_PORT(ABI_PORT_HYPERCALL_LEN - 2),
				      3, false, &v),
			 -ENOENT);
	assert_int_equal(f->hc.bad_access, 6);
}

static void test_print_stats(void **state)
{
	struct fixture *f = *state;
	char *line = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&line, &len);
	static const char text[] = "abc";

	put(f, 0x100, text, 3);
	console_write(f, 0x1000, 0x100, 3);
	console_write(f, 0x1000, 0x100, 3);
	hypercall_dispatch(&f->hc, HC_TIME, 0x2000);
	hypercall_dispatch(&f->hc, 11, 0x2000);
	hypercall_dispatch(&f->hc, HC_HALT, UINT64_MAX);
	f->hc.bad_access = 2;
	hypercall_print_stats(&f->hc, out);
	fclose(out);
	assert_string_equal(line, "hypercall: console-write 2 (6 bytes), "
				  "time 1, exit-stats 0, halt 1, ring-setup 0, "
				  "ring-flush 0; unknown 1, refused 2, bad "
				  "accesses 2\n");
	free(line);
	assert_string_equal(hypercall_name(HC_EXIT_STATS), "exit-stats");
	assert_null(hypercall_name(HC_NR_CALLS));
}

/* A guest looping on a bad call: answered every time, logged a few
 * times, never a crash. */
static void test_many_bad_calls(void **state)
{
	struct fixture *f = *state;

	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(
		    hypercall_dispatch(&f->hc, i % 8, RAM - 8 + (i & 16)),
		    i & 16		    ? HC_EFAULT
		    : i % 8 < HC_RING_SETUP ? HC_EFAULT
					    : HC_ENOSYS);
	assert_int_equal(f->hc.refused, 1000);
	assert_int_equal(f->hc.warnings, 1000);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_console_write), T(test_console_write_bad),
	    T(test_time),	   T(test_exit_stats),
	    T(test_halt),	   T(test_block_outside_ram),
	    T(test_unknown_call),  T(test_attached),
	    T(test_mark),	   T(test_ports),
	    T(test_print_stats),   T(test_many_bad_calls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
