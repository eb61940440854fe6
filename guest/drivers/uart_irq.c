/* SPDX-License-Identifier: MIT */
/*
 * uart_irq.c: the 8250, interrupt-driven (chapter 6; see uart_irq.h).
 *
 * The rings are shared by the handler and the program.  The program
 * touches them only with interrupts off (irq_save()), and the handler
 * runs with them off (an interrupt gate clears IF), so they need no
 * other lock on this one CPU.
 */
#include <stdarg.h>

#include "cpu.h"
#include "idt.h"
#include "pic8259.h"
#include "printf.h"
#include "uart_irq.h"

/* Registers and bits (16550 data sheet). */
#define RBR	  0
#define THR	  0
#define IER	  1
#define IIR	  2
#define FCR	  2
#define MCR	  4
#define LSR	  5
#define MSR	  6
#define IER_RDI	  0x01 /* received data available */
#define IER_THRI  0x02 /* transmit holding register empty */
#define IER_MSI	  0x08 /* modem status changed */
#define IIR_NONE  0x01 /* bit 0: no interrupt pending */
#define IIR_ID	  0x0e /* the cause, bits 3-1 */
#define IIR_MSI	  0x00
#define IIR_THRI  0x02
#define IIR_RDI	  0x04
#define IIR_RLSI  0x06
#define IIR_CTI	  0x0c
#define MCR_DTR	  0x01
#define MCR_RTS	  0x02
#define MCR_OUT2  0x08
#define LSR_DR	  0x01
#define MSR_DCD	  0x80
#define FIFO_SIZE 16

#define RX_RING 256 /* powers of two: indexes wrap with a mask */
#define TX_RING 1024

static struct uart *uart;
static unsigned line;
static uint8_t ier;
static bool fifo = true;
static bool hung_up;
static uint8_t rx[RX_RING], tx[TX_RING];
static unsigned rx_head, rx_tail, tx_head, tx_tail; /* head: next write */
static struct uart_irq_counts counts;

static bool tx_empty(void)
{
	return tx_head == tx_tail;
}

/* THR is empty: refill it, or stop asking once there is nothing left. */
static void transmit(void)
{
	unsigned n = fifo ? FIFO_SIZE : 1;

	for (; n && !tx_empty(); n--)
		uart_set_reg(uart, THR, tx[tx_tail++ % TX_RING]);
	if (tx_empty() && (ier & IER_THRI)) {
		ier &= ~IER_THRI;
		uart_set_reg(uart, IER, ier);
	}
}

static void receive(void)
{
	while (uart_reg(uart, LSR) & LSR_DR) {
		uint8_t c = uart_reg(uart, RBR);

		/* A full ring drops the byte, as a full FIFO does. */
		if (rx_head - rx_tail < RX_RING)
			rx[rx_head++ % RX_RING] = c;
	}
}

/*
 * IRQ 4.  The UART may have several causes at once and shows only the
 * highest in IIR; reading IIR again after dealing with one shows the
 * next, until bit 0 says none is left.  Only then the EOI: the line is
 * level-triggered, so a cause still pending would interrupt again.
 */
static void uart_handler(struct trap_frame *f)
{
	uint8_t iir;

	(void)f;
	counts.interrupts++;
	while (!((iir = uart_reg(uart, IIR)) & IIR_NONE)) {
		switch (iir & IIR_ID) {
		case IIR_RLSI:
			counts.line++;
			uart_reg(uart, LSR); /* reading LSR clears it */
			break;
		case IIR_RDI:
		case IIR_CTI:
			counts.rx++;
			receive();
			break;
		case IIR_THRI:
			counts.tx++;
			transmit();
			break;
		default: /* IIR_MSI */
			counts.modem++;
			if (!(uart_reg(uart, MSR) & MSR_DCD))
				hung_up = true;
			break;
		}
	}
	pic_eoi(line);
}

void uart_irq_start(struct uart *u, unsigned irq)
{
	uart = u;
	line = irq;
	idt_set_handler(IDT_IRQ_BASE + irq, uart_handler);
	pic_set_level(irq);
	pic_unmask(irq);
	ier = IER_RDI | IER_MSI;
	uart_set_reg(u, IER, ier);
	/* OUT2 gates the chip's interrupt output onto the bus. */
	uart_set_reg(u, MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	/*
	 * A modem-status interrupt tells of a change; a line that was down
	 * before we looked (no input at all) never changes.  So look once.
	 */
	if (!(uart_reg(u, MSR) & MSR_DCD))
		hung_up = true;
}

/* Ask for THR-empty interrupts: with THR empty, one comes at once. */
static void start_tx(void)
{
	if (!(ier & IER_THRI)) {
		ier |= IER_THRI;
		uart_set_reg(uart, IER, ier);
	}
}

void uart_irq_write(const char *buf, size_t len)
{
	unsigned long flags = irq_save();

	for (size_t i = 0; i < len; i++) {
		while (tx_head - tx_tail >= TX_RING) {
			start_tx();
			wait_for_interrupt();
		}
		tx[tx_head++ % TX_RING] = (uint8_t)buf[i];
	}
	if (len)
		start_tx();
	irq_restore(flags);
}

void uart_irq_puts(const char *s)
{
	const char *e = s;

	while (*e)
		e++;
	uart_irq_write(s, (size_t)(e - s));
}

int uart_irq_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	uart_irq_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

void uart_irq_flush(void)
{
	unsigned long flags = irq_save();

	while (!tx_empty())
		wait_for_interrupt();
	irq_restore(flags);
}

int uart_irq_getc(void)
{
	unsigned long flags = irq_save();
	int c = -1;

	while (rx_head == rx_tail && !hung_up)
		wait_for_interrupt();
	if (rx_head != rx_tail)
		c = rx[rx_tail++ % RX_RING];
	irq_restore(flags);
	return c;
}

/*
 * Switching the FIFOs on or off empties them (16550 data sheet, FCR bit
 * 0), received bytes included.  So first RTS goes down, which stops the
 * other end sending; what already arrived is taken into the ring; then
 * the switch, and RTS up again: no byte is lost.
 */
void uart_irq_set_fifo(bool on)
{
	unsigned long flags;

	uart_irq_flush();
	flags = irq_save();
	uart_set_reg(uart, MCR, MCR_DTR | MCR_OUT2);
	receive();
	fifo = on;
	/* FIFOs on (receive trigger at 14 bytes) or off. */
	uart_set_reg(uart, FCR, on ? 0xc1 : 0x00);
	uart_set_reg(uart, MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	irq_restore(flags);
}

const struct uart_irq_counts *uart_irq_counts(void)
{
	return &counts;
}
