/* SPDX-License-Identifier: MIT */
/*
 * guest.c: chapter 4's guest, a small monitor on the serial port.
 *
 * It drives the emulated 8250 the way a real driver drives the chip
 * (guest/drivers/uart8250.c): probe it, program the divisor latch and the
 * line format, then poll the line status register before every byte it
 * sends and for every byte it waits for.  On top of that it reads command
 * lines, echoing what is typed as a serial console does, and runs them:
 *
 *   help                   the commands
 *   echo TEXT              print TEXT
 *   inb|inw|inl PORT       read an I/O port
 *   outb|outw|outl PORT V  write one
 *   peek ADDR              read the 32-bit word at ADDR
 *   poke ADDR V            write it
 *   baud RATE              program the divisor latch
 *   burst on|off           16 bytes per LSR poll, or one
 *   bytes N                print N bytes (to measure exits per byte)
 *   regs                   the UART's registers
 *   exits                  port accesses the driver has made so far
 *   exit [STATUS]          end the VM with STATUS (default 0)
 *
 * End of input (the line "hangs up") or Ctrl-D on an empty line ends the
 * session with status 0, like a shell at the end of its script.
 */
#include <stdbool.h>
#include <stdint.h>

#include "abi/machine.h"
#include "cpu.h"
#include "exit.h"
#include "idt.h"
#include "io.h"
#include "printf.h"
#include "readline.h"
#include "string.h"
#include "uart8250.h"

#define LINE_LEN 80
#define MAX_ARGS 4
#define BAUD	 115200

/* 4-level paging entries (SDM Vol. 3A, 4.5), for peek and poke. */
#define PTE_P	 (1ull << 0)
#define PTE_W	 (1ull << 1)
#define PTE_PS	 (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

static struct uart uart;

/* ---- reading a command line ------------------------------------------ */

static int getc_polled(void *ctx)
{
	return uart_getc(ctx);
}

static void echo_polled(void *ctx, const char *text)
{
	uart_puts(ctx, text);
}

static struct line_reader reader = {getc_polled, echo_polled, &uart, 0};

static bool number(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	*v = strtoul(s, &end, 0);
	if (!*s || *end || *s == '-' || *v > max) {
		uart_printf(&uart, "not a number up to 0x%lx: %s\n",
			    (unsigned long)max, s);
		return false;
	}
	return true;
}

/* ---- commands --------------------------------------------------------- */

static int cmd_help(int argc, char **argv);

static int cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		uart_printf(&uart, "%s%s", argv[i], i + 1 < argc ? " " : "");
	uart_putc(&uart, '\n');
	return 0;
}

/* inb / inw / inl: the width is the command's last letter. */
static int width_of(const char *cmd)
{
	char w = cmd[strlen(cmd) - 1];

	return w == 'b' ? 1 : w == 'w' ? 2 : 4;
}

static int cmd_in(int argc, char **argv)
{
	uint64_t port;
	unsigned long v;
	int w = width_of(argv[0]);

	(void)argc;
	if (!number(argv[1], 0xffff, &port))
		return 1;
	v = w == 1   ? inb((uint16_t)port)
	    : w == 2 ? inw((uint16_t)port)
		     : inl((uint16_t)port);
	uart_printf(&uart, "0x%0*lx\n", 2 * w, v);
	return 0;
}

static int cmd_out(int argc, char **argv)
{
	uint64_t port, v;
	int w = width_of(argv[0]);

	(void)argc;
	if (!number(argv[1], 0xffff, &port) ||
	    !number(argv[2], w == 4 ? 0xffffffff : (1ul << (8 * w)) - 1, &v))
		return 1;
	if (w == 1)
		outb((uint16_t)port, (uint8_t)v);
	else if (w == 2)
		outw((uint16_t)port, (uint16_t)v);
	else
		outl((uint16_t)port, (uint32_t)v);
	return 0;
}

/*
 * Is the 4-byte word at va mapped (and writable, if asked)?  The walk
 * the MMU would do: a wrong address must be refused, not faulted on.
 */
static bool mapped(uint64_t va, bool write)
{
	uint64_t *table = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);

	/* Bits 63-47 must all be equal (a canonical address). */
	if ((uint64_t)((int64_t)(va << 16) >> 16) != va || va % 4)
		return false;
	for (int shift = 39; shift >= 12; shift -= 9) {
		uint64_t e = table[(va >> shift) & 511];

		if (!(e & PTE_P) || (write && !(e & PTE_W)))
			return false;
		if (shift == 12 || (shift <= 30 && (e & PTE_PS)))
			return true;
		table = (uint64_t *)(uintptr_t)(e & PTE_ADDR);
	}
	return false;
}

static int cmd_peek(int argc, char **argv)
{
	uint64_t addr;

	(void)argc;
	if (!number(argv[1], ~0ul, &addr))
		return 1;
	if (!mapped(addr, false)) {
		uart_printf(&uart,
			    "0x%lx: not mapped (or not 4-byte aligned)\n",
			    (unsigned long)addr);
		return 1;
	}
	uart_printf(&uart, "0x%08x\n", *(volatile uint32_t *)(uintptr_t)addr);
	return 0;
}

static int cmd_poke(int argc, char **argv)
{
	uint64_t addr, v;

	(void)argc;
	if (!number(argv[1], ~0ul, &addr) || !number(argv[2], 0xffffffff, &v))
		return 1;
	if (!mapped(addr, true)) {
		uart_printf(&uart,
			    "0x%lx: not mapped writable (or not aligned)\n",
			    (unsigned long)addr);
		return 1;
	}
	*(volatile uint32_t *)(uintptr_t)addr = (uint32_t)v;
	return 0;
}

