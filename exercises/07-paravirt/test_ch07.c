/* SPDX-License-Identifier: MIT */
/*
 * test_ch07: the graded tests of chapter 7's exercises.
 *
 * ch07-ioeventfd (kvmlab/para/ioeventfd.c): the grading guest
 * exercises/07-paravirt/doorbell16.S rings the doorbell a number of times
 * drawn each run, with 4-byte OUTs, then once with a 1-byte OUT, then
 * writes 'D' to port 0x80.  From the VMM's side the test sees which of
 * those reached its run loop (only the 1-byte OUT and the 'D' may), and
 * counts the signals the eventfd delivered to the I/O thread (exactly
 * the 4-byte OUTs).
 *
 * ch07-ring-drain (drain() in kvmlab/para/ringconsole.c), no KVM: the
 * test plays the guest on a ring in a guest RAM of its own, registered
 * through the hypercall dispatcher as a guest registers it, with a size,
 * a starting index (near the 2^32 wrap, often) and bytes drawn each run;
 * then hostile indices.  It checks the text, the return value, the
 * consumer index the VMM publishes and the ring's error field.
 *
 * ch07-ring-setup (setup_call() in kvmlab/para/ringconsole.c), no KVM:
 * HC_RING_SETUP with good and hostile blocks (sizes, alignments and
 * addresses drawn each run): the code the guest gets back, whether the
 * ring was taken, and that a refused ring is never read.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "../lib/grade.h"
#include "abi/machine.h"
#include "abi/pvring.h"
#include "kvmlab/base/log.h"
#include "kvmlab/exits/exits.h"
#include "kvmlab/irq/iothread.h"
#include "kvmlab/load/loader.h"
#include "kvmlab/machine/boot.h"
#include "kvmlab/para/hypercall.h"
#include "kvmlab/para/ioeventfd.h"
#include "kvmlab/para/ringconsole.h"

static uint32_t random32(void)
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)time(NULL) ^ (uint32_t)getpid() << 16;
	return v;
}

/* ---- ch07-ioeventfd --------------------------------------------------- */

#define BELL_COUNT 0x0f00 /* doorbell16.S */
#define GRADE_PORT 0x80

struct bell {
	struct grade_kvm h;
	struct guest_image img;
	struct ioeventfd e;
	struct iothread io;
	uint32_t rings;	     /* drawn: the 4-byte OUTs the guest makes */
	atomic_ulong fired;  /* signals the I/O thread was handed */
	unsigned long calls; /* fired() calls */
};

static void fired(void *opaque, uint64_t count)
{
	struct bell *b = opaque;

	atomic_fetch_add(&b->fired, count);
	b->calls++;
}

/* A VM with the guest loaded, the doorbell's ioeventfd by the exercise. */
static void bell_open(struct bell *b)
{
	int r;

	memset(b, 0, sizeof(*b));
	log_level = LOG_ERROR;
	grade_kvm_open(&b->h, ABI_RAM_DEFAULT);
	check(load_guest_file(&b->h.vm.mem,
			      grade_guest("exercises/doorbell16.bin"),
			      ABI_REAL_LOAD, 0, &b->img) == 0,
	      "cannot load %s", grade_guest("exercises/doorbell16.bin"));
	check(boot_real(&b->h.cpu, ABI_REAL_LOAD) == 0, "cannot boot it");
	b->rings = 50 + random32() % 200;
	check(guest_write(&b->h.vm.mem, BELL_COUNT, &b->rings, 4) == 0,
	      "cannot write the count");
	check(iothread_init(&b->io) == 0, "iothread_init failed");
	r = ioeventfd_init(&b->e, &b->h.vm, ABI_PORT_RING_NOTIFY,
			   ABI_PORT_RING_NOTIFY_WIDTH, &b->io, "doorbell",
			   fired, b);
	check(r == 0, "ioeventfd_init() returned %d, expected 0", r);
}

static void bell_close(struct bell *b)
{
	iothread_stop(&b->io);
	ioeventfd_close(&b->e);
	image_free(&b->img);
	grade_kvm_close(&b->h);
}

