/* SPDX-License-Identifier: MIT */
/*
 * test_ch08: the graded tests of chapter 8's exercises.  None needs KVM.
 *
 * ch08-chain-walk (walk() in kvmlab/virtio/virtqueue.c): the test plays
 * the driver on a split virtqueue in a guest RAM of its own (2 MiB,
 * malloc'd), set up with vq_init() and vq_enable() and a size drawn each
 * run, and pops chains with vq_pop(): a good chain of three descriptors
 * in an order drawn each run (its segments, host pointers and totals),
 * then each rule broken (loops, indices, the order of readable and
 * writable buffers, INDIRECT, buffers outside RAM, lengths that overflow
 * or add up past VQ_CHAIN_BYTES), and a broken queue that must stay so.
 * Valid-looking descriptors wait beyond the table's end, so a walk that
 * forgets a check accepts a chain instead of crashing.
 *
 * ch08-features (kvmlab/virtio/mmio.c): the test drives the transport's
 * bus handler, virtio_mmio_access(), as a vCPU's MMIO exits do, with a
 * minimal device of its own whose offered features are drawn each run:
 * DriverFeatures over both halves, subsets refused at FEATURES_OK, the
 * status order, and the reset.  No queue is ever kicked, so no chain is
 * walked (ch08-chain-walk is graded apart).
 *
 * ch08-arp (arp_input() in guest/net/arp.c): the guest's stack built for
 * the host (as tests/unit/test_netstack.c builds it), fed ARP frames
 * from peers whose addresses are drawn each run, with a fake driver that
 * keeps every frame the stack sends.  The cache is read through its raw
 * entries and arp_lookup(), which is not part of the exercise.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "../../guest/net/arp.h"
#include "../../guest/net/eth.h"
#include "../../guest/net/netif.h"
#include "../lib/grade.h"
#include "abi/virtio.h"
#include "kvmlab/base/log.h"
#include "kvmlab/base/memory.h"
#include "kvmlab/dev/bus.h"
#include "kvmlab/dev/irqline.h"
#include "kvmlab/virtio/mmio.h"
#include "kvmlab/virtio/virtqueue.h"

static uint32_t random32(void)
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)time(NULL) ^ (uint32_t)getpid() << 16;
	return v;
}

/* ---- ch08-chain-walk -------------------------------------------------- */

#define VQ_RAM	 0x200000ull /* 2 MiB: room for a chain past 1 MiB */
#define VQ_DESC	 0x1000
#define VQ_AVAIL 0x3000
#define VQ_USED	 0x4000
#define VQ_BUF	 0x10000 /* buffers from here */
#define VQ_MAX	 256

struct vqt {
	uint8_t *ram;
	struct guest_mem mem;
	struct virtqueue q;
	struct virtq_desc *desc; /* VQ_MAX entries: more than the table */
	struct virtq_avail *avail;
	uint16_t size;
};

/* A queue of `size` entries on fresh RAM, made ready by the library. */
static void vq_open(struct vqt *t, uint16_t size)
{
	memset(t, 0, sizeof(*t));
	log_level = LOG_QUIET; /* each broken ring logs a line: expected */
	t->ram = calloc(1, VQ_RAM);
	check(t->ram != NULL, "out of memory");
	t->mem = (struct guest_mem){.host = t->ram, .size = VQ_RAM};
	t->desc = (struct virtq_desc *)(t->ram + VQ_DESC);
	t->avail = (struct virtq_avail *)(t->ram + VQ_AVAIL);
	t->size = size;
	/* Beyond the table's end: descriptors that look fine, so a walk
	 * that forgets an index check takes them instead of crashing. */
	for (unsigned i = size; i < VQ_MAX; i++)
		t->desc[i] = (struct virtq_desc){VQ_BUF + 0x100 * i, 16, 0, 0};
	vq_init(&t->q, &t->mem, "grade-net", 0, VQ_MAX);
	t->q.size = size;
	t->q.desc = VQ_DESC;
	t->q.avail = VQ_AVAIL;
	t->q.used = VQ_USED;
	check(vq_enable(&t->q) == 0, "vq_enable() refused a good queue: %s",
	      t->q.why);
}

static void vq_close(struct vqt *t)
{
	free(t->ram);
}

/* A queue size drawn each run: 8 to 128 entries. */
static uint16_t vq_size(void)
{
	return (uint16_t)(8u << random32() % 5);
}

static void set_desc(struct vqt *t, unsigned i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	t->desc[i] = (struct virtq_desc){addr, len, flags, next};
}

/* The driver offers the chain at `head`. */
static void offer(struct vqt *t, uint16_t head)
{
	uint16_t idx = t->avail->idx;

	t->avail->ring[idx % t->size] = head;
	__atomic_store_n(&t->avail->idx, (uint16_t)(idx + 1), __ATOMIC_RELEASE);
}

/* Pop the chain just offered: it must be taken whole. */
static void want_chain(struct vqt *t, struct vq_chain *c, const char *what)
{
	uint16_t before = t->q.last_avail;
	int r = vq_pop(&t->q, c);

	check(r == 1, "%s: vq_pop() returned %d, expected 1 (a chain)%s%s",
	      what, r, t->q.broken ? "; the queue was broken: " : "",
	      t->q.broken ? t->q.why : "");
	check(!t->q.broken, "%s: the queue is broken after a good chain", what);
	check(t->q.last_avail == (uint16_t)(before + 1),
	      "%s: last_avail moved from %u to %u, expected %u", what, before,
	      t->q.last_avail, (uint16_t)(before + 1));
}

