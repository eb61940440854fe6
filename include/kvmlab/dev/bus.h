/* SPDX-License-Identifier: MIT */
/*
 * bus: one device API per address space (port I/O and MMIO).
 *
 * A device registers (base, length, handler, opaque); an exit is dispatched
 * by finding the range that holds the whole access and calling its handler.
 * Registration is explicit, in the chapter's main, in order.  Accesses no
 * device claims are counted and logged; reads of them return all ones, as
 * on a PC bus with nothing answering.
 */
#ifndef KVMLAB_BUS_H
#define KVMLAB_BUS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct bus_access {
	uint64_t addr;	 /* port or guest-physical address */
	uint64_t offset; /* addr - device base */
	uint32_t size;	 /* 1, 2, 4 or 8 */
	bool write;
	uint64_t
	    value; /* write: the value written; read: the handler sets it */
};

typedef void (*bus_handler)(void *opaque, struct bus_access *a);

struct bus_device {
	const char *name;
	uint64_t base, len;
	bus_handler handler;
	void *opaque;
	uint64_t hits;
};

#define BUS_MAX_DEVICES 32

struct bus {
	const char *name; /* "pio" or "mmio", for messages */
	struct bus_device dev[BUS_MAX_DEVICES]; /* sorted by base */
	unsigned ndev;
	uint64_t unclaimed; /* accesses no device claimed */
};

/* An empty bus; `name` ("pio", "mmio") appears in its messages. */
void bus_init(struct bus *b, const char *name);
/*
 * Claim [base, base + len).  0, or -EINVAL (len 0, wrap-around),
 * -EEXIST (overlaps a registered device, which is named), -ENOSPC (full).
 */
int bus_register(struct bus *b, const char *name, uint64_t base, uint64_t len,
		 bus_handler handler, void *opaque);
/* The device holding [addr, addr + size), or NULL. */
struct bus_device *bus_find(struct bus *b, uint64_t addr, uint32_t size);
/*
 * Dispatch one access.  0 if a device handled it; -ENOENT if none did
 * (logged, counted, a read returns all ones of `size`).  Sizes 3, 5, 6
 * and 7 (what KVM hands over when an access crosses a page boundary) go
 * to devices as 4-, 2- and 1-byte parts in address order; -ENOENT if any
 * part was unclaimed.  -EINVAL for size 0 or above 8 (a read returns
 * all ones).
 */
int bus_dispatch(struct bus *b, uint64_t addr, uint32_t size, bool write,
		 uint64_t *value);

/*
 * For --stats: one line per bus, the accesses each device handled and
 * the unclaimed ones, such as
 *   "pio bus: debug-exit 1, serial8250 2480; unclaimed 0".
 */
void bus_print_stats(const struct bus *b, FILE *out);

#endif
