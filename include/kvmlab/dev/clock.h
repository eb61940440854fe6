/* SPDX-License-Identifier: MIT */
/*
 * clock: chapter 5's MMIO device, a clock and an access counter in one
 * page of the MMIO hole (registers in include/abi/clock.h).
 *
 * Port I/O has its own instructions; MMIO is ordinary loads and stores to
 * an address where no RAM is.  KVM cannot complete such an access, so it
 * exits with KVM_EXIT_MMIO and the address, and the VMM plays the device.
 * The clock answers with the host's time; the access counter shows that
 * the VMM saw every single load and store.
 */
#ifndef KVMLAB_DEV_CLOCK_H
#define KVMLAB_DEV_CLOCK_H

#include <stdint.h>

#include "kvmlab/dev/board.h"

struct clock_dev {
	/* Host time in ns; CLOCK_MONOTONIC unless a test sets its own. */
	uint64_t (*now_ns)(void);
	uint64_t start_ns; /* NOW counts from here */
	uint64_t sample;   /* the last NOW sampled */
	uint64_t accesses;
	uint64_t scratch;
	uint64_t ignored_writes; /* writes to read-only or unused bytes */
	uint64_t base;		 /* for messages */
};

/*
 * Start the clock at zero (`now` may be NULL for now_ns(), the monotonic
 * clock) and register it on b->mmio at `base`, ABI_MMIO_CLOCK_LEN bytes; when the
 * board builds a device tree, add /clock@BASE, compatible "kvmlab,clock".
 * 0 or board_register()'s error.
 */
int clock_register(struct clock_dev *c, const struct board *b, uint64_t base,
		   uint64_t (*now)(void));

/*
 * One access of `size` bytes (1-8) at `offset`, as the bus handler does
 * it; the unit tests call them directly.
 */
uint64_t clock_read(struct clock_dev *c, uint64_t offset, uint32_t size);
void clock_write(struct clock_dev *c, uint64_t offset, uint32_t size,
		 uint64_t value);

#endif
