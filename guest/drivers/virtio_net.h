/* SPDX-License-Identifier: MIT */
/*
 * virtio_net.h: the guest's virtio-net driver (chapter 8; the contract
 * is include/abi/virtio.h, the specification's 2.7 and 5.1).
 *
 * Two split virtqueues in static, page-aligned guest memory: receive
 * (queue 0), kept full of empty buffers the device writes frames into,
 * and transmit (queue 1), one descriptor per frame (the 12-byte virtio
 * header and the frame in one buffer).  The guest runs on an identity
 * map, so a buffer's address is also the guest-physical address the
 * device is given.
 *
 * The costs the chapter counts are here: a notification (QueueNotify)
 * is an exit, an interrupt is an injection and its acknowledgement an
 * exit.  With RING_EVENT_IDX both sides say which index they want to
 * hear about next, and most of both are suppressed in a burst.
 *
 * One device per guest; the functions are not reentrant, and all but
 * vnet_interrupt() run outside interrupt handlers.
 */
#ifndef GUEST_VIRTIO_NET_H
#define GUEST_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio_mmio.h"

#define VNET_QUEUE_SIZE 256 /* entries per queue (less if the device says) */
#define VNET_TX_BUFS	128 /* transmit buffers: frames in flight at most */

/* The features the driver asks for (it needs VERSION_1 only). */
#define VNET_FEATURES                                                          \
	(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_NET_F_MAC) |       \
	 VIRTIO_BIT(VIRTIO_NET_F_STATUS) |                                     \
	 VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX))

struct vnet_counters {
	unsigned long rx_frames, rx_bad;  /* bad: a used entry out of range */
	unsigned long tx_frames, tx_full; /* full: no buffer came free */
	unsigned long notify_sent;	  /* QueueNotify writes: exits */
	unsigned long notify_suppressed;  /* batches the device did not want */
	unsigned long interrupts, config_changes, resets;
};

/*
 * Bring up the device d (probed, virtio_mmio_probe()): negotiate
 * VNET_FEATURES, set up both queues, fill the receive queue, DRIVER_OK.
 * Also how a device that needs a reset is brought back.  0, or -1 after
 * printing why.
 */
int vnet_init(struct virtio_mmio *d);

/* The MAC address (the device's with NET_F_MAC, else ABI_NET_MAC). */
const uint8_t *vnet_mac(void);
/* Link status (NET_F_STATUS), as last read; up without the feature. */
bool vnet_link_up(void);
/* "VERSION_1 MAC STATUS EVENT_IDX" for features f, into buf. */
void vnet_feature_names(uint64_t f, char *buf, size_t size);

/*
 * The interrupt handler's part: read and acknowledge InterruptStatus (so
 * the level-triggered line drops before the EOI), count, note what to
 * do.  The rings themselves are left to vnet_poll().
 */
void vnet_interrupt(void);

/* Is there work for vnet_poll() (call with interrupts off, before HLT)? */
bool vnet_pending(void);

/*
 * Hand every received frame (without the virtio header) to deliver(),
 * giving each buffer back to the device afterwards; reclaim sent
 * buffers; deal with a configuration change (link status, or a device
 * that needs a reset: it is set up again).  Returns the frames
 * delivered.  deliver() may call vnet_send().
 */
unsigned vnet_poll(void (*deliver)(void *ctx, const void *frame, size_t len),
		   void *ctx);

/*
 * Queue one Ethernet frame (at most VIRTIO_NET_FRAME_MAX bytes) for
 * transmission, and notify the device if it wants to hear.  0, or -1 if
 * the frame is too long or no transmit buffer came free (tx_full).
 */
int vnet_send(const void *frame, size_t len);

const struct vnet_counters *vnet_counters(void);

#endif
