/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: chapter 8's virtio-net device, its virtio-mmio transport
 * and its split virtqueues against hostile drivers (libFuzzer, with ASan
 * and UBSan; tests/fuzz/run.sh builds and runs it).
 *
 * A driver chooses every register write and every byte of its rings,
 * and the host side chooses the frames.  One fuzz input is one such
 * run: byte 0 says whether the device offers EVENT_IDX (bit 0), the
 * rest is a list of operations, each an opcode byte and its arguments
 * (little-endian), run in order on RAM that starts zeroed:
 *
 *   0 off size v32   MMIO write: register off*4 (off < 0x40) or config
 *                    byte off-0x40; size from {4,4,4,4,1,2,8,3}[size&7]
 *   1 off size       MMIO read, the same way
 *   2 q              a kick from the I/O thread (virtio_net_kick)
 *   3 len16 fill     the backend gets a frame of len & 0x1fff bytes
 *                    (header included), every byte `fill`
 *   4                the backend is readable: virtio_net_rx()
 *   5 feat s0 s1     the whole driver setup (3.1.1): feat bit 0
 *                    EVENT_IDX, bit 1 a feature not offered, bit 2 no
 *                    VERSION_1, bit 3 no DRIVER_OK; queue q of size
 *                    1 << (sq % 9) at LAYOUT below
 *   6 off16 n bytes  poke n bytes into RAM at off (clipped to RAM)
 *   7 q i a16 l16 f n  descriptor i of queue q's table in LAYOUT:
 *                    addr a, len l, flags f, next n
 *   8 q head16       the driver offers head in queue q's LAYOUT ring
 *   9                virtio_net_rx_want()
 *
 * RAM is RAM_SIZE bytes of its own heap allocation, so ASan reports any
 * access past it.  After each operation the device's promises are
 * checked and a broken one aborts: every used entry names a chain that
 * is valid by this file's own walk, with no more bytes than its writable
 * part (and none for TX); send() gets a header of zeros (no guest field
 * passes through) and 1 to FRAME_MAX bytes; RAM changed only in used
 * rings and the writable buffers of chains returned; the line is high
 * exactly while InterruptStatus is not 0; a broken queue means
 * DEVICE_NEEDS_RESET.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi/virtio.h"
#include "kvmlab/base/log.h"
#include "kvmlab/base/memory.h"
#include "kvmlab/virtio/mmio.h"
#include "kvmlab/virtio/net.h"

#define RAM_SIZE 0x10000
#define FRAMES	 16
#define OPS_MAX	 128

/* LAYOUT: where operations 5, 7 and 8 put each queue's areas. */
static const uint64_t q_desc[2] = {0x1000, 0x6000};
static const uint64_t q_avail[2] = {0x3000, 0x8000};
static const uint64_t q_used[2] = {0x4000, 0x9000};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *ram, *before, *scratch;
/* Bytes inside the writable buffers of the entries checked so far. */
static uint8_t *covered;
static struct guest_mem mem;
static struct virtio_net *net;
static bool level;
static size_t frame_len[FRAMES];
static uint8_t frame_fill[FRAMES];
static unsigned nframes, next_frame;
static uint64_t sends;
static bool verbose; /* FUZZ_VERBOSE=1: each input's counters */

static void broken(const char *what)
{
	fprintf(stderr, "fuzz_virtio_net: broken promise: %s\n", what);
	abort();
}

static void line_set(void *opaque, bool l)
{
	(void)opaque;
	level = l;
}

static ssize_t fake_send(void *opaque, const struct iovec *iov, int iovcnt)
{
	size_t total = 0;

	(void)opaque;
	if (iovcnt < 1 || iov[0].iov_len != VIRTIO_NET_HDR_LEN)
		broken("send() without the header first");
	for (int i = 0; i < VIRTIO_NET_HDR_LEN; i++)
		if (((const uint8_t *)iov[0].iov_base)[i])
			broken("send() given a header field from the guest");
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	if (total <= VIRTIO_NET_HDR_LEN ||
	    total > VIRTIO_NET_HDR_LEN + VIRTIO_NET_FRAME_MAX)
		broken("send() given an empty or oversize frame");
	/* Read every byte, so ASan checks them. */
	for (int i = 1; i < iovcnt; i++)
		memcpy(scratch, iov[i].iov_base, iov[i].iov_len);
	sends++;
	return (ssize_t)total;
}

