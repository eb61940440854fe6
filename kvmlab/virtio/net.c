/* SPDX-License-Identifier: MIT */
/*
 * net: the virtio-net device's data path (chapter 8; see net.h).
 *
 * TX pops every chain the driver offers, checks it and gathers it into
 * one send(); RX reads one frame at a time and copies it into the next
 * RX chain.  A frame that does not fit anywhere is dropped and counted,
 * never cut: a cut frame would reach the guest's stack as a bad one.
 * A frame the guest gave no buffer for waits, counted, until it does.
 *
 * Notifications: each batch ends with one interrupt decision
 * (virtio_mmio_used()) and, before the device stops looking, kicks
 * enabled again with a second look at the ring (vq_enable_kicks()):
 * the driver may have added a buffer just before it saw kicks wanted.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "kvmlab/base/log.h"
#include "kvmlab/virtio/net.h"

static struct virtio_mmio *tr(struct virtio_net *n)
{
	return &n->mmio;
}

static struct virtqueue *queue(struct virtio_net *n, unsigned i)
{
	return &n->mmio.vq[i];
}

/*
 * One TX chain, checked, then copied out of guest RAM once: what is sent
 * and what --pcap records are the same bytes, whatever the guest writes
 * into its buffer meanwhile.  Nothing was negotiated that the header
 * could ask for (5.1.6.2): a checksum to fill in (NEEDS_CSUM) or GSO is
 * refused; flag bits the device does not know it must ignore; the other
 * fields are only hints.  So the TAP gets a header of zeros.
 */
static void tx_one(struct virtio_net *n, const struct vq_chain *c)
{
	const struct virtio_net_hdr zero = {0};
	struct virtio_net_hdr h;
	struct iovec iov[2];
	size_t flen;

	if (c->writable) {
		n->tx_bad++;
		return;
	}
	if (c->readable < VIRTIO_NET_HDR_LEN) {
		n->tx_short++;
		return;
	}
	flen = c->readable - VIRTIO_NET_HDR_LEN;
	if (flen == 0 || flen > VIRTIO_NET_FRAME_MAX) {
		n->tx_size++;
		return;
	}
	vq_chain_read(c, 0, &h, sizeof(h));
	if ((h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) ||
	    h.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		n->tx_bad++;
		return;
	}
	vq_chain_read(c, VIRTIO_NET_HDR_LEN, n->txcopy, flen);
	iov[0] = (struct iovec){(void *)&zero, sizeof(zero)};
	iov[1] = (struct iovec){n->txcopy, flen};
	if (n->be.send(n->be.opaque, iov, 2) < 0) {
		n->tx_errors++;
		return;
	}
	n->tx_frames++;
	n->tx_bytes += flen;
	if (n->be.frame)
		n->be.frame(n->be.opaque, 1, n->txcopy, flen);
}

static void tx(struct virtio_net *n)
{
	struct virtqueue *q = queue(n, VIRTIO_NET_TXQ);
	struct vq_chain c;
	bool pushed = false;
	int r;

	do {
		vq_disable_kicks(q);
		while ((r = vq_pop(q, &c)) > 0) {
			tx_one(n, &c);
			vq_push(q, &c, 0);
			pushed = true;
		}
	} while (r == 0 && vq_enable_kicks(q));
	if (pushed)
		virtio_mmio_used(tr(n), VIRTIO_NET_TXQ);
	if (r < 0)
		virtio_mmio_fail(tr(n), NULL); /* virtqueue.c said why */
}

/* Read the next frame into the bounce buffer, if none is held.  false:
 * nothing to deliver (no frame, or a bad one dropped: look again). */
static bool fetch(struct virtio_net *n, bool *again)
{
	ssize_t len;

	*again = false;
	if (n->held)
		return true;
	len = n->be.recv(n->be.opaque, n->bounce, sizeof(n->bounce));
	if (len < 0) {
		if (len != -EAGAIN)
			n->rx_errors++;
		return false;
	}
	if ((size_t)len < VIRTIO_NET_HDR_LEN + 1 ||
	    (size_t)len > VIRTIO_NET_HDR_LEN + VIRTIO_NET_FRAME_MAX) {
		n->rx_bad++;
		*again = true;
		return false;
	}
	n->held = (size_t)len;
	n->held_counted = false;
	return true;
}

/* Deliver frames while there are frames and buffers.  Whether any
 * used entry was written goes to *pushed. */
static void rx_batch(struct virtio_net *n, bool *pushed)
{
	struct virtqueue *q = queue(n, VIRTIO_NET_RXQ);
	struct vq_chain c;
	bool again;
	int r;

	while (virtio_mmio_queue_live(tr(n), VIRTIO_NET_RXQ)) {
		if (!fetch(n, &again)) {
			if (again)
				continue;
			return;
		}
		r = vq_pop(q, &c);
		if (r < 0)
			return virtio_mmio_fail(tr(n), NULL);
		if (r == 0) {
			/* Out of buffers: kicks wanted, then look again. */
			if (vq_enable_kicks(q))
				continue;
			if (!n->held_counted)
				n->rx_waits++;
			n->held_counted = true;
			return;
		}
		if (c.writable < n->held) {
			n->rx_small++;
			n->held = 0;
			vq_unpop(q); /* the buffer may fit the next frame */
			continue;
		}
		/* The header the guest sees: no GUEST_CSUM and no GSO were
		 * negotiated, so flags and gso_type must be 0 (5.1.6.4.1),
		 * though the TAP may have set DATA_VALID; num_buffers = 1:
		 * without MRG_RXBUF a frame is one chain. */
		memset(n->bounce, 0, VIRTIO_NET_HDR_LEN);
		n->bounce[10] = 1;
		vq_chain_write(&c, 0, n->bounce, n->held);
		vq_push(q, &c, (uint32_t)n->held);
		*pushed = true;
		n->rx_frames++;
		n->rx_bytes += n->held - VIRTIO_NET_HDR_LEN;
		if (n->be.frame)
			n->be.frame(n->be.opaque, 0,
				    n->bounce + VIRTIO_NET_HDR_LEN,
				    n->held - VIRTIO_NET_HDR_LEN);
		n->held = 0;
	}
}

