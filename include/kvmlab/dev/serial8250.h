/* SPDX-License-Identifier: MIT */
/*
 * serial8250: an 8250-family UART (a 16550A, FIFOs included) that a real
 * polled or interrupt-driven driver can use (chapter 4).
 *
 * Chapters 1-3 printed through a console that only knew the transmit
 * register.  A real driver does more: it programs the baud rate through
 * the divisor latch, sets the line format, turns the FIFOs on, polls the
 * line status register before each byte, reads what arrived, and may ask
 * for interrupts.  Every one of those register accesses is an IN or OUT,
 * so every one is an exit to this model: trap and emulate.
 *
 * Registers (offset from the base port; DLAB is LCR bit 7):
 *
 *   0  read: RBR (DLAB 0) / DLL (DLAB 1)   write: THR / DLL
 *   1  IER (DLAB 0) / DLM (DLAB 1)
 *   2  read: IIR                           write: FCR
 *   3  LCR        4  MCR        5  LSR (read)
 *   6  MSR (read) 7  SCR
 *
 * The semantics follow the 16550 data sheet.  Where the model simplifies
 * (transmission is instant, the baud rate paces nothing, the character
 * timeout has always expired, no parity, framing or break errors arrive)
 * chapters/04-port-io/README.md says so.
 *
 * Bytes written to THR go to `out`.  Received bytes come from `in_fd`
 * (a terminal, a pipe or a file), read without blocking whenever the
 * guest reads a register and the receive FIFO has room.  End of input
 * is reported the way a modem reports a hang-up: DCD and DSR drop in MSR.
 * A unit test drives the model with serial8250_receive() and no input.
 *
 * From chapter 6 its interrupt output is wired to KVM's irqchip: it is
 * raised and lowered as the data sheet's interrupt causes come and go
 * (serial8250_irq_line()), and an I/O thread feeds the input while the
 * guest sleeps in HLT.
 *
 * From chapter 5 it is also in the device tree: registering it on a board
 * that builds one adds its node (serial8250_register()).
 */
#ifndef KVMLAB_DEV_SERIAL8250_H
#define KVMLAB_DEV_SERIAL8250_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kvmlab/dev/board.h"
#include "kvmlab/dev/irqline.h"

/* Register offsets. */
#define UART_RBR 0 /* receive buffer (read, DLAB 0) */
#define UART_THR 0 /* transmit holding (write, DLAB 0) */
#define UART_DLL 0 /* divisor latch low (DLAB 1) */
#define UART_IER 1 /* interrupt enable (DLAB 0) */
#define UART_DLM 1 /* divisor latch high (DLAB 1) */
#define UART_IIR 2 /* interrupt identification (read) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_MSR 6 /* modem status */
#define UART_SCR 7 /* scratch */

#define UART_IER_RDI  0x01 /* received data available (and timeout) */
#define UART_IER_THRI 0x02 /* transmit holding register empty */
#define UART_IER_RLSI 0x04 /* receiver line status */
#define UART_IER_MSI  0x08 /* modem status */

#define UART_IIR_NO_INT 0x01 /* bit 0 set: nothing pending */
#define UART_IIR_MSI	0x00 /* modem status changed */
#define UART_IIR_THRI	0x02 /* THR empty */
#define UART_IIR_RDI	0x04 /* received data at the trigger level */
#define UART_IIR_RLSI	0x06 /* overrun, parity, framing error or break */
#define UART_IIR_CTI	0x0c /* character timeout (FIFO mode) */
#define UART_IIR_FIFO	0xc0 /* bits 7-6: FIFOs enabled */

#define UART_FCR_ENABLE	  0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
#define UART_FCR_TRIGGER  0xc0 /* receive trigger: 1, 4, 8 or 14 bytes */

#define UART_LCR_WLEN  0x03 /* word length - 5 */
#define UART_LCR_STOP  0x04 /* 2 stop bits (1.5 for 5-bit words) */
#define UART_LCR_PAR   0x38 /* parity enable, even, stick */
#define UART_LCR_BREAK 0x40
#define UART_LCR_DLAB  0x80 /* divisor latch access */

#define UART_MCR_DTR  0x01
#define UART_MCR_RTS  0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08 /* on a PC, gates the interrupt line */
#define UART_MCR_LOOP 0x10

#define UART_LSR_DR    0x01 /* data ready */
#define UART_LSR_OE    0x02 /* overrun error */
#define UART_LSR_PE    0x04 /* parity error */
#define UART_LSR_FE    0x08 /* framing error */
#define UART_LSR_BI    0x10 /* break interrupt */
#define UART_LSR_THRE  0x20 /* transmit holding register (FIFO) empty */
#define UART_LSR_TEMT  0x40 /* transmitter empty */
#define UART_LSR_FIFOE 0x80 /* an error in the receive FIFO */

#define UART_MSR_DCTS 0x01 /* CTS changed */
#define UART_MSR_DDSR 0x02 /* DSR changed */
#define UART_MSR_TERI 0x04 /* RI went from on to off */
#define UART_MSR_DDCD 0x08 /* DCD changed */
#define UART_MSR_CTS  0x10
#define UART_MSR_DSR  0x20
#define UART_MSR_RI   0x40
#define UART_MSR_DCD  0x80

#define UART_FIFO_SIZE 16