static ssize_t fake_recv(void *opaque, void *buf, size_t len)
{
	size_t n;

	(void)opaque;
	if (next_frame == nframes)
		return -EAGAIN;
	n = frame_len[next_frame];
	if (n > len)
		n = len;
	memset(buf, frame_fill[next_frame++], n);
	return (ssize_t)n;
}

static void fake_frame(void *opaque, int dir, const void *eth, size_t len)
{
	(void)opaque;
	if ((dir != 0 && dir != 1) || len == 0 || len > VIRTIO_NET_FRAME_MAX)
		broken("a frame tapped with a bad direction or length");
	memcpy(scratch, eth, len);
}

static void setup(void)
{
	ram = malloc(RAM_SIZE);
	before = malloc(RAM_SIZE);
	scratch = malloc(0x20000);
	covered = malloc(RAM_SIZE);
	net = malloc(sizeof(*net));
	if (!ram || !before || !scratch || !covered || !net)
		abort();
	mem = (struct guest_mem){.host = ram, .size = RAM_SIZE};
	log_level = LOG_QUIET; /* every refusal logs: millions of lines */
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (verbose)
		log_level = LOG_WARNING;
}

static uint32_t le(const uint8_t *p, unsigned n)
{
	uint32_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static void mmio(uint8_t off, uint8_t how, bool write, uint32_t value)
{
	static const uint32_t sizes[8] = {4, 4, 4, 4, 1, 2, 8, 3};
	struct bus_access a = {
	    .size = sizes[how & 7], .write = write, .value = value};

	a.offset = off < 0x40 ? off * 4u : VIRTIO_MMIO_CONFIG + off - 0x40u;
	virtio_mmio_access(&net->mmio, &a);
	if (!write && a.size <= 4 && a.value >> (8 * a.size))
		broken("a read returned more bits than its width");
}

static void reg(uint32_t off, uint32_t v)
{
	struct bus_access a = {
	    .offset = off, .size = 4, .write = true, .value = v};

	virtio_mmio_access(&net->mmio, &a);
}

/* Operation 5: reset, negotiate, both queues, DRIVER_OK. */
static void driver_setup(uint8_t feat, const uint8_t sq[2])
{
	uint64_t f =
	    VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS);

	if (feat & 1)
		f |= VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX);
	if (feat & 2)
		f |= VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);
	if (!(feat & 4))
		f |= VIRTIO_BIT(VIRTIO_F_VERSION_1);
	reg(VIRTIO_MMIO_STATUS, 0);
	reg(VIRTIO_MMIO_STATUS, 1);
	reg(VIRTIO_MMIO_STATUS, 3);
	reg(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	reg(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	reg(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	reg(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
	reg(VIRTIO_MMIO_STATUS, 0xb);
	for (unsigned q = 0; q < 2; q++) {
		reg(VIRTIO_MMIO_QUEUE_SEL, q);
		reg(VIRTIO_MMIO_QUEUE_NUM, 1u << (sq[q] % 9));
		reg(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)q_desc[q]);
		reg(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)q_avail[q]);
		reg(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)q_used[q]);
		reg(VIRTIO_MMIO_QUEUE_READY, 1);
	}
	if (!(feat & 8))
		reg(VIRTIO_MMIO_STATUS, 0xf);
}

/* Operation 8: one more entry in queue q's LAYOUT available ring. */
static void offer(unsigned q, uint16_t head)
{
	uint16_t n = net->mmio.vq[q].size, idx;

	memcpy(&idx, ram + q_avail[q] + 2, 2);
	memcpy(ram + q_avail[q] + 4 + 2 * (idx & (n - 1)), &head, 2);
	idx++;
	memcpy(ram + q_avail[q] + 2, &idx, 2);
}

/* ---- The promises ---------------------------------------------------- */

/* Each queue as the last check left it. */
struct qstate {
	bool ready;
	uint16_t size, seen; /* seen: the used index then */
	uint64_t desc, used;
};
static struct qstate qs[2];
static uint64_t resets_seen;

