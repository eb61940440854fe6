/* SPDX-License-Identifier: MIT */
/*
 * The ring console: chapter 7's third way to print, the guest<->VMM
 * contract.
 *
 * A hypercall console write (abi/hypercall.h) costs one exit per call.
 * The ring costs none per line: the guest copies its bytes into a ring in
 * its own RAM and "rings the doorbell" with a 4-byte OUT to
 * ABI_PORT_RING_NOTIFY.  The VMM has told KVM, with KVM_IOEVENTFD, to
 * match that OUT in the kernel: KVM signals an eventfd and resumes the
 * guest at once, without returning to the VMM.  A thread of the VMM's
 * (its I/O thread) wakes on the eventfd and drains the ring while the
 * guest runs on.  The OUT still leaves guest mode for a moment (a trip
 * into the host kernel), but it never reaches the VMM's run loop.
 *
 * The ring, at an address the guest chooses and registers with
 * HC_RING_SETUP (its header 64-byte aligned):
 *
 *   offset   field   written by   what
 *   0        prod    the guest    bytes ever produced
 *   64       cons    the VMM      bytes ever consumed
 *   68       error   the VMM      0, or HC_EIO once it stopped reading
 *   128      data    the guest    `size` bytes: byte n of the stream is
 *                                 data[n % size]
 *
 * The indices run freely and wrap at 2^32; size is a power of two, so it
 * divides 2^32 and n % size stays right across the wrap.  prod - cons
 * (mod 2^32) is what is waiting; it is never more than size.  The
 * bytes from cons up to prod belong to the VMM, the rest to the guest.
 * prod and cons live on cache lines of their own (64 bytes apart), so
 * the guest's CPU and the I/O thread's do not take one line from each
 * other at every store.
 *
 * Memory order, the whole protocol:
 *   guest  1. wait until prod - cons (cons loaded with acquire) leaves
 *             room for the bytes;
 *          2. copy the bytes into data;
 *          3. store prod + len with release semantics: a reader that
 *             sees the new prod sees the bytes;
 *          4. OUT to ABI_PORT_RING_NOTIFY (on x86 an OUT waits for the
 *             stores before it; the compiler must be told too).
 *   VMM    1. load prod with acquire semantics;
 *          2. check prod - cons <= size against its own copy of cons
 *             (it never reads cons back from the guest);
 *          3. print the bytes;
 *          4. store the new cons with release semantics: the guest may
 *             reuse the space once it sees it.
 * A VMM that finds prod - cons > size has a broken or hostile guest: it
 * says so once, writes HC_EIO in `error`, stops reading the ring and
 * runs on; HC_RING_FLUSH answers HC_EIO until the ring is registered
 * again.
 *
 * When the ring is full the guest may wait for cons to move (the I/O
 * thread drains it soon), or call HC_RING_FLUSH: one exit, after which
 * the ring is empty.  A notify OUT of another width than 4 bytes, or any
 * notify on a KVM without KVM_CAP_IOEVENTFD, reaches the VMM as a plain
 * port exit, and the VMM drains the ring there: slower, never lost.
 */
#ifndef ABI_PVRING_H
#define ABI_PVRING_H

/*
 * The doorbell: the port right after the hypercall ports (0x500-0x50f,
 * abi/hypercall.h), outside their range.  That range belongs to the
 * hypercall dispatcher on the port bus, where every access exits; this
 * port KVM matches by itself, and one port of its own keeps the two
 * apart.  The OUT is 4 bytes wide (what the VMM's KVM_IOEVENTFD matches),
 * so the doorbell covers ports 0x510-0x513; its value is not looked at
 * (the guest sends its producer index, which a trace then shows).
 */
#define ABI_PORT_RING_NOTIFY	   0x510
#define ABI_PORT_RING_NOTIFY_WIDTH 4

/* The layout (offsets in bytes from the header's address). */
#define PVRING_PROD_OFF	 0
#define PVRING_CONS_OFF	 64 /* the next 64-byte cache line */
#define PVRING_ERROR_OFF 68
#define PVRING_DATA_OFF	 128 /* after both lines: the header's size */
#define PVRING_ALIGN	 64  /* the header's alignment: a cache line */

/*
 * Data sizes: a power of two from 64 bytes (a line of text) to 64 KiB
 * (as much as one HC_CONSOLE_WRITE, HC_CONSOLE_MAX).  Chapter 7's guest
 * uses one page.
 */
#define PVRING_SIZE_MIN 0x40
#define PVRING_SIZE_MAX 0x10000

#ifndef __ASSEMBLER__
#include <stdint.h>

/* The header; `size` bytes of data follow it (at PVRING_DATA_OFF). */
struct pvring {
	uint32_t prod; /* the guest's: bytes ever produced */
	uint8_t pad0[PVRING_CONS_OFF - 4];
	uint32_t cons; /* the VMM's: bytes ever consumed */
	int32_t error; /* the VMM's: 0, or HC_EIO: the ring is broken */
	uint8_t pad1[PVRING_DATA_OFF - PVRING_ERROR_OFF - 4];
};

_Static_assert(sizeof(struct pvring) == PVRING_DATA_OFF, "pvring size");
_Static_assert(__builtin_offsetof(struct pvring, cons) == PVRING_CONS_OFF,
	       "pvring cons");
_Static_assert(__builtin_offsetof(struct pvring, error) == PVRING_ERROR_OFF,
	       "pvring error");
#endif

#endif