/* The next exit, which must be an OUT: its port, size and value. */
static void next_out(struct bell *b, uint16_t *port, unsigned *size,
		     uint32_t *value)
{
	struct kvm_run *run = b->h.cpu.run;

	run_timeout_arm(run, 10);
	check(ioctl(b->h.cpu.fd, KVM_RUN, 0) == 0,
	      "KVM_RUN: %s (the guest ran 10 s without an exit)",
	      strerror(errno));
	run_timeout_disarm();
	check(run->exit_reason == KVM_EXIT_IO &&
		  run->io.direction == KVM_EXIT_IO_OUT,
	      "unexpected exit %s from the grading guest",
	      exit_reason_name(run->exit_reason));
	*port = run->io.port;
	*size = run->io.size;
	*value = 0;
	memcpy(value, (uint8_t *)run + run->io.data_offset,
	       run->io.size < 4 ? run->io.size : 4);
}

/* KVM has the eventfd on that port and width; the thread waits on it. */
static void ioeventfd_assigned(void **state)
{
	struct bell b;
	struct kvm_ioeventfd again;
	int err;

	(void)state;
	bell_open(&b);
	check(b.e.fd >= 0, "no eventfd in e->fd");
	again = (struct kvm_ioeventfd){.addr = ABI_PORT_RING_NOTIFY,
				       .len = ABI_PORT_RING_NOTIFY_WIDTH,
				       .fd = b.e.fd,
				       .flags = KVM_IOEVENTFD_FLAG_PIO};
	err = ioctl(b.h.vm.fd, KVM_IOEVENTFD, &again) < 0 ? errno : 0;
	check(err == EEXIST,
	      "KVM has no eventfd for 4-byte OUTs to port 0x%x (registering "
	      "it again gave %s, not EEXIST)",
	      ABI_PORT_RING_NOTIFY, err ? strerror(err) : "success");
	check(b.io.nsrc == 1 && b.io.src[0].fd == b.e.fd,
	      "the I/O thread does not wait on the eventfd");
	bell_close(&b);
}

/* Run the guest to its 'D'; the exits it made on the way. */
static unsigned run_bells(struct bell *b, unsigned *wide, unsigned *narrow)
{
	uint16_t port;
	unsigned size, exits = 0;
	uint32_t v;

	*wide = *narrow = 0;
	check(iothread_start(&b->io) == 0, "iothread_start failed");
	for (;;) {
		next_out(b, &port, &size, &v);
		exits++;
		if (port == GRADE_PORT && v == 'D')
			break;
		check(port == ABI_PORT_RING_NOTIFY,
		      "an OUT to port 0x%x: the guest writes no such port",
		      port);
		if (size == 4)
			(*wide)++;
		else
			(*narrow)++;
		check(exits < 100000, "the guest never finished");
	}
	return exits;
}

static unsigned long fired_now(struct bell *b)
{
	/* The I/O thread drains the eventfd soon: give it a second. */
	for (int i = 0; i < 100 && atomic_load(&b->fired) < b->rings; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};

		nanosleep(&ts, NULL);
	}
	return atomic_load(&b->fired);
}

/* The 4-byte OUTs stay in the kernel; the eventfd counts every one. */
static void ioeventfd_in_kernel(void **state)
{
	struct bell b;
	unsigned wide, narrow;
	unsigned long got;

	(void)state;
	bell_open(&b);
	run_bells(&b, &wide, &narrow);
	check(wide == 0,
	      "%u of the guest's %u 4-byte doorbell OUTs reached the VMM: "
	      "KVM did not match them",
	      wide, b.rings);
	got = fired_now(&b);
	check(got == b.rings,
	      "the guest rang %u times; the eventfd told the I/O thread of "
	      "%lu",
	      b.rings, got);
	bell_close(&b);
}

/* Only 4-byte OUTs are the doorbell: the 1-byte one exits as any does. */
static void ioeventfd_width(void **state)
{
	struct bell b;
	unsigned wide, narrow;

	(void)state;
	bell_open(&b);
	run_bells(&b, &wide, &narrow);
	check(narrow == 1,
	      "the guest's one 1-byte OUT to port 0x%x reached the VMM %u "
	      "times, expected once: the ioeventfd must match 4-byte OUTs "
	      "only (its len)",
	      ABI_PORT_RING_NOTIFY, narrow);
	check(fired_now(&b) == b.rings,
	      "the eventfd counted %lu signals for %u 4-byte OUTs",
	      (unsigned long)atomic_load(&b.fired), b.rings);
	bell_close(&b);
}

