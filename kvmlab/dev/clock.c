/* SPDX-License-Identifier: MIT */
/*
 * clock: the MMIO clock of chapter 5 (see clock.h and abi/clock.h).
 *
 * The registers are handled as bytes: a read builds the register file's
 * bytes and returns the ones the access covers; a write changes only the
 * bytes of SCRATCH.  That one rule gives every width and every offset a
 * defined meaning, with no special cases for a guest to trip over.
 */
#include <inttypes.h>
#include <string.h>

#include "abi/clock.h"
#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/base/now.h"
#include "kvmlab/dev/clock.h"
#include "labs/exercise.h"

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * A write that touched a read-only or unused byte: count it, and warn
 * the first few times, then only count: a loop must not flood.
 */
static void ignored_write(struct clock_dev *c, uint64_t offset, uint32_t size,
			  uint64_t value)
{
	if (++c->ignored_writes <= 4)
		warning("clock at 0x%" PRIx64 ": %u-byte write of 0x%" PRIx64
			" at offset 0x%" PRIx64
			" ignored (only SCRATCH, 0x18-0x1f, is writable)",
			c->base, size, value, offset);
}

uint64_t clock_read(struct clock_dev *c, uint64_t offset, uint32_t size)
{
	/* EXERCISE ch05-clock: a read: count it, latch NOW, return its bytes */
#ifndef KVMLAB_STUBS
	uint8_t regs[ABI_CLOCK_REGS_END];
	uint64_t v = 0;

	c->accesses++;
	/* Sample the host clock only when the read covers NOW's first byte:
	 * the high half read alone then matches the low half read before. */
	if (offset <= ABI_CLOCK_NOW && offset + size > ABI_CLOCK_NOW)
		c->sample = c->now_ns() - c->start_ns;
	put_le(regs + ABI_CLOCK_MAGIC_REG, ABI_CLOCK_MAGIC, 4);
	put_le(regs + ABI_CLOCK_VERSION_REG, ABI_CLOCK_VERSION, 4);
	put_le(regs + ABI_CLOCK_NOW, c->sample, 8);
	put_le(regs + ABI_CLOCK_ACCESSES, c->accesses, 8);
	put_le(regs + ABI_CLOCK_SCRATCH, c->scratch, 8);
	for (uint32_t i = 0; i < size && i < 8; i++) {
		uint64_t at = offset + i;

		if (at < ABI_CLOCK_REGS_END)
			v |= (uint64_t)regs[at] << (8 * i);
	}
	return v;
#else
	(void)c;
	(void)offset;
	(void)size;
	(void)put_le; /* you may want it */
	exercise_todo("ch05-clock", "exercises/05-mmio-devicetree/README.md");
#endif /* END EXERCISE ch05-clock */
}

void clock_write(struct clock_dev *c, uint64_t offset, uint32_t size,
		 uint64_t value)
{
	/* EXERCISE ch05-clock: a write changes SCRATCH's bytes, no others */
#ifndef KVMLAB_STUBS
	bool ignored = false;

	c->accesses++;
	for (uint32_t i = 0; i < size && i < 8; i++) {
		uint64_t at = offset + i;
		uint64_t byte = (value >> (8 * i)) & 0xff;

		if (at >= ABI_CLOCK_SCRATCH && at < ABI_CLOCK_SCRATCH + 8) {
			unsigned shift = 8 * (unsigned)(at - ABI_CLOCK_SCRATCH);

			c->scratch &= ~(0xffull << shift);
			c->scratch |= byte << shift;
		} else {
			ignored = true;
		}
	}
	if (!ignored)
		return;
	ignored_write(c, offset, size, value);
#else
	(void)c;
	(void)offset;
	(void)size;
	(void)value;
	(void)ignored_write; /* you will need it */
	exercise_todo("ch05-clock", "exercises/05-mmio-devicetree/README.md");
#endif /* END EXERCISE ch05-clock */
}

static void clock_mmio(void *opaque, struct bus_access *a)
{
	struct clock_dev *c = opaque;

	if (a->write)
		clock_write(c, a->offset, a->size, a->value);
	else
		a->value = clock_read(c, a->offset, a->size);
}

int clock_register(struct clock_dev *c, const struct board *b, uint64_t base,
		   uint64_t (*now)(void))
{
	const struct board_device dev = {.space = DT_MMIO,
					 .name = "clock",
					 .base = base,
					 .len = ABI_MMIO_CLOCK_LEN,
					 .handler = clock_mmio,
					 .opaque = c,
					 .node = "clock",
					 .compatible = "kvmlab,clock"};

	memset(c, 0, sizeof(*c));
	c->now_ns = now ? now : now_ns;
	c->start_ns = c->now_ns();
	c->base = base;
	return board_register(b, &dev, NULL);
}
