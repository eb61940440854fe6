/* SPDX-License-Identifier: MIT */
/*
 * Hypercalls: chapter 7's paravirtual calls, the guest<->VMM contract.
 *
 * Chapter 4's UART costs an exit per byte (and more for polling LSR).  A
 * hypercall hands the VMM a whole request in one exit: the guest fills an
 * argument block in its own RAM and does one 32-bit OUT of the block's
 * guest-physical address to the call's port, ABI_PORT_HYPERCALL + call.
 * The VMM copies the block in, acts, and writes the result back into the
 * block before the OUT completes; the guest reads it on the next
 * instruction.
 *
 * Why a port and not VMCALL: VT-x and AMD-V handle VMCALL/VMMCALL inside
 * the kernel (KVM's own hypercalls), and a software KVM such as kvm-pvm
 * never exits on it, so not every KVM would hand it to us.  Every KVM
 * hands an OUT to a port it does not know to userspace.
 *
 * Rules every call follows:
 *   - The OUT is 4 bytes wide and carries the block's address, so blocks
 *     lie below 4 GiB (all of RAM does: ABI_RAM_MAX).  An IN from a
 *     hypercall port reads all ones; an OUT of another width is ignored.
 *     Neither can say where its block is, so neither gets a `ret`.
 *   - Every block starts with struct hc_header.  Its `ret` is written by
 *     the VMM: >= 0 success (what it means is per call), < 0 an HC_E*
 *     error.  When the header itself is outside guest RAM nothing is
 *     written; otherwise `ret` is always written, errors included.
 *   - Blocks are little-endian and their fields naturally aligned; the
 *     block itself need not be aligned.  The VMM reads no byte past the
 *     block's size for the call, and writes only the block.
 *   - Every address and length is checked against guest RAM before it is
 *     used: a bad one is an error to the guest and one line in the VMM's
 *     log, never a VMM crash.  The guest keeps running.
 *
 * Shared by the VMM and 64-bit C guests: plain C types, nothing a
 * freestanding guest lacks.  An assembly file may include it for the
 * numbers; the structures are C only.
 */
#ifndef ABI_HYPERCALL_H
#define ABI_HYPERCALL_H

/*
 * The ports: one per call, from ABI_PORT_HYPERCALL.  0x500 is clear of
 * everything a PC or kvmlab puts on ports: the PIC (0x20-0x21,
 * 0xa0-0xa1), the PIT (0x40-0x43), port 0x61, the POST port 0x80,
 * debug-exit (0xf4) and COM1 (0x3f8-0x3ff).  The range holds room for
 * calls to come; a port in it with no call is HC_ENOSYS.
 */
#define ABI_PORT_HYPERCALL     0x500
#define ABI_PORT_HYPERCALL_LEN 16 /* ports 0x500-0x50f */
#define HC_PORT(call)	       (ABI_PORT_HYPERCALL + (call))

/* ---- Call numbers (port - ABI_PORT_HYPERCALL) ------------------------ */

#define HC_CONSOLE_WRITE 0 /* struct hc_console_write: print a buffer */
#define HC_TIME		 1 /* struct hc_time: how long the VM has run */
#define HC_EXIT_STATS	 2 /* struct hc_exit_stats: exits so far */
#define HC_HALT		 3 /* struct hc_halt: end the VM with a status */
#define HC_RING_SETUP	 4 /* struct hc_ring_setup: register the ring console */
#define HC_RING_FLUSH	 5 /* struct hc_header: drain the ring console now */
#define HC_NR_CALLS	 6 /* calls defined; HC_NR_CALLS and up: HC_ENOSYS */

/* The most bytes one HC_CONSOLE_WRITE prints: a page of text is plenty,
 * and a bound keeps one call from tying up the VMM. */
#define HC_CONSOLE_MAX 0x10000 /* 64 KiB */

/* ---- Errors (negative in `ret`) -------------------------------------- */
/*
 * The numbers are Linux's errno values, so host tools can print
 * strerror(-ret); a guest compares against these names.
 */
#define HC_EIO	    (-5)  /* the ring console found its ring broken */
#define HC_EFAULT   (-14) /* block or buffer not wholly inside guest RAM */
#define HC_EINVAL   (-22) /* a bad value: status above 63, ring size, ... */
#define HC_ENOSYS   (-38) /* no call at this port */
#define HC_EMSGSIZE (-90) /* length above HC_CONSOLE_MAX (or wrapping) */

#ifndef __ASSEMBLER__
#include <stdint.h>

