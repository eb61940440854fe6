/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of chapter 7's ring console, no KVM needed: registration
 * through the hypercall dispatcher, draining (with the wrap of the data
 * and of the 32-bit indices), every ring a guest can get wrong, the
 * doorbell that exits, and a writer and a drainer on two threads.
 *
 * Guest RAM sits between two guard zones; a registration refused
 * changes nothing but its block's `ret`.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/hypercall.h"
#include "abi/pvring.h"
#include "kvmlab/base/log.h"
#include "kvmlab/base/memory.h"
#include "kvmlab/dev/board.h"
#include "kvmlab/dev/bus.h"
#include "kvmlab/para/hypercall.h"
#include "kvmlab/para/ringconsole.h"

#define RAM   0x20000 /* 128 KiB */
#define GUARD 64
#define FILL  0xa5
#define BLOCK 0x100  /* the argument blocks */
#define RING  0x1000 /* the ring's header */
#define DATA  (RING + PVRING_DATA_OFF)
#define SIZE  256   /* bytes of data */
#define FLUSH 0x200 /* HC_RING_FLUSH's bare header */

struct fixture {
	uint8_t buf[GUARD + RAM + GUARD];
	uint8_t before[GUARD + RAM + GUARD];
	struct guest_mem mem;
	struct hypercall hc;
	struct ring_console rc;
	FILE *out;
	char *text;
	size_t len;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	log_level = LOG_QUIET; /* refusals log a line each: expected */
	memset(f->buf, FILL, sizeof(f->buf));
	f->mem = (struct guest_mem){.host = f->buf + GUARD, .size = RAM};
	f->out = open_memstream(&f->text, &f->len);
	hypercall_init(&f->hc, &f->mem, NULL, NULL, NULL, NULL);
	assert_int_equal(ring_console_init(&f->rc, &f->mem, f->out), 0);
	assert_int_equal(ring_console_attach(&f->rc, &f->hc), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fclose(f->out);
	free(f->text);
	free(f);
	return 0;
}

static struct pvring *ring_of(struct fixture *f)
{
	return gpa_to_host(&f->mem, RING, PVRING_DATA_OFF + SIZE);
}

/* The block of an HC_RING_SETUP, as the guest fills it. */
static void put_setup(struct fixture *f, uint64_t ring, uint64_t size)
{
	struct hc_ring_setup a = {{HC_ENOSYS}, ring, size};

	assert_int_equal(guest_write(&f->mem, BLOCK, &a, sizeof(a)), 0);
}

/* HC_RING_SETUP through the dispatcher, as the guest's OUT would. */
static int64_t ring_setup(struct fixture *f, uint64_t ring, uint64_t size)
{
	put_setup(f, ring, size);
	return hypercall_dispatch(&f->hc, HC_RING_SETUP, BLOCK);
}

static int64_t ring_flush(struct fixture *f)
{
	struct hc_header h = {HC_ENOSYS};

	assert_int_equal(guest_write(&f->mem, FLUSH, &h, sizeof(h)), 0);
	return hypercall_dispatch(&f->hc, HC_RING_FLUSH, FLUSH);
}

/* The guest's writer: bytes at the producer index, then the index. */
static void produce(struct fixture *f, const char *s)
{
	struct pvring *r = ring_of(f);
	uint8_t *data = (uint8_t *)r + PVRING_DATA_OFF;

	for (; *s; s++)
		data[r->prod++ % SIZE] = (uint8_t)*s;
}

static const char *printed(struct fixture *f)
{
	fflush(f->out);
	return f->text ? f->text : "";
}

static void snapshot(struct fixture *f)
{
	memcpy(f->before, f->buf, sizeof(f->buf));
}

/* Since snapshot(), nothing changed but [gpa, gpa + len). */
static void only_changed(struct fixture *f, uint64_t gpa, uint64_t len)
{
	for (uint64_t i = 0; i < sizeof(f->buf); i++) {
		uint64_t at = i - GUARD;

		if (i >= GUARD && at >= gpa && at - gpa < len)
			continue;
		if (f->buf[i] != f->before[i])
			fail_msg("byte at %lld changed", (long long)i - GUARD);
	}
}

/* Registration: from the producer index found; consumer and error
 * written; the text drained in order across the end of the data. */
static void test_setup_and_drain(void **state)
{
	struct fixture *f = *state;
	struct pvring *r = ring_of(f);
	char line[64];

	r->prod = 1000; /* what a guest left there: taken as empty */
	r->error = 7;
	assert_int_equal(ring_setup(f, RING, SIZE), 0);
	assert_int_equal(r->cons, 1000);
	assert_int_equal(r->error, 0);
	assert_int_equal(ring_flush(f), 0);
	/* 1000 % 256 = 232: the second line wraps. */
	produce(f, "one line\n");
	assert_int_equal(ring_flush(f), 9);
	for (int i = 0; i < 3; i++) {
		snprintf(line, sizeof(line), "line %d of a ring that wraps\n",
			 i);
		produce(f, line);
	}
	ring_console_notified(&f->rc, 3);
	assert_string_equal(printed(f),
			    "one line\nline 0 of a ring that wraps\n"
			    "line 1 of a ring that wraps\n"
			    "line 2 of a ring that wraps\n");
	assert_int_equal(r->cons, r->prod);
	assert_int_equal(f->rc.bytes, strlen(printed(f)));
	assert_int_equal(f->rc.notifies, 3);
	assert_int_equal(f->rc.thread_drains, 1);
	assert_int_equal(f->rc.flush_drains, 1);
	assert_int_equal(ring_console_bytes(&f->rc), f->rc.bytes);
}

/* The 32-bit indices wrap; the bytes still come out in order. */
static void test_index_wrap(void **state)
{
	struct fixture *f = *state;
	struct pvring *r = ring_of(f);

	r->prod = 0xfffffff0u;
	assert_int_equal(ring_setup(f, RING, SIZE), 0);
	produce(f, "across the wrap of the indices\n");
	assert_true(r->prod < 0x100);
	assert_int_equal(ring_flush(f), 31);
	assert_string_equal(printed(f), "across the wrap of the indices\n");
	/* Full to the byte is fine. */
	for (int i = 0; i < SIZE / 4; i++)
		produce(f, "abc\n");
	assert_int_equal(ring_flush(f), SIZE);
}

/* Every bad registration: refused, RAM untouched but `ret`, the ring
 * registered before still in place. */
static void test_setup_refused(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint64_t ring, size;
		int64_t err;
	} bad[] = {
	    {RING, 100, HC_EINVAL},		      /* no power of two */
	    {RING, 32, HC_EINVAL},		      /* below the least */
	    {RING, 0x20000, HC_EINVAL},		      /* above the most */
	    {RING, UINT64_MAX, HC_EINVAL},	      /* wild */
	    {RING + 8, SIZE, HC_EINVAL},	      /* not on a cache line */
	    {RAM, SIZE, HC_EFAULT},		      /* past the end */
	    {RAM - PVRING_DATA_OFF, SIZE, HC_EFAULT}, /* data past the end */
	    {RAM - PVRING_DATA_OFF - 0x100, 0x200, HC_EFAULT},
	    {0x40000000, SIZE, HC_EFAULT},
	    {UINT64_MAX - 63, SIZE, HC_EFAULT}, /* wraps */
	};
	uint64_t refused;

