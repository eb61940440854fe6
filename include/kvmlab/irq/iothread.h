/* SPDX-License-Identifier: MIT */
/*
 * iothread: a thread that waits on file descriptors for the devices
 * (chapter 6; chapter 7's ring console uses it too).
 *
 * Once the guest sleeps in HLT inside the kernel, the vCPU thread is not
 * there to notice that input arrived: nothing in this process runs until
 * the guest exits.  So a second thread waits, in poll(), on everything a
 * device cares about (the terminal, an eventfd KVM signals) and calls the
 * device when one is ready.  The device then raises its interrupt line,
 * and KVM wakes the vCPU.  The vCPU thread and this one share device
 * state: each device locks its own (serial8250 does).
 *
 * Sources are added before iothread_start(), explicitly, by the chapter.
 * A source that cannot take data now (a full receive FIFO) says so in
 * want(); it is asked again after iothread_kick().
 */
#ifndef KVMLAB_IRQ_IOTHREAD_H
#define KVMLAB_IRQ_IOTHREAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define IOTHREAD_SOURCES 8

struct iothread_source {
	const char *name; /* for --stats */
	int fd;		  /* waited on for POLLIN */
	/* fd is readable (or hung up): take what is there. */
	void (*ready)(void *opaque);
	/* Should fd be waited on now?  NULL: always. */
	bool (*want)(void *opaque);
	void *opaque;
	uint64_t wakeups; /* times ready() was called */
};

struct iothread {
	pthread_t thread;
	bool started;
	int kick_fd; /* an eventfd: wakes poll() to re-ask want() or stop */
	atomic_bool stopping;
	struct iothread_source src[IOTHREAD_SOURCES];
	unsigned nsrc;
};

/* Ready to add sources.  0, or -errno (eventfd failed). */
int iothread_init(struct iothread *t);

/*
 * Wait on `fd` for `name`; call ready(opaque) when it is readable and
 * want(opaque) (if given) says yes.  Before iothread_start() only.
 * 0, or -ENOSPC beyond IOTHREAD_SOURCES.
 */
int iothread_add(struct iothread *t, const char *name, int fd,
		 void (*ready)(void *opaque), bool (*want)(void *opaque),
		 void *opaque);

/*
 * Start the thread, with every signal blocked in it so that --timeout's
 * SIGALRM always reaches the vCPU thread in KVM_RUN.  0, or -errno.
 */
int iothread_start(struct iothread *t);

/* Make the thread ask every want() again (thread-safe, any thread). */
void iothread_kick(struct iothread *t);

/* Stop and join the thread, close the eventfd.  Safe if never started. */
void iothread_stop(struct iothread *t);

/* --stats: one line per source, the wake-ups it had. */
void iothread_print_stats(const struct iothread *t, FILE *out);

#endif