/* ---- ch07-ring-drain -------------------------------------------------- */

#define RING_RAM   0x40000
#define RING_BLOCK 0x1000 /* the HC_RING_SETUP block */
#define RING_AT	   0x2000 /* the ring's header */

struct ringt {
	uint8_t *ram;
	struct guest_mem mem;
	struct hypercall hc;
	struct ring_console c;
	FILE *out;
	char *text;
	size_t len;
	struct pvring *r;
	uint8_t *data;
	uint32_t size, prod;
	char *want; /* every byte produced so far, in order */
	size_t nwant;
};

/* A ring console on a guest RAM of the test's own, no ring yet. */
static void ring_bare(struct ringt *t)
{
	memset(t, 0, sizeof(*t));
	log_level = LOG_QUIET;
	t->ram = calloc(1, RING_RAM);
	t->want = malloc(1 << 20);
	check(t->ram && t->want, "out of memory");
	t->mem = (struct guest_mem){.host = t->ram, .size = RING_RAM};
	t->out = open_memstream(&t->text, &t->len);
	check(t->out != NULL, "out of memory");
	hypercall_init(&t->hc, &t->mem, NULL, NULL, NULL, NULL);
	check(ring_console_init(&t->c, &t->mem, t->out) == 0 &&
		  ring_console_attach(&t->c, &t->hc) == 0,
	      "cannot set up the ring console");
}

/*
 * A ring of `size` bytes at RING_AT whose indices start at `start`,
 * registered as HC_RING_SETUP leaves it, set from constants: the drain
 * is graded without the ch07-ring-setup exercise, and the other way
 * round.
 */
static void ring_open(struct ringt *t, uint32_t size, uint32_t start)
{
	ring_bare(t);
	t->r = (struct pvring *)(t->ram + RING_AT);
	t->data = t->ram + RING_AT + PVRING_DATA_OFF;
	t->size = size;
	t->prod = t->r->prod = t->r->cons = start;
	t->c.active = true;
	t->c.gpa = RING_AT;
	t->c.size = size;
	t->c.cons = start;
}

static void ring_close(struct ringt *t)
{
	fclose(t->out);
	free(t->text);
	free(t->want);
	free(t->ram);
}

/* The guest's side: `n` random bytes into the ring, then prod. */
static void produce(struct ringt *t, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint8_t b = (uint8_t)random32();

		t->data[(t->prod + i) & (t->size - 1)] = b;
		if (t->nwant < (1 << 20))
			t->want[t->nwant++] = (char)b;
	}
	t->prod += n;
	__atomic_store_n(&t->r->prod, t->prod, __ATOMIC_RELEASE);
}

/* A drain that must print `n` bytes and publish the new consumer. */
static void want_drain(struct ringt *t, uint32_t n, const char *what)
{
	int64_t got = ring_console_flush(&t->c);

	fflush(t->out);
	check(got == n, "%s: the drain returned %lld, expected %u (bytes)",
	      what, (long long)got, n);
	check(t->len == t->nwant && !memcmp(t->text, t->want, t->len),
	      "%s: %zu bytes printed, %zu expected%s", what, t->len, t->nwant,
	      t->len == t->nwant ? ", but not the same ones or in order" : "");
	check(t->r->cons == t->prod,
	      "%s: the ring's consumer index is 0x%x, expected 0x%x (the "
	      "guest reuses the space only once it moves)",
	      what, t->r->cons, t->prod);
}

static uint32_t ring_size(void)
{
	return 64u << (random32() % 7); /* 64 to 4096 */
}