	assert_int_equal(ring_setup(f, RING, SIZE), 0);
	refused = f->hc.refused;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put_setup(f, bad[i].ring, bad[i].size);
		snapshot(f);
		assert_int_equal(
		    hypercall_dispatch(&f->hc, HC_RING_SETUP, BLOCK),
		    bad[i].err);
		only_changed(f, BLOCK, sizeof(struct hc_header));
	}
	assert_int_equal(f->hc.refused, refused + 10);
	assert_int_equal(f->hc.warnings, 10);
	/* The whole ring at the very end of RAM: fine. */
	assert_int_equal(ring_setup(f, RAM - PVRING_DATA_OFF - SIZE, SIZE), 0);
	/* A block that runs past the end of RAM. */
	assert_int_equal(hypercall_dispatch(&f->hc, HC_RING_SETUP, RAM - 16),
			 HC_EFAULT);
	/* The good ring stays registered after a refusal. */
	assert_int_equal(ring_setup(f, RING, SIZE), 0);
	assert_int_equal(ring_setup(f, 0x40000000, SIZE), HC_EFAULT);
	produce(f, "still here\n");
	assert_int_equal(ring_flush(f), 11);
	assert_int_equal(f->rc.setups, 3);
}

/* A producer past the size: reported once, HC_EIO, no byte read; a
 * new registration starts over. */
static void test_broken(void **state)
{
	struct fixture *f = *state;
	struct pvring *r = ring_of(f);
	uint64_t warned;

	r->prod = 0;
	assert_int_equal(ring_setup(f, RING, SIZE), 0);
	warned = f->rc.warnings;
	r->prod = SIZE + 1;
	ring_console_notified(&f->rc, 1);
	assert_int_equal(f->rc.breaks, 1);
	assert_int_equal(f->rc.warnings, warned + 1);
	assert_int_equal(r->error, HC_EIO);
	assert_int_equal(r->cons, 0);
	/* Said once; the guest hears HC_EIO every time. */
	assert_int_equal(ring_flush(f), HC_EIO);
	assert_int_equal(ring_flush(f), HC_EIO);
	assert_int_equal(f->rc.warnings, warned + 1);
	assert_int_equal(f->hc.warnings, 0);
	/* Even a sane producer now: still not read. */
	r->prod = 3;
	assert_int_equal(ring_flush(f), HC_EIO);
	/* A producer behind the consumer is just as impossible. */
	assert_int_equal(ring_setup(f, RING, SIZE), 0);
	assert_int_equal(r->error, 0);
	r->prod -= 1;
	assert_int_equal(ring_flush(f), HC_EIO);
	assert_int_equal(f->rc.breaks, 2);
	assert_string_equal(printed(f), "");
	/* Starting over works. */
	assert_int_equal(ring_setup(f, RING, SIZE), 0);
	produce(f, "ok\n");
	assert_int_equal(ring_flush(f), 3);
	assert_string_equal(printed(f), "ok\n");
}