void virtio_net_rx(struct virtio_net *n)
{
	bool pushed = false;

	virtio_mmio_lock(tr(n));
	rx_batch(n, &pushed);
	if (pushed)
		virtio_mmio_used(tr(n), VIRTIO_NET_RXQ);
	virtio_mmio_unlock(tr(n));
}

bool virtio_net_rx_want(struct virtio_net *n)
{
	bool want;

	virtio_mmio_lock(tr(n));
	want = virtio_mmio_queue_live(tr(n), VIRTIO_NET_RXQ) &&
	       (!n->held || vq_pending(queue(n, VIRTIO_NET_RXQ)));
	virtio_mmio_unlock(tr(n));
	return want;
}

void virtio_net_kick(struct virtio_net *n, unsigned q)
{
	virtio_mmio_kick(tr(n), q);
}

/* ---- The transport's ops ------------------------------------------- */

static void net_reset(void *opaque)
{
	struct virtio_net *n = opaque;

	if (n->held)
		n->rx_reset++;
	n->held = 0;
}

static void net_notify(void *opaque, unsigned q)
{
	struct virtio_net *n = opaque;

	if (q == VIRTIO_NET_TXQ) {
		tx(n);
	} else if (q == VIRTIO_NET_RXQ && n->be.rx_room) {
		n->rx_rooms++;
		n->be.rx_room(n->be.opaque);
	}
}

static uint32_t net_config_read(void *opaque, uint32_t off, unsigned size)
{
	const struct virtio_net *n = opaque;
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)n->config[off + i] << (8 * i);
	return v;
}

int virtio_net_init(struct virtio_net *n, const struct guest_mem *mem,
		    const uint8_t mac[6], bool event_idx,
		    const struct virtio_net_backend *be, struct irq_line irq)
{
	memset(n, 0, sizeof(*n));
	n->be = *be;
	memcpy(n->config + VIRTIO_NET_CONFIG_MAC, mac, 6);
	n->config[VIRTIO_NET_CONFIG_STATUS] = VIRTIO_NET_S_LINK_UP;
	n->ops = (struct virtio_dev_ops){
	    .name = "virtio-net",
	    .device_id = VIRTIO_ID_NET,
	    .features = VIRTIO_BIT(VIRTIO_F_VERSION_1) |
			VIRTIO_BIT(VIRTIO_NET_F_MAC) |
			VIRTIO_BIT(VIRTIO_NET_F_STATUS) |
			(event_idx ? VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX) : 0),
	    .nqueues = 2,
	    .queue_max = VIRTIO_NET_QUEUE_SIZE,
	    .config_len = VIRTIO_NET_CONFIG_LEN,
	    .reset = net_reset,
	    .notify = net_notify,
	    .config_read = net_config_read,
	};
	return virtio_mmio_init(&n->mmio, mem, &n->ops, n, irq);
}

int virtio_net_register(struct virtio_net *n, const struct board *b,
			unsigned index)
{
	return virtio_mmio_register(&n->mmio, b, index);
}

void virtio_net_print_stats(struct virtio_net *n, FILE *out)
{
	struct virtio_mmio *t = tr(n);
	uint64_t breaks = 0;

	virtio_mmio_lock(t);
	for (unsigned i = 0; i < n->ops.nqueues; i++)
		breaks += t->vq[i].breaks;
	fprintf(out,
		"virtio-net: rx %" PRIu64 " frames (%" PRIu64
		" bytes), tx %" PRIu64 " frames (%" PRIu64 " bytes)\n",
		n->rx_frames, n->rx_bytes, n->tx_frames, n->tx_bytes);
	fprintf(out,
		"virtio-net: rx buffers exhausted: %" PRIu64
		" frames waited; dropped: rx %" PRIu64
		" too large for the buffer, %" PRIu64 " malformed, %" PRIu64
		" at reset, %" PRIu64 " read errors; tx %" PRIu64
		" short, %" PRIu64 " of bad size, %" PRIu64
		" bad chains, %" PRIu64 " send errors\n",
		n->rx_waits, n->rx_small, n->rx_bad, n->rx_reset, n->rx_errors,
		n->tx_short, n->tx_size, n->tx_bad, n->tx_errors);
	fprintf(out,
		"virtio-net: kicks rx %" PRIu64 " tx %" PRIu64
		"; interrupts %" PRIu64 " raised, %" PRIu64
		" suppressed (%s); %" PRIu64 " bad rings, %" PRIu64
		" needs-reset, %" PRIu64 " resets, %" PRIu64
		" features refused\n",
		t->kicks[VIRTIO_NET_RXQ], t->kicks[VIRTIO_NET_TXQ],
		t->interrupts, t->suppressed,
		virtio_mmio_features(t) & VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX)
		    ? "EVENT_IDX"
		    : "NO_INTERRUPT",
		breaks, t->needs_reset, t->resets, t->refused);
	virtio_mmio_unlock(t);
}

void virtio_net_close(struct virtio_net *n)
{
	virtio_mmio_close(tr(n));
}