/* What the device tree says the model is, by its binding's name. */
#define SERIAL8250_COMPATIBLE	"ns16550a"
/*
 * The line speed the device tree gives as current-speed: the one kvmlab's
 * consoles run at.  The guest programs the divisor itself (the model
 * paces nothing), so this tells it what the other end expects.
 */
#define SERIAL8250_CONSOLE_BAUD 115200

struct serial8250 {
	/* Registers as the guest sees them. */
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint8_t fcr;	    /* the last FCR written (write-only on chips) */
	uint8_t lsr_errors; /* OE (the only error modelled) until LSR read */
	uint8_t msr;	    /* modem inputs (bits 7-4) and deltas (3-0) */
	uint8_t rbr_last;   /* RBR when the FIFO is empty: the last byte */
	bool thri_pending;  /* the THR-empty interrupt, until IIR or THR */

	/* The receive FIFO (one byte deep with FIFOs off, as on a 16450). */
	uint8_t rx[UART_FIFO_SIZE];
	unsigned rx_head, rx_count;

	/* The line: where bytes go and come from. */
	FILE *out;
	bool out_flush; /* flush each byte (a terminal is watching) */
	int in_fd;	/* -1: nothing connected */
	bool carrier;	/* DCD/DSR: false once the input has ended */

	/* For --stats and the lesson: bytes that crossed the line (not
	 * looped back), register accesses, bytes lost to a full FIFO. */
	uint64_t tx_bytes, rx_bytes, accesses, overruns;
	uint16_t port; /* base port, for messages */

	/*
	 * Chapter 6: the interrupt output (dev/irqline.h), driven whenever
	 * it changes; irq_raised counts its rising edges.  Unconnected
	 * (the default) it is only computed.
	 */
	struct irq_line irq;
	bool irq_level;
	uint64_t irq_raised;
	/*
	 * With an I/O thread feeding the input, the vCPU thread and that
	 * thread both reach the registers: the bus handler and
	 * serial8250_input() hold this lock.  input_room, if set, is
	 * called when the UART starts wanting input again (the guest
	 * emptied a full receive FIFO), so the thread waits on it again.
	 */
	pthread_mutex_t lock;
	void (*input_room)(void *opaque);
	void *input_room_opaque;
};

/*
 * Reset the registers (16550 data sheet, "reset" column): IER, LCR, MCR,
 * FCR 0, LSR THRE|TEMT, IIR "no interrupt", divisor 12 (9600 baud; the
 * data sheet leaves it undefined).  `out` receives transmitted bytes (may
 * be NULL to drop them); `in_fd` supplies received bytes (-1: none).
 * The fd is not made non-blocking: the model polls it before each read.
 */
void serial8250_init(struct serial8250 *u, FILE *out, int in_fd);

/*
 * Register on b->pio at `port` (8 ports) and, when the board builds a
 * device tree, add /isa/serial@iPORT: compatible "ns16550a", reg,
 * clock-frequency (ABI_UART_CLOCK_HZ), current-speed
 * (SERIAL8250_CONSOLE_BAUD), and the alias serialN for the Nth UART in
 * the tree (serial0 first).  0 or board_register()'s error.
 */
int serial8250_register(struct serial8250 *u, const struct board *b,
			uint16_t port);

/*
 * One register access at `offset` (0-7), as the bus handler does it; the
 * unit tests call it directly.  Returns the value read (0 for writes).
 */
uint8_t serial8250_read(struct serial8250 *u, unsigned offset);
void serial8250_write(struct serial8250 *u, unsigned offset, uint8_t value);

/*
 * A byte arrives on the serial line (as from the input source).  false
 * when the receive FIFO was full: the byte is lost and LSR.OE is set, as
 * in an overrun on the chip.
 */
bool serial8250_receive(struct serial8250 *u, uint8_t byte);

/* Read what the input source has ready into the FIFO, without blocking. */
void serial8250_poll_input(struct serial8250 *u);

/*
 * The input ended (EOF, or the terminal went away): DCD and DSR drop,
 * with their delta bits, as when a modem line hangs up.
 */
void serial8250_hang_up(struct serial8250 *u);

/*
 * Chapter 6, for the I/O thread (irq/iothread.h), with the lock held
 * inside: serial8250_input() reads what in_fd has ready into the FIFO;
 * serial8250_input_wanted() says whether it may (the input is connected,
 * not ended, not in loopback, and the FIFO has room).  Both take the
 * struct serial8250 as void *, the way the thread calls them.
 */
void serial8250_input(void *u);
bool serial8250_input_wanted(void *u);
/* The same test, for a caller that holds the lock (or needs none). */
bool serial8250_wants_input(struct serial8250 *u);

/* The interrupt the chip signals now: an IIR value (bit 0 set = none). */
uint8_t serial8250_iir(const struct serial8250 *u);
/* Is the interrupt output asserted?  A pending interrupt, gated by OUT2. */
bool serial8250_irq_line(const struct serial8250 *u);

/* The baud rate the divisor latch selects (0 for divisor 0). */
unsigned serial8250_baud(const struct serial8250 *u);

/* Flush transmitted bytes, and print the counts for --stats. */
void serial8250_flush(struct serial8250 *u);
void serial8250_print_stats(const struct serial8250 *u, FILE *out);

#endif
