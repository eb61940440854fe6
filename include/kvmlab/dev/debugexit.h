/* SPDX-License-Identifier: MIT */
/*
 * debugexit: the port a guest writes its verdict to.  A byte written to
 * ABI_PORT_DEBUG_EXIT ends the VM; the chapter binary exits with that
 * byte as its status.  Chapter 1 applies debugexit_status() in its own
 * port I/O handler; from chapter 2 the device sits on the port bus, and
 * from chapter 5 it is in the device tree too.
 *
 * The device knows its bus and a stop callback, not the vCPU: the chapter
 * hands it vcpu_stop() and its vCPU, a test anything else.
 */
#ifndef KVMLAB_DEV_DEBUGEXIT_H
#define KVMLAB_DEV_DEBUGEXIT_H

#include "kvmlab/dev/board.h"

struct debugexit {
	/* Called with the status of each byte written (debugexit_status()). */
	void (*stop)(void *opaque, int status);
	void *opaque;
};

/*
 * The exit status for `value` written to the debug-exit port: the value
 * itself for a guest status (0-63) or an exercise stub's 78; anything else
 * would pose as a VMM verdict (124 "timeout"), so it is reported and
 * becomes ABI_STATUS_FAULT.
 */
int debugexit_status(int value);

/*
 * Register on b->pio at ABI_PORT_DEBUG_EXIT (one port) and, when the
 * board builds a device tree, add /isa/debug-exit@if4, compatible
 * "kvmlab,debug-exit".  A write calls stop(opaque, status); reads return
 * 0.  0 or board_register()'s error.
 */
int debugexit_register(struct debugexit *d, const struct board *b,
		       void (*stop)(void *opaque, int status), void *opaque);

#endif
