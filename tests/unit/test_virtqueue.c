/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of chapter 8's split virtqueue, no KVM needed: good chains
 * and the copies across their buffers, the 16-bit indices wrapping,
 * every ring a guest can get wrong (each one breaks the queue and
 * leaves guest RAM alone), and the notification decisions both ways,
 * with and without EVENT_IDX.
 *
 * Guest RAM is its own exact-size allocation (ASan sees any overrun);
 * the test plays the driver, writing descriptors and rings itself.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/virtio.h"
#include "kvmlab/base/log.h"
#include "kvmlab/base/memory.h"
#include "kvmlab/virtio/virtqueue.h"

#define RAM   0x10000
#define DESC  0x1000
#define AVAIL 0x2000
#define USED  0x3000
#define BUF   0x8000
#define SIZE  8

struct fixture {
	uint8_t *ram;
	struct guest_mem mem;
	struct virtqueue q;
	uint16_t avail_idx; /* the driver's */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	log_level = LOG_QUIET; /* every broken ring logs a line: expected */
	f->ram = calloc(1, RAM);
	f->mem = (struct guest_mem){.host = f->ram, .size = RAM};
	vq_init(&f->q, &f->mem, "test", 3, 256);
	f->q.size = SIZE;
	f->q.desc = DESC;
	f->q.avail = AVAIL;
	f->q.used = USED;
	assert_int_equal(vq_enable(&f->q), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->ram);
	free(f);
	return 0;
}

static struct virtq_desc *desc(struct fixture *f, unsigned i)
{
	return (struct virtq_desc *)(f->ram + DESC) + i;
}

static void set_desc(struct fixture *f, unsigned i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	*desc(f, i) = (struct virtq_desc){addr, len, flags, next};
}

static struct virtq_avail *avail(struct fixture *f)
{
	return (struct virtq_avail *)(f->ram + AVAIL);
}

static struct virtq_used *used(struct fixture *f)
{
	return (struct virtq_used *)(f->ram + USED);
}

static uint16_t *used_event(struct fixture *f)
{
	return (uint16_t *)(f->ram + AVAIL + VIRTQ_USED_EVENT_OFF(SIZE));
}

static uint16_t *avail_event(struct fixture *f)
{
	return (uint16_t *)(f->ram + USED + VIRTQ_AVAIL_EVENT_OFF(SIZE));
}

/* The driver offers the chain at `head`. */
static void offer(struct fixture *f, uint16_t head)
{
	avail(f)->ring[f->avail_idx % SIZE] = head;
	avail(f)->idx = ++f->avail_idx;
}

/* A queue found broken: -EIO now and after, and its reason names it. */
static void expect_broken(struct fixture *f, const char *words)
{
	struct vq_chain c;

	assert_int_equal(vq_pop(&f->q, &c), -EIO);
	assert_true(f->q.broken);
	assert_non_null(strstr(f->q.why, "test queue 3: "));
	assert_non_null(strstr(f->q.why, words));
	assert_int_equal(vq_pop(&f->q, &c), -EIO);
	assert_int_equal(used(f)->idx, 0);
}

/* Two readable buffers then two writable ones: split and copied. */
static void test_good_chain(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;
	char out[16] = {0};

	memcpy(f->ram + BUF, "hello ", 6);
	memcpy(f->ram + BUF + 0x100, "world", 5);
	set_desc(f, 5, BUF, 6, VIRTQ_DESC_F_NEXT, 2);
	set_desc(f, 2, BUF + 0x100, 5, VIRTQ_DESC_F_NEXT, 7);
	set_desc(f, 7, BUF + 0x200, 3, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT,
		 0);
	set_desc(f, 0, BUF + 0x300, 10, VIRTQ_DESC_F_WRITE, 0);
	assert_int_equal(vq_pop(&f->q, &c), 0);
	offer(f, 5);
	assert_int_equal(vq_pending(&f->q), 1);
	assert_int_equal(vq_pop(&f->q, &c), 1);
	assert_int_equal(c.head, 5);
	assert_int_equal(c.nseg, 4);
	assert_int_equal(c.readable, 11);
	assert_int_equal(c.writable, 13);
	assert_ptr_equal(c.seg[1].host, f->ram + BUF + 0x100);
	/* Reads cross the first buffer's end; writes the third's. */
	assert_int_equal(vq_chain_read(&c, 3, out, sizeof(out)), 8);
	assert_string_equal(out, "lo world");
	assert_int_equal(vq_chain_write(&c, 1, "abcdefghijklmnop", 16), 12);
	assert_memory_equal(f->ram + BUF + 0x201, "ab", 2);
	assert_memory_equal(f->ram + BUF + 0x300, "cdefghijkl", 10);
	/* Pushed: the entry, then the index; more than it holds: clamped. */
	assert_int_equal(vq_push(&f->q, &c, 100), 0);
	assert_int_equal(used(f)->idx, 1);
	assert_int_equal(used(f)->ring[0].id, 5);
	assert_int_equal(used(f)->ring[0].len, 13);
	assert_int_equal(vq_pop(&f->q, &c), 0);
	assert_int_equal(f->q.popped, 1);
	assert_int_equal(f->q.pushed, 1);
}

