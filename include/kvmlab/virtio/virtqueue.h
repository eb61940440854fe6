/* SPDX-License-Identifier: MIT */
/*
 * virtqueue: a split virtqueue (virtio 1.2, 2.7) seen from the device
 * (chapter 8).
 *
 * The three areas (abi/virtio.h) live in guest RAM and the guest writes
 * two of them while the device reads them, from another CPU.  So the
 * device trusts nothing it reads there: every index is checked against
 * the queue's size, every chain is bounded, every buffer goes through
 * gpa_to_host(), and each value is read once into a local before it is
 * checked and used (a second read could see a different value).  What
 * the device needs to remember (its own next index, its used index) it
 * keeps here, never in guest RAM.
 *
 * A ring that breaks a rule makes the queue `broken`: one line says
 * which queue, which index, what value and what was expected; the queue
 * is then left alone.  The transport (virtio/mmio.h) sees the flag and
 * sets DEVICE_NEEDS_RESET; the VMM runs on.
 *
 * No locking here: the transport's lock covers every call (mmio.h).
 */
#ifndef KVMLAB_VIRTIO_VIRTQUEUE_H
#define KVMLAB_VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvmlab/base/memory.h"

/* Descriptors in one chain the device takes; a longer chain is broken. */
#define VQ_CHAIN_SEGS  32
/* Bytes in one chain, so a used length always fits in 32 bits. */
#define VQ_CHAIN_BYTES (1u << 20)

/* One buffer of a chain, already translated and checked. */
struct vq_seg {
	uint8_t *host; /* inside guest RAM, len bytes */
	uint32_t len;
	bool writable;
};

/* One chain, as vq_pop() found it: readable segments first. */
struct vq_chain {
	uint16_t head; /* what vq_push() reports back */
	unsigned nseg;
	struct vq_seg seg[VQ_CHAIN_SEGS];
	uint32_t readable, writable; /* total bytes of each kind */
};

struct virtqueue {
	const struct guest_mem *mem;
	const char *dev; /* "virtio-net", for messages */
	unsigned index;	 /* its number in the device */
	uint16_t size_max;
	/* What the driver set up (the transport writes these). */
	uint16_t size; /* a power of two, <= size_max */
	uint64_t desc, avail, used;
	bool ready;
	bool event_idx; /* VIRTIO_F_RING_EVENT_IDX negotiated */
	/* The device's own state, never read back from the guest. */
	uint16_t last_avail; /* next avail entry to take */
	uint16_t used_idx;   /* next used entry to write */
	uint16_t signalled;  /* used_idx at the last interrupt decision */
	bool broken;
	char why[200]; /* the line that said why */

	/* Counters, for --stats and the tests. */
	uint64_t popped;	/* chains taken */
	uint64_t pushed;	/* used entries written */
	uint64_t notified;	/* interrupt decisions that said yes */
	uint64_t suppressed;	/* ... that said no (the driver's wish) */
	uint64_t kicks_enabled; /* vq_enable_kicks() calls */
	uint64_t kicks_disabled;
	uint64_t breaks; /* times it was found broken */
};

/*
 * A queue of device `dev`, number `index`, at most `size_max` entries
 * (a power of two up to VIRTQ_MAX_SIZE), not ready.  `mem` is kept.
 */
void vq_init(struct virtqueue *q, const struct guest_mem *mem, const char *dev,
	     unsigned index, uint16_t size_max);

/*
 * Back to what vq_init() left (the driver reset the device or the
 * queue): not ready, size = size_max, no addresses, not broken.  The
 * counters stay (they count over the whole run).
 */
void vq_reset(struct virtqueue *q);

/*
 * The driver wrote QueueReady = 1: check size and the three areas
 * (alignment, inside RAM), then start both indices at 0 as a fresh
 * queue does (2.7.13): used.idx and used.flags are written 0.  0, or
 * -EINVAL with the queue broken and the reason logged.
 */
int vq_enable(struct virtqueue *q);

/*
 * Take the next chain the driver made available into *c.  1: a chain;
 * 0: none; -EIO: the ring is broken (now or before: see q->why).
 * Acquires avail.idx, so the ring entry and descriptors are the ones
 * the driver wrote before publishing it.
 */
int vq_pop(struct virtqueue *q, struct vq_chain *c);

/* Give back the chain vq_pop() returned last, as if never taken. */
void vq_unpop(struct virtqueue *q);

/* How many chains are available now (0 when broken or not ready). */
unsigned vq_pending(struct virtqueue *q);

/*
 * Return chain c to the driver with `written` bytes written into its
 * writable part (more than c->writable is clamped: the device's bug,
 * never the guest's memory).  Publishes used.idx with release order.
 * 0, or -EIO when broken.
 */
int vq_push(struct virtqueue *q, const struct vq_chain *c, uint32_t written);

/*
 * After pushing a batch: does the driver want an interrupt?  With
 * EVENT_IDX, when used_event lies in the batch (virtq_need_event());
 * without, unless avail.flags has NO_INTERRUPT.  No new entries since
 * the last decision: no.  Counts notified / suppressed.
 */
bool vq_should_notify(struct virtqueue *q);

/*
 * Ask for kicks again (EVENT_IDX: avail_event = last_avail; without:
 * clear used.flags NO_NOTIFY), then look again: true when buffers
 * arrived meanwhile, whose kick the driver may have skipped, so the
 * caller must process them (and then call this again).
 */
bool vq_enable_kicks(struct virtqueue *q);

/*
 * While processing: no kicks needed (without EVENT_IDX: set NO_NOTIFY;
 * with it, nothing: avail_event stays behind, so the driver does not
 * kick until vq_enable_kicks() moves it).
 */
void vq_disable_kicks(struct virtqueue *q);

/*
 * Copy up to `len` bytes of c's readable part, from byte `off` of it,
 * to dst; the bytes copied.  vq_chain_write(): the same into the
 * writable part.
 */
size_t vq_chain_read(const struct vq_chain *c, size_t off, void *dst,
		     size_t len);
size_t vq_chain_write(const struct vq_chain *c, size_t off, const void *src,
		      size_t len);

#endif
