/* SPDX-License-Identifier: MIT */
/*
 * pit8254.h: the PC's 8254 programmable interval timer (chapter 6).
 *
 * Channel 0 counts down from a divisor at 1.193182 MHz and, in mode 2
 * (rate generator), pulses IRQ 0 each time it wraps: a periodic tick.
 * Under KVM_CREATE_PIT2 the timer is KVM's, in the kernel: programming it
 * and every tick it delivers cost the VMM nothing.
 */
#ifndef GUEST_PIT8254_H
#define GUEST_PIT8254_H

#define PIT_HZ	1193182 /* the input clock, Hz */
#define PIT_IRQ 0

/*
 * Channel 0, mode 2, at `hz` (19 to PIT_HZ): divisor PIT_HZ / hz.
 * Returns the rate the divisor really gives, in millihertz.
 */
unsigned long pit_start(unsigned hz);

#endif
