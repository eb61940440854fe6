/* SPDX-License-Identifier: MIT */
/*
 * The MMIO clock's registers: chapter 5's memory-mapped device, described
 * in the device tree as compatible "kvmlab,clock".
 *
 * It exists to make MMIO visible: every load or store a guest does in its
 * page is one KVM_EXIT_MMIO, and the device counts them, so a guest can
 * see for itself that the VMM took part in each one.  Registers are
 * little-endian; any access of 1, 2, 4 or 8 bytes at any offset in the
 * page works and reads or writes the bytes it covers.
 *
 *   offset  name      access  meaning
 *   0x00    MAGIC     r  32   ABI_CLOCK_MAGIC: "this is a kvmlab clock"
 *   0x04    VERSION   r  32   ABI_CLOCK_VERSION
 *   0x08    NOW       r  64   nanoseconds since the VM was created.  A
 *                             read that covers byte 0x08 samples the host
 *                             clock; a read of the high half (0x0c) alone
 *                             returns the last sample's high half, so two
 *                             32-bit reads, low first, are consistent.
 *   0x10    ACCESSES  r  64   accesses to this device so far, reads and
 *                             writes, the current one included
 *   0x18    SCRATCH   rw 64   holds what was written to it
 *   0x20-   (none)            reads 0, writes are ignored
 *
 * Writes to the read-only registers are ignored (and counted and logged
 * by the VMM): a driver bug should be visible, not fatal.
 */
#ifndef ABI_CLOCK_H
#define ABI_CLOCK_H

#define ABI_CLOCK_MAGIC	  0x6b6c636b /* "kclk" in memory order */
#define ABI_CLOCK_VERSION 1

#define ABI_CLOCK_MAGIC_REG   0x00
#define ABI_CLOCK_VERSION_REG 0x04
#define ABI_CLOCK_NOW	      0x08
#define ABI_CLOCK_NOW_HI      0x0c
#define ABI_CLOCK_ACCESSES    0x10
#define ABI_CLOCK_SCRATCH     0x18
#define ABI_CLOCK_REGS_END    0x20

#endif