/* Pop the chain just offered: the queue must break, say why, take none. */
static void want_broken(struct vqt *t, const char *what)
{
	struct vq_chain c;
	uint16_t before = t->q.last_avail;
	uint64_t popped = t->q.popped;
	int r = vq_pop(&t->q, &c);

	check(r == -EIO,
	      "%s: vq_pop() returned %d, expected -EIO (%d): the ring "
	      "breaks a rule",
	      what, r, -EIO);
	check(t->q.broken,
	      "%s: -EIO, but the queue is not marked broken (call fail(), "
	      "which sets q->broken and says why)",
	      what);
	check(t->q.why[0] && !strchr(t->q.why, '\n'),
	      "%s: q->why must say in one line what was wrong (it is "
	      "\"%s\")",
	      what, t->q.why);
	check(t->q.last_avail == before && t->q.popped == popped,
	      "%s: a broken chain was taken (last_avail %u -> %u)", what,
	      before, t->q.last_avail);
}

/* Three distinct indices below `size`, drawn. */
static void three(uint16_t size, uint16_t out[3])
{
	out[0] = (uint16_t)(random32() % size);
	do
		out[1] = (uint16_t)(random32() % size);
	while (out[1] == out[0]);
	do
		out[2] = (uint16_t)(random32() % size);
	while (out[2] == out[0] || out[2] == out[1]);
}

/* Header + frame readable, then a writable buffer: segments and totals. */
static void chain_good(void **state)
{
	struct vqt t;
	struct vq_chain c;
	uint16_t ix[3];
	uint64_t addr[3];
	uint32_t len[3];

	(void)state;
	vq_open(&t, vq_size());
	three(t.size, ix);
	for (int k = 0; k < 3; k++) {
		addr[k] = VQ_BUF + 0x10000 * (uint64_t)k + random32() % 0x8000;
		len[k] = 1 + random32() % 0x4000;
	}
	set_desc(&t, ix[0], addr[0], len[0], VIRTQ_DESC_F_NEXT, ix[1]);
	set_desc(&t, ix[1], addr[1], len[1], VIRTQ_DESC_F_NEXT, ix[2]);
	set_desc(&t, ix[2], addr[2], len[2], VIRTQ_DESC_F_WRITE,
		 (uint16_t)random32());
	offer(&t, ix[0]);
	want_chain(&t, &c, "a chain of 3 (readable, readable, writable)");
	check(c.head == ix[0], "the chain's head is %u, expected %u", c.head,
	      ix[0]);
	check(c.nseg == 3, "%u segments, expected 3 (descriptors %u, %u, %u)",
	      c.nseg, ix[0], ix[1], ix[2]);
	for (int k = 0; k < 3; k++) {
		check(c.seg[k].host == t.ram + addr[k],
		      "segment %d points %+td bytes from guest-physical "
		      "0x%llx in the VMM's mapping of guest RAM",
		      k, c.seg[k].host - (t.ram + addr[k]),
		      (unsigned long long)addr[k]);
		check(c.seg[k].len == len[k], "segment %d: len %u, expected %u",
		      k, c.seg[k].len, len[k]);
		check(c.seg[k].writable == (k == 2),
		      "segment %d: writable %d, expected %d", k,
		      c.seg[k].writable, k == 2);
	}
	check(c.readable == len[0] + len[1] && c.writable == len[2],
	      "totals readable %u, writable %u; expected %u and %u", c.readable,
	      c.writable, len[0] + len[1], len[2]);
	check(vq_pop(&t.q, &c) == 0, "a second chain came out of one offer");

	/* One writable buffer alone, as an RX buffer is. */
	set_desc(&t, ix[1], addr[1], len[1], VIRTQ_DESC_F_WRITE, 0);
	offer(&t, ix[1]);
	want_chain(&t, &c, "one writable descriptor");
	check(c.nseg == 1 && c.seg[0].writable && c.writable == len[1] &&
		  c.readable == 0 && c.head == ix[1],
	      "one writable descriptor: %u segments, readable %u, writable "
	      "%u, head %u",
	      c.nseg, c.readable, c.writable, c.head);
	vq_close(&t);
}

