/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: the 8250 UART model's registers, no KVM needed.  The
 * expected values come from the 16550 data sheet; where the model
 * simplifies (instant transmission) the test says so.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kvmlab/base/log.h"
#include "kvmlab/dev/bus.h"
#include "kvmlab/dev/serial8250.h"

/* A UART whose output goes to a memory buffer. */
struct fixture {
	struct serial8250 u;
	FILE *out;
	char *buf;
	size_t len;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	log_level = LOG_QUIET;
	f->out = open_memstream(&f->buf, &f->len);
	serial8250_init(&f->u, f->out, -1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fclose(f->out);
	free(f->buf);
	free(f);
	return 0;
}

/* What the UART has sent so far. */
static const char *sent(struct fixture *f)
{
	fflush(f->out);
	return f->buf;
}

#define RD(f, reg)    serial8250_read(&(f)->u, reg)
#define WR(f, reg, v) serial8250_write(&(f)->u, reg, v)

static void test_reset_values(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(RD(f, UART_IER), 0);
	assert_int_equal(RD(f, UART_IIR), UART_IIR_NO_INT);
	assert_int_equal(RD(f, UART_LCR), 0);
	assert_int_equal(RD(f, UART_MCR), 0);
	assert_int_equal(RD(f, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	/* A terminal is attached: clear to send, data set ready, carrier. */
	assert_int_equal(RD(f, UART_MSR),
			 UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);
	assert_int_equal(serial8250_baud(&f->u), 9600);
	assert_false(serial8250_irq_line(&f->u));
}

static void test_dlab_switches_offsets_0_and_1(void **state)
{
	struct fixture *f = *state;

	WR(f, UART_IER, UART_IER_RDI);
	WR(f, UART_LCR, UART_LCR_DLAB | 0x03);
	/* With DLAB set, offsets 0 and 1 are the divisor latch. */
	WR(f, UART_DLL, 0x01);
	WR(f, UART_DLM, 0x00);
	assert_int_equal(RD(f, UART_DLL), 0x01);
	assert_int_equal(RD(f, UART_DLM), 0x00);
	assert_int_equal(serial8250_baud(&f->u), 115200);
	assert_string_equal(sent(f), ""); /* the DLL write sent nothing */
	WR(f, UART_DLM, 0x01);
	assert_int_equal(serial8250_baud(&f->u), 1843200 / 16 / 257);
	WR(f, UART_DLM, 0x00);
	/* DLAB clear: THR, RBR and IER again; the latch keeps its value. */
	WR(f, UART_LCR, 0x03);
	assert_int_equal(RD(f, UART_LCR), 0x03);
	assert_int_equal(RD(f, UART_IER), UART_IER_RDI);
	WR(f, UART_THR, 'A');
	assert_string_equal(sent(f), "A");
	assert_int_equal(serial8250_baud(&f->u), 115200);
	WR(f, UART_LCR, UART_LCR_DLAB);
	assert_int_equal(RD(f, UART_DLL), 0x01);
	/* Divisor 0 selects no rate at all. */
	WR(f, UART_DLL, 0);
	assert_int_equal(serial8250_baud(&f->u), 0);
}

static void test_transmit(void **state)
{
	struct fixture *f = *state;

	for (const char *p = "hello\n"; *p; p++) {
		/* Instant transmission: THRE and TEMT never drop. */
		assert_true(RD(f, UART_LSR) & UART_LSR_THRE);
		WR(f, UART_THR, (uint8_t)*p);
		assert_int_equal(RD(f, UART_LSR) & 0x60, 0x60);
	}
	assert_string_equal(sent(f), "hello\n");
	assert_int_equal(f->u.tx_bytes, 6);
}

static void test_receive_and_lsr(void **state)
{
	struct fixture *f = *state;

	/* FIFOs off: a one-byte receive buffer, as on a 16450. */
	assert_true(serial8250_receive(&f->u, 'x'));
	assert_int_equal(RD(f, UART_LSR), 0x61); /* DR, THRE, TEMT */
	assert_int_equal(RD(f, UART_LSR), 0x61); /* DR stays until read */
	assert_int_equal(RD(f, UART_RBR), 'x');
	assert_int_equal(RD(f, UART_LSR), 0x60);
	/* An empty receiver answers with the last byte again. */
	assert_int_equal(RD(f, UART_RBR), 'x');

	/* A second byte before the first is read: overrun, byte lost. */
	assert_true(serial8250_receive(&f->u, '1'));
	assert_false(serial8250_receive(&f->u, '2'));
	assert_int_equal(RD(f, UART_LSR), 0x63); /* DR, OE */
	/* Reading LSR cleared OE; DR remains. */
	assert_int_equal(RD(f, UART_LSR), 0x61);
	assert_int_equal(RD(f, UART_RBR), '1');
	assert_int_equal(f->u.overruns, 1);
	assert_int_equal(f->u.rx_bytes, 2);
}

static void test_fifo(void **state)
{
	struct fixture *f = *state;

	WR(f, UART_FCR, UART_FCR_ENABLE);
	assert_int_equal(RD(f, UART_IIR) & UART_IIR_FIFO, UART_IIR_FIFO);
	for (int i = 0; i < UART_FIFO_SIZE; i++)
		assert_true(serial8250_receive(&f->u, (uint8_t)('a' + i)));
	assert_false(serial8250_receive(&f->u, '!'));
	assert_int_equal(RD(f, UART_LSR), 0x63);
	for (int i = 0; i < UART_FIFO_SIZE; i++)
		assert_int_equal(RD(f, UART_RBR), 'a' + i);
	assert_false(RD(f, UART_LSR) & UART_LSR_DR);

	/* FCR bit 1 empties the receive FIFO. */
	serial8250_receive(&f->u, 'z');
	WR(f, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
	assert_false(RD(f, UART_LSR) & UART_LSR_DR);
	/* Turning the FIFOs off empties them too. */
	serial8250_receive(&f->u, 'z');
	WR(f, UART_FCR, 0);
	assert_false(RD(f, UART_LSR) & UART_LSR_DR);
	assert_int_equal(RD(f, UART_IIR), UART_IIR_NO_INT);
	/* Trigger bits are taken only together with bit 0. */
	WR(f, UART_FCR, 0xc0);
	assert_int_equal(RD(f, UART_IIR) & UART_IIR_FIFO, 0);
}

static void test_iir_priorities(void **state)
{
	struct fixture *f = *state;

	/* FIFOs on, receive trigger at 4 bytes. */
	WR(f, UART_FCR, UART_FCR_ENABLE | 0x40);
	WR(f, UART_IER,
	   UART_IER_RDI | UART_IER_THRI | UART_IER_RLSI | UART_IER_MSI);
	/* Enabling the THR interrupt with THR empty raises it at once. */
	assert_int_equal(RD(f, UART_IIR), 0xc0 | UART_IIR_THRI);
	/* Reading IIR acknowledged it. */
	assert_int_equal(RD(f, UART_IIR), 0xc0 | UART_IIR_NO_INT);
	/* Writing THR raises it again (the byte left at once). */
	WR(f, UART_THR, '.');
	assert_int_equal(RD(f, UART_IIR), 0xc0 | UART_IIR_THRI);

	/* Below the trigger: character timeout; at it: data available. */
	serial8250_receive(&f->u, '1');
	assert_int_equal(RD(f, UART_IIR), 0xc0 | UART_IIR_CTI);
	for (int i = 0; i < 3; i++)
		serial8250_receive(&f->u, '2');
	assert_int_equal(RD(f, UART_IIR), 0xc0 | UART_IIR_RDI);
	/* Line status outranks received data, until LSR is read. */
	for (int i = 0; i < 13; i++)
		serial8250_receive(&f->u, '3'); /* the 17th overruns */
	assert_int_equal(RD(f, UART_IIR), 0xc0 | UART_IIR_RLSI);
	assert_true(RD(f, UART_LSR) & UART_LSR_OE);
	assert_int_equal(RD(f, UART_IIR), 0xc0 | UART_IIR_RDI);
	WR(f, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
	assert_int_equal(RD(f, UART_IIR), 0xc0 | UART_IIR_NO_INT);

	/* Modem status last: delta bits, cleared by reading MSR.  In
	 * loopback RTS drives CTS; DSR and DCD (undriven) drop. */
	WR(f, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
	assert_int_equal(RD(f, UART_IIR), 0xc0 | UART_IIR_MSI);
	assert_int_equal(RD(f, UART_MSR),
			 UART_MSR_CTS | UART_MSR_DDSR | UART_MSR_DDCD);
	assert_int_equal(RD(f, UART_IIR), 0xc0 | UART_IIR_NO_INT);
	/* IER off: nothing is signalled even with causes present. */
	WR(f, UART_IER, 0);
	WR(f, UART_MCR, UART_MCR_LOOP);
	serial8250_receive(&f->u, 'q');
	assert_int_equal(RD(f, UART_IIR), 0xc0 | UART_IIR_NO_INT);
}

static void test_irq_line_needs_out2(void **state)
{
	struct fixture *f = *state;

	WR(f, UART_IER, UART_IER_RDI);
	serial8250_receive(&f->u, 'k');
	assert_false(serial8250_irq_line(&f->u));
	WR(f, UART_MCR, UART_MCR_OUT2);
	assert_true(serial8250_irq_line(&f->u));
	RD(f, UART_RBR);
	assert_false(serial8250_irq_line(&f->u));
}

static void test_loopback(void **state)
{
	struct fixture *f = *state;

	WR(f, UART_MSR, 0); /* read-only: ignored */
	RD(f, UART_MSR);
	/* Each modem output drives its input inside the chip. */
	WR(f, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR);
	/* CTS and DCD dropped (deltas), DSR held (DTR). */
	assert_int_equal(RD(f, UART_MSR),
			 UART_MSR_DSR | UART_MSR_DCTS | UART_MSR_DDCD);
	assert_int_equal(RD(f, UART_MSR), UART_MSR_DSR); /* deltas cleared */
	WR(f, UART_MCR,
	   UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT1 | UART_MCR_OUT2);
	assert_int_equal(RD(f, UART_MSR), UART_MSR_CTS | UART_MSR_RI |
					      UART_MSR_DCD | UART_MSR_DCTS |
					      UART_MSR_DDSR | UART_MSR_DDCD);
	/* RI reports only its trailing edge (TERI), on to off. */
	WR(f, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT2);
	assert_int_equal(RD(f, UART_MSR),
			 UART_MSR_CTS | UART_MSR_DCD | UART_MSR_TERI);

	/* Transmitted bytes come back and never reach the line. */
	WR(f, UART_THR, 'L');
	assert_int_equal(RD(f, UART_LSR), 0x61);
	assert_int_equal(RD(f, UART_RBR), 'L');
	assert_string_equal(sent(f), "");
	assert_int_equal(f->u.tx_bytes, 0);
	assert_int_equal(f->u.rx_bytes, 0);

	/* Out of loopback: the host terminal's lines are back. */
	WR(f, UART_MCR, 0);
	assert_int_equal(RD(f, UART_MSR) & 0xf0,
			 UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);
	WR(f, UART_THR, 'S');
	assert_string_equal(sent(f), "S");
}

static void test_scratch_and_read_only(void **state)
{
	struct fixture *f = *state;

	WR(f, UART_SCR, 0x5a);
	assert_int_equal(RD(f, UART_SCR), 0x5a);
	WR(f, UART_LSR, 0x00); /* ignored */
	assert_int_equal(RD(f, UART_LSR), 0x60);
	/* MCR keeps bits 0-4, IER bits 0-3. */
	WR(f, UART_MCR, 0xff);
	assert_int_equal(RD(f, UART_MCR), 0x1f);
	WR(f, UART_MCR, 0);
	WR(f, UART_IER, 0xff);
	assert_int_equal(RD(f, UART_IER), 0x0f);
}

/* Input from a pipe; its end is a hang-up: DCD and DSR drop. */
static void test_input_from_pipe(void **state)
{
	struct fixture *f = *state;
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	f->u.in_fd = fds[0];
	assert_false(RD(f, UART_LSR) & UART_LSR_DR); /* nothing yet */
	assert_int_equal(write(fds[1], "hi", 2), 2);
	/* Flow control: nothing is sent while the guest holds RTS down. */
	assert_false(serial8250_wants_input(&f->u));
	assert_false(RD(f, UART_LSR) & UART_LSR_DR);
	WR(f, UART_MCR, UART_MCR_RTS);
	assert_true(serial8250_wants_input(&f->u));
	WR(f, UART_FCR, UART_FCR_ENABLE);
	/* Reading SCR does not fetch input: the FIFO write lost nothing. */
	RD(f, UART_SCR);
	assert_true(RD(f, UART_LSR) & UART_LSR_DR);
	assert_int_equal(RD(f, UART_RBR), 'h');
	assert_int_equal(RD(f, UART_RBR), 'i');
	assert_int_equal(RD(f, UART_MSR) & UART_MSR_DCD, UART_MSR_DCD);
	close(fds[1]);
	assert_false(RD(f, UART_LSR) & UART_LSR_DR);
	assert_int_equal(RD(f, UART_MSR),
			 UART_MSR_CTS | UART_MSR_DDSR | UART_MSR_DDCD);
	assert_false(f->u.carrier);
	assert_int_equal(f->u.rx_bytes, 2);
	close(fds[0]);
}

/* In loopback the serial input is disconnected: the pipe is not read. */
static void test_loopback_ignores_input(void **state)
{
	struct fixture *f = *state;
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	f->u.in_fd = fds[0];
	assert_int_equal(write(fds[1], "x", 1), 1);
	WR(f, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
	assert_false(RD(f, UART_LSR) & UART_LSR_DR);
	assert_false(serial8250_wants_input(&f->u));
	WR(f, UART_MCR, UART_MCR_RTS);
	assert_true(RD(f, UART_LSR) & UART_LSR_DR);
	assert_int_equal(RD(f, UART_RBR), 'x');
	close(fds[1]);
	close(fds[0]);
}

/* Through the bus: a 16-bit IN is two byte reads, lowest port first. */
static void test_bus_widths(void **state)
{
	struct fixture *f = *state;
	struct bus pio;
	struct board board = {.pio = &pio};
	uint64_t v;

	bus_init(&pio, "pio");
	assert_int_equal(serial8250_register(&f->u, &board, 0x3f8), 0);
	v = UART_LCR_DLAB | 0x03;
	assert_int_equal(bus_dispatch(&pio, 0x3fb, 1, true, &v), 0);
	v = 0x0c01; /* DLL = 1, DLM = 0x0c in one 16-bit OUT */
	assert_int_equal(bus_dispatch(&pio, 0x3f8, 2, true, &v), 0);
	assert_int_equal(f->u.dll, 0x01);
	assert_int_equal(f->u.dlm, 0x0c);
	assert_int_equal(bus_dispatch(&pio, 0x3f8, 2, false, &v), 0);
	assert_int_equal(v, 0x0c01);
	/* LCR, MCR, LSR, MSR in one 32-bit IN. */
	assert_int_equal(bus_dispatch(&pio, 0x3fb, 4, false, &v), 0);
	assert_int_equal(v, 0xb0600083);
	/* Past the last port: not the UART's. */
	assert_int_equal(bus_dispatch(&pio, 0x3ff, 2, false, &v), -ENOENT);
	assert_int_equal(f->u.accesses, 1 + 2 + 2 + 4);
}

/* ---- chapter 6: the interrupt output as a level --------------------- */

/* An interrupt line that writes down every change the UART drives. */
struct line_log {
	int calls;
	bool level;
	char edges[64]; /* '+' raised, '-' lowered */
};

static void log_line(void *opaque, bool level)
{
	struct line_log *l = opaque;

	if ((size_t)l->calls + 1 < sizeof(l->edges))
		l->edges[l->calls] = level ? '+' : '-';
	l->calls++;
	l->level = level;
}

static struct line_log *connect(struct fixture *f)
{
	static struct line_log log;

	memset(&log, 0, sizeof(log));
	f->u.irq = (struct irq_line){.set = log_line, .opaque = &log};
	return &log;
}

/* Received data: up when the byte arrives, down when RBR is read. */
static void test_line_receive(void **state)
{
	struct fixture *f = *state;
	struct line_log *l = connect(f);

	WR(f, UART_MCR, UART_MCR_OUT2);
	WR(f, UART_IER, UART_IER_RDI);
	assert_int_equal(l->calls, 0); /* nothing pending yet */
	serial8250_receive(&f->u, 'a');
	assert_true(l->level);
	/* Reading IIR or LSR does not clear a receive interrupt. */
	assert_int_equal(RD(f, UART_IIR) & 0x0f, UART_IIR_RDI);
	RD(f, UART_LSR);
	assert_int_equal(l->calls, 1);
	assert_int_equal(RD(f, UART_RBR), 'a');
	assert_false(l->level);
	assert_string_equal(l->edges, "+-");
	assert_int_equal(f->u.irq_raised, 1);
}

/*
 * THR empty: raised when enabled with THR empty, cleared by reading IIR
 * while it is the cause, raised again by the next byte (sent at once in
 * this model), cleared by disabling it.
 */
static void test_line_thr_empty(void **state)
{
	struct fixture *f = *state;
	struct line_log *l = connect(f);

	WR(f, UART_MCR, UART_MCR_OUT2);
	WR(f, UART_IER, UART_IER_THRI);
	assert_true(l->level);
	assert_int_equal(RD(f, UART_IIR) & 0x0f, UART_IIR_THRI);
	assert_false(l->level);
	assert_int_equal(RD(f, UART_IIR) & 0x0f, UART_IIR_NO_INT);
	WR(f, UART_THR, 'x');
	assert_true(l->level);
	WR(f, UART_IER, 0);
	assert_false(l->level);
	/* Re-enabling with THR still empty raises it again. */
	WR(f, UART_IER, UART_IER_THRI);
	assert_true(l->level);
	assert_string_equal(l->edges, "+-+-+");
}

/*
 * Two causes: IIR shows the higher (received data) first; clearing it
 * shows the next (THR empty) and the line never drops in between: a
 * level stays up while any cause is pending.
 */
static void test_line_two_causes(void **state)
{
	struct fixture *f = *state;
	struct line_log *l = connect(f);

	WR(f, UART_MCR, UART_MCR_OUT2);
	serial8250_receive(&f->u, 'b');
	WR(f, UART_IER, UART_IER_RDI | UART_IER_THRI);
	assert_int_equal(RD(f, UART_IIR) & 0x0f, UART_IIR_RDI);
	assert_int_equal(RD(f, UART_RBR), 'b');
	assert_true(l->level);
	assert_int_equal(RD(f, UART_IIR) & 0x0f, UART_IIR_THRI);
	assert_false(l->level);
	assert_string_equal(l->edges, "+-");
}

/* OUT2 gates the output onto the bus, as on a PC. */
static void test_line_out2_gate(void **state)
{
	struct fixture *f = *state;
	struct line_log *l = connect(f);

	WR(f, UART_IER, UART_IER_RDI);
	serial8250_receive(&f->u, 'c');
	assert_int_equal(l->calls, 0);
	WR(f, UART_MCR, UART_MCR_OUT2);
	assert_true(l->level);
	WR(f, UART_MCR, 0);
	assert_false(l->level);
	assert_string_equal(l->edges, "+-");
}

/* The line hangs up: a modem-status interrupt until MSR is read. */
static void test_line_hang_up(void **state)
{
	struct fixture *f = *state;
	struct line_log *l = connect(f);

	WR(f, UART_MCR, UART_MCR_OUT2);
	WR(f, UART_IER, UART_IER_MSI);
	RD(f, UART_MSR); /* the deltas of the MCR write */
	assert_int_equal(l->calls, 0);
	serial8250_hang_up(&f->u);
	assert_true(l->level);
	assert_int_equal(RD(f, UART_IIR) & 0x0f, UART_IIR_MSI);
	assert_false(RD(f, UART_MSR) & UART_MSR_DCD);
	assert_false(l->level);
	assert_string_equal(l->edges, "+-");
}

/* An overrun is a line-status interrupt, the highest; LSR clears it. */
static void test_line_overrun(void **state)
{
	struct fixture *f = *state;
	struct line_log *l = connect(f);

	WR(f, UART_MCR, UART_MCR_OUT2);
	WR(f, UART_IER, UART_IER_RLSI);
	serial8250_receive(&f->u, '1');
	assert_int_equal(l->calls, 0);
	assert_false(serial8250_receive(&f->u, '2')); /* 1-byte buffer */
	assert_true(l->level);
	assert_int_equal(RD(f, UART_IIR) & 0x0f, UART_IIR_RLSI);
	assert_true(RD(f, UART_LSR) & UART_LSR_OE);
	assert_false(l->level);
}

static int rooms;
static void room(void *opaque)
{
	(void)opaque;
	rooms++;
}

/*
 * With an I/O thread: a full FIFO stops the wait on the input; the
 * guest's read that makes room asks for it again, once.
 */
static void test_input_room(void **state)
{
	struct fixture *f = *state;
	struct bus pio;
	struct board board = {.pio = &pio};
	uint64_t v;
	int fds[2];

	bus_init(&pio, "pio");
	assert_int_equal(serial8250_register(&f->u, &board, 0x3f8), 0);
	f->u.input_room = room;
	rooms = 0;
	assert_int_equal(pipe(fds), 0);
	f->u.in_fd = fds[0];
	assert_int_equal(write(fds[1], "xyz", 3), 3);
	WR(f, UART_MCR, UART_MCR_RTS);
	assert_true(serial8250_input_wanted(&f->u));
	serial8250_input(&f->u); /* the thread: one byte fills a 16450 */
	assert_int_equal(f->u.rx_count, 1);
	assert_false(serial8250_input_wanted(&f->u));
	assert_int_equal(bus_dispatch(&pio, 0x3fd, 1, false, &v), 0);
	assert_int_equal(rooms, 0); /* LSR took nothing away */
	assert_int_equal(bus_dispatch(&pio, 0x3f8, 1, false, &v), 0);
	assert_int_equal(v, 'x');
	/* The read emptied the buffer: the thread is asked back, once. */
	assert_int_equal(f->u.rx_count, 0);
	assert_int_equal(rooms, 1);
	assert_true(serial8250_input_wanted(&f->u));
	close(fds[1]);
	close(fds[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_reset_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dlab_switches_offsets_0_and_1,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_transmit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_receive_and_lsr, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_fifo, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_iir_priorities, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_irq_line_needs_out2, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scratch_and_read_only, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_input_from_pipe, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_loopback_ignores_input, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_bus_widths, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_line_receive, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_line_thr_empty, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_line_two_causes, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_line_out2_gate, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_line_hang_up, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_line_overrun, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_input_room, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
