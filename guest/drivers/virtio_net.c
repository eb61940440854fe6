/* SPDX-License-Identifier: MIT */
/*
 * virtio_net.c: the virtio-net driver, split virtqueues from the
 * driver's side (chapter 8); see virtio_net.h.
 *
 * Who writes what (2.7): the driver writes the descriptor table and the
 * available ring (and used_event at its end), the device writes the
 * used ring (and avail_event at its end).  Each side reads the other's
 * idx to learn how far it got.  Indices run freely and wrap at 2^16.
 *
 * Memory order.  The device is another thread (the VMM's I/O thread) on
 * another CPU, so the order of this driver's loads and stores matters.
 * x86 keeps stores in order with stores and loads with loads (SDM Vol.
 * 3A, 9.2.2): publishing "entry, then idx" and reading "idx, then entry"
 * need only stop the compiler from reordering (barrier()).  A store
 * followed by a load of another location may be reordered by the CPU
 * itself: "publish my idx, then read your event index" and "publish my
 * used_event, then read your idx again" need a real fence (mb()), or
 * both sides can miss each other and a notification or an interrupt is
 * lost.  Linux's virtio_ring.c has the same two fences.
 */
#include "printf.h"
#include "string.h"
#include "virtio_net.h"

#define PAGE	   4096
#define BUF_STRIDE 1536 /* >= VIRTIO_NET_RX_BUF, a multiple of 64 */

static inline void barrier(void)
{
	__asm__ volatile("" ::: "memory");
}

static inline void mb(void)
{
	__asm__ volatile("mfence" ::: "memory");
}

/* The device's fields: a load each time, never a value kept in a register. */
static inline uint16_t read16(const uint16_t *p)
{
	return *(const volatile uint16_t *)p;
}

static inline void write16(uint16_t *p, uint16_t v)
{
	*(volatile uint16_t *)p = v;
}

