/* SPDX-License-Identifier: MIT */
/*
 * pvring.h: the guest's side of chapter 7's ring console (the ring and
 * its protocol are include/abi/pvring.h).
 *
 * Writing a line costs no exit: the bytes go into a ring in the guest's
 * own RAM, the producer index moves, and the doorbell, a 4-byte OUT to
 * ABI_PORT_RING_NOTIFY, is matched by KVM in the kernel, which wakes the
 * VMM's I/O thread and lets the guest run on.  Only when the ring is full
 * and stays full does the writer call HC_RING_FLUSH (one exit) to have
 * the VMM empty it; pvring_flush() does that on purpose, when the text
 * must be out before something else is printed.
 */
#ifndef GUEST_PVRING_H
#define GUEST_PVRING_H

#include <stddef.h>
#include <stdint.h>

#include "abi/pvring.h"

struct pvring_out {
	struct pvring *ring; /* the header; `size` bytes of data follow */
	uint32_t size;	     /* a power of two */
	uint32_t prod;	     /* the producer index: only we write it */
	/* For the lesson: what writing cost. */
	unsigned long doorbells; /* notify OUTs (no exit with an ioeventfd) */
	unsigned long waits;	 /* times the ring was full */
	unsigned long flushes;	 /* HC_RING_FLUSH calls: one exit each */
};

/*
 * Empty the ring at `ring` (`size` bytes of data after the header, a
 * power of two; the header 64-byte aligned) and register it with
 * HC_RING_SETUP.  0, or the call's HC_E* error.
 */
int64_t pvring_open(struct pvring_out *o, struct pvring *ring, uint32_t size);

/*
 * Copy `len` bytes into the ring, then ring the doorbell once (more
 * often only when the bytes do not fit at once).  `len`, or HC_EIO when
 * the VMM found the ring broken, or another HC_RING_FLUSH error.
 */
int64_t pvring_write(struct pvring_out *o, const char *buf, size_t len);
int64_t pvring_puts(struct pvring_out *o, const char *s);
/* Format (at most 255 bytes), then one pvring_write(). */
int64_t pvring_printf(struct pvring_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * HC_RING_FLUSH: one exit, after which everything written is printed.
 * The bytes that call drained, or its HC_E* error.
 */
int64_t pvring_flush(struct pvring_out *o);

#endif
