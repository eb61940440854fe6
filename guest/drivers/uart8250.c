/* SPDX-License-Identifier: MIT */
/*
 * uart8250.c: the polled 8250 driver (chapter 4 on); see uart8250.h.
 *
 * Register names and bits follow the 16550 data sheet.  Every inb/outb
 * here goes through in()/out() so the driver can count its own exits.
 */
#include <stdarg.h>

#include "exercise.h"
#include "io.h"
#include "printf.h"
#include "uart8250.h"

#define RBR 0 /* receive buffer (read) */
#define THR 0 /* transmit holding (write) */
#define DLL 0 /* divisor latch, low byte (DLAB = 1) */
#define IER 1 /* interrupt enable */
#define DLM 1 /* divisor latch, high byte (DLAB = 1) */
#define FCR 2 /* FIFO control (write) */
#define LCR 3 /* line control */
#define MCR 4 /* modem control */
#define LSR 5 /* line status */
#define MSR 6 /* modem status */
#define SCR 7 /* scratch */

#define LCR_8N1	  0x03 /* 8 data bits, no parity, 1 stop bit */
#define LCR_DLAB  0x80
#define FCR_FIFO  0xc7 /* enable, clear both FIFOs, trigger at 14 */
#define MCR_DTR	  0x01
#define MCR_RTS	  0x02
#define MCR_OUT1  0x04
#define MCR_OUT2  0x08
#define MCR_LOOP  0x10
#define LSR_DR	  0x01 /* a received byte is waiting */
#define LSR_THRE  0x20 /* transmit holding register / FIFO empty */
#define MSR_DCD	  0x80 /* carrier detect: the line is up */
#define FIFO_SIZE 16
#define UART_HZ	  115200 /* 1.8432 MHz / 16: the rate at divisor 1 */

static uint8_t in(struct uart *u, unsigned reg)
{
	u->io++;
	return inb((uint16_t)(u->port + reg));
}

static void out(struct uart *u, unsigned reg, uint8_t v)
{
	u->io++;
	outb((uint16_t)(u->port + reg), v);
}

int uart_probe(struct uart *u, uint16_t port)
{
	int ok = 1;

	u->port = port;
	/* Nothing answering on a PC bus reads as 0xff: use other values. */
	out(u, SCR, 0x5a);
	ok &= in(u, SCR) == 0x5a;
	out(u, SCR, 0xa5);
	ok &= in(u, SCR) == 0xa5;
	if (!ok)
		return -1;

	/* Loopback: outputs wired to inputs inside the chip. */
	out(u, FCR, FCR_FIFO);
	out(u, MCR, MCR_LOOP | MCR_OUT2 | MCR_OUT1 | MCR_RTS | MCR_DTR);
	ok &= (in(u, MSR) & 0xf0) == 0xf0; /* DCD, RI, DSR, CTS */
	out(u, THR, 0xae);
	ok &= (in(u, LSR) & LSR_DR) && in(u, RBR) == 0xae;
	out(u, MCR, MCR_LOOP);
	ok &= (in(u, MSR) & 0xf0) == 0;
	/* RTS stays down: the other end waits until uart_init() is done. */
	out(u, MCR, 0);
	in(u, MSR); /* clear the deltas the test left behind */
	return ok ? 0 : -1;
}

void uart_set_baud(struct uart *u, unsigned baud)
{
	unsigned divisor = baud && baud <= UART_HZ ? UART_HZ / baud : 1;
	uint8_t lcr = in(u, LCR);

	/* DLAB switches offsets 0 and 1 to the divisor latch. */
	out(u, LCR, lcr | LCR_DLAB);
	out(u, DLL, (uint8_t)divisor);
	out(u, DLM, (uint8_t)(divisor >> 8));
	out(u, LCR, lcr & ~LCR_DLAB);
}

void uart_init(struct uart *u, uint16_t port, unsigned baud)
{
	u->port = port;
	u->burst = true;
	out(u, IER, 0); /* polled: no interrupts */
	out(u, LCR, LCR_8N1);
	uart_set_baud(u, baud);
	out(u, FCR, FCR_FIFO);
	out(u, MCR, MCR_DTR | MCR_RTS);
}

static void wait_thre(struct uart *u)
{
	/* EXERCISE ch04-uart-driver: poll LSR until THR is empty */
#ifndef KVMLAB_STUBS
	while (!(in(u, LSR) & LSR_THRE))
		;
#else
	(void)u;
	guest_exercise_todo("ch04-uart-driver",
			    "exercises/04-port-io/README.md");
#endif /* END EXERCISE ch04-uart-driver */
}

void uart_putc(struct uart *u, char c)
{
	/* EXERCISE ch04-uart-driver: one byte, once THR can take it */
#ifndef KVMLAB_STUBS
	wait_thre(u);
	out(u, THR, (uint8_t)c);
#else
	(void)u;
	(void)c;
	(void)wait_thre; /* yours, above: use it */
	guest_exercise_todo("ch04-uart-driver",
			    "exercises/04-port-io/README.md");
#endif /* END EXERCISE ch04-uart-driver */
}

void uart_write(struct uart *u, const char *buf, size_t len)
{
	/* EXERCISE ch04-uart-driver: many bytes: 16 per THRE in burst mode */
#ifndef KVMLAB_STUBS
	while (len) {
		size_t n = u->burst ? FIFO_SIZE : 1;

		/* THRE with FIFOs on: all 16 bytes of the FIFO are free. */
		wait_thre(u);
		for (; n && len; n--, len--)
			out(u, THR, (uint8_t)*buf++);
	}
#else
	(void)u;
	(void)buf;
	(void)len;
	guest_exercise_todo("ch04-uart-driver",
			    "exercises/04-port-io/README.md");
#endif /* END EXERCISE ch04-uart-driver */
}

void uart_puts(struct uart *u, const char *s)
{
	const char *e = s;

	while (*e)
		e++;
	uart_write(u, s, (size_t)(e - s));
}

int uart_printf(struct uart *u, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	uart_write(u, buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

int uart_poll(struct uart *u)
{
	/* EXERCISE ch04-uart-driver: a received byte, if LSR says one is ready */
#ifndef KVMLAB_STUBS
	if (!(in(u, LSR) & LSR_DR))
		return -1;
	return in(u, RBR);
#else
	(void)u;
	guest_exercise_todo("ch04-uart-driver",
			    "exercises/04-port-io/README.md");
#endif /* END EXERCISE ch04-uart-driver */
}

int uart_getc(struct uart *u)
{
	/* EXERCISE ch04-uart-driver: wait for a byte, unless the line hung up */
#ifndef KVMLAB_STUBS
	for (;;) {
		int c = uart_poll(u);

		if (c >= 0)
			return c;
		/* Nothing waiting: is anyone still at the other end? */
		if (!(in(u, MSR) & MSR_DCD))
			return uart_poll(u);
	}
#else
	(void)u;
	guest_exercise_todo("ch04-uart-driver",
			    "exercises/04-port-io/README.md");
#endif /* END EXERCISE ch04-uart-driver */
}

uint8_t uart_reg(struct uart *u, unsigned offset)
{
	return in(u, offset & 7);
}

void uart_set_reg(struct uart *u, unsigned offset, uint8_t value)
{
	out(u, offset & 7, value);
}
