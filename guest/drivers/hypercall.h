/* SPDX-License-Identifier: MIT */
/*
 * hypercall.h: the guest's side of chapter 7's hypercalls (the contract
 * is include/abi/hypercall.h).
 *
 * A guest that knows it runs on kvmlab does not pretend to drive a UART:
 * it asks the VMM, in one exit, for what it wants.  A call is one OUT:
 * fill an argument block, write its address to the call's port
 * (ABI_PORT_HYPERCALL + call); the VMM carries the call out and writes
 * its answer into the block before the OUT completes.  Guests run on an
 * identity map (virtual == physical), so a pointer is the block's
 * guest-physical address, and all of RAM lies below 4 GiB, so it fits
 * the 32-bit OUT.
 *
 * Every function returns the block's `ret`: >= 0 on success, or an
 * HC_E* error.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stddef.h>
#include <stdint.h>

#include "abi/hypercall.h"

/* Call `call` with the block that starts at `block`: one exit. */
int64_t hc_call(unsigned call, struct hc_header *block);

/* HC_CONSOLE_WRITE: `len` bytes, in one exit whatever their number. */
int64_t hc_console_write(const char *buf, size_t len);
int64_t hc_console_puts(const char *s);
/* Format (at most 255 bytes), then one HC_CONSOLE_WRITE. */
int64_t hc_console_printf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* HC_EXIT_STATS: the exits the VMM has counted so far, into *x. */
int64_t hc_exit_stats(struct hc_exit_stats *x);

/* HC_RING_SETUP and HC_RING_FLUSH, for the ring console (pvring.h). */
int64_t hc_ring_setup(const void *ring, uint64_t size);
int64_t hc_ring_flush(void);

/* "HC_EFAULT" for HC_EFAULT, and so on; "an error" for others. */
const char *hc_error_name(int64_t ret);

#endif
