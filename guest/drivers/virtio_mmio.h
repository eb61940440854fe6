/* SPDX-License-Identifier: MIT */
/*
 * virtio_mmio.h: the guest's side of the virtio-mmio transport (chapter
 * 8; the contract is include/abi/virtio.h, the specification's 4.2).
 *
 * A virtio device on MMIO is a page of 32-bit registers plus the
 * device's own configuration space at offset 0x100.  This file knows
 * the transport only: finding the page in the device tree, the status
 * handshake and feature negotiation, telling the device where a queue
 * lives, notifying it, and taking its interrupts.  What a queue holds is
 * the device driver's business (virtio_net.c).
 *
 * Every register access is one MMIO exit to the VMM: the driver touches
 * them at setup, for a notification, and once per interrupt.
 */
#ifndef GUEST_VIRTIO_MMIO_H
#define GUEST_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/virtio.h"

struct virtio_mmio {
	volatile uint8_t *regs; /* the mapped page (identity: == phys) */
	uint64_t phys, size;	/* from the node's reg */
	unsigned irq;		/* from its interrupts */
	uint32_t device_id, vendor_id;
	uint64_t features; /* what was negotiated */
};

/*
 * Find the next node compatible with "virtio,mmio" after node `prev`
 * (-1: the first) in the device tree `fdt`, and fill d->phys, size and
 * irq from its reg and interrupts.  Returns the node, or -1 if there is
 * none (more), or -2 if the node has no usable reg or interrupts.
 */
int virtio_mmio_find(const void *fdt, int prev, struct virtio_mmio *d);

/*
 * Map the registers (ioremap) and check MagicValue, Version (2: virtio
 * 1.x, not legacy) and DeviceID (`device_id`; 0 means "an empty slot").
 * 0, or -1 after printing what is wrong.
 */
int virtio_mmio_probe(struct virtio_mmio *d, uint32_t device_id);

static inline uint32_t virtio_mmio_read(const struct virtio_mmio *d,
					unsigned off)
{
	return *(volatile uint32_t *)(d->regs + off);
}

static inline void virtio_mmio_write(const struct virtio_mmio *d, unsigned off,
				     uint32_t v)
{
	*(volatile uint32_t *)(d->regs + off) = v;
}

/*
 * Steps 1-5 of the initialisation (abi/virtio.h): reset, ACKNOWLEDGE,
 * DRIVER, read the 64 feature bits, offer `wanted` & offered (which must
 * include VERSION_1), FEATURES_OK and read it back.  d->features is the
 * result.  0, or -1 after printing why (FAILED is then set).
 */
int virtio_mmio_negotiate(struct virtio_mmio *d, uint64_t wanted);

/* QueueNumMax of queue q: 0 if the device has no such queue. */
unsigned virtio_mmio_queue_max(struct virtio_mmio *d, unsigned q);

/*
 * Step 6 for queue q: QueueNum = num, the descriptor table, available
 * (driver) and used (device) rings' guest-physical addresses, then
 * QueueReady.  0, or -1 if the queue was already live.
 */
int virtio_mmio_setup_queue(struct virtio_mmio *d, unsigned q, unsigned num,
			    uint64_t desc, uint64_t driver, uint64_t device);

/* Step 7: DRIVER_OK.  Then the device may use the queues. */
void virtio_mmio_driver_ok(struct virtio_mmio *d);

/* Status = FAILED: the driver gives up on the device. */
void virtio_mmio_fail(struct virtio_mmio *d);

/*
 * Read `len` bytes at `off` of the device's configuration space, with
 * the access width the field has (1, 2 or 4 bytes at once; other lengths
 * byte by byte), and again until ConfigGeneration is the same before
 * and after: a field that changed in between is never read half old.
 */
void virtio_mmio_config(struct virtio_mmio *d, unsigned off, void *buf,
			size_t len);

/*
 * Has the device set DEVICE_NEEDS_RESET?  If so, print that it has
 * (with the status), naming `who`, and return true: the device does
 * nothing until it is reset and set up again.
 */
bool virtio_mmio_needs_reset(struct virtio_mmio *d, const char *who);

/* QueueNotify: "queue q has new available buffers". */
static inline void virtio_mmio_notify(struct virtio_mmio *d, unsigned q)
{
	virtio_mmio_write(d, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

/*
 * Read InterruptStatus and acknowledge those bits (InterruptACK): the
 * device drops its (level-triggered) line.  Returns the bits,
 * VIRTIO_MMIO_INT_VRING and/or VIRTIO_MMIO_INT_CONFIG.
 */
uint32_t virtio_mmio_interrupt(struct virtio_mmio *d);

#endif
