/* SPDX-License-Identifier: MIT */
/*
 * mmio: the virtio-mmio version 2 transport (virtio 1.2, 4.2.2), for
 * chapter 8.
 *
 * A page of 32-bit registers through which the driver finds a device,
 * negotiates features, sets up its queues and kicks them; the device
 * answers with interrupts.  The transport knows nothing of what the
 * device does: it holds the device's ops (below), its queues and its
 * interrupt line, and enforces the rules of 3.1.1: features before
 * FEATURES_OK, FEATURES_OK before queues go live, DRIVER_OK last.  A
 * driver that breaks one, or a queue found broken (virtqueue.h), sets
 * DEVICE_NEEDS_RESET with a configuration interrupt and one line saying
 * what happened; the device then does nothing until Status = 0.
 *
 * Locking.  Two threads reach a device: the vCPU thread (MMIO exits,
 * through virtio_mmio_access()) and the I/O thread (kicks from an
 * ioeventfd, frames from a TAP).  One mutex per transport, `lock`, is
 * held around every register access and around all of the device's
 * work: virtio_mmio_access() and virtio_mmio_kick() take it; the
 * device's ops are called with it held; the device takes it itself
 * (virtio_mmio_lock()) for work it starts, such as receiving.  The
 * functions marked "lock held" below expect it held.  The interrupt
 * line's set() is called with it held (kvmirq takes its own lock
 * inside: the order is transport, then line).
 */
#ifndef KVMLAB_VIRTIO_MMIO_H
#define KVMLAB_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kvmlab/base/memory.h"
#include "kvmlab/dev/board.h"
#include "kvmlab/dev/bus.h"
#include "kvmlab/dev/irqline.h"
#include "kvmlab/virtio/virtqueue.h"

#define VIRTIO_MMIO_QUEUES 4 /* at most, per device */

/* What a device gives the transport.  Every op runs with the lock held. */
struct virtio_dev_ops {
	const char *name;    /* "virtio-net", for messages */
	uint32_t device_id;  /* VIRTIO_ID_* */
	uint64_t features;   /* offered: VIRTIO_BIT()s */
	unsigned nqueues;    /* <= VIRTIO_MMIO_QUEUES */
	uint16_t queue_max;  /* each queue's QueueNumMax */
	uint32_t config_len; /* bytes of its configuration space */
	/* The driver wrote Status = 0: forget everything (may be NULL). */
	void (*reset)(void *opaque);
	/* The driver kicked queue `queue` (live, not broken); also once
	 * per ready queue when DRIVER_OK is set, for buffers and kicks
	 * that came before it. */
	void (*notify)(void *opaque, unsigned queue);
	/* Configuration space, `size` 1, 2 or 4 bytes at `off` (inside
	 * config_len: checked), little-endian. */
	uint32_t (*config_read)(void *opaque, uint32_t off, unsigned size);
	void (*config_write)(void *opaque, uint32_t off, unsigned size,
			     uint32_t value); /* may be NULL: read-only */
};

struct virtio_mmio {
	const struct virtio_dev_ops *ops;
	void *opaque; /* the device, for its ops */
	struct irq_line irq;
	pthread_mutex_t lock;
	/* Register state, as 4.2.2 names it. */
	uint32_t status, int_status, config_gen;
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	uint64_t driver_features; /* as written; taken at FEATURES_OK */
	struct virtqueue vq[VIRTIO_MMIO_QUEUES];

	/* Counters, for --stats and the tests. */
	uint64_t kicks[VIRTIO_MMIO_QUEUES]; /* QueueNotify, both ways */
	uint64_t interrupts;		    /* INT_VRING raised */
	uint64_t suppressed;		    /* ... not: the driver's wish */
	uint64_t resets;		    /* Status = 0 */
	uint64_t needs_reset;		    /* DEVICE_NEEDS_RESET set */
	uint64_t refused;		    /* FEATURES_OK refused */
	uint64_t bad_width;		    /* accesses not 4 bytes wide */
	unsigned warnings;		    /* lines logged, to stop a flood */
};

/*
 * A device behind the transport, reset, its queues not ready; its
 * interrupt goes to `irq` (may be unconnected).  `ops` and `mem` are
 * kept.  0, or -errno (the lock; nqueues too large), reported.
 */
int virtio_mmio_init(struct virtio_mmio *t, const struct guest_mem *mem,
		     const struct virtio_dev_ops *ops, void *opaque,
		     struct irq_line irq);

/*
 * Register device number n on b's MMIO bus at ABI_MMIO_VIRTIO +
 * 0x1000 * n, and in its tree as "virtio_mmio@..." (compatible
 * "virtio,mmio") with interrupts = <ABI_IRQ_VIRTIO + n>.  0 or
 * board_register()'s error.
 */
int virtio_mmio_register(struct virtio_mmio *t, const struct board *b,
			 unsigned n);

/* The bus handler: one register access (takes the lock). */
void virtio_mmio_access(void *opaque, struct bus_access *a);

/*
 * A kick that arrived another way (an ioeventfd bound to QueueNotify,
 * on the I/O thread): the same as writing `queue` to QueueNotify.
 * Takes the lock.
 */
void virtio_mmio_kick(struct virtio_mmio *t, unsigned queue);

void virtio_mmio_lock(struct virtio_mmio *t);
void virtio_mmio_unlock(struct virtio_mmio *t);

/*
 * Lock held.  Whether the device may use queue `queue`: DRIVER_OK set,
 * DEVICE_NEEDS_RESET not, the queue ready and not broken.
 */
bool virtio_mmio_queue_live(struct virtio_mmio *t, unsigned queue);

/*
 * Lock held.  Used buffers were pushed on `queue`: raise INT_VRING and
 * the line unless the driver suppressed it (vq_should_notify()).
 * Returns whether it raised.
 */
bool virtio_mmio_used(struct virtio_mmio *t, unsigned queue);

/* Lock held.  The device changed its configuration: a new generation
 * and a configuration interrupt. */
void virtio_mmio_config_changed(struct virtio_mmio *t);

/*
 * Lock held.  The driver broke a rule (or a queue broke): one line
 * (the format), DEVICE_NEEDS_RESET and a configuration interrupt.  A
 * broken queue's own line was said by virtqueue.c: pass NULL.
 */
void virtio_mmio_fail(struct virtio_mmio *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Lock held.  The features both sides agreed on (0 before FEATURES_OK). */
uint64_t virtio_mmio_features(const struct virtio_mmio *t);

/* Destroy the lock. */
void virtio_mmio_close(struct virtio_mmio *t);

#endif