/* Chain `n` distinct descriptors from 0 (0 -> 1 -> ... -> n-1). */
static void line_of(struct vqt *t, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		set_desc(t, i, VQ_BUF + 0x100 * i, 16,
			 i + 1 < n ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
}

/* Loops end; the longest chains the rules allow are taken. */
static void chain_loop(void **state)
{
	struct vqt t;
	struct vq_chain c;
	uint16_t ix[3];

	(void)state;
	/* As many descriptors as the table has: fine. */
	vq_open(&t, 8);
	line_of(&t, 8);
	offer(&t, 0);
	want_chain(&t, &c, "a chain of all 8 descriptors of a size-8 queue");
	check(c.nseg == 8, "%u segments, expected 8", c.nseg);
	vq_close(&t);

	/* VQ_CHAIN_SEGS (32) in a larger table: fine; one more: refused. */
	vq_open(&t, 64);
	line_of(&t, VQ_CHAIN_SEGS);
	offer(&t, 0);
	want_chain(&t, &c, "a chain of 32 descriptors in a size-64 queue");
	check(c.nseg == VQ_CHAIN_SEGS, "%u segments, expected 32", c.nseg);
	line_of(&t, VQ_CHAIN_SEGS + 1);
	offer(&t, 0);
	want_broken(&t, "a chain of 33 descriptors (the device keeps 32)");
	vq_close(&t);

	/* A descriptor that names itself. */
	vq_open(&t, vq_size());
	ix[0] = (uint16_t)(random32() % t.size);
	set_desc(&t, ix[0], VQ_BUF, 16, VIRTQ_DESC_F_NEXT, ix[0]);
	offer(&t, ix[0]);
	want_broken(&t, "a descriptor whose next is itself");
	vq_close(&t);

	/* a -> b -> c -> b: the loop does not come back to the head. */
	vq_open(&t, vq_size());
	three(t.size, ix);
	set_desc(&t, ix[0], VQ_BUF, 16, VIRTQ_DESC_F_NEXT, ix[1]);
	set_desc(&t, ix[1], VQ_BUF, 16, VIRTQ_DESC_F_NEXT, ix[2]);
	set_desc(&t, ix[2], VQ_BUF, 16, VIRTQ_DESC_F_NEXT, ix[1]);
	offer(&t, ix[0]);
	want_broken(&t, "a chain a -> b -> c -> b");
	vq_close(&t);

	/* A loop through every descriptor of a small table. */
	vq_open(&t, 8);
	line_of(&t, 8);
	set_desc(&t, 7, VQ_BUF, 16, VIRTQ_DESC_F_NEXT, 0);
	offer(&t, 3);
	want_broken(&t, "a ring of all 8 descriptors");
	vq_close(&t);
}

/* Heads and nexts beyond the table. */
static void chain_index(void **state)
{
	struct vqt t;

	(void)state;
	vq_open(&t, vq_size());
	offer(&t, t.size); /* one past the end: the first descriptor beyond */
	want_broken(&t, "a head equal to the size");
	vq_close(&t);

	vq_open(&t, vq_size());
	offer(&t, (uint16_t)(t.size + random32() % (VQ_MAX - t.size)));
	want_broken(&t, "a head beyond the size");
	vq_close(&t);

	vq_open(&t, vq_size());
	set_desc(&t, 0, VQ_BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(&t, 1, VQ_BUF, 16, VIRTQ_DESC_F_NEXT,
		 (uint16_t)(t.size + random32() % (VQ_MAX - t.size)));
	offer(&t, 0);
	want_broken(&t, "a next beyond the size, in the middle of a chain");
	vq_close(&t);

	vq_open(&t, vq_size());
	set_desc(&t, 0, VQ_BUF, 16, VIRTQ_DESC_F_NEXT, 0xffff);
	offer(&t, 0);
	want_broken(&t, "a next of 0xffff");
	vq_close(&t);
}

/* Readable buffers first, then writable ones; no INDIRECT. */
static void chain_order(void **state)
{
	struct vqt t;
	struct vq_chain c;

	(void)state;
	vq_open(&t, vq_size());
	/* Fine: readable, readable, writable, writable; writable only. */
	set_desc(&t, 0, VQ_BUF, 10, VIRTQ_DESC_F_NEXT, 1);
	set_desc(&t, 1, VQ_BUF + 0x1000, 20, VIRTQ_DESC_F_NEXT, 2);
	set_desc(&t, 2, VQ_BUF + 0x2000, 30,
		 VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
	set_desc(&t, 3, VQ_BUF + 0x3000, 40, VIRTQ_DESC_F_WRITE, 0);
	offer(&t, 0);
	want_chain(&t, &c, "readable, readable, writable, writable");
	check(c.readable == 30 && c.writable == 70,
	      "readable %u and writable %u bytes, expected 30 and 70",
	      c.readable, c.writable);
	offer(&t, 2);
	want_chain(&t, &c, "writable, writable");
	check(c.readable == 0 && c.writable == 70 && c.nseg == 2,
	      "writable, writable: %u segments, readable %u, writable %u",
	      c.nseg, c.readable, c.writable);
	vq_close(&t);

	vq_open(&t, vq_size());
	set_desc(&t, 0, VQ_BUF, 10, VIRTQ_DESC_F_NEXT, 1);
	set_desc(&t, 1, VQ_BUF + 0x1000, 20,
		 VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	set_desc(&t, 2, VQ_BUF + 0x2000, 30, 0, 0);
	offer(&t, 0);
	want_broken(&t, "readable, writable, readable");
	vq_close(&t);

	vq_open(&t, vq_size());
	set_desc(&t, 0, VQ_BUF, 10, VIRTQ_DESC_F_NEXT, 1);
	set_desc(&t, 1, VQ_BUF + 0x1000, 0,
		 VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	set_desc(&t, 2, VQ_BUF + 0x2000, 30, 0, 0);
	offer(&t, 0);
	want_broken(&t, "readable, an empty writable, readable");
	vq_close(&t);

	vq_open(&t, vq_size());
	set_desc(&t, 0, VQ_BUF, 10, VIRTQ_DESC_F_NEXT, 1);
	set_desc(&t, 1, VQ_BUF + 0x1000, 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(&t, 0);
	want_broken(&t, "a descriptor with INDIRECT (a feature not offered)");
	vq_close(&t);
}

/* Every buffer inside guest RAM, through the translator; totals bounded. */
static void chain_bounds(void **state)
{
	struct vqt t;
	struct vq_chain c;
	uint32_t len = 1 + random32() % 0x1000;
	static const struct {
		uint64_t addr;
		uint32_t len;
		const char *what;
	} bad[] = {
	    {VQ_RAM - 0x100, 0x101, "a buffer one byte past the end of RAM"},
	    {VQ_RAM, 1, "a buffer just beyond RAM"},
	    {0x100000000ull, 64, "a buffer at 4 GiB (RAM is 2 MiB)"},
	    {~0ull - 15, 32, "a buffer at 2^64 - 16, 32 bytes (it wraps)"},
	    {VQ_BUF, 0xffffffffu, "a buffer of 0xffffffff bytes"},
	};

	(void)state;
	/* Ending exactly at the end of RAM: fine. */
	vq_open(&t, vq_size());
	set_desc(&t, 0, VQ_RAM - len, len, VIRTQ_DESC_F_WRITE, 0);
	offer(&t, 0);
	want_chain(&t, &c, "a buffer that ends at the last byte of RAM");
	check(c.seg[0].host == t.ram + VQ_RAM - len && c.seg[0].len == len,
	      "the buffer at the end of RAM was translated wrong");
	vq_close(&t);

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		vq_open(&t, vq_size());
		set_desc(&t, 0, VQ_BUF, 16, VIRTQ_DESC_F_NEXT, 1);
		set_desc(&t, 1, bad[k].addr, bad[k].len, VIRTQ_DESC_F_WRITE, 0);
		offer(&t, 0);
		want_broken(&t, bad[k].what);
		vq_close(&t);
	}

	/* Exactly VQ_CHAIN_BYTES in two buffers: fine; one byte more: no. */
	vq_open(&t, vq_size());
	set_desc(&t, 0, VQ_BUF, VQ_CHAIN_BYTES / 2, VIRTQ_DESC_F_NEXT, 1);
	set_desc(&t, 1, VQ_BUF + VQ_CHAIN_BYTES / 2, VQ_CHAIN_BYTES / 2,
		 VIRTQ_DESC_F_WRITE, 0);
	offer(&t, 0);
	want_chain(&t, &c, "two buffers of 512 KiB (VQ_CHAIN_BYTES in all)");
	set_desc(&t, 1, VQ_BUF + VQ_CHAIN_BYTES / 2, VQ_CHAIN_BYTES / 2 + 1,
		 VIRTQ_DESC_F_WRITE, 0);
	offer(&t, 0);
	want_broken(&t, "two buffers of VQ_CHAIN_BYTES + 1 bytes in all");
	vq_close(&t);
}

/* A broken queue takes nothing more, even once the ring looks fine. */
static void chain_stays_broken(void **state)
{
	struct vqt t;
	struct vq_chain c;
	int r;

	(void)state;
	vq_open(&t, vq_size());
	set_desc(&t, 0, VQ_BUF, 16, VIRTQ_DESC_F_NEXT, 0);
	offer(&t, 0);
	want_broken(&t, "a descriptor whose next is itself");
	/* The guest mends the descriptor and offers more. */
	set_desc(&t, 0, VQ_BUF, 16, 0, 0);
	set_desc(&t, 1, VQ_BUF, 16, VIRTQ_DESC_F_WRITE, 0);
	offer(&t, 1);
	for (int k = 0; k < 3; k++) {
		memset(&c, 0xa5, sizeof(c));
		r = vq_pop(&t.q, &c);
		check(r == -EIO,
		      "vq_pop() on a broken queue returned %d, expected -EIO",
		      r);
	}
	check(t.q.broken && t.q.last_avail == 0 && t.q.popped == 0,
	      "the broken queue took a chain (last_avail %u, popped %llu)",
	      t.q.last_avail, (unsigned long long)t.q.popped);
	check(vq_pending(&t.q) == 0, "a broken queue reports %u pending",
	      vq_pending(&t.q));
	vq_close(&t);
}

/* ---- ch08-features ---------------------------------------------------- */

#define FT_RAM 0x10000

struct ftt {
	uint8_t *ram;
	struct guest_mem mem;
	struct virtio_dev_ops ops;
	struct virtio_mmio t;
	unsigned resets, kicks;
	bool level;
};

static void ft_reset(void *opaque)
{
	struct ftt *f = opaque;

	f->resets++;
}

/* DRIVER_OK kicks each ready queue once (code after the region): its
 * chains are never walked here, the test offers none. */
static void ft_notify(void *opaque, unsigned queue)
{
	struct ftt *f = opaque;

	(void)queue;
	f->kicks++;
}

static uint32_t ft_config_read(void *opaque, uint32_t off, unsigned size)
{
	(void)opaque;
	(void)size;
	return off;
}

static void ft_line(void *opaque, bool level)
{
	struct ftt *f = opaque;

	f->level = level;
}

/* A device offering VERSION_1 and a random set of other bits; at least
 * one bit in each half is left unoffered (returned in *low, *high). */
static void ft_open(struct ftt *f, uint64_t *low, uint64_t *high)
{
	uint64_t offered;
	unsigned lo_bit, hi_bit;

	memset(f, 0, sizeof(*f));
	log_level = LOG_QUIET;
	f->ram = calloc(1, FT_RAM);
	check(f->ram != NULL, "out of memory");
	f->mem = (struct guest_mem){.host = f->ram, .size = FT_RAM};
	lo_bit = random32() % 32;
	hi_bit = 33 + random32() % 31; /* 33-63: never VERSION_1 */
	offered = ((uint64_t)random32() << 32 | random32()) |
		  VIRTIO_BIT(VIRTIO_F_VERSION_1);
	offered &= ~(VIRTIO_BIT(lo_bit) | VIRTIO_BIT(hi_bit));
	*low = VIRTIO_BIT(lo_bit);
	*high = VIRTIO_BIT(hi_bit);
	f->ops = (struct virtio_dev_ops){
	    .name = "grade-dev",
	    .device_id = 42,
	    .features = offered,
	    .nqueues = 1,
	    .queue_max = 8,
	    .config_len = 4,
	    .reset = ft_reset,
	    .notify = ft_notify,
	    .config_read = ft_config_read,
	};
	check(virtio_mmio_init(&f->t, &f->mem, &f->ops, f,
			       (struct irq_line){ft_line, f}) == 0,
	      "virtio_mmio_init failed");
}

static void ft_close(struct ftt *f)
{
	virtio_mmio_close(&f->t);
	free(f->ram);
}

static uint32_t rd(struct ftt *f, uint64_t off)
{
	struct bus_access a = {.offset = off, .size = 4};

	virtio_mmio_access(&f->t, &a);
	return (uint32_t)a.value;
}

static void wr(struct ftt *f, uint64_t off, uint32_t v)
{
	struct bus_access a = {
	    .offset = off, .size = 4, .write = true, .value = v};

	virtio_mmio_access(&f->t, &a);
}

static void drv_features(struct ftt *f, uint64_t v, bool high_first)
{
	for (int k = 0; k < 2; k++) {
		uint32_t sel = (uint32_t)(k ^ high_first);

		wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, sel);
		wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(v >> (32 * sel)));
	}
}

#define ACK	VIRTIO_STATUS_ACKNOWLEDGE
#define DRV	VIRTIO_STATUS_DRIVER
#define FEAT_OK VIRTIO_STATUS_FEATURES_OK
#define DRV_OK	VIRTIO_STATUS_DRIVER_OK
#define RESET	VIRTIO_STATUS_DEVICE_NEEDS_RESET

/* Reset, ACKNOWLEDGE, DRIVER, the features, FEATURES_OK: Status read back. */
static uint32_t negotiate(struct ftt *f, uint64_t v)
{
	wr(f, VIRTIO_MMIO_STATUS, 0);
	wr(f, VIRTIO_MMIO_STATUS, ACK);
	wr(f, VIRTIO_MMIO_STATUS, ACK | DRV);
	drv_features(f, v, random32() & 1);
	wr(f, VIRTIO_MMIO_STATUS, ACK | DRV | FEAT_OK);
	return rd(f, VIRTIO_MMIO_STATUS);
}

/* A subset of what f offers, VERSION_1 in it. */
static uint64_t subset(const struct ftt *f)
{
	return (((uint64_t)random32() << 32 | random32()) & f->ops.features) |
	       VIRTIO_BIT(VIRTIO_F_VERSION_1);
}

/* DriverFeatures, 32 bits by DriverFeaturesSel; a subset is accepted. */
static void features_halves(void **state)
{
	struct ftt f;
	uint64_t lo, hi, want;
	uint32_t st;

	(void)state;
	ft_open(&f, &lo, &hi);
	for (int round = 0; round < 8; round++) {
		want = subset(&f);
		wr(&f, VIRTIO_MMIO_STATUS, 0);
		wr(&f, VIRTIO_MMIO_STATUS, ACK);
		wr(&f, VIRTIO_MMIO_STATUS, ACK | DRV);
		/* Something else first: the last write of a half counts. */
		drv_features(&f, ~want & f.ops.features, round & 1);
		drv_features(&f, want, round & 2);
		check(f.t.driver_features == want,
		      "after writing 0x%08x with DriverFeaturesSel 0 and "
		      "0x%08x with 1 (each written twice, this value last), "
		      "driver_features is 0x%016llx",
		      (uint32_t)want, (uint32_t)(want >> 32),
		      (unsigned long long)f.t.driver_features);
		wr(&f, VIRTIO_MMIO_STATUS, ACK | DRV | FEAT_OK);
		st = rd(&f, VIRTIO_MMIO_STATUS);
		check(st == (ACK | DRV | FEAT_OK),
		      "features 0x%016llx, a subset of the offered "
		      "0x%016llx with VERSION_1: Status reads 0x%x after "
		      "FEATURES_OK, expected 0x%x",
		      (unsigned long long)want,
		      (unsigned long long)f.ops.features, st,
		      ACK | DRV | FEAT_OK);
		check(virtio_mmio_features(&f.t) == want,
		      "the features agreed are 0x%016llx, expected 0x%016llx",
		      (unsigned long long)virtio_mmio_features(&f.t),
		      (unsigned long long)want);
		wr(&f, VIRTIO_MMIO_STATUS, ACK | DRV | FEAT_OK | DRV_OK);
		st = rd(&f, VIRTIO_MMIO_STATUS);
		check(st == (ACK | DRV | FEAT_OK | DRV_OK),
		      "Status reads 0x%x after DRIVER_OK, expected 0x%x", st,
		      ACK | DRV | FEAT_OK | DRV_OK);
	}
	ft_close(&f);
}

/* FEATURES_OK refused (clear on read-back) for subsets the device can't
 * serve; a refusal is an answer, not DEVICE_NEEDS_RESET. */
static void features_refuse(void **state)
{
	struct ftt f;
	uint64_t lo, hi;
	uint32_t st;
	struct {
		uint64_t v;
		const char *what;
	} bad[3];

	(void)state;
	ft_open(&f, &lo, &hi);
	bad[0].v = subset(&f) | lo;
	bad[0].what = "a bit of bits 0-31 the device did not offer";
	bad[1].v = subset(&f) | hi;
	bad[1].what = "a bit of bits 32-63 the device did not offer";
	bad[2].v = subset(&f) & ~VIRTIO_BIT(VIRTIO_F_VERSION_1);
	bad[2].what = "no VERSION_1 (a legacy driver)";
	for (int k = 0; k < 3; k++) {
		st = negotiate(&f, bad[k].v);
		check(st == (ACK | DRV),
		      "features 0x%016llx (%s; offered 0x%016llx): Status "
		      "reads 0x%x after FEATURES_OK, expected 0x%x (the bit "
		      "cleared: refused, nothing else)",
		      (unsigned long long)bad[k].v, bad[k].what,
		      (unsigned long long)f.ops.features, st, ACK | DRV);
		check(virtio_mmio_features(&f.t) == 0,
		      "refused features are in use: 0x%016llx",
		      (unsigned long long)virtio_mmio_features(&f.t));
	}
	/* And a good subset still goes through, after a reset. */
	st = negotiate(&f, subset(&f));
	check(st == (ACK | DRV | FEAT_OK),
	      "after a reset, a good subset: Status reads 0x%x, expected 0x%x",
	      st, ACK | DRV | FEAT_OK);
	ft_close(&f);
}

/* Status only moves forward, in order; breaking it sets NEEDS_RESET. */
static void features_order(void **state)
{
	struct ftt f;
	uint64_t lo, hi;
	uint32_t st;

	(void)state;
	ft_open(&f, &lo, &hi);
	/* DRIVER_OK before FEATURES_OK. */
	wr(&f, VIRTIO_MMIO_STATUS, 0);
	wr(&f, VIRTIO_MMIO_STATUS, ACK);
	wr(&f, VIRTIO_MMIO_STATUS, ACK | DRV);
	drv_features(&f, subset(&f), false);
	wr(&f, VIRTIO_MMIO_STATUS, ACK | DRV | DRV_OK);
	st = rd(&f, VIRTIO_MMIO_STATUS);
	check((st & RESET) && !(st & DRV_OK),
	      "DRIVER_OK before FEATURES_OK: Status reads 0x%x, expected "
	      "DEVICE_NEEDS_RESET (0x40) set and DRIVER_OK (0x4) clear",
	      st);
	check(rd(&f, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG,
	      "DEVICE_NEEDS_RESET without a configuration interrupt "
	      "(InterruptStatus bit 1): use virtio_mmio_fail()");
	check(f.level, "DEVICE_NEEDS_RESET, but the interrupt line is down");
	/* It stays until the reset, whatever the driver writes. */
	wr(&f, VIRTIO_MMIO_STATUS, ACK | DRV | FEAT_OK | DRV_OK);
	st = rd(&f, VIRTIO_MMIO_STATUS);
	check((st & RESET) && !(st & DRV_OK),
	      "after DEVICE_NEEDS_RESET the driver wrote 0xf: Status reads "
	      "0x%x; only a reset may clear DEVICE_NEEDS_RESET, and the "
	      "device stays stopped",
	      st);

	/* DRIVER before ACKNOWLEDGE. */
	wr(&f, VIRTIO_MMIO_STATUS, 0);
	wr(&f, VIRTIO_MMIO_STATUS, DRV);
	st = rd(&f, VIRTIO_MMIO_STATUS);
	check(st & RESET,
	      "DRIVER without ACKNOWLEDGE: Status reads 0x%x, expected "
	      "DEVICE_NEEDS_RESET",
	      st);

	/* FEATURES_OK before DRIVER. */
	wr(&f, VIRTIO_MMIO_STATUS, 0);
	wr(&f, VIRTIO_MMIO_STATUS, ACK);
	wr(&f, VIRTIO_MMIO_STATUS, ACK | FEAT_OK);
	st = rd(&f, VIRTIO_MMIO_STATUS);
	check((st & RESET) && !(st & FEAT_OK),
	      "FEATURES_OK without DRIVER: Status reads 0x%x, expected "
	      "DEVICE_NEEDS_RESET",
	      st);

	/* A bit taken back without a reset. */
	wr(&f, VIRTIO_MMIO_STATUS, 0);
	wr(&f, VIRTIO_MMIO_STATUS, ACK);
	wr(&f, VIRTIO_MMIO_STATUS, ACK | DRV);
	wr(&f, VIRTIO_MMIO_STATUS, ACK);
	st = rd(&f, VIRTIO_MMIO_STATUS);
	check(st & RESET,
	      "Status 0x3 then 0x1 (DRIVER taken back): Status reads 0x%x, "
	      "expected DEVICE_NEEDS_RESET (only 0 may clear bits)",
	      st);

	/* The features are fixed once FEATURES_OK is set. */
	st = negotiate(&f, subset(&f));
	check(st == (ACK | DRV | FEAT_OK), "a good negotiation: Status 0x%x",
	      st);
	wr(&f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(&f, VIRTIO_MMIO_DRIVER_FEATURES, random32());
	st = rd(&f, VIRTIO_MMIO_STATUS);
	check(st & RESET,
	      "DriverFeatures written after FEATURES_OK: Status reads 0x%x, "
	      "expected DEVICE_NEEDS_RESET",
	      st);
	ft_close(&f);
}

/* Status = 0: everything forgotten, the device reset, a fresh start. */
static void features_reset(void **state)
{
	struct ftt f;
	uint64_t lo, hi, want;
	uint32_t st;

	(void)state;
	ft_open(&f, &lo, &hi);
	want = subset(&f);
	st = negotiate(&f, want);
	check(st == (ACK | DRV | FEAT_OK), "a good negotiation: Status 0x%x",
	      st);
	/* A queue made ready, then DRIVER_OK, then a rule broken. */
	wr(&f, VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(&f, VIRTIO_MMIO_QUEUE_NUM, 8);
	wr(&f, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
	wr(&f, VIRTIO_MMIO_QUEUE_DRIVER_LOW, 0x2000);
	wr(&f, VIRTIO_MMIO_QUEUE_DEVICE_LOW, 0x3000);
	wr(&f, VIRTIO_MMIO_QUEUE_READY, 1);
	check(rd(&f, VIRTIO_MMIO_QUEUE_READY) == 1,
	      "QueueReady = 1 after FEATURES_OK was not taken (Status 0x%x)",
	      rd(&f, VIRTIO_MMIO_STATUS));
	wr(&f, VIRTIO_MMIO_STATUS, ACK | DRV | FEAT_OK | DRV_OK);
	wr(&f, VIRTIO_MMIO_STATUS, ACK | DRV);
	st = rd(&f, VIRTIO_MMIO_STATUS);
	check(st & RESET, "DRIVER_OK and FEATURES_OK taken back: Status 0x%x",
	      st);
	f.resets = 0;

	wr(&f, VIRTIO_MMIO_STATUS, 0);
	st = rd(&f, VIRTIO_MMIO_STATUS);
	check(st == 0, "Status = 0: Status reads 0x%x, expected 0", st);
	check(f.resets == 1,
	      "Status = 0: the device's reset op ran %u times, expected "
	      "once (reset() does it)",
	      f.resets);
	check(rd(&f, VIRTIO_MMIO_INTERRUPT_STATUS) == 0 && !f.level,
	      "Status = 0: InterruptStatus 0x%x, line %s; expected 0 and down",
	      rd(&f, VIRTIO_MMIO_INTERRUPT_STATUS), f.level ? "up" : "down");
	check(rd(&f, VIRTIO_MMIO_QUEUE_READY) == 0 && !f.t.vq[0].ready,
	      "Status = 0: queue 0 is still ready");
	check(f.t.driver_features == 0 && virtio_mmio_features(&f.t) == 0,
	      "Status = 0: the driver's features 0x%016llx were kept",
	      (unsigned long long)f.t.driver_features);
	/* A fresh negotiation, as after power-on. */
	want = subset(&f);
	st = negotiate(&f, want);
	check(st == (ACK | DRV | FEAT_OK) && virtio_mmio_features(&f.t) == want,
	      "after the reset, a new negotiation: Status 0x%x, features "
	      "0x%016llx (expected 0x%x, 0x%016llx)",
	      st, (unsigned long long)virtio_mmio_features(&f.t),
	      ACK | DRV | FEAT_OK, (unsigned long long)want);
	ft_close(&f);
}

/* ---- ch08-arp --------------------------------------------------------- */

#define ARP_MAX_SENT 8

static struct {
	uint8_t frame[ARP_MAX_SENT][ETH_FRAME_MAX];
	size_t len[ARP_MAX_SENT];
	unsigned n;
} sent;

static int fake_send(struct netif *nif, const void *frame, size_t len)
{
	(void)nif;
	check(len <= ETH_FRAME_MAX, "the stack sent a %zu-byte frame", len);
	if (sent.n < ARP_MAX_SENT) {
		memcpy(sent.frame[sent.n], frame, len);
		sent.len[sent.n] = len;
	}
	sent.n++;
	return 0;
}

/* A locally administered unicast MAC, drawn. */
static void draw_mac(uint8_t mac[ETH_ALEN])
{
	for (int i = 0; i < ETH_ALEN; i++)
		mac[i] = (uint8_t)random32();
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
}

/* An address in 10.x.y.0/24, host part 2-254, not `not`. */
static uint32_t draw_ip(uint32_t net, uint32_t not )
{
	uint32_t ip;

	do
		ip = net | (2 + random32() % 253);
	while (ip == not );
	return ip;
}

/* Our interface: its MAC and address drawn; nothing cached yet. */
static void nif_open(struct netif *nif)
{
	memset(nif, 0, sizeof(*nif));
	memset(&sent, 0, sizeof(sent));
	draw_mac(nif->mac);
	nif->ip = 0x0a000000 | (random32() & 0xffff00) | 15;
	nif->netmask = 0xffffff00;
	nif->gw = (nif->ip & 0xffffff00) | 1;
	nif->send = fake_send;
	nif->now = 1000;
}

/* An ARP packet from (sha, spa) about (tha, tpa), in an Ethernet frame to
 * `dst`, through the stack's input. */
static void arp_in(struct netif *nif, const uint8_t *dst, uint16_t op,
		   const uint8_t *sha, uint32_t spa, const uint8_t *tha,
		   uint32_t tpa)
{
	uint8_t f[ETH_HLEN + ARP_LEN];
	uint8_t *p = f + ETH_HLEN;

	memcpy(f, dst, ETH_ALEN);
	memcpy(f + 6, sha, ETH_ALEN);
	put16(f + 12, ETHERTYPE_ARP);
	put16(p, 1);
	put16(p + 2, 0x0800);
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, op);
	memcpy(p + 8, sha, ETH_ALEN);
	put32(p + 14, spa);
	if (tha)
		memcpy(p + 18, tha, ETH_ALEN);
	else
		memset(p + 18, 0, ETH_ALEN);
	put32(p + 24, tpa);
	eth_input(nif, f, sizeof(f));
}

static const uint8_t zero_mac[ETH_ALEN];

static const char *mac_str(const uint8_t *m)
{
	static char s[4][18];
	static int k;

	k = (k + 1) % 4;
	snprintf(s[k], sizeof(s[k]), "%02x:%02x:%02x:%02x:%02x:%02x", m[0],
		 m[1], m[2], m[3], m[4], m[5]);
	return s[k];
}

/* The reply sent[k] must answer (peer_mac, peer_ip) for nif. */
static void want_reply(const struct netif *nif, unsigned k,
		       const uint8_t *peer_mac, uint32_t peer_ip)
{
	const uint8_t *f = sent.frame[k], *p = f + ETH_HLEN;

	check(sent.len[k] >= ETH_HLEN + ARP_LEN,
	      "the reply is %zu bytes, shorter than an Ethernet header and "
	      "an ARP packet (42)",
	      sent.len[k]);
	check(!memcmp(f, peer_mac, ETH_ALEN),
	      "the reply's Ethernet destination is %s, expected the asker's "
	      "%s",
	      mac_str(f), mac_str(peer_mac));
	check(!memcmp(f + 6, nif->mac, ETH_ALEN) && get16(f + 12) == 0x0806,
	      "the reply's Ethernet source %s / type 0x%04x, expected our %s "
	      "/ 0x0806",
	      mac_str(f + 6), get16(f + 12), mac_str(nif->mac));
	check(get16(p) == 1 && get16(p + 2) == 0x0800 && p[4] == 6 && p[5] == 4,
	      "the reply's hardware/protocol type and lengths are %u, "
	      "0x%04x, %u, %u; expected 1, 0x0800, 6, 4",
	      get16(p), get16(p + 2), p[4], p[5]);
	check(get16(p + 6) == ARP_REPLY, "the reply's opcode is %u, expected 2",
	      get16(p + 6));
	check(!memcmp(p + 8, nif->mac, ETH_ALEN) && get32(p + 14) == nif->ip,
	      "the reply's sender is %s %u.%u.%u.%u, expected us: %s "
	      "%u.%u.%u.%u",
	      mac_str(p + 8), IP_ARGS(get32(p + 14)), mac_str(nif->mac),
	      IP_ARGS(nif->ip));
	check(!memcmp(p + 18, peer_mac, ETH_ALEN) && get32(p + 24) == peer_ip,
	      "the reply's target is %s %u.%u.%u.%u, expected the asker: %s "
	      "%u.%u.%u.%u",
	      mac_str(p + 18), IP_ARGS(get32(p + 24)), mac_str(peer_mac),
	      IP_ARGS(peer_ip));
}

/* A request for our address gets one reply, to the asker. */
static void arp_reply(void **state)
{
	struct netif nif;
	uint8_t mac1[ETH_ALEN], mac2[ETH_ALEN];
	uint32_t net, ip1, ip2;

	(void)state;
	nif_open(&nif);
	net = nif.ip & 0xffffff00;
	draw_mac(mac1);
	draw_mac(mac2);
	ip1 = draw_ip(net, nif.ip);
	do
		ip2 = draw_ip(net, nif.ip);
	while (ip2 == ip1);

	arp_in(&nif, eth_broadcast, ARP_REQUEST, mac1, ip1, NULL, nif.ip);
	check(sent.n == 1,
	      "a broadcast \"who has %u.%u.%u.%u?\" (ours) from %u.%u.%u.%u: "
	      "%u frames sent, expected one reply",
	      IP_ARGS(nif.ip), IP_ARGS(ip1), sent.n);
	want_reply(&nif, 0, mac1, ip1);
	check(nif.c.arp_requests_answered == 1,
	      "arp_requests_answered is %lu after one reply, expected 1 (the "
	      "guest's statistics line prints it)",
	      nif.c.arp_requests_answered);

	/* A second asker, unicast to our MAC this time. */
	arp_in(&nif, nif.mac, ARP_REQUEST, mac2, ip2, zero_mac, nif.ip);
	check(sent.n == 2,
	      "a second request: %u frames sent in all, expected 2", sent.n);
	want_reply(&nif, 1, mac2, ip2);
	check(nif.c.arp_requests_answered == 2,
	      "arp_requests_answered is %lu after two replies",
	      nif.c.arp_requests_answered);
}

/* Requests for other addresses, and replies, are never answered. */
static void arp_others(void **state)
{
	struct netif nif;
	uint8_t mac1[ETH_ALEN], mac2[ETH_ALEN], got[ETH_ALEN] = {0};
	uint32_t net, ip1, ip2, other;

	(void)state;
	nif_open(&nif);
	net = nif.ip & 0xffffff00;
	draw_mac(mac1);
	draw_mac(mac2);
	ip1 = draw_ip(net, nif.ip);
	ip2 = draw_ip(net, nif.ip);
	do
		other = draw_ip(net, nif.ip);
	while (other == ip1);

	arp_in(&nif, eth_broadcast, ARP_REQUEST, mac1, ip1, NULL, other);
	check(sent.n == 0,
	      "\"who has %u.%u.%u.%u?\" (not us: we are %u.%u.%u.%u) was "
	      "answered",
	      IP_ARGS(other), IP_ARGS(nif.ip));
	check(arp_lookup(&nif, ip1, got) != 0,
	      "a stranger asking for another address went into the cache "
	      "(RFC 826: only a peer already known, or one talking to us)");

	arp_in(&nif, nif.mac, ARP_REPLY, mac2, ip2, nif.mac, nif.ip);
	check(sent.n == 0, "a reply (opcode 2) to us was answered");

	arp_in(&nif, eth_broadcast, 3, mac2, ip2, NULL, nif.ip);
	check(sent.n == 0, "an ARP packet with opcode 3 was answered");
	check(nif.c.arp_requests_answered == 0,
	      "arp_requests_answered is %lu, and nothing was answered",
	      nif.c.arp_requests_answered);
}

/* Replies and requests from peers fill the cache; a known peer's new MAC
 * replaces the old. */
static void arp_cache(void **state)
{
	struct netif nif;
	uint8_t mac[5][ETH_ALEN], got[ETH_ALEN];
	uint32_t net, ip[5];

	(void)state;
	nif_open(&nif);
	net = nif.ip & 0xffffff00;
	memset(got, 0, sizeof(got));
	for (int k = 0; k < 5; k++) { /* hosts 50-249, never ours (15) */
		draw_mac(mac[k]);
		ip[k] = net | (50 + 40 * k + random32() % 40);
	}
	/* A reply to our own request (as if we had asked). */
	arp_in(&nif, nif.mac, ARP_REPLY, mac[0], ip[0], nif.mac, nif.ip);
	check(arp_lookup(&nif, ip[0], got) == 0 && !memcmp(got, mac[0], 6),
	      "after a reply from %u.%u.%u.%u at %s, the cache does not give "
	      "its MAC",
	      IP_ARGS(ip[0]), mac_str(mac[0]));
	check(nif.c.arp_replies == 1,
	      "arp_replies is %lu after one reply to us, expected 1",
	      nif.c.arp_replies);
	check(sent.n == 0, "a reply was answered");

	/* Requests for us teach us the askers. */
	for (int k = 1; k < 5; k++)
		arp_in(&nif, eth_broadcast, ARP_REQUEST, mac[k], ip[k], NULL,
		       nif.ip);
	for (int k = 0; k < 5; k++)
		check(arp_lookup(&nif, ip[k], got) == 0 &&
			  !memcmp(got, mac[k], 6),
		      "%u.%u.%u.%u (%s) %s: not found in the cache, or not "
		      "with its MAC",
		      IP_ARGS(ip[k]), mac_str(mac[k]),
		      k ? "asked for our address" : "replied to us");

	/* Peer 2 has a new card and asks for someone else: known, so
	 * learned again (RFC 826's merge), not answered. */
	draw_mac(mac[2]);
	arp_in(&nif, eth_broadcast, ARP_REQUEST, mac[2], ip[2], NULL,
	       draw_ip(net, nif.ip));
	check(arp_lookup(&nif, ip[2], got) == 0 && !memcmp(got, mac[2], 6),
	      "%u.%u.%u.%u, in the cache, spoke from a new MAC %s (asking "
	      "for someone else): the cache still has %s",
	      IP_ARGS(ip[2]), mac_str(mac[2]), mac_str(got));
	check(sent.n == 4, "%u frames sent, expected the 4 replies", sent.n);

	/* One entry per peer. */
	for (int k = 0; k < 5; k++) {
		int n = 0;

		for (int e = 0; e < ARP_CACHE; e++)
			n += nif.arp[e].ip == ip[k];
		check(n == 1, "%u.%u.%u.%u is in the cache %d times",
		      IP_ARGS(ip[k]), n);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(chain_good),
	    cmocka_unit_test(chain_loop),
	    cmocka_unit_test(chain_index),
	    cmocka_unit_test(chain_order),
	    cmocka_unit_test(chain_bounds),
	    cmocka_unit_test(chain_stays_broken),
	    cmocka_unit_test(features_halves),
	    cmocka_unit_test(features_refuse),
	    cmocka_unit_test(features_order),
	    cmocka_unit_test(features_reset),
	    cmocka_unit_test(arp_reply),
	    cmocka_unit_test(arp_others),
	    cmocka_unit_test(arp_cache),
	};

	return GRADE_MAIN("ch08", tests);
}