/* Chunks of every length, across the end of the data and the 2^32 wrap. */
static void ring_drain_wrap(void **state)
{
	struct ringt t;
	uint32_t size = ring_size();
	char what[96];

	(void)state;
	ring_open(&t, size, 0u - size * 3 - (random32() % size));
	want_drain(&t, 0, "an empty ring");
	for (int round = 0; round < 60; round++) {
		uint32_t n = 1 + random32() % size;

		produce(&t, n);
		snprintf(what, sizeof(what),
			 "round %d: %u bytes in a %u-byte ring from index "
			 "0x%x",
			 round, n, size, t.prod - n);
		want_drain(&t, n, what);
	}
	check(t.c.bytes == t.nwant, "c->bytes counts %llu, expected %zu",
	      (unsigned long long)t.c.bytes, t.nwant);
	ring_close(&t);
}

/* A full ring: exactly `size` bytes waiting is allowed, and all print. */
static void ring_drain_full(void **state)
{
	struct ringt t;
	uint32_t size = ring_size();

	(void)state;
	ring_open(&t, size, random32());
	produce(&t, size / 2 + 1);
	want_drain(&t, size / 2 + 1, "half a ring and one");
	produce(&t, size);
	want_drain(&t, size, "a full ring, across the end of its data");
	ring_close(&t);
}

/* Impossible indices: HC_EIO, the error field, nothing printed, ever. */
static void ring_drain_hostile(void **state)
{
	static const char *const how[] = {"ahead by more than the size",
					  "behind the consumer"};

	(void)state;
	for (int k = 0; k < 2; k++) {
		struct ringt t;
		uint32_t size = ring_size();
		int64_t got;

		ring_open(&t, size, random32());
		produce(&t, 1 + random32() % size);
		want_drain(&t, (uint32_t)t.nwant, "a good drain first");
		t.prod = k == 0 ? t.prod + size + 1 + random32() % 1000
				: t.prod - 1 - random32() % 1000;
		__atomic_store_n(&t.r->prod, t.prod, __ATOMIC_RELEASE);
		got = ring_console_flush(&t.c);
		fflush(t.out);
		check(got == HC_EIO,
		      "a producer index %s: the drain returned %lld, expected "
		      "HC_EIO (%d)",
		      how[k], (long long)got, HC_EIO);
		check(t.len == t.nwant,
		      "a producer index %s: %zu bytes printed from a broken "
		      "ring",
		      how[k], t.len - t.nwant);
		check(t.r->error == HC_EIO,
		      "a producer index %s: the ring's error field is %d, "
		      "expected HC_EIO",
		      how[k], t.r->error);
		got = ring_console_flush(&t.c);
		check(got == HC_EIO,
		      "a broken ring drained again: %lld, expected HC_EIO",
		      (long long)got);
		ring_close(&t);
	}
}

/* ---- ch07-ring-setup -------------------------------------------------- */

/* HC_RING_SETUP with this ring and size, the block at `block`. */
static int64_t setup(struct ringt *t, uint64_t block, uint64_t ring,
		     uint64_t size)
{
	struct hc_ring_setup a = {.ring = ring, .size = size};

	if (block < RING_RAM) /* what fits: all, or up to RAM's end */
		memcpy(t->ram + block, &a,
		       RING_RAM - block < sizeof(a) ? RING_RAM - block
						    : sizeof(a));
	return hypercall_dispatch(&t->hc, HC_RING_SETUP, block);
}

/* A good ring anywhere in RAM: taken, empty, from the guest's index. */
static void ring_setup_good(void **state)
{
	struct ringt t;

	/* No ring before: replacing one drains it (the other exercise). */
	(void)state;
	for (int i = 0; i < 20; i++) {
		uint32_t size = 64u << (random32() % 11); /* to 64 KiB */
		/* Anywhere from RING_AT on: clear of the block below it. */
		uint64_t room = RING_RAM - PVRING_DATA_OFF - size - RING_AT;
		uint64_t at =
		    RING_AT +
		    (random32() % (room / PVRING_ALIGN + 1)) * PVRING_ALIGN;
		uint32_t start = random32();
		int64_t r;

		ring_bare(&t);
		((struct pvring *)(t.ram + at))->prod = start;
		r = setup(&t, RING_BLOCK, at, size);
		check(r == 0,
		      "a %u-byte ring at 0x%llx (in RAM, aligned): "
		      "HC_RING_SETUP returned %lld, expected 0",
		      size, (unsigned long long)at, (long long)r);
		check(t.c.active && t.c.size == size && t.c.gpa == at &&
			  t.c.cons == start,
		      "a %u-byte ring at 0x%llx: taken as active %d, size "
		      "%u, gpa 0x%llx, cons 0x%x (expected the guest's prod "
		      "0x%x)",
		      size, (unsigned long long)at, t.c.active, t.c.size,
		      (unsigned long long)t.c.gpa, t.c.cons, start);
		ring_close(&t);
	}
}