/* Both indices cross 65535 -> 0 and the ring slots wrap with them. */
static void test_wrap(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	f->avail_idx = 65533;
	avail(f)->idx = 65533;
	f->q.last_avail = f->q.used_idx = f->q.signalled = 65533;
	for (unsigned i = 0; i < SIZE; i++)
		set_desc(f, i, BUF + 16 * i, 16, VIRTQ_DESC_F_WRITE, 0);
	for (unsigned i = 0; i < 6; i++)
		offer(f, (uint16_t)i);
	assert_int_equal(avail(f)->idx, 3);
	assert_int_equal(vq_pending(&f->q), 6);
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(vq_pop(&f->q, &c), 1);
		assert_int_equal(c.head, i);
		assert_int_equal(vq_push(&f->q, &c, i), 0);
	}
	assert_int_equal(vq_pop(&f->q, &c), 0);
	assert_int_equal(used(f)->idx, 3);
	assert_int_equal(used(f)->ring[65533 % SIZE].id, 0);
	assert_int_equal(used(f)->ring[2].id, 5);
	assert_int_equal(used(f)->ring[2].len, 5);
	assert_false(f->q.broken);
}

static void test_head_out_of_range(void **state)
{
	struct fixture *f = *state;

	offer(f, SIZE);
	expect_broken(f, "descriptor index 8, expected below the size 8");
}

static void test_next_out_of_range(void **state)
{
	struct fixture *f = *state;

	set_desc(f, 1, BUF, 4, VIRTQ_DESC_F_NEXT, 0xffff);
	offer(f, 1);
	expect_broken(f, "descriptor index 65535");
}

