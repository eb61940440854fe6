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

#include "kvmlab/base/log.h"
#include "kvmlab/dev/bus.h"

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

static uint64_t width_mask(uint32_t size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/*
 * An access that crosses a page boundary reaches the VMM in two parts,
 * split where the page ends, so 3, 5, 6 and 7 bytes happen (an 8-byte
 * load at 0x...ffd arrives as 3 + 5).  Hand those to devices as 4-, 2-
 * and 1-byte parts in address order, the widths devices know.
 */
static int dispatch_parts(struct bus *b, uint64_t addr, uint32_t size,
			  bool write, uint64_t *value)
{
	uint64_t result = 0;
	uint32_t done = 0;
	int r = 0;

	while (done < size) {
		uint32_t part = 4;
		uint64_t v;

		while (part > size - done)
			part /= 2;
		v = write ? (*value >> (8 * done)) & width_mask(part) : 0;
		if (bus_dispatch(b, addr + done, part, write, &v))
			r = -ENOENT;
		result |= (v & width_mask(part)) << (8 * done);
		done += part;
	}
	if (!write)
		*value = result;
	return r;
}

int bus_dispatch(struct bus *b, uint64_t addr, uint32_t size, bool write,
		 uint64_t *value)
{
	struct bus_device *d;
	struct bus_access a;

	if (size == 0 || size > 8) {
		warning("%s bus: %u-byte access at 0x%" PRIx64
			" ignored (sizes are 1 to 8)",
			b->name, size, addr);
		if (!write)
			*value = ~0ull;
		return -EINVAL;
	}
	if (size & (size - 1))
		return dispatch_parts(b, addr, size, write, value);
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
			*value = width_mask(size);
		return -ENOENT;
	}
	a = (struct bus_access){.addr = addr,
				.offset = addr - d->base,
				.size = size,
				.write = write,
				.value = write ? *value : 0};
	d->hits++;
	d->handler(d->opaque, &a);
	if (!write)
		*value = a.value & width_mask(size);
	return 0;
}

void bus_print_stats(const struct bus *b, FILE *out)
{
	fprintf(out, "%s bus:", b->name);
	for (unsigned i = 0; i < b->ndev; i++)
		fprintf(out, "%s %s %" PRIu64, i ? "," : "", b->dev[i].name,
			b->dev[i].hits);
	fprintf(out, "%s unclaimed %" PRIu64 "\n", b->ndev ? ";" : "",
		b->unclaimed);
}