/* The start of every block: the VMM's answer. */
struct hc_header {
	int64_t ret; /* written by the VMM: >= 0 success, < 0 HC_E* */
};

/*
 * HC_CONSOLE_WRITE: print `len` bytes from guest-physical `buf` on the
 * VMM's console, as they are (no newline added).  ret = bytes written.
 * len 0 prints nothing and returns 0 without looking at `buf`.  Errors:
 * HC_EMSGSIZE when len > HC_CONSOLE_MAX (a length that would wrap the
 * address space is one of those), then HC_EFAULT when any byte of
 * [buf, buf + len) is outside RAM; nothing is printed in either case.
 */
struct hc_console_write {
	struct hc_header h;
	uint64_t buf; /* guest-physical address of the bytes */
	uint64_t len; /* how many */
};

/*
 * HC_TIME: ns = nanoseconds since the VMM set the hypercalls up (just
 * before the guest's first instruction), on a clock that never jumps;
 * wall_ns = the host's wall clock, nanoseconds since 1970-01-01 UTC.
 * ret = 0.
 */
struct hc_time {
	struct hc_header h;
	uint64_t ns;
	uint64_t wall_ns;
};

/*
 * HC_EXIT_STATS: the exits the VMM counted before this call's own exit
 * (which is counted once it is handled), by kind; other = total - io -
 * mmio - hlt; all five are 0 when the VMM keeps no exit statistics.
 * hypercalls counts the calls so far, this one included.  ret = 0.
 * Chapter 7's --compare takes each call as a mark between the phases it
 * measures: the VMM notes its own exit count and clock there, and its
 * table uses those, never what the guest makes of the answer.
 */
struct hc_exit_stats {
	struct hc_header h;
	uint64_t total; /* every exit */
	uint64_t io;	/* port I/O: IN, OUT, hypercalls */
	uint64_t mmio;	/* loads and stores where no RAM is */
	uint64_t hlt;
	uint64_t other;
	uint64_t hypercalls;
};

/*
 * HC_HALT: end the VM; the VMM exits with `status`, as if it had been
 * written to the debug-exit port (abi/machine.h).  Guest statuses are
 * 0-ABI_STATUS_GUEST_MAX (63); a higher one is HC_EINVAL and the VM goes
 * on.  On success ret = 0 and the guest runs no further instruction.
 */
struct hc_halt {
	struct hc_header h;
	uint64_t status;
};

/*
 * HC_RING_SETUP: register the ring console's ring (abi/pvring.h): its
 * header at guest-physical `ring`, 64-byte aligned, then `size` bytes of
 * data, a power of two from PVRING_SIZE_MIN to PVRING_SIZE_MAX.  The VMM
 * takes the ring as empty from the producer index it finds there, writes
 * that index as the consumer's and 0 as the ring's error, and drains it
 * from then on.  A ring registered before is drained one last time and
 * forgotten; size 0 only does that (no ring afterwards).  ret = 0.
 * Errors: HC_EINVAL for a size or an alignment the ABI does not allow,
 * HC_EFAULT when any byte of the header or the data is outside RAM; the
 * ring registered before, if any, stays registered.  HC_ENOSYS when the
 * VMM has no ring console (only chapter 7's has).
 */
struct hc_ring_setup {
	struct hc_header h;
	uint64_t ring; /* guest-physical address of struct pvring */
	uint64_t size; /* bytes of data after the header; 0: unregister */
};

/*
 * HC_RING_FLUSH (the block is a bare struct hc_header): drain the ring
 * console before this call returns, on the vCPU's own exit: everything
 * the producer index covers is printed when the guest runs again.  ret =
 * the bytes this call drained (0 when the VMM's I/O thread had drained
 * them already).  Errors: HC_EIO when the VMM found the ring's indices
 * impossible and stopped reading it (register it again to start over),
 * HC_EINVAL when no ring is registered, HC_ENOSYS as for HC_RING_SETUP.
 */

/* The layouts are the contract: both sides must agree to the byte. */
_Static_assert(sizeof(struct hc_header) == 8, "hc_header");
_Static_assert(sizeof(struct hc_console_write) == 24, "hc_console_write");
_Static_assert(sizeof(struct hc_time) == 24, "hc_time");
_Static_assert(sizeof(struct hc_exit_stats) == 56, "hc_exit_stats");
_Static_assert(sizeof(struct hc_halt) == 16, "hc_halt");
_Static_assert(sizeof(struct hc_ring_setup) == 24, "hc_ring_setup");
#endif

#endif
