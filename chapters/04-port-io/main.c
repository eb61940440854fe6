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
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "abi/machine.h"
#include "kvmlab/machine/boot.h"
#include "kvmlab/dev/board.h"
#include "kvmlab/dev/debugexit.h"
#include "kvmlab/dev/serial8250.h"
#include "kvmlab/load/loader.h"
#include "kvmlab/base/log.h"
#include "kvmlab/machine/machine.h"
#include "kvmlab/cli/options.h"
#include "kvmlab/viewer/term.h"
#include "kvmlab/kvm/vcpu.h"

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

int main(int argc, char **argv)
{
	struct options opt;
	struct machine m;
	struct debugexit debug_exit;
	/* Where devices plug in: the buses; no device tree before chapter 5. */
	struct board board = {.pio = &m.pio, .mmio = &m.mmio};
	int r, status;

	r = options_parse(&opt, &chapter, argc, argv);
	if (r)
		return r > 0 ? 0 : -r;
	/* The trace, the guest file (read first: its errors need no KVM),
	 * /dev/kvm, a VM with RAM at 0, one vCPU, empty buses. */
	status = machine_open(&m, &opt);
	if (status)
		goto out;
	m.device_stats = device_stats;
	/* Load the 64-bit guest: ELF by its program headers, flat at 1 MiB. */
	status = -guest_file_load(&m.file, &m.vm.mem, ABI_ELF_BASE, &m.img);
	if (!status && m.img.kind == IMAGE_ELF32) {
		error("%s is ELF32; chapter 4 runs 64-bit guests", opt.guest);
		status = ABI_STATUS_BAD_IMAGE;
	}
	if (status)
		goto out;
	/* Devices, in port order: debug-exit (0xf4), the UART (0x3f8). */
	status = ABI_STATUS_HOST;
	/* Input from stdin, unless the viewer (--tui) owns the terminal. */
	serial8250_init(&uart, stdout, opt.tui ? -1 : STDIN_FILENO);
	/* With nobody to type, the line is hung up (DCD off) from the start:
	 * the monitor sees it and ends instead of waiting forever. */
	if (opt.tui)
		serial8250_hang_up(&uart);
	if (debugexit_register(&debug_exit, &board, vcpu_stop, &m.cpu) ||
	    serial8250_register(&uart, &board, ABI_PORT_COM1))
		goto out;
	/* Long mode with VMM-built page tables, as in chapter 3. */
	r = boot_long(&m.cpu, m.img.entry, 0);
	if (r) {
		status = r == -EEXIST ? ABI_STATUS_BAD_IMAGE : ABI_STATUS_HOST;
		goto out;
	}
	/* The terminal becomes the serial line, until we exit. */
	if (!opt.tui && term_raw(STDIN_FILENO) < 0)
		goto out;

	/* Run it, or with --tui step through it in the register viewer. */
	status = machine_run(&m, &opt, chapter.binary);
	serial8250_flush(&uart);
	term_restore();
out:
	/* --stats (with the port bus and the UART), "guest stopped", the
	 * trace checked; all closed. */
	return machine_close(&m, &opt, status);
}