/* No ring: HC_EINVAL; size 0 drains the last bytes and unregisters. */
static void test_no_ring(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(ring_flush(f), HC_EINVAL);
	ring_console_notified(&f->rc, 1);
	ring_console_stop(&f->rc);
	assert_int_equal(ring_setup(f, RING, SIZE), 0);
	produce(f, "last words\n");
	assert_int_equal(ring_setup(f, 0, 0), 0);
	assert_string_equal(printed(f), "last words\n");
	assert_int_equal(ring_flush(f), HC_EINVAL);
	assert_int_equal(f->rc.bytes, 11);
}

/* The doorbell on the port bus: an OUT that exited drains at once. */
static void test_doorbell_exit(void **state)
{
	struct fixture *f = *state;
	struct bus pio;
	const struct board board = {.pio = &pio};
	uint64_t v = 0;

	bus_init(&pio, "pio");
	assert_int_equal(ring_console_register(&f->rc, &board), 0);
	assert_int_equal(ring_setup(f, RING, SIZE), 0);
	produce(f, "rung\n");
	assert_int_equal(bus_dispatch(&pio, ABI_PORT_RING_NOTIFY, 1, true, &v),
			 0);
	assert_string_equal(printed(f), "rung\n");
	assert_int_equal(f->rc.exit_drains, 1);
	/* The 4-byte OUT, as it arrives where KVM has no ioeventfd. */
	produce(f, "rung wide\n");
	assert_int_equal(bus_dispatch(&pio, ABI_PORT_RING_NOTIFY, 4, true, &v),
			 0);
	assert_string_equal(printed(f), "rung\nrung wide\n");
	assert_int_equal(f->rc.exit_drains, 2);
	assert_int_equal(pio.unclaimed, 0);
	assert_int_equal(bus_dispatch(&pio, ABI_PORT_RING_NOTIFY, 1, false, &v),
			 0);
	assert_int_equal(v, 0xff);
	/* And what is left at the end is drained at the stop. */
	produce(f, "left\n");
	ring_console_stop(&f->rc);
	assert_string_equal(printed(f), "rung\nrung wide\nleft\n");
	assert_int_equal(f->rc.stop_drains, 1);
}

/*
 * A guest writer and an I/O thread at once: the writer waits for room
 * (acquire on cons), stores bytes, then prod (release); the drainer runs
 * as the I/O thread does.  Every byte comes out once, in order.
 */
#define STREAM 200000

struct race {
	struct fixture *f;
	int done;
};

static uint8_t stream_byte(uint32_t i)
{
	return (uint8_t)('a' + (i * 7 + i / 251) % 26);
}

static void *writer(void *arg)
{
	struct race *rc = arg;
	struct pvring *r = ring_of(rc->f);
	uint8_t *data = (uint8_t *)r + PVRING_DATA_OFF;
	uint32_t prod = r->prod;

	for (uint32_t i = 0; i < STREAM; i++) {
		while (prod - __atomic_load_n(&r->cons, __ATOMIC_ACQUIRE) ==
		       SIZE)
			;
		data[prod % SIZE] = stream_byte(i);
		prod++;
		__atomic_store_n(&r->prod, prod, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&rc->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_two_threads(void **state)
{
	struct fixture *f = *state;
	struct race rc = {.f = f};
	pthread_t t;
	const char *out;

	assert_int_equal(ring_setup(f, RING, SIZE), 0);
	assert_int_equal(pthread_create(&t, NULL, writer, &rc), 0);
	while (!__atomic_load_n(&rc.done, __ATOMIC_ACQUIRE))
		ring_console_notified(&f->rc, 1);
	pthread_join(t, NULL);
	ring_console_stop(&f->rc);
	out = printed(f);
	assert_int_equal(f->len, STREAM);
	for (uint32_t i = 0; i < STREAM; i++)
		if ((uint8_t)out[i] != stream_byte(i))
			fail_msg("byte %u: '%c', not '%c'", i, out[i],
				 stream_byte(i));
	assert_int_equal(f->rc.breaks, 0);
}

static void test_print_stats(void **state)
{
	struct fixture *f = *state;
	char *line = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&line, &len);

	assert_int_equal(ring_setup(f, RING, SIZE), 0);
	produce(f, "abc");
	ring_console_notified(&f->rc, 2);
	ring_console_notified(&f->rc, 1);
	ring_console_print_stats(&f->rc, out);
	fclose(out);
	assert_string_equal(line,
			    "ring console: 256-byte ring at 0x1000; 3 bytes in "
			    "1 drains: 1 by the I/O thread (3 doorbells seen), "
			    "0 by HC_RING_FLUSH, 0 at doorbell exits, 0 at the "
			    "end; 1 found it empty; 1 setup, 0 broken\n");
	free(line);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_setup_and_drain), T(test_index_wrap),  T(test_setup_refused),
	    T(test_broken),	     T(test_no_ring),	  T(test_doorbell_exit),
	    T(test_two_threads),     T(test_print_stats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
