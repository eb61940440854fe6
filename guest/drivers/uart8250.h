/* SPDX-License-Identifier: MIT */
/*
 * uart8250.h: a polled driver for an 8250-family UART (chapter 4 on).
 *
 * The console of chapters 1-3 wrote bytes to the transmit register and
 * hoped.  A driver for real hardware cannot: the chip may still be
 * sending the last byte, and received bytes wait in the chip until read.
 * So this driver does what Linux's 8250 early console does: before each
 * byte it polls the line status register (LSR) until the transmit
 * holding register is empty, and it reads received bytes only when LSR
 * says one is ready.  Under a VMM every one of those INs and OUTs is an
 * exit: that is the cost chapter 4 measures.
 *
 * With the FIFOs on, THRE means "the 16-byte transmit FIFO is empty", so
 * uart_write() can send up to 16 bytes per poll instead of one.
 */
#ifndef GUEST_UART8250_H
#define GUEST_UART8250_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct uart {
	uint16_t port;	  /* base I/O port: 0x3f8 for COM1 */
	bool burst;	  /* uart_write(): fill the FIFO per THRE poll */
	unsigned long io; /* port accesses so far: each one was an exit */
};

/*
 * Check that a UART answers at `port`: its scratch register keeps a
 * value, and in loopback mode a byte sent comes back and the modem
 * outputs show up as inputs.  0, or -1 if anything is wrong.  Leaves
 * the UART out of loopback.
 */
int uart_probe(struct uart *u, uint16_t port);

/*
 * Program the UART for polled use: no interrupts, `baud` through the
 * divisor latch, 8 data bits, no parity, 1 stop bit, FIFOs on and
 * cleared, DTR and RTS up.  burst is on.
 */
void uart_init(struct uart *u, uint16_t port, unsigned baud);

/* Set the divisor latch for `baud` (115200 / baud, at least 1). */
void uart_set_baud(struct uart *u, unsigned baud);

/* Wait for THRE, then send one byte: two port accesses. */
void uart_putc(struct uart *u, char c);
/* Send `len` bytes: in bursts of 16 per THRE poll if u->burst is set. */
void uart_write(struct uart *u, const char *buf, size_t len);
void uart_puts(struct uart *u, const char *s);
/* printf to the UART (at most 255 bytes per call). */
int uart_printf(struct uart *u, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A received byte, or -1 if none is waiting. */
int uart_poll(struct uart *u);
/*
 * Wait for a received byte.  -1 when none can come any more: the line
 * hung up (MSR.DCD is off) and nothing is left in the receiver.
 */
int uart_getc(struct uart *u);

/* One register, as the hardware answers (for the monitor's `regs`). */
uint8_t uart_reg(struct uart *u, unsigned offset);
/* Write one (chapter 6's interrupt-driven driver builds on these two). */
void uart_set_reg(struct uart *u, unsigned offset, uint8_t value);

#endif
