/* SPDX-License-Identifier: MIT */
/*
 * bus: dispatch port I/O and MMIO exits to devices by address range
 * (chapters 1-5).
 *
 * Devices are kept sorted by base address so a lookup is a binary search:
 * trap-and-emulate already costs an exit per access, the dispatch should not
 * add a scan over every device on top.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "kvmlab/bus.h"
#include "kvmlab/log.h"

void bus_init(struct bus *b, const char *name)
{
	memset(b, 0, sizeof(*b));
	b->name = name;
}

static uint64_t last_byte(uint64_t base, uint64_t len)
{
	return base + (len - 1);
}

int bus_register(struct bus *b, const char *name, uint64_t base, uint64_t len,
		 bus_handler handler, void *opaque)
{
	unsigned i;

	if (len == 0 || base + (len - 1) < base || !handler) {
		error("%s bus: device %s at 0x%" PRIx64 " has an invalid range",
		      b->name, name, base);
		return -EINVAL;
	}
	for (i = 0; i < b->ndev; i++) {
		const struct bus_device *d = &b->dev[i];

		if (base <= last_byte(d->base, d->len) &&
		    d->base <= last_byte(base, len)) {
			error("%s bus: %s at 0x%" PRIx64 "-0x%" PRIx64
			      " overlaps %s at 0x%" PRIx64 "-0x%" PRIx64,
			      b->name, name, base, last_byte(base, len),
			      d->name, d->base, last_byte(d->base, d->len));
			return -EEXIST;
		}
	}
	if (b->ndev == BUS_MAX_DEVICES) {
		error("%s bus: no room for %s (%d devices at most)", b->name,
		      name, BUS_MAX_DEVICES);
		return -ENOSPC;
	}
	/* Insert in base order. */
	for (i = b->ndev; i > 0 && b->dev[i - 1].base > base; i--)
		b->dev[i] = b->dev[i - 1];
	b->dev[i] = (struct bus_device){.name = name,
					.base = base,
					.len = len,
					.handler = handler,
					.opaque = opaque};
	b->ndev++;
	return 0;
}

struct bus_device *bus_find(struct bus *b, uint64_t addr, uint32_t size)
{
	unsigned lo = 0, hi = b->ndev;

	if (size == 0 || addr + (size - 1) < addr)
		return NULL;
	/* Find the last device whose base is <= addr. */
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (b->dev[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	struct bus_device *d = &b->dev[lo - 1];

	/* The whole access must fall inside the one device. */
	if (last_byte(addr, size) > last_byte(d->base, d->len))
		return NULL;
	return d;
}

int bus_dispatch(struct bus *b, uint64_t addr, uint32_t size, bool write,
		 uint64_t *value)
{
	struct bus_device *d;
	struct bus_access a;

	if (size != 1 && size != 2 && size != 4 && size != 8) {
		warning("%s bus: %u-byte access at 0x%" PRIx64
			" ignored (sizes are 1, 2, 4 or 8)",
			b->name, size, addr);
		return -EINVAL;
	}
	d = bus_find(b, addr, size);
	if (!d) {
		b->unclaimed++;
		/* Warn a few times, then only count: a guest probing a range
		 * should not bury the console. */
		if (b->unclaimed <= 8)
			warning("%s bus: unclaimed %u-byte %s at 0x%" PRIx64
				"%s",
				b->name, size, write ? "write" : "read", addr,
				write ? " ignored" : ", reads as all ones");
		else if (b->unclaimed == 9)
			warning("%s bus: more unclaimed accesses; counting "
				"them silently",
				b->name);
		if (!write)
			*value = size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
		return -ENOENT;
	}
	a = (struct bus_access){.addr = addr,
				.offset = addr - d->base,
				.size = size,
				.write = write,
				.value = write ? *value : 0};
	d->hits++;
	d->handler(d->opaque, &a);
	if (!write) {
		uint64_t mask = size == 8 ? ~0ull : (1ull << (size * 8)) - 1;

		*value = a.value & mask;
	}
	return 0;
}
