/* SPDX-License-Identifier: MIT */
/*
 * console.c: text output through COM1 (chapter 2 on).
 *
 * See console.h for why this is one OUT (one VM exit) per byte.
 */
#include "abi/machine.h"
#include "console.h"
#include "io.h"

void console_putc(char c)
{
	/* Port COM1 + 0 is the transmit holding register (THR). */
	outb(ABI_PORT_COM1, (unsigned char)c);
}

void console_write(const char *buf, size_t len)
{
	while (len--)
		console_putc(*buf++);
}

void console_puts(const char *s)
{
	while (*s)
		console_putc(*s++);
}