static void resync(void)
{
	for (unsigned q = 0; q < 2; q++) {
		const struct virtqueue *v = &net->mmio.vq[q];

		qs[q] = (struct qstate){v->ready, v->size, v->used_idx, v->desc,
					v->used};
	}
	resets_seen = net->mmio.resets;
}

static void snapshot(void)
{
	memcpy(before, ram, RAM_SIZE);
}

/* Let [at, at + len) differ: scratch takes before's bytes there. */
static void allow(uint64_t at, uint64_t len)
{
	if (at < RAM_SIZE && len <= RAM_SIZE - at)
		memcpy(scratch + at, before + at, len);
}

/*
 * This file's own walk of the chain at `head` (the rules of 2.7.4-2.7.5
 * and the device's limits), in the table as it was before the step:
 * its writable bytes, whose buffers allow() marks, or -1 for a chain
 * the device should have refused.
 */
static long walk(const struct qstate *s, uint32_t head)
{
	uint64_t total = 0, wr = 0;
	uint32_t i = head;
	bool writing = false;

	for (unsigned count = 0;; count++) {
		struct virtq_desc d;

		if (i >= s->size || count >= s->size || count >= VQ_CHAIN_SEGS)
			return -1;
		memcpy(&d, before + s->desc + 16 * i, sizeof(d));
		if ((d.flags & VIRTQ_DESC_F_INDIRECT) || d.addr > RAM_SIZE ||
		    d.len > RAM_SIZE - d.addr)
			return -1;
		total += d.len;
		if (d.flags & VIRTQ_DESC_F_WRITE) {
			writing = true;
			wr += d.len;
			allow(d.addr, d.len);
			memset(covered + d.addr, 1, d.len);
		} else if (writing) {
			return -1;
		}
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return total > VQ_CHAIN_BYTES ? -1 : (long)wr;
		i = d.next;
	}
}

/*
 * The used entries queue q wrote in this step, each checked.  *known
 * stays true while the buffers of every entry checked so far in this
 * step are known (marked in covered): an entry older than one whose
 * buffers are unknown may lie under them, so it cannot be read.
 */
static void check_used(unsigned q, bool tables_same, bool *known)
{
	const struct virtqueue *v = &net->mmio.vq[q];
	const struct qstate *s = &qs[q];
	uint16_t n = (uint16_t)(v->used_idx - s->seen);

	if (!v->ready || !s->ready || v->size != s->size ||
	    v->desc != s->desc || v->used != s->used ||
	    net->mmio.resets != resets_seen)
		return; /* set up again in this step: nothing to compare */
	if (n > v->size)
		broken("more used entries in one step than the ring holds");
	/*
	 * Newest first: an RX frame may land on the used ring itself (the
	 * guest's buffer covers it) and overwrite entries written before
	 * it, never after.  An entry under a later one's buffer cannot be
	 * read, and its own buffers are unknown, so the older ones neither.
	 */
	for (uint16_t k = n; k-- > 0 && *known;) {
		struct virtq_used_elem e;
		uint16_t slot = (uint16_t)(s->seen + k) & (v->size - 1);
		uint64_t at = v->used + 4 + 8 * slot;
		long w;

		if (memchr(covered + at, 1, sizeof(e))) {
			*known = false; /* overwritten: its buffers unknown */
			break;
		}
		memcpy(&e, ram + at, sizeof(e));
		if (e.id >= v->size)
			broken("a used entry names a descriptor out of range");
		if (!tables_same) {
			/* A table written in this step: no walk tells the
			 * buffers the device used. */
			*known = false;
			break;
		}
		w = walk(s, e.id);
		if (verbose)
			fprintf(stderr,
				"used q%u slot %u id %u len %u: walk %ld\n", q,
				slot, e.id, e.len, w);
		if (w < 0)
			broken("a used entry names a chain the device should "
			       "have refused");
		if (e.len > (uint64_t)w)
			broken("a used length beyond the chain's writable "
			       "bytes");
		if (q == VIRTIO_NET_TXQ && e.len)
			broken("a TX entry with bytes written");
		if (q == VIRTIO_NET_RXQ &&
		    (e.len <= VIRTIO_NET_HDR_LEN ||
		     e.len > VIRTIO_NET_HDR_LEN + VIRTIO_NET_FRAME_MAX))
			broken("an RX entry of impossible length");
	}
}

