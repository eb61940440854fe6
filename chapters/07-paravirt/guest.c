/* SPDX-License-Identifier: MIT */
/*
 * guest.c: chapter 7's guest prints the same text three ways.
 *
 *   (a) the emulated 8250 UART, with chapter 4's polled driver
 *       (guest/drivers/uart8250.c): LSR polled, then THR written; every
 *       register access is an exit;
 *   (b) the hypercall console (guest/drivers/hypercall.c): one
 *       HC_CONSOLE_WRITE, one exit, per write call, whatever its length;
 *   (c) the ring console (guest/drivers/pvring.c): the bytes go into a
 *       ring in this guest's RAM and the doorbell OUT is matched by KVM
 *       in the kernel: no exit to the VMM per line at all.
 *
 * Each section's text goes through its own console, heading included.
 * Around the lines it measures, the guest calls HC_EXIT_STATS: it learns
 * the VMM's exit count, and the VMM (chapter 7's --compare) takes each
 * call as a mark between phases and measures them itself.
 *
 * RDI at entry (abi/machine.h): 0 for the short demonstration, or N: the
 * same N lines through each console, for the VMM's --compare table.
 */
#include <stdarg.h>
#include <stdint.h>

#include "abi/machine.h"
#include "abi/pvring.h"
#include "exit.h"
#include "hypercall.h"
#include "idt.h"
#include "printf.h"
#include "pvring.h"
#include "string.h"
#include "uart8250.h"

#define BAUD	  115200
#define RING_SIZE 4096 /* one page of data: 64 of --compare's lines */
#define DEMO	  3    /* lines per console in the demonstration */

enum console { UART, HYPERCALL, RING, NCONSOLES };

static const char *const headings[NCONSOLES] = {
    "(a) the emulated 8250 UART: the driver polls LSR, then writes THR, "
    "and every access is an exit\n",
    "(b) the hypercall console: one OUT of a block's address per write "
    "call\n",
    "(c) the ring console: the bytes go into a ring in guest RAM; KVM "
    "matches the doorbell OUT in the kernel (an ioeventfd)\n",
};

static struct uart uart;
static struct pvring_out ring_out;
/* The ring: the header, then the data; the header on a cache line. */
static struct {
	struct pvring header;
	uint8_t data[RING_SIZE];
} ring __attribute__((aligned(PVRING_ALIGN)));

/* A console call failed: say it on the UART, which always works. */
static noreturn void fail(const char *what, int64_t ret)
{
	uart_printf(&uart, "ABORT: %s: %s (%ld)\n", what, hc_error_name(ret),
		    (long)ret);
	guest_exit(1);
}

/* One write call on console `c`. */
static void put(enum console c, const char *buf, size_t len)
{
	int64_t r = 0;

	switch (c) {
	case UART:
		uart_write(&uart, buf, len);
		break;
	case HYPERCALL:
		r = hc_console_write(buf, len);
		break;
	default:
		r = pvring_write(&ring_out, buf, len);
		break;
	}
	if (r < 0)
		fail(c == HYPERCALL ? "HC_CONSOLE_WRITE" : "the ring", r);
}

/* Format one line (at most 255 bytes), then one write call. */
static size_t say(enum console c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static size_t say(enum console c, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	put(c, buf, (size_t)n);
	return (size_t)n;
}

/* HC_EXIT_STATS: the VMM's exit count so far, and a phase mark. */
static uint64_t mark(void)
{
	struct hc_exit_stats x;
	int64_t r = hc_exit_stats(&x);

	if (r < 0)
		fail("HC_EXIT_STATS", r);
	return x.total;
}

/* The ring's text out before another console prints: one exit. */
static void flush(void)
{
	int64_t r = pvring_flush(&ring_out);

	if (r < 0)
		fail("HC_RING_FLUSH", r);
}

/*
 * The demonstration: a few lines through each console, and what they
 * cost as the VMM counted (the exits between two marks, less the first
 * mark's own).
 */
static void demo(void)
{
	for (enum console c = UART; c < NCONSOLES; c++) {
		uint64_t before, exits;
		size_t bytes = 0;

		say(c, "%s", headings[c]);
		if (c == RING)
			flush();
		before = mark();
		for (int i = 1; i <= DEMO; i++)
			bytes +=
			    say(c, "    hello from the guest, line %d of %d\n",
				i, DEMO);
		exits = mark() - before - 1;
		say(c, "    %d lines, %lu bytes: %lu exits to the VMM\n", DEMO,
		    (unsigned long)bytes, (unsigned long)exits);
	}
}

/*
 * --compare: `lines` identical lines through each console, each phase
 * between two marks.  The ring's phase ends with a flush, inside the
 * marks: its text is not out until the VMM has drained it, and that
 * belongs to its cost.
 */
static void compare(unsigned long lines)
{
	for (enum console c = UART; c < NCONSOLES; c++) {
		say(c, "%s", headings[c]);
		if (c == RING)
			flush(); /* the heading is not part of the phase */
		mark();
		for (unsigned long i = 1; i <= lines; i++)
			say(c,
			    "%03lu a line of text, the same through each of the "
			    "three consoles\n",
			    i % 1000);
		if (c == RING)
			flush();
		mark();
	}
}

int guest_main(unsigned long lines)
{
	int64_t r;

	/* A stray exception is reported, not a triple fault. */
	idt_init();
	/* (a): chapter 4's UART, found and programmed as a driver does. */
	if (uart_probe(&uart, ABI_PORT_COM1) < 0) {
		hc_console_puts("ABORT: no 8250 UART answers at port 0x3f8\n");
		return 1;
	}
	uart_init(&uart, ABI_PORT_COM1, BAUD);
	/* (c): the ring, registered with the VMM (HC_RING_SETUP). */
	r = pvring_open(&ring_out, &ring.header, RING_SIZE);
	if (r < 0)
		fail("HC_RING_SETUP", r);
	if (lines)
		compare(lines);
	else
		demo();
	/* Nothing left in the ring when the VM stops. */
	flush();
	return 0;
}
