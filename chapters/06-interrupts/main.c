/* SPDX-License-Identifier: MIT */
/*
 * Chapter 6: interrupts.
 *
 * Chapter 4's guest asked the UART, again and again, whether a byte had
 * arrived; every question was an exit.  A real machine does not wait that
 * way: the device raises an interrupt line, a controller turns it into a
 * vector, and the CPU, asleep in HLT, wakes up in the handler.
 *
 * KVM can emulate the PC's interrupt hardware in the kernel
 * (kvmlab/irq/irqchip.c): two 8259A PICs, an I/O APIC, a local APIC and an
 * 8254 timer.  The guest programs the PICs and the timer with IN and OUT
 * as on a PC, but those ports never reach this process, and neither does
 * its HLT: KVM keeps the vCPU asleep until an interrupt is due.
 *
 * The UART stays here, in user space (kvmlab/dev/serial8250.c), and now
 * drives its interrupt output the way the chip does.  Its line reaches
 * KVM through an irqfd with a resample eventfd (--irq irqfd, the
 * default) or through the KVM_IRQ_LINE ioctl (--irq line).  While the
 * guest sleeps, an I/O thread (kvmlab/irq/iothread.c) waits for input on
 * stdin and for KVM's resample events.
 *
 * --stats shows the difference: while chapter 4's monitor waits for a
 * key it makes thousands of exits a second; this one makes none.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/cli/options.h"
#include "kvmlab/cli/term.h"
#include "kvmlab/dev/debugexit.h"
#include "kvmlab/dev/serial8250.h"
#include "kvmlab/irq/iothread.h"
#include "kvmlab/irq/kvmirq.h"
#include "kvmlab/kvm/vcpu.h"
#include "kvmlab/load/loader.h"
#include "kvmlab/machine/boot.h"
#include "kvmlab/machine/machine.h"
#include "kvmlab/viewer/viewer.h"

static const char *irq_how = "irqfd";

static const struct chapter_value values[] = {
    {"irq", "HOW",
     "wire the UART's interrupt: irqfd (default) or line (KVM_IRQ_LINE)",
     &irq_how},
    {0},
};

static const struct chapter_info chapter = {
    .binary = "ch06",
    .title = "interrupts",
    .default_guest = "ch06.elf",
    .default_timeout = 0, /* an interactive monitor waits for its user */
    .values = values,
};

static struct serial8250 uart;
static struct kvmirq com1_irq;
static struct iothread io;

/* --stats: the port bus, the UART, its interrupt line, the I/O thread. */
static void device_stats(struct machine *m, FILE *out)
{
	bus_print_stats(&m->pio, out);
	serial8250_print_stats(&uart, out);
	kvmirq_print_stats(&com1_irq, out);
	iothread_print_stats(&io, out);
}

/* The guest emptied a full receive FIFO: wait on stdin again. */
static void input_room(void *opaque)
{
	iothread_kick(opaque);
}

/*
 * The UART, its interrupt line (IRQ 4) into KVM, and the I/O thread that
 * feeds it: stdin, unless the viewer (--tui) owns the terminal.  Then no
 * input is connected, but unlike chapter 4's polling monitor, which
 * would spin, this one sleeps in HLT waiting for a key: the idle machine
 * the viewer is there to watch, the timer's ticks waking it (q quits).
 */
static int uart_wire(struct machine *m, enum kvmirq_mode mode, bool tui)
{
	int in_fd = tui ? -1 : STDIN_FILENO;

	serial8250_init(&uart, stdout, in_fd);
	if (iothread_init(&io) ||
	    kvmirq_init(&com1_irq, &m->vm, ABI_IRQ_COM1, mode, &io))
		return -1;
	uart.irq = kvmirq_line(&com1_irq);
	uart.input_room = input_room;
	uart.input_room_opaque = &io;
	if (in_fd >= 0 &&
	    iothread_add(&io, "serial input", in_fd, serial8250_input,
			 serial8250_input_wanted, &uart))
		return -1;
	return 0;
}

static int parse_irq(enum kvmirq_mode *mode)
{
	if (!strcmp(irq_how, "irqfd") || !strcmp(irq_how, "line")) {
		*mode = irq_how[0] == 'i' ? KVMIRQ_IRQFD : KVMIRQ_LINE;
		return 0;
	}
	error("--irq %s: expected irqfd or line", irq_how);
	return ABI_STATUS_USAGE;
}

int main(int argc, char **argv)
{
	struct options opt;
	struct machine m;
	struct debugexit debug_exit;
	enum kvmirq_mode mode = KVMIRQ_IRQFD;
	int status;

	/* The command line: the shared options and --irq. */
	status = options_parse(&opt, &chapter, argc, argv);
	if (status != OPTIONS_RUN)
		return status;
	if (parse_irq(&mode))
		return ABI_STATUS_USAGE;
	/* The trace, the guest file, /dev/kvm, a VM with RAM at 0, KVM's
	 * PICs, I/O APIC and PIT (before the vCPU), one vCPU. */
	status = machine_open(&m, &opt, MACHINE_IRQCHIP);
	m.device_stats = device_stats;
	/* The 64-bit guest: ELF by its program headers, flat at 1 MiB. */
	if (!status)
		status = machine_load(&m, ABI_ELF_BASE, LOAD_ELF64 | LOAD_FLAT);
	/* Devices on the port bus: debug-exit (0xf4) and the UART (0x3f8),
	 * whose interrupt line goes to KVM; the PICs and the PIT are
	 * KVM's own and never appear on this bus. */
	if (!status &&
	    (uart_wire(&m, mode, opt.tui) ||
	     debugexit_register(&debug_exit, &m.board, vcpu_stop, &m.cpu) ||
	     serial8250_register(&uart, &m.board, ABI_PORT_COM1)))
		status = ABI_STATUS_HOST;
	/* Long mode with VMM-built page tables, as in chapter 3. */
	if (!status && vcpu_set_cpuid(&m.cpu))
		status = ABI_STATUS_HOST;
	if (!status)
		status = boot_long(&m.cpu, m.img.entry, 0);
	/* The terminal becomes the serial line; the I/O thread watches it. */
	if (!status && !opt.tui && term_raw(STDIN_FILENO) < 0)
		status = ABI_STATUS_HOST;
	if (!status && iothread_start(&io))
		status = ABI_STATUS_HOST;
	if (!status) {
		/* Run it, or with --tui step through it in the viewer. */
		status = machine_run(&m, viewer_run);
		serial8250_flush(&uart);
		term_restore();
	}
	/* The thread first: it uses the UART and the line. */
	iothread_stop(&io);
	kvmirq_close(&com1_irq);
	return machine_close(&m, status);
}
