/* SPDX-License-Identifier: MIT */
/*
 * console: chapters 1-3's output-only COM1 (see console.h).
 *
 * Only the transmit register and the line status register mean anything:
 * a byte written at offset 0 is printed, and LSR (offset 5) always reads
 * "transmitter empty", so a guest that polls before writing, as a real 8250
 * driver does, works unchanged on the full model of chapter 4.
 */
#include <stdio.h>

#include "abi/machine.h"
#include "kvmlab/dev/console.h"

#define REG_THR	 0
#define REG_LSR	 5
#define LSR_THRE 0x20 /* transmit holding register empty */
#define LSR_TEMT 0x40 /* transmitter empty */

static void console_io(void *opaque, struct bus_access *a)
{
	struct console *c = opaque;

	if (a->write) {
		if (a->offset == REG_THR) {
			fputc((int)(a->value & 0xff), c->out);
			c->bytes++;
		}
		return;
	}
	a->value = a->offset == REG_LSR ? LSR_THRE | LSR_TEMT : 0;
}

int console_register(struct console *c, struct bus *pio, FILE *out)
{
	c->out = out;
	c->bytes = 0;
	return bus_register(pio, "console", ABI_PORT_COM1, ABI_PORT_COM1_LEN,
			    console_io, c);
}
