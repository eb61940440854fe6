/* SPDX-License-Identifier: MIT */
/*
 * irqline: a device's interrupt output, as the device sees it (chapter 6).
 *
 * A device model knows when its interrupt output is asserted (for the
 * 8250: a cause is pending and MCR.OUT2 gates it through).  What the
 * line is wired to is the machine's business: KVM_IRQ_LINE, an irqfd, or
 * nothing at all in a unit test.  So a device holds one of these and
 * calls irq_line_set() whenever its output changes; the chapter's main
 * connects it (kvmlab/irq/kvmirq.h) before the guest runs.
 */
#ifndef KVMLAB_DEV_IRQLINE_H
#define KVMLAB_DEV_IRQLINE_H

#include <stdbool.h>
#include <stddef.h>

struct irq_line {
	/* Drive the line: true = asserted.  NULL: not connected. */
	void (*set)(void *opaque, bool level);
	void *opaque;
};

/* Drive `line` to `level`, if it is connected to anything. */
static inline void irq_line_set(const struct irq_line *line, bool level)
{
	if (line->set)
		line->set(line->opaque, level);
}

#endif
