/* SPDX-License-Identifier: MIT */
/*
 * board: register a device on its bus and in the device tree in one step
 * (chapter 5; see board.h).
 *
 * The node is added only once the bus has accepted the device: a range
 * the bus refused (an overlap, a full bus) must not appear in the tree,
 * or the guest would look for a device that does not answer.
 */
#include <errno.h>
#include <inttypes.h>

#include "kvmlab/base/log.h"
#include "kvmlab/dev/board.h"

int board_register(const struct board *b, const struct board_device *d,
		   struct dt_device **node)
{
	struct bus *bus = d->space == DT_IOPORT ? b->pio : b->mmio;
	struct dt_device *added;
	int r;

	if (node)
		*node = NULL;
	if (!bus) {
		error("%s at 0x%" PRIx64 ": the board has no %s bus", d->name,
		      d->base, d->space == DT_IOPORT ? "port I/O" : "MMIO");
		return -EINVAL;
	}
	r = bus_register(bus, d->name, d->base, d->len, d->handler, d->opaque);
	if (r || !b->dt)
		return r;
	added = dt_add_device(b->dt, d->space, d->node, d->compatible, d->base,
			      d->len);
	if (node)
		*node = added;
	return 0;
}