/* Identity-mapped: a pointer is the guest-physical address. */
static inline uint64_t phys(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* One queue's memory: each area starts a page of its own. */
struct ring_mem {
	struct virtq_desc desc[VNET_QUEUE_SIZE];
	uint8_t avail[PAGE]; /* VIRTQ_AVAIL_BYTES(256) = 518 used */
	uint8_t used[PAGE];  /* VIRTQ_USED_BYTES(256) = 2054 used */
};
_Static_assert(sizeof(struct virtq_desc) * VNET_QUEUE_SIZE == PAGE,
	       "the descriptor table fills its page");
_Static_assert(VIRTQ_USED_BYTES(VNET_QUEUE_SIZE) <= PAGE, "used ring fits");

struct vq {
	unsigned index, num;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t *used_event;  /* ours, after avail->ring[num] */
	uint16_t *avail_event; /* the device's, after used->ring[num] */
	uint16_t avail_idx;    /* the next avail idx we publish */
	uint16_t kicked;       /* avail_idx when we last decided to notify */
	uint16_t last_used;    /* used entries we have taken */
	bool busy[VNET_QUEUE_SIZE]; /* descriptor is the device's */
};

static struct ring_mem rx_mem __attribute__((aligned(PAGE)));
static struct ring_mem tx_mem __attribute__((aligned(PAGE)));
static uint8_t rx_buf[VNET_QUEUE_SIZE][BUF_STRIDE] __attribute__((aligned(64)));
static uint8_t tx_buf[VNET_TX_BUFS][BUF_STRIDE] __attribute__((aligned(64)));

static struct {
	struct virtio_mmio *dev;
	struct vq rx, tx;
	uint16_t tx_free[VNET_TX_BUFS];
	unsigned tx_nfree;
	bool event_idx, link_up;
	bool in_poll; /* vnet_send() leaves the kick to vnet_poll() */
	uint8_t mac[6];
	volatile bool irq_vring, irq_config; /* set by vnet_interrupt() */
	struct vnet_counters c;
} vn;

static const uint8_t default_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

/* ---- one queue ------------------------------------------------------ */

static int vq_setup(struct vq *q, unsigned index, struct ring_mem *m)
{
	unsigned max = virtio_mmio_queue_max(vn.dev, index);
	unsigned num = VNET_QUEUE_SIZE;

	if (!max) {
		printf("virtio-net: the device has no queue %u\n", index);
		return -1;
	}
	/* Split queues have power-of-two sizes: halve until it fits. */
	while (num > max)
		num >>= 1;
	memset(m, 0, sizeof(*m));
	memset(q, 0, sizeof(*q));
	q->index = index;
	q->num = num;
	q->desc = m->desc;
	q->avail = (struct virtq_avail *)m->avail;
	q->used = (struct virtq_used *)m->used;
	q->used_event = (uint16_t *)(m->avail + VIRTQ_USED_EVENT_OFF(num));
	q->avail_event = (uint16_t *)(m->used + VIRTQ_AVAIL_EVENT_OFF(num));
	if (virtio_mmio_setup_queue(vn.dev, index, num, phys(q->desc),
				    phys(q->avail), phys(q->used)) < 0) {
		printf("virtio-net: queue %u is live before setup\n", index);
		return -1;
	}
	return 0;
}

/* Offer descriptor `id` (a chain of one): the entry, then idx. */
static void vq_add(struct vq *q, uint16_t id)
{
	q->avail->ring[q->avail_idx & (q->num - 1)] = id;
	q->busy[id] = true;
	barrier(); /* the device must see the entry before the idx */
	q->avail_idx++;
	write16(&q->avail->idx, q->avail_idx);
}

/*
 * Notify the device of what was added since the last decision, if it
 * wants to know: with EVENT_IDX if its avail_event lies in the batch
 * (virtq_need_event), otherwise unless it set NO_NOTIFY.
 */
static void vq_kick(struct vq *q)
{
	uint16_t old = q->kicked, new = q->avail_idx;
	bool need;

	if (old == new)
		return;
	q->kicked = new;
	mb(); /* our idx store before the load of its event or flags */
	if (vn.event_idx)
		need = virtq_need_event(read16(q->avail_event), new, old);
	else
		need = !(read16(&q->used->flags) & VIRTQ_USED_F_NO_NOTIFY);
	if (need) {
		virtio_mmio_notify(vn.dev, q->index);
		vn.c.notify_sent++;
	} else {
		vn.c.notify_suppressed++;
	}
}

/* The next used entry, or false when the device has given back no more. */
static bool vq_next_used(struct vq *q, uint32_t *id, uint32_t *len)
{
	while (read16(&q->used->idx) != q->last_used) {
		const struct virtq_used_elem *e;

		barrier(); /* the idx before the entry it covers */
		e = &q->used->ring[q->last_used & (q->num - 1)];
		*id = e->id;
		*len = e->len;
		q->last_used++;
		if (*id < q->num && q->busy[*id]) {
			q->busy[*id] = false;
			return true;
		}
		/* A device that returns what it does not own: skipped. */
		vn.c.rx_bad += q == &vn.rx;
	}
	return false;
}

/*
 * Done with the used ring for now: ask for an interrupt at the next
 * entry (used_event = last seen), then look again, because the device
 * may have added one before it could see the new used_event.  True if
 * there is more to take.
 */
static bool vq_arm(struct vq *q)
{
	if (!vn.event_idx)
		return read16(&q->used->idx) != q->last_used;
	write16(q->used_event, q->last_used);
	mb(); /* the used_event store before the load of idx */
	return read16(&q->used->idx) != q->last_used;
}

/* ---- receive and transmit ------------------------------------------- */

static void rx_fill(void)
{
	for (uint16_t id = 0; id < vn.rx.num; id++) {
		vn.rx.desc[id].addr = phys(rx_buf[id]);
		vn.rx.desc[id].len = VIRTIO_NET_RX_BUF;
		vn.rx.desc[id].flags = VIRTQ_DESC_F_WRITE;
		vq_add(&vn.rx, id);
	}
}

static void tx_reclaim(void)
{
	uint32_t id, len;

	while (vq_next_used(&vn.tx, &id, &len))
		vn.tx_free[vn.tx_nfree++] = (uint16_t)id;
	/*
	 * Sent buffers are reclaimed here, when sending: no interrupt is
	 * wanted for them.  used_event one behind what we took is crossed
	 * only after 2^16 more entries; without EVENT_IDX, the hint flag.
	 */
	if (vn.event_idx)
		write16(vn.tx.used_event, (uint16_t)(vn.tx.last_used - 1));
}

int vnet_send(const void *frame, size_t len)
{
	uint16_t id;
	uint8_t *b;

	if (len > VIRTIO_NET_FRAME_MAX)
		return -1;
	if (!vn.tx_nfree)
		tx_reclaim();
	/*
	 * All in flight: make sure the device knows of them (a kick left
	 * for the end of a batch goes now); an I/O thread gives them back
	 * soon.  Wait a bounded while.
	 */
	if (!vn.tx_nfree)
		vq_kick(&vn.tx);
	for (unsigned long spin = 0; !vn.tx_nfree && spin < (1ul << 22);
	     spin++) {
		__asm__ volatile("pause" ::: "memory");
		tx_reclaim();
	}
	if (!vn.tx_nfree) {
		vn.c.tx_full++;
		return -1;
	}
	id = vn.tx_free[--vn.tx_nfree];
	b = tx_buf[id];
	/* No offloads: the header is all zeros (GSO_NONE, no flags). */
	memset(b, 0, VIRTIO_NET_HDR_LEN);
	memcpy(b + VIRTIO_NET_HDR_LEN, frame, len);
	vn.tx.desc[id].addr = phys(b);
	vn.tx.desc[id].len = (uint32_t)(VIRTIO_NET_HDR_LEN + len);
	vn.tx.desc[id].flags = 0; /* the device reads it */
	vn.tx.desc[id].next = 0;
	vq_add(&vn.tx, id);
	/* Replies sent while a batch is read go with one kick at its end. */
	if (!vn.in_poll)
		vq_kick(&vn.tx);
	vn.c.tx_frames++;
	return 0;
}

static void read_link(void)
{
	uint16_t status;

	vn.link_up = true;
	if (!(vn.dev->features & VIRTIO_BIT(VIRTIO_NET_F_STATUS)))
		return;
	virtio_mmio_config(vn.dev, VIRTIO_NET_CONFIG_STATUS, &status,
			   sizeof(status));
	vn.link_up = status & VIRTIO_NET_S_LINK_UP;
}

static void config_changed(void)
{
	bool was_up = vn.link_up;

	vn.c.config_changes++;
	if (virtio_mmio_needs_reset(vn.dev, "virtio-net")) {
		vn.c.resets++;
		printf("virtio-net: resetting and setting the device up "
		       "again\n");
		if (vnet_init(vn.dev) < 0)
			printf("virtio-net: the device is gone for good\n");
		return;
	}
	read_link();
	if (vn.link_up != was_up)
		printf("virtio-net: link %s\n", vn.link_up ? "up" : "down");
}

unsigned vnet_poll(void (*deliver)(void *ctx, const void *frame, size_t len),
		   void *ctx)
{
	unsigned n = 0;
	uint32_t id, len;

	vn.irq_vring = false;
	if (vn.irq_config) {
		vn.irq_config = false;
		config_changed();
	}
	vn.in_poll = true;
	do {
		while (vq_next_used(&vn.rx, &id, &len)) {
			if (len < VIRTIO_NET_HDR_LEN ||
			    len > VIRTIO_NET_RX_BUF) {
				vn.c.rx_bad++;
			} else {
				vn.c.rx_frames++;
				n++;
				deliver(ctx, rx_buf[id] + VIRTIO_NET_HDR_LEN,
					len - VIRTIO_NET_HDR_LEN);
			}
			/* Keep the queue full: the buffer goes back at once. */
			vn.rx.desc[id].len = VIRTIO_NET_RX_BUF;
			vq_add(&vn.rx, (uint16_t)id);
		}
		vq_kick(&vn.rx);
		vq_kick(&vn.tx);
	} while (vq_arm(&vn.rx));
	vn.in_poll = false;
	tx_reclaim();
	return n;
}

bool vnet_pending(void)
{
	return vn.irq_vring || vn.irq_config ||
	       read16(&vn.rx.used->idx) != vn.rx.last_used;
}

void vnet_interrupt(void)
{
	uint32_t bits = virtio_mmio_interrupt(vn.dev);

	vn.c.interrupts++;
	if (bits & VIRTIO_MMIO_INT_VRING)
		vn.irq_vring = true;
	if (bits & VIRTIO_MMIO_INT_CONFIG)
		vn.irq_config = true;
}

/* ---- bring-up --------------------------------------------------------- */

int vnet_init(struct virtio_mmio *d)
{
	vn.dev = d;
	vn.irq_vring = vn.irq_config = false;
	if (virtio_mmio_negotiate(d, VNET_FEATURES) < 0)
		return -1;
	vn.event_idx = d->features & VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX);
	if (vq_setup(&vn.rx, VIRTIO_NET_RXQ, &rx_mem) < 0 ||
	    vq_setup(&vn.tx, VIRTIO_NET_TXQ, &tx_mem) < 0) {
		virtio_mmio_fail(d);
		return -1;
	}
	/* Transmit: no interrupts wanted (tx_reclaim() says why). */
	if (vn.event_idx)
		write16(vn.tx.used_event, 0xffff);
	else
		vn.tx.avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	vn.tx_nfree = 0;
	for (unsigned i = 0; i < VNET_TX_BUFS && i < vn.tx.num; i++)
		vn.tx_free[vn.tx_nfree++] = (uint16_t)i;
	/* Receive: every buffer offered before the device goes live. */
	rx_fill();
	if (vn.event_idx)
		write16(vn.rx.used_event, 0);
	if (d->features & VIRTIO_BIT(VIRTIO_NET_F_MAC))
		virtio_mmio_config(d, VIRTIO_NET_CONFIG_MAC, vn.mac, 6);
	else
		memcpy(vn.mac, default_mac, 6);
	virtio_mmio_driver_ok(d);
	/* One notification: "the receive queue is full of buffers". */
	vq_kick(&vn.rx);
	read_link();
	if (virtio_mmio_needs_reset(d, "virtio-net"))
		return -1;
	return 0;
}

const uint8_t *vnet_mac(void)
{
	return vn.mac;
}

bool vnet_link_up(void)
{
	return vn.link_up;
}

void vnet_feature_names(uint64_t f, char *buf, size_t size)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
	    {VIRTIO_F_VERSION_1, "VERSION_1"},
	    {VIRTIO_NET_F_MAC, "MAC"},
	    {VIRTIO_NET_F_STATUS, "STATUS"},
	    {VIRTIO_F_RING_EVENT_IDX, "EVENT_IDX"},
	};
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (f & VIRTIO_BIT(names[i].bit) && n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s%s",
					      n ? " " : "", names[i].name);
}

const struct vnet_counters *vnet_counters(void)
{
	return &vn.c;
}
