/* SPDX-License-Identifier: MIT */
/*
 * board: where a device plugs in, its bus and the device tree (chapter 5).
 *
 * Until chapter 4 a device only claims its range on a bus.  From chapter 5
 * the guest finds its devices in a device tree, and a tree written apart
 * from the registrations could list a device no bus answers for, or leave
 * out one that answers.  So a device registers through the board: the
 * one call that claims its range on the bus also adds its node to the
 * tree, if one is being built, in registration order.  The tree then
 * holds exactly the devices the buses answer for.  A board without a tree
 * (dt NULL, chapters 2-4) registers on the bus only.  A device keeps no
 * pointer to the board, so it may be a temporary.
 *
 * What is not a device stays the machine's part: the model and RAM
 * (dt_init()), the reserved ranges (dt_reserve()) and /chosen.
 */
#ifndef KVMLAB_DEV_BOARD_H
#define KVMLAB_DEV_BOARD_H

#include <stdint.h>

#include "kvmlab/dev/bus.h"
#include "kvmlab/dev/fdt.h"

struct board {
	struct bus *pio;       /* the port I/O bus */
	struct bus *mmio;      /* the MMIO bus; may be NULL if none is needed */
	struct dt_machine *dt; /* the tree being built, or NULL: none */
};

/* One device as the board registers it: on its bus, and in the tree. */
struct board_device {
	enum dt_space space; /* DT_IOPORT: port bus, DT_MMIO: MMIO bus */
	const char *name;    /* on the bus, for messages and --stats */
	uint64_t base, len;  /* the ports or guest-physical range it claims */
	bus_handler handler;
	void *opaque;
	const char *node;	/* node name in the tree, without the unit */
	const char *compatible; /* "ns16550a", "vendor,model" */
};

/*
 * Claim d's range on the board's bus for d->space (bus_register()) and,
 * when the board builds a tree, add the device's node: "node@unit" with
 * compatible and reg (dt_add_device()).  *node (`node` may be NULL)
 * receives that node, to which the device adds its own properties, or
 * NULL without a tree.  0, or bus_register's error (-EINVAL also when the
 * board has no bus for d->space), reported; after an error the tree is
 * unchanged and *node is NULL.
 */
int board_register(const struct board *b, const struct board_device *d,
		   struct dt_device **node);

#endif
