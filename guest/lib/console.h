/* SPDX-License-Identifier: MIT */
/*
 * console.h: text output through COM1 (chapter 2 on).
 *
 * The simplest console there is: write each byte to the UART's transmit
 * register (ABI_PORT_COM1) and let the VMM print it.  There is no status
 * polling: chapters 1-3 rely on the VMM taking every byte at once.
 * Chapter 4 replaces this with a driver for an emulated 8250.
 *
 * Every byte is one OUT, so one exit to the VMM: that cost is on purpose,
 * it is what chapter 7's paravirtual console is measured against.
 */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stddef.h>

void console_putc(char c);
void console_write(const char *buf, size_t len);
/* Write a NUL-terminated string as it is (unlike C's puts, no '\n' added). */
void console_puts(const char *s);

#endif