static void test_loop(void **state)
{
	struct fixture *f = *state;

	set_desc(f, 1, BUF, 4, VIRTQ_DESC_F_NEXT, 2);
	set_desc(f, 2, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
	offer(f, 1);
	expect_broken(f, "a loop");
}

/* A chain without a loop but longer than the device takes. */
static void test_too_many_descriptors(void **state)
{
	struct fixture *f = *state;

	f->q.ready = false;
	f->q.size = 64;
	assert_int_equal(vq_enable(&f->q), 0);
	for (unsigned i = 0; i < 64; i++)
		set_desc(f, i, BUF, 1, VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
	avail(f)->ring[0] = 0;
	avail(f)->idx = 1;
	expect_broken(f, "the device's limit");
}

static void test_readable_after_writable(void **state)
{
	struct fixture *f = *state;

	set_desc(f, 0, BUF, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(f, 1, BUF + 4, 4, 0, 0);
	offer(f, 0);
	expect_broken(f, "descriptor 1 is readable after a writable one");
}

/* An empty writable buffer counts: the order rule is about flags. */
static void test_readable_after_empty_writable(void **state)
{
	struct fixture *f = *state;

	set_desc(f, 0, BUF, 0, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(f, 1, BUF + 4, 4, 0, 0);
	offer(f, 0);
	expect_broken(f, "descriptor 1 is readable after a writable one");
}

static void test_outside_ram(void **state)
{
	struct fixture *f = *state;

	set_desc(f, 0, RAM - 4, 5, 0, 0);
	offer(f, 0);
	expect_broken(f, "0xfffc+0x5 is not inside guest RAM");
}

/* addr + len wraps past 2^64: still outside, not a small address. */
static void test_length_overflow(void **state)
{
	struct fixture *f = *state;

	set_desc(f, 0, UINT64_MAX - 8, 0x100, VIRTQ_DESC_F_WRITE, 0);
	offer(f, 0);
	expect_broken(f, "is not inside guest RAM");
}

/* Buffers inside RAM, but more bytes in all than a chain may hold. */
static void test_total_too_long(void **state)
{
	struct fixture *f = *state;

	f->q.ready = false;
	f->q.size = 32;
	assert_int_equal(vq_enable(&f->q), 0);
	for (unsigned i = 0; i < 20; i++)
		set_desc(f, i, 0, RAM, VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
	avail(f)->ring[0] = 0;
	avail(f)->idx = 1;
	expect_broken(f, "more than 0x100000 bytes");
}

static void test_avail_jump(void **state)
{
	struct fixture *f = *state;

	avail(f)->idx = SIZE + 1;
	expect_broken(f, "avail.idx 9 is 9 entries past the device's 0");
}

static void test_indirect(void **state)
{
	struct fixture *f = *state;

	set_desc(f, 0, BUF, 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	expect_broken(f, "INDIRECT");
}

/* Enabling checks the areas: misaligned, outside RAM, a bad size. */
static void test_enable_checks(void **state)
{
	struct fixture *f = *state;

	vq_reset(&f->q);
	f->q.size = 6;
	assert_int_equal(vq_enable(&f->q), -EINVAL);
	assert_non_null(strstr(f->q.why, "size 6"));
	f->q.size = 8;
	f->q.desc = DESC + 8;
	assert_int_equal(vq_enable(&f->q), -EINVAL);
	f->q.desc = DESC;
	f->q.used = RAM - 16;
	assert_int_equal(vq_enable(&f->q), -EINVAL);
	assert_non_null(strstr(f->q.why, "inside guest RAM"));
	f->q.used = USED;
	assert_int_equal(vq_enable(&f->q), 0);
	assert_false(f->q.broken);
}

/* Push n chains of one writable buffer each. */
static void push_n(struct fixture *f, unsigned n)
{
	struct vq_chain c;

	for (unsigned i = 0; i < n; i++) {
		set_desc(f, i, BUF, 4, VIRTQ_DESC_F_WRITE, 0);
		offer(f, (uint16_t)i);
		assert_int_equal(vq_pop(&f->q, &c), 1);
		assert_int_equal(vq_push(&f->q, &c, 4), 0);
	}
}

/* EVENT_IDX: an interrupt once the used index crosses used_event. */
static void test_event_idx_interrupts(void **state)
{
	struct fixture *f = *state;

	f->q.event_idx = true;
	assert_false(vq_should_notify(&f->q)); /* nothing new */
	*used_event(f) = 2;		       /* "after entry 2" */
	push_n(f, 2);			       /* used idx 0 -> 2 */
	assert_false(vq_should_notify(&f->q));
	push_n(f, 2); /* 2 -> 4: crosses 2 */
	assert_true(vq_should_notify(&f->q));
	push_n(f, 1); /* 4 -> 5: used_event still 2 */
	assert_false(vq_should_notify(&f->q));
	assert_int_equal(f->q.notified, 1);
	assert_int_equal(f->q.suppressed, 2);
}

/* Without: NO_INTERRUPT in avail.flags decides, batch by batch. */
static void test_flag_interrupts(void **state)
{
	struct fixture *f = *state;

	push_n(f, 2);
	assert_true(vq_should_notify(&f->q));
	avail(f)->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	push_n(f, 1);
	assert_false(vq_should_notify(&f->q));
}

/* EVENT_IDX kicks: avail_event follows the device, then a re-check. */
static void test_event_idx_kicks(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	f->q.event_idx = true;
	push_n(f, 3);
	vq_disable_kicks(&f->q);
	assert_int_equal(*avail_event(f), 0); /* left behind: no kicks */
	assert_false(vq_enable_kicks(&f->q));
	assert_int_equal(*avail_event(f), 3);
	assert_int_equal(used(f)->flags, 0);
	/* A buffer that came as kicks were enabled is seen. */
	set_desc(f, 4, BUF, 4, VIRTQ_DESC_F_WRITE, 0);
	offer(f, 4);
	assert_true(vq_enable_kicks(&f->q));
	assert_int_equal(vq_pop(&f->q, &c), 1);
	assert_false(vq_enable_kicks(&f->q));
	assert_int_equal(*avail_event(f), 4);
}

/* Without: used.flags NO_NOTIFY while the device works. */
static void test_flag_kicks(void **state)
{
	struct fixture *f = *state;

	vq_disable_kicks(&f->q);
	assert_int_equal(used(f)->flags, VIRTQ_USED_F_NO_NOTIFY);
	offer(f, 0);
	assert_true(vq_enable_kicks(&f->q));
	assert_int_equal(used(f)->flags, 0);
	assert_int_equal(*avail_event(f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	    T(test_good_chain),
	    T(test_wrap),
	    T(test_head_out_of_range),
	    T(test_next_out_of_range),
	    T(test_loop),
	    T(test_too_many_descriptors),
	    T(test_readable_after_writable),
	    T(test_readable_after_empty_writable),
	    T(test_outside_ram),
	    T(test_length_overflow),
	    T(test_total_too_long),
	    T(test_avail_jump),
	    T(test_indirect),
	    T(test_enable_checks),
	    T(test_event_idx_interrupts),
	    T(test_flag_interrupts),
	    T(test_event_idx_kicks),
	    T(test_flag_kicks),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
