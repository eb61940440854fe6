/* SPDX-License-Identifier: MIT */
/*
 * virtqueue: the device's side of a split virtqueue (chapter 8; see
 * virtqueue.h and abi/virtio.h for the layout).
 *
 * Memory order.  The driver fills descriptors and a ring entry, then
 * stores avail.idx; the device loads avail.idx with acquire order, so
 * what the driver wrote before it is visible.  The other way round, the
 * device writes a used entry and stores used.idx with release order.
 * Both sides then read the other's wishes (used_event, avail.flags,
 * avail.idx again) after a store: a store followed by a load of another
 * location may be reordered even on x86, and then each side could miss
 * the other's update and both wait.  A full fence sits between them.
 *
 * Guest fields are read with __atomic loads (relaxed where order does
 * not matter) into locals: the compiler may not read them twice, so a
 * value checked is the value used.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "abi/virtio.h"
#include "kvmlab/base/log.h"
#include "kvmlab/virtio/virtqueue.h"
#include "labs/exercise.h"

/* Broken-ring lines logged over the run, before only counting. */
#define WARN_MAX 16
static unsigned warnings;

void vq_init(struct virtqueue *q, const struct guest_mem *mem, const char *dev,
	     unsigned index, uint16_t size_max)
{
	memset(q, 0, sizeof(*q));
	q->mem = mem;
	q->dev = dev;
	q->index = index;
	q->size_max = size_max;
	q->size = size_max;
}

void vq_reset(struct virtqueue *q)
{
	q->size = q->size_max;
	q->desc = q->avail = q->used = 0;
	q->ready = q->event_idx = q->broken = false;
	q->last_avail = q->used_idx = q->signalled = 0;
	q->why[0] = '\0';
}

