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
 */
#include <errno.h>
#include <stdatomic.h>
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
#include "kvmlab/para/ioeventfd.h"

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

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ioeventfd_assigned),
	    cmocka_unit_test(ioeventfd_in_kernel),
	    cmocka_unit_test(ioeventfd_width),
	};

	return GRADE_MAIN("ch07", tests);
}
