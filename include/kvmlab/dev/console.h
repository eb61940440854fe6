/* SPDX-License-Identifier: MIT */
/*
 * console: the output-only stand-in for COM1 that chapters 1-3 use.  Each
 * byte OUT to the transmit register (port 0x3f8) is written to stdout: one
 * exit per byte, which chapter 4 measures and chapter 7 cuts.  Chapter 4
 * replaces it with a full 8250 model at the same ports.
 */
#ifndef KVMLAB_DEV_CONSOLE_H
#define KVMLAB_DEV_CONSOLE_H

#include <stdio.h>

#include "kvmlab/dev/bus.h"

struct console {
	FILE *out;
	unsigned long bytes; /* bytes the guest printed */
};

/* Register on `pio` at ABI_PORT_COM1.  0 or bus_register's error. */
int console_register(struct console *c, struct bus *pio, FILE *out);

#endif
