/* SPDX-License-Identifier: MIT */
/*
 * kvmirq: a device's interrupt line wired into KVM's irqchip (chapter 6).
 *
 * Two ways, the two steps of the lesson:
 *
 *   KVM_IRQ_LINE  the device's thread calls an ioctl on the VM each time
 *                 the line changes.  Simple, and exactly the level the
 *                 device drives: asserted, then deasserted.
 *
 *   irqfd         KVM_IRQFD ties an eventfd to the line: writing to it
 *                 asserts the line from any thread (or from another
 *                 kernel module) without an ioctl.  An eventfd carries
 *                 edges, not levels, so for a level-triggered line KVM
 *                 adds a resample eventfd (KVM_IRQFD_FLAG_RESAMPLE): KVM
 *                 deasserts the line when the guest acknowledges the
 *                 interrupt (its EOI) and signals the resample fd; the
 *                 VMM asserts it again if the device still wants it.
 *
 * Either way the device sees a struct irq_line (dev/irqline.h).
 */
#ifndef KVMLAB_IRQ_KVMIRQ_H
#define KVMLAB_IRQ_KVMIRQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "kvmlab/dev/irqline.h"
#include "kvmlab/irq/iothread.h"
#include "kvmlab/kvm/vm.h"

enum kvmirq_mode { KVMIRQ_LINE, KVMIRQ_IRQFD };

struct kvmirq {
	struct vm *vm;
	unsigned gsi;
	enum kvmirq_mode mode;
	int irqfd, resamplefd; /* KVMIRQ_IRQFD; -1 otherwise */
	pthread_mutex_t lock;  /* level: the device's and the resampler's */
	bool level;	       /* what the device drives now */
	/* For --stats and the lesson. */
	uint64_t raised;     /* the line went from low to high */
	uint64_t resampled;  /* resample events (KVMIRQ_IRQFD) */
	uint64_t reasserted; /* ... after which the line was still high */
};

/*
 * Wire line `gsi` of vm for a device.  KVMIRQ_IRQFD also creates the two
 * eventfds, registers them with KVM_IRQFD and adds the resample fd to
 * `io` (which must not be started yet); where the KVM lacks
 * KVM_CAP_IRQFD_RESAMPLE it says so and falls back to KVMIRQ_LINE.
 * 0, or -errno after saying what failed.
 */
int kvmirq_init(struct kvmirq *k, struct vm *vm, unsigned gsi,
		enum kvmirq_mode mode, struct iothread *io);

/* The line, for the device's struct irq_line. */
struct irq_line kvmirq_line(struct kvmirq *k);

/* Unregister the irqfd (KVM_IRQFD_FLAG_DEASSIGN) and close the fds. */
void kvmirq_close(struct kvmirq *k);

/* "irqfd+resample" or "KVM_IRQ_LINE". */
const char *kvmirq_mode_name(enum kvmirq_mode mode);

/* --stats: how the line is wired and what it did. */
void kvmirq_print_stats(const struct kvmirq *k, FILE *out);

#endif