/* The queue is broken: say why in one line (prefixed with which queue). */
static int fail(struct virtqueue *q, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(struct virtqueue *q, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(q->why, sizeof(q->why), "%s queue %u: %s", q->dev, q->index,
		 what);
	q->broken = true;
	q->breaks++;
	if (++warnings <= WARN_MAX)
		warning("%s; the device needs a reset", q->why);
	else if (warnings == WARN_MAX + 1)
		warning("virtio: more broken rings; counting them silently "
			"(--stats shows how many)");
	return -EIO;
}

static bool aligned(uint64_t gpa, unsigned to)
{
	return (gpa & (to - 1)) == 0;
}

int vq_enable(struct virtqueue *q)
{
	struct virtq_used *u;
	uint16_t n = q->size;

	q->broken = false;
	if (n == 0 || n > q->size_max || (n & (n - 1))) {
		fail(q, "size %u, expected a power of two from 1 to %u", n,
		     q->size_max);
		return -EINVAL;
	}
	if (!aligned(q->desc, VIRTQ_DESC_ALIGN) ||
	    !aligned(q->avail, VIRTQ_AVAIL_ALIGN) ||
	    !aligned(q->used, VIRTQ_USED_ALIGN)) {
		fail(q,
		     "areas at 0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64
		     ", expected alignments of 16, 2 and 4 bytes",
		     q->desc, q->avail, q->used);
		return -EINVAL;
	}
	u = gpa_to_host(q->mem, q->used, VIRTQ_USED_BYTES(n));
	if (!gpa_to_host(q->mem, q->desc, VIRTQ_DESC_BYTES(n)) ||
	    !gpa_to_host(q->mem, q->avail, VIRTQ_AVAIL_BYTES(n)) || !u) {
		fail(q,
		     "areas at 0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64
		     " for %u entries, expected inside guest RAM (0x%" PRIx64
		     " bytes)",
		     q->desc, q->avail, q->used, n, q->mem->size);
		return -EINVAL;
	}
	q->last_avail = q->used_idx = q->signalled = 0;
	__atomic_store_n(&u->flags, 0, __ATOMIC_RELAXED);
	/* avail_event 0: the driver kicks at its first buffer. */
	__atomic_store_n((uint16_t *)((uint8_t *)u + VIRTQ_AVAIL_EVENT_OFF(n)),
			 0, __ATOMIC_RELAXED);
	__atomic_store_n(&u->idx, 0, __ATOMIC_RELEASE);
	q->ready = true;
	return 0;
}

/* The areas, through the translator each time (checked at enable). */
static struct virtq_avail *avail_of(const struct virtqueue *q)
{
	return gpa_to_host(q->mem, q->avail, VIRTQ_AVAIL_BYTES(q->size));
}

static struct virtq_used *used_of(const struct virtqueue *q)
{
	return gpa_to_host(q->mem, q->used, VIRTQ_USED_BYTES(q->size));
}

/* Follow the chain at `head` into *c, checking every descriptor. */
static int walk(struct virtqueue *q, uint16_t head, struct vq_chain *c)
{
	struct virtq_desc *table =
	    gpa_to_host(q->mem, q->desc, VIRTQ_DESC_BYTES(q->size));
	uint64_t total = 0;
	unsigned count = 0;
	uint16_t i = head;
	bool writing = false; /* a writable descriptor came (even empty) */

	if (!table)
		return fail(q, "the descriptor table left guest RAM");
	c->head = head;
	c->nseg = 0;
	c->readable = c->writable = 0;
	for (;;) {
		uint64_t addr;
		uint32_t len;
		uint16_t flags, next;
		uint8_t *host;

		/* EXERCISE ch08-chain-walk: one descriptor, read once, every value checked */
#ifndef KVMLAB_STUBS
		if (i >= q->size)
			return fail(q,
				    "chain at head %u: descriptor index %u, "
				    "expected below the size %u",
				    head, i, q->size);
		/* More descriptors than the table holds: it loops. */
		if (++count > q->size)
			return fail(q,
				    "chain at head %u: more than %u "
				    "descriptors, a loop (back at %u)",
				    head, q->size, i);
		if (count > VQ_CHAIN_SEGS)
			return fail(q,
				    "chain at head %u: more than %u "
				    "descriptors, the device's limit",
				    head, VQ_CHAIN_SEGS);
		addr = __atomic_load_n(&table[i].addr, __ATOMIC_RELAXED);
		len = __atomic_load_n(&table[i].len, __ATOMIC_RELAXED);
		flags = __atomic_load_n(&table[i].flags, __ATOMIC_RELAXED);
		next = __atomic_load_n(&table[i].next, __ATOMIC_RELAXED);
		if (flags & VIRTQ_DESC_F_INDIRECT)
			return fail(q,
				    "chain at head %u: descriptor %u has "
				    "INDIRECT, a feature not offered",
				    head, i);
		/* 2.7.4.2: readable buffers first, then writable ones. */
		if (!(flags & VIRTQ_DESC_F_WRITE) && writing)
			return fail(q,
				    "chain at head %u: descriptor %u is "
				    "readable after a writable one",
				    head, i);
		host = gpa_to_host(q->mem, addr, len);
		if (!host)
			return fail(q,
				    "chain at head %u: descriptor %u's buffer "
				    "0x%" PRIx64 "+0x%" PRIx32 " is not "
				    "inside guest RAM (0x%" PRIx64 " bytes)",
				    head, i, addr, len, q->mem->size);
		total += len;
		if (total > VQ_CHAIN_BYTES)
			return fail(q,
				    "chain at head %u: more than 0x%x bytes "
				    "at descriptor %u",
				    head, VQ_CHAIN_BYTES, i);
#else
		(void)table;
		(void)total;
		(void)count;
		(void)i;
		(void)addr;
		(void)writing;
		exercise_todo("ch08-chain-walk",
			      "exercises/08-virtio-net/README.md");
#endif /* END EXERCISE ch08-chain-walk */
		c->seg[c->nseg++] = (struct vq_seg){
		    host, len, (flags & VIRTQ_DESC_F_WRITE) != 0};
		writing |= (flags & VIRTQ_DESC_F_WRITE) != 0;
		if (flags & VIRTQ_DESC_F_WRITE)
			c->writable += len;
		else
			c->readable += len;
		if (!(flags & VIRTQ_DESC_F_NEXT))
			return 0;
		i = next;
	}
}

int vq_pop(struct virtqueue *q, struct vq_chain *c)
{
	struct virtq_avail *av;
	uint16_t idx, head;

	if (q->broken)
		return -EIO;
	if (!q->ready)
		return 0;
	av = avail_of(q);
	if (!av)
		return fail(q, "the available ring left guest RAM");
	/* Acquire: the entry and its descriptors were written before. */
	idx = __atomic_load_n(&av->idx, __ATOMIC_ACQUIRE);
	if ((uint16_t)(idx - q->last_avail) > q->size)
		return fail(q,
			    "avail.idx %u is %u entries past the device's "
			    "%u, expected at most the size %u",
			    idx, (uint16_t)(idx - q->last_avail), q->last_avail,
			    q->size);
	if (idx == q->last_avail)
		return 0;
	head = __atomic_load_n(&av->ring[q->last_avail & (q->size - 1)],
			       __ATOMIC_RELAXED);
	if (walk(q, head, c))
		return -EIO;
	q->last_avail++;
	q->popped++;
	return 1;
}

void vq_unpop(struct virtqueue *q)
{
	q->last_avail--;
	q->popped--;
}

unsigned vq_pending(struct virtqueue *q)
{
	struct virtq_avail *av;

	if (q->broken || !q->ready || !(av = avail_of(q)))
		return 0;
	return (uint16_t)(__atomic_load_n(&av->idx, __ATOMIC_ACQUIRE) -
			  q->last_avail);
}

int vq_push(struct virtqueue *q, const struct vq_chain *c, uint32_t written)
{
	struct virtq_used *u;
	struct virtq_used_elem *e;

	if (q->broken || !q->ready)
		return -EIO;
	u = used_of(q);
	if (!u)
		return fail(q, "the used ring left guest RAM");
	if (written > c->writable)
		written = c->writable;
	e = &u->ring[q->used_idx & (q->size - 1)];
	__atomic_store_n(&e->id, c->head, __ATOMIC_RELAXED);
	__atomic_store_n(&e->len, written, __ATOMIC_RELAXED);
	q->used_idx++;
	/* Release: the entry and the bytes written are there first. */
	__atomic_store_n(&u->idx, q->used_idx, __ATOMIC_RELEASE);
	q->pushed++;
	return 0;
}

bool vq_should_notify(struct virtqueue *q)
{
	struct virtq_avail *av = avail_of(q);
	uint16_t old = q->signalled;
	bool yes;

	if (q->broken || !q->ready || !av || old == q->used_idx)
		return false;
	q->signalled = q->used_idx;
	/* Our used.idx store, then the driver's wish: not the other way. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (q->event_idx) {
		uint16_t *ev =
		    (uint16_t *)((uint8_t *)av + VIRTQ_USED_EVENT_OFF(q->size));

		yes = virtq_need_event(__atomic_load_n(ev, __ATOMIC_RELAXED),
				       q->used_idx, old);
	} else {
		yes = !(__atomic_load_n(&av->flags, __ATOMIC_RELAXED) &
			VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
	if (yes)
		q->notified++;
	else
		q->suppressed++;
	return yes;
}

bool vq_enable_kicks(struct virtqueue *q)
{
	struct virtq_used *u = used_of(q);

	if (q->broken || !q->ready || !u)
		return false;
	q->kicks_enabled++;
	if (q->event_idx) {
		uint16_t *ev =
		    (uint16_t *)((uint8_t *)u + VIRTQ_AVAIL_EVENT_OFF(q->size));

		__atomic_store_n(ev, q->last_avail, __ATOMIC_RELAXED);
	} else {
		__atomic_store_n(&u->flags, 0, __ATOMIC_RELAXED);
	}
	/* The wish published, then look again: a buffer the driver added
	 * just before seeing it came without a kick. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return vq_pending(q) != 0;
}

void vq_disable_kicks(struct virtqueue *q)
{
	struct virtq_used *u = used_of(q);

	if (q->broken || !q->ready || !u)
		return;
	q->kicks_disabled++;
	if (!q->event_idx)
		__atomic_store_n(&u->flags, VIRTQ_USED_F_NO_NOTIFY,
				 __ATOMIC_RELAXED);
}

/* Copy between a flat buffer and one kind of c's segments. */
static size_t copy(const struct vq_chain *c, bool writable, size_t off,
		   uint8_t *flat, size_t len)
{
	size_t done = 0;

	for (unsigned i = 0; i < c->nseg && done < len; i++) {
		const struct vq_seg *s = &c->seg[i];
		size_t n;

		if (s->writable != writable)
			continue;
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = s->len - off < len - done ? s->len - off : len - done;
		if (writable)
			memcpy(s->host + off, flat + done, n);
		else
			memcpy(flat + done, s->host + off, n);
		done += n;
		off = 0;
	}
	return done;
}

size_t vq_chain_read(const struct vq_chain *c, size_t off, void *dst,
		     size_t len)
{
	return copy(c, false, off, dst, len);
}

size_t vq_chain_write(const struct vq_chain *c, size_t off, const void *src,
		      size_t len)
{
	return copy(c, true, off, (uint8_t *)src, len);
}
