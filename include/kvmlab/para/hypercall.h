/* SPDX-License-Identifier: MIT */
/*
 * hypercall: the VMM's side of chapter 7's paravirtual calls (the ABI,
 * ports, blocks and errors, is include/abi/hypercall.h).
 *
 * Trap-and-emulate charges an exit for every register access: chapter 4's
 * UART costs several exits per byte printed.  A paravirtual guest knows it
 * runs on a VMM and asks for what it wants in one exit: "print these 80
 * bytes".  The price is trust: the request names guest memory, and the
 * guest may be buggy or hostile.  So every block and buffer goes through
 * gpa_to_host()'s bounds check before a byte of it is read, every bad
 * request is answered with an error in the block's `ret` and one line in
 * the log, and the VMM carries on.
 *
 * The dispatcher knows guest RAM, a console, the exit statistics and a
 * stop callback, not the vCPU: the chapter hands it its own, a unit test
 * or the fuzz target (tests/fuzz/fuzz_hypercall.c) anything else, and
 * drives hypercall_dispatch() with no KVM and no bus.
 */
#ifndef KVMLAB_PARA_HYPERCALL_H
#define KVMLAB_PARA_HYPERCALL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "abi/hypercall.h"
#include "kvmlab/base/memory.h"
#include "kvmlab/dev/board.h"
#include "kvmlab/exits/stats.h"

/*
 * A call another module carries out (hypercall_attach()): `gpa` is its
 * block's address, whose header is inside RAM (the dispatcher checked);
 * the module reads the rest itself.  Returns what goes into `ret`.  To
 * refuse, it returns an HC_E* error and writes why into why[why_len]
 * (the dispatcher logs it as for its own calls), or leaves `why` empty
 * when it has said so already.
 */
typedef int64_t (*hypercall_fn)(void *opaque, uint64_t gpa, char *why,
				size_t why_len);

struct hypercall {
	const struct guest_mem *mem; /* where every block and buffer lives */
	FILE *console;		     /* HC_CONSOLE_WRITE; NULL: discarded */
	const struct stats *stats;   /* HC_EXIT_STATS; NULL: zeros */
	/* HC_HALT calls stop(opaque, status) with a status of 0-63. */
	void (*stop)(void *opaque, int status);
	void *opaque;
	/* HC_TIME's clock, now_ns() unless a test sets its own, and its
	 * reading at hypercall_init(): the guest sees the difference. */
	uint64_t (*now)(void);
	uint64_t start_ns;
	/* Calls carried out elsewhere (chapter 7's ring console); a call
	 * with no fn answers HC_ENOSYS. */
	struct {
		hypercall_fn fn;
		void *opaque;
	} ext[HC_NR_CALLS];
	/* Called at each HC_EXIT_STATS, before it answers: chapter 7's
	 * --compare notes its phase marks there.  NULL: none. */
	void (*mark)(void *opaque);
	void *mark_opaque;

	/* Counters, for --stats and the tests. */
	uint64_t calls[HC_NR_CALLS]; /* by call number, refused ones too */
	uint64_t unknown;	     /* calls to a port with no call */
	uint64_t refused;	     /* calls answered with an error */
	uint64_t bad_access;	     /* INs, and OUTs not 4 bytes wide */
	uint64_t console_bytes;	     /* bytes HC_CONSOLE_WRITE printed */
	uint64_t warnings;	     /* lines logged, to stop a flood */
};

/*
 * Set up the dispatcher: RAM, where console writes go, the exit
 * statistics to report (may be NULL) and the stop callback (the chapter
 * passes vcpu_stop() and its vCPU).  Counters start at zero and HC_TIME
 * at zero now.  Nothing is registered: hypercall_register() does that.
 */
void hypercall_init(struct hypercall *h, const struct guest_mem *mem,
		    FILE *console, const struct stats *stats,
		    void (*stop)(void *opaque, int status), void *opaque);

/*
 * Have fn(opaque, ...) carry out `call` (below HC_NR_CALLS, and not one
 * of the dispatcher's own: HC_CONSOLE_WRITE to HC_HALT).  0, or -EINVAL.
 */
int hypercall_attach(struct hypercall *h, unsigned call, hypercall_fn fn,
		     void *opaque);

/*
 * Register on b->pio at ABI_PORT_HYPERCALL, ABI_PORT_HYPERCALL_LEN ports
 * and, when the board builds a device tree, add /isa/hypercall@i500,
 * compatible "kvmlab,hypercall".  A 4-byte OUT to port base + N is
 * hypercall_dispatch(h, N, value); an IN reads all ones and an OUT of
 * another width is ignored, both counted in bad_access and logged.
 * 0 or board_register()'s error.
 */
int hypercall_register(struct hypercall *h, const struct board *b);

/*
 * Carry out call `call` (port - ABI_PORT_HYPERCALL) with its argument
 * block at guest-physical `gpa`.  Returns what was written to the block's
 * `ret`: >= 0 on success, or an HC_E* error (logged, counted in
 * `refused`).  When the header itself is not in RAM, HC_EFAULT is
 * returned and guest memory is left alone.  Any call number and any gpa
 * are safe: outside the range of calls is HC_ENOSYS.
 */
int64_t hypercall_dispatch(struct hypercall *h, unsigned call, uint64_t gpa);

/* "console-write", "time", "exit-stats", "halt", "ring-setup",
 * "ring-flush"; NULL for no call. */
const char *hypercall_name(unsigned call);

/*
 * For --stats: one line, such as
 *   "hypercall: console-write 12 (480 bytes), time 1, exit-stats 2,
 *    halt 1, ring-setup 0, ring-flush 0; unknown 0, refused 0,
 *    bad accesses 0"
 * (on one line).
 */
void hypercall_print_stats(const struct hypercall *h, FILE *out);

#endif
