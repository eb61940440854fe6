/* SPDX-License-Identifier: MIT */
/*
 * ringconsole: the VMM's side of chapter 7's ring console (the ring's
 * layout and protocol are include/abi/pvring.h).
 *
 * The guest registers a ring in its RAM with HC_RING_SETUP, fills it and
 * rings a doorbell that KVM matches in the kernel (para/ioeventfd.h).
 * This module drains the ring to a FILE: from the I/O thread when the
 * doorbell's eventfd fires, on the vCPU thread at HC_RING_FLUSH, at a
 * doorbell that did exit (another width, or a KVM without ioeventfds)
 * and once more when the VM has stopped, so no byte the guest produced
 * is lost.  A lock keeps the two threads' drains apart.
 *
 * The guest is not trusted.  The VMM keeps its own copy of the ring's
 * address, size and consumer index, taken at HC_RING_SETUP after
 * checking that the whole ring lies in RAM; it reads only the producer
 * index from the guest, every time through gpa_to_host(), and checks
 * prod - cons <= size before it reads a byte.  A ring that fails the
 * check is reported once and no longer read; the VMM runs on.
 *
 * Like the hypercall dispatcher it knows guest RAM and a FILE, not KVM:
 * the unit tests drive it without either.
 */
#ifndef KVMLAB_PARA_RINGCONSOLE_H
#define KVMLAB_PARA_RINGCONSOLE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kvmlab/base/memory.h"
#include "kvmlab/dev/board.h"
#include "kvmlab/para/hypercall.h"

struct ring_console {
	const struct guest_mem *mem;
	FILE *out; /* where the text goes; NULL: discarded (counted) */
	/* Everything below: the vCPU thread and the I/O thread. */
	pthread_mutex_t lock;
	/* The registered ring, as checked at HC_RING_SETUP. */
	bool active;
	bool broken;   /* its indices were impossible: no longer read */
	uint64_t gpa;  /* its header */
	uint32_t size; /* data bytes, a power of two */
	uint32_t cons; /* the consumer index, the VMM's own copy */

	/* Counters, for --stats and the tests. */
	uint64_t setups;	/* rings registered */
	uint64_t bytes;		/* bytes drained to `out` */
	uint64_t notifies;	/* doorbells the I/O thread saw (eventfd) */
	uint64_t thread_drains; /* I/O thread wake-ups that drained */
	uint64_t flush_drains;	/* HC_RING_FLUSH calls that drained */
	uint64_t exit_drains;	/* doorbells that exited to the VMM */
	uint64_t stop_drains;	/* ring_console_stop(): after the VM ran */
	uint64_t idle;		/* drains that found the ring empty */
	uint64_t breaks;	/* times a ring was found broken */
	uint64_t warnings;	/* lines logged, to stop a flood */
};

/* No ring yet; text goes to `out`.  0, or -errno (the lock). */
int ring_console_init(struct ring_console *c, const struct guest_mem *mem,
		      FILE *out);

/*
 * Carry out HC_RING_SETUP and HC_RING_FLUSH for the dispatcher `h`
 * (hypercall_attach()).  0, or -EINVAL.
 */
int ring_console_attach(struct ring_console *c, struct hypercall *h);

/*
 * Register the doorbell, ABI_PORT_RING_NOTIFY (the 4 ports a 4-byte OUT
 * covers, 0x510-0x513), on b->pio, as
 * /isa/ring-console@i510, compatible "kvmlab,ring-console", when the
 * board builds a device tree.  A doorbell that reaches it exited to the
 * VMM (KVM did not match it): the ring is drained at once, on the vCPU
 * thread.  INs read all ones.  0 or board_register()'s error.
 */
int ring_console_register(struct ring_console *c, const struct board *b);

/*
 * The I/O thread's callback: KVM signalled the doorbell `count` times
 * since the last call (ioeventfd.h).  Drains the ring.
 */
void ring_console_notified(void *opaque, uint64_t count);

/*
 * Drain what the ring holds now, as HC_RING_FLUSH does: the bytes
 * printed (>= 0), HC_EIO for a broken ring, HC_EINVAL when there is none.
 */
int64_t ring_console_flush(struct ring_console *c);

/*
 * The VM has stopped: drain the ring one last time (the guest may have
 * filled it and stopped without a doorbell).  Call it before
 * iothread_stop(); safe with no ring.
 */
void ring_console_stop(struct ring_console *c);

/* Bytes drained so far (taken under the lock: any thread may ask). */
uint64_t ring_console_bytes(struct ring_console *c);

/*
 * For --stats: one line, such as
 *   "ring console: 4096-byte ring at 0x104000; 12800 bytes in 138
 *    drains: 137 by the I/O thread (198 doorbells seen), 1 by
 *    HC_RING_FLUSH, 0 at doorbell exits, 0 at the end; 3 found it
 *    empty; 1 setup, 0 broken"
 * (on one line): a drain counts where it printed something.
 */
void ring_console_print_stats(const struct ring_console *c, FILE *out);

#endif
