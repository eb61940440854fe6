/* SPDX-License-Identifier: MIT */
/*
 * uart_irq.h: an interrupt-driven driver for the 8250 (chapter 6).
 *
 * Chapter 4's driver polled: it asked LSR before every byte it sent and
 * kept asking while it waited for one to arrive, an exit per question.
 * This one lets the UART say when: IER enables the "received data" and
 * "THR empty" interrupts (and "modem status", to hear the line hang up),
 * MCR.OUT2 connects the chip's interrupt output to IRQ 4 (on a PC it is
 * gated there), and the PIC delivers it on a vector.
 *
 * Received bytes go from the handler into a ring the program reads;
 * bytes to send go into a ring the handler empties, 16 at a time into
 * the transmit FIFO each time it reports THR empty.  While there is
 * nothing to do the CPU sleeps in HLT, which under KVM's in-kernel
 * irqchip costs no exit at all.
 *
 * Call uart_probe() and uart_init() (uart8250.h) first, and pic_init().
 */
#ifndef GUEST_UART_IRQ_H
#define GUEST_UART_IRQ_H

#include <stdbool.h>
#include <stddef.h>

#include "uart8250.h"

/* What the handler has seen, for the guest's `irqs` command. */
struct uart_irq_counts {
	unsigned long interrupts;	   /* handler runs */
	unsigned long rx, tx, line, modem; /* causes, by IIR */
};

/*
 * Take over `u` for interrupt-driven use on PIC line `irq`: install the
 * handler, make the line level-triggered, unmask it, enable the receive
 * and modem-status interrupts and OUT2.
 */
void uart_irq_start(struct uart *u, unsigned irq);

/* Queue `len` bytes; sleeps while the transmit ring is full. */
void uart_irq_write(const char *buf, size_t len);
void uart_irq_puts(const char *s);
int uart_irq_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Sleep until every queued byte went to the UART. */
void uart_irq_flush(void);

/* The next received byte; sleeps until one comes.  -1: the line hung up
 * and nothing is left. */
int uart_irq_getc(void);

/* Transmit up to 16 bytes per THR-empty interrupt (FIFO on) or 1. */
void uart_irq_set_fifo(bool on);

const struct uart_irq_counts *uart_irq_counts(void);

#endif
