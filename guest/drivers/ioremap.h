/* SPDX-License-Identifier: MIT */
/*
 * ioremap.h: give a device's registers a virtual address (chapter 5 on).
 *
 * In long mode every load and store goes through the page tables, and
 * the tables the VMM built map RAM only: a device in the MMIO hole has
 * no virtual address until someone maps it.  An operating system does
 * that when a driver asks (Linux's ioremap()), with caching off, because
 * a device register must be read from the device every time, never from
 * a cached copy.
 */
#ifndef GUEST_IOREMAP_H
#define GUEST_IOREMAP_H

#include <stdint.h>

/*
 * Map [phys, phys + len) at the same virtual address, 4 KiB pages,
 * writable, cache disabled (PCD and PWT), and return it.  NULL if the
 * range is not canonical, overlaps a large page (RAM), or the driver ran
 * out of page-table frames.  Mapping a page twice is harmless.
 */
volatile void *ioremap(uint64_t phys, uint64_t len);

#endif
