/* SPDX-License-Identifier: MIT */
/*
 * net: the virtio-net device (virtio 1.2, 5.1) on the virtio-mmio
 * transport, for chapter 8.
 *
 * It offers VERSION_1, NET_F_MAC, NET_F_STATUS and, unless told not to,
 * RING_EVENT_IDX; no offloads, so every frame is whole and summed.
 * Queue 0 receives, queue 1 transmits, 256 entries each.  Every frame,
 * both ways, carries the 12-byte virtio_net_hdr, which is also what a
 * TAP with IFF_VNET_HDR takes and gives: frames cross unchanged.
 *
 * The host side is a backend of function pointers, not a TAP, so the
 * unit tests and the fuzzer drive the device with no network at all
 * (chapter 8's main plugs net/tap.h in).
 *
 * Threads: the transport's lock (mmio.h) covers everything here.  TX
 * runs where the kick arrives (vCPU thread or I/O thread); RX runs on
 * the thread that calls virtio_net_rx(), the I/O thread in chapter 8.
 * The backend's functions are called with the lock held and must not
 * call back into the device; rx_room() should only wake the I/O thread.
 */
#ifndef KVMLAB_VIRTIO_NET_H
#define KVMLAB_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "abi/virtio.h"
#include "kvmlab/base/memory.h"
#include "kvmlab/dev/board.h"
#include "kvmlab/dev/irqline.h"
#include "kvmlab/virtio/mmio.h"

#define VIRTIO_NET_QUEUE_SIZE 256
/* Room for any frame a backend hands over, to tell oversize ones. */
#define VIRTIO_NET_BOUNCE     (VIRTIO_NET_HDR_LEN + 65536)

struct virtio_net_backend {
	/* One frame, its header first: bytes sent, or -errno. */
	ssize_t (*send)(void *opaque, const struct iovec *iov, int iovcnt);
	/* One frame with its header into buf: its length, or -EAGAIN
	 * when none waits (or another -errno). */
	ssize_t (*recv)(void *opaque, void *buf, size_t len);
	/* Optional (--pcap): every frame moved, without the header; dir 0
	 * to the guest, 1 from it. */
	void (*frame)(void *opaque, int dir, const void *eth, size_t len);
	/* Optional: the guest added RX buffers after the device ran out;
	 * reading the backend makes sense again (virtio_net_rx_want()). */
	void (*rx_room)(void *opaque);
	void *opaque;
};

struct virtio_net {
	struct virtio_mmio mmio; /* first: the transport and its lock */
	struct virtio_dev_ops ops;
	struct virtio_net_backend be;
	uint8_t config[VIRTIO_NET_CONFIG_LEN]; /* mac, status */
	/* A frame read from the backend that waits for an RX buffer. */
	size_t held;
	bool held_counted;
	uint8_t bounce[VIRTIO_NET_BOUNCE];
	uint8_t txcopy[VIRTIO_NET_FRAME_MAX]; /* the frame sent, copied once */

	/* Counters, for --stats and the tests. */
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes; /* bytes: frames */
	uint64_t rx_waits;  /* a frame found no RX buffer and waited */
	uint64_t rx_small;  /* dropped: larger than the guest's buffer */
	uint64_t rx_bad;    /* dropped: shorter than the header, or
				larger than VIRTIO_NET_FRAME_MAX */
	uint64_t rx_reset;  /* dropped: waiting when the driver reset */
	uint64_t rx_errors; /* recv() failed (not -EAGAIN) */
	uint64_t tx_short;  /* dropped: less than the 12-byte header */
	uint64_t tx_size;   /* dropped: a frame of 0 or > FRAME_MAX bytes */
	uint64_t tx_bad;    /* dropped: writable buffers, or offloads */
	uint64_t tx_errors; /* send() failed */
	uint64_t rx_rooms;  /* rx_room() calls */
};

/*
 * A reset device with MAC `mac`, link up, interrupts to `irq`, frames
 * through `be` (copied).  event_idx false: RING_EVENT_IDX not offered
 * (--no-event-idx).  0, or virtio_mmio_init()'s error.
 */
int virtio_net_init(struct virtio_net *n, const struct guest_mem *mem,
		    const uint8_t mac[6], bool event_idx,
		    const struct virtio_net_backend *be, struct irq_line irq);

/* Register as virtio device number `index` (virtio_mmio_register()). */
int virtio_net_register(struct virtio_net *n, const struct board *b,
			unsigned index);

/*
 * The backend is readable: move frames to the guest while one can be
 * read and an RX buffer is free, then one interrupt decision for the
 * batch.  A frame with no buffer waits in the device (counted in
 * rx_waits) and the backend is not read again until the guest adds
 * buffers (rx_room()).  Takes the lock.
 */
void virtio_net_rx(struct virtio_net *n);

/*
 * Whether reading the backend makes sense now: the device is live and
 * no frame waits for a buffer, or buffers are free.  The I/O thread
 * polls the backend only when it does.  Takes the lock.
 */
bool virtio_net_rx_want(struct virtio_net *n);

/* A kick from an ioeventfd (virtio_mmio_kick()).  Takes the lock. */
void virtio_net_kick(struct virtio_net *n, unsigned queue);

/*
 * For --stats, a few lines, such as
 *   "virtio-net: rx 20 frames (1960 bytes), tx 20 frames (1960 bytes)"
 *   "virtio-net: rx buffers exhausted: 0 frames waited; dropped: rx 0
 *    too large for the buffer, 0 malformed, 0 at reset; tx 0 short, 0
 *    of bad size, 0 bad chains, 0 send errors"
 *   "virtio-net: kicks rx 3 tx 20; interrupts 23 raised, 17 suppressed
 *    (EVENT_IDX); 0 bad rings, 0 driver errors, 1 reset"
 */
void virtio_net_print_stats(struct virtio_net *n, FILE *out);

/* Release the transport's lock. */
void virtio_net_close(struct virtio_net *n);

#endif