/* Sizes that are not a power of two in range, and misaligned rings. */
static void ring_setup_shape(void **state)
{
	uint32_t odd = 65 + random32() % 1000;
	const struct {
		uint64_t ring, size;
		const char *what;
	} bad[] = {
	    {RING_AT, odd | 1, "a size that is not a power of two"},
	    {RING_AT, PVRING_SIZE_MIN / 2, "a size below PVRING_SIZE_MIN"},
	    {RING_AT, (uint64_t)PVRING_SIZE_MAX * 2,
	     "a size above PVRING_SIZE_MAX"},
	    {RING_AT, 1ull << 40, "a size of 2^40"},
	    {RING_AT + 8 + 8 * (random32() % 7), 256, "a misaligned ring"},
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ringt t;
		int64_t r;

		ring_open(&t, 256, 0);
		r = setup(&t, RING_BLOCK, bad[i].ring, bad[i].size);
		check(r == HC_EINVAL,
		      "%s (size 0x%llx at 0x%llx): HC_RING_SETUP returned "
		      "%lld, expected HC_EINVAL (%d)",
		      bad[i].what, (unsigned long long)bad[i].size,
		      (unsigned long long)bad[i].ring, (long long)r, HC_EINVAL);
		/* The ring registered before is kept as it was. */
		check(t.c.active && t.c.gpa == RING_AT && t.c.size == 256,
		      "%s: the ring registered before was dropped or changed",
		      bad[i].what);
		ring_close(&t);
	}
}

/* Blocks and rings outside RAM, or running past its end. */
static void ring_setup_bounds(void **state)
{
	uint64_t past = RING_RAM + PVRING_ALIGN * (random32() % 64);
	const struct {
		uint64_t block, ring, size;
		const char *what;
	} bad[] = {
	    {RING_RAM - 8, RING_AT, 256, "a block that runs past RAM's end"},
	    {past, RING_AT, 256, "a block beyond RAM"},
	    {~0ull - 7, RING_AT, 256,
	     "a block at the top of the address space"},
	    {RING_BLOCK, past, 256, "a ring beyond RAM"},
	    {RING_BLOCK, RING_RAM - PVRING_DATA_OFF - 64, 4096,
	     "a ring whose data runs past RAM's end"},
	    {RING_BLOCK, RING_RAM - 64, 64,
	     "a ring whose header fits, data not"},
	    {RING_BLOCK, ~0ull - 63, 64,
	     "a ring at the top of the address space"},
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ringt t;
		int64_t r;

		ring_open(&t, 256, 0);
		r = setup(&t, bad[i].block, bad[i].ring, bad[i].size);
		check(r == HC_EFAULT,
		      "%s: HC_RING_SETUP returned %lld, expected HC_EFAULT "
		      "(%d)",
		      bad[i].what, (long long)r, HC_EFAULT);
		check(t.c.active && t.c.gpa == RING_AT,
		      "%s: the ring registered before was dropped or changed",
		      bad[i].what);
		ring_close(&t);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ioeventfd_assigned),
	    cmocka_unit_test(ioeventfd_in_kernel),
	    cmocka_unit_test(ioeventfd_width),
	    cmocka_unit_test(ring_drain_wrap),
	    cmocka_unit_test(ring_drain_full),
	    cmocka_unit_test(ring_drain_hostile),
	    cmocka_unit_test(ring_setup_good),
	    cmocka_unit_test(ring_setup_shape),
	    cmocka_unit_test(ring_setup_bounds),
	};

	return GRADE_MAIN("ch07", tests);
}
