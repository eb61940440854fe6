/* SPDX-License-Identifier: MIT */
/*
 * Chapter 4: device emulation over port I/O.
 *
 * Full virtualisation is trap and emulate: the guest touches a device
 * register, the CPU stops it, and the VMM pretends to be the hardware.
 * Here the hardware is a 16550A UART at COM1 (kvmlab/dev/serial8250.c),
 * complete enough for a real driver: divisor latch, line and modem
 * control, FIFOs, line and modem status, interrupts identified in IIR.
 * The guest is a monitor that drives it by polling, as a boot console
 * does.  Its input is this process's stdin: a terminal (put in raw mode,
 * so each key is one byte on the line), a pipe or a file.
 *
 * --stats shows the price: every byte printed is at least one IN (the
 * line status poll) and one OUT (the byte), each a full exit to this
 * process and back.
 *
 * There is no time limit by default: the monitor waits for its user.
 */
#include <stdio.h>
#include <unistd.h>

#include "abi/machine.h"
#include "kvmlab/base/log.h"
#include "kvmlab/cli/options.h"
#include "kvmlab/dev/debugexit.h"
#include "kvmlab/dev/serial8250.h"
#include "kvmlab/kvm/vcpu.h"
#include "kvmlab/load/loader.h"
#include "kvmlab/machine/boot.h"
#include "kvmlab/machine/machine.h"
#include "kvmlab/cli/term.h"
#include "kvmlab/viewer/viewer.h"

static const struct chapter_info chapter = {
    .binary = "ch04",
    .title = "device emulation over port I/O",
    .default_guest = "ch04.elf",
    .default_timeout = 0, /* an interactive monitor waits for its user */
};

static struct serial8250 uart;

/* --stats: what each port device handled, and the UART's own counters. */
static void device_stats(struct machine *m, FILE *out)
{
	bus_print_stats(&m->pio, out);
	serial8250_print_stats(&uart, out);
}

/*
 * The UART reads stdin, unless the viewer (--tui) owns the terminal: then
 * the line is hung up (DCD off) from the start, and the monitor ends
 * instead of waiting for a user who cannot type.
 */
static void uart_init(bool tui)
{
	serial8250_init(&uart, stdout, tui ? -1 : STDIN_FILENO);
	if (tui)
		serial8250_hang_up(&uart);
}

int main(int argc, char **argv)
{
	struct options opt;
	struct machine m;
	struct debugexit debug_exit;
	int status;

	/* The command line: the shared options. */
	status = options_parse(&opt, &chapter, argc, argv);
	if (status != OPTIONS_RUN)
		return status;
	/* The trace, the guest file (read first: its errors need no KVM),
	 * /dev/kvm, a VM with RAM at 0, one vCPU, empty buses. */
	status = machine_open(&m, &opt, 0);
	m.device_stats = device_stats;
	/* The 64-bit guest: ELF by its program headers, flat at 1 MiB. */
	if (!status)
		status = machine_load(&m, ABI_ELF_BASE, LOAD_ELF64 | LOAD_FLAT);
	/* Devices, in port order: debug-exit (0xf4), the UART (0x3f8). */
	uart_init(opt.tui);
	if (!status &&
	    (debugexit_register(&debug_exit, &m.board, vcpu_stop, &m.cpu) ||
	     serial8250_register(&uart, &m.board, ABI_PORT_COM1)))
		status = ABI_STATUS_HOST;
	/* Long mode with VMM-built page tables, as in chapter 3. */
	if (!status && vcpu_set_cpuid(&m.cpu))
		status = ABI_STATUS_HOST;
	if (!status)
		status = boot_long(&m.cpu, m.img.entry, 0);
	/* The terminal becomes the serial line, until we exit. */
	if (!status && !opt.tui && term_raw(STDIN_FILENO) < 0)
		status = ABI_STATUS_HOST;
	if (!status) {
		/* Run it, or with --tui step through it in the viewer. */
		status = machine_run(&m, viewer_run);
		serial8250_flush(&uart);
		term_restore();
	}
	/* --stats (with the port bus and the UART), "guest stopped", the
	 * trace checked; all closed. */
	return machine_close(&m, status);
}