static void check(void)
{
	const struct virtio_mmio *t = &net->mmio;
	bool tables_same = true, known = true;

	if (level != (t->int_status != 0))
		broken("the line does not follow InterruptStatus");
	if (sends != net->tx_frames)
		broken("tx_frames is not the frames sent");
	for (unsigned q = 0; q < 2; q++)
		if (t->vq[q].broken &&
		    !(t->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET))
			broken("a broken queue without DEVICE_NEEDS_RESET");
	memcpy(scratch, ram, RAM_SIZE);
	/* The used rings, of the queues before and after, may change. */
	for (unsigned q = 0; q < 2; q++) {
		const struct virtqueue *v = &t->vq[q];

		if (qs[q].ready)
			allow(qs[q].used, VIRTQ_USED_BYTES(qs[q].size));
		if (v->ready)
			allow(v->used, VIRTQ_USED_BYTES(v->size));
		if (qs[q].ready && memcmp(ram + qs[q].desc, before + qs[q].desc,
					  VIRTQ_DESC_BYTES(qs[q].size)))
			tables_same = false;
	}
	memset(covered, 0, RAM_SIZE);
	/* RX first: only its buffers are written, and TX's entries of the
	 * same step may lie under them. */
	for (unsigned q = 0; q < 2; q++)
		check_used(q, tables_same, &known);
	/* A device writing over a table: its chains are not comparable. */
	if (tables_same && known && memcmp(scratch, before, RAM_SIZE))
		broken("RAM changed outside the used rings and the writable "
		       "buffers returned");
	resync();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct virtio_net_backend be = {fake_send, fake_recv, fake_frame,
					      NULL, NULL};
	const uint8_t mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
	size_t at = 1;
	unsigned ops = 0;

	if (!ram)
		setup();
	if (size < 1)
		return 0;
	memset(ram, 0, RAM_SIZE);
	level = false;
	nframes = next_frame = 0;
	sends = 0;
	if (virtio_net_init(net, &mem, mac, data[0] & 1, &be,
			    (struct irq_line){line_set, NULL}))
		abort();
	resync();
	while (at < size && ops++ < OPS_MAX) {
		const uint8_t *p = data + at;
		size_t left = size - at - 1;
		uint8_t op = p[0] % 10;
		static const size_t args[10] = {6, 2, 1, 3, 0, 3, 3, 8, 3, 0};

		if (left < args[op])
			break;
		at += 1 + args[op];
		snapshot();
		switch (op) {
		case 0:
			mmio(p[1], p[2], true, le(p + 3, 4));
			break;
		case 1:
			mmio(p[1], p[2], false, 0);
			break;
		case 2:
			virtio_net_kick(net, p[1] % 3);
			break;
		case 3:
			if (nframes < FRAMES) {
				frame_len[nframes] = le(p + 1, 2) & 0x1fff;
				frame_fill[nframes++] = p[3];
			}
			break;
		case 4:
			virtio_net_rx(net);
			break;
		case 5:
			driver_setup(p[1], p + 2);
			break;
		case 6: {
			uint32_t off = le(p + 1, 2), n = p[3];

			n = n < size - at ? n : (uint32_t)(size - at);
			at += n;
			if (n > RAM_SIZE - off)
				n = RAM_SIZE - off;
			memcpy(ram + off, p + 4, n);
			resync(); /* the driver's own writes */
			continue;
		}
		case 7: {
			struct virtq_desc d = {le(p + 3, 2), le(p + 5, 2), p[7],
					       p[8]};

			memcpy(ram + q_desc[p[1] & 1] + 16 * p[2], &d,
			       sizeof(d));
			resync();
			continue;
		}
		case 8:
			if (net->mmio.vq[p[1] & 1].size)
				offer(p[1] & 1, (uint16_t)le(p + 2, 2));
			resync();
			continue;
		case 9:
			virtio_net_rx_want(net);
			break;
		}
		check();
	}
	if (verbose)
		virtio_net_print_stats(net, stderr);
	virtio_net_close(net);
	return 0;
}
