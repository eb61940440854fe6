/* SPDX-License-Identifier: MIT */
/*
 * pit8254.c: a periodic tick from the 8254's channel 0 (chapter 6; see
 * pit8254.h).  Command byte layout: Intel 82C54 data sheet, "Control
 * Word Format".
 */
#include "pit8254.h"
#include "io.h"

#define PIT_CH0	       0x40
#define PIT_CMD	       0x43
#define PIT_SEL0       0x00 /* bits 7-6: channel 0 */
#define PIT_LOHI       0x30 /* bits 5-4: divisor low byte, then high */
#define PIT_MODE2      0x04 /* bits 3-1: mode 2, rate generator */
#define PIT_MAX_DIVIDE 65536

unsigned long pit_start(unsigned hz)
{
	unsigned long divisor = PIT_HZ / (hz ? hz : 1);

	if (divisor > PIT_MAX_DIVIDE)
		divisor = PIT_MAX_DIVIDE;
	if (divisor < 2)
		divisor = 2;
	outb(PIT_CMD, PIT_SEL0 | PIT_LOHI | PIT_MODE2);
	/* A divisor of 65536 is written as 0. */
	outb(PIT_CH0, (uint8_t)(divisor & 0xff));
	outb(PIT_CH0, (uint8_t)((divisor >> 8) & 0xff));
	return (unsigned long)PIT_HZ * 1000 / divisor;
}