static int cmd_baud(int argc, char **argv)
{
	uint64_t baud;

	(void)argc;
	if (!number(argv[1], BAUD, &baud) || baud == 0)
		return 1;
	uart_set_baud(&uart, (unsigned)baud);
	uart_printf(&uart, "divisor %lu: %lu baud\n",
		    (unsigned long)(BAUD / baud),
		    (unsigned long)(BAUD / (BAUD / baud)));
	return 0;
}

static int cmd_burst(int argc, char **argv)
{
	(void)argc;
	if (strcmp(argv[1], "on") != 0 && strcmp(argv[1], "off") != 0) {
		uart_puts(&uart, "burst on|off\n");
		return 1;
	}
	uart.burst = strcmp(argv[1], "on") == 0;
	return 0;
}

/* N bytes of text in lines of 64, to measure what output costs. */
static int cmd_bytes(int argc, char **argv)
{
	static const char pattern[] =
	    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.";
	uint64_t n;

	(void)argc;
	if (!number(argv[1], 1000000, &n))
		return 1;
	while (n) {
		size_t len = n < sizeof(pattern) ? n : sizeof(pattern);

		uart_write(&uart, pattern, len - 1);
		uart_putc(&uart, '\n');
		n -= len;
	}
	return 0;
}

static int cmd_regs(int argc, char **argv)
{
	static const char *const names[] = {"RBR", "IER", "IIR", "LCR",
					    "MCR", "LSR", "MSR", "SCR"};
	uint8_t lsr;

	(void)argc;
	(void)argv;
	/* Not RBR: reading it would take a received byte away. */
	for (unsigned r = 1; r < 8; r++)
		uart_printf(&uart, "%s=0x%02x%s", names[r], uart_reg(&uart, r),
			    r < 7 ? " " : "\n");
	lsr = uart_reg(&uart, 5);
	uart_printf(&uart, "LSR: %s%s%s%s\n", lsr & 0x01 ? "DR " : "",
		    lsr & 0x02 ? "OE " : "", lsr & 0x20 ? "THRE " : "",
		    lsr & 0x40 ? "TEMT" : "");
	return 0;
}

static int cmd_exits(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uart_printf(&uart, "%lu port accesses by the UART driver so far\n",
		    uart.io);
	return 0;
}

static int cmd_exit(int argc, char **argv)
{
	uint64_t status = 0;

	if (argc > 1 && !number(argv[1], ABI_STATUS_GUEST_MAX, &status))
		return 1;
	guest_exit((int)status);
}

struct command {
	const char *name, *args, *help;
	int nargs; /* arguments required after the name; -1: any */
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
    {"help", "", "this list", 0, cmd_help},
    {"echo", "TEXT", "print TEXT", -1, cmd_echo},
    {"inb", "PORT", "read a byte from an I/O port", 1, cmd_in},
    {"inw", "PORT", "read 16 bits", 1, cmd_in},
    {"inl", "PORT", "read 32 bits", 1, cmd_in},
    {"outb", "PORT VALUE", "write a byte to an I/O port", 2, cmd_out},
    {"outw", "PORT VALUE", "write 16 bits", 2, cmd_out},
    {"outl", "PORT VALUE", "write 32 bits", 2, cmd_out},
    {"peek", "ADDR", "read the 32-bit word at ADDR", 1, cmd_peek},
    {"poke", "ADDR VALUE", "write it", 2, cmd_poke},
    {"baud", "RATE", "program the divisor latch", 1, cmd_baud},
    {"burst", "on|off", "16 bytes per LSR poll, or 1", 1, cmd_burst},
    {"bytes", "N", "print N bytes of text", 1, cmd_bytes},
    {"regs", "", "show the UART's registers", 0, cmd_regs},
    {"exits", "", "count the driver's port accesses", 0, cmd_exits},
    {"exit", "[STATUS]", "end the VM with STATUS (0-63)", -1, cmd_exit},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (unsigned i = 0; i < NCOMMANDS; i++) {
		char left[24];

		snprintf(left, sizeof(left), "%s %s", commands[i].name,
			 commands[i].args);
		uart_printf(&uart, "  %-18s %s\n", left, commands[i].help);
	}
	return 0;
}

static void run(int argc, char **argv)
{
	for (unsigned i = 0; i < NCOMMANDS; i++) {
		const struct command *c = &commands[i];

		if (strcmp(argv[0], c->name) != 0)
			continue;
		if (c->nargs >= 0 && argc - 1 != c->nargs) {
			uart_printf(&uart, "usage: %s %s\n", c->name, c->args);
			return;
		}
		c->fn(argc, argv);
		return;
	}
	uart_printf(&uart, "unknown command: %s (try help)\n", argv[0]);
}

int guest_main(unsigned long arg)
{
	char line[LINE_LEN], *argv[MAX_ARGS];

	(void)arg;
	/* A stray exception is reported, not a triple fault. */
	idt_init();
	if (uart_probe(&uart, ABI_PORT_COM1) < 0) {
		/* Printed through the bare THR: the driver cannot be used. */
		printf("ABORT: no 8250 UART answers at port 0x%x\n",
		       ABI_PORT_COM1);
		return 1;
	}
	uart_init(&uart, ABI_PORT_COM1, BAUD);
	uart_printf(&uart,
		    "kvmlab monitor on the 8250 at port 0x%x, %u baud 8N1 "
		    "(type help)\n",
		    ABI_PORT_COM1, BAUD);
	for (;;) {
		int argc;

		uart_puts(&uart, "> ");
		if (read_line(&reader, line, sizeof(line)) < 0)
			break;
		argc = split_words(line, argv, MAX_ARGS);
		if (argc)
			run(argc, argv);
	}
	uart_puts(&uart, "\nthe line hung up: end of input\n");
	return 0;
}
