/* SPDX-License-Identifier: MIT */
/*
 * guest.c: chapter 6's guest, the monitor again, driven by interrupts.
 *
 * It sets up what a PC kernel sets up before it enables interrupts: the
 * IDT (vectors 32-47 for the 16 ISA lines), the two 8259A PICs remapped
 * there, the 8254 timer ticking at TICK_HZ on IRQ 0, and the 8250's
 * interrupts on IRQ 4 (guest/drivers/uart_irq.c).  Then it enables
 * interrupts and, whenever it has nothing to do, sleeps in HLT.
 *
 *   help            the commands
 *   echo TEXT       print TEXT
 *   uptime          time since boot, counted in timer ticks
 *   sleep TICKS     sleep in HLT for TICKS timer ticks
 *   bytes N         print N bytes of text (to measure exits per byte)
 *   fifo on|off     16 bytes per THR-empty interrupt, or 1
 *   pic             the PICs' request, in-service and mask registers
 *   irqs            interrupts taken, by source and cause
 *   exits           port accesses the UART driver has made so far
 *   exit [STATUS]   end the VM with STATUS (default 0)
 *
 * As in chapter 4, the end of the input (the line hangs up) ends the
 * session with status 0.
 */
#include <stdbool.h>
#include <stdint.h>

#include "abi/machine.h"
#include "cpu.h"
#include "exit.h"
#include "idt.h"
#include "pic8259.h"
#include "pit8254.h"
#include "printf.h"
#include "readline.h"
#include "string.h"
#include "uart8250.h"
#include "uart_irq.h"

#define LINE_LEN 80
#define MAX_ARGS 4
#define BAUD	 115200
#define TICK_HZ	 100

static struct uart uart;
static volatile unsigned long ticks;

/* IRQ 0: one tick.  Edge-triggered: the EOI only reopens the line. */
static void timer_handler(struct trap_frame *f)
{
	(void)f;
	ticks++;
	pic_eoi(PIT_IRQ);
}

static bool number(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	*v = strtoul(s, &end, 0);
	if (!*s || *end || *s == '-' || *v > max) {
		uart_irq_printf("not a number up to %lu: %s\n",
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
		uart_irq_printf("%s%s", argv[i], i + 1 < argc ? " " : "");
	uart_irq_puts("\n");
	return 0;
}

static int cmd_uptime(int argc, char **argv)
{
	unsigned long t = ticks;

	(void)argc;
	(void)argv;
	uart_irq_printf("up %lu.%02lu s (%lu ticks of the %u Hz timer)\n",
			t / TICK_HZ, t % TICK_HZ * 100 / TICK_HZ, t, TICK_HZ);
	return 0;
}

static int cmd_sleep(int argc, char **argv)
{
	uint64_t n;
	unsigned long until, flags;

	(void)argc;
	if (!number(argv[1], 100 * TICK_HZ, &n))
		return 1;
	flags = irq_save();
	until = ticks + n;
	while ((long)(ticks - until) < 0)
		wait_for_interrupt();
	irq_restore(flags);
	uart_irq_printf("slept %lu ticks\n", (unsigned long)n);
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

		uart_irq_write(pattern, len - 1);
		uart_irq_puts("\n");
		n -= len;
	}
	return 0;
}

static int cmd_fifo(int argc, char **argv)
{
	(void)argc;
	if (strcmp(argv[1], "on") != 0 && strcmp(argv[1], "off") != 0) {
		uart_irq_puts("fifo on|off\n");
		return 1;
	}
	uart_irq_set_fifo(strcmp(argv[1], "on") == 0);
	return 0;
}

static int cmd_pic(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uart_irq_printf("PIC IRR=0x%04x ISR=0x%04x IMR=0x%04x (bit n: IRQ "
			"n), %lu spurious\n",
			pic_irr(), pic_isr(), pic_imr(), pic_spurious());
	return 0;
}

static int cmd_irqs(int argc, char **argv)
{
	const struct uart_irq_counts *c = uart_irq_counts();

	(void)argc;
	(void)argv;
	uart_irq_printf("timer (IRQ 0): %lu\nCOM1 (IRQ 4): %lu: receive %lu, "
			"THR empty %lu, line %lu, modem %lu\n",
			ticks, c->interrupts, c->rx, c->tx, c->line, c->modem);
	return 0;
}

static int cmd_exits(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	uart_irq_printf("%lu port accesses by the UART driver so far\n",
			uart.io);
	return 0;
}

static noreturn void finish(int status)
{
	uart_irq_flush();
	guest_exit(status);
}

static int cmd_exit(int argc, char **argv)
{
	uint64_t status = 0;

	if (argc > 1 && !number(argv[1], ABI_STATUS_GUEST_MAX, &status))
		return 1;
	finish((int)status);
}

struct command {
	const char *name, *args, *help;
	int nargs; /* arguments required after the name; -1: any */
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
    {"help", "", "this list", 0, cmd_help},
    {"echo", "TEXT", "print TEXT", -1, cmd_echo},
    {"uptime", "", "time since boot, in timer ticks", 0, cmd_uptime},
    {"sleep", "TICKS", "sleep in HLT for TICKS ticks", 1, cmd_sleep},
    {"bytes", "N", "print N bytes of text", 1, cmd_bytes},
    {"fifo", "on|off", "16 bytes per THR-empty interrupt, or 1", 1, cmd_fifo},
    {"pic", "", "the PICs' IRR, ISR and IMR", 0, cmd_pic},
    {"irqs", "", "interrupts taken, by cause", 0, cmd_irqs},
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
		uart_irq_printf("  %-18s %s\n", left, commands[i].help);
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
			uart_irq_printf("usage: %s %s\n", c->name, c->args);
			return;
		}
		c->fn(argc, argv);
		return;
	}
	uart_irq_printf("unknown command: %s (try help)\n", argv[0]);
}

