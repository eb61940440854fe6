/* SPDX-License-Identifier: MIT */
/*
 * drivertest: the grading guest of ch04-uart-driver (the labs).
 *
 * It calls the polled driver of guest/drivers/uart8250.c, and nothing
 * else: no probe and no init, which use no exercise and which the slow
 * UART of the grading VMM (slowuart.c) does not pretend to pass.  The
 * VMM says which test to run in RDI, the argument of guest_main():
 *
 *   1  uart_putc() of one line
 *   2  uart_write() of 130 bytes, burst off: one byte per THRE
 *   3  the same with burst on: up to 16 bytes per THRE
 *   4  echo what arrives (uart_getc(), uart_putc()) until the line hangs
 *      up, then say so
 *   5  uart_poll() before anything arrived, then until a byte does
 *
 * The verdict is the VMM's: what arrived on its line, and the rules the
 * driver broke on the way.  The guest returns 0 (the boot stub writes it
 * to the debug-exit port), or 1 for an unknown test.
 */
#include "abi/machine.h"
#include "printf.h"
#include "uart8250.h"

#define PATTERN                                                                \
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/"

int guest_main(unsigned long test)
{
	static const char text[] = PATTERN "\n" PATTERN "\n";
	struct uart u = {.port = ABI_PORT_COM1};
	char line[64];
	int c, first;

	switch (test) {
	case 1:
		for (const char *p = "putc: one byte at a time\n"; *p; p++)
			uart_putc(&u, *p);
		return 0;
	case 2:
	case 3:
		u.burst = test == 3;
		uart_write(&u, text, sizeof(text) - 1);
		return 0;
	case 4:
		while ((c = uart_getc(&u)) >= 0)
			uart_putc(&u, (char)c);
		uart_puts(&u, "[the line hung up]\n");
		return 0;
	case 5:
		first = uart_poll(&u);
		while ((c = uart_poll(&u)) < 0)
			;
		snprintf(line, sizeof(line), "poll: %d, then '%c'\n", first, c);
		uart_puts(&u, line);
		return 0;
	}
	return 1;
}