static int getc_irq(void *ctx)
{
	(void)ctx;
	return uart_irq_getc();
}

static void echo_irq(void *ctx, const char *text)
{
	(void)ctx;
	uart_irq_puts(text);
}

int guest_main(unsigned long arg)
{
	struct line_reader reader = {getc_irq, echo_irq, NULL, 0};
	char line[LINE_LEN], *argv[MAX_ARGS];
	unsigned long mhz;

	(void)arg;
	/* Exceptions reported; vectors 32-47 ready for the ISA lines. */
	idt_init();
	if (uart_probe(&uart, ABI_PORT_COM1) < 0) {
		printf("ABORT: no 8250 UART answers at port 0x%x\n",
		       ABI_PORT_COM1);
		return 1;
	}
	uart_init(&uart, ABI_PORT_COM1, BAUD);
	/* The PICs, moved off the exception vectors, everything masked. */
	pic_init(IDT_IRQ_BASE);
	/* The timer: IRQ 0 at TICK_HZ. */
	idt_set_handler(IDT_IRQ_BASE + PIT_IRQ, timer_handler);
	mhz = pit_start(TICK_HZ);
	pic_unmask(PIT_IRQ);
	/* The UART on IRQ 4; then interrupts on, for good. */
	uart_irq_start(&uart, ABI_IRQ_COM1);
	sti();
	uart_irq_printf("kvmlab monitor, interrupt-driven: timer at %lu.%03lu "
			"Hz on IRQ 0, the 8250 at port 0x%x on IRQ %d (type "
			"help)\n",
			mhz / 1000, mhz % 1000, ABI_PORT_COM1, ABI_IRQ_COM1);
	for (;;) {
		int argc;

		uart_irq_puts("> ");
		if (read_line(&reader, line, sizeof(line)) < 0)
			break;
		argc = split_words(line, argv, MAX_ARGS);
		if (argc)
			run(argc, argv);
	}
	uart_irq_puts("\nthe line hung up: end of input\n");
	finish(0);
}
